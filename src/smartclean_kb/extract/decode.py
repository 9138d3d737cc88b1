"""Turning bytes of text files into str: UTF-8, a declared charset, or windows-1252."""

from __future__ import annotations

import codecs
import re

from ..errors import ExtractError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters mean this is not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 50)


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML or XML file declares in its first 4 KB, if Python knows it."""
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "ignore").lower()
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return None
    if codec.name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # as the HTML standard reads a meta tag's utf-16: the bytes said otherwise
    if codec.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"  # as browsers read them: € ” – were control characters
    try:  # a text encoding that keeps ASCII as it is, not base64, rot13 or zlib
        if "<a=1>".encode(codec.name) != b"<a=1>" or b"<a=1>".decode(codec.name) != "<a=1>":
            return None
    except (LookupError, UnicodeError, TypeError, ValueError):
        return None
    return codec.name


def decode_text(data: bytes, *, html: bool = False) -> tuple[str, list[str]]:
    """Decode ``data`` and return the text with any warnings about the decoding.

    UTF-16 (with a byte order mark or told by its zero bytes), UTF-8 (with or without
    BOM), then the declared charset, then windows-1252,
    the usual encoding of Finnish and Swedish files saved without a declaration
    (a superset of ISO-8859-1 for the letters å, ä and ö).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16(data, "utf-16"), []
    if wide := _utf16_without_bom(data):
        return _utf16(data, wide), []
    if looks_binary(data):
        raise ExtractError("binary content, not a text file")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    charset = declared_charset(data) if html else None
    if charset and charset not in ("utf-8", "utf_8"):
        try:
            return data.decode(charset), []
        except UnicodeDecodeError:
            pass
    if _mostly_utf8(data):
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        return text, [f"invalid UTF-8 bytes replaced at {bad} place(s), first at byte {first_bad}"]
    return data.decode("cp1252", errors="replace"), []


def _utf16(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExtractError(f"invalid UTF-16 at byte {exc.start}") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 with no byte order mark, told by its zero bytes: the high byte of every
    Latin letter, all on one side of the byte pairs (binary files have them on both)."""
    head = data[:8192]
    head = head[:len(head) - len(head) % 2]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= pairs * 0.3 and even == 0:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd == 0:
        return "utf-16-be"
    return None


#: A whole multi-byte UTF-8 sequence: a lead byte and exactly as many continuations as it
#: announces (windows-1252's ``ä”``, E4 94, is a three-byte lead with one).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _mostly_utf8(data: bytes) -> bool:
    """True when most of the file's non-ASCII bytes form whole UTF-8 sequences, so the
    bad ones are damage; otherwise it is windows-1252."""
    head = data[:200000]
    sequences = _UTF8_SEQUENCE.findall(head)
    in_sequences = sum(map(len, sequences))
    return len(sequences) >= 3 and in_sequences >= 2 * (len(_HIGH_BYTE.findall(head)) - in_sequences)
