"""TREC files and retrieval metrics on a tiny hand-made run with known values."""

from __future__ import annotations

import json
import math

import pytest

from smartclean_kb import KnowledgeBase
from smartclean_kb.errors import InputFileError
from smartclean_kb.evaluation import (
    collapse,
    docid_for,
    evaluate,
    format_run,
    ndcg,
    read_qrels,
    read_topics,
    reciprocal_rank,
    recall,
    score_run,
)


def test_topics_and_qrels_parse_trec_files(tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tjätehuollon kustannukset\n\n# a comment\nq2\tstad och region\n", encoding="utf-8")
    qrels = tmp_path / "qrels.txt"
    qrels.write_text("q1 0 d1 1\nq1 0 d2 2\nq2 0 d3 0\n", encoding="utf-8")
    assert read_topics(topics) == {"q1": "jätehuollon kustannukset", "q2": "stad och region"}
    assert read_qrels(qrels) == {"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 0}}


def test_metrics_on_a_hand_made_run():
    grades = {"d2": 1}
    docids = ["d1", "d2", "d3"]
    assert reciprocal_rank(docids, grades, 10) == 0.5
    assert ndcg(docids, grades, 10) == pytest.approx(1 / math.log2(3))
    assert recall(docids, grades, 1) == 0.0 and recall(docids, grades, 10) == 1.0
    graded = {"a": 2, "b": 1}
    assert ndcg(["b", "a"], graded, 10) == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))


def test_score_run_averages_and_counts_missing_queries_as_zero():
    qrels = {"q1": {"d1": 1}, "q2": {"d9": 1}, "q3": {"d5": 0}}
    run = {"q1": [("d1", 3.0), ("d2", 1.0)]}
    scores = score_run(run, qrels)
    assert scores["queries"] == 2  # q3 has no relevant document
    assert scores["mrr@10"] == 0.5 and scores["ndcg@10"] == 0.5 and scores["recall@100"] == 0.5


def test_ties_break_by_docid_in_rank_and_run_file():
    run = {"q2": [("b", 1.0)], "q1": [("z", 2.0), ("b", 1.0), ("a", 1.0)]}
    lines = format_run(run, tag="t").splitlines()
    assert lines == [
        "q1 Q0 z 1 2.000000 t",
        "q1 Q0 a 2 1.000000 t",
        "q1 Q0 b 3 1.000000 t",
        "q2 Q0 b 1 1.000000 t",
    ]
    assert reciprocal_rank(["a", "b"], {"a": 1}, 10) == 1.0
    assert score_run({"q": [("b", 1.0), ("a", 1.0)]}, {"q": {"b": 1}})["mrr@10"] == 0.5


def test_hits_map_to_docids_by_relative_path_or_stem():
    known = {"pages/x.fi.html", "asd19990132-1"}
    assert docid_for("/data/corpus/pages/x.fi.html", known) == "pages/x.fi.html"
    assert docid_for("docs/asd19990132-1.txt", known) == "asd19990132-1"
    assert docid_for("other/unjudged.txt", known) == "unjudged"


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """A judged collection small enough to check by hand, in a real index: three files,
    one of them two passages long (a document counts once, where its best passage ranks)."""
    root = tmp_path_factory.mktemp("judged")
    docs = root / "docs"
    docs.mkdir()
    filler = "Kaupunki kertoo asiasta verkkosivuillaan ja asukkaat voivat antaa palautetta. " * 15
    (docs / "a.txt").write_text(f"Jätehuolto\n\nJätehuolto uudistuu ja biojäte kerätään erikseen. {filler}\n\n"
                                f"Jätehuolto ja kierrätys kehittyvät. {filler}", encoding="utf-8")
    (docs / "b.txt").write_text(f"Aurinkosähkö\n\nAurinkopaneelit koulun katolla tuottavat sähköä. {filler}",
                                encoding="utf-8")
    (docs / "c.txt").write_text(f"Kaukolämpö\n\nKaukolämpö ja biojäte ovat kaupungin energiaa. {filler}",
                                encoding="utf-8")
    kb = KnowledgeBase(root / "index")
    kb.ingest([docs])
    return kb


