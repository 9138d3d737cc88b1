"""Extraction: one module per format, chosen by file suffix.

Each extractor turns the bytes of one file into a :class:`~smartclean_kb.models.Document`
or raises :class:`~smartclean_kb.errors.ExtractError` with a one-line reason; whatever
the format, its text then leaves here in one form (see :func:`clean_text`).
"""

from __future__ import annotations

import importlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ExtractError
from ..models import Block, Document

Extractor = Callable[[bytes, str], Document]
FORMATS = ("html", "pdf", "text", "xmldoc")


def _lazy(module: str) -> Extractor:
    """A format's extractor that imports its module at its first file: BeautifulSoup and
    pypdf were half of the command line's start-up, and a search never needs them."""
    def extract(data: bytes, source: str) -> Document:
        return importlib.import_module(f"{__name__}.{module}").extract(data, source)

    extract.__qualname__ = f"{module}.extract"
    return extract


def load() -> None:
    """Import every format's module now: an ingest does, before its workers fork."""
    for module in FORMATS:
        importlib.import_module(f"{__name__}.{module}")


#: The format (module) of each suffix we index.
FORMAT_OF: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".xml": "xmldoc",
    ".rss": "xmldoc",
    ".atom": "xmldoc",
}
_EXTRACTOR_OF_FORMAT = {module: _lazy(module) for module in FORMATS}
EXTRACTORS: dict[str, Extractor] = {ext: _EXTRACTOR_OF_FORMAT[module] for ext, module in FORMAT_OF.items()}


def suffix(path: str | Path) -> str:
    """A file's suffix as ``Path.suffix`` gives it (``.txt``; empty for ``README`` or
    ``notes.``), without building a Path: an ingest asks it of every file it walks."""
    name = os.path.basename(os.fspath(path).rstrip(os.sep))
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def format_of(path: str | Path) -> str | None:
    """A file's format (``html``, ``pdf``, ``text``, ``xmldoc``), or None for a type we do not index."""
    return FORMAT_OF.get(suffix(path).lower())


def extractor_for(path: str | Path) -> Extractor | None:
    """The extractor for a file's suffix, or None for a type we do not index."""
    return EXTRACTORS.get(suffix(path).lower())


#: A PDF's header, after any byte order mark and white space (read in place, not copied).
_PDF_HEADER = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*%PDF-")


def extract_bytes(data: bytes, source: str) -> Document:
    """Extract a document from the bytes of ``source``; the suffix picks the format,
    except that a PDF is read as one whatever its name (a report saved as ``.html`` was
    indexed as its PDF syntax)."""
    extractor = extractor_for(source)
    if extractor is None:
        raise ExtractError(f"unsupported file type {suffix(source) or '(none)'}")
    if not data.strip():
        raise ExtractError("empty file")
    if format_of(source) != "pdf" and _PDF_HEADER.match(data):
        doc = _EXTRACTOR_OF_FORMAT["pdf"](data, source)
        return _cleaned(replace(doc, warnings=(*doc.warnings, f"a PDF named {suffix(source)}: read as a PDF")))
    return _cleaned(extractor(data, source))


#: Control characters other than tab and line ends, and halves of surrogate pairs.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text as the index and every reader of it expect it: composed (NFC), so ``ä``
    written as ``a`` + combining diaeresis (macOS, some PDFs) is found by ``ä``; no
    control characters (an ESC sequence reached the terminal through ``show``, an STX
    broke the marks around matches); no lone surrogate (a PDF's broken ToUnicode map
    made every later search of the index fail to encode its hits)."""
    if _NOT_TEXT.search(text):
        text = _NOT_TEXT.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else " ", text)
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _cleaned(doc: Document) -> Document:
    """The document with every text :func:`clean_text` would change cleaned (a block's
    headings repeat from block to block: each is cleaned once)."""
    headings: dict[tuple[str, ...], tuple[str, ...]] = {}

    def block(b: Block) -> Block:
        text = clean_text(b.text)
        if b.headings not in headings:
            headings[b.headings] = tuple(map(clean_text, b.headings))
        clean = headings[b.headings]
        link = web_address(b.link) if b.link else b.link
        if text is b.text and clean == b.headings and link == b.link:
            return b
        return replace(b, text=text, headings=clean, link=link)

    blocks = tuple(map(block, doc.blocks))
    fields: dict[str, object] = {name: clean_text(getattr(doc, name))
                                 for name in ("title", "description", "author", "publisher")}
    url = web_address(doc.url)
    fields["url"] = doc.url if url == doc.url else url
    translations = tuple((lang, address) for lang, url in doc.translations if (address := web_address(url)))
    if translations != doc.translations:
        fields["translations"] = translations
    if all(new is old for new, old in zip(blocks, doc.blocks)) and all(
            fields[name] is getattr(doc, name) for name in fields):
        return doc
    return replace(doc, blocks=blocks, **fields)


def web_address(url: str) -> str:
    """``url`` when it is an address to follow: http(s), or relative. A ``javascript:`` or
    ``data:`` address in a page's canonical link, hreflang or feed entry went out in the
    JSON as the document's ``url`` (the pages never link it; API clients might)."""
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https", "") else ""
