"""Document -> passages of roughly 40-250 words, cut at heading and paragraph boundaries.

A passage never crosses a PDF page, so a citation's page number is exact, and its id is
stable (document id + ordinal) so the same file always gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import NamedTuple

from .config import PASSAGE_MAX_CHARS, PASSAGE_MAX_WORDS, PASSAGE_MIN_WORDS
from .models import Block, Document, Passage

#: A passage's characters at most: a piece of up to twice a run's limit.
_MAX_CHARS = 2 * PASSAGE_MAX_CHARS
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"“])")


def document_id(source: str) -> str:
    """A short, URL-safe id derived from the source path, stable across re-ingests."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


class _Key(NamedTuple):
    """What a passage's blocks share: a passage never mixes pages, languages, anchors,
    links or dates."""

    headings: tuple[str, ...]
    page: int | None
    lang: str
    anchor: str
    link: str
    date: str


def split_passages(doc: Document, doc_id: str | None = None) -> list[Passage]:
    """Cut a document into passages; short neighbours on the same page are merged."""
    doc_id = doc_id or document_id(doc.source)
    merged: list[tuple[list[str], _Key]] = []
    for texts, key in _chunks(doc.blocks):
        words = sum(len(t.split()) for t in texts)
        if merged:
            prev_texts, prev = merged[-1]
            prev_words = sum(len(t.split()) for t in prev_texts)
            fits = key[1:] == prev[1:]
            fits = fits and prev_words + words <= PASSAGE_MAX_WORDS
            fits = fits and sum(map(len, prev_texts + texts)) <= _MAX_CHARS
            fits = fits and (key.headings == prev.headings or not doc.whole_sections)
            if fits and prev_words < PASSAGE_MIN_WORDS:
                # Across a heading the passage is under what both sections are under, so its
                # citation names no section holding only part of its text; with nothing
                # shared, under the heading of the larger part (a section's tail after a
                # page break, then a short next one).
                shared = _shared(prev.headings, key.headings)
                larger = prev.headings if prev_words >= words else key.headings
                merged[-1] = (prev_texts + texts, prev._replace(headings=shared or larger))
                continue
            if fits and words < PASSAGE_MIN_WORDS and key.headings == prev.headings:
                merged[-1] = (prev_texts + texts, prev)
                continue
        merged.append((texts, key))
    return [
        Passage(
            passage_id=f"{doc_id}-{ordinal:04d}",
            doc_id=doc_id,
            ordinal=ordinal,
            text="\n".join(texts),
            headings=key.headings,
            page=key.page,
            anchor=key.anchor,
            link=key.link,
            date=key.date,
        )
        for ordinal, (texts, key) in enumerate(merged)
    ]


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """The headings two sections are both under: ``(T, A)`` and ``(T, B)`` share ``(T,)``."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _chunks(blocks: tuple[Block, ...]) -> Iterator[tuple[list[str], _Key]]:
    """Group consecutive blocks of one section, page and marked language up to the maximum size."""
    current: list[str] = []
    words = chars = 0
    key: _Key | None = None
    for block in blocks:
        block_key = _Key(block.headings, block.page, block.lang, block.anchor, block.link, block.date)
        if current and block_key != key:
            yield current, key
            current, words, chars = [], 0, 0
        key = block_key
        for piece in _pieces(block.text):
            n = len(piece.split())
            if current and (words + n > PASSAGE_MAX_WORDS or chars + len(piece) > _MAX_CHARS):
                yield current, key
                current, words, chars = [], 0, 0
            current.append(piece)
            words += n
            chars += len(piece)
    if current and key is not None:
        yield current, key


def _pieces(text: str) -> Iterator[str]:
    """A block small enough stays whole; a long one is cut at sentences, then at words,
    to at most ``PASSAGE_MAX_WORDS`` words and twice ``PASSAGE_MAX_CHARS`` characters; a
    run of characters with no space (a line of base64, minified code) is cut at
    ``PASSAGE_MAX_CHARS``: a 5 MB line was one passage."""
    if len(text) <= _MAX_CHARS and len(text.split()) <= PASSAGE_MAX_WORDS:
        yield text
        return
    buffer: list[str] = []
    count = size = 0
    for sentence in _SENTENCE.split(text):
        words = [w[i:i + PASSAGE_MAX_CHARS] for w in sentence.split() for i in range(0, len(w), PASSAGE_MAX_CHARS)]
        if buffer and (count + len(words) > PASSAGE_MAX_WORDS or size + sum(map(len, words)) + len(words) > _MAX_CHARS):
            yield " ".join(buffer)
            buffer, count, size = [], 0, 0
        for word in words:
            if buffer and (count >= PASSAGE_MAX_WORDS or size + len(word) + 1 > _MAX_CHARS):
                yield " ".join(buffer)
                buffer, count, size = [], 0, 0
            buffer.append(word)
            count += 1
            size += len(word) + 1
    if buffer:
        yield " ".join(buffer)
