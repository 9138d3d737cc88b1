"""Finnish, Swedish and English analysers as Whoosh chains of small filters.

Snowball stemming misses Finnish consonant gradation (``kaupunki``/``kaupungin``), never
splits compounds and keeps Swedish pairs like ``stad``/``städer`` apart.  These chains
index, at the position of every word, its lowercased form (a Finnish form the dictionary
knows only in the exact-form field), its dictionary lemmas and the lemmas of its
compound parts, so inflected and compound forms meet on shared terms while phrase
queries still line up.  Lemmas come from Voikko for Finnish when it is installed
and from simplemma (pure Python, fi and sv) otherwise; ``backend()`` says which.

Analysers are pickled into the index by Whoosh, so the classes live here at module level
and hold only their settings; dictionaries and caches are module globals.
"""

from __future__ import annotations

import os
import pickle
import re
import zlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, islice
from typing import Callable, Iterable, Iterator

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.lang import stopwords_for_language

from . import config

ANALYSER_VERSION = "20"

WORD_PATTERN = r"\w+"
#: Analyses remembered per word form by the dictionary lookups (which see only the
#: word cache's misses and query words) and by ``WordCacheFilter``. A corpus's most
#: frequent forms cover nearly all its tokens; bigger caches cost each ingest worker
#: hundreds of megabytes on a large archive for few extra hits.
CACHE_SIZE = 1 << 15
WORD_CACHE_SIZE = 1 << 17
MIN_PART = 3
"""Shortest compound part (after dropping a linking letter) the splitters accept."""


@dataclass(frozen=True)
class TextField:
    """One indexed text field: which analyser fills it, for which passage languages."""

    name: str
    analyzer: str
    langs: tuple[str, ...]
    boost: float = 1.0

    def fills(self, lang: str) -> bool:
        """Whether a passage in ``lang`` is indexed in this field."""
        return "*" in self.langs or lang in self.langs


TEXT_FIELDS: tuple[TextField, ...] = (
    TextField("text_fi", "fi", ("fi",), 1.0),
    TextField("text_sv", "sv", ("sv",), 1.0),
    TextField("text_en", "en", ("en",), 1.0),
    #: Half weight: an exact form still ranks first (it matches in both fields), but a
    #: passage with the query's lemmas is not outranked by one that repeats its forms.
    TextField("text_exact", "exact", ("*",), 0.5),
)


# --- dictionaries -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _voikko():
    """The Finnish Voikko handle, or None when libvoikko or its dictionary is missing."""
    if os.environ.get("SMARTCLEAN_KB_NO_VOIKKO"):
        return None
    try:
        import libvoikko

        return libvoikko.Voikko("fi")
    except Exception:
        return None


class FormTable:
    """simplemma's word form -> lemma table for one language, packed into arrays.

    As a dict the Swedish table is about 100 MB in every process that analyses (each
    ingest worker and the web server); packed it is about 30. The forms are sorted by
    their CRC-32 and looked up by bisection; the stored form is compared, so the answer
    is exact. Read-only; supports ``get``, ``in`` and ``[]`` like the dict.
    """

    FORMAT = 1

    def __init__(self, hashes: array, starts: array, blob: bytes, ids: array, lemmas: list[str]) -> None:
        self.hashes, self.starts, self.blob, self.ids, self.lemmas = hashes, starts, blob, ids, lemmas

    @classmethod
    def build(cls, raw: dict[bytes, bytes]) -> "FormTable":
        """Sorted by (CRC-32, form), with numpy: a stable sort of the CRCs, then the few
        forms that share one sorted among themselves. Sorting a million Python tuples
        took most of a fresh machine's first search (2.7 s of Swedish's, 11 s of Finnish's)."""
        import numpy as np

        lemmas = sorted(set(raw.values()))
        number = {lemma: i for i, lemma in enumerate(lemmas)}
        forms = list(raw)
        ids = np.fromiter(map(number.__getitem__, raw.values()), dtype=np.uint32, count=len(forms))
        hashes = np.fromiter(map(zlib.crc32, forms), dtype=np.uint32, count=len(forms))
        ranked = np.argsort(hashes, kind="stable")
        hashes = hashes[ranked]
        order = ranked.tolist()
        same = np.flatnonzero(hashes[1:] == hashes[:-1]).tolist()
        for k, i in enumerate(same):
            if k == 0 or same[k - 1] != i - 1:
                first = i
            if k + 1 == len(same) or same[k + 1] != i + 1:
                order[first:i + 2] = sorted(order[first:i + 2], key=forms.__getitem__)
        forms = [forms[i] for i in order]
        return cls(array("I", hashes.tobytes()), array("I", accumulate(map(len, forms), initial=0)),
                   b"".join(forms), array("I", ids[order].tobytes()),
                   [lemma.decode("utf-8") for lemma in lemmas])

    def to_bytes(self) -> bytes:
        return pickle.dumps((self.FORMAT, self.hashes.tobytes(), self.starts.tobytes(), self.blob,
                             self.ids.tobytes(), self.lemmas), pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes) -> "FormTable":
        version, hashes, starts, blob, ids, lemmas = pickle.loads(data)
        if version != cls.FORMAT:
            raise ValueError(f"form table format {version}")
        return cls(_uints(hashes), _uints(starts), blob, _uints(ids), lemmas)

    def get(self, word: str, default: str | None = None) -> str | None:
        form = word.encode("utf-8")
        code = zlib.crc32(form)
        hashes, starts = self.hashes, self.starts
        i = bisect_left(hashes, code)
        while i < len(hashes) and hashes[i] == code:
            if self.blob[starts[i]:starts[i + 1]] == form:
                return self.lemmas[self.ids[i]]
            i += 1
        return default

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word: str) -> str:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found

    def __len__(self) -> int:
        return len(self.hashes)


def _uints(data: bytes) -> array:
    numbers = array("I")
    numbers.frombytes(data)
    return numbers


@lru_cache(maxsize=None)
def _forms(lang: str) -> FormTable:
    """simplemma's word form -> lemma table for ``lang`` (loaded once, read-only).

    simplemma decodes its compressed table entry by entry, 1.5 s for Swedish in every
    process that analyses a query, so a one-word search from the command line took two
    seconds. The packed table is kept in the user's cache folder, which loads in a few
    milliseconds; a missing, stale or damaged copy is rebuilt, and a folder that cannot
    be written only costs the time.
    """
    import simplemma
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    path = config.cache_dir() / f"simplemma-{simplemma.__version__}-{lang}.table"
    try:
        return FormTable.from_bytes(path.read_bytes())
    except Exception:  # missing, truncated or from another format: decode afresh below
        pass
    raw = DefaultDictionaryFactory().get_dictionary(lang)._dict
    table = FormTable.build(raw)
    config.write_cache(path, table.to_bytes())
    return table


@lru_cache(maxsize=None)
def _lemma_set(lang: str) -> frozenset[str]:
    """Every lemma simplemma knows for ``lang``."""
    return frozenset(_forms(lang).lemmas)


def backend() -> str:
    """Which lemmatisers build the index terms, e.g. ``voikko 4.3.1 + simplemma``."""
    import simplemma

    simplemma_name = f"simplemma {getattr(simplemma, '__version__', '')}".strip()
    voikko = _voikko()
    if voikko is None:
        return simplemma_name
    return f"voikko {voikko.getVersion()} + {simplemma_name}"


# --- word analysis (cached: a corpus repeats its word forms) ----------------------


