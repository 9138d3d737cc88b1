"""What comes before an XML file's root element, read in order and in linear time.

The XML declaration, processing instructions, comments and the document type
declaration (whose internal subset declares entities) are walked one after another
with ``find``: patterns over the whole prolog backtracked (fifteen line breaks took
39 s) and took a ``<a>`` inside a comment for the root, leaving the real declaration
of an entity behind it.
"""

from __future__ import annotations

import re

_NAME_START = re.compile(rb"[A-Za-z_:]")
_NAME = re.compile(rb"[A-Za-z_:][\w.:-]*")
_SUBSET_END = re.compile(rb"\]\s*>")
_SPACE = b" \t\r\n"


def root_start(data: bytes) -> int | None:
    """Where the root element of ``data`` (UTF-8 or another ASCII-compatible encoding)
    starts, or None when the prolog does not end in one (an unclosed comment, text
    before the root)."""
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while i < len(data) and data[i] in _SPACE:
            i += 1
        if data.startswith(b"<?", i):
            end = data.find(b"?>", i + 2)
            end = end + 2 if end >= 0 else -1
        elif data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            end = end + 3 if end >= 0 else -1
        elif data[i:i + 9].upper() == b"<!DOCTYPE":
            bracket, close = data.find(b"[", i), data.find(b">", i)
            if bracket >= 0 and (close < 0 or bracket < close):
                found = _SUBSET_END.search(data, bracket)
                end = found.end() if found else -1
            else:
                end = close + 1 if close >= 0 else -1
        else:
            break
        if end < 0:
            return None
        i = end
    return i if data.startswith(b"<", i) and _NAME_START.match(data, i + 1) else None


def root_name(data: bytes) -> str:
    """The root element's local name (``rss`` of ``<rdf:RDF>`` is ``RDF``), or ""."""
    start = root_start(data)
    if start is None:
        return ""
    name = _NAME.match(data, start + 1)
    return name.group().decode("ascii", "replace").rpartition(":")[2] if name else ""
