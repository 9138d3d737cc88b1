"""Whoosh's BM25F scores for a plain-words query, worked out a term at a time.

A plain-words query is an OR of terms across the text fields (each word's forms, lemmas
and parts in each field). Whoosh scores it a posting at a time, through a matcher, a
scorer, a length column and a boost wrapper: about ten Python calls per posting, most
of a query's time at 100k passages. Here each term's posting blocks are read whole
(``index.CompactLeafMatcher.blocks``) and scored in one loop, against each field's
per-passage length factors worked out once per segment. The arithmetic is Whoosh's, in
the same order, so the scores are Whoosh's own to the last bit and ties still go to the
lower document number, as in its ``TopCollector``. It reads two internals of the pinned
Whoosh 2.7.4 (the per-document length column and BM25F's per-field B); a reader without
them is scored by Whoosh itself.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from .index import PackedValues

#: Per segment reader and field: each passage's BM25 length factor, K1 * (1 - B + B * fl / avgfl).
_NORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: The postings one search has read, by (segment reader, field, term as stored): the
#: proximity re-ranking reads the same terms' positions again.
Reads = dict
#: Common terms' postings kept between searches, per segment reader (``SharedPostings``):
#: a term with at least ``SHARED_MIN_POSTINGS`` postings, up to ``SHARED_PER_PASSAGE``
#: postings per passage the segment holds (about 50 MB of a server at 100k passages), least
#: recently used first out.
SHARED_MIN_POSTINGS = 1000
SHARED_PER_PASSAGE = 10


def summed_terms(q: wq.Query) -> list[wq.Term] | None:
    """The query's terms when it is a term or a flat OR of terms, which this module scores."""
    if type(q) is wq.Term:
        return [q]
    if type(q) is wq.Or and q.boost == 1.0 and all(type(c) is wq.Term for c in q.subqueries):
        return list(q.subqueries)
    return None


def top(searcher: Searcher, terms: list[wq.Term], depth: int, allow: set[int] | None,
        reads: Reads | None = None) -> tuple[int, list[tuple[float, int]]] | None:
    """How many passages match, and the best ``depth`` as (score, docnum), best first;
    None when the searcher does not rank by BM25F (Whoosh scores those itself).

    Each term adds its postings' scores into one array per segment, a term's postings
    at once (numpy): the same IEEE operations in the same order as a loop per posting,
    so the same bits, at a fraction of the time for the common words of a large index.
    The postings read are kept in ``reads`` for ``occurrences``.
    """
    reads = {} if reads is None else reads
    sums: dict[int, np.ndarray] = {}  # per segment offset: each passage's summed score
    matched: dict[int, np.ndarray] = {}
    for term in terms:
        weighting = _bm25f(searcher, term.fieldname)
        if weighting is None:
            return None
        k1 = weighting.K1
        avgfl = searcher.avg_field_length(term.fieldname) or 1
        boost = term.boost
        for reader, offset, text, postings in _segments_with(searcher, term.fieldname, term.text, reads):
            norms = _norms(reader, term.fieldname, weighting, avgfl)
            if norms is None:
                return None
            idf = searcher.idf(term.fieldname, text)
            ids, tf = postings.ids, postings.weights
            score = idf * ((tf * (k1 + 1)) / (tf + norms[ids]))
            if boost != 1.0:
                score *= boost
            if offset not in sums:
                sums[offset] = np.zeros(len(norms))
                matched[offset] = np.zeros(len(norms), dtype=bool)
            sums[offset][ids] += score
            matched[offset][ids] = True
    offsets = sorted(sums)
    found = [np.flatnonzero(matched[offset]) for offset in offsets]
    scores = np.concatenate([sums[o][f] for o, f in zip(offsets, found)] or [np.zeros(0)])
    docnums = np.concatenate([f + o for o, f in zip(offsets, found)] or [np.zeros(0, dtype=np.intp)])
    if allow is not None:
        allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
        allowed[np.fromiter(allow, dtype=np.intp, count=len(allow))] = True
        keep = allowed[docnums]
        scores, docnums = scores[keep], docnums[keep]
    return len(docnums), _best(scores, docnums, depth)