def test_evaluate_end_to_end_writes_a_run(judged, tmp_path):
    topics = {"q1": "jätehuolto", "q2": "biojäte kaukolämpö", "q3": "aurinkopaneelit"}
    qrels = {"q1": {"a": 1}, "q2": {"c": 1}, "q3": {"a": 1}}
    run_path = tmp_path / "run.txt"
    scores = evaluate(judged, topics, qrels, run_path=run_path)
    lines = run_path.read_text().splitlines()
    q1 = [line.split() for line in lines if line.startswith("q1 ")]
    assert [fields[2] for fields in q1].count("a") == 1  # its two passages: one document
    assert q1[0][:4] == ["q1", "Q0", "a", "1"] and q1[0][5] == "smartclean-kb"
    assert [line.split()[2] for line in lines if line.startswith("q2 ")][0] == "c"
    # q1 and q2 find their document first; q3's judged document is not found at all.
    assert scores["mrr@10"] == pytest.approx(2 / 3) and scores["recall@10"] == pytest.approx(2 / 3)
    hits = [h for h in judged.search("jätehuolto") if h.source.endswith("a.txt")]
    assert len(hits) == 2 and collapse(hits, {"a"}, 10) == [("a", hits[0].score)]


def test_eval_from_the_command_line(judged, tmp_path):
    from click.testing import CliRunner

    from smartclean_kb.cli import cli

    (tmp_path / "topics.tsv").write_text("q1\tjätehuolto\nq2\tbiojäte kaukolämpö\n", encoding="utf-8")
    (tmp_path / "qrels.txt").write_text("q1 0 a 1\nq2 0 c 1\n", encoding="utf-8")
    args = ["eval", "--topics", str(tmp_path / "topics.tsv"), "--qrels", str(tmp_path / "qrels.txt"),
            "--index", str(judged.path)]
    result = CliRunner().invoke(cli, [*args, "--json", "--run", str(tmp_path / "run.txt")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ndcg@10"] == 1.0 and (tmp_path / "run.txt").read_text().startswith("q1 Q0 a 1 ")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "ndcg@10      1.0000" in result.output
    result = CliRunner().invoke(cli, [*args, "--run", str(tmp_path / "no-such-folder" / "run.txt")])
    assert result.exit_code == 2 and "cannot write the run file" in result.output  # was exit 70 (review)


@pytest.mark.parametrize("name, content, message", [
    ("qrels.txt", b"q1 0 d1 x\n", r"qrels.txt line 1: the grade 'x' is not a whole number"),
    ("qrels.txt", b"q1 0 d1 1\nq2 d2\n", r"qrels.txt line 2: not a qrels line"),
    ("topics.tsv", b"q1 jatehuolto\n", r"topics.tsv line 1: not a topic"),
    ("topics.tsv", b"\xff\xfeq\x001\x00", r"topics.tsv: not UTF-8 text"),
])
def test_a_malformed_topics_or_qrels_file_is_named_with_its_line(tmp_path, name, content, message):
    """They were internal errors naming neither file nor line (review)."""
    path = tmp_path / name
    path.write_bytes(content)
    reader = read_qrels if name == "qrels.txt" else read_topics
    with pytest.raises(InputFileError, match=message):
        reader(path)


def test_topics_and_qrels_with_no_query_in_common_are_an_error_and_depth_bounds_recall(judged):
    with pytest.raises(InputFileError, match="no topic has judgements"):
        evaluate(judged, {"q1": "jäte"}, {"x1": {"a": 1}})
    scores = evaluate(judged, {"q1": "jätehuolto"}, {"q1": {"a": 1}}, depth=10)
    assert "recall@10" in scores and "recall@100" not in scores
    assert "recall@100" in evaluate(judged, {"q1": "jätehuolto"}, {"q1": {"a": 1}})
