"""HTML extraction benchmark: our extractor against the boilerplate libraries made for it.

    python bench/extraction.py

Why the HTML extractor is our own code and not trafilatura or readability-lxml: this
measures all three, in the same run, on what a user would notice.

* **Real article with gold text** (``../shared/data/real-docs/news/example-il``, an
  Iltalehti page with its full boilerplate and the article text as a news scraper keeps
  it): word precision (share of extracted words that are the article's) and recall.
* **Sanitised news pages** (``news/sanitized``: 13 pages from five Finnish and Swedish
  news sites whose every text node reads ``TEXT``, with their gold ``TEXT`` counts):
  how many pages come out within 25 % of the gold count. Structure alone decides here,
  so it shows which extractor finds the article's nodes; the gold keeps some boxes we
  count as chrome, so it is a rough figure.
* **The shipped archive** (``corpus/pages``, ``corpus/blog``): chrome marker words that
  leak into the text (``corpus/README.md`` lists them; none may), and words of our
  extraction the library's lacks (article text it dropped).

The libraries are optional here (``pip install trafilatura readability-lxml
lxml_html_clean``); a missing one is named and skipped. Writes nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "real-docs" / "news"
sys.path.insert(0, str(ROOT / "src"))

from smartclean_kb.extract import extract_bytes  # noqa: E402

#: The chrome marker words of corpus/README.md and the blog footers' street names.
MARKERS = ("evästekarkki", "kakburk", "cookiejar", "kuusikujantie", "uutiskirjetilaus",
           "kommenttiketju", "kommentarstråd", "commentthread", "lukusuositus", "lästips",
           "readingtip", "itämerenkatu", "östersjögatan", "mikonkatu", "mikaelsgatan")


def ours(html: bytes) -> str:
    doc = extract_bytes(html, "page.html")
    headings = dict.fromkeys(h for b in doc.blocks for h in b.headings)
    return " ".join([doc.title, *headings, *(b.text for b in doc.blocks)])


def trafilatura_text(html: bytes) -> str:
    import trafilatura

    page = html.decode("utf-8", "replace")
    meta = trafilatura.extract_metadata(page)
    text = trafilatura.extract(page, include_comments=False, include_tables=True) or ""
    return f"{meta.title if meta and meta.title else ''} {text}"


def readability_text(html: bytes) -> str:
    from bs4 import BeautifulSoup
    from readability import Document

    doc = Document(html.decode("utf-8", "replace"))
    return f"{doc.short_title()} {BeautifulSoup(doc.summary(html_partial=True), 'lxml').get_text(' ')}"


EXTRACTORS: dict[str, Callable[[bytes], str]] = {
    "ours": ours, "trafilatura": trafilatura_text, "readability-lxml": readability_text,
}


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def available() -> dict[str, Callable[[bytes], str]]:
    found = {}
    for name, fn in EXTRACTORS.items():
        try:
            fn(b"<html><body><p>x</p></body></html>")
        except ImportError as exc:
            print(f"{name}: not installed ({exc.name}); skipped")
            continue
        found[name] = fn
    return found


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    if not NEWS.is_dir():
        print(f"{NEWS} is missing: the news pages are in ../shared beside the checkout")
        return 1
    extractors = available()
    gold = words((NEWS / "example-il.txt").read_text(encoding="utf-8"))
    article = (NEWS / "example-il.html").read_bytes()
    sanitised = sorted(NEWS.glob("sanitized/*/*.html"))
    archive = sorted([*ROOT.glob("corpus/pages/**/*.html"), *ROOT.glob("corpus/blog/**/*.html")])
    reference = {path: words(ours(path.read_bytes())) for path in archive}

    print(f"\n{'':18} {'article P / R':>14} {'sanitised ±25%':>15} {'markers':>8} {'archive words lost':>19}")
    for name, fn in extractors.items():
        found = words(fn(article))
        common = sum((found & gold).values())
        close = 0
        for page in sanitised:
            want = page.with_suffix(".txt").read_text(encoding="utf-8").count("TEXT")
            close += abs(fn(page.read_bytes()).count("TEXT") - want) <= 0.25 * want
        leaked = lost = 0
        for path in archive:
            text = words(fn(path.read_bytes()))
            leaked += sum(1 for m in MARKERS if m in text)
            lost += sum((reference[path] - text).values())
        print(f"{name:18} {common / max(1, sum(found.values())):>6.3f} / {common / sum(gold.values()):.3f}"
              f" {close:>9} of {len(sanitised):<3} {leaked:>8} {lost:>12} of {sum(sum(c.values()) for c in reference.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
