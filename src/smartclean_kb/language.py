"""Language identification for passages and queries, accurate from one word up.

Public API:

* ``detect_language(text) -> Detection``: ISO 639-1 code (fi, sv, en, or et, da, nb, de
  when the text is clearly in one of those), ``und`` when the text has no letters; the
  probability is calibrated (of answers given 0.9, about 90 % are right on the benchmark mix).
* ``detect_query(text) -> Detection``: as above, but ``und`` (carrying the best guess's
  low probability) when the guess is below ``QUERY_MIN_PROBABILITY``, so a search weights
  its language fields evenly rather than towards a wrong language.
* ``detect_passages(texts, document_text) -> (document, passages)``: each passage on its
  own evidence; a passage too short or unsure to tell is decided again with the document's
  language as a strong prior, so it inherits that language unless its own words disagree.
* ``document_languages(detections) -> list[str]``: the languages covering at least a
  fifth of a document's passages, most frequent first; more than one means "mixed".

How: each word scores every language by a naive-Bayes sum of character n-gram (up to 5)
log-probabilities, whether the form is in that language's lexicon (a Bloom filter), whether
it is a function word and how common, letters outside the language's alphabet (õ, æ, ø,
å, ß...), and, against Swedish, a Danish/Norwegian -e form whose Swedish spelling in -a exists
("tale"/"tala").
The weights, a discount for capitalised words inside a sentence (names and titles quoted
from another language) and a prior that favours fi/sv/en were fitted by logistic regression
(``tools/build_langid_data.py``), so the softmax over the summed scores is the probability.
Text that looks outside these seven languages (another script; Latin letters such as ç,
è, ñ, ł; few words the best language's lexicon knows) is passed to langdetect, seeded, which
covers 55 languages; its answer is kept only when it names another language with >= 0.9.

Everything is deterministic and offline; the data (``data/langid_*``, 3.4 MB) loads on
the first call, per-word scores are cached, and long texts are scored on an evenly spread
sample of ``MAX_WORDS`` words.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import math
import pickle
import re
import sys
import threading
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice, repeat
from dataclasses import dataclass
from pathlib import Path

from . import config
from .models import Detection

LANGUAGES = ("fi", "sv", "en", "et", "da", "nb", "de")
UNDETERMINED = Detection("und", 0.0)
QUERY_MIN_PROBABILITY = 0.6
PASSAGE_MIN_PROBABILITY = 0.7
DOCUMENT_PRIOR = math.log(20.0)
MIN_LANGUAGE_SHARE = 0.2
MAX_WORDS = 150
MAX_WORD_LENGTH = 40
FOREIGN_MIN_WORDS = 4
FOREIGN_MAX_KNOWN = 0.35
#: Fewer words than this short enough for the lexicon (``lex_maxlen``) cannot show that
#: it knows few of them; the letters' scores decide instead, when they are this sure.
FOREIGN_MIN_CHECKABLE = 3
FOREIGN_SURE = 0.999
FOREIGN_MIN_LETTERS = 2
FOREIGN_MIN_PROBABILITY = 0.9
CACHE_LIMIT = 200_000
#: A sentence-initial "I": each language scores it as its better reading, "I" or "i".
EITHER_I = "I|i"
LONG_TEXT = 20_000
WINDOWS = 10
#: A passage is first scored on a sample (three windows of 100 characters: start,
#: middle, end) and read in full only when the sample is less sure than this or not in
#: its document's language: most passages are about 100 words of one language.
PASSAGE_SAMPLE = 300
PASSAGE_WINDOWS = 3
PASSAGE_SAMPLE_SURE = 0.99

DATA_DIR = Path(__file__).resolve().parent / "data"
_GAP_WORD_STOP = re.compile(r"(?s)(.*?)([^\W\d_]+)(\.?)")
_SENTENCE_BREAK = frozenset(".!?:;…•\n")
_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöõüæøéóšžß"
#: Letters (``str.isalpha``), Latin letters, and lower-case Latin letters outside our
#: alphabets, as regular expressions: counting them char by char in Python cost more
#: than scoring the words. A Greek or Cyrillic letter inside Latin text (a formula's ρ)
#: says nothing about the text's language; a text mostly in such letters is not Latin.
_NOT_LETTERS = r"\W\d_\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u209f\u2150-\u218f\u2460-\u24ff"
r"""What ``[^\W\d_]`` would take for letters but ``str.isalpha`` does not: m², ½, ①."""
_LETTER = re.compile(f"[^{_NOT_LETTERS}]")
_NON_LATIN = re.compile(f"[^{_NOT_LETTERS}\u0000-\u024f\u1e00-\u1eff]")
_ODD_LETTER = re.compile(f"[^{_NOT_LETTERS}{_ALPHABET}\u0000-\u00bf\u0250-\u1dff\u1f00-\U0010ffff]")
_LANGDETECT_CODES = {"no": "nb", "zh-cn": "zh", "zh-tw": "zh"}


_ADDRESS = re.compile(r"(?<!\S)\S*?(?:://|[wW]{3}\.|@[\w-]+\.|\.[a-zA-Z]{2,}/)\S*")
"""A web or e-mail address, which langdetect also removes before it reads a text:
``www``, ``com`` and a path's English words made ``Lisätietoja https://www.example.com/
about-us`` English."""


def _without_addresses(text: str) -> str:
    """``text`` with web and e-mail addresses blanked out (a cheap test first: most text has none)."""
    if "/" in text or "@" in text or "www." in text or "WWW." in text:
        return _ADDRESS.sub(" ", text)
    return text


def tokens(text: str) -> list[tuple[str, bool]]:
    """Lower-cased words of ``text`` and whether each is discounted as a likely name.

    Web and e-mail addresses are no words of any language and are left out.

    A word is discounted when it has a capital letter and does not start a sentence:
    inside a Swedish sentence, "Järvenpää" or "Do You Know" say little about the language.
    Acronyms ("EU", "AM") are left out unless most words are in capitals or nothing else
    is there, and keep their case then (the acronym "AM" is not the German word "am").
    Initials ("A. I. Rabin") are skipped, and "I" inside a sentence keeps its capital: it
    is the English pronoun, while "i" is mostly Swedish, Danish or Norwegian. "I" opening a
    sentence may be either ("I have", "I dag"), so it becomes ``EITHER_I`` and the words
    after it decide.
    """
    words: list[tuple[str, bool, bool]] = []
    after_break = True  # the text's first word starts a sentence
    # (gap, word, full stop) from one C-level findall: a match object's method calls
    # per word were most of this function's time.
    for gap, word, stop in _GAP_WORD_STOP.findall(_without_addresses(text)):
        starts_sentence = after_break or not _SENTENCE_BREAK.isdisjoint(gap)
        size = len(word)
        if size == 1 and stop and word.isupper():
            after_break = False  # an initial: its full stop ends no sentence
            continue
        after_break = bool(stop)
        if size <= MAX_WORD_LENGTH:
            words.append((word, starts_sentence, size > 1 and word.isupper()))
    acronyms = sum(1 for _, _, is_acronym in words if is_acronym)
    if acronyms > 1 and acronyms * 2 > len(words):
        return [(word.lower(), False) for word, _, _ in words]
    out = []
    for word, starts_sentence, is_acronym in words:
        if is_acronym:
            continue
        if word == "I":
            out.append((EITHER_I if starts_sentence else word, False))
        else:
            lowered = word.lower()
            out.append((lowered, lowered != word and not starts_sentence))
    return out or [(word, True) for word, _, is_acronym in words if is_acronym]


@dataclass
class _Scores:
    """Per-language scores of one text before the softmax."""

    logits: list[float]
    words: int
    known: list[int]
    checkable: int


class _Model:
    """The shipped tables: packed per-gram scores, Bloom filters, function words, weights."""

    def __init__(self, data_dir: Path) -> None:
        meta = json.loads((data_dir / "langid_model.json").read_text(encoding="utf-8"))
        self.langs = tuple(meta["langs"])
        self.scale = meta["scale"]
        self.field_bits = meta["field_bits"]
        self.field_mask = (1 << self.field_bits) - 1
        self.orders = [n for n in meta["orders"] if n > 1]
        self.lex_maxlen = meta["lex_maxlen"]
        self.bloom_hashes = meta["bloom_hashes"]
        self.bloom_mask_seed = meta["bloom_mask_seed"]
        self.capital_factor = meta["capital_factor"]
        self.bias = meta["bias"]
        self.length_base = [int(v, 16) for v in meta["length_base"]]
        self.stop_words = {w: int(v, 16) for w, v in meta["stop_words"].items()}
        lexicon_weight = meta["lexicon_weight"]
        self.lexicon_bonus = [lexicon_weight << (self.field_bits * i) for i in range(len(self.langs))]
        self.sv = self.langs.index("sv")
        self.twin_bonus = self.pack(0 if i == self.sv else meta["swedish_twin_weight"]
                                    for i in range(len(self.langs)))
        self.twin_min_length = meta["swedish_twin_min_length"]
        self.twin_exempt = frozenset(meta["swedish_twin_exempt"])
        raw = array("Q", (data_dir / "langid_lexicon.bin").read_bytes())
        if sys.byteorder == "big":
            raw.byteswap()
        self.blooms = []
        offset = 0
        for lang in self.langs:
            spec = meta["blooms"][lang]
            self.blooms.append((raw[offset:offset + spec["blocks"]], spec["blocks"], spec["seed"]))
            offset += spec["blocks"]
        self.grams = _grams(data_dir / "langid_ngrams.tsv.gz")
        self.known_counts = [
            sum(1 << (self.field_bits * i) for i in range(len(self.langs)) if mask >> i & 1)
            for mask in range(1 << len(self.langs))
        ]
        self.cache: dict[tuple[str, bool], tuple[int, int]] = {}
        #: New cache entries since ``take_learned``, while ``collect_learned`` is on.
        self.learned: dict[tuple[str, bool], tuple[int, int]] | None = None
        self.lock = threading.Lock()

    def _lexicon_mask(self, data: bytes) -> int:
        """The bits ``data`` sets in a Bloom block (the same in every language's filter)."""
        bits = zlib.crc32(data, self.bloom_mask_seed)
        mask = 0
        for _ in range(self.bloom_hashes):
            mask |= 1 << (bits & 63)
            bits >>= 6
        return mask

    def word_score(self, word: str, discounted: bool) -> tuple[int, int]:
        """Packed per-language score of one word, and the packed languages whose lexicon knows it."""
        key = (word, discounted)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if word == EITHER_I:
            return self._either_score(key)
        padded = "<" + word.lower() + ">"
        size = len(padded)
        grams = [padded[i:i + n] for n in self.orders for i in range(size - n + 1)]
        if not word.isascii():
            grams.extend(word.lower())  # single letters score only as alphabet evidence (õ, æ, å...)
        total = self.length_base[len(word) - 1] + sum(map(self.grams.get, grams, repeat(0)))
        total += self.stop_words.get(word, 0)
        known = 0
        if len(word) <= self.lex_maxlen:
            data = word.encode("utf-8")
            mask = self._lexicon_mask(data)
            crc32 = zlib.crc32
            for i, (bonus, (bloom, blocks, seed)) in enumerate(zip(self.lexicon_bonus, self.blooms)):
                if bloom[crc32(data, seed) % blocks] & mask == mask:
                    total += bonus
                    known |= 1 << i
        if self._swedish_twin(word):
            total += self.twin_bonus
        if discounted:
            total = self.pack(int(field * self.capital_factor) for field in self.unpack(total))
        result = (total, self.known_counts[known])
        with self.lock:
            if len(self.cache) >= CACHE_LIMIT:
                self.cache.clear()
            self.cache[key] = result
            if self.learned is not None:
                self.learned[key] = result
        return result

    def _swedish_twin(self, word: str) -> bool:
        """A Danish or Norwegian -e form whose Swedish spelling ends in -a ("tale"/"tala",
        "hele"/"hela"): in Swedish such -e forms are rare, old inflections. Past tenses in
        -de/-te ("ringde") and the shipped list of Swedish -e words ("arbete") are exempt."""
        if not self.twin_min_length <= len(word) <= self.lex_maxlen or word[-1] != "e":
            return False
        if word[-2] in "dt" or word in self.twin_exempt:
            return False
        twin = (word[:-1] + "a").encode("utf-8")
        bloom, blocks, seed = self.blooms[self.sv]
        mask = self._lexicon_mask(twin)
        return bloom[zlib.crc32(twin, seed) % blocks] & mask == mask

    def _either_score(self, key: tuple[str, bool]) -> tuple[int, int]:
        """A sentence-initial "I": the word "i", but each language takes the function-word
        score of whichever reading is its own, the pronoun "I" or the preposition "i"."""
        total, known = self.word_score("i", False)
        # Both entries are packed from 0 (some languages list neither), so their fields compare.
        readings = [self.unpack(self.stop_words.get(word, 0)) for word in ("I", "i")]
        total += self.pack(map(max, *readings)) - self.stop_words.get("i", 0)
        result = (total, known)
        with self.lock:
            self.cache[key] = result
        return result

    def pack(self, fields: Iterable[int]) -> int:
        return sum(field << (self.field_bits * i) for i, field in enumerate(fields))

    def unpack(self, packed: int) -> list[int]:
        return [(packed >> (self.field_bits * i)) & self.field_mask for i in range(len(self.langs))]

    def scores(self, text: str) -> _Scores:
        return self.scores_of(tokens(text))

    def scores_of(self, words: list[tuple[str, bool]]) -> _Scores:
        """The scores of a text's ``tokens``, at most ``MAX_WORDS`` of them evenly spread."""
        if len(words) > MAX_WORDS:
            step = len(words) / MAX_WORDS
            words = [words[int(i * step)] for i in range(MAX_WORDS)]
        total = known = checkable = 0
        cached = self.cache.get  # a token is its own cache key: no call, no new tuple
        maxlen = self.lex_maxlen
        for token in words:
            found = cached(token)
            packed, known_by = found if found is not None else self.word_score(*token)
            total += packed
            if 1 < len(token[0]) <= maxlen:  # a single letter is an initial, a list's "a)"
                checkable += 1
                known += known_by
        logits = [field / self.scale + bias for field, bias in zip(self.unpack(total), self.bias)]
        return _Scores(logits, len(words), self.unpack(known), checkable)


def _grams(path: Path) -> dict[str, int]:
    """The n-gram scores, from the cache folder when this very data file was read before:
    parsing 200,000 packed scores took a quarter of a second, a third of every search
    from the command line; their pickle loads in a quarter of that."""
    raw = path.read_bytes()
    cached = config.cache_dir() / f"langid-grams-{hashlib.sha1(raw).hexdigest()[:16]}.pickle"
    try:
        grams = pickle.loads(cached.read_bytes())
        if isinstance(grams, dict):
            return grams
    except Exception:  # missing, truncated or unreadable: parse afresh below
        pass
    fields = gzip.decompress(raw).decode("utf-8").split()
    grams = dict(zip(fields[0::2], map(int, fields[1::2], repeat(16))))
    config.write_cache(cached, pickle.dumps(grams, pickle.HIGHEST_PROTOCOL))
    return grams


@functools.cache
def _model() -> _Model:
    return _Model(DATA_DIR)


Learned = dict[tuple[str, bool], tuple[int, int]]


def collect_learned() -> None:
    """Keep each word this process scores from now on, for ``take_learned``: ingest
    workers pass them to each other, as they do the analysers' (``analysis.collect_learned``);
    a word's first score costs about 20 µs and depends on the word alone."""
    model = _model()
    with model.lock:
        if model.learned is None:
            model.learned = {}


def take_learned() -> Learned:
    """The words scored since the last call (see ``collect_learned``)."""
    model = _model()
    with model.lock:
        if model.learned is None:
            return {}
        taken, model.learned = model.learned, {}
    return taken


def add_learned(learned: Learned) -> None:
    """Words another process scored, into this one's cache (as far as it has room)."""
    model = _model()
    with model.lock:
        model.cache.update(islice(learned.items(), max(0, CACHE_LIMIT - len(model.cache))))


def _softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    norm = sum(exps)
    return [e / norm for e in exps]


def _best(langs: Sequence[str], logits: Sequence[float]) -> Detection:
    probs = _softmax(logits)
    index = max(range(len(probs)), key=probs.__getitem__)
    return Detection(langs[index], probs[index])


def _is_latin(text: str) -> bool:
    """Whether most letters are Latin script: the languages our tables know."""
    if _NON_LATIN.search(text) is None:
        return True
    letters = len(_LETTER.findall(text))
    return (letters - len(_NON_LATIN.findall(text))) * 2 >= letters


def _langdetect(text: str) -> Detection | None:
    """langdetect's best guess over its 55 languages, seeded so that it is repeatable."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    return Detection(_LANGDETECT_CODES.get(best.lang, best.lang), float(best.prob))


def _has_letters(text: str) -> bool:
    return _LETTER.search(text) is not None


def _foreign(text: str, scores: _Scores) -> Detection | None:
    """A language outside our seven, from langdetect (3-4 ms), asked only when the best
    language's lexicon knows few of the words or letters outside our alphabets (ç, è, ñ, ł) occur."""
    if scores.words < FOREIGN_MIN_WORDS:
        return None
    best = max(range(len(scores.logits)), key=scores.logits.__getitem__)
    ours = scores.known[best] > FOREIGN_MAX_KNOWN * scores.checkable or (
        # a heading of long words (``Tunnistuspalvelun tarjoajan velvollisuus``)
        scores.checkable < FOREIGN_MIN_CHECKABLE and max(_softmax(scores.logits)) >= FOREIGN_SURE)
    if ours and len(_ODD_LETTER.findall(text.lower())) < FOREIGN_MIN_LETTERS:
        return None
    guess = _langdetect(text)
    if guess is None or guess.lang in LANGUAGES or guess.probability < FOREIGN_MIN_PROBABILITY:
        return None
    return guess


def _spread_sample(text: str, size: int = LONG_TEXT, windows: int = WINDOWS) -> str:
    """Evenly spaced windows of a long text: a whole document costs no more than a passage."""
    if len(text) <= size:
        return text
    width = size // windows
    stride = (len(text) - width) / (windows - 1)
    return "\n".join(text[int(i * stride):int(i * stride) + width] for i in range(windows))


def _detect(text: str, prior_lang: str | None = None, words: list[tuple[str, bool]] | None = None) -> Detection:
    """The language of ``text``; ``words``, when given, are its tokens (or, for a
    document, its passages'), so that they are not read again."""
    text = _spread_sample(text)
    if not _has_letters(text):
        return UNDETERMINED
    if not _is_latin(text):
        return _langdetect(text) or UNDETERMINED
    model = _model()
    scores = model.scores(text) if words is None else model.scores_of(words)
    if scores.words == 0:
        return UNDETERMINED
    foreign = _foreign(text, scores)
    if foreign is not None:
        return foreign
    logits = scores.logits
    if prior_lang in model.langs:
        index = model.langs.index(prior_lang)
        logits = [x + DOCUMENT_PRIOR if i == index else x for i, x in enumerate(logits)]
    return _best(model.langs, logits)


def warm() -> None:
    """Load the lexicon model and langdetect's 55 profiles now. langdetect loads them
    (about 0.4 s) at the first text our lexicons cannot place, which in a server would
    be some user's query."""
    from langdetect.detector_factory import init_factory

    _model()
    init_factory()


def detect_language(text: str) -> Detection:
    """The language of ``text`` (fi, sv, en, another code, or ``und``) and its probability.

    Binary data read as text (control characters, bytes that decode to nothing) is
    ``und``: the scripts its bytes happen to fall in were named with full confidence."""
    if _looks_binary(text):
        return Detection("und", 0.0)
    return _detect(text)


_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd\udc80-\udcff]")


