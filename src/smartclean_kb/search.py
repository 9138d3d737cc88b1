"""Query parsing across the language fields, filters, facets, highlighting and ranking.

The query is parsed once per analysed field, each with that field's own analyser, so a
query needs no language guess to find its passages; the detected language of the query
only weights the fields of that language up.
"""

from __future__ import annotations

import copy
import re
import time
import unicodedata
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from whoosh import collectors, qparser, query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.columns import MultiColumnReader
from whoosh.fields import Schema
from whoosh.lang import stopwords_for_language
from whoosh.matching import InverseMatcher
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from . import analysis, config, scoring
from .errors import QueryError
from .extract.dates import year_of
from .language import detect_query, title_language
from .models import MARK_CLOSE, MARK_OPEN, Detection, Hit, Translation
from .translations import linked_all

MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 64
#: Factor for the fields of the query's detected language (weights, never excludes).
QUERY_LANG_BOOST = 1.5
#: Plain OR of the query's words: BM25 already adds up each matched word. Whoosh's
#: coordination bonus (``OrGroup.factory``) counted matched *terms* over the whole tree
#: of fields and alternatives, so one word in three forms outweighed three words, and
#: counting them for every hit made queries about three times slower.
GROUP = qparser.OrGroup
#: The best hits are re-ranked by how close together the query's neighbouring words
#: are: each pair found at most this many positions apart (stop words not counted),
#: in either order, scores again at this weight (a sequential-dependence term,
#: as in Metzler and Croft's SDM). Scoring the pairs over every match doubled query
#: time; over the top hits it is cheap. Wider windows scored the same on the dev sets
#: but let a passing mention (``työmatkapyöräilyä ... Vantaalla Aviapoliksen``) outrank
#: the page about ``Aviapoliksen työmatkat``. The best 50 hits: on the four dev sets
#: re-ranking 20, 30, 50 or 100 gives the same nDCG@10 (10 loses .002), and 50 instead
#: of 100 took about a tenth off the 100k query times.
PROXIMITY_SLOP = 2
PROXIMITY_BOOST = 0.3
PROXIMITY_DEPTH = 50
#: A long pasted query gets proximity terms for its first words only.
PROXIMITY_MAX_PAIRS = 12
SNIPPET_WORDS = 40
#: With fewer hits than this, "did you mean" looks for a close spelling.
SUGGEST_BELOW = 3
#: A query of at most this many words gets "did you mean" however many hits it has.
SUGGEST_ALWAYS_WORDS = 4
#: The unknown words of one query looked up for "did you mean" at most, and the words
#: of a query that found nothing looked up for close spellings, each a pass over the
#: lexicon (a pasted paragraph of typos took eight seconds).
SUGGEST_MAX_WORDS = 3
#: With no hit at all, query words this long are also looked up within one edit (two
#: from 8 letters) of the indexed word forms: a misspelling or a name no dictionary knows.
FUZZY_MIN_LENGTH = 4
#: The index words all the query's ``prefix*`` together may stand for.
MAX_PREFIX_TERMS = 1024
FACETS = ("lang", "doc_type", "year")
#: Orders a search can give its hits in.
SORTS = ("relevance", "newest", "oldest")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class SearchResults(list):
    """Hits (a list) plus what a results page shows around them."""

    def __init__(self, *, query: str = "", page: int = 1, per_page: int = 10,
                 query_lang: Detection | None = None) -> None:
        super().__init__()
        self.query = query
        self.page = page
        self.per_page = per_page
        self.query_lang = query_lang or Detection("und", 0.0)
        self.total = 0
        self.suggestion: str | None = None
        #: The close spellings searched instead when the query's words are nowhere in
        #: the index (empty when the hits are the query's own).
        self.close_spellings: list[str] = []
        #: The query the hits are for: the query, or what was searched in its place
        #: (its correction, or its close spellings joined by OR), so that a hit's
        #: document view marks what the hit matched.
        self.searched = query
        self.facets: dict[str, dict[str, int]] = {}
        self.seconds = 0.0
        self.explain: dict[str, Any] | None = None

    @property
    def pages(self) -> int:
        """How many pages of ``per_page`` hits there are (0 with no hits)."""
        return -(-self.total // self.per_page) if self.total else 0

    def to_dict(self) -> dict[str, Any]:
        data = {
            "query": self.query,
            "query_lang": self.query_lang.to_dict(),
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "per_page": self.per_page,
            "seconds": round(self.seconds, 4),
            "suggestion": self.suggestion,
            "close_spellings": self.close_spellings,
            "searched": self.searched,
            "facets": self.facets,
            "hits": [hit.to_dict() for hit in self],
        }
        if self.explain is not None:
            data["explain"] = self.explain
        return data


def clean_query(text: str) -> str:
    """Drop control characters and normalise; refuse what cannot be a query."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}",
            "search for fewer words", key="query_too_long", length=len(text), limit=MAX_QUERY_CHARS,
        )
    return text


#: Operators the query parser reads (in capitals only, as Whoosh's parser does).
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_ANY_OPERATOR = "(?:" + "|".join(sorted(_OPERATORS)) + ")"
_TRAILING_OPERATORS = re.compile(rf"(?:\s+{_ANY_OPERATOR})+\s*$")
#: A leading ``NOT`` excludes; the others join nothing there.
_LEADING_OPERATORS = re.compile("^(?:(?:" + "|".join(sorted(_OPERATORS - {"NOT"})) + r")\s+)+")
_OPERATOR_WORDS = re.compile(rf"(?<!\S){_ANY_OPERATOR}(?!\S)")


def without_stray_operators(text: str) -> str:
    """The query without operators that join nothing at its ends.

    Whoosh reads an operator with no word after it as a word: ``jäte AND NOT`` asked for
    passages with ``not`` too and found none, ``jäte OR`` searched for ``or``. A leading
    ``NOT`` excludes and stays; inside an unclosed quote nothing is an operator."""
    if text.count('"') % 2:
        return text
    trimmed = _LEADING_OPERATORS.sub("", _TRAILING_OPERATORS.sub("", text))
    return trimmed or text


def _language_evidence(text: str) -> str:
    """The query's words for language detection: its operators are English words."""
    words = _OPERATOR_WORDS.sub(" ", text).strip()
    return words or text


def field_boosts(query_lang: Detection) -> dict[str, float]:
    """Each field's weight, raised for the fields of the query's language when it is clear."""
    own = _language_fields(query_lang)
    return {f.name: f.boost * (QUERY_LANG_BOOST if f.name in own else 1.0) for f in analysis.TEXT_FIELDS}


def _language_fields(query_lang: Detection) -> set[str]:
    """The text fields of the query's language, when the detection is clear enough to use."""
    if query_lang.probability < 0.5:
        return set()
    return {f.name for f in analysis.TEXT_FIELDS if query_lang.lang in f.langs}


def parse(schema: Schema, text: str, query_lang: Detection) -> wq.Query:
    """Parse the user's query (words, "phrases", AND/OR/NOT, prefix*) over the text fields."""
    boosts = field_boosts(query_lang)
    parser = qparser.MultifieldParser(list(boosts), schema, fieldboosts=boosts, group=GROUP)
    parser.remove_plugin_class(qparser.FieldsPlugin)
    parser.remove_plugin_class(qparser.BoostPlugin)
    # Only `word*`: with Whoosh's full wildcards, the `?` that ends every question
    # turned its last word into an unanalysed one-letter wildcard.
    parser.remove_plugin_class(qparser.WildcardPlugin)
    # Ranges of words (``[a TO z]``) are no search an archive needs, and one over the
    # whole lexicon took seconds while holding every other search back.
    parser.remove_plugin_class(qparser.RangePlugin)
    parser.add_plugin(WordPrefixPlugin())
    try:
        # Not normalised yet: normalising merges ``a OR (b NOT c)`` into one OR of a, b
        # and NOT c, and the NOT then applied to a too (``_exclude_nots`` works on groups).
        parsed = parser.parse(text, normalize=False)
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd syntax.
        raise QueryError("cannot parse the query",
                         'check quotes and operators, or search plain words', key="query_unparsable") from exc
    if len(list(parsed.normalize().leaves())) > MAX_QUERY_TERMS * len(boosts):  # repeats counted once
        raise QueryError(f"the query has too many words (limit {MAX_QUERY_TERMS})",
                         key="query_too_many_words", limit=MAX_QUERY_TERMS)
    parsed = _drop_exact_stop_words(_elided_compounds(parsed, text, boosts), text)
    return _exclude_nots(_inflected_phrases(parsed, _phrase_spans_of(parsed))).normalize()


class WordPrefixNode(qparser.syntax.TextNode):
    """``word*`` as written, lowercased: the analysers read a cut-off word as some other
    word's form (``kierrät`` as ``kiertää``, so ``kierrät*`` found ``kiertotalous``).
    Every field holds the word forms as written, so the prefix matches them there, and
    lemmas that begin with it in the language fields (as Lucene's prefix queries, which
    are not analysed either)."""

    def query(self, parser: qparser.QueryParser) -> wq.Query:
        text = unicodedata.normalize("NFC", self.text).lower()
        return qparser.syntax.attach(wq.Prefix(self.fieldname or parser.fieldname, text, boost=self.boost), self)

    def r(self) -> str:
        return f"{self.text!r}*"


class WordPrefixPlugin(qparser.PrefixPlugin):
    """Whoosh's ``word*`` syntax with ``WordPrefixNode``."""

    nodetype = WordPrefixNode


def searchable(searcher: Searcher, text: str, query_lang: Detection) -> wq.Query:
    """A cleaned query without stray operators parsed and checked as every search runs
    it: a document view that marks a query's matches refuses what a search would (``a*``
    standing for thousands of words)."""
    parsed = parse(searcher.schema, text, query_lang)
    if parsed is not wq.NullQuery:
        _check_prefixes(parsed, searcher.reader())
    return parsed


_ELIDED_IN_QUERY = re.compile(
    r"(\w+)-\s+(?:" + "|".join(w for ws in analysis.CONJUNCTIONS.values() for w in ws) + r")\s+(\w+)", re.I)


def _elided_compounds(q: wq.Query, text: str, boosts: dict[str, float]) -> wq.Query:
    """Add the compound a word cut short before a conjunction stands for, as the index
    has it: ``vesi- ja jätehuolto`` also asks for ``vesihuolto``. The parser analyses
    each word alone, so the analyser never saw the word after the conjunction."""
    if not _plain_words(q, text):
        return q
    extra: list[wq.Query] = []
    for found in _ELIDED_IN_QUERY.finditer(text):
        for f in analysis.TEXT_FIELDS:
            if f.analyzer not in ("fi", "sv") or f.name not in boosts:
                continue
            alone = {term for word in found.group(0).split() for term in analysis.analyze(word, f.analyzer)}
            extra += [wq.Term(f.name, term, boost=boosts[f.name])
                      for term in dict.fromkeys(analysis.analyze(found.group(0), f.analyzer)) if term not in alone]
    if not extra:
        return q
    return wq.Or([*(q.subqueries if type(q) is wq.Or else [q]), *extra])


#: Words so common that matching them in the exact-form field adds next to nothing to
#: a ranking but costs a pass over most passages (Swedish ``i`` and ``på`` are in
#: nearly all of them). The language fields drop them already; phrases keep them.
_STOP_WORDS = frozenset().union(*(stopwords_for_language(lang) for lang in ("fi", "sv", "en")))


def _drop_exact_stop_words(q: wq.Query, text: str) -> wq.Query:
    """A plain-words query without stop words in the exact-form field, unless the query
    is nothing but stop words (``to be or not to be``)."""
    if not _plain_words(q, text) or _STOP_WORDS.issuperset(analysis.words(text)):
        return q
    exact = _exact_field()
    return _without_terms(q, lambda t: t.fieldname == exact and t.text in _STOP_WORDS)


def _without_terms(q: wq.Query, dropped: Callable[[wq.Term], bool]) -> wq.Query:
    """The query without the terms ``dropped`` picks, in OR/AND groups (phrases and
    sequences stay whole); an emptied group goes, and an emptied query stays as it was."""

    def keep(node: wq.Query) -> wq.Query | None:
        if isinstance(node, wq.Term):
            return None if dropped(node) else node
        if not isinstance(node, wq.compound.CompoundQuery) or isinstance(node, wq.Sequence):
            return node
        children = [c for c in (keep(sub) for sub in node.subqueries) if c is not None]
        if not children:
            return None
        clone = _clone(node)
        clone.subqueries = children
        return clone

    return keep(q) or q


def _clone(q: wq.Query) -> wq.Query:
    """A copy of one query node that shares its children, which the callers replace:
    Whoosh's ``copy()`` deep-copies the whole tree, and doing that at every node of a
    parsed query was a tenth of a search's time."""
    return copy.copy(q)


def _phrase_spans_of(q: wq.Query) -> list[tuple[int, int]]:
    """Where the query's phrases of two or more words stand in its text, as the exact-form
    field (which keeps stop words) has them."""
    exact = _exact_field()
    return [(q.char_ranges[0][0], q.char_ranges[-1][1]) for q in q.leaves()
            if isinstance(q, wq.Phrase) and q.fieldname == exact and len(q.words) > 1
            and q.char_ranges and None not in q.char_ranges[0]]


def _inflected_phrases(q: wq.Query, phrases: list[tuple[int, int]] = ()) -> wq.Query:
    """A phrase in a language field as a sequence of its words' alternatives.

    Whoosh turns a phrase into one list of every token, so a word's lemma and compound
    parts, which share its position, broke the sequence and the phrase could only match
    exact forms. As a sequence of ORs, ``"jätehuollon kehittäminen"`` also finds
    ``jätehuoltoa kehitetään`` (the exact-form field still ranks the exact phrase first).
    A query word stands for its forms only, not its compound parts: ``"jätepaja avoinna"``
    must not match ``korjauspaja avoinna`` through ``paja``.
    """
    if isinstance(q, wq.Phrase):
        if q.fieldname == _exact_field() or not q.char_ranges or None in q.char_ranges[0]:
            return q
        words: dict[tuple[int, int], list[str]] = {}
        for text, span in zip(q.words, q.char_ranges):
            alternatives = words.setdefault(tuple(span), [])
            if text not in alternatives:
                alternatives.append(text)
        lang = next((f.analyzer for f in analysis.TEXT_FIELDS if f.name == q.fieldname), "")
        if lang in ("fi", "sv"):
            words = {span: _forms_of(alts, lang) for span, alts in words.items()}
        steps = [_any_of(q.fieldname, alternatives) for alternatives in words.values()]
        if len(steps) == 1:
            start, end = next(iter(words))
            if any(s <= start and end <= e for s, e in phrases):
                # A phrase of several words left with one here (``"utan avfall"``: ``utan``
                # is a stop word) would match that word anywhere; the exact-form field
                # has the whole phrase.
                return wq.NullQuery
            steps[0].boost = q.boost
            return steps[0]
        return wq.Sequence(steps, slop=q.slop, boost=q.boost)
    if (isinstance(q, wq.Term) and q.fieldname != _exact_field() and getattr(q, "startchar", None) is not None
            and any(s <= q.startchar and q.endchar <= e for s, e in phrases)):
        return wq.NullQuery  # the same, where the parser made the one word left a term
    if isinstance(q, wq.compound.CompoundQuery) and not isinstance(q, wq.Sequence):
        clone = _clone(q)
        clone.subqueries = [c for c in (_inflected_phrases(c, phrases) for c in q.subqueries) if c is not wq.NullQuery]
        return clone if clone.subqueries else wq.NullQuery
    if isinstance(q, wq.Not):
        return wq.Not(_inflected_phrases(q.query, phrases), boost=q.boost)
    return q


def _forms_of(alternatives: list[str], lang: str) -> list[str]:
    """Of a word's index terms (the word first), the word and its lemmas."""
    word = alternatives[0]
    lemmas = set(analysis.lemmas(word, lang))
    return [word] + [a for a in alternatives[1:] if a in lemmas]


def _any_of(fieldname: str, texts: list[str]) -> wq.Query:
    terms = [wq.Term(fieldname, t) for t in texts]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


class Excluded(wq.Not):
    """``NOT q`` inside an AND: passages matching q are left out, and the rest score
    nothing for it (Whoosh's ``Not`` scores 1 for every passage it lets through, which
    showed as one point added to every hit of ``a NOT b``)."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        child = self.query.matcher(searcher, searcher.boolean_context())
        return InverseMatcher(child, reader.doc_count_all(), missing=reader.is_deleted, weight=0.0)


def _exclude_nots(q: wq.Query) -> wq.Query:
    """Make ``a NOT b`` exclude b under OR grouping (Whoosh would OR in "not b").

    As ``a AND (NOT b)``: Whoosh 2.7.4's ``AndNot`` lets through a passage holding b when
    b's postings start before a's in a segment (its first step never moves b on), so
    what ``a NOT b`` let through depended on how the passages fell into segments. What
    is excluded is b's words in their forms, not their compound parts (``NOT jätelaki``
    must not drop every passage about ``jäte``)."""
    if isinstance(q, wq.Not):
        return wq.Not(_whole_words(_exclude_nots(q.query)), boost=q.boost)
    if not isinstance(q, wq.compound.CompoundQuery):
        return q
    children = [_exclude_nots(c) for c in q.subqueries]
    negatives = [c.query for c in children if isinstance(c, wq.Not)]
    positives = [c for c in children if not isinstance(c, wq.Not)]
    clone = _clone(q)
    if isinstance(q, (wq.Or, wq.And)) and negatives and positives:
        clone.subqueries = positives
        kept = positives[0] if len(positives) == 1 else clone
        return wq.And([kept, Excluded(negatives[0] if len(negatives) == 1 else wq.Or(negatives))])
    if isinstance(q, (wq.Or, wq.And)) and negatives:
        # ``NOT a NOT b``: neither (as an OR of two NOTs it let through nearly everything).
        return wq.Not(negatives[0] if len(negatives) == 1 else wq.Or(negatives), boost=q.boost)
    clone.subqueries = children
    return clone


def _whole_words(q: wq.Query) -> wq.Query:
    """The query without the compound parts of its words in the language fields. Its
    words are the exact-form field's terms; a part that is also one of their lemmas stays."""
    exact = _exact_field()
    words = {t.text for t in q.leaves() if isinstance(t, wq.Term) and t.fieldname == exact}
    parts: dict[str, set[str]] = {}
    for f in analysis.TEXT_FIELDS:
        if f.analyzer in ("fi", "sv"):
            lemmas = {lemma for w in words for lemma in analysis.lemmas(w, f.analyzer)}
            parts[f.name] = {p for w in words for p in analysis.compound_parts(w, f.analyzer)} - lemmas - words
    return _without_terms(q, lambda t: t.text in parts.get(t.fieldname, ()))


