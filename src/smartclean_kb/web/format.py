"""Pure formatting for the pages: marks to HTML, safe links, page windows."""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import urlsplit

from markupsafe import Markup

from ..models import MARK_CLOSE, MARK_OPEN, with_marks



def marks(text: str | None) -> Markup:
    """Text with matches between STX/ETX as HTML: everything escaped, matches in <mark>."""
    return Markup(with_marks(text or "", "<mark>", "</mark>", escape=True))


def safe_url(url: str | None) -> str | None:
    """A link target only when it is http(s): never ``javascript:`` or ``data:`` from a document."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def short_url(url: str) -> str:
    """'https://www.smartclean.fi/fi/hankkeet/x/' -> 'smartclean.fi › fi › hankkeet › x'."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = parts.netloc.removeprefix("www.")
    path = [p for p in parts.path.split("/") if p]
    return " › ".join([host, *path]) if host else url


def file_name(source: str) -> str:
    return PurePath(source).name if source else ""


def heading_path(heading: str, title: str) -> str:
    """The heading path without a first element that only repeats the title (the path
    may carry match marks)."""
    parts = [p for p in (heading or "").split(" › ") if p]
    if parts and title and with_marks(parts[0], "", "").strip() == title.strip():
        dropped, parts = parts[0], parts[1:]
        if parts and dropped.count(MARK_OPEN) > dropped.count(MARK_CLOSE):
            parts[0] = MARK_OPEN + parts[0]  # a match that runs on into the next heading
    return " › ".join(parts)


def years(value: str) -> str:
    """A year filter as a reader writes it: ``2014–2016``, ``2017–``, ``–2016``."""
    return value.replace("-", "–")


def page_window(page: int, pages: int, width: int = 2) -> list[int | None]:
    """Page numbers to link, None where numbers are left out: [1, None, 4, 5, 6, None, 12]."""
    if pages <= 1:
        return []
    shown = {1, pages, *range(max(1, page - width), min(pages, page + width) + 1)}
    out: list[int | None] = []
    last = 0
    for n in sorted(shown):
        if n - last > 1:
            out.append(None)
        out.append(n)
        last = n
    return out


def quoted(query: str) -> str:
    """A query in typographic quotes, unless it is one phrase in its own quotes already."""
    inner = query[1:-1]
    if len(query) > 1 and query[0] == query[-1] == '"' and '"' not in inner:
        return query
    return f"“{query}”"
