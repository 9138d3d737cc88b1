"""Plain text and Markdown: paragraphs at blank lines, Markdown headings as headings."""

from __future__ import annotations

import re

from ..errors import ExtractError
from ..models import Block, Document
from .dates import normalise_date
from .decode import decode_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def extract(data: bytes, source: str) -> Document:
    text, warnings = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, str] = {}
    if m := _FRONT_MATTER.match(text):
        for line in m.group(1).splitlines():
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[m.end():]
    markdown = source.lower().endswith((".md", ".markdown"))
    blocks = _markdown_blocks(text) if markdown else _text_blocks(text)
    if not blocks:
        raise ExtractError("no text")
    title = meta.get("title", "")
    if not title:
        first = blocks[0]
        title = first.headings[0] if first.headings else _first_line_title(text)
    return Document(
        source=source,
        doc_type="text",
        blocks=tuple(blocks),
        title=title,
        author=meta.get("author", ""),
        date=normalise_date(meta.get("date", "")),
        url=meta.get("url", ""),
        declared_lang=meta.get("lang", ""),
        warnings=tuple(warnings),
    )


def _first_line_title(text: str) -> str:
    """A short first line followed by more text reads as a title."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    return first if first and len(first) <= 150 and rest.strip() else ""


def _text_blocks(text: str) -> list[Block]:
    return [Block(" ".join(p.split())) for p in _PARAGRAPHS.split(text) if p.strip()]


def _markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    headings: list[tuple[int, str]] = []
    lines: list[str] = []

    def flush() -> None:
        para = " ".join(" ".join(lines).split())
        lines.clear()
        if para:
            blocks.append(Block(para, tuple(h for _, h in headings)))

    for line in text.split("\n"):
        if m := _HEADING.match(line):
            flush()
            level = len(m.group(1))
            while headings and headings[-1][0] >= level:
                headings.pop()
            headings.append((level, m.group(2)))
        elif not line.strip():
            flush()
        else:
            lines.append(re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", line))
    flush()
    return blocks