def fuzzy_query(text: str, reader: IndexReader) -> wq.Query | None:
    """Close spellings of the query's longer words among the indexed word forms, as an
    OR of those forms (None when there are none).

    Searched only when the query finds nothing, so a misspelt or unknown word still
    leads somewhere; the first letter must match, which keeps the lexicon scan short.
    The forms are looked up in the whole index and scored like any word: Whoosh's
    ``FuzzyTerm`` expands and scores each segment on its own (BM25 where a segment holds
    one close form, a constant where it holds several), so its ranking depended on how
    the passages happened to be split into segments.
    """
    exact = _exact_field()
    words = list(dict.fromkeys(w for w in analysis.words(text) if len(w) >= FUZZY_MIN_LENGTH))[:SUGGEST_MAX_WORDS]
    if exact is None or not words:
        return None
    forms = dict.fromkeys(form for w in words
                          for form in sorted(reader.terms_within(exact, w, 1 if len(w) < 8 else 2, prefix=1)))
    terms = [wq.Term(exact, form) for form in forms]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _plain_words(q: wq.Query, text: str) -> bool:
    """Whether the query is plain words: a phrase, an operator or a prefix asked for
    something exact, and finding nothing is then the answer. Quotes count even around
    one word, which Whoosh parses as a plain term."""
    return '"' not in text and _only_words(q)