def _best(scores: np.ndarray, docnums: np.ndarray, depth: int) -> list[tuple[float, int]]:
    """The ``depth`` highest scores, ties to the lower document number (Whoosh's order)."""
    if len(scores) > depth > 0:
        floor = np.partition(scores, len(scores) - depth)[len(scores) - depth]
        keep = scores >= floor
        scores, docnums = scores[keep], docnums[keep]
    order = np.lexsort((docnums, -scores))[:depth]
    return list(zip(scores[order].tolist(), docnums[order].tolist()))


def matching(searcher: Searcher, terms: list[wq.Term], reads: Reads | None = None) -> np.ndarray:
    """Every passage holding any of the terms, as sorted document numbers (for facet
    counts, which need no scores); uses the postings ``top`` read into ``reads``."""
    reads = {} if reads is None else reads
    found: dict[int, np.ndarray] = {}  # per segment offset: which passages match
    for term in terms:
        if term.fieldname not in searcher.schema:
            continue
        for reader, offset, text, postings in _segments_with(searcher, term.fieldname, term.text, reads):
            ids = postings.ids
            if offset not in found:
                found[offset] = np.zeros(reader.doc_count_all(), dtype=bool)
            found[offset][ids] = True
    return np.concatenate([np.flatnonzero(found[o]) + o for o in sorted(found)] or [np.zeros(0, dtype=np.intp)])


def occurrences(searcher: Searcher, fieldname: str, texts: Sequence[str], docnums: Sequence[int],
                reads: Reads | None = None) -> dict[int, tuple[float, list[int]]] | None:
    """Of the sorted ``docnums``, those holding any of ``texts`` (one word's forms) in
    ``fieldname``: the terms' summed BM25F score there (as ``top`` scores them) and their
    positions. Uses the postings ``top`` read into ``reads`` (nearly always all of them:
    on the perf queries at 10k, 18 of 3,866 term lookups were not, all rare words; those
    are read here). None when not ranked by BM25F."""
    reads = {} if reads is None else reads
    weighting = _bm25f(searcher, fieldname)
    if weighting is None:
        return None
    decode = searcher.schema[fieldname].format.decode_positions
    k1 = weighting.K1
    avgfl = searcher.avg_field_length(fieldname) or 1
    local: dict[int, list[int]] = {}  # per segment offset: its share of docnums
    found: dict[int, tuple[float, list[int]]] = {}
    for text in texts:
        for reader, offset, term, postings in _segments_with(searcher, fieldname, text, reads):
            if offset not in local:
                local[offset] = [d - offset for d in docnums if offset <= d < offset + reader.doc_count_all()]
            if not local[offset]:
                continue
            norms = _norms(reader, fieldname, weighting, avgfl)
            if norms is None:
                return None
            idf = searcher.idf(fieldname, term)
            for docnum, tf, value in postings.postings_for(local[offset]):
                score = idf * ((tf * (k1 + 1)) / (tf + norms[docnum]))
                before, positions = found.get(docnum + offset, (0.0, []))
                found[docnum + offset] = (before + score, positions + decode(value))
    return found


class TermPostings:
    """One term's postings in one segment: document numbers and weights as arrays, and
    each block's values, kept packed until a passage's positions are asked for."""

    __slots__ = ("ids", "weights", "_starts", "_values")

    def __init__(self, matcher) -> None:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        self._starts: list[int] = []
        self._values: list[str | Sequence[bytes]] = []
        count = 0
        for block_ids, block_weights, values in _blocks(matcher):
            self._starts.append(count)
            self._values.append(values)
            ids.append(np.asarray(block_ids, dtype=np.intp))
            weights.append(np.asarray(block_weights, dtype=np.float64))
            count += len(block_ids)
        if len(ids) == 1:
            self.ids, self.weights = ids[0], weights[0]
        else:
            self.ids = np.concatenate(ids or [np.zeros(0, dtype=np.intp)])
            self.weights = np.concatenate(weights or [np.zeros(0)])

    def postings_for(self, docnums: Sequence[int]) -> Iterator[tuple[int, float, bytes]]:
        """(document number, weight, value) for those of the sorted ``docnums`` that have this term."""
        ids = self.ids
        if not len(ids):
            return
        wanted = np.asarray(docnums, dtype=np.intp)
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        held = ids[at] == wanted
        for i, docnum, weight in zip(at[held].tolist(), wanted[held].tolist(), self.weights[at[held]].tolist()):
            block = bisect_right(self._starts, i) - 1
            values = self._values[block]
            if isinstance(values, str):
                end = self._starts[block + 1] if block + 1 < len(self._starts) else len(ids)
                values = self._values[block] = PackedValues(values, end - self._starts[block])
            yield docnum, weight, values[i - self._starts[block]]


