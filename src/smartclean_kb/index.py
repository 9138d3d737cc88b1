"""The Whoosh index on disk: schema, generations, the writer lock and version checks.

Whoosh's multi-file commits are not crash-safe on their own, so an index folder holds
*generations*: every ingest that changes anything writes a new generation (hard links
to the previous one's immutable segment files, then a Whoosh commit), and only when
that is complete and synced does it replace the ``CURRENT`` pointer with an atomic
rename. A killed ingest leaves the last committed generation as it was.

    index/
      CURRENT            name of the live generation
      .lock              held by the one writer
      gen-000007/        Whoosh files + manifest.json.gz + meta.json
"""

from __future__ import annotations

import errno
import fcntl
import gzip
import heapq
import json
import os
import pickle
import re
import shutil
import sys
import time
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, groupby, repeat
from operator import itemgetter, sub
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3LeafMatcher, W3PerDocReader,
                                  W3PerDocWriter, W3PostingsWriter, W3TermInfo, W3TermsReader)
from whoosh.columns import Column, ColumnReader, ColumnWriter, NumericColumn, PickleColumn
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

from . import analysis
from .errors import IndexLockedError, IndexMissingError, IndexVersionError, KBError

#: Bump when the stored fields, their meaning or the files' format change.
SCHEMA_VERSION = "11"
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"
#: The ingested files, gzipped JSON: paths repeat, and plain JSON was a tenth of the index.
MANIFEST = "manifest.json.gz"
META = "meta.json"
FAILURES = "failures.json"
_GEN = re.compile(r"^gen-(\d{6})$")


class Analysed:
    """A text field's postings worked out ahead of the writer (see ``AnalysedText``).

    Holds what ``TEXT.index`` yields, ``(term bytes, frequency, weight, encoded positions)``
    per distinct term, so the extraction workers can run the analysers on the second core
    and the one writer only adds postings. Kept as four columns: the writer queues a
    field's postings with one ``zip``, where a tuple per term built in Python twice (here
    and in the pool) cost a tenth of the analysis and index stages.
    """

    __slots__ = ("terms", "frequencies", "weights", "values")

    def __init__(self, terms: list[bytes], frequencies: list[int], weights: list[float],
                 values: list[bytes]) -> None:
        self.terms = terms
        self.frequencies = frequencies
        self.weights = weights
        self.values = values

    @classmethod
    def of(cls, items: Iterable[tuple[bytes, int, float, bytes]]) -> "Analysed":
        """From what ``TEXT.index`` yields."""
        columns = tuple(map(list, zip(*items))) or ([], [], [], [])
        return cls(*columns)

    @property
    def items(self) -> list[tuple[bytes, int, float, bytes]]:
        return list(zip(self.terms, self.frequencies, self.weights, self.values))


class CompactPositions(Positions):
    """Whoosh's positions format, each posting's positions packed as an array of gaps.

    Whoosh's own format stores a 4-byte count and then pickles the list of gaps: 13
    bytes for a word seen once, where this takes 2, and the count is the array's
    length. Whoosh pickles the schema into the index, so this class stays here at
    module level.
    """

    def encode(self, poslist: list[int]) -> bytes:
        if len(poslist) == 1:
            return _one_position(poslist[0])
        return _pack_gaps(poslist)

    def decode_positions(self, value: bytes) -> list[int]:
        return _unpack_gaps(value)

    def decode_frequency(self, value: bytes) -> int:
        return (len(value) - 1) // array(chr(value[0])).itemsize


@lru_cache(maxsize=1 << 16)
def _one_position(position: int) -> bytes:
    """A word seen once in a passage, the most common posting, packed once per position."""
    return _pack_uints([position])


def _pack_uints(numbers: list[int]) -> bytes:
    """Numbers as a one-letter array type code and the array's little-endian bytes."""
    try:  # most lists are of bytes: positions' gaps, small document gaps
        return b"B" + bytes(numbers)
    except ValueError:
        pass
    widest = max(numbers)
    code = "H" if widest < 0x10000 else "I" if widest < 0x100000000 else "Q"
    return code.encode("ascii") + _little_endian(array(code, numbers)).tobytes()


def _unpack_uints(packed: bytes) -> array:
    numbers = array(chr(packed[0]))
    numbers.frombytes(packed[1:])
    return _little_endian(numbers)


def _pack_gaps(numbers: Sequence[int]) -> bytes:
    """Ascending numbers (positions, document numbers) as the packed gaps between them."""
    return _pack_uints([numbers[0], *map(sub, numbers[1:], numbers)])


def _unpack_gaps(packed: bytes) -> list[int]:
    return list(accumulate(_unpack_uints(packed)))


def _pack_values(values: Sequence[bytes]) -> bytes:
    """Byte strings behind their packed lengths."""
    return _pack_uints([len(v) for v in values]) + b"".join(values)


def _unpack_values(packed: bytes, count: int) -> tuple[bytes, ...]:
    ends = _value_ends(packed, count)
    return tuple(packed[a:b] for a, b in zip(ends, ends[1:]))


def _value_ends(packed: bytes, count: int) -> list[int]:
    """Where each of ``_pack_values``'s ``count`` values starts, and where the last one ends."""
    start = 1 + count * array(chr(packed[0])).itemsize
    return list(accumulate(_unpack_uints(packed[:start]), initial=start))


def _little_endian(numbers: array) -> array:
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