@lru_cache(maxsize=4096)
def _voikko_analyses(word: str) -> tuple[dict, ...]:
    """Voikko's readings of a word, read-only. Cached: lemmas, parts and derivation bases
    each ask for the same word in turn, and Voikko was a third of the analysis time."""
    voikko = _voikko()
    analyses = voikko.analyze(word)
    if not analyses and word[:1].islower():
        analyses = voikko.analyze(word[:1].upper() + word[1:])
    if not analyses and len(word) > 5 and word.endswith("is"):
        # The first-part form of a word in -nen, left alone before "ja" or a line
        # break (``rakentamis- ja purkamistyöt``): the word itself.
        analyses = voikko.analyze(word[:-1] + "nen")
    return tuple(analyses)


_MORPHEME = re.compile(r"\+?([^+()]+)(?:\(([^)]*)\))?")
"""One morpheme of a Voikko WORDBASES string: surface and base (``+`` starts a suffix's
base); Voikko sometimes leaves out the ``+`` before a suffix (``+yhdist(yhdistää)ymis(+yä)``)."""


@lru_cache(maxsize=4096)
def _voikko_simplest(word: str) -> tuple[dict, ...]:
    """The likely readings: a simple word over compounds, and per base form the reading
    with the fewest morphemes.

    Voikko also reads ``kuulumisia`` as ``kuu`` + ``lumi`` and ``asemakaava`` as ``ase``
    + ``makaava`` (a participle of ``maata``); the reading that needs no split and the
    least derivation is the likely one. Compound readings with different numbers of
    parts are all kept (``sosiaali`` + ``huolto`` + ``laki`` and ``sosiaali`` + ``huoltola``).
    """
    analyses = _voikko_analyses(word)
    simple = [a for a in analyses if (a.get("STRUCTURE") or "").count("=") <= 1]
    analyses = simple or analyses
    best: dict[str, tuple[int, list[dict]]] = {}
    for analysis in analyses:
        size = len(_MORPHEME.findall(analysis.get("WORDBASES") or ""))
        key = analysis.get("BASEFORM", "").lower()
        if key not in best or size < best[key][0]:
            best[key] = (size, [analysis])
        elif size == best[key][0]:
            best[key][1].append(analysis)
    return tuple(a for _, found in best.values() for a in found)



def _voikko_derived_from(analysis: dict) -> list[str]:
    """The words a Voikko analysis derives its components from.

    Every root followed by a derivational suffix counts, in a compound's first parts too:
    ``ilmoitus`` -> ``ilmoittaa``, ``tallennuspalvelu`` -> ``tallentaa``, ``palvella``.
    """
    morphemes = _MORPHEME.findall(analysis.get("WORDBASES") or "")
    return [
        base.lower().split("=")[-1]
        for (_, base), (_, after) in zip(morphemes, morphemes[1:])
        if base and not base.startswith("+") and (not after or after.startswith("+"))
    ]


@lru_cache(maxsize=CACHE_SIZE)
def lemmas(word: str, lang: str) -> tuple[str, ...]:
    """Dictionary lemmas of a lowercased word form; empty when no dictionary knows it.

    A Finnish compound the dictionary does not know but whose last part it does
    (``erilläänpitovelvollisuuden``) has the compound's base form, built on that part's.
    """
    if ":" in word:  # an abbreviation or a number with its ending: ``eu:n`` -> ``eu``
        return (word.partition(":")[0],)
    if lang == "fi" and _voikko() is not None:
        found: dict[str, None] = {}
        for analysis in _voikko_analyses(word):
            found[analysis["BASEFORM"].lower()] = None
        for analysis in _voikko_simplest(word):
            if "PARTICIPLE" in analysis:
                # A participle is a form of its verb (``annettu`` -> ``antaa``), as UD
                # lemmatises it; Voikko gives it its own base form.
                found.update(dict.fromkeys(_voikko_derived_from(analysis)[-1:]))
        return tuple(found) if found else _unknown_compound(word)[0]
    if lang in ("fi", "sv"):
        lemma = _forms(lang).get(word)
        if lemma is not None:
            lemma = lemma.lower()
            if lang != "sv":
                return (lemma,)
            extra = (_noun_base(word), _participle_verb(word, lemma),
                     _adverb_adjective(word) if lemma == word else None)
            return tuple(dict.fromkeys((lemma, *(b for b in extra if b is not None))))
        if word in _lemma_set(lang):
            adjective = _adverb_adjective(word) if lang == "sv" else None
            return (word,) if adjective is None else (word, adjective)
        if lang == "fi":
            return _unknown_compound(word)[0] or _split_base(word, lang)
        return _split_base(word, lang)
    return ()


def _in_dictionary(word: str, lang: str) -> bool:
    """Whether the dictionary itself knows a word form (not a reading built from its parts)."""
    if lang == "fi" and _voikko() is not None:
        return bool(_voikko_analyses(word))
    return _forms(lang).get(word) is not None or word in _lemma_set(lang)


#: Swedish noun endings, longest first, and what the base form ends in instead.
_NOUN_ENDINGS = (("arnas", ""), ("ernas", ""), ("ornas", "a"), ("arna", ""), ("erna", ""), ("orna", "a"),
                 ("ens", ""), ("ets", ""), ("ar", ""), ("er", ""), ("or", "a"), ("en", ""), ("et", ""))


def _noun_base(word: str) -> str | None:
    """The noun a Swedish form is by its ending, when the dictionary lists that noun:
    simplemma gives one lemma per form and often the verb's (``besluten`` -> ``besluta``,
    ``lagar`` -> ``laga``, ``beslutet`` -> ``besluten``), so ``beslut``, ``beslutet`` and
    ``besluten`` did not meet, nor ``lag`` and ``lagar``. Added beside its lemma."""
    for ending, add in _NOUN_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)] + add
            if len(stem) < 3:
                return None
            if stem in _lemma_set("sv"):
                return stem
            return _verb_stem_base(word)
    return None


def _verb_stem_base(word: str) -> str | None:
    """The noun a Swedish definite form stands for when the dictionary lists that noun
    only as its verb's stem and reads the form as an adjective's neuter (``avfallet`` ->
    ``avfall``, where simplemma has ``avfalla`` and the adjective ``avfallen``). Only
    then: where the dictionary's lemma explains the form otherwise it is right (``syftet``
    is ``syfte`` + t, not ``syft``; ``vattnet`` is ``vatten``), and any form of another
    word was too much (``fötter`` met ``fött``, ``skor`` ``ska``, ``buller`` ``bull``)."""
    own = _forms("sv").get(word)
    if own is None or not own.endswith("en"):
        return None
    for ending in ("ets", "et"):
        stem = word[: -len(ending)]
        if word == own[:-2] + ending and _verb_stem_noun(stem):
            return stem
    return None


def _adverb_adjective(word: str) -> str | None:
    """The adjective a Swedish adverb in -t is the neuter of (``snabbt`` -> ``snabb``,
    ``fritt`` -> ``fri``), which simplemma lists as a word of its own. The adjective's -a
    form must be its (``snabba`` -> ``snabb``): ``fart`` is no form of ``far``, whose
    ``fara`` is another word."""
    if not word.endswith("t") or len(word) < 4:
        return None
    adjective = word[:-2] if word.endswith("tt") else word[:-1]
    if word.endswith("tt") and adjective[-1:] not in "aeiouyåäö":
        return None  # rätt is no form of rät
    if adjective in _lemma_set("sv") and _forms("sv").get(adjective + "a") == adjective:
        return adjective
    return None


