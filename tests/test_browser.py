"""A real server on a free port, driven by a real headless Chromium through Playwright.

Debian's chromium is used (``/usr/bin/chromium``; ``.ci/run`` installs it); without it
these tests skip. The results page is saved to tests/artifacts/ to be looked at.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from smartclean_kb.web import create_app
from web_fixtures import ARTIFACTS, web_index  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def server(web_index):
    """The app served by werkzeug's threaded server on 127.0.0.1, on a port the OS picks."""
    httpd = make_server("127.0.0.1", 0, create_app(web_index), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def new_page(browser, *, javascript: bool = True, width: int = 1280, locale: str = "fi-FI",
             bypass_csp: bool = False):
    context = browser.new_context(java_script_enabled=javascript, locale=locale, bypass_csp=bypass_csp,
                                  viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    return page


def wait_until(page, expression: str, timeout: float = TIMEOUT_MS / 1000) -> None:
    """Poll a JavaScript expression from Python (page.wait_for_function evaluates strings in
    the page, which the app's Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    assert not page.errors, page.errors  # no script errors, no CSP violations
    page.context.close()


def test_type_a_finnish_query_see_marks_and_filter_by_language(page, server):
    page.goto(server + "/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.evaluate("document.activeElement.id") == "q"  # autofocus on the start page
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("kierrätys OR återvinning", delay=20)
    # Search as you type: the results arrive without submitting, and the URL follows.
    page.wait_for_selector("li.hit mark")
    wait_until(page, "location.search.includes('q=')")
    marks = [m.lower() for m in page.locator("li.hit mark").all_inner_texts()]
    assert any(m.startswith("kierr") for m in marks) and any(m.startswith("återvinn") for m in marks)
    langs = set(page.locator("li.hit").evaluate_all("els => els.map(e => e.lang)"))
    assert langs == {"fi", "sv"}

    page.locator(".facet a[hreflang=sv]").click()
    page.wait_for_url("**lang=sv**")
    assert set(page.locator("li.hit").evaluate_all("els => els.map(e => e.lang)")) == {"sv"}
    assert page.locator(".facet a[aria-current]").inner_text().startswith("ruotsi")
    assert page.locator("#q").input_value() == "kierrätys OR återvinning"


def test_narrow_to_a_span_of_years_and_keep_typing(page, server):
    """The year facet's from/to form narrows the results; typing a new query afterwards
    (search as you type) keeps the span."""
    page.goto(server + "/?q=kierrätys OR återvinning OR energy")
    years = sorted(int(y) for y in page.locator(".facet a[href*='year='] .facet-label").all_inner_texts())
    assert len(years) >= 2
    page.fill("form.year-span input[name=year_from]", str(years[1]))
    page.locator("form.year-span button").click()
    page.wait_for_url("**year_from=**")
    assert page.locator(".chip").first.inner_text().replace("\n", " ").strip().endswith(f"{years[1]}– ×")
    shown = {int(y) for y in page.locator("li.hit time").evaluate_all("els => els.map(e => e.dateTime.slice(0, 4))")}
    assert shown and min(shown) >= years[1]
    page.fill("#q", "kierrätys")
    wait_until(page, "location.search.includes('year=') && !location.search.includes('återvinning')")
    assert "year=" + str(years[1]) in page.evaluate("decodeURIComponent(location.search)")
    page.wait_for_selector(".chip")
    assert page.locator(".chip").first.inner_text().replace("\n", " ").strip().endswith(f"{years[1]}– ×")


def test_open_a_document_and_follow_its_translation(page, server):
    page.goto(server + "/?q=kierrätys&type=page")
    page.get_by_role("link", name="Jätteiden kierrätys pääkaupunkiseudulla").first.click()
    page.wait_for_url("**/doc/**#p-**")
    assert page.locator("h1").inner_text() == "Jätteiden kierrätys pääkaupunkiseudulla"
    target = page.evaluate("location.hash")
    assert page.locator(target).locator("mark").count() >= 1
    citation = page.locator("#citation").inner_text()
    assert citation.startswith("Smart & Clean -säätiö (2016). Jätteiden kierrätys")

    page.locator(".copy-button").click()
    wait_until(page, "document.querySelector('.copy-status').textContent.length > 0")

    page.locator(".translations a[hreflang=sv]").click()
    page.wait_for_selector("article.document[lang=sv]")
    assert page.locator("h1").inner_text() == "Återvinning av avfall i huvudstadsregionen"
    # The other language version keeps the search: its back link returns to it.
    assert "type=page" in page.locator(".back-link").get_attribute("href")
    assert page.locator(".translations a[hreflang=fi]").count() == 1


def test_everything_works_without_javascript(browser, server):
    page = new_page(browser, javascript=False, locale="sv-SE")
    try:
        page.goto(server + "/")
        ui = page.locator("html").get_attribute("lang")
        assert ui == "sv", ui
        assert not page.locator(".copy-button").is_visible() if page.locator(".copy-button").count() else True
        page.fill("#q", "kierrätys OR återvinning")
        page.keyboard.press("Enter")
        page.wait_for_selector("li.hit mark")
        page.locator(".facet a[hreflang=fi]").click()
        page.wait_for_url("**lang=fi**")
        langs = page.locator("li.hit").evaluate_all("els => els.map(e => e.lang)")
        assert set(langs) == {"fi"}, (page.url, langs)
        page.locator("li.hit .hit-title a").first.click()
        page.wait_for_selector(".citation-text")
        assert not page.locator(".copy-button").is_visible(), page.url
    finally:
        page.context.close()


def test_hostile_queries_stay_text(browser, server):
    """With the Content-Security-Policy switched off: escaping alone must keep this inert."""
    page = new_page(browser, bypass_csp=True)
    query = "<img src=x onerror=window.__xss=1>"
    page.goto(server + "/?q=" + quote(query))
    assert page.locator("#q").input_value() == query
    assert page.evaluate("window.__xss") is None
    # Typed into the box (the search-as-you-type path) and on the document view.
    page.fill("#q", "")
    page.keyboard.type('"><img src=y onerror=window.__xss=2> kierrätys', delay=5)
    wait_until(page, "location.search.includes('kierr')")
    page.wait_for_selector("li.hit")
    assert page.evaluate("window.__xss") is None
    page.goto(server + "/doc/" + page.locator("li.hit").first.get_attribute("data-doc") + "?q=" + quote(query))
    assert page.locator("#q").input_value() == query
    assert page.evaluate("window.__xss") is None
    assert page.locator("img").count() == 0
    # Document text and titles with markup in them.
    page.goto(server + "/?q=quarantine")
    page.locator("li.hit .hit-title a").first.click()
    page.wait_for_selector(".citation-text")
    assert "<script>" in page.locator("h1").inner_text()
    assert page.evaluate("window.__xss") is None and page.locator("img, b").count() == 0
    assert not page.errors, page.errors
    page.context.close()


def test_screenshot_of_the_results_page(browser, server):
    """Saved as tests/artifacts/results.png (and a phone-width one) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    query = quote("kierrätys OR återvinning OR energy OR aurinkosähkö")
    for width, name in ((1280, "results.png"), (390, "results-mobile.png")):
        page = new_page(browser, width=width)
        try:
            page.goto(f"{server}/?q={query}")
            page.wait_for_selector("li.hit")
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            page.context.close()
    assert (ARTIFACTS / "results.png").stat().st_size > 20_000


def test_a_long_heading_wraps_on_a_phone_and_switching_language_keeps_the_place(browser, server):
    """A heading of one long word (a Finnish or Swedish compound) made the page scroll
    sideways at 320 px; the interface language links dropped the #passage (review)."""
    page = new_page(browser, width=320)
    page.goto(server + "/?q=caretaker weekly summary")
    page.locator("li.hit h3 a").first.click()
    page.wait_for_url("**/doc/**#p-**")
    assert page.locator(".passage-heading", has_text="Energyefficiencymeasurements").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    target = page.evaluate("location.hash")
    page.locator(".ui-switch a[hreflang=sv]").click()
    page.wait_for_selector("html[lang=sv]")
    assert page.evaluate("location.hash") == target
    # An emptied search box goes back to the start page, not the old results.
    page.goto(server + "/?q=kierrätys")
    page.fill("#q", "")
    page.locator("#q").dispatch_event("input")
    wait_until(page, "!location.search.includes('q=') && !document.querySelector('li.hit')")
    assert not page.errors, page.errors
    page.context.close()


def test_a_typed_search_survives_the_language_switch_and_back_returns_to_the_one_before(page, server):
    """The language links kept the address the page was loaded with, so switching after
    search-as-you-type showed the old search again; Back skipped the search typed over
    (review)."""
    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto(server + "/?q=kierrätys")
    page.fill("#q", "återvinning")
    page.locator("#q").dispatch_event("input")
    page.wait_for_selector(".ui-switch a[hreflang=sv][href*='tervinning']")
    page.locator(".ui-switch a[hreflang=sv]").click()
    page.wait_for_selector("html[lang=sv]")
    assert page.locator("#q").input_value() == "återvinning"
    page.go_back()
    expect(page.locator("#q")).to_have_value("återvinning")
    page.go_back()  # the typed search's entry: the page before it is loaded again
    expect(page.locator("#q")).to_have_value("kierrätys")
    expect(page.locator("li.hit mark").first).to_contain_text("ierrät")


def test_a_typed_search_the_server_cannot_answer_shows_its_error_page(browser, web_index, tmp_path):
    """With the index gone the server answers 503 without results: the old results stayed,
    dimmed, and nothing said why (review)."""
    index = tmp_path / "index"
    shutil.copytree(web_index, index)
    httpd = make_server("127.0.0.1", 0, create_app(index), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    page = new_page(browser)
    try:
        page.goto(f"http://127.0.0.1:{httpd.server_port}/?q=kierrätys")
        assert page.locator("li.hit").count()
        shutil.rmtree(index)
        page.fill("#q", "återvinning")
        page.locator("#q").dispatch_event("input")
        page.wait_for_selector(".error-page")
        assert page.locator(".error-code").inner_text() == "503"
    finally:
        page.context.close()
        httpd.shutdown()
        thread.join(timeout=10)