class AnalysedText(TEXT):
    """A TEXT field that also takes an ``Analysed`` value: postings made in a worker.

    Its positions use ``CompactPositions``. Whoosh pickles the schema into the index,
    so this class stays here at module level.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(self.format, Positions):
            self.format = CompactPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        if isinstance(value, Analysed):
            return iter(value.items)
        return super().index(value, **kwargs)


class Codec(W3Codec):
    """Whoosh's W3 codec with compact posting blocks and no per-block length statistics.

    Those statistics serve only block-quality skipping, which stays off (Whoosh #461:
    it can loop for ever), and gathering them read every posting's document length
    back from disk at commit: about a sixth of the writer's time. Scores use the
    per-document lengths, which are still written. Whoosh pickles the codec into each
    segment, so this class stays here at module level.
    """

    length_stats = False

    def per_document_writer(self, storage, segment):
        return PerDocWriter(self, storage, segment)

    def field_writer(self, storage, segment):
        return FieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        tiname = segment.make_filename(self.TERMS_EXT)
        return TermsReader(self, storage.open_file(tiname), storage.file_length(tiname),
                           segment.open_file(storage, self.POSTS_EXT))

    def per_document_reader(self, storage, segment):
        return PerDocReader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return CompactPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return InlinedMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


#: Posting blocks of at most this many postings are stored uncompressed.
SMALL_BLOCK = 4
#: The compression mark of a block written by ``CompactPostingsWriter._write_split_block``
#: (Whoosh's own blocks give their zlib level there, 0-9).
SPLIT_VALUES = -1
#: Postings per block (Whoosh's default is 128). A ranking reads a common word's
#: postings whole, and each block costs a header, a decompression and an unpickling:
#: with 128 that per-block work was most of the slowest queries' time at 100k passages.
BLOCK_POSTINGS = 1024


class CompactPostingsWriter(W3PostingsWriter):
    """Writes a block's document numbers, weights and variable-size values each as one string.

    Whoosh pickles a block at protocol 2, where every ``bytes`` value becomes a call to
    ``codecs.encode`` (about 20 bytes of overhead per posting) and every weight a
    9-byte float. Here the values are joined behind their packed lengths, the weights
    are one float32 array (the precision Whoosh reads weights back at) and the document
    numbers' gaps one packed array: posting files shrink by half, and reading a block's
    numbers back is one C-level pass instead of Whoosh's generator (most of the time of
    a query on common words at 100k passages). A block of more than ``SMALL_BLOCK``
    postings is written in two compressed parts (``_write_split_block``); smaller ones
    keep Whoosh's pickled tuple, uncompressed, with the three as latin-1 strings.
    """

    def add_postings(self, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes | None]) -> None:
        """A whole term's postings, in document order, as ``add_posting`` one by one would
        buffer them (blocks of ``blocklimit``, empty values left out), for a codec
        without length statistics: the per-posting call was a quarter of the commit."""
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if self._ids:
                self._write_block()
            chunk = weights[start:start + limit]
            self._ids = array("I", ids[start:start + limit])
            self._weights = array("f", chunk)
            self._maxweight = max(0, max(chunk))
            self._values = [v for v in values[start:start + limit] if v]

    def finish_postings(self):
        terminfo = self._terminfo
        if isinstance(terminfo, TermInfo) and not self.written() and fits_inline(len(self._ids), len(self._values)):
            terminfo.add_block(self)
            terminfo.set_postings(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    def _write_block(self, last=False):
        if len(self._ids) <= SMALL_BLOCK or not self._compression:
            level, self._compression = self._compression, 0
            try:
                super()._write_block(last)
            finally:
                self._compression = level
            return
        fixedsize = self._format.fixed_value_size()
        if self._byteids or fixedsize is not None and fixedsize >= 0:
            super()._write_block(last)
            return
        self._write_split_block(last)

    def _write_split_block(self, last: bool) -> None:
        """A block as two compressed parts, document numbers and weights first, then the
        values (``SPLIT_VALUES``): a ranking decompresses only the first, and the
        positions of a block only when a proximity check or a highlight asks."""
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        head = zlib.compress(_pack_gaps(ids) + _little_endian(array("f", self._weights)).tobytes(),
                             self._compression)
        data = len(head).to_bytes(4, "little") + head + zlib.compress(_pack_values(self._values),
                                                                      self._compression)
        info = pickle.dumps((len(ids), ids[-1], self._maxweight, SPLIT_VALUES,
                             length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2)
        length = len(info) + len(data)
        postfile.write_int(-length if last else length)
        postfile.write(info)
        postfile.write(data)
        self._blockcount += 1
        self._new_block()

    def _mini_ids(self):
        if self._byteids:
            return super()._mini_ids()
        return _pack_gaps(self._ids).decode("latin-1")

    def _mini_weights(self):
        weights = super()._mini_weights()
        if isinstance(weights, tuple):
            return _little_endian(array("f", weights)).tobytes().decode("latin-1")
        return weights

    def _mini_values(self):
        fixedsize = self._format.fixed_value_size()
        if fixedsize is not None and fixedsize >= 0:
            return super()._mini_values()
        return _pack_values(self._values).decode("latin-1")


#: Terms with at most this many postings keep them in their term info (see ``TermInfo``).
INLINE_POSTINGS = 32


def fits_inline(postings: int, values: int) -> bool:
    """Whether a term's postings go in its term info: at most ``INLINE_POSTINGS``, with a
    value for every posting or for none (non-empty values counted)."""
    return postings <= INLINE_POSTINGS and values in (0, postings)


class TermInfo(W3TermInfo):
    """Whoosh's term info, holding a rare term's postings itself.

    Whoosh 2.7.4 never inlines postings (it calls a method that does not exist), so
    each rare word, most of the vocabulary, cost a posting block in the postings file
    (a header and a pickled tuple, about 60 bytes) besides its term info. Up to
    ``INLINE_POSTINGS`` postings follow Whoosh's statistics here instead: for one, only
    its value (its document number, weight and length are in the statistics); for
    more, the document numbers' gaps and the float32 weights as packed arrays, then
    the values behind their packed lengths. Flags 2 (values follow) and 3 (no values:
    None, which Whoosh's merge accepts where its own inlined postings gave a str) mark
    this form; Whoosh's own are 0 and 1.
    """

    def set_postings(self, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes]) -> None:
        self._inlined = (tuple(ids), tuple(weights), tuple(values) if values else (None,) * len(ids))

    @classmethod
    def inlined(cls, ids: Sequence[int], weights: Sequence[float], values: Sequence[bytes]) -> "TermInfo":
        """The term info a postings writer gives a term of at most ``INLINE_POSTINGS``
        postings (``values`` without the empty ones), without the writer's dozen calls."""
        terminfo = cls()
        stored = array("f", weights)  # the precision the postings writer keeps
        terminfo._weight += sum(stored)
        terminfo._df = len(ids)
        terminfo._maxweight = max(0, max(weights))
        terminfo._minid, terminfo._maxid = ids[0], ids[-1]
        terminfo.set_postings(ids, stored, values)
        return terminfo

    def to_bytes(self) -> bytes:
        if not self.is_inlined():
            return super().to_bytes()
        ids, weights, values = self._inlined
        has_values = values[0] is not None
        head = self._struct.pack(
            2 if has_values else 3, self._weight, self._df,
            0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength), self._maxweight, self._minid, self._maxid,
        )
        if len(ids) == 1:
            return head + (values[0] if has_values else b"")
        body = _pack_gaps(ids) + _little_endian(array("f", weights)).tobytes()
        return head + body + (_pack_values(values) if has_values else b"")

    @classmethod
    def from_bytes(cls, s: bytes) -> "TermInfo":
        flags = s[0]
        if flags < 2:
            return super().from_bytes(s)
        st = cls._struct
        _, weight, df, minlength, maxlength, maxweight, minid, maxid = st.unpack(s[:st.size])
        terminfo = cls()
        terminfo._weight, terminfo._df, terminfo._maxweight = weight, df, maxweight
        terminfo._minlength, terminfo._maxlength = byte_to_length(minlength), byte_to_length(maxlength)
        terminfo._minid, terminfo._maxid = minid, maxid
        body = s[st.size:]
        if df == 1:
            terminfo._inlined = ((minid,), (weight,), (body if flags == 2 else None,))
            return terminfo
        end = 1 + df * array(chr(body[0])).itemsize
        ids = tuple(_unpack_gaps(body[:end]))
        weights = tuple(_little_endian(array("f", body[end:end + 4 * df])))
        values = _unpack_values(body[end + 4 * df:], df) if flags == 2 else (None,) * df
        terminfo._inlined = (ids, weights, values)
        return terminfo