def _only_words(q: wq.Query) -> bool:
    if isinstance(q, wq.Term):
        return True
    return type(q) is wq.Or and all(_only_words(c) for c in q.subqueries)


def _check_prefixes(q: wq.Query, reader) -> None:
    """Refuse a ``prefix*`` that stands for more words than a query may have, as Lucene
    does (its 1,024 clauses): ``a*`` is thousands of words, searched one by one."""
    words: set[bytes] = set()
    for leaf in q.leaves():
        if isinstance(leaf, wq.Prefix):
            # The same prefix is asked of every text field: a word counts once.
            for word in reader.expand_prefix(leaf.fieldname, leaf.text):
                words.add(word)
                if len(words) > MAX_PREFIX_TERMS:
                    raise QueryError(f"{leaf.text}* stands for too many words (over {MAX_PREFIX_TERMS:,})",
                                     "write more of the word before the *", key="prefix_too_broad",
                                     prefix=f"{leaf.text}*", limit=MAX_PREFIX_TERMS)


def _exact_field() -> str | None:
    """The text field that holds every passage's word forms as written."""
    return next((f.name for f in analysis.TEXT_FIELDS if "*" in f.langs), None)


#: A year or a span of years: ``2015``, ``2014-2016`` (or ``2014–2016``, ``2014..2016``),
#: and open at one end, ``2017-`` or ``-2016``.
_YEARS = re.compile(r"(?P<first>[0-9]{4})?\s*(?:(?P<dash>-|–|\.\.)\s*(?P<last>[0-9]{4})?)?")


