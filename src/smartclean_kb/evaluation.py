"""Retrieval evaluation in TREC conventions: topics, qrels, runs and the usual metrics.

Topics are ``qid<TAB>query``, qrels ``qid 0 docid grade`` and runs
``qid Q0 docid rank score tag``, ranked by (score descending, docid), so our figures can
be checked with ``trec_eval`` or ``ir_measures`` on the same files.
"""

from __future__ import annotations

import math
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping, Sequence

from .errors import InputFileError

Run = Mapping[str, Sequence[tuple[str, float]]]
"""qid -> (docid, score) pairs, in any order."""

Qrels = Mapping[str, Mapping[str, int]]
"""qid -> docid -> relevance grade (> 0 is relevant)."""

METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@100")


def read_topics(path: str | Path) -> dict[str, str]:
    """Read ``qid<TAB>query`` lines; blank lines and ``#`` comments are skipped."""
    topics: dict[str, str] = {}
    for number, line in _lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        qid, tab, query = line.partition("\t")
        if not tab or not qid.strip() or not query.strip():
            raise InputFileError(f"{path} line {number}: not a topic (qid<TAB>query)")
        topics[qid.strip()] = query.strip()
    return topics


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """Read TREC qrels (``qid iteration docid grade``, whitespace-separated)."""
    qrels: dict[str, dict[str, int]] = {}
    for number, line in _lines(path):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 4:
            raise InputFileError(f"{path} line {number}: not a qrels line (qid 0 docid grade)")
        qid, _, docid, grade = fields[:4]
        try:
            qrels.setdefault(qid, {})[docid] = int(grade)
        except ValueError:
            raise InputFileError(f"{path} line {number}: the grade {grade[:20]!r} is not a whole number") from None
    return qrels


def _lines(path: str | Path) -> list[tuple[int, str]]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputFileError(f"{path}: {exc.strerror or exc}") from None
    return list(enumerate(text.splitlines(), start=1))


def ranked(results: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Results in TREC order: score descending, then docid, so ties are reproducible."""
    return sorted(results, key=lambda r: (-r[1], r[0]))


def ndcg(docids: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """nDCG@k with linear gains (as ``trec_eval``'s ``ndcg_cut``)."""
    dcg = sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(docids[:k]) if grades.get(d, 0) > 0)
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(docids: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document within the top k, else 0."""
    for i, d in enumerate(docids[:k]):
        if grades.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall(docids: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = {d for d, g in grades.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(docids[:k])) / len(relevant)


def per_query(run: Run, qrels: Qrels) -> dict[str, dict[str, float]]:
    """Every metric for every judged query that has a relevant document; missing runs score 0."""
    scores: dict[str, dict[str, float]] = {}
    for qid, grades in qrels.items():
        if not any(g > 0 for g in grades.values()):
            continue
        docids = [d for d, _ in ranked(run.get(qid, ()))]
        scores[qid] = {
            "ndcg@10": ndcg(docids, grades, 10),
            "mrr@10": reciprocal_rank(docids, grades, 10),
            "recall@10": recall(docids, grades, 10),
            "recall@100": recall(docids, grades, 100),
        }
    return scores


def score_run(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean of each metric over the judged queries, plus ``queries`` (their number)."""
    scores = per_query(run, qrels)
    result: dict[str, float] = {m: 0.0 for m in METRICS}
    for values in scores.values():
        for m in METRICS:
            result[m] += values[m]
    n = len(scores)
    result = {m: (v / n if n else 0.0) for m, v in result.items()}
    result["queries"] = n
    return result


def format_run(run: Run, tag: str = "smartclean-kb") -> str:
    """A run as TREC lines ``qid Q0 docid rank score tag``, qids in sorted order."""
    lines = []
    for qid in sorted(run):
        for rank, (docid, score) in enumerate(ranked(run[qid]), start=1):
            lines.append(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}")
    return "\n".join(lines) + ("\n" if lines else "")


def write_run(path: str | Path, run: Run, tag: str = "smartclean-kb") -> None:
    """Write a run file that ``trec_eval`` reads."""
    try:
        Path(path).write_text(format_run(run, tag), encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot write the run file {path}: {(exc.strerror or str(exc)).lower()}") from exc


def docid_for(source: str, known: frozenset[str] | set[str]) -> str:
    """The qrels docid a hit's source file stands for.

    Qrels name documents either by file stem (``asd19990132-1``) or by a path relative to
    the ingested folder (``pages/x.fi.html``); the first form found among the judged
    docids wins, trying the longest path suffix first, and the stem is the fallback.
    """
    path = PurePosixPath(source.replace("\\", "/"))
    parts = path.parts
    for i in range(len(parts)):
        candidate = "/".join(parts[i:])
        if candidate in known:
            return candidate
    for candidate in (path.name, path.stem, path.name.split(".")[0]):
        if candidate in known:
            return candidate
    return path.stem


def collapse(hits: Iterable[Any], known: frozenset[str] | set[str], depth: int) -> list[tuple[str, float]]:
    """Passage hits -> documents in rank order, each scored by its best passage."""
    docs: dict[str, float] = {}
    for hit in hits:
        docid = docid_for(hit.source, known)
        if docid not in docs:
            docs[docid] = float(hit.score)
            if len(docs) >= depth:
                break
    return list(docs.items())


def search_run(kb: Any, topics: Mapping[str, str], known: frozenset[str] | set[str], depth: int = 100) -> dict[str, list[tuple[str, float]]]:
    """Search every topic through ``kb.search`` and keep the top ``depth`` documents."""
    run: dict[str, list[tuple[str, float]]] = {}
    for qid, query in topics.items():
        hits = kb.search(query, limit=depth * 5)
        run[qid] = collapse(hits, known, depth)
    return run


def evaluate(
    kb: Any,
    topics: Mapping[str, str],
    qrels: Qrels,
    depth: int = 100,
    run_path: str | Path | None = None,
    tag: str = "smartclean-kb",
) -> dict[str, float]:
    """Search the judged topics through ``kb`` and return nDCG@10, MRR@10, Recall@10/100.

    Hits are passages; they collapse to documents (a document ranks where its best
    passage does) and map to qrels docids by ``docid_for``.
    """
    judged = {qid: q for qid, q in topics.items() if qid in qrels}
    if not judged:
        raise InputFileError("no topic has judgements: the topics' query ids are not in the qrels",
                             "check that the two files belong together")
    known = frozenset(d for grades in qrels.values() for d in grades)
    run = search_run(kb, judged, known, depth)
    if run_path is not None:
        write_run(run_path, run, tag)
    scores = score_run(run, {qid: qrels[qid] for qid in judged})
    # A run cut at ``depth`` cannot tell recall at a deeper cut.
    return {m: v for m, v in scores.items() if "@" not in m or int(m.split("@")[1]) <= depth}