#: Terms per block of the term dictionary (see ``TermBlocksWriter``).
TERMS_PER_BLOCK = 16
#: Decompressed term blocks a reader keeps (a query looks up a few dozen terms).
CACHED_TERM_BLOCKS = 2048
_TERMS_MAGIC = b"SKT1"


class TermBlocksWriter:
    """The term dictionary as sorted blocks of ``TERMS_PER_BLOCK`` terms, each
    compressed, with the first key of every block in a directory at the end.

    Whoosh's hash file costs about 36 bytes per term besides the term and its info (two
    hash-table slots, the lengths, an ordering index), and most of a vocabulary is rare
    words: at 10k passages the dictionary was half the index. Compressed blocks take
    about a quarter of that space; a lookup bisects the directory and decompresses one
    block (about 25 µs, and a reader keeps the blocks it has read). Keys arrive sorted,
    as Whoosh's writer adds them.
    """

    def __init__(self, dbfile) -> None:
        self.dbfile = dbfile
        self.extras: dict[str, Any] = {}
        self._keys: list[bytes] = []
        self._values: list[bytes] = []
        self._firsts: list[bytes] = []
        self._offsets = array("Q")
        self._last: bytes | None = None
        dbfile.write(_TERMS_MAGIC)

    def add(self, key: bytes, value: bytes) -> None:
        if self._last is not None and key <= self._last:
            raise ValueError(f"term keys out of order: {key!r} after {self._last!r}")
        self._last = key
        self._keys.append(key)
        self._values.append(value)
        if len(self._keys) == TERMS_PER_BLOCK:
            self._flush()

    def _flush(self) -> None:
        self._firsts.append(self._keys[0])
        self._offsets.append(self.dbfile.tell())
        raw = bytes([len(self._keys)]) + _pack_values(self._keys) + _pack_values(self._values)
        self.dbfile.write(zlib.compress(raw, 6))
        self._keys, self._values = [], []

    def close(self) -> int:
        if self._keys:
            self._flush()
        self._offsets.append(self.dbfile.tell())
        directory = pickle.dumps({
            "offsets": _little_endian(self._offsets).tobytes(),
            "firsts": _pack_values(self._firsts),
            "extras": self.extras,
        }, 4)
        self.dbfile.write(directory)
        self.dbfile.write(len(directory).to_bytes(8, "little"))
        end = self.dbfile.tell()
        self.dbfile.close()
        return end