def year_span(year: int | str | None) -> tuple[str | None, str | None] | None:
    """The first and last year a filter lets through (None where the span is open), or
    None for no filter; the archive's periods are spans (Sitra's 2014-2016)."""
    if year is None or year == "":
        return None
    text = str(year).strip()
    found = _YEARS.fullmatch(text) if len(text) <= 24 else None
    if not found or not (found["first"] or found["last"]):
        raise QueryError(f"year must be a year or a span of years, not {text[:40]!r}",
                         "for example 2015, 2014-2016, 2017- or -2016")
    first, last = found["first"], found["last"] if found["dash"] else found["first"]
    if first and last and first > last:
        first, last = last, first
    return first, last


def span_text(span: tuple[str | None, str | None]) -> str:
    """A span written one way, as ``year_span`` reads it back: ``2015``, ``2014-2016``, ``2017-``."""
    first, last = span
    return first or "" if first == last else f"{first or ''}-{last or ''}"


def _year_query(span: tuple[str | None, str | None]) -> wq.Query:
    first, last = span
    return wq.Term("year", first) if first == last else wq.TermRange("year", first, last)


def build_filter(lang: str | None, doc_type: str | None, year: int | str | None,
                 doc_id: str | None = None) -> wq.Query | None:
    """The filters as one query that lets passages through without scoring them (None: no filter)."""
    parts: list[wq.Query] = [wq.Term("doc_id", doc_id)] if doc_id else []
    if lang:
        parts.append(wq.Term("lang", lang))
    if doc_type:
        parts.append(wq.Term("doc_type", doc_type))
    if span := year_span(year):
        parts.append(_year_query(span))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def run_search(
    searcher: Searcher,
    text: str,
    *,
    limit: int = 10,
    page: int = 1,
    lang: str | None = None,
    doc_type: str | None = None,
    year: int | str | None = None,
    doc_id: str | None = None,
    sort: str = "relevance",
    facets: bool = False,
    explain: bool = False,
) -> SearchResults:
    """Search one index generation and build the hits with their highlights.

    ``sort`` is ``relevance`` (BM25F, then the proximity re-ranking), or ``newest`` /
    ``oldest`` first by the document's date (equal dates by relevance, undated last)."""
    started = time.perf_counter()
    text = clean_query(text)
    if limit < 1 or page < 1:
        raise QueryError("limit and page must be positive numbers")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {str(sort)[:40]!r}")
    if lang is not None and not config.is_language_code(lang):
        raise QueryError(f"{lang!r} is not a language code", "use fi, sv, en, und or another two-letter code")
    query_lang = detect_query(_language_evidence(text)) if text else Detection("und", 0.0)
    out = SearchResults(page=page, per_page=limit, query=text, query_lang=query_lang)
    if not text:
        out.seconds = time.perf_counter() - started
        return out
    text = without_stray_operators(text)
    parsed = searchable(searcher, text, query_lang)
    if parsed is wq.NullQuery:
        out.seconds = time.perf_counter() - started
        if explain:
            out.explain = explain_query(text, parsed, query_lang)
        return out
    flt = build_filter(lang, doc_type, year, doc_id)
    plain = _plain_words(parsed, text)
    near = _proximity(searcher.schema, text, query_lang) if PROXIMITY_BOOST and plain else []
    by_date = sort != "relevance"
    # Sorted by date, every match is ranked: the newest may be the least relevant.
    depth = max(searcher.doc_count_all(), 1) if by_date else (
        max(page * limit, PROXIMITY_DEPTH) if near else page * limit)
    reads: scoring.Reads = {}
    total, ranked = _search_top(searcher, parsed, depth, flt, reads)
    primary_total = total
    # Close spellings only for words the index does not have: a query that finds
    # passages outside the filters has its answer (none here), and its facets say where.
    # "Did you mean" for a query of a few words whatever it found (one typo among words
    # that found passages); for a longer one, a question, only when it found little:
    # each unknown word costs a pass over the lexicon.
    few_words = plain and len(analysis.words(text)) <= SUGGEST_ALWAYS_WORDS
    suggestion = suggest(searcher, text) if few_words or primary_total < SUGGEST_BELOW else None
    if primary_total == 0 and plain and (flt is None or not _search_top(searcher, parsed, 1, None)[0]):
        # The query as "did you mean" corrects it, analysed as any query, finds what the
        # corrected words find (``maalämpöpumpu``: every inflection of ``maalämpöpumppu``,
        # not the one form a letter away); else every indexed form close to a word.
        retry_depth = depth if by_date else page * limit
        retry = searchable(searcher, suggestion, query_lang) if suggestion else None
        if retry is not None and retry is not wq.NullQuery:
            total, ranked = _search_top(searcher, retry, retry_depth, flt)
            if total:
                parsed, out.close_spellings, out.searched = retry, _changed_words(text, suggestion), suggestion
                suggestion = None  # searched already: the notice says so, no "did you mean"
        if not total and (fuzzy := fuzzy_query(text, searcher.reader())) is not None:
            total, ranked = _search_top(searcher, fuzzy, retry_depth, flt)
            if total:
                parsed, out.close_spellings = fuzzy, [t.text for t in fuzzy.leaves()]
                out.searched = " OR ".join(out.close_spellings)
    elif near:  # sorted by date too, so that equal dates keep the relevance order
        ranked = _rerank_by_proximity(searcher, near, ranked[:PROXIMITY_DEPTH], reads) + ranked[PROXIMITY_DEPTH:]
    if by_date:
        ranked = _by_date(searcher, ranked, newest=sort == "newest")
    out.total = total
    highlighter = highlighter_for(parsed, searcher)
    # Equal scores keep the order the ranking gave them (the lower document number
    # first, as Whoosh's collector has it) on every page: re-sorting a page's ties by
    # passage id moved a hit tied across a page boundary onto both pages or neither.
    shown = ranked[(page - 1) * limit:page * limit]
    stored = [searcher.stored_fields(docnum) for _, docnum in shown]
    links = linked_all(searcher, stored)
    for rank, ((score, _), fields, found) in enumerate(zip(shown, stored, links), start=(page - 1) * limit + 1):
        out.append(make_hit(rank, score, fields, highlighter, found))
    if facets:
        out.facets = facet_counts(searcher, parsed, lang, doc_type, year, reads, doc_id)
    out.suggestion = suggestion
    if explain:
        out.explain = explain_query(text, parsed, query_lang)
    out.seconds = time.perf_counter() - started
    return out