def _participle_verb(word: str, lemma: str) -> str | None:
    """The verb of a Swedish participle form that simplemma lemmatises to the participle:
    ``fattade``, ``fattat`` -> ``fattad``, ``godkända`` -> ``godkänd``, ``bestämt`` ->
    ``bestämd``, where most participles' forms get their verb (``beviljade`` ->
    ``bevilja``), so ``fattade`` and ``fatta`` did not meet. Only a form that inflects the
    participle (-e, -es, -a, -t, -ts) counts: ``fasaden`` is no form of ``fasa``."""
    if lemma.endswith("ad"):
        endings, verbs = ("e", "es"), (lemma[:-1],)
    elif lemma.endswith("d") and len(lemma) > 3:
        endings, verbs = ("a", "e"), (lemma[:-1] + lemma[-2] + "a", lemma + "a", lemma[:-1] + "a")
    else:
        return None
    if not (word in (lemma[:-1] + "t", lemma[:-1] + "ts") or any(word == lemma + e for e in endings)):
        return None
    known = _lemma_set("sv")
    return next((verb for verb in verbs if verb in known), None)


def _split_base(word: str, lang: str) -> tuple[str, ...]:
    """The base form of a word simplemma does not know but that splits into words it
    does: its first parts as they stand and its last part's base form (``korjauspajan``
    -> ``korjauspaja``, ``betongprojektet`` -> ``betongprojekt``). simplemma lists few
    compounds, and without this their forms met only through their parts or a Snowball
    stem, which a phrase does not use."""
    found = _split_at(word, lang, 0, False)
    if found is None:
        return ()
    parts, cut = found
    return (word[:cut] + parts[-1],)


#: The shortest last part, and the word classes it may have (nouns and adjectives),
#: by which a Finnish compound no dictionary knows is read as ending in a known word.
MIN_UNKNOWN_TAIL = 6
_TAIL_CLASSES = frozenset({"nimisana", "laatusana", "nimisana_laatusana"})
#: How a Finnish compound's first part ends: a vowel, or the -s or -n of a case or
#: derivation (``kuvantamis``-, ``takaisin``-). A first part ending otherwise was a cut
#: through an inflection (``talteenotet`` + ``tavan``, read as ``tapa``).
_HEAD_ENDINGS = frozenset("aeiouyäösn")


def _simple_noun(analysis: dict) -> bool:
    """A Voikko reading of a noun or adjective that is one word, with no clitic: the
    longest tail Voikko reads is often a compound of its own (``omapalvelunumeromaksut``
    after ``lyhytsan``) or a word with a clitic (``tokankaan``, not ``kankaan``)."""
    return (analysis.get("CLASS") in _TAIL_CLASSES and analysis.get("STRUCTURE", "").count("=") == 1
            and "FOCUS" not in analysis and "KYSYMYSLIITE" not in analysis)