class TermBlocksReader:
    """Reads what ``TermBlocksWriter`` writes, with the mapping methods Whoosh's term
    reader asks of its hash file."""

    def __init__(self, dbfile, length: int) -> None:
        self.dbfile = dbfile
        if dbfile.get(0, len(_TERMS_MAGIC)) != _TERMS_MAGIC:
            raise ValueError("not a term-block dictionary")
        size = int.from_bytes(dbfile.get(length - 8, 8), "little")
        directory = pickle.loads(dbfile.get(length - 8 - size, size))
        self.extras = directory["extras"]
        offsets = array("Q")
        offsets.frombytes(directory["offsets"])
        self._offsets = _little_endian(offsets)
        blocks = len(self._offsets) - 1
        self._firsts = list(_unpack_values(directory["firsts"], blocks)) if blocks else []
        self._cache: dict[int, tuple[list[bytes], bytes, list[int]]] = {}

    def _read_block(self, i: int) -> tuple[list[bytes], bytes, list[int]]:
        """A block's keys, its values' bytes and where each value starts."""
        start = self._offsets[i]
        raw = zlib.decompress(self.dbfile.get(start, self._offsets[i + 1] - start))
        count, body = raw[0], raw[1:]
        ends = _value_ends(body, count)
        keys = [body[a:b] for a, b in zip(ends, ends[1:])]
        values = body[ends[-1]:]
        return keys, values, _value_ends(values, count)

    def _block(self, i: int) -> tuple[list[bytes], bytes, list[int]]:
        block = self._cache.get(i)
        if block is None:
            if len(self._cache) >= CACHED_TERM_BLOCKS:
                self._cache.clear()
            block = self._cache[i] = self._read_block(i)
        return block

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        i = bisect_right(self._firsts, key) - 1
        if i < 0:
            return default
        keys, values, ends = self._block(i)
        j = bisect_left(keys, key)
        if j < len(keys) and keys[j] == key:
            return values[ends[j]:ends[j + 1]]
        return default

    def __contains__(self, key: bytes) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: bytes) -> bytes:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def items_from(self, key: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Keys from ``key`` on, in order, with their values; the blocks read on the way
        are not cached (a lexicon scan would push out the ones queries use)."""
        first = max(bisect_right(self._firsts, key) - 1, 0)
        for i in range(first, len(self._firsts)):
            keys, values, ends = self._cache.get(i) or self._read_block(i)
            for j in range(bisect_left(keys, key) if i == first else 0, len(keys)):
                yield keys[j], values[ends[j]:ends[j + 1]]

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        return self.items_from(b"")

    def keys_from(self, key: bytes) -> Iterator[bytes]:
        return (k for k, _ in self.items_from(key))

    def keys(self) -> Iterator[bytes]:
        return self.keys_from(b"")

    def close(self) -> None:
        self.dbfile.close()


class FieldWriter(W3FieldWriter):
    """Whoosh's term writer, with ``TermInfo`` for the terms' statistics and the term
    dictionary in ``TermBlocksWriter``'s blocks."""

    def __init__(self, codec, storage, segment):
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = self._fieldid = self._btext = self._fieldobj = self._format = None
        self._tindex = TermBlocksWriter(self._create_file(W3Codec.TERMS_EXT))
        self._fieldmap = self._tindex.extras["fieldmap"] = {}
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False

    def start_term(self, btext):
        if self._postwriter is None:
            raise Exception("Called start_term before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, TermInfo())


class TermsReader(W3TermsReader):
    """Whoosh's term reader over ``TermBlocksReader``, reading ``TermInfo``."""

    def __init__(self, codec, dbfile, length, postfile):
        self._codec = codec
        self._dbfile = dbfile
        self._tindex = TermBlocksReader(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._postfile = postfile
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, num in self._fieldmap.items():
            self._fieldunmap[num] = fieldname

    def cursor(self, fieldname, fieldobj):
        return TermCursor(self, fieldname, fieldobj)

    def items(self):
        keydecoder = self._keydecoder
        return ((keydecoder(key), TermInfo.from_bytes(value)) for key, value in self._tindex.items())

    def items_from(self, fieldname, prefix):
        keydecoder = self._keydecoder
        return ((keydecoder(key), TermInfo.from_bytes(value))
                for key, value in self._tindex.items_from(self._keycoder(fieldname, prefix)))

    def term_info(self, fieldname, tbytes):
        value = self._tindex.get(self._keycoder(fieldname, tbytes))
        if value is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return TermInfo.from_bytes(value)

    def _head(self, fieldname, tbytes) -> tuple | None:
        """The fixed head of the term's info (flags, weight, document frequency, ...), as
        Whoosh reads it for counts, without decoding postings kept behind it."""
        value = self._tindex.get(self._keycoder(fieldname, tbytes))
        return None if value is None else TermInfo._struct.unpack_from(value)

    def frequency(self, fieldname, tbytes):
        head = self._head(fieldname, tbytes)
        return 0 if head is None else head[1]

    def doc_frequency(self, fieldname, tbytes):
        head = self._head(fieldname, tbytes)
        return 0 if head is None else head[2]


class TermCursor:
    """A field's terms in order, for Whoosh's close-spelling search (``terms_within``),
    which jumps ahead with ``find`` and reads ``text``."""

    def __init__(self, terms: TermsReader, fieldname: str, fieldobj) -> None:
        self._terms = terms
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._items: Iterator[tuple[Any, TermInfo]] = iter(())
        self._current: tuple[Any, TermInfo] | None = None
        self.first()

    def first(self):
        return self._start(b"")

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._start(term)

    def _start(self, tbytes: bytes):
        self._items = self._terms.items_from(self._fieldname, tbytes)
        return self.next()

    def next(self):
        for (fieldname, tbytes), terminfo in self._items:
            if fieldname == self._fieldname:
                self._current = (self._fieldobj.from_bytes(tbytes), terminfo)
                return self._current[0]
            break
        self._current = None
        return None

    def text(self):
        return self._current[0] if self._current else None

    def term_info(self):
        return self._current[1] if self._current else None

    def is_valid(self) -> bool:
        return self._current is not None


class InlinedMatcher(ListMatcher):
    """Whoosh's matcher for postings kept in the term info, giving them to a ranking in
    one piece like ``CompactLeafMatcher.blocks``."""

    def blocks(self) -> Iterator[tuple[Sequence[int], Sequence[float], Sequence[bytes]]]:
        i = self._i
        if i < len(self._ids):
            self._i = len(self._ids)
            yield self._ids[i:], self._weights[i:], self._values[i:]


class CompactLeafMatcher(W3LeafMatcher):
    """Reads the blocks ``CompactPostingsWriter`` writes."""

    def blocks(self) -> Iterator[tuple[Sequence[int], Sequence[float], str | Sequence[bytes]]]:
        """The postings from here on a block at a time, as (document numbers, weights,
        values): a ranking reads a term's postings whole without a method call per
        posting. The values stay packed (see ``PackedValues``) until positions are wanted."""
        while self.is_active():
            if self._ids is None:
                self._read_ids()
            if self._weights is None:
                self._read_weights()
            if self._data is None:
                self._read_data()
            values = self._data[2]
            if self._i or not isinstance(values, (str, PackedValues)):
                if self._values is None:
                    self._read_values()
                values = self._values[self._i:]
            yield self._ids[self._i:], self._weights[self._i:], values
            self._next_block()

    def _read_data(self):
        if self._compression != SPLIT_VALUES:
            super()._read_data()
            return
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        split = 4 + int.from_bytes(data[:4], "little")
        head = zlib.decompress(data[4:split])
        weights = len(head) - 4 * self._blocklength
        self._data = (head[:weights], head[weights:], PackedValues(data[split:], self._blocklength))

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        packed = self._data[0]
        if isinstance(packed, (str, bytes)):
            self._ids = _unpack_gaps(_as_bytes(packed))
        else:
            super()._read_ids()

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        weights = self._data[1]
        if isinstance(weights, (str, bytes)):
            self._weights = _little_endian(array("f", _as_bytes(weights)))
        else:
            super()._read_weights()

    def _read_values(self):
        if self._data is None:
            self._read_data()
        packed = self._data[2]
        if isinstance(packed, PackedValues):
            self._values = tuple(packed)
        elif isinstance(packed, str):
            self._values = _unpack_values(_as_bytes(packed), self._blocklength)
        else:
            super()._read_values()


def _as_bytes(packed: str | bytes) -> bytes:
    """A block part as bytes: a split block holds bytes, a pickled one latin-1 strings."""
    return packed if isinstance(packed, bytes) else packed.encode("latin-1")


class PackedValues:
    """The ``count`` values of a block as ``CompactLeafMatcher.blocks`` gives them, cut
    out one by one when asked for: a proximity check wants a few of a block's values.
    ``packed`` is ``_pack_values``' bytes as a latin-1 string (a pickled block) or
    zlib-compressed (a split block), unpacked at the first value asked for."""

    __slots__ = ("_data", "_ends", "_count")

    def __init__(self, packed: str | bytes, count: int) -> None:
        self._data = packed
        self._ends: list[int] | None = None
        self._count = count

    def __getitem__(self, i: int) -> bytes:
        if self._ends is None:
            packed = self._data
            self._data = packed.encode("latin-1") if isinstance(packed, str) else zlib.decompress(packed)
            self._ends = _value_ends(self._data, self._count)
        if not -self._count <= i < self._count:
            raise IndexError(i)
        i %= self._count
        return self._data[self._ends[i]:self._ends[i + 1]]

    def __len__(self) -> int:
        return self._count


class StoredBlocksColumn(Column):
    """Byte values compressed together in blocks of about ``blocksize`` bytes.

    Whoosh compresses each document's stored fields on its own: a passage's citation
    fields (path, title, language...) repeat in every passage, and a few hundred bytes
    of text compress poorly alone, so stored fields were a third of the index. Blocks
    of consecutive passages compress to under half of that, the way Lucene stores
    fields; a hit costs one block's decompression (about 50 microseconds).

    The column is the blocks, then a directory (the first document of each block, each
    block's end, each document's value length), then the directory's offset.
    """

    def __init__(self, level: int = 6, blocksize: int = 16 * 1024) -> None:
        self._level = level
        self._blocksize = blocksize

    def writer(self, dbfile):
        return StoredBlocksWriter(dbfile, self._level, self._blocksize)

    def reader(self, dbfile, basepos, length, doccount):
        return StoredBlocksReader(dbfile, basepos, length, doccount)


class StoredBlocksWriter(ColumnWriter):
    def __init__(self, dbfile, level: int, blocksize: int) -> None:
        super().__init__(dbfile)
        self._level = level
        self._blocksize = blocksize
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._written = 0
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._lengths: list[int] = []

    def add(self, docnum: int, value: bytes) -> None:
        self._pad(docnum)
        self._open_block()
        self._pending.append(value)
        self._pending_bytes += len(value)
        self._lengths.append(len(value))
        if self._pending_bytes >= self._blocksize:
            self._flush()

    def finish(self, doccount: int) -> None:
        self._pad(doccount)
        self._flush()
        directory = pickle.dumps(
            tuple(_pack_uints(numbers) for numbers in (self._starts, self._ends, self._lengths)),
            pickle.HIGHEST_PROTOCOL,
        )
        self._dbfile.write(directory)
        self._dbfile.write(_little_endian(array("Q", [self._written])).tobytes())

    def _pad(self, docnum: int) -> None:
        """Documents without a value get an empty one, so lengths are indexed by number."""
        missing = docnum - len(self._lengths)
        if missing > 0:
            self._open_block()
            self._lengths.extend([0] * missing)

    def _open_block(self) -> None:
        """Start a block at the next document unless one is open (more starts than ends)."""
        if len(self._starts) == len(self._ends):
            self._starts.append(len(self._lengths))

    def _flush(self) -> None:
        if len(self._starts) == len(self._ends):
            return
        block = zlib.compress(b"".join(self._pending), self._level)
        self._dbfile.write(block)
        self._written += len(block)
        self._ends.append(self._written)
        self._pending = []
        self._pending_bytes = 0


class StoredBlocksReader(ColumnReader):
    def __init__(self, dbfile, basepos: int, length: int, doccount: int) -> None:
        super().__init__(dbfile, basepos, length, doccount)
        tail = _little_endian(array("Q", dbfile.get(basepos + length - 8, 8)))[0]
        starts, ends, lengths = pickle.loads(dbfile.get(basepos + tail, length - 8 - tail))
        self._starts = _unpack_uints(starts)
        self._ends = _unpack_uints(ends)
        self._lengths = _unpack_uints(lengths)
        self._cached: tuple[int, bytes, list[int]] | None = None

    def __getitem__(self, docnum: int) -> bytes:
        if not 0 <= docnum < min(self._doccount, len(self._lengths)) or not self._lengths[docnum]:
            return b""
        block = bisect_right(self._starts, docnum) - 1
        if self._cached is None or self._cached[0] != block:
            self._cached = (block, *self._read_block(block))
        _, data, offsets = self._cached
        within = docnum - self._starts[block]
        return data[offsets[within]:offsets[within + 1]]

    def __iter__(self) -> Iterator[bytes]:
        for block in range(len(self._ends)):
            data, offsets = self._read_block(block)
            for a, b in zip(offsets, offsets[1:]):
                yield data[a:b]
        for _ in range(len(self._lengths), self._doccount):
            yield b""

    def _read_block(self, block: int) -> tuple[bytes, list[int]]:
        begin = self._ends[block - 1] if block else 0
        data = zlib.decompress(self._dbfile.get(self._basepos + begin, self._ends[block] - begin))
        last = self._starts[block + 1] if block + 1 < len(self._starts) else len(self._lengths)
        offsets = list(accumulate(self._lengths[self._starts[block]:last], initial=0))
        return data, offsets


#: Stored fields: pickled as Whoosh does, compressed in blocks (see StoredBlocksColumn).
STORED_BLOCKS = PickleColumn(StoredBlocksColumn())


class PerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer with stored fields in ``STORED_BLOCKS``."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, STORED_BLOCKS if fieldname == "_stored" else column)


class PerDocReader(W3PerDocReader):
    """Reads what ``PerDocWriter`` writes."""

    def stored_fields(self, docnum):
        reader = self._cached_reader("_stored", STORED_BLOCKS)
        value = reader[docnum] if reader is not None else None
        return value if value is not None else {}


Term = tuple[tuple[str, bytes], Sequence[int], Sequence[float], Sequence[bytes | None]]
"""A term's postings: ((field, term bytes), document numbers, weights, values). Tuples:
pickled in a run, they cost a few bytes an item; an array costs a reconstructor call."""


class TermRunPool(PostingPool):
    """Whoosh's posting pool, taking a document's field a list at a time and keeping
    each term's postings together once sorted.

    Whoosh adds and checks postings one call each, pickles each on its own when a run
    goes to disk, merges the runs a posting at a time and hands the postings writer
    one call each: per-posting Python that was most of the writer's time. Here a
    field's postings join the queue as one list (``add_field``); a run is the queue
    sorted and grouped by term, pickled in batches of terms; the runs merge a term at
    a time, and :func:`write_terms` gives each term's postings to the postings writer
    in one call. Documents arrive in number order, so the runs' parts of a term join
    in run order.
    """

    BATCH = 2_000
    #: What Whoosh's own estimate comes to for a typical posting (the tuple, its
    #: number, weight and term): the spill limit counts this per posting.
    POSTING_BYTES = 170
    MAX_RUNS = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The queue, a list of (term, document, weight, value) per field: sorting a
        #: field's list by term alone takes half the time of sorting one list of
        #: (field, term, document, ...) tuples, and keeps the documents' order (stable).
        self.by_field: dict[str, list[tuple[bytes, int, float, bytes | None]]] = {}
        #: Whether postings came through ``add``, which need not be in document order.
        self.unordered = False

    def add_field(self, fieldname: str, docnum: int, analysed: Analysed, boost: float = 1.0) -> int:
        """A document's postings in one field; returns the field's length (the sum of its
        terms' frequencies)."""
        queue = self.by_field.get(fieldname)
        if queue is None:
            queue = self.by_field[fieldname] = []
            self.fieldnames.add(fieldname)
        weights = analysed.weights if boost == 1.0 else [weight * boost for weight in analysed.weights]
        queue.extend(zip(analysed.terms, repeat(docnum), weights, analysed.values))
        self.currentsize += self.POSTING_BYTES * len(analysed.terms)
        if self.currentsize > self.limit:
            self.save()
        return sum(analysed.frequencies)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Whoosh's one posting at a time, which its segment merge uses (a term's
        postings from one segment, then the next): sorted by document too."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.fieldnames.add(fieldname)
        self.by_field.setdefault(fieldname, []).append((tbytes, docnum, weight, vbytes))
        self.unordered = True
        self.currentsize += self.POSTING_BYTES
        if self.currentsize > self.limit:
            self.save()

    def _queued_terms(self) -> Iterator[Term]:
        """The queue sorted and grouped by field and term, and emptied."""
        queued, self.by_field = self.by_field, {}
        unordered, self.unordered = self.unordered, False
        self.currentsize = 0
        for fieldname in sorted(queued):
            postings = queued.pop(fieldname)
            if unordered:
                postings.sort()
            else:
                postings.sort(key=itemgetter(0))
            for tbytes, group in groupby(postings, key=itemgetter(0)):
                _, ids, weights, values = zip(*group)
                yield (fieldname, tbytes), ids, weights, values

    def save(self) -> None:
        if self.by_field:
            path, f = self._new_run()
            self._write_run(f, self._queued_terms())
            self._add_run(path)
        self.currentsize = 0

    def _write_run(self, f, terms: Iterable[Term]) -> None:
        """Pickle the terms in batches of about ``BATCH`` postings, a common term cut into
        pieces: the merge holds one batch of every run (dozens at 100k passages), and
        batches of 2,000 whole terms cost the ingest 100 MB more there."""
        batch: list[Term] = []
        size = 0
        for key, ids, weights, values in terms:
            for start in range(0, len(ids), self.BATCH):
                end = start + self.BATCH
                batch.append((key, ids[start:end], weights[start:end], values[start:end]))
                size += len(batch[-1][1])
                if size >= self.BATCH:
                    pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
                    batch = []
                    size = 0
        if batch:
            pickle.dump(batch, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Term]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    batch = pickle.load(f)
                except EOFError:
                    return
                yield from batch
        finally:
            f.close()
            self._remove_run(path)

    def _merge_runs(self, paths: list[str]) -> Iterator[Term]:
        # heapq.merge keeps equal keys in the order of its inputs, the runs' order.
        merged = heapq.merge(*(self._read_run(path) for path in paths), key=itemgetter(0))
        for key, parts in groupby(merged, key=itemgetter(0)):
            _, ids, weights, values = next(parts)
            rest = list(parts)
            if rest:
                ids, weights, values = list(ids), list(weights), list(values)
                for _, more_ids, more_weights, more_values in rest:
                    ids += more_ids
                    weights += more_weights
                    values += more_values
            yield key, ids, weights, values

    def reduce_to(self, target: int, k: int) -> None:
        """Merge the runs, ``k`` neighbours at a time, until at most ``target`` are left.
        Whoosh's version merges the last ones into a run put first, which reorders them."""
        while len(self.runs) > target:
            merged = []
            for start in range(0, len(self.runs), k):
                group = self.runs[start:start + k]
                if len(group) == 1:
                    merged.append(group[0])
                    continue
                path, f = self._new_run()
                self._write_run(f, self._merge_runs(group))
                merged.append(path)
            self.runs = merged

    def iter_terms(self) -> Iterator[Term]:
        """Every term's postings, in Whoosh's order of fields and terms."""
        if not self.runs:
            return self._queued_terms()
        self.save()
        if len(self.runs) > self.MAX_RUNS:
            self.reduce_to(self.MAX_RUNS, self.MAX_RUNS)
        runs, self.runs = self.runs, []
        return self._merge_runs(runs)

    def cleanup(self) -> None:
        """Delete the runs (Whoosh's version removes their names from the working folder,
        not from the writer's temporary storage, where they are)."""
        for path in self.runs:
            try:
                self._remove_run(path)
            except OSError:
                pass
        self.runs = []

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        """Whoosh's interface: one (field, term, document, weight, value) per posting."""
        for (fieldname, tbytes), ids, weights, values in self.iter_terms():
            for posting in zip(ids, weights, values):
                yield (fieldname, tbytes, *posting)


def write_terms(fieldwriter: "FieldWriter", schema: Schema, terms: Iterable[Term]) -> None:
    """``FieldWriter.add_postings`` a term at a time: each term's postings in one call.
    A rare term, most of a vocabulary, goes straight into the term dictionary with its
    postings inlined, as the postings writer would have put it there."""
    current = None
    add_term = fieldwriter._tindex.add
    prefix = b""
    for (fieldname, tbytes), ids, weights, values in terms:
        if fieldname != current:
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            current = fieldname
            prefix = pack_ushort(fieldwriter._fieldid)
        if len(ids) <= INLINE_POSTINGS:
            kept = [v for v in values if v]
            if fits_inline(len(ids), len(kept)):
                add_term(prefix + tbytes, TermInfo.inlined(ids, weights, kept).to_bytes())
                continue
        fieldwriter.start_term(tbytes)
        fieldwriter._postwriter.add_postings(ids, weights, values)
        fieldwriter.finish_term()
    if current is not None:
        fieldwriter.finish_field()


class IngestWriter(SegmentWriter):
    """Whoosh's segment writer, adding a document's fields to the pool a field at a
    time and writing the segment's postings a term at a time. Our schema has no term
    vectors or spelling fields, the two things this leaves out of Whoosh's version."""

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema = self.schema
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter = self.perdocwriter
        perdocwriter.start_doc(self.docnum)
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                analysed = value if isinstance(value, Analysed) else Analysed.of(field.index(value))
                length = self.pool.add_field(fieldname, self.docnum, analysed,
                                             self._field_boost(fields, fieldname, docboost))
                if not field.scorable:
                    length = 0
            stored = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        if self.codec.length_stats:  # blocks would need each posting's document length
            return super()._flush_segment()
        self.perdocwriter.close()
        write_terms(self.fieldwriter, self.schema, self.pool.iter_terms())
        self.fieldwriter.close()


def index_writer(index, limitmb: int, *, lock: bool = True) -> SegmentWriter:
    """A Whoosh writer with the project's codec and posting pool.

    zlib level 1 instead of 3: most posting blocks are a few dozen bytes, so level 3
    saved under 2 % of the index (10k passages) and cost a quarter of the commit.
    ``lock=False`` is for a worker writing a segment of its own while the ingest that
    started it holds the lock (see :func:`finish_segment`). Each writer spills its runs
    into a temporary folder of its own: Whoosh names them all ``MAIN.tmp``, and the
    first writer to finish would empty the folder under the others.
    """
    if any(field.vector or field.separate_spelling() for _, field in index.schema.items()):
        raise ValueError("IngestWriter writes no term vectors or spelling words")
    writer = IngestWriter(index, limitmb=limitmb, _lk=lock,
                          codec=Codec(blocklimit=BLOCK_POSTINGS, compression=1, inlinelimit=2))
    shared = writer._tempstorage
    writer._tempstorage = index.storage.temp_storage(f"{index.indexname}.{writer.newsegment.segid}.tmp")
    try:
        os.rmdir(shared.folder)
    except OSError:
        pass  # another writer's Whoosh made it again; whoever finishes last removes it
    writer.pool = TermRunPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
    return writer


def _own_segment(writer: SegmentWriter):
    """Write out what ``writer`` added as its segment; None (files closed) when nothing."""
    if writer._added:
        return writer._finalize_segment()
    writer._close_segment()
    return None


def finish_segment(writer: SegmentWriter) -> Any:
    """Write out a worker's segment without touching the table of contents.

    The ingest adds the returned segment (None when nothing was added) to its own
    commit with :func:`commit_with`, as Whoosh's multiprocessing writer does.
    """
    segment = _own_segment(writer)
    writer._finish()
    return segment


def commit_with(writer: SegmentWriter, segments: Sequence[Any]) -> None:
    """Commit ``writer`` with the workers' ``segments`` after its own, in that order.

    Whoosh's ``commit`` would take them through a merge policy, but puts the writer's
    own segment last; its documents (small segments merged, files a dead worker left)
    come first in file order, as with one process.
    """
    writer._check_state()
    final = writer._merge_segments(None, None, None)
    own = _own_segment(writer)
    writer._commit_toc(final + ([own] if own is not None else []) + list(segments))
    writer._finish()
    for leftover in Path(writer.storage.folder).glob(f"{writer.indexname}*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)  # of a worker that died


@lru_cache(maxsize=1)
def _schema() -> Schema:
    return build_schema()


def analyse_fields(text: str, lang: str, title: str = "") -> dict[str, Analysed]:
    """The text fields a passage in ``lang`` fills, analysed: the index step's work
    that does not need the writer. ``text`` opens with the document's ``title``, whose
    words weigh ``TITLE_WEIGHT`` each."""
    schema = _schema()
    out = {}
    exact: dict[str, list[int]] | None = None  # filled by a language field's reading
    for f in analysis.TEXT_FIELDS:
        if f.fills(lang):
            field = schema[f.name]
            positions = None
            if f.analyzer == "exact":
                positions = exact if exact is not None else analysis.exact_positions(text)
            elif f.analyzer in ("fi", "sv"):
                exact = {}
                positions = analysis.language_positions(text, f.analyzer, exact)
            if positions is None:
                positions = _positions(field, text)
            out[f.name] = _position_columns(field, positions, _length(f.name, f.analyzer, title))
    return out


@lru_cache(maxsize=4096)
def _length(fieldname: str, analyzer: str, text: str) -> int:
    """How many positions ``text`` takes in a field (stop words take none); cached, since
    every passage of a document repeats its title."""
    if not text:
        return 0
    if analyzer == "exact":
        return len(analysis.words(text))
    if analyzer in ("fi", "sv"):
        # As ``language_positions`` numbers words: stop words take no position, and the
        # first word kept keeps its own.
        stops = analysis.field_stop_words(analyzer)
        kept = [i for i, word in enumerate(analysis.words(text)) if word not in stops]
        return kept[0] + len(kept) if kept else 0
    held = _positions(_schema()[fieldname], text)
    return max((p for at in held.values() for p in at), default=-1) + 1


def _positions(field: TEXT, text: str) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for token in field.analyzer(text, positions=True, mode="index"):
        positions.setdefault(token.text, []).append(token.pos)
    return positions


#: What a word of the document's title weighs in a passage against a word of its text.
#: The title is in every passage of its document: at full weight a short passage with
#: nothing but the title's word outranked the passages that have the word in their text
#: (``climate``: nineteen Swedish and Finnish passages of a "Climate City Contract" before
#: the first English passage about climate). Half still lets the title add what the text
#: leaves out (``... i Munksnäs``). Headings keep full weight: a statute section is found
#: by its heading's words.
TITLE_WEIGHT = 0.5


def _position_columns(field: TEXT, positions: dict[str, list[int]], title_end: int = 0) -> Analysed:
    """A field's postings as ``TEXT.index`` would make them (same terms, order and encoded
    positions) from each term's positions, as ``analysis.exact_positions`` and
    ``analysis.language_positions`` give them; a word of the title (positions below
    ``title_end``) weighs ``TITLE_WEIGHT``."""
    boost = field.format.field_boost
    found = positions.values()
    frequencies = list(map(len, found))
    weights = [float(n) * boost for n in frequencies]
    if title_end:
        # Terms come in the order they first occur, so the title's come first, and a
        # term's positions are in order: only those few terms are looked at.
        for i, at in enumerate(found):
            if at[0] >= title_end:
                break
            weights[i] -= bisect_left(at, title_end) * (1 - TITLE_WEIGHT) * boost
    return Analysed(list(map(str.encode, positions)), frequencies, weights, list(map(field.format.encode, found)))


def build_schema() -> Schema:
    """Stored fields for citations plus one analysed text field per entry of TEXT_FIELDS.

    Only what a query or a deletion looks up is indexed (``doc_id``, ``url`` and the
    filters): each indexed identifier costs a term in Whoosh's term dictionary, about
    a hundred bytes.
    """
    fields: dict[str, Any] = dict(
        passage_id=STORED(),
        doc_id=ID(stored=True),
        ordinal=NUMERIC(stored=True, sortable=True),
        source=STORED(),
        relpath=STORED(),
        title=STORED(),
        url=ID(stored=True),
        doc_type=ID(stored=True, sortable=True),
        date=STORED(),
        # The document's date where each passage has its own (a feed's entries: ``date``).
        doc_date=STORED(),
        # The date as YYYYMMDD (0: none; a missing month or day 00), for sorting by date.
        date_key=COLUMN(NumericColumn("I", default=0)),
        year=ID(stored=True, sortable=True),
        author=STORED(),
        publisher=STORED(),
        lang=ID(stored=True, sortable=True),
        lang_prob=STORED(),
        doc_lang=STORED(),
        doc_langs=STORED(),
        page=STORED(),
        # The page as printed, where a PDF's page labels differ from its page numbers.
        page_label=STORED(),
        heading=STORED(),
        anchor=STORED(),
        # ``doc_id#anchor``: finds one document's section with one short posting list.
        section=ID(),
        link=STORED(),
        text=STORED(),
        translations=STORED(),
        # [family key, language]: the versions of one file in other languages (translations.py).
        family=STORED(),
        # The family key on a document's first passage only: its members, one each.
        family_first=ID(),
        description=STORED(),
        pages=STORED(),
    )
    for field in analysis.TEXT_FIELDS:
        fields[field.name] = AnalysedText(analyzer=analysis.analyzer_for(field.analyzer), phrase=True)
    return Schema(**fields)


def expected_meta() -> dict[str, str]:
    return {
        "schema_version": SCHEMA_VERSION,
        "analyser_version": analysis.ANALYSER_VERSION,
        "analyser_backend": analysis.backend(),
    }


@dataclass
class Generation:
    """One complete, committed Whoosh index with its manifest of ingested files."""

    path: Path
    meta: dict[str, Any]
    _manifest: dict[str, dict[str, Any]] | None = None

    @property
    def manifest(self) -> dict[str, dict[str, Any]]:
        """The ingested files, read when first asked for: a search never needs them, and
        at 100k passages parsing them took longer than the search."""
        if self._manifest is None:
            manifest = _read_manifest(self.path / MANIFEST)
            if not isinstance(manifest, dict):
                raise IndexVersionError(
                    f"index at {self.path.parent} is damaged: the manifest of {self.path.name} is unreadable",
                    f"rebuild it: smartclean-kb ingest --rebuild --index {self.path.parent} PATH...",
                )
            self._manifest = manifest
        return self._manifest

    def open(self) -> FileIndex:
        """The Whoosh index, checked by opening every segment once.

        ``open_dir`` reads only the TOC; a missing or truncated segment file would
        otherwise surface later, in the middle of a search, as a raw Whoosh error.
        """
        try:
            index = whoosh_index.open_dir(str(self.path))
            index.reader().close()
            return index
        except PermissionError as exc:
            raise unreadable(self.path.parent) from exc
        except Exception as exc:  # Whoosh raises many types for damaged or foreign files.
            raise IndexVersionError(
                f"index at {self.path.parent} is damaged or unreadable ({type(exc).__name__})",
                f"rebuild it: smartclean-kb ingest --rebuild --index {self.path.parent} PATH...",
            ) from exc


def unreadable(root: Path) -> IndexVersionError:
    """An index this user may not read: a rebuild is no cure, the folder's permissions are."""
    return IndexVersionError(f"index at {root} cannot be read: permission denied",
                             "let the user running smartclean-kb read the index folder and its files")


class IndexStore:
    """The index folder: finds the live generation, creates new ones, holds the lock."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        #: The open lock file's descriptor while this store holds the write lock.
        self.lock_fd: int | None = None

    def exists(self) -> bool:
        return (self.root / CURRENT_FILE).is_file()

    def current_name(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="ascii").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError as exc:
            raise unreadable(self.root) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise IndexVersionError(
                f"index at {self.root} is damaged: cannot read {CURRENT_FILE} ({exc.__class__.__name__})",
                f"rebuild it: smartclean-kb ingest --rebuild --index {self.root} PATH...",
            ) from exc
        if not _GEN.match(name):
            raise IndexVersionError(
                f"index at {self.root} is damaged: {CURRENT_FILE} does not name a generation",
                f"rebuild it: smartclean-kb ingest --rebuild --index {self.root} PATH...",
            )
        return name

    def current(self, *, check_version: bool = True) -> Generation:
        """The live generation; a clear error when there is none or it is from another version."""
        name = self.current_name()
        if name is None:
            raise IndexMissingError(
                f"no index at {self.root}",
                f"create it: smartclean-kb ingest --index {self.root} corpus",
            )
        path = self.root / name
        meta = _read_json(path / META)
        if meta is not None and check_version:
            check_compatible(meta, self.root)
        if meta is None or not (path / MANIFEST).is_file():
            raise IndexVersionError(
                f"index at {self.root} is damaged: {name} is incomplete",
                f"rebuild it: smartclean-kb ingest --rebuild --index {self.root} PATH...",
            )
        return Generation(path, meta)

    def failures(self, fingerprint: str) -> dict[str, dict[str, str]]:
        """Files that failed for a reason in their own bytes: key -> {"hash", "reason"}.

        A cache beside the generations, so an unchanged bad file is not extracted again
        on every ingest. It holds only for the code that failed them (``fingerprint``);
        losing it just means trying those files again.
        """
        data = _read_json(self.root / FAILURES)
        if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
            return {}
        files = data.get("files")
        return files if isinstance(files, dict) else {}

    def save_failures(self, fingerprint: str, files: dict[str, dict[str, str]]) -> None:
        try:
            _write_json(self.root / FAILURES, {"fingerprint": fingerprint, "files": files})
        except OSError:
            pass  # only a cache: next time those files are tried again

    def generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if _GEN.match(p.name) and p.is_dir())

    def new_generation(self, base: Generation | None) -> Path:
        """A fresh generation folder, seeded with hard links to the base's files."""
        numbers = [int(_GEN.match(p.name).group(1)) for p in self.generations()]
        path = self.root / f"gen-{(max(numbers, default=0) + 1):06d}"
        path.mkdir(parents=True)
        if base is not None:
            for item in base.path.iterdir():
                if item.name in (MANIFEST, META) or item.name.endswith("LOCK") or not item.is_file():
                    continue
                try:
                    os.link(item, path / item.name)
                except OSError:
                    shutil.copy2(item, path / item.name)
        return path

    def publish(self, path: Path, manifest: dict[str, Any], meta: dict[str, Any]) -> str | None:
        """Make a finished generation live: sync its files, then switch CURRENT atomically.

        Returns the name of the generation it replaced (None for the first one).
        """
        try:
            previous = self.current_name()
        except IndexVersionError:  # a damaged CURRENT being rebuilt
            previous = None
        _write_manifest(path / MANIFEST, manifest)
        _write_json(path / META, meta)
        for item in path.iterdir():
            if item.is_file():
                _fsync_file(item)
        _fsync_dir(path)
        tmp = self.root / f"{CURRENT_FILE}.tmp"
        with open(tmp, "w", encoding="ascii") as handle:
            handle.write(path.name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / CURRENT_FILE)
        _fsync_dir(self.root)
        return previous

    def discard_unfinished(self) -> None:
        """Remove what earlier ingests left half-written (numbered above the live generation).

        Called under the write lock before a new generation is made, so failed attempts
        (a full disk, a kill) do not pile up: without this they were only collected
        after the next successful ingest, which a full disk may never allow.
        """
        try:
            live = self.current_name()
        except IndexVersionError:
            return
        live_number = int(_GEN.match(live).group(1)) if live else 0
        for path in self.generations():
            if int(_GEN.match(path.name).group(1)) > live_number:
                shutil.rmtree(path, ignore_errors=True)

    def collect_garbage(self, previous: str | None = None) -> None:
        """Remove every generation but the live one and ``previous``, the one it replaced.

        The previous generation stays so a reader that opened it just before the switch
        can finish its search. Everything else goes, including what a killed ingest
        left half-written (choosing by number alone would keep such a leftover and
        delete the previous live generation instead).
        """
        live = self.current_name()
        if live is None:
            return
        for path in self.generations():
            if path.name not in (live, previous):
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def write_lock(
        self, timeout: float, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[None]:
        """Hold the one-writer lock, waiting up to ``timeout`` seconds for another ingest."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / LOCK_FILE, "a+")
        try:
            deadline = time.monotonic() + timeout
            told = False
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                        raise
                    if time.monotonic() >= deadline:
                        raise IndexLockedError(
                            f"another ingest is writing to {self.root} (waited {timeout:g} s)",
                            "wait for it to finish, or raise --lock-timeout",
                        ) from None
                    if not told and on_wait is not None:
                        on_wait(f"waiting for another ingest to finish writing {self.root} "
                                f"(up to {timeout:g} s)...")
                        told = True
                    time.sleep(0.1)
            self.lock_fd = handle.fileno()
            yield
        finally:
            self.lock_fd = None
            handle.close()


def check_compatible(meta: dict[str, Any], root: Path) -> None:
    """Refuse an index built by another schema or analyser version, with the fix.

    The backend counts too: an index built with Voikko searched without it (or the
    other way round) would analyse queries differently from the indexed text.
    """
    want = expected_meta()
    for key in ("schema_version", "analyser_version", "analyser_backend"):
        if str(meta.get(key)) != want[key]:
            raise IndexVersionError(
                f"index at {root} was built with {key.replace('_', ' ')} {meta.get(key)}, "
                f"this smartclean-kb uses {want[key]}",
                f"re-ingest: smartclean-kb ingest --rebuild --index {root} PATH...",
            )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    _write_whole(path, json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def _write_whole(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _read_manifest(path: Path) -> Any:
    try:
        return json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
    except (OSError, EOFError, ValueError, zlib.error):
        return None


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    data = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    _write_whole(path, gzip.compress(data, compresslevel=6, mtime=0))


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def create_whoosh_index(path: Path) -> FileIndex:
    """A new, empty Whoosh index in ``path`` with the current schema."""
    return FileStorage(str(path)).create_index(build_schema())


def open_for_writing(path: Path, fresh: bool) -> FileIndex:
    """The Whoosh index in a new generation folder, created when there is no base."""
    if fresh:
        return create_whoosh_index(path)
    try:
        return whoosh_index.open_dir(str(path))
    except Exception as exc:
        raise KBError(f"cannot open the new generation {path} ({type(exc).__name__})") from exc
