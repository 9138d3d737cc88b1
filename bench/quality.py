"""Retrieval quality of the project's analysis against two baselines, plus UD conflation.

For each judged set in ``../shared/data/retrieval-dev`` (500-query seeded samples) this
ingests the documents with the project and, in the same run, indexes them in plain Whoosh
with ``StandardAnalyzer`` and with ``LanguageAnalyzer`` (Snowball, what Elasticsearch's
language analysers do), and prints nDCG@10 and MRR@10.  It then checks conflation on the
UD treebanks' gold lemmas: the share of same-lemma word-form pairs that share an index
term (recall) and of different-lemma pairs that do (false merges).

    python bench/quality.py [--quick] [--sets finlex-fi,finlex-sv] [--direct]

``--direct`` indexes with the analysers in plain Whoosh instead of through
``KnowledgeBase`` (for analyser work while the pipeline changes).  Results go to
``bench/results/quality.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh import query as Q  # noqa: E402
from whoosh.analysis import LanguageAnalyzer, StandardAnalyzer  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402
from whoosh.lang import stopwords_for_language  # noqa: E402

from smartclean_kb import analysis  # noqa: E402
from smartclean_kb.evaluation import read_qrels, read_topics, score_run  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SETS = {"finlex-fi": "fi", "finlex-sv": "sv", "swefaq": "sv", "swequad": "sv"}
SAMPLE = 500
SEED = 20240601
RESULTS = ROOT / "bench" / "results" / "quality.json"


# --- data -------------------------------------------------------------------------


def load_set(name: str, sample: int) -> tuple[Path, dict[str, str], dict[str, dict[str, int]]]:
    """The set's docs folder, a seeded sample of its judged topics, and its qrels."""
    folder = DATA / "retrieval-dev" / name
    topics = read_topics(folder / "topics.tsv")
    qrels = read_qrels(folder / "qrels.txt")
    qids = sorted(q for q in topics if q in qrels)
    if len(qids) > sample:
        qids = sorted(random.Random(SEED).sample(qids, sample))
    return folder / "docs", {q: topics[q] for q in qids}, qrels


# --- plain Whoosh systems (baselines, and the analysers without the pipeline) ------


