"""Speed and size of the whole pipeline at 10k/30k/100k passages, against two baselines.

For each size this builds a corpus of files in a temporary folder (Finlex statutes as
HTML, Finlex sections, SweQUAD and SweFAQ pages as plain text, and the shipped ``corpus/``),
then, in one run and on the same files, measures in separate processes:

* ``ours``  -- ``KnowledgeBase.ingest`` (full Finnish/Swedish analysis, per-passage language
  detection), a re-ingest with nothing changed (in the same process and in a fresh one),
  and ``KnowledgeBase.search`` latency (default limit 10, highlights on) over the queries;
* ``whoosh`` -- stock Whoosh: our extractors and ``split_passages`` on the same files, one
  ``TEXT(StandardAnalyzer)`` field with the same indexed text plus the stored passage, the
  default writer, no language detection; queries OR their words, no highlights;
* ``fts5`` -- SQLite FTS5 (``unicode61 remove_diacritics 0``) over the very passages the
  Whoosh baseline extracted; MATCH with an OR of the query's words.

Every run starts with an empty cache of decoded dictionaries (simplemma's tables, see the
README): decoding them, which a machine's first run pays once, is timed on its own first,
so every size measures the same steady state; the table shows the ingest ratio with that
time added too.

Peak memory is the peak, sampled every 20 ms from ``/proc``, of the summed RSS of the
measured process and all its descendants (extraction workers included; pages shared after
fork count once per process, so this over- rather than under-states).  Ratios are taken
within the run, because the machine is shared and noisy.

    python bench/perf.py                   # 10k, 30k, 100k passages (long: run it with nohup)
    python bench/perf.py --quick           # 3k and 10k passages, a few minutes
    python bench/perf.py --sizes 10000,30000 --big   # --big adds 300k

Results: a table on stdout and ``bench/results/perf.json`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DATA = ROOT.parent / "shared" / "data"
FINLEX_XML = DATA / "real-docs" / "finlex"
RETRIEVAL = DATA / "retrieval-dev"
TEXT_SETS = ("finlex-fi", "finlex-sv", "swequad", "swefaq")
SHIPPED = ROOT / "corpus"
RESULTS = ROOT / "bench" / "results" / "perf.json"
SEED = 20240608
SIZES = (10_000, 30_000, 100_000)
BIG = 300_000
QUICK_SIZES = (3_000, 10_000)
#: Queries: seeded samples of Finlex section headings (fi, sv) and SweQUAD questions (sv).
QUERY_SAMPLE = {"finlex-fi": 110, "finlex-sv": 90, "swequad": 40}
SAMPLE_EVERY = 0.02


# --- corpus -----------------------------------------------------------------------

_NS_LOCAL = re.compile(r"^\{[^}]*\}")
_PARA_TAGS = {"MomenttiKooste", "MomenttiJohdantoKooste", "MomenttiKohtaKooste", "SaadosKappaleKooste"}


def _local(tag: Any) -> str:
    return _NS_LOCAL.sub("", tag) if isinstance(tag, str) else ""


def _text(element) -> str:
    return " ".join(" ".join(element.itertext()).split())


def statute_sections(path: Path) -> tuple[str, str, list[tuple[str, list[str]]]]:
    """(title, date, [(heading, paragraphs)]) of a Finlex XML statute, one entry per section."""
    from lxml import etree

    tree = etree.parse(str(path))
    root = tree.getroot()
    title = ""
    for el in root.iter():
        if _local(el.tag) in ("NimekeTeksti", "SaadostyyppiKooste") and _text(el):
            title = _text(el)
            break
    date = next((v for k, v in root.attrib.items() if k.endswith("laadintaPvm")), "")
    sections = []
    for el in root.iter():
        if _local(el.tag) != "Pykala":
            continue
        number = heading = ""
        paras: list[str] = []
        for child in el.iter():
            name = _local(child.tag)
            if name == "PykalaTunnusKooste" and not number:
                number = _text(child)
            elif name == "SaadosOtsikkoKooste" and not heading:
                heading = _text(child)
            elif name in _PARA_TAGS and _text(child):
                paras.append(_text(child))
        if paras:
            sections.append((" ".join(x for x in (number, heading) if x), paras))
    return title or path.stem, date, sections


def statute_html(lang: str, title: str, date: str, sections: list[tuple[str, list[str]]]) -> str:
    e = html.escape
    body = "\n".join(
        f"<h2>{e(h)}</h2>\n" + "\n".join(f"<p>{e(p)}</p>" for p in paras) for h, paras in sections
    )
    return (f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<title>{e(title)}</title><meta name="date" content="{e(date)}"></head>\n'
            f"<body><main><h1>{e(title)}</h1>\n{body}\n</main></body></html>\n")


def _rotate(items: list, k: int) -> list:
    if not items or k == 0:
        return items
    k %= len(items)
    return items[k:] + items[:k]


def base_files(variant: int) -> list[tuple[str, bytes]]:
    """The base collection as (relative path, bytes); ``variant`` k > 0 rotates each
    document's sections/paragraphs by k, so copies differ in bytes and passage cuts."""
    out: list[tuple[str, bytes]] = []
    for lang in ("fi", "sv"):
        for path in sorted((FINLEX_XML / lang).glob("*.xml")):
            title, date, sections = statute_sections(path)
            if not sections:
                continue
            text = statute_html(lang, title, date, _rotate(sections, variant))
            out.append((f"statutes/{lang}/{path.stem}.html", text.encode("utf-8")))
    for name in TEXT_SETS:
        for path in sorted((RETRIEVAL / name / "docs").glob("*.txt")):
            data = path.read_bytes()
            if variant:
                paras = data.decode("utf-8").split("\n\n")
                first, rest = (paras[:1], paras[1:]) if name == "swequad" else ([], paras)
                data = "\n\n".join(first + _rotate(rest, variant)).encode("utf-8")
            out.append((f"{name}/{path.name}", data))
    if SHIPPED.is_dir():
        for path in sorted(p for p in SHIPPED.rglob("*") if p.is_file()):
            out.append((f"shipped/{path.relative_to(SHIPPED)}", path.read_bytes()))
    return out