def _looks_binary(text: str) -> bool:
    """More than one character in twenty a control character or an undecodable byte."""
    return len(text) >= 20 and len(_NOT_TEXT.findall(text[:20000])) * 20 > min(len(text), 20000)


#: How sure a title's own detection must be to stand against its document's language.
TITLE_MIN_PROBABILITY = 0.9


@functools.lru_cache(maxsize=4096)
def title_language(title: str, doc_lang: str) -> str:
    """The language a document's title is in: its own when clearly so (a Finnish title
    over an English summary, a report whose English passages outnumber the Finnish),
    else the document's. Pages mark it so that a screen reader reads it right."""
    detection = detect_language(title) if title.strip() else Detection("und", 0.0)
    if detection.lang != "und" and detection.probability >= TITLE_MIN_PROBABILITY:
        return detection.lang
    return doc_lang or "und"


def detect_query(text: str) -> Detection:
    """The language of a search query, or ``und`` when a guess would be too unsure to weight by."""
    detection = _detect(text)
    if detection.lang != "und" and detection.probability < QUERY_MIN_PROBABILITY:
        return Detection("und", detection.probability)
    return detection


def detect_passages(
    texts: Sequence[str], document_text: str, *, sample: bool = True
) -> tuple[Detection, list[Detection]]:
    """The document's language and each passage's; unsure passages lean on the document's.

    A long passage is scored on a sample (``PASSAGE_SAMPLE``) and read in full only when
    the sample is unsure or not in the document's language, so a passage keeps the
    label a full reading gives it (``sample=False``: on the 10k perf corpus, the shipped
    one and the real documents in ``../shared``, only tables of file names and
    placeholder text got another label) for half the CPU: scoring every word,
    each one new to the detector at first, was most of the ingest's language detection.
    The document is scored on its passages' words (up to ``MAX_WORDS``, evenly spread
    over all of them), not read again.
    """
    samples = [_spread_sample(text, PASSAGE_SAMPLE, PASSAGE_WINDOWS) if sample else _spread_sample(text)
               for text in texts]
    words = [tokens(part) for part in samples]
    detections = [_detect(text, words=found) for text, found in zip(texts, words)]
    if len(texts) == 1 and texts[0].split() == document_text.split():
        document = detections[0]  # the one passage is the whole text: no second pass
    else:
        document = _detect(document_text, words=[word for found in words for word in found])
    out = []
    for text, part, found, detection in zip(texts, samples, words, detections):
        if sample and part is not text and (
            detection.lang != document.lang or detection.probability < PASSAGE_SAMPLE_SURE
        ):
            found = tokens(_spread_sample(text))
            detection = _detect(text, words=found)
        if document.lang != "und" and (
            detection.lang == "und" or detection.probability < PASSAGE_MIN_PROBABILITY
        ):
            detection = (_detect(text, prior_lang=document.lang, words=found) if found and _has_letters(text)
                         else document)
        out.append(detection)
    return document, out


def document_languages(
    detections: Sequence[Detection], min_share: float = MIN_LANGUAGE_SHARE
) -> list[str]:
    """Languages of at least ``min_share`` of the passages, most frequent first (two or more: mixed)."""
    counts = Counter(d.lang for d in detections if d.lang != "und")
    total = sum(counts.values())
    if not total:
        return []
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [lang for lang, count in ranked if count >= min_share * total]
