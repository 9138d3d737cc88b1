"""Document -> passages of roughly 40-250 words, cut at heading and paragraph boundaries.

A passage never crosses a PDF page, so a citation's page number is exact, and its id is
stable (document id + ordinal) so the same file always gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from .config import PASSAGE_MAX_WORDS, PASSAGE_MIN_WORDS
from .models import Block, Document, Passage

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"“])")


def document_id(source: str) -> str:
    """A short, URL-safe id derived from the source path, stable across re-ingests."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=8).hexdigest()


def split_passages(doc: Document, doc_id: str | None = None) -> list[Passage]:
    """Cut a document into passages; short neighbours on the same page are merged."""
    doc_id = doc_id or document_id(doc.source)
    merged: list[tuple[list[str], tuple[str, ...], int | None, str]] = []
    for texts, headings, page, lang in _chunks(doc.blocks):
        words = sum(len(t.split()) for t in texts)
        if merged:
            prev_texts, prev_headings, prev_page, prev_lang = merged[-1]
            prev_words = sum(len(t.split()) for t in prev_texts)
            fits = page == prev_page and lang == prev_lang and prev_words + words <= PASSAGE_MAX_WORDS
            fits = fits and (headings == prev_headings or not doc.whole_sections)
            if fits and prev_words < PASSAGE_MIN_WORDS:
                merged[-1] = (prev_texts + texts, prev_headings or headings, page, lang)
                continue
            if fits and words < PASSAGE_MIN_WORDS and headings == prev_headings:
                merged[-1] = (prev_texts + texts, prev_headings, page, lang)
                continue
        merged.append((texts, headings, page, lang))
    return [
        Passage(
            passage_id=f"{doc_id}-{ordinal:04d}",
            doc_id=doc_id,
            ordinal=ordinal,
            text="\n".join(texts),
            headings=headings,
            page=page,
        )
        for ordinal, (texts, headings, page, _lang) in enumerate(merged)
    ]


def _chunks(blocks: tuple[Block, ...]) -> Iterator[tuple[list[str], tuple[str, ...], int | None, str]]:
    """Group consecutive blocks of one section, page and marked language up to the maximum size."""
    current: list[str] = []
    words = 0
    key: tuple[tuple[str, ...], int | None, str] | None = None
    for block in blocks:
        block_key = (block.headings, block.page, block.lang)
        if current and block_key != key:
            yield current, *key
            current, words = [], 0
        key = block_key
        for piece in _pieces(block.text):
            n = len(piece.split())
            if current and words + n > PASSAGE_MAX_WORDS:
                yield current, *key
                current, words = [], 0
            current.append(piece)
            words += n
    if current and key is not None:
        yield current, *key


def _pieces(text: str) -> Iterator[str]:
    """A block small enough stays whole; a long one is cut at sentences, then at words."""
    if len(text.split()) <= PASSAGE_MAX_WORDS:
        yield text
        return
    buffer: list[str] = []
    count = 0
    for sentence in _SENTENCE.split(text):
        words = sentence.split()
        while len(words) > PASSAGE_MAX_WORDS:
            if buffer:
                yield " ".join(buffer)
                buffer, count = [], 0
            yield " ".join(words[:PASSAGE_MAX_WORDS])
            words = words[PASSAGE_MAX_WORDS:]
        if count + len(words) > PASSAGE_MAX_WORDS and buffer:
            yield " ".join(buffer)
            buffer, count = [], 0
        buffer.extend(words)
        count += len(words)
    if buffer:
        yield " ".join(buffer)