def _by_date(searcher: Searcher, ranked: list[tuple[float, int]], *, newest: bool) -> list[tuple[float, int]]:
    """``ranked`` in date order (newest or oldest first), equal dates by score, undated last."""
    if not ranked:
        return ranked
    scores = np.fromiter((score for score, _ in ranked), dtype=float, count=len(ranked))
    docnums = np.fromiter((docnum for _, docnum in ranked), dtype=np.intp, count=len(ranked))
    dates = _date_keys(searcher)[docnums]
    order = np.lexsort((np.arange(len(ranked)), -scores, -dates if newest else dates, dates == 0))
    return [ranked[i] for i in order]


#: Per index reader: each passage's date as YYYYMMDD by document number, read once per generation.
_DATE_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _date_keys(searcher: Searcher) -> np.ndarray:
    reader = searcher.reader()
    if reader not in _DATE_KEYS:
        _DATE_KEYS[reader] = np.fromiter((int(v or 0) for v in _column(searcher, "date_key")), dtype=np.int64,
                                         count=searcher.doc_count_all())
    return _DATE_KEYS[reader]


def _search_top(searcher: Searcher, q: wq.Query, depth: int, flt: wq.Query | None,
                reads: scoring.Reads | None = None) -> tuple[int, list[tuple[float, int]]]:
    """How many passages match, and the best ``depth`` as (score, docnum), best first.

    Block-quality skipping and matcher replacement stay off: Whoosh 2.7.4's skipping can
    loop forever on a scaled OR whose word has several analysed alternatives (whoosh
    issue #461), and rebuilding the matcher tree every ten hits (which mostly serves that
    skipping) cost a fifth to a third of the search time of our per-field OR trees.
    """
    terms = scoring.summed_terms(q)
    if terms is not None:
        allow = set(searcher.docs_for_query(flt)) if flt is not None else None
        found = scoring.top(searcher, terms, depth, allow, reads)
        if found is not None:
            return found
    top = collectors.TopCollector(depth, usequality=False, replace=0)
    collector = collectors.FilterCollector(top, allow=flt) if flt is not None else top
    searcher.search_with_collector(_summed(q), collector)
    results = collector.results()
    return len(results), [(hit.score, hit.docnum) for hit in results]


def _summed(q: wq.Query) -> wq.Query:
    """The query, its top-level OR scored by adding each term's scores into an array.

    For the queries ``scoring`` does not take (phrases, operators, close spellings).
    On an index of over 5,000 passages Whoosh runs an OR as a binary tree of union
    matchers and walks the tree for every passage that matches; its array matcher reads
    each term's postings a block of passages at a time into one array of score sums,
    with the same scores (on plain words at 100k passages, p95 went from about 750 to
    about 410 ms before ``scoring`` took those over). That matcher cannot give
    positions, which only highlighting and the proximity re-ranking need, and they make
    their own matchers.
    """
    if type(q) is not wq.Or or len(q.subqueries) < 3:
        return q
    summed = _clone(q)
    summed.matcher_type = wq.Or.ARRAY_MATCHER
    return summed


def _proximity(schema, text: str, query_lang: Detection) -> list[tuple[str, list[str], list[str], float]]:
    """Each pair of neighbouring query words per language field (field, the first word's
    terms, the second's), with its weight: a passage where ``jätehuollon kehittäminen``
    occur together outranks one that mentions each somewhere. Only the field of the
    query's language when that is clear: each field's pairs cost as much to check, and
    the other fields seldom hold them."""
    boosts = field_boosts(query_lang)
    own = _language_fields(query_lang)
    near: list[tuple[str, list[str], list[str], float]] = []
    for f in analysis.TEXT_FIELDS:
        if "*" in f.langs or (own and f.name not in own):
            continue
        words = _alternatives(schema[f.name].analyzer, text)
        for a, b in list(zip(words, words[1:]))[:PROXIMITY_MAX_PAIRS]:
            near.append((f.name, a, b, PROXIMITY_BOOST * boosts[f.name]))
    return near


def _alternatives(analyzer, text: str) -> list[list[str]]:
    """The query's words as a field indexes them: each word's terms (form, lemmas, parts)."""
    words: dict[int, list[str]] = {}
    for token in analyzer(text, mode="query", positions=True):
        alternatives = words.setdefault(token.pos, [])
        if token.text not in alternatives:
            alternatives.append(token.text)
    return list(words.values())


def _rerank_by_proximity(searcher: Searcher, near: list[tuple[str, list[str], list[str], float]],
                         ranked: list[tuple[float, int]],
                         reads: scoring.Reads | None = None) -> list[tuple[float, int]]:
    """The hits, each near pair's two word scores added again (weighted) where the pair
    occurs close together, best first.

    Each word's positions come from the postings the ranking read (``reads``) and are
    decoded only for the hits: Whoosh's own span queries walk every passage holding
    both words, which doubled the query time.
    """
    docnums = sorted(docnum for _, docnum in ranked)
    bonus: dict[int, float] = {}
    seen: dict[tuple[str, tuple[str, ...]], dict[int, tuple[float, list[int]]]] = {}

    def occurrences(fieldname: str, texts: list[str]) -> dict[int, tuple[float, list[int]]]:
        key = (fieldname, tuple(texts))
        if key not in seen:
            seen[key] = scoring.occurrences(searcher, fieldname, texts, docnums, reads) or {}
        return seen[key]

    for fieldname, a_texts, b_texts, weight in near:
        a, b = occurrences(fieldname, a_texts), occurrences(fieldname, b_texts)
        for docnum in sorted(a.keys() & b.keys()):
            (a_score, a_positions), (b_score, b_positions) = a[docnum], b[docnum]
            if _close(a_positions, b_positions):
                bonus[docnum] = bonus.get(docnum, 0.0) + weight * (a_score + b_score)
    return sorted(((score + bonus.get(docnum, 0.0), docnum) for score, docnum in ranked),
                  key=lambda pair: (-pair[0], pair[1]))


