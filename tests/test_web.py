"""The search page, the document view and the JSON API, through Flask's test client."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from smartclean_kb import KnowledgeBase
from smartclean_kb.cli import cli
from smartclean_kb.web import create_app
from web_fixtures import WEB_DATA, build_index, web_index  # noqa: F401 (a fixture)

ERROR_KEYS = {"ok", "error", "status", "hint"}


# -- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def app(web_index):
    app = create_app(web_index)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def page(client, path: str, **kwargs):
    response = client.get(path, **kwargs)
    return response, BeautifulSoup(response.get_data(as_text=True), "html.parser")


def doc_id(client, query: str, lang: str | None = None, doc_type: str | None = None) -> str:
    args = {"q": query, **({"lang": lang} if lang else {}), **({"type": doc_type} if doc_type else {})}
    hits = client.get("/api/search", query_string=args).get_json()["hits"]
    assert hits, f"no hits for {query!r}"
    return hits[0]["doc_id"]


def args_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# -- the search page ---------------------------------------------------------------------------

def test_start_page_has_a_labelled_search_box_and_what_the_archive_holds(client):
    response, soup = page(client, "/")
    assert response.status_code == 200
    box = soup.find("input", id="q")
    assert box["name"] == "q" and soup.find("label", attrs={"for": "q"})
    assert soup.find("form", attrs={"role": "search"})["method"] == "get"
    assert "Smart & Clean" in soup.find("header").get_text()
    assert "6 documents" in soup.get_text()


def test_results_keep_the_query_and_mark_the_matches(client):
    response, soup = page(client, "/?q=kierrätys")
    assert response.status_code == 200
    assert soup.find("input", id="q")["value"] == "kierrätys"
    hits = soup.select("li.hit")
    assert hits
    marks = [m.get_text().lower() for m in soup.select("li.hit .hit-snippet mark")]
    assert any(m.startswith("kierrät") for m in marks)
    assert "3 results" in soup.find(id="results-title").get_text()
    assert soup.select_one(".results-meta").get_text().count("ms")


def test_each_result_carries_its_language_and_citation_fields(client):
    _, soup = page(client, "/?q=kierrätys OR återvinning OR energy")
    hits = soup.select("li.hit")
    assert {h["lang"] for h in hits} == {"fi", "sv", "en"}
    for hit in hits:
        badge = hit.select_one(".badge--lang")
        assert badge.get_text(strip=True).endswith(hit["lang"].upper())
        assert "probability" in badge["title"]
        title = hit.select_one(".hit-title a")
        assert title["href"].startswith("/doc/") and "#p-" in title["href"]
        assert hit.select_one(".hit-meta")["lang"] == "en"  # the UI language, not the passage's
    _, soup = page(client, "/?q=aurinkopaneelit")
    blog = soup.select_one("li.hit")
    meta = blog.select_one(".hit-meta").get_text(" ", strip=True)
    assert "Blog post" in meta and "Maija Meikäläinen" in meta and "3 September 2019" in meta
    assert blog.select_one(".hit-source a")["href"].startswith("https://www.smartclean.example/")


def test_pdf_hits_show_their_page(client):
    pytest.importorskip("reportlab", reason="reportlab is not installed: no PDF in the test data")
    _, soup = page(client, "/?q=tiekartta&type=report")
    hit = soup.select_one("li.hit")
    assert hit is not None, "the generated report was not found as a report"
    assert "p. " in hit.select_one(".hit-meta").get_text()
    assert hit.select_one(".hit-source").get_text(strip=True) == "kiertotalouden-tiekartta.pdf"


def test_facet_links_combine_filters_in_the_url(client):
    _, soup = page(client, "/?q=kierrätys OR återvinning OR energy")
    groups = {s.find("h3").get_text(): s for s in soup.select(".facet")}
    assert set(groups) == {"Language", "Type", "Year"}
    swedish = next(a for a in groups["Language"].select("a") if "Swedish" in a.get_text())
    assert swedish.select_one(".count").get_text() == "3"
    assert args_of(swedish["href"]) == {"q": "kierrätys OR återvinning OR energy", "lang": "sv"}

    _, soup = page(client, swedish["href"])
    assert {h["lang"] for h in soup.select("li.hit")} == {"sv"}
    groups = {s.find("h3").get_text(): s for s in soup.select(".facet")}
    selected = groups["Language"].select_one("a[aria-current]")
    assert "Swedish" in selected.get_text() and "lang" not in args_of(selected["href"])
    year = groups["Year"].select_one("a")
    assert args_of(year["href"]) == {"q": "kierrätys OR återvinning OR energy", "lang": "sv", "year": "2016"}

    _, soup = page(client, year["href"])
    chips = soup.select(".chips .chip")
    assert len(chips) == 3  # language, year, clear all
    assert args_of(chips[0]["href"]) == {"q": "kierrätys OR återvinning OR energy", "year": "2016"}
    # A new search from the box keeps the chosen filters.
    hidden = {i["name"]: i["value"] for i in soup.select("form[role=search] input[type=hidden]")}
    assert hidden == {"lang": "sv", "year": "2016"}


def test_filters_narrow_results_by_type_and_year(client):
    _, soup = page(client, "/?q=kierrätys OR återvinning OR energy&type=text")
    assert soup.select("li.hit") and all("Text file" in h.get_text() for h in soup.select("li.hit"))
    _, soup = page(client, "/?q=kierrätys&year=1999")
    assert not soup.select("li.hit")
    assert "No results with the chosen filters" in soup.get_text()
    # The chosen year still shows (with 0) so it can be removed.
    chosen = soup.select_one(".facet a[aria-current]")
    assert chosen and "1999" in chosen.get_text()


def test_results_sorted_by_date_from_the_page_and_the_api(client):
    query = "kierrätys OR återvinning OR energy"
    _, soup = page(client, "/", query_string={"q": query})
    assert soup.select_one(".sort-links [aria-current]").get_text() == "relevance"
    newest = next(a for a in soup.select(".sort-links a") if a.get_text() == "newest first")
    assert args_of(newest["href"]) == {"q": query, "sort": "newest"}
    _, soup = page(client, newest["href"])
    assert soup.select_one(".sort-links [aria-current]").get_text() == "newest first"
    shown = [t["datetime"] for t in soup.select("li.hit .hit-meta time")]
    assert len(set(shown)) >= 2 and shown == sorted(shown, reverse=True)
    # the search box and the facets keep the order
    assert soup.select_one("#q").find_parent("form").select_one("input[name=sort]")["value"] == "newest"
    assert all(args_of(a["href"]).get("sort") == "newest" for a in soup.select(".facet a"))
    api = client.get("/api/search", query_string={"q": query, "sort": "oldest", "per_page": 100}).get_json()
    dates = [h["date"] for h in api["hits"] if h["date"]]
    assert dates == sorted(dates)
    assert_error_shape(client.get("/api/search", query_string={"q": query, "sort": "date"}), 400)


def test_back_from_a_document_returns_to_the_same_search(client):
    """Filters, order and page travel with the hit's link, so the document view's
    "back" link lands on the results the reader left."""
    search = {"q": "kierrätys OR återvinning OR energy", "lang": "fi", "sort": "oldest", "per_page": "1", "page": "2"}
    _, soup = page(client, "/", query_string=search)
    _, doc = page(client, soup.select_one(".hit-title a")["href"])
    assert args_of(doc.select_one(".back-link")["href"]) == search
    # A hand-made link with a bad filter still has a way back, without the bad filter.
    _, doc = page(client, soup.select_one(".hit-title a")["href"].replace("sort=oldest", "sort=sideways"))
    assert args_of(doc.select_one(".back-link")["href"]) == {k: v for k, v in search.items() if k != "sort"}
    # The same document in the other language keeps the search too.
    _, sv = page(client, doc.select_one(".translations a")["href"])
    assert args_of(sv.select_one(".back-link")["href"]) == {k: v for k, v in search.items() if k != "sort"}


def test_the_year_facet_takes_a_span(client):
    """The year facet's form sends its two ends; the results, the chip and the search box
    then carry the span as one year parameter, and the form shows it for changing."""
    query = "kierrätys OR återvinning OR energy"
    every = client.get("/api/search", query_string={"q": query, "per_page": 100}).get_json()
    years = sorted({h["year"] for h in every["hits"] if h["year"]})
    assert len(years) >= 2
    _, soup = page(client, "/", query_string={"q": query})
    form = soup.select_one(".facet form.year-span")
    args = {i["name"]: i.get("value", "") for i in form.select("input")}
    assert args == {"q": query, "year_from": "", "year_to": ""}
    args.update(year_from=str(years[1]), year_to="")
    _, soup = page(client, form["action"], query_string=args)
    hits = soup.select("li.hit")
    want = [h for h in every["hits"] if h["year"] and h["year"] >= years[1]]
    assert hits and len(hits) == min(len(want), 10)
    assert [c.get_text(" ", strip=True) for c in soup.select(".chip")] == [f"Year: {years[1]}– ×"]
    assert soup.select_one("#q").find_parent("form").select_one("input[name=year]")["value"] == f"{years[1]}-"
    assert soup.select_one("form.year-span input[name=year_from]")["value"] == str(years[1])
    span = client.get("/api/search", query_string={"q": query, "year": f"{years[1]}-", "per_page": 100}).get_json()
    assert {h["passage_id"] for h in span["hits"]} == {h["passage_id"] for h in want}
    # One year chosen from the list shows as the span from it to itself.
    _, soup = page(client, "/", query_string={"q": query, "year": str(years[0])})
    assert [i.get("value") for i in soup.select("form.year-span input[name^=year_]")] == [str(years[0])] * 2
    # A span the reader mistyped: one line saying so, and a way back that works.
    response, soup = page(client, "/", query_string={"q": query, "year_from": "20x4", "year_to": "2018"})
    assert response.status_code == 400 and "2014–2016" in soup.select_one(".notice").get_text()
    back, _ = page(client, soup.select_one(".notice a")["href"])
    assert back.status_code == 200


def test_pagination_links_and_result_numbers(client):
    _, soup = page(client, "/?q=kierrätys&per_page=1")
    nav = soup.select_one("nav.pagination")
    assert nav["aria-label"]
    current = nav.select_one("a[aria-current=page]")
    assert current.get_text() == "1"
    following = nav.select_one("a[rel=next]")
    assert args_of(following["href"]) == {"q": "kierrätys", "page": "2", "per_page": "1"}
    assert not nav.select_one("a[rel=prev]")

    _, soup = page(client, following["href"])
    assert soup.select_one("ol.hits")["start"] == "2"
    assert soup.select_one("nav.pagination a[aria-current=page]").get_text() == "2"
    assert args_of(soup.select_one("nav.pagination a[rel=prev]")["href"]) == {"q": "kierrätys", "per_page": "1"}
    assert "Showing 2–2" in soup.get_text()


def test_a_page_past_the_end_says_so_instead_of_repeating_hits(client):
    response, soup = page(client, "/?q=kierrätys&page=40")
    assert response.status_code == 200
    assert not soup.select("li.hit")
    assert "There is only one page of results" in soup.get_text()
    data = client.get("/api/search?q=kierrätys&page=40").get_json()
    assert data["hits"] == [] and data["total"] == 3 and data["pages"] == 1


def test_did_you_mean_for_a_misspelling(client):
    _, soup = page(client, "/?q=kierratys pääkaupunkiseudulla")
    suggestion = soup.select_one(".did-you-mean a")
    assert suggestion.get_text() == "kierrätys pääkaupunkiseudulla"
    assert args_of(suggestion["href"]) == {"q": "kierrätys pääkaupunkiseudulla"}
    # A query that finds nothing as typed is searched as corrected, and the page says so
    # once (no "did you mean" for what it did already; browser review), also to a
    # screen reader; a hit's link carries what was searched, so its document view marks
    # the matches (it said "no passage matches" the typo).
    response, soup = page(client, "/?q=kierratys")
    data = client.get("/api/search?q=kierratys").get_json()
    assert data["hits"] and data["close_spellings"] == ["kierrätys"] and data["searched"] == "kierrätys"
    assert data["suggestion"] is None and soup.select_one(".did-you-mean") is None
    assert "closest spellings" in soup.select_one(".close-spellings").get_text()
    assert "kierrätys" in soup.select_one("[data-summary]")["data-summary"]
    link = soup.select_one(".hit-title a")["href"]
    assert args_of(link)["q"] == "kierrätys"
    _, document = page(client, link)
    assert document.select("mark")
    assert client.get("/api/search?q=kierrätys").get_json()["close_spellings"] == []


def test_a_match_running_from_the_title_heading_into_the_next_stays_marked():
    """The page leaves out a heading that repeats the title; a phrase marked across it
    lost its opening mark with it, and then the whole mark (third review)."""
    from smartclean_kb.models import MARK_CLOSE, MARK_OPEN
    from smartclean_kb.web import format as fmt

    marked = fmt.heading_path(f"{MARK_OPEN}Avfallslag › 94{MARK_CLOSE} § Ansökan", "Avfallslag")
    assert str(fmt.marks(marked)) == "<mark>94</mark> § Ansökan"


def test_a_query_in_its_own_quotes_is_not_quoted_again(client):
    _, soup = page(client, '/?q="xyzzy plugh"')
    assert '“"' not in soup.select_one(".empty").get_text()
    # On a phone the button's text is hidden: its name must not be (axe: button-name).
    assert soup.select_one(".search-button")["aria-label"]


def test_empty_results_say_what_to_try(client):
    _, soup = page(client, "/?q=xyzzyplugh")
    assert "No results for" in soup.select_one(".empty").get_text()


# -- the document view ------------------------------------------------------------------------

def test_document_view_marks_hits_links_translations_and_cites(client):
    fi = doc_id(client, "kierrätys", lang="fi", doc_type="page")
    response, soup = page(client, f"/doc/{fi}?q=kierrätys")
    assert response.status_code == 200
    assert soup.find("h1").get_text() == "Jätteiden kierrätys pääkaupunkiseudulla"
    assert soup.select_one("article.document")["lang"] == "fi"
    passages = soup.select(".passage")
    assert len(passages) >= 2 and all(p.get("lang") for p in passages)
    hits = soup.select(".passage--hit")
    assert hits and hits[0].find("mark")
    jump = soup.select_one(".match-summary a")
    # The button goes to the match the query ranks first, which the citation names too.
    best = client.get(f"/api/documents/{fi}?q=kierrätys").get_json()["cited_passage"]
    assert jump["href"] == f"#p-{best}" and best in {h["id"].removeprefix("p-") for h in hits}
    assert "best match" in jump.get_text()
    meta = soup.select_one(".meta-list").get_text(" ", strip=True)
    assert "Smart & Clean -säätiö" in meta and "10 May 2016" in meta

    link = soup.select_one(".translations a[hreflang=sv]")
    assert link["lang"] == "sv" and link.get_text() == "Återvinning av avfall i huvudstadsregionen"
    alternate = soup.find("link", rel="alternate", hreflang="sv")
    assert link["href"].startswith(alternate["href"] + "?") and "q=" in link["href"]
    cite = soup.select_one("#citation").get_text()
    assert cite == ("Smart & Clean -säätiö (2016). Jätteiden kierrätys pääkaupunkiseudulla. "
                    "Smart & Clean. https://www.smartclean.example/fi/kierratys/.")

    response, soup = page(client, link["href"])
    assert response.status_code == 200
    assert soup.select_one("article.document")["lang"] == "sv"
    back = soup.select_one(".translations a[hreflang=fi]")
    assert back["href"].split("?")[0] == f"/doc/{fi}" and args_of(back["href"]) == {"q": "kierrätys"}


def test_document_view_of_a_pdf_cites_the_page_of_the_hit(client):
    pytest.importorskip("reportlab", reason="reportlab is not installed: no PDF in the test data")
    hits = client.get("/api/search?q=muovipakkausten&type=report").get_json()["hits"]
    assert hits, "the generated report was not found as a report"
    _, soup = page(client, f"/doc/{hits[0]['doc_id']}?q=muovipakkausten")
    assert soup.select_one("#citation").get_text().endswith("kiertotalouden-tiekartta.pdf, p. 2.")
    assert [m.get_text(strip=True) for m in soup.select(".page-marker")] == ["Page 1", "Page 2"]


def test_document_view_without_a_query_and_unknown_ids(client):
    fi = doc_id(client, "aurinkopaneelit")
    response, soup = page(client, f"/doc/{fi}")
    assert response.status_code == 200 and not soup.select("mark")
    response, soup = page(client, "/doc/0000000000000000")
    assert response.status_code == 404
    assert "Document not found" in soup.find("h1").get_text()


def test_document_view_keeps_the_lines_of_the_text(client):
    fi = doc_id(client, "energy")
    data = client.get(f"/api/documents/{fi}").get_json()
    assert data["title"] == "Energy efficiency in Espoo schools"
    assert client.get(f"/doc/{fi}").status_code == 200


# -- the page's own language ---------------------------------------------------------------------

@pytest.mark.parametrize("header, lang, button", [
    ("fi-FI,fi;q=0.9,en;q=0.8", "fi", "Hae"),
    ("sv-SE,sv;q=0.9", "sv", "Sök"),
    ("en-GB,en;q=0.9", "en", "Search"),
    ("de-DE,de;q=0.9", "en", "Search"),
])
def test_accept_language_picks_the_ui_language(client, header, lang, button):
    response, soup = page(client, "/?q=kierrätys", headers={"Accept-Language": header})
    assert soup.find("html")["lang"] == lang
    assert response.headers["Content-Language"] == lang
    assert soup.select_one(".search-button").get_text(strip=True) == button
    assert "Accept-Language" in response.headers["Vary"]


def test_the_switch_overrides_the_browser_and_is_remembered(app):
    client = app.test_client()
    response, soup = page(client, "/?q=kierrätys&ui=sv", headers={"Accept-Language": "en"})
    assert soup.find("html")["lang"] == "sv"
    assert "ui=sv" in response.headers["Set-Cookie"]
    switch = {a["lang"]: a for a in soup.select(".ui-switch a")}
    assert switch["sv"]["aria-current"] == "true"
    assert args_of(switch["fi"]["href"]) == {"q": "kierrätys", "ui": "fi"}
    _, soup = page(client, "/", headers={"Accept-Language": "en"})
    assert soup.find("html")["lang"] == "sv"  # from the cookie
    _, soup = page(client, "/?ui=fi")
    assert "Hae arkistosta" in soup.find("label", attrs={"for": "q"}).get_text()


# -- escaping ---------------------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>",
           "</title><script>alert(1)</script>", "javascript:alert(1)"]


@pytest.mark.parametrize("query", HOSTILE)
def test_the_echoed_query_is_text(client, query):
    for path in ("/", "/doc/" + doc_id(client, "kierrätys")):
        response = client.get(path, query_string={"q": query})
        body = response.get_data(as_text=True)
        assert response.status_code in (200, 400)
        soup = BeautifulSoup(body, "html.parser")
        assert soup.find("input", id="q")["value"] == query
        assert not soup.find_all("img") and not soup.select("body script") and not soup.find_all("svg", onload=True)
        assert "<script>alert" not in body and "<img src=x" not in body


def test_document_titles_and_text_are_escaped(client):
    response, soup = page(client, "/?q=quarantine")
    body = response.get_data(as_text=True)
    hit = soup.select_one("li.hit")
    assert hit.select_one(".hit-title a").get_text() == (
        "Markup <b>test</b> & <script>alert('title')</script> notes")
    assert "&lt;img src=x onerror=alert(&#39;body&#39;)&gt;" in body or "&lt;img src=x" in body
    assert not soup.select("li.hit b") and not soup.select("li.hit img") and not soup.select("li.hit script")
    assert {tag.name for tag in hit.select_one(".hit-snippet").find_all(True)} <= {"mark"}
    # A javascript: URL from a document's metadata is never a link.
    assert "javascript:" not in " ".join(a.get("href", "") for a in soup.find_all("a"))

    response, soup = page(client, f"/doc/{hit['data-doc']}?q=quarantine")
    body = response.get_data(as_text=True)
    assert soup.find("h1").get_text() == "Markup <b>test</b> & <script>alert('title')</script> notes"
    assert "<script>alert" not in body and "<img src=x" not in body
    assert {tag.name for p in soup.select(".passage") for tag in p.find_all(True)} <= {"mark"}
    assert "javascript:" not in " ".join(a.get("href", "") for a in soup.find_all("a"))
    # The API's HTML field is escaped the same way.
    data = client.get(f"/api/documents/{hit['data-doc']}?q=quarantine").get_json()
    assert any("<mark>" in p["highlight"] for p in data["passages"])
    assert all("<img" not in p["highlight"] for p in data["passages"])


def test_pages_send_a_content_security_policy(client):
    response = client.get("/?q=kierrätys")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- odd input never makes a 500 ------------------------------------------------------------------

ODD_QUERIES = [
    "a" * 10_000, "kierrätys " * 300, '"unbalanced', "unbalanced\"", "'", "*", "?", "**", "*ä*",
    "\x00\x01\x02\x03", "kierr\x02ätys\x03", "\u202ekierrätys", "((((", "))", "AND", "OR NOT", "NOT",
    "title:x", "lang:fi", "[a TO b]", "{x TO}", "x^3", "x~2", "-", "+", "\\", "/", "%", "%00",
    "🌍♻️", "ääääää" * 50, " ", "\t\n", "kierrätys AND (biojäte OR", "<", "&amp;",
]


@pytest.mark.parametrize("query", ODD_QUERIES, ids=lambda q: repr(q[:20]))
def test_odd_queries_never_make_a_500(client, query):
    for path in ("/", "/api/search"):
        response = client.get(path, query_string={"q": query})
        assert response.status_code in (200, 400), (path, response.status_code)
        if path.startswith("/api"):
            body = response.get_json()
            if response.status_code == 400:
                assert_error_shape(response, 400)
            else:
                assert body["ok"] is True
    fi = doc_id(client, "kierrätys")
    assert client.get(f"/doc/{fi}", query_string={"q": query}).status_code == 200
    assert client.get(f"/api/documents/{fi}", query_string={"q": query}).status_code in (200, 400)


def test_random_text_never_makes_a_500(client):
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    @hypothesis.settings(max_examples=40, deadline=None, derandomize=True)
    @hypothesis.given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
    def check(query):
        response = client.get("/api/search", query_string={"q": query})
        assert response.status_code in (200, 400), query

    check()


def test_odd_paths_and_ids(client):
    for path in ("/doc/%00", "/doc/..%2F..%2Fetc%2Fpasswd", "/doc/" + "x" * 5000, "/api/documents/%3Cscript%3E",
                 "/?q=x&page=99999999999999999999", "/?lang[]=fi", "/static/../kb.py",
                 "/?q=%ED%A0%80", "/?q=%FF%FE", "/api/search?q=%ED%A0%80", "/api/search?q=%C0%AF",
                 "/?endpoint=x", "/?_method=POST&q=x", "/?_external=1&q=x", "/?q=x&page=abc&endpoint=y",
                 "/doc/abc?endpoint=1&_anchor=x", "/nowhere?endpoint=1", "/?ui=xx&q=x", "/?q=x&q=y"):
        assert client.get(path).status_code in (200, 400, 404), path


# -- the JSON API -----------------------------------------------------------------------------------

def test_api_search_returns_the_cli_fields_plus_ok(client, web_index):
    response = client.get("/api/search?q=kierrätys&per_page=2")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["ok"] is True
    for key in ("query", "query_lang", "total", "page", "per_page", "suggestion", "facets", "hits", "seconds"):
        assert key in data
    assert data["total"] == 3 and data["page"] == 1 and data["per_page"] == 2 and len(data["hits"]) == 2
    assert data["query_lang"]["lang"] == "fi"
    assert set(data["facets"]) == {"lang", "doc_type", "year"} and data["facets"]["lang"] == {"fi": 3}

    runner = CliRunner()
    result = runner.invoke(cli, ["search", "kierrätys", "--index", str(web_index), "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    expected = json.loads(result.output)
    assert [h.keys() for h in data["hits"]] == [h.keys() for h in expected["hits"]]
    assert [h["passage_id"] for h in data["hits"]] == [h["passage_id"] for h in expected["hits"]]
    assert "<mark>" in data["hits"][0]["highlight"] and "\x02" not in data["hits"][0]["snippet"]


def test_api_search_filters_and_empty_query(client):
    data = client.get("/api/search?q=kierrätys OR återvinning&lang=sv&type=page&year=2016").get_json()
    assert data["hits"] and {h["lang"] for h in data["hits"]} == {"sv"}
    assert {h["doc_type"] for h in data["hits"]} == {"page"} and {h["year"] for h in data["hits"]} == {2016}
    data = client.get("/api/search?q=").get_json()
    assert data["ok"] is True and data["total"] == 0 and data["hits"] == []


def test_api_document(client):
    fi = doc_id(client, "kierrätys", lang="fi", doc_type="page")
    data = client.get(f"/api/documents/{fi}?q=biojäte").get_json()
    assert data["ok"] is True and data["doc_id"] == fi
    assert data["title"] == "Jätteiden kierrätys pääkaupunkiseudulla" and data["lang"] == "fi"
    assert data["translations"][0]["lang"] == "sv" and data["translations"][0]["doc_id"]
    assert [p["ordinal"] for p in data["passages"]] == sorted(p["ordinal"] for p in data["passages"])
    assert any(p["matched"] and "<mark>" in p["highlight"] for p in data["passages"])
    # No control characters (the library's own match marks) reach the JSON.
    raw = client.get(f"/api/documents/{fi}?q=biojäte").get_data(as_text=True)
    assert "\\u0002" not in raw and "\\u0003" not in raw and "\x02" not in raw
    assert client.get("/api/stats").get_json()["documents"] == 6


@pytest.mark.parametrize("path, status", [
    ("/api/search?q=x&page=0", 400),
    ("/api/search?q=x&page=abc", 400),
    ("/api/search?q=x&page=1_0", 400),
    ("/api/search?q=x&page=%EF%BC%92", 400),
    ("/api/search?q=x&page=1.5", 400),
    ("/api/search?q=x&per_page=0", 400),
    ("/api/search?q=x&per_page=101", 400),
    ("/api/search?q=x&lang=finnish", 400),
    ("/api/search?q=x&type=pdf", 400),
    ("/api/search?q=x&year=abc", 400),
    ("/api/search?q=x&year=2014-16", 400),
    ("/api/search?q=x&year_from=abc", 400),
    ("/api/search?q=" + "x" * 2000, 400),
    ("/api/documents/0000000000000000", 404),
    ("/api/nope", 404),
    ("/api/documents", 404),
    ("/api/documents/", 404),
])
def test_api_errors_share_one_shape(client, path, status):
    body = assert_error_shape(client.get(path), status)
    if "page=" in path or "per_page" in path:
        assert "page" in body["error"]


def test_a_language_facet_outside_fi_sv_en_leads_to_its_passages(tmp_path):
    """The facet lists every language the hits have (``de`` too); its link must work."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hanke.fi.txt").write_text("Kalasataman älykäs energiajärjestelmä yhdistää aurinkopaneelit, "
                                         "akut ja sähköautojen latauksen Helsingissä.", encoding="utf-8")
    (folder / "projekt.de.txt").write_text("Das intelligente Energiesystem in Kalasatama verbindet Solaranlagen, "
                                           "Batterien und das Laden von Elektroautos in Helsinki.", encoding="utf-8")
    KnowledgeBase(tmp_path / "ix").ingest([folder])
    app = create_app(tmp_path / "ix")
    client = app.test_client()
    response, soup = page(client, "/?q=Kalasatama", headers={"Accept-Language": "en"})
    links = {args_of(a["href"]).get("lang"): a["href"] for a in soup.select("a[href*='lang=']")}
    assert {"fi", "de"} <= set(links)
    response, soup = page(client, links["de"])
    assert response.status_code == 200
    assert {h["lang"] for h in soup.select("li.hit")} == {"de"}
    data = client.get("/api/search", query_string={"q": "Kalasatama", "lang": "DE"}).get_json()
    assert [h["source"].rsplit("/", 1)[-1] for h in data["hits"]] == ["projekt.de.txt"]


