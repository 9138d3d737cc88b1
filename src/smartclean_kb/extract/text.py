"""Plain text and Markdown: paragraphs at blank lines; Markdown rendered to its text.

Markdown goes through a CommonMark parser (markdown-it-py, with tables), so what is
indexed and shown is what a reader of the rendered page sees: a link's text without
its URL, an image's alt text unless it is only a file name (PDF-to-Markdown converters
write ``![img-147.jpeg](img-147.jpeg)`` for every figure), emphasis and inline HTML
without their marks, a table row as its cells (as the HTML extractor gives them), and
headings of both kinds (``#`` and underlined) as headings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from ..errors import ExtractError
from ..models import Block, Document
from .dates import read_date
from .decode import decode_text

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def extract(data: bytes, source: str) -> Document:
    text, warnings = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, str] = {}
    if m := _FRONT_MATTER.match(text):
        meta = _front_matter(m.group(1), warnings)
        text = text[m.end():]
    markdown = source.lower().endswith((".md", ".markdown"))
    blocks, heading = _markdown_blocks(text) if markdown else (_text_blocks(text), "")
    if not blocks:
        raise ExtractError("no text")
    title = meta.get("title", "") or heading
    if not title:
        first = blocks[0]
        title = first.headings[0] if first.headings else _first_line_title(text)
    date = read_date(meta.get("date", ""))
    if meta.get("date") and not date:
        warnings.append(f"front matter date {meta['date'][:40]!r} is not a date; left out")
    return Document(
        source=source,
        doc_type="text",
        blocks=tuple(blocks),
        title=title,
        author=meta.get("author", ""),
        publisher=meta.get("publisher", ""),
        date=date,
        url=meta.get("url", ""),
        declared_lang=meta.get("lang", ""),
        warnings=tuple(warnings),
    )


class _FrontMatterLoader(yaml.BaseLoader):
    """YAML with every value a string (``lang: no`` is Norwegian, not false) and no
    aliases: nested ones grow nine-fold a level, and 600 bytes of them filled 30 GB."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not read in front matter")
        return super().compose_node(parent, index)


#: The longest value kept from front matter (a title, a list of authors).
_MAX_VALUE = 2000


def _front_matter(block: str, warnings: list[str]) -> dict[str, str]:
    """The front matter's fields, lowercased keys; a list (``[a, b]``, or ``- a`` lines)
    is joined with "; ", as several authors are. Read as YAML; what is no YAML is read
    line by line, and so is a value YAML would cut at a `` #`` (``title: Hanke #2`` is a
    title, not ``Hanke`` and a comment)."""
    try:
        data = yaml.load(block, Loader=_FrontMatterLoader)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        return _front_matter_lines(block, warnings)
    raw = dict(line.partition(":")[::2] for line in block.splitlines() if ":" in line)
    meta = {}
    for key, value in data.items():
        name = str(key).strip().lower()
        text = _front_matter_value(value)
        written = raw.get(str(key), "").strip()
        # ``title: Hanke #2`` is a title; ``title: Hanke # luonnos`` a title and a comment.
        if isinstance(value, str) and written[:1] not in "\"'[" and _HASH_IN_TEXT.search(written):
            text = " ".join(written.split())
        meta[name] = text[:_MAX_VALUE]
    return meta


#: A ``#`` that YAML takes for a comment but that is the text's own: a space before, none after.
_HASH_IN_TEXT = re.compile(r"\s#\S")


def _front_matter_value(value: Any) -> str:
    """A YAML value as text: a list's scalars joined with "; ", a mapping left out."""
    if isinstance(value, list):
        return "; ".join(v for v in (_front_matter_value(item) for item in value[:100]) if v)
    return " ".join(value.split()) if isinstance(value, str) else ""


def _front_matter_lines(block: str, warnings: list[str]) -> dict[str, str]:
    """``key: value`` lines, for front matter that is no YAML (``title: Jätelaki: muutos``,
    an unclosed quote); quotes around a value go, a ``[a, b]`` list is joined with "; ". A
    quote or list left open is taken as written, with a warning: a citation of ``[a, b``
    was all a reader got of it."""
    meta: dict[str, str] = {}
    for number, line in enumerate(block.splitlines(), start=2):
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            continue
        value = value.strip()
        if value and value[0] in "\"'" and (len(value) < 2 or value[-1] != value[0]):
            warnings.append(f"front matter line {number}: an unclosed quote in {key.strip()}")
        elif value.startswith("[") and value.endswith("]"):
            value = "; ".join(v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip())
        elif value.startswith("[") and "]" not in value:
            warnings.append(f"front matter line {number}: an unclosed list in {key.strip()}")
            value = value[1:]
        meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta


def _first_line_title(text: str) -> str:
    """A short first line followed by more text reads as a title."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    return first if first and len(first) <= 150 and rest.strip() else ""


def _text_blocks(text: str) -> list[Block]:
    return [Block(" ".join(p.split())) for p in _PARAGRAPHS.split(text) if p.strip()]


#: An image's alt text that is only a file name says nothing a reader would search for.
_FILE_NAME = re.compile(r"[\w.-]+\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?|eps|emf|wmf)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _parser() -> Any:
    """The CommonMark parser with tables and raw HTML (imported on the first Markdown file).

    Its default nesting limit (20) dropped the text of a quote 20 levels deep, or of a
    list 10 deep, without a word; 200 still parses without deep recursion."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True, "maxNesting": 200}).enable("table")


def _markdown_blocks(text: str) -> tuple[list[Block], str]:
    """The rendered text of each paragraph, list item, table row, quote and code block,
    under the headings in force; and the title: the first top-level heading, else the
    first heading (a page header that a PDF converter put above it is no title)."""
    blocks: list[Block] = []
    titles: dict[int, str] = {}
    headings: list[tuple[int, str]] = []
    level: int | None = None  # inside a heading of this level
    row: list[str] | None = None  # inside a table row: its cells so far

    def add(content: str) -> None:
        content = " ".join(content.split())
        if content:
            blocks.append(Block(content, tuple(h for _, h in headings)))

    for token in _parser().parse(text):
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1:])
        elif kind == "heading_close":
            level = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            add(" | ".join(cell for cell in row or () if cell))
            row = None
        elif kind == "inline":
            content = _inline_text(token.children or ())
            if level is not None:
                while headings and headings[-1][0] >= level:
                    headings.pop()
                if content:
                    headings.append((level, content))
                    titles.setdefault(level, content)
            elif row is not None:
                row.append(content)
            else:
                add(content)
        elif kind in ("fence", "code_block"):
            add(token.content)
        elif kind == "html_block":
            add(_html_text(token.content))
    return blocks, titles.get(1) or next(iter(titles.values()), "")


def _inline_text(children: Any) -> str:
    """What a reader sees of a paragraph's inline content."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "image":
            alt = child.content.strip()
            if alt and not _FILE_NAME.fullmatch(alt):
                parts.append(alt)
        elif kind == "html_inline" and child.content.lower().startswith("<br"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _html_text(html: str) -> str:
    """The text of a raw HTML block inside Markdown (comments and tags dropped)."""
    from bs4 import BeautifulSoup

    from .html import element_text

    return element_text(BeautifulSoup(html, "lxml"))
