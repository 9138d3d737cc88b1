"""RSS and Atom feeds (news, decisions, notices): each entry a passage of its own.

feedparser reads every RSS and Atom dialect and their dates; an entry's title heads its
summary or content, whose HTML is read as the HTML extractor reads a paragraph, and its
link and date are the passage's own (a year filter or a date sort sees the entry's).
The document is the feed: its title, link, language and latest date.
"""

from __future__ import annotations

import re
from typing import Any

import feedparser
from feedparser.encodings import convert_to_utf8
from bs4 import BeautifulSoup

from ..errors import ExtractError, one_line
from ..models import Block, Document
from . import prolog
from .dates import read_date
from .html import element_text

_POSITION = re.compile(r"^<unknown>:\d+:\d+:\s*")
#: What may declare entities: a document type, or an entity declaration outside one.
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_UTF8_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"


def is_feed(root_name: str) -> bool:
    """Whether an XML root element (local name, lower case) is a feed's: RSS, Atom, RDF."""
    return root_name in ("rss", "feed", "rdf")


def extract(data: bytes, source: str) -> Document:
    """A feed's entries as blocks, each under its own title.

    A feed's own entities are never expanded: feedparser keeps plain-text ones and,
    when expat refuses a file, its loose parser expands them without limit (a 74 KB
    file became 400 MB of text). Everything before the root but an XML declaration is
    dropped (``_without_own_entities``), so a reference is left unexpanded (``&a;``
    reads ``&a``).
    """
    parsed = feedparser.parse(_without_own_entities(data))
    if not parsed.entries:
        reason = parsed.get("bozo_exception")
        detail = f" (invalid XML: {_one_line(reason)})" if parsed.bozo and reason else ""
        raise ExtractError(f"a feed with no entries{detail}")
    feed = parsed.feed
    blocks: list[Block] = []
    dates: list[str] = []
    for entry in parsed.entries:
        title = _plain(entry.get("title", ""))
        text = _entry_text(entry)
        date = _date(entry)
        if text or title:
            blocks.append(Block(text=text or title, headings=(title,) if title and text else (),
                                link=entry.get("link", ""), date=date))
        if date:
            dates.append(date)
    if not blocks:
        raise ExtractError("a feed whose entries have no text")
    return Document(
        source=source,
        doc_type="feed",
        blocks=tuple(blocks),
        title=_plain(feed.get("title", "")),
        description=_plain(feed.get("subtitle", "")),
        author=_plain(feed.get("author", "")),
        date=max(dates, default="") or _date(feed),
        url=feed.get("link", ""),
        declared_lang=(feed.get("language") or "").split("-")[0].strip().lower(),
        whole_sections=True,
        block_dates=True,
    )


def _without_own_entities(data: bytes) -> bytes:
    """The feed as UTF-8 (feedparser's own decoding, so a declaration in UTF-16, UTF-32
    or EBCDIC is seen too) with nothing before its root but an XML declaration: the
    document type, comments and processing instructions of its prolog are dropped
    (feedparser reads entities even out of a comment there). A prolog that cannot be
    walked to a root refuses the file if it declares anything. The body is left as it
    is, so an article that mentions ``<!ENTITY`` is read."""
    utf8 = convert_to_utf8({}, data, {})
    root = prolog.root_start(utf8)
    if root is not None:
        return _UTF8_DECLARATION + utf8[root:]
    if _DECLARATION.search(utf8):
        raise ExtractError("a feed that declares entities of its own (refused: they can expand without limit)")
    return utf8


def _entry_text(entry: Any) -> str:
    """The entry's fullest text: its content, else its summary, as plain text."""
    for content in entry.get("content") or ():
        if text := _plain(content.get("value", "")):
            return text
    return _plain(entry.get("summary", ""))


def _plain(markup: str) -> str:
    """Text of a feed field that may hold HTML (feedparser has sanitised it)."""
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    return element_text(BeautifulSoup(markup, "lxml"))


def _date(item: Any) -> str:
    """An entry's or feed's date (published, else updated) as YYYY-MM-DD, on the day the
    feed wrote: feedparser's parsed dates are in UTC, which moved ``01 Jan 2015 01:00
    +0200`` into 2014 (its year filter and citation with it)."""
    for key in ("published", "updated"):
        if found := read_date(str(item.get(key) or "")):
            return found
        value = item.get(f"{key}_parsed")
        if value and 1900 <= value.tm_year <= 2099:  # as every other date read here
            return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"
    return ""


def _one_line(exc: Exception) -> str:
    """The parser's complaint without its position, which counts lines feedparser added."""
    return one_line(_POSITION.sub("", str(exc)))