class SharedPostings:
    """The postings of a segment's common terms, kept between searches.

    A server's queries share their common words (``och``, ``tiedot``, ``uppgifter``), and
    reading such a term's blocks and making its arrays again was the largest part of a
    search at 100k passages. Rare terms are cheap to read and are not kept. A segment
    never changes, so an entry never goes stale; the whole cache goes with its reader.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple[str, bytes], TermPostings] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, bytes]) -> TermPostings | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: tuple[str, bytes], postings: TermPostings) -> None:
        size = len(postings.ids)
        if size > self.budget:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = postings
            self.size += size
            while self.size > self.budget:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.ids)


_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def _shared(reader) -> SharedPostings:
    with _SHARED_LOCK:
        found = _SHARED.get(reader)
        if found is None:
            found = _SHARED[reader] = SharedPostings(SHARED_PER_PASSAGE * reader.doc_count_all())
        return found


def _read(reads: Reads, reader, fieldname: str, term: bytes) -> TermPostings | None:
    """The term's postings in one segment (None when it has none), read once per search,
    and a common term's once per reader."""
    key = (reader, fieldname, term)
    if key in reads:
        return reads[key]
    shared = _shared(reader)
    postings = shared.get((fieldname, term))
    if postings is None:
        try:
            postings = TermPostings(reader.postings(fieldname, term))
        except TermNotFound:
            postings = None
        if postings is not None and len(postings.ids) >= SHARED_MIN_POSTINGS:
            shared.put((fieldname, term), postings)
    reads[key] = postings
    return postings


def _bm25f(searcher: Searcher, fieldname: str) -> scoring.BM25F | None:
    """The searcher's weighting when it is Whoosh's BM25F and ``fieldname`` is scored."""
    weighting = searcher.weighting
    schema = searcher.schema
    if type(weighting) is not scoring.BM25F or fieldname not in schema or not schema[fieldname].scorable:
        return None
    return weighting


def _segments_with(searcher: Searcher, fieldname: str, text: str,
                   reads: Reads) -> Iterator[tuple[Any, int, bytes, TermPostings]]:
    """Each segment reader holding the term, with its first document number, the term as
    the index stores it and its postings there. One term-dictionary lookup per segment:
    asking ``in`` first and then for the postings looked the term up twice (the extra
    lookups were about a twentieth of the slowest queries' time with two segments)."""
    term = searcher.schema[fieldname].to_bytes(text)
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        postings = _read(reads, reader, fieldname, term)
        if postings is not None:
            yield reader, offset, term, postings


def _blocks(matcher) -> Iterator[tuple[Sequence[int], Sequence[float], str | Sequence[bytes]]]:
    """The postings of a term; one by one when the segment has deletions (Whoosh then
    wraps the postings in a filter) or another codec wrote them."""
    if hasattr(matcher, "blocks"):
        yield from matcher.blocks()
        return
    ids, weights, values = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        values.append(matcher.value())
        matcher.next()
    yield ids, weights, values


def _norms(reader, fieldname: str, weighting: scoring.BM25F, avgfl: float) -> np.ndarray | None:
    """Each passage's length factor in ``fieldname``, as Whoosh's ``bm25()`` computes it
    from the length byte it stores; None for a reader without Whoosh's per-document file."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    B = weighting._field_B.get(fieldname, weighting.B)
    key = (fieldname, B, weighting.K1, avgfl)
    cached = _NORMS.setdefault(reader, {})
    if key not in cached:
        K1 = weighting.K1
        by_byte = [K1 * ((1 - B) + B * byte_to_length(b) / avgfl) if b else 0.0 for b in range(256)]
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        lengths = column.load() if column is not None else [0] * reader.doc_count_all()
        cached[key] = np.array(by_byte)[np.asarray(lengths, dtype=np.intp)]
    return cached[key]
