"""Extraction: one module per format, chosen by file suffix.

Each extractor turns the bytes of one file into a :class:`~smartclean_kb.models.Document`
or raises :class:`~smartclean_kb.errors.ExtractError` with a one-line reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ..errors import ExtractError
from ..models import Document
from . import html, pdf, text

Extractor = Callable[[bytes, str], Document]

EXTRACTORS: dict[str, Extractor] = {
    ".html": html.extract,
    ".htm": html.extract,
    ".xhtml": html.extract,
    ".pdf": pdf.extract,
    ".txt": text.extract,
    ".text": text.extract,
    ".md": text.extract,
    ".markdown": text.extract,
}


def suffix(path: str | Path) -> str:
    """A file's suffix as ``Path.suffix`` gives it (``.txt``; empty for ``README`` or
    ``notes.``), without building a Path: an ingest asks it of every file it walks."""
    name = os.path.basename(os.fspath(path).rstrip(os.sep))
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def extractor_for(path: str | Path) -> Extractor | None:
    """The extractor for a file's suffix, or None for a type we do not index."""
    return EXTRACTORS.get(suffix(path).lower())


def extract_bytes(data: bytes, source: str) -> Document:
    """Extract a document from the bytes of ``source``; the suffix picks the format."""
    extractor = extractor_for(source)
    if extractor is None:
        raise ExtractError(f"unsupported file type {suffix(source) or '(none)'}")
    if not data.strip():
        raise ExtractError("empty file")
    return extractor(data, source)