def _close(a_positions: list[int], b_positions: list[int]) -> bool:
    """Whether some position of one word is 1 to ``PROXIMITY_SLOP`` positions from the other's.

    A set of one word's positions, so two common words' lists cost their sum, not their
    product (a pair of every position was half a million steps for the perf queries)."""
    others = set(b_positions)
    offsets = range(1, PROXIMITY_SLOP + 1)
    return any(s + d in others or s - d in others for s in a_positions for d in offsets)


def make_hit(rank: int, score: float, stored: dict[str, Any], highlighter: Highlighter,
             translations: list[Translation]) -> Hit:
    """A ranked passage's stored fields as a Hit, its snippet highlighted; a feed entry's
    own link is its URL."""
    text, lang = stored.get("text", ""), stored.get("lang", "und")
    title, heading, doc_lang = stored.get("title", ""), stored.get("heading", ""), stored.get("doc_lang") or ""
    # Marked as the passage's fields read them: title and heading are indexed with it.
    title_marked = highlighter.snippet(title, lang, words=None) if title else ""
    heading_marked = highlighter.snippet(heading, lang, words=None) if heading else ""
    return Hit(
        rank=rank,
        score=float(score),
        passage_id=stored["passage_id"],
        doc_id=stored["doc_id"],
        source=stored.get("source", ""),
        title=title,
        text=text,
        snippet=highlighter.snippet(text, lang),
        lang=lang,
        lang_probability=float(stored.get("lang_prob") or 0.0),
        doc_type=stored.get("doc_type", ""),
        date=stored.get("date", ""),
        year=year_of(stored.get("date", "")),
        author=stored.get("author", ""),
        url=stored.get("link") or stored.get("url") or "",
        page=stored.get("page"),
        page_label=stored.get("page_label") or "",
        heading=heading,
        doc_lang=doc_lang,
        title_lang=title_language(title, doc_lang),
        translations=tuple(translations),
        title_marked=title_marked if MARK_OPEN in title_marked else "",
        heading_marked=heading_marked if MARK_OPEN in heading_marked else "",
    )


def highlighter_for(parsed: wq.Query, searcher: Searcher) -> "Highlighter":
    """The highlighter that marks a parsed query's matches: its words, and its phrases
    only where they occur."""
    return Highlighter(query_terms(parsed, searcher), searcher.schema, query_phrases(parsed))


#: A phrase as the highlighter looks for it: its field and each word's terms, in order.
Phrase = tuple[str, tuple[frozenset[str], ...]]


def query_terms(parsed: wq.Query, searcher: Searcher) -> dict[str, set[str]]:
    """The index terms each field's part of the query matches outside its phrases,
    prefixes and wildcards expanded (``query_phrases`` has the phrases)."""
    terms: dict[str, set[str]] = {}
    reader = searcher.reader()
    for leaf in _loose_leaves(parsed):
        if isinstance(leaf, wq.MultiTerm):
            try:
                expanded = [(leaf.field(), t) for t in leaf._btexts(reader)]
            except Exception:  # An odd wildcard that cannot expand marks nothing.
                expanded = []
        else:
            expanded = list(leaf.all_terms())
        for fieldname, value in expanded:
            terms.setdefault(fieldname, set()).add(_text(value))
    return terms


def query_phrases(parsed: wq.Query) -> list[Phrase]:
    """The query's phrases, each word as the terms it matches in its field: a phrase's
    words are marked only where the phrase is (``"vardag utan avfall"`` marked every
    ``avfall`` of every hit)."""
    found: list[Phrase] = []
    for node in _phrase_nodes(parsed):
        if isinstance(node, wq.Phrase):
            found.append((node.fieldname, tuple(frozenset([_text(w)]) for w in node.words)))
        else:
            steps = tuple(frozenset(_text(t) for _, t in step.all_terms()) for step in node.subqueries)
            fields = {f for step in node.subqueries for f, _ in step.all_terms()}
            if len(fields) == 1 and all(steps):
                found.append((fields.pop(), steps))
    return found


def _loose_leaves(q: wq.Query):
    """The query's leaves outside phrases and exclusions."""
    if isinstance(q, (wq.Phrase, wq.Sequence, wq.Not)):
        return
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _loose_leaves(child)


def _phrase_nodes(q: wq.Query):
    if isinstance(q, (wq.Phrase, wq.Sequence)):
        yield q
    elif not isinstance(q, wq.Not) and not q.is_leaf():
        for child in q.children():
            yield from _phrase_nodes(child)


class Highlighter:
    """Marks one query's matches in the texts of its hits.

    Whether a word matches is decided once per distinct word and passage language for
    the query, over all the text fields that language fills, in one pass of the
    tokeniser they share: a query's hits repeat their words, and checking every word
    of every hit against each field's terms was a quarter of a query's time at 100k.
    """

    def __init__(self, terms: dict[str, set[str]], schema, phrases: list[Phrase] | None = None) -> None:
        self._terms = terms
        self._schema = schema
        self._phrases = phrases or []
        self._matching: dict[str, dict[str, bool]] = {}

    def snippet(self, text: str, lang: str, words: int | None = SNIPPET_WORDS) -> str:
        """A snippet of about ``words`` words of ``text`` around the best cluster of
        matches, matches between marks: the control characters STX/ETX, which never
        occur in cleaned text, so each front end can turn them into its own markup after
        escaping the rest. With ``words=None`` the whole text is kept (the document view)."""
        spans = _merge(self.spans(text, lang), text)
        start, end = (0, len(text)) if words is None else _window(text, spans, words)
        pieces = []
        cursor = start
        for s, e in spans:
            if s < start or e > end:
                continue
            pieces.append(text[cursor:s])
            pieces.append(MARK_OPEN + text[s:e] + MARK_CLOSE)
            cursor = e
        pieces.append(text[cursor:end])
        snippet = "".join(pieces)
        if words is None:
            return snippet
        snippet = snippet.replace("\n", " ")
        return ("… " if start > 0 else "") + snippet.strip() + (" …" if end < len(text) else "")

    def spans(self, text: str, lang: str) -> list[tuple[int, int]]:
        """Character spans of the words of ``text`` that a field filled for ``lang``
        turns into one of the query's terms there, and of the query's phrases found
        there (first word to last)."""
        fields = []
        for f in analysis.TEXT_FIELDS:
            wanted = self._terms.get(f.name)
            if wanted and f.fills(lang):
                fields.append((self._schema[f.name].analyzer, wanted))
        phrases = [(self._schema[f.name].analyzer, steps) for f in analysis.TEXT_FIELDS if f.fills(lang)
                   for name, steps in self._phrases if name == f.name]
        spans = _match_spans(fields, text, self._matching.setdefault(lang, {})) if fields else []
        return spans + _phrase_spans(phrases, text) if phrases else spans