def build_plain(docs: Path, fields: dict[str, object], lang: str, workdir: Path):
    """A Whoosh index of ``docs/*.txt`` with one TEXT field per (name -> analyser)."""
    schema = Schema(docid=ID(stored=True, unique=True), **{n: TEXT(analyzer=a, phrase=True) for n, a in fields.items()})
    ix = whoosh_index.create_in(str(workdir), schema)
    writer = ix.writer(limitmb=512)
    for path in sorted(docs.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        writer.add_document(docid=path.stem, **{n: text for n in fields})
    writer.commit()
    return ix


def field_query(fieldname: str, analyzer, text: str, boost: float = 1.0, scale: float | None = 0.9):
    """OR of the query's words in one field; a word's alternatives (lemma, parts) OR-ed."""
    groups: dict[int, list[str]] = defaultdict(list)
    for t in analyzer(text, mode="query", positions=True):
        if t.text not in groups[t.pos]:
            groups[t.pos].append(t.text)
    words = []
    for alts in groups.values():
        terms = [Q.Term(fieldname, a) for a in alts]
        words.append(terms[0] if len(terms) == 1 else Q.Or(terms))
    if not words:
        return None
    return Q.Or(words, boost=boost, scale=scale)


def run_plain(ix, topics: dict[str, str], make_query, depth: int = 100) -> dict[str, list[tuple[str, float]]]:
    run: dict[str, list[tuple[str, float]]] = {}
    with ix.searcher() as searcher:
        for qid, text in topics.items():
            q = make_query(text)
            if q is None:
                run[qid] = []
                continue
            # optimize=False: Whoosh 2.7.4's quality skipping can loop forever on scaled ORs (issue #461)
            results = searcher.search(q, limit=depth, optimize=False)
            run[qid] = [(hit["docid"], hit.score) for hit in results]
    return run


def baseline(kind: str, docs: Path, topics, lang: str, workdir: Path):
    analyzer = StandardAnalyzer() if kind == "standard" else LanguageAnalyzer(lang)
    ix = build_plain(docs, {"text": analyzer}, lang, workdir)
    return run_plain(ix, topics, lambda text: field_query("text", analyzer, text, scale=None))


def direct(docs: Path, topics, lang: str, workdir: Path, scale: float | None = 0.9, shape: str = "grouped"):
    """The project's fields in plain Whoosh: each document goes to its set's language field."""
    fields = {f.name: analysis.analyzer_for(f.analyzer) for f in analysis.TEXT_FIELDS if lang in f.langs or "*" in f.langs}
    ix = build_plain(docs, fields, lang, workdir)
    boosts = {f.name: f.boost for f in analysis.TEXT_FIELDS}
    if shape == "parser":
        from whoosh import qparser

        parser = qparser.MultifieldParser(list(fields), ix.schema, fieldboosts=boosts, group=qparser.OrGroup.factory(scale or 0.0))
        parser.remove_plugin_class(qparser.FieldsPlugin)
        parser.remove_plugin_class(qparser.BoostPlugin)
        parser.remove_plugin_class(qparser.WildcardPlugin)
        return run_plain(ix, topics, parser.parse)

    def make_query(text: str):
        parts = [field_query(name, a, text, boosts[name], scale) for name, a in fields.items()]
        parts = [p for p in parts if p is not None]
        return Q.Or(parts) if parts else None

    return run_plain(ix, topics, make_query)


# --- the project through its KnowledgeBase -----------------------------------------


def project(docs: Path, topics, workdir: Path, depth: int = 100):
    from smartclean_kb.evaluation import collapse
    from smartclean_kb.kb import KnowledgeBase

    kb = KnowledgeBase(workdir)
    kb.ingest([docs])
    known = frozenset(p.stem for p in docs.glob("*.txt"))
    return {qid: collapse(kb.search(text, limit=depth * 5), known, depth) for qid, text in topics.items()}


# --- UD conflation ------------------------------------------------------------------

CONTENT = {"NOUN", "PROPN", "ADJ", "VERB", "ADV"}


def ud_vocabulary(lang: str) -> dict[str, set[str]]:
    """Lowercased content-word form -> its gold lemmas, from the dev and test treebanks."""
    bank = {"fi": "fi_tdt", "sv": "sv_talbanken"}[lang]
    stop = stopwords_for_language(lang)
    forms: dict[str, set[str]] = defaultdict(set)
    for path in sorted((DATA / "ud").glob(f"{bank}-ud-*.conllu.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) != 10 or not cols[0].isdigit() or cols[3] not in CONTENT:
                    continue
                form = cols[1].lower()
                if form.isalpha() and form not in stop:
                    forms[form].add(cols[2].lower().replace("#", ""))
    return forms


def _pairs(groups) -> set[tuple[str, str]]:
    """Every unordered pair of forms that share a group (a lemma, or an index term)."""
    out = set()
    for group in groups:
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                out.add((a, b) if a < b else (b, a))
    return out


def conflation(forms: dict[str, set[str]], terms_of) -> dict[str, float]:
    """Recall over same-lemma form pairs and false-merge rate over different-lemma pairs."""
    terms = {form: set(terms_of(form)) for form in forms}
    by_lemma: dict[str, list[str]] = defaultdict(list)
    for form, lemmas in forms.items():
        for lemma in lemmas:
            by_lemma[lemma].append(form)
    same = _pairs(by_lemma.values())
    shared_same = sum(1 for a, b in same if terms[a] & terms[b])
    by_term: dict[str, list[str]] = defaultdict(list)
    for form, ts in terms.items():
        for t in ts:
            by_term[t].append(form)
    merged = _pairs(by_term.values())
    n = len(forms)
    all_pairs = n * (n - 1) // 2
    false = len(merged - same)
    return {
        "recall": shared_same / len(same) if same else 0.0,
        "false_merge_rate": false / (all_pairs - len(same)),
        "false_merges": false,
        "same_pairs": len(same),
        "forms": n,
    }


def ud_check(lang: str) -> dict[str, dict[str, float]]:
    """Conflation of Snowball, of the project's index terms, and of two subsets of them.

    ``project`` is the measure; ``project-no-parts`` leaves out compound parts (which
    make ``jätehuolto`` and ``huolto`` share a term on purpose: different UD lemmas) and
    ``project-lemmas`` keeps only the word and its lemmas, to show where merges come from.
    """
    forms = ud_vocabulary(lang)
    snowball = LanguageAnalyzer(lang)
    project_analyzer = analysis.analyzer_for(lang)

    def without_parts(word: str) -> set[str]:
        terms = {t.text for t in project_analyzer(word)}
        return terms - (set(analysis.compound_parts(word, lang)) - {word, *analysis.lemmas(word, lang)})

    return {
        "snowball": conflation(forms, lambda w: [t.text for t in snowball(w)]),
        "project": conflation(forms, lambda w: [t.text for t in project_analyzer(w)]),
        "project-no-parts": conflation(forms, without_parts),
        "project-lemmas": conflation(forms, lambda w: [w, *analysis.lemmas(w, lang)]),
    }


# --- main ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 queries per set")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated set names")
    parser.add_argument("--direct", action="store_true", help="project analysers in plain Whoosh, not KnowledgeBase")
    parser.add_argument("--no-baselines", action="store_true", help="skip the Standard and Snowball runs")
    parser.add_argument("--no-ud", action="store_true", help="skip the UD conflation check")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    sample = 100 if args.quick else SAMPLE
    results: dict = {"backend": analysis.backend(), "analyser_version": analysis.ANALYSER_VERSION, "sample": sample, "sets": {}, "ud": {}}
    systems = ([] if args.no_baselines else ["standard", "snowball"]) + ["project"]
    for name in filter(None, args.sets.split(",")):
        lang = SETS[name]
        docs, topics, qrels = load_set(name, sample)
        results["sets"][name] = {}
        for system in systems:
            start = time.time()
            with tempfile.TemporaryDirectory() as tmp:
                if system == "project":
                    run = direct(docs, topics, lang, Path(tmp)) if args.direct else project(docs, topics, Path(tmp))
                else:
                    run = baseline(system, docs, topics, lang, Path(tmp))
            scores = score_run(run, {q: qrels[q] for q in topics})
            scores["seconds"] = round(time.time() - start, 1)
            results["sets"][name][system] = scores
            print(f"{name:10} {system:9} nDCG@10 {scores['ndcg@10']:.3f}  MRR@10 {scores['mrr@10']:.3f}  "
                  f"R@100 {scores['recall@100']:.3f}  ({scores['seconds']} s)", flush=True)
            save(results)
    if not args.no_ud:
        for lang in ("fi", "sv"):
            results["ud"][lang] = ud_check(lang)
    print_table(results)
    save(results)
    return results


def save(results: dict) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")


def print_table(results: dict) -> None:
    print(f"\nbackend: {results['backend']} (analyser {results['analyser_version']}), {results['sample']}-query samples")
    systems = ["standard", "snowball", "project"]
    print(f"{'set':10} | " + " | ".join(f"{s:>17}" for s in systems))
    print(f"{'':10} | " + " | ".join(f"{'nDCG@10  MRR@10':>17}" for _ in systems))
    for name, by_system in results["sets"].items():
        cells = []
        for s in systems:
            r = by_system.get(s)
            cells.append(f"{r['ndcg@10']:>8.3f} {r['mrr@10']:>7.3f}" if r else f"{'-':>17}")
        print(f"{name:10} | " + " | ".join(cells))
    for lang, by_system in results["ud"].items():
        for s, r in by_system.items():
            print(f"UD {lang} {s:16} conflation recall {r['recall']:.3f}  false merges {r['false_merge_rate']:.5f} "
                  f"({r['false_merges']} pairs of {r['forms']} forms)")


if __name__ == "__main__":
    main()