def _count(job: tuple[str, bytes]) -> int:
    from smartclean_kb.errors import ExtractError
    from smartclean_kb.extract import extract_bytes, extractor_for
    from smartclean_kb.passages import split_passages

    rel, data = job
    if extractor_for(rel) is None:
        return 0
    try:
        return len(split_passages(extract_bytes(data, rel), "x"))
    except ExtractError:
        return 0


def build_corpora(workdir: Path, sizes: list[int]) -> dict[int, dict[str, Any]]:
    """One folder per size: whole copies of the base collection (copy k in ``copy-k/``, its
    documents rotated by k), the last copy a seeded subset of files to reach the size."""
    biggest = max(sizes)
    copies: list[list[tuple[str, bytes, int]]] = []
    files = base_files(0)
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        # Passages per file, counted once on the originals (rotated copies cut alike).
        counts = list(pool.map(_count, files, chunksize=32))
    total = 0
    while total < biggest:
        k = len(copies)
        files = files if k == 0 else base_files(k)
        copies.append([(f"copy-{k:02d}/{rel}", data, n) for (rel, data), n in zip(files, counts)])
        total += sum(counts)
    out: dict[int, dict[str, Any]] = {}
    for size in sizes:
        folder = workdir / f"corpus-{size}"
        chosen: list[tuple[str, bytes, int]] = []
        need = size
        for files in copies:
            have = sum(n for _, _, n in files)
            if have <= need:
                chosen.extend(files)
                need -= have
                continue
            order = list(files)
            random.Random(SEED + len(chosen)).shuffle(order)
            for item in order:
                if need <= 0:
                    break
                chosen.append(item)
                need -= item[2]
            break
        nbytes = 0
        for rel, data, _ in chosen:
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            nbytes += len(data)
        out[size] = {"path": str(folder), "files": len(chosen), "bytes": nbytes,
                     "copies": len({rel.split("/")[0] for rel, _, _ in chosen}),
                     "estimated_passages": sum(n for _, _, n in chosen)}
    return out