def _match_spans(fields: list[tuple[Any, set[str]]], text: str,
                 matching: dict[str, bool] | None = None) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` that one of the (analyser, wanted terms)
    ``fields`` turns into a wanted term; ``matching`` remembers the verdict per word.

    Our analysers' filters work word by word, so a word's terms do not depend on its
    neighbours: each distinct word is analysed once per process (a corpus repeats its
    word forms) and the text itself only needs the cheap tokeniser. Re-running the whole
    chain over every hit's text made highlighting most of a query's cost.
    """
    expression = _shared_expression([analyzer for analyzer, _ in fields])
    if expression is None:
        return [(t.startchar, t.endchar) for analyzer, wanted in fields
                for t in analyzer(text, chars=True, mode="index") if t.text in wanted]
    matching = {} if matching is None else matching
    spans = []
    # The tokeniser's own pattern, without building a Token per word (3x faster); a word
    # cut short before a conjunction loses its hyphen, as in ``WordTokenizer``. The
    # verdict is keyed by the match itself, so only a match gets its hyphen looked at.
    for match in expression.finditer(text):
        raw = match.group()
        found = matching.get(raw)
        if found is None:
            word = raw[:-1] if raw.endswith("-") else raw
            found = matching[raw] = any(not _word_terms(analyzer, word).isdisjoint(wanted)
                                        for analyzer, wanted in fields)
        if found:
            start, end = match.span()
            spans.append((start, end - 1 if raw.endswith("-") else end))
    return spans


def _phrase_spans(phrases: list[tuple[Any, tuple[frozenset[str], ...]]], text: str) -> list[tuple[int, int]]:
    """Character spans where one of the (analyser, words' terms) ``phrases`` occurs: its
    words one after the other, as that analyser reads them (words without terms there,
    the language fields' stop words, are passed over as the index passes them over)."""
    words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
    spans = []
    for analyzer, steps in phrases:
        read = [(_word_terms(analyzer, w.removesuffix("-")), s, e) for w, s, e in words]
        read = [r for r in read if r[0]]
        for i in range(len(read) - len(steps) + 1):
            if all(not read[i + j][0].isdisjoint(step) for j, step in enumerate(steps)):
                spans.append((read[i][1], read[i + len(steps) - 1][2]))
    return spans



def _shared_expression(analyzers: list[Any]) -> re.Pattern | None:
    """The regular expression every analyser's tokeniser reads words with, or None when
    one of them is not a plain regex tokeniser or they differ."""
    expressions = set()
    for analyzer in analyzers:
        items = getattr(analyzer, "items", None)
        tokenizer = items[0] if items else None
        if not isinstance(tokenizer, RegexTokenizer) or tokenizer.gaps:
            return None
        expressions.add(tokenizer.expression)
    return expressions.pop() if len(expressions) == 1 else None


def _word_terms(analyzer, word: str) -> frozenset[str]:
    """The terms the analyser makes of one word, remembered per analyser."""
    cache = _word_cache(analyzer)
    found = cache.get(word)
    if found is None:
        if len(cache) >= WORD_CACHE_SIZE:
            cache.clear()
        found = cache[word] = frozenset(t.text for t in analyzer(word, mode="index"))
    return found


#: Distinct words whose terms are remembered per analyser (about 100 bytes each).
WORD_CACHE_SIZE = 200_000
_WORD_CACHES: dict[int, tuple[Any, dict[str, frozenset[str]]]] = {}


def _word_cache(analyzer) -> dict[str, frozenset[str]]:
    """The word -> terms cache of one analyser object (held, so its id stays its own)."""
    entry = _WORD_CACHES.get(id(analyzer))
    if entry is None or entry[0] is not analyzer:
        if len(_WORD_CACHES) >= 32:
            _WORD_CACHES.clear()
        entry = _WORD_CACHES[id(analyzer)] = (analyzer, {})
    return entry[1]


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Overlapping spans, and matches only white space apart (a phrase), become one."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if merged and (s <= merged[-1][1] or text[merged[-1][1]:s].isspace()):
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


_NOT_SPACE = re.compile(r"\S+")


def _window(text: str, spans: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """Character range of ``size`` words holding the most matches: the first such run,
    moved on to start three words before its first match where that keeps them all (the
    first run with most matches ends at its last match, so its first match may open it
    with no context). Every run is counted at once with numpy (a loop over each hit's
    every word was a third of highlighting's time)."""
    words = np.array([m.span() for m in _NOT_SPACE.finditer(text)], dtype=np.intp).reshape(-1, 2)
    if len(words) <= size:
        return 0, len(text)
    starts = np.sort(np.array([s for s, _ in spans], dtype=np.intp))
    counts = (np.searchsorted(starts, words[size - 1:, 1], "left")
              - np.searchsorted(starts, words[:len(words) - size + 1, 0], "left"))
    first = int(np.argmax(counts))
    if counts[first] > 0:
        in_words = np.searchsorted(words[:, 0], starts, "right") - 1
        opening = int(in_words[np.searchsorted(in_words, first, "left")])
        first = min(max(first, opening - 3), len(words) - size)
    last = first + size - 1
    return int(words[first, 0]), int(words[last, 1])


def facet_counts(searcher: Searcher, parsed: wq.Query, lang: str | None, doc_type: str | None,
                 year: int | str | None, reads: scoring.Reads | None = None,
                 doc_id: str | None = None) -> dict[str, dict[str, int]]:
    """Counts per language, type and year; each facet ignores its own filter (so it can widen).
    ``reads`` are the postings the ranking read, which need not be read again; ``doc_id``
    counts within one document."""
    span = year_span(year)
    chosen: dict[str, Callable[[str], bool] | None] = {
        "lang": (lambda v: v == lang) if lang else None,
        "doc_type": (lambda v: v == doc_type) if doc_type else None,
        "year": (lambda v: bool(v) and (span[0] or v) <= v <= (span[1] or v)) if span else None,
    }
    terms = scoring.summed_terms(parsed)
    if terms is not None:
        docnums = scoring.matching(searcher, terms, reads)
    else:
        hits = searcher.search(_summed(parsed), limit=None, scored=False, sortedby=None)
        docnums = np.fromiter(hits.docs(), dtype=np.intp)
    if doc_id:
        docnums = docnums[np.isin(docnums, np.fromiter(searcher.document_numbers(doc_id=doc_id), dtype=np.intp))]
    columns = _facet_codes(searcher)
    codes = {name: column[docnums] for name, (column, _) in columns.items()}
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        keep = np.ones(len(docnums), dtype=bool)
        for other in FACETS:
            if other != name and (wanted := chosen[other]):
                allowed = np.array([wanted(v) for v in columns[other][1]], dtype=bool)
                keep &= allowed[codes[other]]
        values = columns[name][1]
        tally = np.bincount(codes[name][keep], minlength=len(values)).tolist()
        bucket = {values[code]: n for code, n in enumerate(tally) if n and values[code]}
        counts[name] = dict(sorted(bucket.items(), key=lambda kv: (-kv[1], kv[0])))
    return counts


#: Per index reader: each passage's facet values as codes, read from the columns once per generation.
_FACET_CODES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _facet_codes(searcher: Searcher) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Per facet, every passage's value as a number by document number, and the values
    those numbers stand for (0 is no value): looking values up hit by hit in Whoosh's
    columns was most of a facet count's time, and counting numbers is one array call."""
    reader = searcher.reader()
    if reader not in _FACET_CODES:
        out = {}
        for name in FACETS:
            numbers: dict[str, int] = {"": 0}
            column = [numbers.setdefault(text, len(numbers)) for text in map(_text, _column(searcher, name))]
            out[name] = (np.array(column, dtype=np.intp), list(numbers))
        _FACET_CODES[reader] = out
    return _FACET_CODES[reader]


def _column(searcher: Searcher, name: str):
    """A column over all segments, including segments where no document has a value.

    Whoosh's MultiReader.column_reader leaves such segments out, which shifts the
    document numbers of the segments after them.
    """
    leaves = searcher.reader().leaf_readers()
    if len(leaves) == 1:
        return leaves[0][0].column_reader(name)
    return MultiColumnReader([r.column_reader(name) for r, _ in leaves], [offset for _, offset in leaves])


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")


def _known(reader, word: str) -> bool:
    """Whether a passage has the word as written or, in a language field, its lemma
    (``laki`` is known where only ``lain`` is written)."""
    return any(reader.doc_frequency(f.name, term) > 0
               for f in analysis.TEXT_FIELDS
               for term in ([word] if f.analyzer == "exact" else analysis.lemmas(word, f.analyzer)))


_WORD = re.compile(analysis.TOKEN_PATTERN)


def suggest(searcher: Searcher, text: str) -> str | None:
    """'Did you mean': the query with the words the index does not know replaced by
    close ones it does, written in the case they were typed in (``Kalasatamsa`` ->
    ``Kalasatama``); its quotes, operators and other words stay as they were typed.
    Asked whatever the query finds: in ``hulevesein hallinta`` the second word found
    passages, the first nothing."""
    reader = searcher.reader()
    changed = False
    looked_up = 0

    def close(found: re.Match) -> str:
        nonlocal changed, looked_up
        typed = found.group()
        word = typed.lower().rstrip("-")
        prefix = text[found.end():found.end() + 1] == "*"
        if (prefix or typed in _OPERATORS or len(word) < FUZZY_MIN_LENGTH or looked_up >= SUGGEST_MAX_WORDS
                or _known(reader, word)):
            return typed
        looked_up += 1
        near = _closest(reader, word)
        if near is None:
            return typed
        changed = True
        cased = _cased_like(typed.rstrip("-"), near)
        # An operator's word is no correction (``NOTX`` -> ``NOT`` would negate the rest),
        # and a word cut short before a conjunction keeps its hyphen.
        return (near if cased in _OPERATORS else cased) + typed[len(typed.rstrip("-")):]

    suggested = _WORD.sub(close, text)
    return suggested if changed else None


def _closest(reader: IndexReader, word: str) -> str | None:
    """The indexed word nearest to ``word``: a word form as written or, in a language
    field, a lemma or compound part (``avfallshantring`` is a letter from the lemma
    ``avfallshantering``, three from the form ``avfallshanteringen`` that the text has).
    The fewest edits first (one, then two for a word of eight letters or more), a form as
    written before a lemma (``hulevesein``: ``hulevesien``, not ``hulevesi``), then the
    word in the most passages; the first letter as typed. Each lookup is a pass over the
    field's words with that letter (tens of milliseconds at 10k passages), so the
    language fields are read only when the written forms have nothing that close."""
    exact = _exact_field()
    groups = [[f.name for f in analysis.TEXT_FIELDS if f.name == exact],
              [f.name for f in analysis.TEXT_FIELDS if f.analyzer in ("fi", "sv")]]
    for distance in (1, 2) if len(word) >= 8 else (1,):
        for fields in groups:
            found: dict[str, int] = {}
            for name in fields:
                for term in reader.terms_within(name, word, distance, prefix=1):
                    if term != word and not any(c.isdigit() for c in term) and _a_word(term, name, exact):
                        found[term] = max(found.get(term, 0), reader.doc_frequency(name, term))
            if found:
                return max(sorted(found), key=found.__getitem__)
    return None


def _a_word(term: str, fieldname: str, exact: str | None) -> bool:
    """Whether a term is a word to offer: any written form, and of a language field's
    terms a dictionary lemma (its stems of unknown words are no words: ``greenhous``)."""
    if fieldname == exact:
        return True
    lang = next(f.analyzer for f in analysis.TEXT_FIELDS if f.name == fieldname)
    return term in analysis.lemmas(term, lang)


def _cased_like(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _changed_words(typed: str, suggestion: str) -> list[str]:
    """The words of ``suggestion`` that are not words of the query as typed."""
    before = set(_WORD.findall(typed))
    return list(dict.fromkeys(w for w in _WORD.findall(suggestion) if w not in before))


def explain_query(text: str, parsed: wq.Query, query_lang: Detection) -> dict[str, Any]:
    """What the engine searched for: the analysed terms per field and the field weights.

    Fields come in the schema's order and terms in the query's, so the same query
    explains itself the same way every time (``all_terms`` is a set)."""
    per_field: dict[str, list[str]] = {f.name: [] for f in analysis.TEXT_FIELDS}
    for fieldname, value in parsed.iter_all_terms(phrases=True):
        value = _text(value)
        terms = per_field.setdefault(fieldname, [])
        if value not in terms:
            terms.append(value)
    per_field = {name: terms for name, terms in per_field.items() if terms}
    return {
        "query": text,
        "query_lang": query_lang.to_dict(),
        "boosts": field_boosts(query_lang),
        "terms": per_field,
        "parsed": str(parsed),
    }
