"""Extraction: one module per format, chosen by file suffix.

Each extractor turns the bytes of one file into a :class:`~smartclean_kb.models.Document`
or raises :class:`~smartclean_kb.errors.ExtractError` with a one-line reason.
"""

from __future__ import annotations

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


def extractor_for(path: str | Path) -> Extractor | None:
    """The extractor for a file's suffix, or None for a type we do not index."""
    return EXTRACTORS.get(Path(path).suffix.lower())


def extract_bytes(data: bytes, source: str) -> Document:
    """Extract a document from the bytes of ``source``; the suffix picks the format."""
    extractor = extractor_for(source)
    if extractor is None:
        raise ExtractError(f"unsupported file type {Path(source).suffix or '(none)'}")
    if not data.strip():
        raise ExtractError("empty file")
    return extractor(data, source)
