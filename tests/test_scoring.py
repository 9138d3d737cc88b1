"""The fast BM25F path ranks and counts exactly as Whoosh's own scoring does, edits included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smartclean_kb import KnowledgeBase, scoring

REPO = Path(__file__).resolve().parents[1]
QUERIES = [line.split("\t")[1] for line in (REPO / "corpus" / "queries.tsv").read_text("utf-8").splitlines()]
QUERIES += ["jätehuolto", "avfall", "energia aurinko tuuli", "kiertotalous Helsinki Espoo Vantaa"]


def _rankings(kb: KnowledgeBase, **options) -> list[tuple[int, list[tuple[str, float]], dict]]:
    out = []
    for query in QUERIES:
        results = kb.search(query, **options)
        out.append((results.total, [(hit.passage_id, round(hit.score, 9)) for hit in results],
                    results.facets))
    return out


def _whooshs_own(kb: KnowledgeBase, monkeypatch, **options):
    with monkeypatch.context() as m:
        m.setattr(scoring, "summed_terms", lambda q: None)
        return _rankings(kb, **options)


@pytest.fixture(scope="module")
def edited_corpus(tmp_path_factory) -> KnowledgeBase:
    """The shipped corpus, ingested, then ingested again after one page changed and one
    was removed: the index then has deleted passages and a second segment."""
    root = tmp_path_factory.mktemp("scoring")
    docs = root / "corpus"
    shutil.copytree(REPO / "corpus", docs)
    kb = KnowledgeBase(root / "index")
    kb.ingest([docs])
    pages = sorted((docs / "pages").rglob("*.html"))
    pages[0].write_text(pages[0].read_text("utf-8").replace("</p>", " Lisätty kappale jätehuollosta.</p>", 1), "utf-8")
    pages[1].unlink()
    kb.ingest([docs])
    return kb


def test_ranking_matches_whooshs_own_scoring(edited_corpus, monkeypatch) -> None:
    searcher = edited_corpus._open()
    assert searcher.reader().has_deletions() or len(searcher.leaf_searchers()) > 1
    assert any(scoring.summed_terms(q) for q in [_parsed(searcher, text) for text in QUERIES])
    ours = _rankings(edited_corpus, limit=15, page=2, facets=True)
    assert ours == _whooshs_own(edited_corpus, monkeypatch, limit=15, page=2, facets=True)
    assert sum(total for total, _, _ in ours) > 0
    assert any(facets["lang"] for _, _, facets in ours)


def test_common_terms_kept_between_searches_change_no_result_and_stay_in_budget(edited_corpus, monkeypatch) -> None:
    """Postings kept from one search to the next (a server's common words) give the same
    hits as reading them afresh, and a segment keeps no more than its budget: here one
    posting per passage, so most terms are dropped again and read anew."""
    monkeypatch.setattr(scoring, "SHARED_MIN_POSTINGS", 1)
    monkeypatch.setattr(scoring, "SHARED_PER_PASSAGE", 1)
    scoring._SHARED.clear()
    first = _rankings(edited_corpus, limit=15, facets=True)
    readers = [leaf.reader() for leaf, _ in edited_corpus._open().leaf_searchers()]
    kept = [(scoring._SHARED[r], r) for r in readers if r in scoring._SHARED]
    assert kept and all(0 < k.size <= k.budget == r.doc_count_all() for k, r in kept)
    assert _rankings(edited_corpus, limit=15, facets=True) == first
    assert first == _whooshs_own(edited_corpus, monkeypatch, limit=15, facets=True)
    scoring._SHARED.clear()


def test_filtered_ranking_matches_whooshs_own_scoring(edited_corpus, monkeypatch) -> None:
    ours = _rankings(edited_corpus, limit=30, lang="sv", facets=True)
    assert ours == _whooshs_own(edited_corpus, monkeypatch, limit=30, lang="sv", facets=True)
    assert any(hits for _, hits, _ in ours)


def _parsed(searcher, text: str):
    from smartclean_kb.language import detect_query
    from smartclean_kb.search import parse

    return parse(searcher.schema, text, detect_query(text))


def test_near_means_one_to_slop_positions_apart_either_way():
    """The proximity check, against the definition, on position lists of every shape."""
    import random

    from smartclean_kb.search import PROXIMITY_SLOP, _close

    rng = random.Random(7)
    for _ in range(2000):
        a = rng.sample(range(60), rng.randint(0, 6))
        b = rng.sample(range(60), rng.randint(0, 6))
        expected = any(1 <= abs(s - t) <= PROXIMITY_SLOP for s in a for t in b)
        assert _close(a, b) is expected and _close(b, a) is expected
    assert _close([5], [5 + PROXIMITY_SLOP]) and not _close([5], [5 + PROXIMITY_SLOP + 1])
    assert not _close([5], [5])  # the same position is one word, not two near ones