def test_api_wrong_method_is_json_too(client):
    assert_error_shape(client.post("/api/search?q=x"), 405)


def test_unknown_pages_are_pages(client):
    response, soup = page(client, "/no/such/page", headers={"Accept-Language": "fi"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Sivua ei löytynyt" in soup.find("h1").get_text()


def test_bad_parameters_on_the_page_are_explained_not_500(client):
    response, soup = page(client, "/?q=kierrätys&lang=finnish&type=page")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert soup.find("input", id="q")["value"] == "kierrätys"
    notice = soup.select_one(".notice--error")
    assert "lang" in notice.get_text()
    assert args_of(notice.select_one("a")["href"]) == {"q": "kierrätys", "type": "page"}
    response, soup = page(client, "/?q=" + "x" * 5000)
    assert response.status_code == 400 and "1,000" in soup.select_one(".notice--error").get_text()


def test_a_missing_index_is_503_with_a_hint(tmp_path, caplog):
    app = create_app(tmp_path / "no-index")
    client = app.test_client()
    body = assert_error_shape(client.get("/api/search?q=kierrätys"), 503)
    assert "ingest" in body["hint"]
    # The administrator reads why in the log (it said only "503").
    assert any(r.levelname == "WARNING" and "no index" in r.getMessage() for r in caplog.records)
    assert_error_shape(client.get("/api/documents/abc"), 503)
    assert_error_shape(client.get("/api/stats"), 503)
    response, soup = page(client, "/?q=kierrätys")
    assert response.status_code == 503 and "ingest" in soup.select_one(".admin-note").get_text()
    assert page(client, "/")[0].status_code == 503


def test_a_title_match_is_marked_in_the_hit_title(client):
    response, soup = page(client, "/?q=aurinkosähkö")
    titles = [h.decode_contents() for h in soup.select(".hit-title a")]
    assert any("<mark>Aurinkosähkö</mark>" in t for t in titles), titles
    hit = client.get("/api/search?q=aurinkosähkö").get_json()["hits"][0]
    assert "<mark>" in hit["title_highlight"] and "title_marked" not in hit


def test_odd_requests_get_clear_errors_and_links_that_stay_on_the_site(client):
    """Ops review: the 404 page's language switch put the path into its links as it
    came, so ``/%5Cevil.example`` linked to ``/\\evil.example``, another site to a
    browser; a query string that is not UTF-8 was searched as its percent escapes; a 405
    named no allowed methods."""
    for path in ("/%5Cevil.example", "/%09/evil.example", "/%2F%2Fevil.example"):
        response, soup = page(client, path)
        assert response.status_code == 404
        switch = [a["href"] for a in soup.select("a[hreflang]")]
        assert switch and all(href.startswith("/") and not href.startswith(("//", "/\\")) and "\t" not in href
                              for href in switch), switch
    # Under a reverse proxy's prefix the switch keeps it, as the page's other links do.
    response, soup = page(client, "/?q=kierrätys", base_url="http://localhost/kb/")
    switch = [a["href"] for a in soup.select("a[hreflang]") if "ui=" in a["href"]]
    assert len(switch) == 3 and all(href.startswith("/kb/?") for href in switch), switch
    body = assert_error_shape(client.get("/api/search?q=%ED%A0%80"), 400)
    assert "UTF-8" in body["error"]
    assert client.get("/api/search?q=%C3%A4").status_code == 200
    refused = client.post("/api/search")
    assert refused.status_code == 405 and "GET" in refused.headers["Allow"]


def test_unexpected_errors_are_500_without_a_traceback(app, monkeypatch, caplog):
    kb = app.extensions["smartclean_kb"]

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(kb, "search", broken)
    client = app.test_client()
    body = assert_error_shape(client.get("/api/search?q=kierrätys"), 500)
    assert "secret" not in body["error"]
    response, soup = page(client, "/?q=kierrätys")
    assert response.status_code == 500 and "secret" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text  # logged for the administrator


# -- serve --get ----------------------------------------------------------------------------------------

def test_serve_get_answers_one_request(web_index):
    runner = CliRunner()
    result = runner.invoke(cli, ["serve", "--index", str(web_index), "--get", "/api/search?q=kierrätys"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True and data["total"] == 3
    result = runner.invoke(cli, ["serve", "--index", str(web_index), "--get", "/api/search?q=x&page=0"])
    assert result.exit_code == 2 and json.loads(result.output)["status"] == 400
    # The exit codes of the other commands: no index is 3, an unknown document 1.
    missing = runner.invoke(cli, ["serve", "--index", str(web_index.parent / "none"), "--get", "/api/stats"])
    assert missing.exit_code == 3
    assert runner.invoke(cli, ["serve", "--index", str(web_index), "--get", "/api/documents/x"]).exit_code == 1


def test_serve_says_the_port_it_listens_on_and_a_port_in_use_is_one_line(web_index):
    import socket
    import subprocess
    import time

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    busy = subprocess.run([sys.executable, "-m", "smartclean_kb", "serve", "--index", str(web_index), "--port", str(port)],
                          capture_output=True, text=True, timeout=60)
    taken.close()
    assert busy.returncode == 1 and busy.stderr.strip().count("\n") == 0
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr
    server = subprocess.Popen([sys.executable, "-m", "smartclean_kb", "serve", "--index", str(web_index), "--port", "0"],
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "Serving" not in line and time.monotonic() < deadline:
            line = server.stderr.readline()
        assert "Serving" in line and ":0/" not in line
    finally:
        server.terminate()
        server.wait(timeout=10)


SLOW_APP = """
import sys, time
from flask import Flask
from smartclean_kb.web import server
app = Flask("slow")
@app.get("/slow")
def slow():
    time.sleep(1.5)
    return "done"
listening = server.listen("127.0.0.1", 0)
running = server.make(app, "127.0.0.1", listening)
print(running.port, flush=True)
server.serve(running)
print("stopped", flush=True)
"""


def test_sigterm_stops_the_server_after_the_requests_in_flight():
    """A stop cut off the request being answered (and as a container's PID 1, SIGTERM
    did nothing at all); log lines carried terminal colour codes into log files and the
    ``Server`` header named the software versions (ops review)."""
    import signal
    import subprocess
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-c", SLOW_APP], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        port = int(proc.stdout.readline())
        answers: list[tuple[int, str, str]] = []

        def fetch():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=30) as response:
                answers.append((response.status, response.read().decode(), response.headers["Server"]))

        client = threading.Thread(target=fetch)
        client.start()
        time.sleep(0.5)  # the request is being answered
        proc.send_signal(signal.SIGTERM)
        client.join(timeout=30)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert answers == [(200, "done", "smartclean-kb")]
    assert proc.returncode == 0 and out.strip() == "stopped"
    assert '"GET /slow HTTP/1.1" 200' in err and "\x1b" not in err


def test_a_second_sigterm_stops_at_once():
    """While it waits for the requests in flight, a second SIGTERM stops the server: as
    a container's PID 1 it fell back on no default action and waited (second review)."""
    import signal
    import subprocess
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-c", SLOW_APP], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        port = int(proc.stdout.readline())
        def fetch():
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/slow", timeout=30).read()
            except OSError:
                pass  # cut off, as asked

        client = threading.Thread(target=fetch, daemon=True)
        client.start()
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        assert time.monotonic() - started < 0.8 and proc.returncode == 128 + signal.SIGTERM
    finally:
        proc.kill()
        proc.communicate()


def test_serve_refuses_an_empty_address_and_warns_when_others_can_reach_it(web_index):
    """``--host "$HOST"`` with HOST unset listened on every interface, silently."""
    import subprocess

    empty = subprocess.run([sys.executable, "-m", "smartclean_kb", "serve", "--index", str(web_index), "--host", ""],
                           capture_output=True, text=True, timeout=60)
    assert empty.returncode == 1 and "no address given" in empty.stderr
    from smartclean_kb.web import server

    assert server.is_local("127.0.0.1") and server.is_local("::1") and server.is_local("localhost")
    assert not server.is_local("0.0.0.0")


# -- searching while an ingest runs in another process ---------------------------------------------

NEW_DOC = """---
title: Heliostat field notes
date: {date}
lang: en
---
The heliostat array on the Otaniemi campus roof follows the sun with two hundred mirrors.
Students measured how much heat the heliostat array delivers to the district heating loop
during the spring, and compared it with the heat pumps of the campus.
"""


def test_searches_keep_working_while_an_ingest_runs(tmp_path):
    index, docs = build_index(tmp_path, pdf=False)
    app = create_app(index)
    (docs / "heliostat-notes.md").write_text(NEW_DOC.format(date="2020-04-01"), encoding="utf-8")
    # A second folder makes the ingest long enough to overlap many searches.
    more = tmp_path / "more"
    more.mkdir()
    for n in range(12):
        text = NEW_DOC.format(date=f"2020-05-{n + 1:02d}").replace("heliostat", f"mirror{n}")
        (more / f"note-{n}.md").write_text(text, encoding="utf-8")
    problems: list[str] = []
    found = threading.Event()
    stop = threading.Event()

    def search_loop():
        client = app.test_client()
        while not stop.is_set():
            for q in ("kierrätys", "heliostat"):
                response = client.get("/api/search", query_string={"q": q})
                if response.status_code != 200:
                    problems.append(f"{q}: {response.status_code} {response.get_data(as_text=True)[:200]}")
                    continue
                data = response.get_json()
                if q == "kierrätys" and data["total"] < 1:
                    problems.append("the old documents vanished during the ingest")
                if q == "heliostat" and data["total"]:
                    found.set()
            # The counts and the index must come from one generation (a commit between
            # reading them made a sound index look damaged: review).
            response = client.get("/api/stats")
            if response.status_code != 200:
                problems.append(f"stats: {response.status_code} {response.get_data(as_text=True)[:200]}")

    threads = [threading.Thread(target=search_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "smartclean_kb", "ingest", "--index", str(index), "-q",
             str(docs), str(more)],
            capture_output=True, text=True, timeout=120,
        )
        assert process.returncode == 0, process.stderr
        deadline = time.monotonic() + 10
        while not found.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not problems, problems[:5]
    assert found.is_set(), "the new document never appeared in the search results"


def test_facets_after_ingesting_only_undated_files(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(WEB_DATA / "kierratys.fi.html", docs)
    index = tmp_path / "index"
    KnowledgeBase(index).ingest([docs])
    (docs / "undated.txt").write_text(NEW_DOC.split("---\n")[-1], encoding="utf-8")
    KnowledgeBase(index).ingest([docs])
    client = create_app(index).test_client()
    response = client.get("/api/search?q=heliostat")
    assert response.status_code == 200, response.get_json()
    facets = response.get_json()["facets"]
    assert facets["doc_type"] == {"text": 1} and not facets["year"]  # undated: no year to count


# -- labels --------------------------------------------------------------------------------------------

def test_every_label_exists_in_every_language_and_templates_use_only_known_ones():
    import re

    from smartclean_kb.web import i18n

    keys = {lang: set(labels) for lang, labels in i18n.LABELS.items()}
    assert keys["fi"] == keys["sv"] == keys["en"]
    templates = Path(i18n.__file__).with_name("templates")
    used = {m for f in templates.glob("*.html") for m in re.findall(r"""\bt\(["'](\w+)["']""", f.read_text())}
    assert used and used <= keys["en"], used - keys["en"]


def test_a_feed_entry_shows_and_cites_its_own_link(tmp_path):
    from test_xml import RSS

    (tmp_path / "uutiset.rss").write_text(RSS, encoding="utf-8")
    KnowledgeBase(tmp_path / "index").ingest([tmp_path / "uutiset.rss"])
    client = create_app(tmp_path / "index").test_client()
    [hit] = client.get("/api/search?q=kaupunkipyöräasemat&per_page=1").get_json()["hits"]
    assert hit["url"] == "https://example.org/uutiset/kaupunkipyorat"
    _, soup = page(client, f"/doc/{hit['doc_id']}?q=kaupunkipyöräasemat&at={hit['passage_id']}")
    link = soup.find(id=f"p-{hit['passage_id']}").find_next_sibling("p", class_="passage-link").a
    assert link["href"] == "https://example.org/uutiset/kaupunkipyorat"
    assert soup.select_one("#citation").get_text() == (
        "Kaupunkipyörät palaavat Espooseen (2016). Smart & Clean -uutiset. https://example.org/uutiset/kaupunkipyorat.")


def test_a_statute_hit_links_the_same_section_in_the_other_language(tmp_path):
    """A researcher on a Finnish section reaches the Swedish one from the hit list and
    from the section's heading in the document view, each link landing on that section."""
    from test_xml import FINNISH, STATUTE, SWEDISH

    for lang, values in (("fi", FINNISH), ("sv", SWEDISH)):
        (tmp_path / "finlex" / lang).mkdir(parents=True)
        (tmp_path / "finlex" / lang / "asd20160077.xml").write_text(STATUTE.format(**values), encoding="utf-8")
    KnowledgeBase(tmp_path / "index").ingest([tmp_path / "finlex"])
    client = create_app(tmp_path / "index").test_client()

    [hit] = client.get("/api/search?q=asetus tulee voimaan&lang=fi&per_page=1").get_json()["hits"]
    [sv] = hit["translations"]
    assert (sv["lang"], sv["heading"]) == ("sv", "1 kap. Allmänna bestämmelser › 2 § Ikraftträdande")
    _, soup = page(client, "/?q=asetus tulee voimaan&lang=fi")
    # The hit's own page cites the section the reader clicked, not the statute's first match.
    _, hit_page = page(client, soup.select_one(".hit .hit-title a")["href"])
    assert hit_page.select_one("#citation").get_text() == (
        "Valtioneuvoston asetus kaupunkipyöräjärjestelmistä (77/2016) 2 §. Suomen säädöskokoelma. asd20160077.xml.")
    link = soup.select_one(".hit .hit-translations a[hreflang=sv]")
    assert link.get_text() == "Statsrådets förordning om stadscykelsystem (77/2016) › 2 § Ikraftträdande"
    assert urlsplit(link["href"]).fragment == f"p-{sv['passage_id']}"

    _, soup = page(client, link["href"])
    target = soup.find(id=f"p-{sv['passage_id']}")
    assert target.get_text() == "Denna förordning träder i kraft den 1 juni 2016."
    assert soup.select_one("#citation").get_text() == (
        "Statsrådets förordning om stadscykelsystem (77/2016) 2 §. Finlands författningssamling. asd20160077.xml.")
    back = target.find_previous("h2", class_="passage-heading").select_one("a.section-link[hreflang=fi]")
    assert urlsplit(back["href"]).fragment == f"p-{hit['passage_id']}"
    assert back.select_one(".visually-hidden").get_text() == "The same section: Finnish"


def test_an_error_page_search_box_keeps_the_valid_filters_and_pages_have_one_h1(client):
    """Searching again from the 400 page lost type=page (review); search pages had no h1."""
    response, soup = page(client, "/", query_string={"q": "kierrätys", "type": "page", "lang": "fi", "year": "abc"})
    assert response.status_code == 400
    form = soup.select_one("#q").find_parent("form")
    assert {i["name"]: i["value"] for i in form.select("input[type=hidden]")} == {"type": "page", "lang": "fi"}
    for path in ("/", "/?q=kierrätys"):
        assert len(page(client, path)[1].select("h1")) == 1


def test_a_query_string_of_raw_utf8_is_read_as_utf8(web_index):
    """curl sends ``?q=kierrätys`` unescaped; the server gave its bytes as Latin-1 and the
    search read ``kierrÃ¤tys`` (review). Through werkzeug's real server, on a socket."""
    import socket
    import threading

    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, create_app(web_index), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", httpd.server_port), timeout=30) as conn:
            conn.sendall("GET /api/search?q=kierrätys HTTP/1.0\r\nHost: x\r\n\r\n".encode("utf-8"))
            response = b""
            while chunk := conn.recv(65536):
                response += chunk
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
    data = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert data["query"] == "kierrätys" and data["total"] == 3


def test_the_start_page_of_an_empty_index_says_how_to_fill_it(tmp_path):
    """Its example searches all answered 503 'no documents' (review)."""
    from smartclean_kb import KnowledgeBase

    (tmp_path / "empty").mkdir()
    KnowledgeBase(tmp_path / "ix").ingest([tmp_path / "empty"])
    _, soup = page(create_app(tmp_path / "ix").test_client(), "/?ui=en")
    assert not soup.select(".chips--examples") and "The index is empty" in soup.select_one(".home .notice").get_text()


def test_text_in_another_language_than_its_surroundings_says_so(tmp_path):
    """Screen readers pronounce text by its ``lang``: a Finnish title over an English
    passage was marked English, an English heading inside a Finnish document Finnish, and
    the start page's Swedish and English examples took the interface's language (review)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "raportti.html").write_text(
        "<html lang='fi'><head><title>Biokaasubussit Lahdessa</title></head><body><main>"
        "<h1>Biokaasubussit Lahdessa</h1>"
        "<p>Lahden kaupunki kerää biojätteen erikseen, ja siitä tehdään biokaasua kaupungin busseille. "
        "Hanke on osa Smart & Clean -säätiön työtä, ja sen tulokset raportoidaan vuosittain.</p>"
        "<p>Biojätteen keräys laajenee kaikkiin taloyhtiöihin, ja kaasun tuotanto kasvaa samalla. Uusia "
        "tankkausasemia rakennetaan kolme, ja kaupunki hankkii kymmenen uutta kaasubussia ensi vuonna.</p>"
        "<h2>Kokemuksia ensimmäiseltä vuodelta</h2>"
        "<p>Kuljettajat ovat pitäneet kaasubusseja hiljaisina ja luotettavina, ja matkustajat ovat "
        "huomanneet, ettei keskustan katujen varrella enää haise dieselin pakokaasu. Huoltoyhtiö "
        "kertoo, että kaasumoottorien huoltoväli on ollut sama kuin dieselmoottorien, ja "
        "polttoainekulut ovat pienentyneet noin viidenneksellä edellisvuodesta. Kaupunki aikoo "
        "kertoa kokemuksistaan myös muille kunnille, jotka suunnittelevat samanlaista hanketta.</p>"
        "<h2>Summary for international partners</h2>"
        "<p>The city of Lahti collects biowaste separately and turns it into biogas for its buses, "
        "which is reported every year to the partners of the programme. Three new filling stations "
        "will be built, and the city will buy ten new gas buses next year, so that most of the "
        "routes in the centre run on fuel made from the waste of its own households.</p></main></body></html>",
        encoding="utf-8")
    KnowledgeBase(tmp_path / "ix").ingest([docs])
    client = create_app(tmp_path / "ix").test_client()
    _, soup = page(client, "/?q=biogas&lang=en&ui=fi")
    hit = soup.select_one("li.hit")
    assert hit["lang"] == "en" and hit.select_one("h3.hit-title")["lang"] == "fi"
    _, soup = page(client, hit.select_one("h3 a")["href"])
    heading = soup.find("h2", class_="passage-heading", string=lambda s: s and "Summary" in s)
    assert heading is not None and heading["lang"] == "en"
    assert soup.select_one("article")["lang"] == "fi" and not soup.select_one("h1").get("lang")
    assert soup.select_one("#meta-title").get_text() == "Tiedot"
    _, soup = page(client, "/?ui=fi")
    examples = {a.get_text(): a["lang"] for a in soup.select(".chips--examples a")}
    assert examples["återvinning"] == "sv" and examples["smart city"] == "en" and examples["biojäte"] == "fi"


@pytest.mark.parametrize("ui, words", [("fi", "merkkiä pitkä"), ("sv", "tecken lång"), ("en", "characters long")])
def test_a_query_the_library_refuses_is_explained_in_the_interface_language(client, ui, words):
    """The library's English message stood under a Finnish or Swedish heading (review)."""
    response, soup = page(client, "/?q=" + "a" * 1001 + f"&ui={ui}")
    assert response.status_code == 400
    alert = soup.select_one("[role=alert]").get_text()
    assert words in alert and ("1\u202f000" if ui != "en" else "1,000") in alert
    assert soup.title.get_text().startswith({"fi": "Hakua ei voitu tehdä", "sv": "Sökningen kunde inte göras",
                                             "en": "The search could not be run"}[ui])
    response, soup = page(client, f"/doc/{doc_id(client, 'kierrätys')}?q=" + "a" * 1001 + f"&ui={ui}")
    assert response.status_code == 200 and words in soup.select_one(".notice--error").get_text()


def test_a_document_opened_with_a_query_too_broad_to_search_shows_the_document(client, monkeypatch):
    """The view marked ``k*`` without the search's checks, then the citation's search
    refused it: a 400 page instead of the document (review)."""
    from smartclean_kb import search as search_module

    doc = doc_id(client, "kierrätys")
    monkeypatch.setattr(search_module, "MAX_PREFIX_TERMS", 3)
    response, soup = page(client, f"/doc/{doc}?q=k*&ui=en")
    assert response.status_code == 200 and soup.select_one("h1#doc-title")
    assert "stands for too many words" in soup.select_one(".notice--error").get_text()


def test_a_long_document_lists_its_sections_to_jump_to(tmp_path):
    """A statute of hundreds of sections or a report of chapters had no way to its
    sections but scrolling (review)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    body = "Kaupunki kehittää jätehuoltoa ja kierrätystä yhdessä asukkaiden kanssa vuosittain. " * 6
    (docs / "raportti.md").write_text(
        "# Kiertotalouden tiekartta\n\n" + "".join(f"## {n} {name}\n\n{body}\n\n" for n, name in
                                                  enumerate(["Lähtökohdat", "Tavoitteet", "Toimenpiteet"], 1))
        + "### 3.1 Biojäte\n\n" + body + "\n\n## 4 Liitteet\n\n### 4.1 Taulukot\n\n" + body + "\n",
        encoding="utf-8")
    (docs / "muistio.md").write_text("# Muistio\n\n## Ainoa luku\n\n" + body + "\n", encoding="utf-8")
    KnowledgeBase(tmp_path / "index").ingest([docs])
    client = create_app(tmp_path / "index").test_client()
    _, soup = page(client, f"/doc/{doc_id(client, 'tiekartta')}?ui=fi")
    toc = soup.select_one("nav.toc")
    assert toc.select_one("h2").get_text(" ", strip=True) == "Sisällys 6" and toc.select_one("details").has_attr("open")
    links = [(a.get_text(), a["href"]) for a in toc.select("a")]
    # A chapter with no text of its own before its first subsection is listed too (review).
    assert [label for label, _ in links] == ["1 Lähtökohdat", "2 Tavoitteet", "3 Toimenpiteet", "3.1 Biojäte",
                                             "4 Liitteet", "4.1 Taulukot"]
    assert all(soup.find(id=href[1:]) for _, href in links) and links[4][1] == links[5][1]
    assert [li["class"] for li in toc.select("li")][-3:] == [["toc-depth-1"], ["toc-depth-0"], ["toc-depth-1"]]
    assert soup.select_one(".doc-top a.toc-jump")["href"] == "#toc"
    _, soup = page(client, f"/doc/{doc_id(client, 'muistio')}")
    assert soup.select_one("nav.toc") is None
