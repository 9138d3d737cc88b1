"""Issue 7: any query string gives results or a clear QueryError, never a traceback.

A property-based test (hypothesis) over ``KnowledgeBase.search`` and the query marking
of ``KnowledgeBase.get``: arbitrary text mixed with query-syntax fragments, operators,
wildcards, control characters and other scripts, under every filter.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smartclean_kb import KnowledgeBase
from smartclean_kb.errors import KBError, QueryError

DOCS = {
    "energia.txt": "Energiatehokkuus\n\nKaupungin energiatehokkuus paranee, kun kaukolämpöverkosto "
                   "uudistetaan ja aurinkopaneelit asennetaan kouluihin. " * 3,
    "avfall.md": "# Avfallshantering\n\nAvfallshanteringen i Helsingfors förbättras när "
                 "återvinningen ökar och hushållen sorterar matavfall. " * 3,
    "mobility.md": "# Mobility\n\nThe city improves public transport and cycling routes so "
                   "that emissions fall by 2030. " * 3,
    "sekoitus.html": "<html lang='fi'><head><meta charset='utf-8'><title>Sekä että</title></head>"
                     "<body><article><p>" + "Hiilineutraali Helsinki 2035 och klimatneutralt "
                     "Esbo, a carbon-neutral plan. " * 4 + "</p></article></body></html>",
}
WORDS = ["energiatehokkuus", "kaukolämpöverkosto", "avfallshanteringen", "återvinningen",
         "mobility", "cycling", "Helsinki", "Helsingfors", "2030", "hiilineutraali"]
FRAGMENTS = [
    '"', "'", "(", ")", "[", "]", "{", "}", "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO",
    "*", "?", "**", "*a", "a*", "ener*", "~", "~2", "^", "^3", ":", "title:", "lang:fi",
    "text_fi:", "-", "+", "\\", "/", "<", ">", "=", "&&", "||", "!", '""', "()", "[a TO", "TO z]",
    "{* TO *}", "\x00", "\x02", "\x03", "\x1b[31m", "\u200b", "\ufeff", "\ud7ff", "\u0301",
    "ﬁ", "Ǆ", "İ", "ß", "日本語", "שלום", "مرحبا", "мир", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\U0001F600", "\t", "\n", "  ",
]
HOSTILE = [
    "", " ", "*", "?", '"', '"unbalanced', "unbalanced'", "(((", ")))", "AND", "OR", "NOT",
    "NOT NOT", "AND OR NOT", "* * *", "a" * 10_000, "energia " * 2_000, "ä" * 1_001,
    "\x00\x01\x02\x03\x04", "\x7f\x80\x9f", "Helsinki 日本語 мир שלום 😀", "title:", ":",
    "[a TO z]", "{* TO *}", "~", "^", "\\", "ener*y*", "*tehokkuus", "\ud800", "\udfff",
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("fuzz")
    docs = folder / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    base = KnowledgeBase(folder / "index", jobs=1)
    report = base.ingest([docs])
    assert report.documents == len(DOCS), report.failed
    return base


@pytest.fixture(scope="module")
def doc_id(kb: KnowledgeBase) -> str:
    return kb.search("energiatehokkuus")[0].doc_id


def _check(kb: KnowledgeBase, query: str, **filters) -> None:
    try:
        results = kb.search(query, **filters)
    except QueryError as exc:
        assert exc.message and "\n" not in exc.message and "Traceback" not in str(exc)
        return
    assert results.total >= len(results) >= 0
    for hit in results:
        assert hit.passage_id and hit.source
        hit.to_dict()
    results.to_dict()


query_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.text(max_size=12), st.sampled_from(FRAGMENTS), st.sampled_from(WORDS)),
             max_size=14).map(lambda parts: " ".join(parts)),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(WORDS)), max_size=14)
      .map(lambda parts: "".join(parts)),
)
filters = st.fixed_dictionaries({}, optional={
    "lang": st.sampled_from(["fi", "sv", "en", "und"]),
    "doc_type": st.sampled_from(["page", "text", "report", "blog"]),
    "year": st.sampled_from([2030, "2035", 1999]),
    "page": st.integers(1, 4),
    "limit": st.integers(1, 30),
    "facets": st.booleans(),
    "explain": st.booleans(),
})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=query_text, options=filters)
@example(query='"energiatehokkuus', options={})
@example(query="NOT", options={"facets": True})
@example(query="*", options={"explain": True})
@example(query="a" * 10_000, options={})
@example(query="\x00\x1f\x7f energia", options={"lang": "fi"})
def test_any_query_gives_results_or_a_query_error(kb, query, options):
    _check(kb, query, **options)


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_hostile_queries(kb, query):
    _check(kb, query)
    _check(kb, query, lang="sv", facets=True, explain=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=query_text)
def test_any_query_marks_a_document_or_gives_a_query_error(kb, doc_id, query):
    try:
        view = kb.get(doc_id, query=query)
    except QueryError:
        return
    assert view.passages and view.doc_id == doc_id


def test_query_error_is_a_kb_error_with_a_sentence(kb):
    with pytest.raises(QueryError) as err:
        kb.search("a" * 10_000)
    assert isinstance(err.value, KBError) and err.value.message and "\n" not in err.value.message