def load_queries() -> list[str]:
    queries: list[str] = []
    for name, n in QUERY_SAMPLE.items():
        lines = (RETRIEVAL / name / "topics.tsv").read_text(encoding="utf-8").splitlines()
        texts = [line.split("\t", 1)[1].strip() for line in lines if "\t" in line]
        queries.extend(random.Random(SEED).sample(texts, n))
    return queries


# --- measured processes -----------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """pid and all its descendants, from each thread's ``children`` file in /proc.

    Sampled every ``SAMPLE_EVERY``: reading every process's stat file instead cost 1.3 ms
    a sample, 6 % of a core, which a two-worker ingest on two cores loses and a
    one-process baseline does not (its second core is idle). Without ``children``
    files (a kernel built without them) every process's stat file is read.
    """
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children", "rb") as handle:
                    todo.extend(int(c) for c in handle.read().split())
            except FileNotFoundError:
                return _tree_from_stat(pid)
            except OSError:
                continue
    return out


def _tree_from_stat(pid: int) -> list[int]:
    """pid and all its descendants, from every process's stat file."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(stat[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, ()))
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far, from /proc (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_child(task: str, **kwargs: Any) -> dict[str, Any]:
    """Run ``task`` in a fresh Python process; its JSON result plus wall time and peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        result_path = out.name
    cmd = [sys.executable, __file__, "--child", task, "--child-args", json.dumps(kwargs),
           "--child-out", result_path]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak = 0
    helpers: dict[int, dict[str, float]] = {}
    while proc.poll() is None:
        tree = _tree(proc.pid)
        peak = max(peak, sum(_rss(p) for p in tree))
        now = time.perf_counter() - started
        for pid in tree[1:]:
            cpu = _cpu(pid)
            seen = helpers.setdefault(pid, {"started": now, "cpu": 0.0, "busy_until": now})
            if cpu > seen["cpu"]:
                seen["cpu"], seen["busy_until"] = cpu, now
        time.sleep(SAMPLE_EVERY)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"child {task} failed with exit code {proc.returncode}")
    with open(result_path, encoding="utf-8") as handle:
        result = json.load(handle)
    os.unlink(result_path)
    result["process_seconds"] = wall
    result["peak_rss"] = peak
    # The ingest's worker processes: how evenly the shares kept the two cores busy.
    result["helpers"] = [helpers[pid] for pid in sorted(helpers, key=lambda p: helpers[p]["started"])
                         if helpers[pid]["cpu"] >= 0.5]
    return result


def _latencies(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": q[49], "p95_ms": q[94], "mean_ms": statistics.fmean(ms), "max_ms": ms[-1],
            "n": len(ms)}


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def child_dictionaries() -> dict[str, Any]:
    """Fill the (empty) cache folder as the first run on a machine does: simplemma's
    tables (Swedish always, Finnish too when Voikko is not installed) and the language
    detector's parsed n-gram scores."""
    started = time.perf_counter()
    from smartclean_kb import analysis, language

    langs = ["sv"] + (["fi"] if analysis._voikko() is None else [])
    for lang in langs:
        analysis._forms(lang)
    language._model()
    return {"seconds": time.perf_counter() - started, "langs": langs, "backend": analysis.backend()}


def child_ours_ingest(corpus: str, index: str) -> dict[str, Any]:
    started = time.perf_counter()
    from smartclean_kb import KnowledgeBase

    imported = time.perf_counter() - started
    kb = KnowledgeBase(index)
    report = kb.ingest([corpus])
    again = kb.ingest([corpus])
    stats = kb.stats()
    return {
        "import_seconds": imported,
        "seconds": report.seconds, "timings": report.timings,
        "documents": report.documents, "passages": report.passages,
        "failed": len(report.failed), "by_lang": report.by_lang,
        "reingest_inprocess_seconds": again.seconds, "reingest_unchanged": again.unchanged,
        "index_bytes": stats["bytes"], "backend": stats.get("analyser_backend"),
    }


def child_ours_reingest(corpus: str, index: str) -> dict[str, Any]:
    started = time.perf_counter()
    from smartclean_kb import KnowledgeBase

    report = KnowledgeBase(index).ingest([corpus])
    return {"seconds": report.seconds, "unchanged": report.unchanged,
            "changed": len(report.added) + len(report.updated) + len(report.removed),
            "with_import_seconds": time.perf_counter() - started}


def child_ours_query(index: str, queries: list[str]) -> dict[str, Any]:
    started = time.perf_counter()
    from smartclean_kb import KnowledgeBase

    kb = KnowledgeBase(index)
    imported = time.perf_counter() - started
    t = time.perf_counter()
    kb.search("ympäristö miljö")  # cold start: dictionaries, language model, index open
    cold = time.perf_counter() - t
    seconds, hits = [], 0
    for q in queries:
        t = time.perf_counter()
        results = kb.search(q)
        seconds.append(time.perf_counter() - t)
        hits += len(results)
        assert all(h.snippet for h in results)
    # The same queries newest first: a date sort ranks every match, not the best 50.
    by_date = []
    for q in queries:
        t = time.perf_counter()
        kb.search(q, sort="newest")
        by_date.append(time.perf_counter() - t)
    return {"import_seconds": imported, "cold_first_search_seconds": cold, "hits": hits,
            **_latencies(seconds), "newest_first": _latencies(by_date)}


def _walk_files(corpus: str) -> list[str]:
    from smartclean_kb.extract import extractor_for

    out = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames.sort()
        out.extend(os.path.join(dirpath, n) for n in sorted(filenames)
                   if not n.startswith(".") and extractor_for(n) is not None)
    return out


def child_whoosh_ingest(corpus: str, index: str, passages_out: str) -> dict[str, Any]:
    """Stock Whoosh from the same files: our extraction and passages, StandardAnalyzer."""
    import pickle

    from whoosh import index as whoosh_index
    from whoosh.analysis import StandardAnalyzer
    from whoosh.fields import ID, STORED, TEXT, Schema

    from smartclean_kb.errors import ExtractError
    from smartclean_kb.extract import extract_bytes
    from smartclean_kb.passages import document_id, split_passages

    started = time.perf_counter()
    timings = {"extract": 0.0, "passages": 0.0, "index": 0.0, "commit": 0.0}
    schema = Schema(passage_id=ID(stored=True, unique=True),
                    content=TEXT(analyzer=StandardAnalyzer()), text=STORED())
    os.makedirs(index, exist_ok=True)
    ix = whoosh_index.create_in(index, schema)
    writer = ix.writer()
    rows: list[tuple[str, str, str]] = []
    text_bytes = documents = 0
    for path in _walk_files(corpus):
        t = time.perf_counter()
        try:
            with open(path, "rb") as handle:
                doc = extract_bytes(handle.read(), os.path.normpath(path))
        except ExtractError:
            continue
        timings["extract"] += time.perf_counter() - t
        t = time.perf_counter()
        passages = split_passages(doc, document_id(os.path.abspath(path)))
        timings["passages"] += time.perf_counter() - t
        documents += 1
        t = time.perf_counter()
        for p in passages:
            indexed = "\n".join(x for x in (doc.title, p.heading, p.text) if x)
            writer.add_document(passage_id=p.passage_id, content=indexed, text=p.text)
            rows.append((p.passage_id, indexed, p.text))
            text_bytes += len(p.text.encode("utf-8"))
        timings["index"] += time.perf_counter() - t
    t = time.perf_counter()
    writer.commit()
    timings["commit"] = time.perf_counter() - t
    seconds = time.perf_counter() - started
    with open(passages_out, "wb") as handle:
        pickle.dump(rows, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {"seconds": seconds, "timings": timings, "documents": documents,
            "passages": len(rows), "text_bytes": text_bytes, "index_bytes": _dir_bytes(Path(index))}


def child_whoosh_query(index: str, queries: list[str]) -> dict[str, Any]:
    from whoosh import index as whoosh_index
    from whoosh import qparser

    ix = whoosh_index.open_dir(index)
    searcher = ix.searcher()
    parser = qparser.QueryParser("content", ix.schema, group=qparser.OrGroup)
    out: dict[str, Any] = {}
    for label, highlights in (("plain", False), ("highlights", True)):
        seconds = []
        for q in queries:
            t = time.perf_counter()
            results = searcher.search(parser.parse(q), limit=10)
            for hit in results:
                hit.fields()
                if highlights:
                    hit.highlights("content", text=hit["text"])
            seconds.append(time.perf_counter() - t)
        out[label] = _latencies(seconds)
    return out


def child_fts5_ingest(passages_in: str, db: str) -> dict[str, Any]:
    import pickle

    with open(passages_in, "rb") as handle:
        rows = pickle.load(handle)
    started = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE p USING fts5(passage_id UNINDEXED, content, text UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 0')")
    con.executemany("INSERT INTO p VALUES (?, ?, ?)", rows)
    con.commit()
    con.close()
    return {"seconds": time.perf_counter() - started, "passages": len(rows),
            "index_bytes": os.path.getsize(db)}


def fts5_match(query: str) -> str:
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in re.findall(r"\w+", query))


def child_fts5_query(db: str, queries: list[str]) -> dict[str, Any]:
    con = sqlite3.connect(db)
    out: dict[str, Any] = {}
    sql = {
        "plain": "SELECT passage_id, text FROM p WHERE p MATCH ? ORDER BY rank LIMIT 10",
        "highlights": "SELECT passage_id, snippet(p, 1, '\x02', '\x03', '…', 40) FROM p "
                      "WHERE p MATCH ? ORDER BY rank LIMIT 10",
    }
    for label, statement in sql.items():
        seconds = []
        for q in queries:
            t = time.perf_counter()
            con.execute(statement, (fts5_match(q),)).fetchall()
            seconds.append(time.perf_counter() - t)
        out[label] = _latencies(seconds)
    return out


CHILDREN = {
    "dictionaries": child_dictionaries,
    "ours-ingest": child_ours_ingest,
    "ours-reingest": child_ours_reingest,
    "ours-query": child_ours_query,
    "whoosh-ingest": child_whoosh_ingest,
    "whoosh-query": child_whoosh_query,
    "fts5-ingest": child_fts5_ingest,
    "fts5-query": child_fts5_query,
}


# --- one size ---------------------------------------------------------------------


def measure(size: int, corpus: dict[str, Any], workdir: Path, queries: list[str],
            setup_seconds: float, log=print, repeat: int = 1) -> dict[str, Any]:
    path = corpus["path"]
    base = workdir / f"run-{size}"
    shutil.rmtree(base, ignore_errors=True)  # left by a run that was stopped
    base.mkdir()
    passages_file = str(base / "passages.pickle")
    log(f"[{size}] stock Whoosh ingest ...")
    whoosh_ingest = run_child("whoosh-ingest", corpus=path, index=str(base / "whoosh"),
                              passages_out=passages_file)
    log(f"[{size}]   {whoosh_ingest['seconds']:.1f} s; ours ingest ...")
    ours_ingest = run_child("ours-ingest", corpus=path, index=str(base / "ours"))
    log(f"[{size}]   {ours_ingest['seconds']:.1f} s; re-ingest, FTS5, queries ...")
    ours_reingest = run_child("ours-reingest", corpus=path, index=str(base / "ours"))
    fts5_ingest = run_child("fts5-ingest", passages_in=passages_file, db=str(base / "fts5.db"))
    ours_query = run_child("ours-query", index=str(base / "ours"), queries=queries)
    whoosh_query = run_child("whoosh-query", index=str(base / "whoosh"), queries=queries)
    fts5_query = run_child("fts5-query", db=str(base / "fts5.db"), queries=queries)
    speeds = [whoosh_ingest["seconds"] / ours_ingest["seconds"]]
    for run in range(1, repeat):
        speeds.append(_ingest_pair(path, base / f"again-{run}", ours_first=run % 2 == 1))
        log(f"[{size}]   ingest pair {run + 1} of {repeat}: ours/Whoosh {speeds[-1]:.2f}")
    shutil.rmtree(base, ignore_errors=True)

    extract_passages = whoosh_ingest["timings"]["extract"] + whoosh_ingest["timings"]["passages"]
    fts5_total = fts5_ingest["seconds"] + extract_passages
    ours_s = ours_ingest["seconds"]
    mb = corpus["bytes"] / 2**20
    text_bytes = whoosh_ingest["text_bytes"]
    return {
        "size": size,
        "corpus": {k: v for k, v in corpus.items() if k != "path"},
        "ours": {
            "ingest": ours_ingest, "reingest": ours_reingest, "query": ours_query,
            "throughput": {"documents_per_s": ours_ingest["documents"] / ours_s,
                           "passages_per_s": ours_ingest["passages"] / ours_s,
                           "mb_per_s": mb / ours_s},
        },
        "whoosh": {"ingest": whoosh_ingest, "query": whoosh_query,
                   "throughput": {"passages_per_s": whoosh_ingest["passages"] / whoosh_ingest["seconds"]}},
        "fts5": {"ingest": {**fts5_ingest, "with_extraction_seconds": fts5_total},
                 "query": fts5_query},
        "ratios": {
            # >= 1.0: our ingest is at least as fast as stock Whoosh on the same files
            # (with --repeat, the median of the pairs' ratios).
            "ingest_speed_vs_whoosh": statistics.median(speeds),
            "ingest_speed_vs_whoosh_runs": speeds,
            # The same with the one-time decoding of the dictionaries added: a first ingest
            # on a machine.
            "ingest_speed_vs_whoosh_first_run": whoosh_ingest["seconds"] / (ours_s + setup_seconds),
            "ingest_speed_vs_whoosh_index_only": (whoosh_ingest["seconds"] - extract_passages) / ours_s,
            "ingest_speed_vs_fts5": fts5_total / ours_s,
            "query_p95_vs_whoosh_plain": ours_query["p95_ms"] / whoosh_query["plain"]["p95_ms"],
            "query_p95_vs_fts5_plain": ours_query["p95_ms"] / fts5_query["plain"]["p95_ms"],
            "reingest_vs_ingest": ours_reingest["with_import_seconds"] / ours_s,
            "reingest_inprocess_vs_ingest": ours_ingest["reingest_inprocess_seconds"] / ours_s,
            "index_vs_text": ours_ingest["index_bytes"] / text_bytes,
            "whoosh_index_vs_text": whoosh_ingest["index_bytes"] / text_bytes,
            "fts5_index_vs_text": fts5_ingest["index_bytes"] / text_bytes,
        },
    }


def _ingest_pair(corpus: str, base: Path, ours_first: bool) -> float:
    """One more stock and ours ingest of the same files, in the order given (pairs
    alternate, so a machine that slows or speeds up during a run favours neither)."""
    base.mkdir()
    tasks = {
        "ours": lambda: run_child("ours-ingest", corpus=corpus, index=str(base / "ours")),
        "whoosh": lambda: run_child("whoosh-ingest", corpus=corpus, index=str(base / "whoosh"),
                                    passages_out=str(base / "passages.pickle")),
    }
    order = ("ours", "whoosh") if ours_first else ("whoosh", "ours")
    seconds = {name: tasks[name]()["seconds"] for name in order}
    shutil.rmtree(base, ignore_errors=True)
    return seconds["whoosh"] / seconds["ours"]


# --- report -----------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB"


def table(rows: list[dict[str, Any]]) -> str:
    sizes = [r["size"] for r in rows]
    head = f"{'':44}" + "".join(f"{s:>14,}" for s in sizes)
    lines = [head, "-" * len(head)]

    def line(label: str, fn) -> None:
        cells = []
        for r in rows:
            try:
                cells.append(f"{fn(r):>14}")
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append(f"{'-':>14}")
        lines.append(f"{label:44}" + "".join(cells))

    line("passages (IngestReport.passages)", lambda r: f"{r['ours']['ingest']['passages']:,}")
    line("documents / corpus MB", lambda r: f"{r['ours']['ingest']['documents']:,} / {r['corpus']['bytes'] / 2**20:.0f}")
    line("ingest s: ours", lambda r: f"{r['ours']['ingest']['seconds']:.1f}")
    line("ingest s: stock Whoosh (extract+index)", lambda r: f"{r['whoosh']['ingest']['seconds']:.1f}")
    line("ingest s: FTS5 (extract+index)", lambda r: f"{r['fts5']['ingest']['with_extraction_seconds']:.1f}")
    line("ingest speed ours/Whoosh (>=1 target)", lambda r: f"{r['ratios']['ingest_speed_vs_whoosh']:.2f}")
    if any(len(r["ratios"].get("ingest_speed_vs_whoosh_runs", ())) > 1 for r in rows):
        line("  lowest | highest pair (median above)", lambda r: "{:.2f} | {:.2f}".format(
            min(r["ratios"]["ingest_speed_vs_whoosh_runs"]), max(r["ratios"]["ingest_speed_vs_whoosh_runs"])))
    line("  with the one-time dictionary decode added",
         lambda r: f"{r['ratios']['ingest_speed_vs_whoosh_first_run']:.2f}")
    line("ingest speed ours/FTS5", lambda r: f"{r['ratios']['ingest_speed_vs_fts5']:.2f}")
    line("ours passages/s | docs/s", lambda r: f"{r['ours']['throughput']['passages_per_s']:.0f} | {r['ours']['throughput']['documents_per_s']:.0f}")
    line("ours MB/s", lambda r: f"{r['ours']['throughput']['mb_per_s']:.2f}")
    stages = sorted({k for r in rows for k in r["ours"]["ingest"]["timings"]})
    for stage in stages:
        line(f"  ours stage {stage} (CPU s)", lambda r, s=stage: f"{r['ours']['ingest']['timings'].get(s, 0):.1f}")
    line("  ours workers CPU s", lambda r: " / ".join(f"{h['cpu']:.1f}" for h in r["ours"]["ingest"]["helpers"]) or "-")
    line("  ours workers busy until s (from start)", lambda r: " / ".join(f"{h['busy_until']:.1f}" for h in r["ours"]["ingest"]["helpers"]) or "-")
    line("re-ingest unchanged s (fresh process)", lambda r: f"{r['ours']['reingest']['with_import_seconds']:.2f}")
    line("  / full ingest (<=5% target)", lambda r: f"{100 * r['ratios']['reingest_vs_ingest']:.1f}%")
    line("re-ingest unchanged s (same process)", lambda r: f"{r['ours']['ingest']['reingest_inprocess_seconds']:.2f}")
    line("peak RSS: ours (process tree)", lambda r: _mb(r["ours"]["ingest"]["peak_rss"]))
    line("peak RSS: stock Whoosh", lambda r: _mb(r["whoosh"]["ingest"]["peak_rss"]))
    line("index size: ours / Whoosh / FTS5 MB", lambda r: f"{r['ours']['ingest']['index_bytes'] / 2**20:.0f}/{r['whoosh']['ingest']['index_bytes'] / 2**20:.0f}/{r['fts5']['ingest']['index_bytes'] / 2**20:.0f}")
    line("extracted passage text MB", lambda r: f"{r['whoosh']['ingest']['text_bytes'] / 2**20:.1f}")
    line("index / text: ours (<=2 target)", lambda r: f"{r['ratios']['index_vs_text']:.2f}")
    line("query p50 ms: ours (highlights)", lambda r: f"{r['ours']['query']['p50_ms']:.1f}")
    line("query p95 ms: ours (highlights, <=50)", lambda r: f"{r['ours']['query']['p95_ms']:.1f}")
    line("query p95 ms: ours newest first", lambda r: f"{r['ours']['query']['newest_first']['p95_ms']:.1f}")
    line("query p95 ms: Whoosh plain | +highlights", lambda r: f"{r['whoosh']['query']['plain']['p95_ms']:.1f} | {r['whoosh']['query']['highlights']['p95_ms']:.1f}")
    line("query p95 ms: FTS5 plain | +snippet", lambda r: f"{r['fts5']['query']['plain']['p95_ms']:.1f} | {r['fts5']['query']['highlights']['p95_ms']:.1f}")
    line("p95 ours / Whoosh plain (<=3 target)", lambda r: f"{r['ratios']['query_p95_vs_whoosh_plain']:.2f}")
    line("p95 ours / FTS5 plain", lambda r: f"{r['ratios']['query_p95_vs_fts5_plain']:.1f}")
    line("cold start: first search s", lambda r: f"{r['ours']['query']['cold_first_search_seconds']:.2f}")
    line("cold start: import s", lambda r: f"{r['ours']['query']['import_seconds']:.2f}")
    if len(rows) > 1:
        first = rows[0]
        line(f"p95 growth vs {first['size']:,} (passages x)",
             lambda r: f"{r['ours']['query']['p95_ms'] / first['ours']['query']['p95_ms']:.2f} ({r['ours']['ingest']['passages'] / first['ours']['ingest']['passages']:.1f}x)")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = 0
    import whoosh

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": mem,
            "python": platform.python_version(), "platform": platform.platform(),
            "whoosh": whoosh.versionstring(), "sqlite": sqlite3.sqlite_version}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", help="comma-separated passage counts (default 10000,30000,100000)")
    ap.add_argument("--big", action="store_true", help=f"add {BIG:,} passages")
    ap.add_argument("--quick", action="store_true", help="3k and 10k passages: a few minutes")
    ap.add_argument("--out", default=str(RESULTS), help="JSON results file")
    ap.add_argument("--workdir", help="where to build corpora and indexes (default: a temp dir)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N",
                    help="N stock/ours ingest pairs per size, in alternating order; the ingest "
                         "ratio is their median (default 1)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        result = CHILDREN[args.child](**json.loads(args.child_args))
        with open(args.child_out, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        return 0

    if not DATA.is_dir():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 2
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(QUICK_SIZES if args.quick else SIZES)
    if args.big:
        sizes.append(BIG)
    sizes = sorted(set(sizes))
    queries = load_queries()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="kb-perf-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # The decoded-dictionary cache starts empty in every run: no caching across runs.
    # Decoding it is what a machine's first run pays once; it is timed on its own, so
    # that every size measures the same steady state, and shown added to the ingest.
    cache = workdir / "dictionary-cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["SMARTCLEAN_KB_CACHE"] = str(cache)
    started = time.perf_counter()
    try:
        setup = run_child("dictionaries")
        print(f"one-time dictionary decode ({', '.join(setup['langs'])}): {setup['seconds']:.1f} s, "
              f"peak RSS {_mb(setup['peak_rss'])}", flush=True)
        print(f"building corpora {sizes} in {workdir} ...", flush=True)
        corpora = build_corpora(workdir, sizes)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        rows = []
        for size in sizes:
            rows.append(measure(size, corpora[size], workdir, queries, setup["seconds"],
                                log=lambda m: print(m, flush=True), repeat=max(1, args.repeat)))
            shutil.rmtree(corpora[size]["path"], ignore_errors=True)
            # Written after every size, so a long run that is stopped still leaves figures.
            out = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                   "queries": len(queries), "seconds": time.perf_counter() - started,
                   "dictionary_setup": setup,
                   "complete": len(rows) == len(sizes), "sizes": rows}
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
            print(f"\n{table(rows)}\n", flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{len(queries)} queries; machine: {out['machine']['cpu']}, {out['machine']['cores']} cores; "
          f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
