"""The speed work keeps behaviour: cached highlighting marks what re-analysis marked, and
the benchmark's code path (corpus, every measured process, the table) still runs.

No timing is asserted here; ``bench/perf.py`` measures, these tests only keep it working.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest

from smartclean_kb import analysis
from smartclean_kb.search import Highlighter, _match_spans, _window

REPO = Path(__file__).resolve().parents[1]


def _reanalysed(analyzer, text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """What highlighting did before the word cache: run the whole chain over the text."""
    return sorted({(t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")
                   if t.text in wanted})


def test_cached_highlight_spans_equal_whole_text_analysis(fixture_kb):
    searcher = fixture_kb._open()
    texts = [fields["text"] for fields in searcher.all_stored_fields()]
    assert texts
    rng = random.Random(7)
    checked = 0
    for f in analysis.TEXT_FIELDS:
        analyzer = searcher.schema[f.name].analyzer
        for text in texts:
            terms = [t.text for t in analyzer(text, mode="index")]
            wanted = set(rng.sample(terms, min(6, len(terms))))
            for _ in range(2):  # the second pass is served from the cache
                cached = sorted(set(_match_spans([(analyzer, wanted)], text)))
                assert cached == _whole_words(text, _reanalysed(analyzer, text, wanted))
            checked += 1
    assert checked >= len(texts)


def test_one_pass_over_all_fields_marks_what_each_field_marks(fixture_kb):
    """A hit's text is read once for all the fields its language fills, with one verdict
    per word and language for the query: the spans are those of each field's own
    analysis together, for hits in different languages sharing one query."""
    searcher = fixture_kb._open()
    schema = searcher.schema
    stored = [(s["text"], s["lang"]) for s in searcher.all_stored_fields()]
    assert {"fi", "sv"} <= {lang for _, lang in stored}
    rng = random.Random(11)
    terms: dict[str, set[str]] = {}
    for text, lang in stored:
        for f in analysis.TEXT_FIELDS:
            if f.fills(lang):
                made = [t.text for t in schema[f.name].analyzer(text, mode="index")]
                terms.setdefault(f.name, set()).update(rng.sample(made, min(2, len(made))))
    highlighter = Highlighter(terms, schema)
    for _ in range(2):  # the second pass is served from the query's verdicts
        for text, lang in stored:
            filled = [f for f in analysis.TEXT_FIELDS if f.fills(lang)]
            expected = {span for f in filled for span in _reanalysed(schema[f.name].analyzer, text, terms[f.name])}
            assert sorted(set(highlighter.spans(text, lang))) == _whole_words(text, sorted(expected))
    # A Finnish word in a Swedish passage is not a Finnish match there.
    finnish = Highlighter({"text_fi": {"jätehuolto"}, "text_exact": {"vanda"}}, schema)
    assert finnish.spans("Kunnan jätehuollon tiedot", "fi") == [(7, 18)]
    assert finnish.spans("Projektet jätehuollon i Vanda", "sv") == [(24, 29)]


def _window_by_definition(text: str, spans: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """The first run of ``size`` words with the most match starts, moved to start three
    words before its first match, or as near that as a run holding the same matches
    starts; the whole text when short."""
    words = [m.span() for m in re.finditer(r"\S+", text)]
    if len(words) <= size:
        return 0, len(text)
    matched = [w for w, (a, b) in enumerate(words) if any(a <= s < b for s, _ in spans)]
    runs = range(len(words) - size + 1)
    held = {i: [w for w in matched if i <= w < i + size] for i in runs}
    best = max(runs, key=lambda i: (len(held[i]), -i))
    if held[best]:
        same = [i for i in runs if set(held[best]) <= set(held[i])]
        best = min(same, key=lambda i: (abs(i - (held[best][0] - 3)), i))
    return words[best][0], words[best + size - 1][1]


def test_snippet_window_is_the_run_of_words_with_most_matches():
    rng = random.Random(5)
    for _ in range(2000):
        words = ["".join(rng.choice("abcä") for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 60))]
        text = "".join(w + rng.choice([" ", "  ", "\n", " \t"]) for w in words)
        found = [m.span() for m in re.finditer(r"\w+", text)]
        spans = rng.sample(found, rng.randint(0, min(8, len(found))))
        size = rng.randint(1, 20)
        assert _window(text, spans, size) == _window_by_definition(text, spans, size), (text, spans, size)


def test_highlight_marks_inflected_forms(fixture_kb):
    hits = fixture_kb.search("kierrätys")
    assert hits and any("\x02" in hit.snippet for hit in hits)


def _whole_words(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The words that the spans fall in: n-gram tokens mark part of a word, the cache all of it."""
    words = [m.span() for m in re.finditer(r"\w+", text)]
    return sorted({w for s, e in spans for w in words if w[0] <= s and e <= w[1]})


def _perf_module():
    spec = importlib.util.spec_from_file_location("perf_bench", REPO / "bench" / "perf.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["perf_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared
def test_benchmark_code_path_runs(shared_data, tmp_path):
    perf = _perf_module()
    corpus = tmp_path / "corpus"
    statutes = sorted((shared_data / "real-docs" / "finlex" / "fi").glob("*.xml"))[:2]
    for path in statutes:
        title, date, sections = perf.statute_sections(path)
        assert sections
        out = corpus / "statutes" / f"{path.stem}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(perf.statute_html("fi", title, date, sections[:6]), encoding="utf-8")
    for name in ("finlex-sv", "swequad"):
        for path in sorted((shared_data / "retrieval-dev" / name / "docs").glob("*.txt"))[:3]:
            (corpus / name).mkdir(parents=True, exist_ok=True)
            (corpus / name / path.name).write_bytes(path.read_bytes())
    queries = perf.load_queries()
    assert len(queries) >= 200 and len(set(queries)) > 190
    info = {"path": str(corpus), "files": 8, "bytes": sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()),
            "copies": 1, "estimated_passages": 0}
    setup = perf.run_child("dictionaries")
    assert "sv" in setup["langs"] and setup["seconds"] > 0
    row = perf.measure(10, info, tmp_path, queries[:4], setup["seconds"], log=lambda message: None)
    assert row["ours"]["ingest"]["passages"] == row["whoosh"]["ingest"]["passages"] > 0
    ratios = row["ratios"]
    assert 0 < ratios["ingest_speed_vs_whoosh_first_run"] < ratios["ingest_speed_vs_whoosh"]
    assert row["ours"]["reingest"]["changed"] == 0
    assert row["ours"]["query"]["n"] == 4 and row["fts5"]["query"]["plain"]["n"] == 4
    assert row["ours"]["ingest"]["peak_rss"] > 0
    assert "with the one-time dictionary decode added" in perf.table([row])
    json.dumps(row)