@lru_cache(maxsize=CACHE_SIZE)
def _unknown_compound(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A Finnish word no dictionary knows, read as a compound of an unknown first part
    and the longest known noun or adjective it ends in: (the compound's base forms, the
    last part's), both empty for a word the dictionary knows or that ends in no known
    word. Voikko reads compounds only of parts its lexicon allows in one
    (``erillään`` + ``pito`` is not), so ``erilläänpitovelvollisuuden`` and
    ``erilläänpitovelvollisuus`` shared no term, and Snowball's stems do not meet
    across consonant gradation either. With Voikko, only Voikko is asked: simplemma's
    Finnish table is 90 MB to load in every worker, and each ingest worker of a fresh
    machine spent 20 s and a gigabyte decoding it, for the few hundred words of a
    corpus that no dictionary knows."""
    nothing: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    if len(word) < MIN_PART + MIN_UNKNOWN_TAIL or not word.isalpha():
        return nothing
    voikko = _voikko()
    if voikko is not None:
        if _voikko_analyses(word):
            return nothing
    else:
        forms, known = _forms("fi"), _lemma_set("fi")
        if word in forms or word in known:
            return nothing
    for start in range(MIN_PART, len(word) - MIN_UNKNOWN_TAIL + 1):
        tail = word[start:]
        if word[start - 1] not in _HEAD_ENDINGS:
            continue
        if voikko is not None:
            bases = [a["BASEFORM"].lower() for a in voikko.analyze(tail) if _simple_noun(a)]
        elif tail in forms or tail in known:
            bases = [forms[tail].lower() if tail in forms else tail]
        else:
            continue
        if bases:
            tails = tuple(dict.fromkeys(bases))
            return tuple(word[:start] + tail for tail in tails), tails
    return nothing


@lru_cache(maxsize=CACHE_SIZE)
def compound_parts(word: str, lang: str) -> tuple[str, ...]:
    """Base forms of the parts of a compound word form (empty for a simple word).

    The parts are not lemmatised again: a part is a word already, and re-reading a short
    part as some other word's inflected form made wrong terms (``sam`` -> ``simma``).
    """
    if lang == "fi" and _voikko() is not None:
        parts: dict[str, None] = {}
        for analysis in _voikko_simplest(word):
            parts.update(dict.fromkeys(_voikko_parts(word, analysis)))
        if not parts:
            parts = dict.fromkeys(_unknown_compound(word)[1])
        return tuple(p for p in parts if len(p) >= MIN_PART and p != word)
    if lang in ("fi", "sv"):
        known = lemmas(word, lang)
        # A Swedish word the dictionary does not list has only the base form its split
        # gives (``_split_base``): its parts are that split's, not a known word's.
        if not known or (lang == "sv" and not _in_dictionary(word, lang)):
            return tuple(p for p in _with_subparts(_split(word, lang, 0) or (), lang) if p != word)
        # A word the dictionary knows is split through its lemma, into lemmas: cutting
        # the inflected form made parts of its ending (``ägarens`` -> ``äga`` + ``ren``).
        parts: dict[str, None] = {}
        for lemma in known:
            if lang == "sv" and lemma not in _lemma_set(lang) and _verb_stem_noun(lemma):
                continue  # a verb's stem read as its noun is no compound (samman|håll)
            parts.update(dict.fromkeys(_split(lemma, lang, 0, lemma=True) or ()))
        if not parts and lang == "fi":
            parts = dict.fromkeys(_unknown_compound(word)[1])
        return tuple(p for p in _with_subparts(parts, lang) if p != word)
    return ()


def _with_subparts(parts: Iterable[str], lang: str) -> list[str]:
    """The parts, each followed by its own parts when it is a compound the dictionary
    knows: the fewest-parts split keeps ``avfallshantering`` + ``myndighet`` whole, and
    ``avfall`` must still find ``avfallshanteringsmyndigheten``."""
    out: dict[str, None] = {}
    for part in parts:
        out[part] = None
        if part in _lemma_set(lang):
            out.update(dict.fromkeys(_split(part, lang, 0, lemma=True) or ()))
    return list(out)


def _voikko_parts(word: str, analysis: dict) -> list[str]:
    """The components of one Voikko analysis, each as the word it stands for.

    STRUCTURE marks where the components meet in the word form. A non-final component is
    its WORDBASES base form (``lain`` -> ``laki``), or for a derived one the derived
    word (``oikeuden`` -> ``oikeus``, not its root ``oikea``); the final component is
    the tail of the compound's own base form (``työntekijän`` -> ``tekijä``).
    """
    structure = analysis.get("STRUCTURE") or ""
    pieces = [len(c) for c in structure.split("=") if c]
    if len(pieces) < 2 or sum(pieces) != len(word):
        return []
    surfaces, start = [], 0
    for size in pieces:
        surfaces.append(word[start:start + size])
        start += size
    morphemes = _MORPHEME.findall(analysis.get("WORDBASES") or "")
    parts = []
    for surface in surfaces[:-1]:
        taken, bases = "", []
        while morphemes and len(taken) < len(surface):
            piece, base = morphemes.pop(0)
            taken += piece.lower()
            bases.append(base)
        if taken != surface:
            # The morphemes do not line up with the components (``energiatehokas(energia=
            # tehokas)`` is one morpheme).
            parts.append(_lexicalised_component(surface, analysis))
            morphemes = []
            continue
        parts.append(_component_base(surface, bases))
    prefix = "".join(surfaces[:-1])
    baseform = (analysis.get("BASEFORM") or "").lower()
    if baseform.startswith(prefix) and len(baseform) > len(prefix):
        parts.append(baseform[len(prefix):])
    return parts


_NAME_CLASSES = frozenset({"nimi", "etunimi", "sukunimi", "paikannimi"})
"""Voikko's classes of proper names."""
_FINITE_MOODS = frozenset({"indicative", "imperative", "conditional", "potential"})
"""Voikko's moods of finite verb forms (its infinitives have moods of their own)."""


def _lexicalised_component(surface: str, analysis: dict) -> str:
    """The word a component of a compound Voikko lists whole stands for.

    A name's components are no words to read again (``Otaniemi`` is ``Ota`` + ``niemi``,
    not ``ottaa`` + ``niemi``), nor is a component that is a word of its own
    (``vastaanotto``: ``vastaan``, not ``vastata``) or that only a finite verb form reads
    (``periaate`` is ``peri`` + ``aate``, not ``periä`` 'inherit': a compound's first part
    is no finite verb); otherwise the component's lemma (``käyttöönotto`` -> ``käyttö``,
    ``toimenpide`` -> ``toimi``, the infinitive ``irtisanomisehto`` -> ``sanoa``).
    """
    if analysis.get("CLASS") in _NAME_CLASSES:
        return surface
    readings = _voikko_analyses(surface)
    if any(reading["BASEFORM"].lower() == surface for reading in readings):
        return surface
    kept = [reading["BASEFORM"].lower() for reading in readings if reading.get("MOOD") not in _FINITE_MOODS]
    return kept[0] if kept else surface


def _component_base(surface: str, bases: list[str]) -> str:
    """The word a non-final compound component stands for, given its morphemes' bases."""
    if len(bases) == 1:
        return (bases[0] or surface).lower().split("=")[-1]
    roots = {b.lower() for b in bases if b and not b.startswith("+")}
    derived = [lemma for lemma in lemmas(surface, "fi") if lemma not in roots]
    return derived[0] if derived else surface


_LINKS = {
    "sv": (("s", ""), ("", ""), ("", "a"), ("o", "a"), ("s", "e")),
    "fi": (("", ""),),
}
"""(linking ending to drop, ending to add) that turn a compound's first part into a word."""


_VOWEL_LINKS = {"sv": (("e", ""), ("e", "a"), ("u", "a"))}
"""Linking vowels that rewrite a Swedish first part: ``skatte|reform`` (``skatt``),
``familje|politik``, ``ränte|avdrag`` (``ränta``), ``råvaru|produktion`` (``råvara``)."""


def _head_lemma(head: str, lang: str, lemma: bool = False) -> tuple[str, bool, bool] | None:
    """The lemma a compound's first part stands for, whether a linking -s- was dropped,
    and whether a linking vowel was rewritten (``_VOWEL_LINKS``; with ``lemma``, for a
    word the dictionary knows, only -e-: ``formulera`` is no ``forma`` + ``lera``)."""
    forms = _forms(lang)
    stems = [
        ((head[: -len(drop)] if drop else head) + add, drop == "s")
        for drop, add in _LINKS[lang]
        if head.endswith(drop) and len(head) - len(drop) + len(add) >= MIN_PART
        and not (drop == "s" and head.endswith("ss"))  # mass-, not mas + s
    ]
    for stem, linked in stems:
        if stem in _lemma_set(lang):
            return stem, linked, False
    for drop, add in _VOWEL_LINKS.get(lang, ())[: 2 if lemma else None]:
        stem = head[: -len(drop)] + add
        if head.endswith(drop) and len(stem) >= MIN_PART and stem in _lemma_set(lang):
            return stem, False, True
    for stem, linked in stems:
        if stem in forms:
            return (stem if lang == "sv" else forms[stem].lower()), linked, False
    return None


def _tail_lemma(tail: str, lang: str, lemma: bool = False, last: bool = False, stems: bool = False) -> str | None:
    """The lemma a compound's last part stands for; with ``lemma`` it must be one already.

    As the word's own last part (``last``), a Swedish form read as an adjective's neuter
    is the noun a verb's stem stands for (``bio|avfallet`` is ``avfall``, not
    ``avfallen``), and with ``stems`` such a noun is a part of its own (``hushålls|avfall``;
    asked only when no dictionary lemma ends the word: ``maskin|del``, not ``mask|indel``).
    """
    if len(tail) < MIN_PART or tail in _NOT_TAILS.get(lang, ()):
        return None
    if tail in _lemma_set(lang) or (stems and lang == "sv" and _verb_stem_noun(tail)):
        return tail
    found = None if lemma else _forms(lang).get(tail)
    if found is None:
        return None
    if last and lang == "sv":
        if _verb_stem_noun(tail):
            return tail  # noll|avfall: the noun, not the verb avfalla
        if (noun := _verb_stem_base(tail)) is not None:
            return noun
    return found.lower()


def _verb_stem_noun(word: str) -> bool:
    """Whether simplemma reads a Swedish word as the verb whose stem it is (``avfall`` ->
    ``avfalla``, ``tryck`` -> ``trycka``): at a compound's end it is the noun, and
    ``hushålls|avfall`` must split even though ``avfall`` is no lemma of its own. Five
    letters or more: shorter ones are mostly a verb's alone (``serv|itut`` is no ``ituta``)."""
    found = _forms("sv").get(word)
    return len(word) >= 5 and found is not None and found.lower() == word + "a"


def _compound_tail(tail: str, lang: str, lemma: bool = False, last: bool = False,
                   stems: bool = False) -> str | None:
    """``_tail_lemma``, unless that lemma is a stop word or a derivational ending, which
    end no compound."""
    found = _tail_lemma(tail, lang, lemma, last, stems)
    if found is None or found in _stop_words(lang) or found in _NOT_TAILS.get(lang, ()):
        return None
    return found


def _opens_no_compound(head: str, lang: str) -> bool:
    """Whether a first part is a stop word or a verb particle (``_PARTICLES``)."""
    return head in _stop_words(lang) or head in _PARTICLES.get(lang, ())


_PARTICLES = {"sv": frozenset({"av", "an", "be", "bort", "efter", "fram", "för", "före", "genom", "in",
                               "inne", "med", "mot", "miss", "om", "på", "sam", "till", "undan",
                               "under", "upp", "ut", "vid", "åter", "över"})}
"""Swedish verb particles and prefixes. A word they open is lexicalised, so none is a
compound head (``återvinning`` is no ``vinning``, 'gain'; ``genomföra`` no ``föra``), and
a known word that reads as one of them and a known word is not split at all, unless a
linking -s marks its seam: ``innehålla`` is no ``inneha`` + ``ålla``, ``misstänka`` no
``missta`` + ``änka`` ('widow'), ``beskriva`` no ``besk`` + ``riva``, ``föreskrift`` no
``skrift``; ``samarbetsområde`` still splits."""
_NOT_TAILS = {
    "sv": frozenset(
        {"barhet", "barheten", "lighet", "ligheten", "ning", "ningen", "heten", "heter", "hetens"}
        | {"ring", "ringen", "ringar", "ringarna", "ande", "andet", "ende", "endet"}
        | {"het", "bar", "skap", "kap", "kapet", "kaper", "kapen", "dom", "ism", "era", "ingen"}
    )
}
"""Derivational endings that the lexicon also lists as words."""


def _split(word: str, lang: str, depth: int, lemma: bool = False) -> tuple[str, ...] | None:
    """Split a word into known lemmas: the fewest parts, then balanced cuts and a linking -s-.

    With ``lemma`` the word is a lemma the dictionary knows: its last part must be a
    lemma as it stands, and its first part at least four letters long, since short
    heads of known words are mostly prefixes (``laboratorium`` is no ``lab`` + ``oratorium``).
    """
    found = _split_at(word, lang, depth, lemma)
    return found[0] if found else None


@lru_cache(maxsize=CACHE_SIZE)
def _split_at(word: str, lang: str, depth: int, lemma: bool = False,
              stems: bool = False) -> tuple[tuple[str, ...], int] | None:
    """``_split``'s parts and where the last part starts in the word (cached: a new
    word's base form and its parts both ask for its split). ``stems``: a second try, for
    the word's own last part only, with nouns the dictionary lists as a verb's stem."""
    best: tuple[tuple[int, int], tuple[str, ...], int, bool] | None = None
    unlinked_at: dict[int, int] = {}  # cut -> parts of a reading without a linking -s
    short_tail = False  # a reading into lemmas but for a last part under four letters
    min_head = MIN_PART + 1 if lemma else MIN_PART
    for cut in range(min_head, len(word) - MIN_PART + 1):
        tail_lemma = _compound_tail(word[cut:], lang, lemma, last=depth == 0, stems=stems)
        if tail_lemma is None:
            continue
        head = word[:cut]
        if _opens_no_compound(head, lang):
            continue
        head_parts: tuple[str, ...] | None = None
        linked = False
        found = _head_lemma(head, lang, lemma)
        if found is not None and found[1] and found[0] in _stop_words(lang):
            found = None  # a particle takes no linking -s: över|stiger, not övers|tiger
        if found is not None and found[2] and len(tail_lemma) < MIN_PART:
            found = None  # alge|riet is no alg + ri
        rewritten = found is not None and found[2]
        if found is not None and len(head if rewritten else found[0]) >= min_head:
            head_parts, linked = (found[0],), found[1]
        elif depth < 2:
            if lang == "sv" and head.endswith("s") and not head.endswith("ss"):
                head_parts = _split(head[:-1], lang, depth + 1)
                linked = head_parts is not None
            head_parts = head_parts or _split(head, lang, depth + 1)
        short_tail = short_tail or bool(head_parts and not linked and len(word) - cut < 4)
        if head_parts and (linked or len(word) - cut >= 4):
            score = (-len(head_parts), min(len(head), len(word) - cut) + 2 * linked - rewritten)
            if not linked:
                unlinked_at[cut] = len(head_parts)
            if best is None or score > best[0]:
                best = (score, (*head_parts, tail_lemma), cut, linked)
    if best is None:
        # Nouns read off verb stems only where no lemmas read the word (maskin|del is one
        # reading, under the four letters a last part needs: no mask|indel).
        if (lang == "sv" and depth == 0 and not stems and not short_tail
                and (again := _split_at(word, lang, depth, lemma, True))):
            return again
        return _unknown_head(word) if lang == "sv" and depth == 0 and not lemma else None
    if lemma and not best[3] and any(word.startswith(p) and word[len(p):] in _lemma_set(lang)
                                     for p in _PARTICLES.get(lang, ())):
        return None  # a particle word: inne|hålla, not inneha|ålla
    if (lemma and lang == "sv" and not best[3] and len(best[1]) == 2
            and _reads_one_letter_over(word, best[2], lang)):
        return None  # kont|roll or kon|troll, posta|dress or post|adress: nothing says which
    if lemma and best[3] and unlinked_at.get(best[2] - 1) == len(best[1]) - 1:
        return None  # a known word read either way: trans|port or tran|sport, grunds|kola or grund|skola
    return best[1], best[2]


def _unknown_head(word: str) -> tuple[tuple[str, ...], int] | None:
    """A Swedish compound whose first part no dictionary knows (a name or a loan:
    ``Helsingfors|regionen``, ``cleantech|företag``), read as that part as written and
    the longest known word of six letters or more it ends in, as Finnish unknown
    compounds are (``_unknown_compound``); without it ``företag`` did not find
    ``cleantechföretagen``, nor ``region`` ``Helsingforsregionen``. The first part has
    four letters or more and is no particle (``över|prövning`` is a word), and no known
    word may start up to three letters before the seam: the seam would cut it
    (``elför`` + ``säljare`` is ``el`` + ``försäljare``, too short a first part). A
    Finnish word in Swedish text, when Voikko is there to say so, is left alone
    (``sivustolta`` is no ``sivu`` + ``stolt``)."""
    if not word.isalpha() or (_voikko() is not None and _voikko_analyses(word)):
        return None
    for cut in range(MIN_PART + 1, len(word) - MIN_UNKNOWN_TAIL + 1):
        tail = _compound_tail(word[cut:], "sv")
        if tail is None:
            continue
        head = word[:cut]
        if _opens_no_compound(head, "sv") or any(_tail_lemma(word[cut - back:], "sv") for back in (1, 2, 3)):
            return None
        return (head, tail), cut
    return None


def _reads_one_letter_over(word: str, cut: int, lang: str) -> bool:
    """Whether a known word also splits into two words it knows one letter to either
    side of ``cut``: then the lexicon cannot say where its seam is."""
    lexicon = _lemma_set(lang)
    for other in (cut - 1, cut + 1):
        head, tail = word[:other], word[other:]
        if (min(len(head), len(tail)) >= MIN_PART and head in lexicon and tail in lexicon
                and head not in _stop_words(lang)):
            return True
    return False


@lru_cache(maxsize=None)
def _stop_words(lang: str) -> frozenset[str]:
    return frozenset(stopwords_for_language(lang))


_DERIVATIONS = {"sv": (("het", ""), ("ning", "a"), ("ing", "a"))}
"""(suffix, base ending) of nouns made of adjectives and verbs: ``hållbarhet`` -> ``hållbar``,
``rivning`` -> ``riva``, ``planering`` -> ``planera``."""


@lru_cache(maxsize=CACHE_SIZE)
def derivation_bases(word: str, lang: str) -> tuple[str, ...]:
    """The words a derived word is made from: ``hållbarhet`` -> ``hållbar``, ``ilmoitus`` -> ``ilmoittaa``."""
    if lang == "fi" and _voikko() is not None:
        bases: dict[str, None] = {}
        for analysis in _voikko_simplest(word):
            if "PARTICIPLE" not in analysis:
                bases.update(dict.fromkeys(b for b in _voikko_derived_from(analysis) if b != word))
        return tuple(bases)
    for form in (word, *lemmas(word, lang)):
        for suffix, ending in _DERIVATIONS.get(lang, ()):
            base = form[: -len(suffix)] + ending
            if form.endswith(suffix) and len(base) >= 4 and base in _lemma_set(lang):
                return (base,)
    return ()


# --- tokeniser and filters --------------------------------------------------------


#: Conjunctions after which a word cut short with a hyphen shares the next word's end.
CONJUNCTIONS = {"fi": ("ja", "sekä", "tai", "taikka", "eli"), "sv": ("och", "eller", "samt")}
_ELIDED = "-(?=\\s+(?i:" + "|".join(w for ws in CONJUNCTIONS.values() for w in ws) + ")\\s)"
#: An abbreviation's or number's ending after a colon: ``EU:n``, ``HSY:ssa``, ``2020:een``,
#: ``EU:s``; up to six letters, so that ``Huom:katsokaa`` stays two words.
_COLON_ENDING = ":[^\\W\\d_]{1,6}(?!\\w)"
#: What ``WordTokenizer`` reads as a word: letters and digits, with an ending after a
#: colon, or with the hyphen of a word cut short before a conjunction (dropped again
#: from the word itself).
#: A case ending after a section sign (``28 §:n``, ``§:ssä``) is no word of its own: as
#: ``n`` it matched, and was marked in, every passage citing a section.
_NOT_AFTER_SECTION_SIGN = "(?<!§:)(?<!\\w)"
TOKEN_PATTERN = _NOT_AFTER_SECTION_SIGN + WORD_PATTERN + "(?:" + _COLON_ENDING + "|" + _ELIDED + ")?"


#: What a passage is indexed by is its document's title, its heading and its text, joined
#: by this character (a control character: cleaned text never holds one). Positions jump
#: by ``POSITION_GAP`` there, as Elasticsearch's ``position_increment_gap`` between the
#: values of a field, so that a phrase or a pair of neighbouring words never spans two of
#: them (``"Vanda återvinningscentralen"`` matched a title's last word and the text's
#: first). Ten, wider than the proximity window and a phrase's: Elasticsearch's 100
#: pushed most text positions past 255, two bytes each instead of one (index ÷ text
#: 1.75 -> 1.82 at 10k).
FIELD_BREAK = "\x1e"
POSITION_GAP = 10


class WordTokenizer(RegexTokenizer):
    """Words as runs of letters and digits, always numbered: later filters group by position.

    A word cut short before a conjunction (``ranta-`` in ``ranta- ja saaristoluonnon``)
    is the word without its hyphen, marked ``elided`` for ``ElidedCompoundFilter``.
    Positions jump by ``POSITION_GAP`` at a ``FIELD_BREAK``.
    """

    def __init__(self, expression: str = TOKEN_PATTERN):
        super().__init__(expression)

    def __call__(self, value, **kwargs):
        kwargs["positions"] = True
        if FIELD_BREAK not in value:
            yield from self._words(value, **kwargs)
            return
        pos, char = kwargs.pop("start_pos", 0), kwargs.pop("start_char", 0)
        for piece in value.split(FIELD_BREAK):
            last = None
            for t in self._words(piece, start_pos=pos, start_char=char, **kwargs):
                last = t.pos
                yield t
            if last is not None:
                pos = last + 1 + POSITION_GAP
            char += len(piece) + len(FIELD_BREAK)

    def _words(self, value, **kwargs):
        for t in super().__call__(value, **kwargs):
            t.elided = t.text.endswith("-")
            if t.elided:
                t.text = t.text[:-1]
                if kwargs.get("chars"):
                    t.endchar -= 1
            yield t


class BreakStopFilter(StopFilter):
    """Whoosh's stop filter, whose renumbering of the words it keeps also keeps the
    jump at a ``FIELD_BREAK`` (renumbered, the title's last word and the text's first
    were neighbours again)."""

    def __call__(self, tokens):
        stoplist = self.stops
        pos = None
        last_raw = None
        jumped = False
        for t in tokens:
            if t.positions:
                jumped = jumped or (last_raw is not None and t.pos - last_raw > POSITION_GAP)
                last_raw = t.pos
            if len(t.text) >= self.min and (self.max is None or len(t.text) <= self.max) and t.text not in stoplist:
                if self.renumber and t.positions:
                    if pos is None:
                        pos = t.pos
                    else:
                        pos += 1 + (POSITION_GAP if jumped else 0)
                        t.pos = pos
                    jumped = False
                t.stopped = False
                yield t
            elif not t.removestops:
                t.stopped = True
                yield t


def elided_readings(cut: str, parts: tuple[str, ...], lang: str) -> tuple[str, ...]:
    """The words a word cut short before a conjunction stands for, given the parts of
    the compound that completes it: the compound with that compound's last part, and
    the cut word too when the new compound's own split would lose it."""
    if not parts:
        return (cut,)
    compound = cut + parts[-1]
    return (compound,) if cut in compound_parts(compound, lang) else (cut, compound)


class ElidedCompoundFilter(Filter):
    """A word cut short before a conjunction also stands for the compound it shortens.

    ``ranta- ja saaristoluonnon`` is ``rantaluonto`` and ``saaristoluonto``, and
    ``vatten- och avloppsverket`` is ``vattenverk`` and ``avloppsverk``: the cut word is
    joined to the last part of the next compound, at its own position (so this runs
    after the stop filter, which renumbers positions), and the filters after this one
    lemmatise and split it like any word; the cut word comes back as its first part
    (``maankäyttö- ja rakennuslaki`` then has ``laki`` at both places and is found by
    ``maankäyttölaki``).
    """

    def __init__(self, lang: str):
        self.lang = lang

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        held: list[Token] = []
        for t in tokens:
            if getattr(t, "elided", False) or (held and t.text in CONJUNCTIONS.get(self.lang, ())):
                held.append(t.copy())
                continue
            if held:
                parts = compound_parts(t.text, self.lang)
                for h in held:
                    if not getattr(h, "elided", False):
                        yield h
                        continue
                    for text in elided_readings(h.text, parts, self.lang):
                        reading = h.copy()
                        reading.text = text
                        yield reading
                held = []
            yield t
        yield from held


# ----------------------------------------------------------------------


class AddedTermsFilter(Filter):
    """Base of the filters that add terms at a word's own position (phrases still line up).

    Only the word itself is looked at: a term an earlier filter added (a lemma, a part)
    is passed on as it is, because analysing it again read short parts as other words'
    forms (``samtycka`` -> ``sam`` -> ``simma``).  The extra terms are worked out before
    the word is passed on, because the filters after this one change the shared Token.
    """

    is_morph = True

    def __init__(self, lang: str):
        self.lang = lang

    def added(self, word: str) -> Iterable[str]:
        raise NotImplementedError

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if getattr(t, "added", False):
                yield t
                continue
            word = t.text
            extra = self.added(word)
            yield t
            for text in extra:
                if text != word:
                    t.text, t.added = text, True
                    yield t
            t.text, t.added = word, False


class LemmaFilter(AddedTermsFilter):
    """Adds each word's dictionary lemmas at the word's own position."""

    def added(self, word: str) -> Iterable[str]:
        return lemmas(word, self.lang)


class CompoundFilter(AddedTermsFilter):
    """Adds the base forms of a compound's parts at the compound's position."""

    def added(self, word: str) -> Iterable[str]:
        return compound_parts(word, self.lang)


class DerivationFilter(AddedTermsFilter):
    """Adds the base a derived word is made from, so ``hållbarhet`` meets ``hållbar``."""

    def added(self, word: str) -> Iterable[str]:
        return derivation_bases(word, self.lang)


class UnknownStemFilter(AddedTermsFilter):
    """Adds a Snowball stem for words no dictionary knows (names, new compounds), and
    the base forms a name's ending implies (``name_bases``)."""

    def added(self, word: str) -> Iterable[str]:
        if lemmas(word, self.lang):
            return ()
        return (_snowball(self.lang)(word), *name_bases(word, self.lang))


_KS_INFLECTED = re.compile(
    r"(.{2,}[aeiouyäö])ks(?:e(?:n|en|ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|na|nä|ksi|tta|ttä)?"
    r"|i(?:en|a|ä|in|ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|na|nä|ksi|neen))"
)
"""A name in -s inflected on its -kse- / -ksi- stem: ``Aviapoliksen``, ``Aviapoliksiin``."""
_S_PARTITIVE = re.compile(r"(.{2,}[aeiouyäö]s)t[aä]")
"""A name in -s in the partitive: ``Aviapolista``."""
_I_INFLECTED = re.compile(
    r"(.{2,}[^\W\daeiouyäöå_])i(?:n|in|a|ä|ssa|ssä|sta|stä|lla|llä|lta|ltä|lle|na|nä|ksi|neen)"
)
"""A name ending in a consonant, inflected with a linking -i-: ``Slushin``, ``Uberilla``."""
_SV_GENITIVE = re.compile(r"(.{2,}[iuåäö])s")
"""A Swedish genitive whose -s Snowball keeps after these vowels: ``Jätkäsaaris``, ``Otaniemis``."""


@lru_cache(maxsize=CACHE_SIZE)
def name_bases(word: str, lang: str) -> tuple[str, ...]:
    """Base forms that an ending implies for a word no dictionary knows (mostly names).

    Finnish: Snowball cuts the case ending but not the stem change of two kinds of
    names: those in -s (``Aviapolis``: ``Aviapoliksen``, ``Aviapolista``; Snowball
    leaves ``aviapoliks`` and ``aviapol``) and foreign ones ending in a consonant, which
    take a linking -i- (``Slush``: ``Slushin``, ``Slushissa``; Snowball leaves
    ``slushin``). Swedish: the genitive -s of a name in -i, -u, -å, -ä or -ö, which
    Snowball keeps (``Jätkäsaaris``). A guess that is wrong (``Teslasta`` also reads as
    ``teslas``) only adds a term that no other word has.
    """
    if lang == "sv":
        return tuple(m.group(1) for m in [_SV_GENITIVE.fullmatch(word)] if m)
    if lang != "fi":
        return ()
    out = [m.group(1) + "s" for m in [_KS_INFLECTED.fullmatch(word)] if m]
    out += [m.group(1) for pattern in (_S_PARTITIVE, _I_INFLECTED) for m in [pattern.fullmatch(word)] if m]
    return tuple(dict.fromkeys(base for base in out if base != word))


@lru_cache(maxsize=None)
def _snowball(lang: str):
    from whoosh.lang import stemmer_for_language

    return lru_cache(maxsize=CACHE_SIZE)(stemmer_for_language(lang))


class InflectedFormFilter(Filter):
    """Drops a Finnish word form that is not its own lemma, once the dictionary has given
    the lemma: the exact-form field holds the form already. Counted in the language field
    as well, a heading's genitive outranked the section with the same words in other
    cases (all 1,741 finlex-fi dev queries: nDCG@10 .673 -> .687 with Voikko, .628 ->
    .638 without). Swedish keeps its forms: simplemma's lemmas err often enough that two
    forms of a word meet through a form (UD sv conflation .953 -> .920 without them)."""

    is_morph = True

    def __init__(self, lang: str):
        self.lang = lang

    def drops(self, word: str) -> bool:
        """A name or new compound whose lemma is a guess keeps its form (``Raaseporissa``
        would read as a form of ``raasepora`` without Voikko)."""
        known = lemmas(word, self.lang)
        return bool(known) and word not in known and _in_dictionary(word, self.lang)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            if getattr(t, "added", False) or not self.drops(t.text):
                yield t


class UniqueTermFilter(Filter):
    """Drops a term already emitted at the same position, so alternatives count once."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        seen: set[str] = set()
        position = None
        for t in tokens:
            if t.pos != position:
                position = t.pos
                seen = set()
            if t.text not in seen:
                seen.add(t.text)
                yield t


class WordCacheFilter(Filter):
    """Runs word-by-word filters once per distinct word form and replays their terms.

    The lemma, compound and derivation filters look at one word at a time, so a word's
    terms never depend on its neighbours; a corpus repeats its word forms, and replaying
    a remembered tuple is several times cheaper than running the filters again.
    """

    is_morph = True

    def __init__(self, lang: str, filters: tuple[Filter, ...]):
        self.lang = lang
        self.filters = filters

    def _direct(self, word: str) -> tuple[str, ...] | None:
        """What the filters make of one word, without a token stream, when they are all
        ``AddedTermsFilter``s (then ``InflectedFormFilter``s and a last ``UniqueTermFilter``):
        each adds its terms right after the word, so the last filter's come first, without a
        Token and five generators per new word (45.6 -> 43.7 µs a Finnish word). None for
        any other chain."""
        *steps, last = self.filters or (None,)
        adders = [f for f in steps if isinstance(f, AddedTermsFilter)]
        droppers = [f for f in steps if isinstance(f, InflectedFormFilter)]
        if not isinstance(last, UniqueTermFilter) or steps != adders + droppers:
            return None
        found = {word: None}
        for f in reversed(adders):
            found.update(dict.fromkeys(f.added(word)))
        if any(f.drops(word) for f in droppers):
            del found[word]
        return tuple(found)

    def _key(self) -> tuple[str, tuple[str, ...]]:
        return self.lang, tuple(type(f).__name__ for f in self.filters)

    def _cache(self) -> dict[str, tuple[str, ...]]:
        return _WORD_TERMS.setdefault(self._key(), {})

    def terms(self, word: str, cache: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
        """The word's terms, from the cache or the filters."""
        if cache is None:
            cache = self._cache()
        found = cache.get(word)
        if found is None:
            found = self._direct(word)
            if found is None:
                stream: Iterable[Token] = iter([Token(positions=True, pos=0, text=word)])
                for f in self.filters:
                    stream = f(stream)
                found = tuple(t.text for t in stream)
            if len(cache) >= WORD_CACHE_SIZE:
                cache.clear()
            cache[word] = found
            if _LEARNED is not None:
                _LEARNED.setdefault(self._key(), {})[word] = found
        return found

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        cache = self._cache()
        for t in tokens:
            found = cache.get(t.text)
            for text in found if found is not None else self.terms(t.text, cache):
                t.text = text
                yield t


#: (lang, filter names) -> word -> terms; module level so pickled analysers stay small.
_WORD_TERMS: dict[tuple[str, tuple[str, ...]], dict[str, tuple[str, ...]]] = {}
#: The word cache's new entries since ``take_learned``, while ``collect_learned`` is on.
_LEARNED: dict[tuple[str, tuple[str, ...]], dict[str, tuple[str, ...]]] | None = None
Learned = dict[tuple[str, tuple[str, ...]], dict[str, tuple[str, ...]]]


def collect_learned() -> None:
    """Keep each word form this process analyses from now on, for ``take_learned``.

    Ingest workers pass these to each other: a word's terms depend on the word alone,
    its first analysis costs about 70 µs, and the workers of one corpus share most of
    their vocabulary (the 10k perf corpus: 38,000 of each worker's 45,000 and 53,000 forms).
    """
    global _LEARNED
    if _LEARNED is None:
        _LEARNED = {}


def take_learned() -> Learned:
    """The word forms analysed since the last call (see ``collect_learned``)."""
    global _LEARNED
    if _LEARNED is None:
        return {}
    taken, _LEARNED = _LEARNED, {}
    return taken


def add_learned(learned: Learned) -> None:
    """Word forms another process analysed, into this one's word cache (as far as it has
    room: they only save work), without passing them on again."""
    for key, words in learned.items():
        cache = _WORD_TERMS.setdefault(key, {})
        cache.update(islice(words.items(), max(0, WORD_CACHE_SIZE - len(cache))))


# --- analysers --------------------------------------------------------------------


def _stop_filter(lang: str) -> StopFilter:
    return BreakStopFilter(stoplist=stopwords_for_language(lang), minsize=1)


def language_analyzer(lang: str) -> Analyzer:
    """Lowercase, stop words, lemmas and compound parts for ``fi`` or ``sv``."""
    return (
        WordTokenizer()
        | LowercaseFilter()
        | _stop_filter(lang)
        | ElidedCompoundFilter(lang)
        | WordCacheFilter(lang, (CompoundFilter(lang), LemmaFilter(lang), DerivationFilter(lang),
                                 UnknownStemFilter(lang), *_form_filters(lang), UniqueTermFilter()))
    )


def _form_filters(lang: str) -> tuple[Filter, ...]:
    return (InflectedFormFilter(lang),) if lang == "fi" else ()


def english_analyzer() -> Analyzer:
    """Lowercase, English stop words and Porter stems."""
    return WordTokenizer() | LowercaseFilter() | _stop_filter("en") | StemFilter()


_TOKEN = re.compile(TOKEN_PATTERN)
#: The same without the look back for a section sign, for the texts that have none:
#: looking back at every character was a tenth of tokenising.
_TOKEN_NO_SECTION_SIGN = re.compile(TOKEN_PATTERN.removeprefix(_NOT_AFTER_SECTION_SIGN))


def _tokens(text: str) -> list[str]:
    return (_TOKEN if "§:" in text else _TOKEN_NO_SECTION_SIGN).findall(text)


def words(text: str) -> list[str]:
    """The words of ``text`` as the exact-form field holds them, in order."""
    return [word[:-1] if word.endswith("-") else word for word in map(str.lower, _tokens(text))]


def _numbered(text: str) -> list[tuple[int, str]]:
    """The tokens of ``text`` with their positions, which jump at a ``FIELD_BREAK`` as
    ``WordTokenizer`` numbers them."""
    if FIELD_BREAK not in text:
        return list(enumerate(_tokens(text)))
    numbered: list[tuple[int, str]] = []
    base = 0
    for piece in text.split(FIELD_BREAK):
        tokens = _tokens(piece)
        numbered += [(base + i, token) for i, token in enumerate(tokens)]
        if tokens:
            base += len(tokens) + POSITION_GAP
    return numbered


def exact_positions(text: str) -> dict[str, list[int]]:
    """What ``exact_analyzer`` makes of a text, as each term's positions, without
    Whoosh's token stream: at ingest the exact-form field took a third of the analysis
    time for the simplest chain. Kept equal to the chain by a test on real passages."""
    positions: dict[str, list[int]] = {}
    for pos, token in _numbered(text):
        word = (token[:-1] if token.endswith("-") else token).lower()
        at = positions.get(word)
        if at is None:
            positions[word] = [pos]
        else:
            at.append(pos)
    return positions


def language_positions(text: str, lang: str,
                       exact: dict[str, list[int]] | None = None) -> dict[str, list[int]]:
    """What ``language_analyzer(lang)`` makes of a text, as each term's positions,
    without Whoosh's token stream (a Token, five filter generators and a dictionary
    update per word: most of the analysis time once the word cache is warm). A word cut
    short before a conjunction (``ranta- ja``) is joined as ``ElidedCompoundFilter``
    joins it: a third of Finnish statute passages have one. Kept equal to the chain by
    a test on real passages. The terms of one word share its list of positions: read
    them, do not change them.

    An ``exact`` dict (empty) is filled with what ``exact_positions`` gives, from the
    same reading of the text: both fields tokenise and lowercase alike."""
    stops, cached = _language_parts(lang)
    cache = cached._cache()
    conjunctions = CONJUNCTIONS.get(lang, ())
    at_word: dict[str, list[int]] = {}
    held: list[tuple[int, str, bool]] = []

    def add(word: str, pos: int) -> None:
        at = at_word.get(word)
        if at is None:
            at_word[word] = [pos]
        else:
            at.append(pos)

    pos = -1
    last = None
    jumped = False
    for index, word in _numbered(text):
        elided = word.endswith("-")
        word = (word[:-1] if elided else word).lower()
        if exact is not None:
            seen = exact.get(word)
            if seen is None:
                exact[word] = [index]
            else:
                seen.append(index)
        jumped = jumped or (last is not None and index - last > POSITION_GAP)
        last = index
        if word in stops:
            continue
        # The stop filter renumbers: the first kept word keeps its place, the rest follow
        # it, a FIELD_BREAK's jump kept (``BreakStopFilter``).
        pos = index if pos < 0 else pos + 1 + (POSITION_GAP if jumped else 0)
        jumped = False
        if elided or (held and word in conjunctions):
            held.append((pos, word, elided))
            continue
        if held:
            _join_elided(held, word, lang, add)
            held = []
        add(word, pos)
    for at, word, _ in held:
        add(word, at)
    # Each distinct word's terms once (a passage repeats a third of its words); a term
    # that two words give gets both their positions, sorted.
    positions: dict[str, list[int]] = {}
    merged = []
    for word, at in at_word.items():
        found = cache.get(word)
        for term in found if found is not None else cached.terms(word, cache):
            have = positions.get(term)
            if have is None:
                positions[term] = at
            else:
                positions[term] = have + at
                merged.append(term)
    for term in merged:
        positions[term].sort()
    return positions


def _join_elided(held: list[tuple[int, str, bool]], word: str, lang: str,
                 add: Callable[[str, int], None]) -> None:
    """``ElidedCompoundFilter`` on the held words before ``word``: each cut word gives
    its ``elided_readings``; conjunctions pass as they are."""
    parts = compound_parts(word, lang)
    for at, held_word, elided in held:
        for reading in (elided_readings(held_word, parts, lang) if elided else (held_word,)):
            add(reading, at)


def field_stop_words(lang: str) -> frozenset[str]:
    """The words the ``lang`` field gives no position (``language_positions``)."""
    return _language_parts(lang)[0]


@lru_cache(maxsize=None)
def _language_parts(lang: str) -> tuple[frozenset[str], WordCacheFilter]:
    """The stop words and the word-cache filter of ``language_analyzer(lang)``."""
    chain = language_analyzer(lang)
    stop = next(f for f in chain.items if isinstance(f, StopFilter))
    cached = next(f for f in chain.items if isinstance(f, WordCacheFilter))
    return frozenset(stop.stops), cached


def exact_analyzer() -> Analyzer:
    """Lowercased word forms only, for exact matches, phrases and names."""
    return WordTokenizer() | LowercaseFilter()


def analyzer_for(name: str) -> Analyzer:
    """The analyser for a ``TextField.analyzer`` name (``fi``, ``sv``, ``en``, ``exact``)."""
    if name in ("fi", "sv"):
        return language_analyzer(name)
    if name == "en":
        return english_analyzer()
    if name == "exact":
        return exact_analyzer()
    raise ValueError(f"unknown analyser {name!r}")


def analyze(text: str, lang: str) -> list[str]:
    """Index terms for ``text`` in ``lang`` (``exact`` for the exact-form analyser)."""
    name = lang if lang in ("fi", "sv", "en", "exact") else "exact"
    return [t.text for t in analyzer_for(name)(text)]


def explain_query(text: str) -> dict[str, list[str]]:
    """The analysed query per text field, as search parses it (for ``--explain``)."""
    return {
        f.name: [t.text for t in analyzer_for(f.analyzer)(text, mode="query")]
        for f in TEXT_FIELDS
    }
