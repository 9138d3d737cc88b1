"""Reliability figures for issue 7: incremental re-ingest, SIGKILLed ingests, concurrent writers.

Builds a corpus of the shared real documents in a temporary folder (the Finlex statutes
converted on the fly from XML to HTML, the Finlex section texts in Finnish and Swedish,
and the real HTML pages), then measures with real ``python -m smartclean_kb ingest``
subprocesses:

1. full ingest time, and the time of re-ingesting the unchanged corpus (also after
   touching every file) as a share of it;
2. N rounds of: change the corpus (edit, add, delete and rename files), start an ingest
   (an update, or a ``--rebuild`` every fourth round), SIGKILL it at a random point or
   as soon as the writer opens its new segment files, as Whoosh's new TOC appears
   (Whoosh has committed, the generation is not yet published) or as the new manifest
   appears (publishing); then check that
   the last committed index answers searches, that no worker outlived the kill, and
   that the next ingest completes with exactly the expected documents (manifest and
   Whoosh agree: no lost, orphaned or duplicate documents);
3. two concurrent ingests and a third, impatient one, while a reader searches in a loop.

    python bench/reliability.py [--kills 20] [--limit 0] [--seed 7] [--quick]

Prints the figures and writes ``bench/results/reliability.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from smartclean_kb import KnowledgeBase  # noqa: E402
from smartclean_kb.errors import KBError  # noqa: E402
from smartclean_kb.index import MANIFEST, META  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "reliability.json"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


# -- corpus -----------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def finlex_xml_to_html(xml: Path, lang: str, title: str) -> str:
    """A statute as an HTML page: chapters as h2, sections as h3, paragraphs as p."""
    from lxml import etree

    tree = etree.parse(str(xml))
    parts = [f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
             f"<title>{escape(title or xml.stem)}</title></head><body><article>"
             f"<h1>{escape(title or xml.stem)}</h1>"]
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        name = _local(el.tag)
        text = " ".join("".join(el.itertext()).split())
        if not text:
            continue
        if name == "SaadosOtsikkoKooste":
            parent = _local(el.getparent().tag) if el.getparent() is not None else ""
            level = "h2" if parent == "Luku" else "h3"
            parts.append(f"<{level}>{escape(text)}</{level}>")
        elif name in ("MomenttiKooste", "MomenttiKohtaKooste", "SaadosKappaleKooste"):
            parts.append(f"<p>{escape(text)}</p>")
    parts.append("</article></body></html>")
    return "\n".join(parts)


def build_corpus(folder: Path, limit: int) -> dict[str, int]:
    """Write the benchmark corpus; ``limit`` caps the files taken from each source (0: all)."""
    counts: dict[str, int] = {}
    index = json.loads((DATA / "real-docs" / "finlex" / "index.json").read_text(encoding="utf-8"))
    titles = {item["file"]: item for item in index}
    for lang in ("fi", "sv"):
        out = folder / "finlex-statutes" / lang
        out.mkdir(parents=True)
        files = sorted((DATA / "real-docs" / "finlex" / lang).glob("*.xml"))
        files = files[:limit] if limit else files
        for xml in files:
            title = titles.get(xml.name, {}).get(f"title_{lang}", "")
            (out / f"{xml.stem}.html").write_text(finlex_xml_to_html(xml, lang, title), encoding="utf-8")
        counts[f"finlex-statutes-{lang}"] = len(files)
        sections = sorted((DATA / "retrieval-dev" / f"finlex-{lang}" / "docs").glob("*.txt"))
        sections = sections[:limit] if limit else sections
        out = folder / "finlex-sections" / lang
        out.mkdir(parents=True)
        for path in sections:
            shutil.copy(path, out / path.name)
        counts[f"finlex-sections-{lang}"] = len(sections)
    pages = folder / "pages"
    pages.mkdir()
    n = 0
    for sub in ("news", "helsinki-paatokset", "helsinki-linkedevents"):
        for path in sorted((DATA / "real-docs" / sub).glob("*.html")):
            shutil.copy(path, pages / f"{sub}--{path.name}")
            n += 1
    counts["pages"] = n
    return counts


# -- running ingests -------------------------------------------------------------------

def ingest_cmd(docs: Path, index: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "smartclean_kb", "ingest", str(docs), "--index", str(index),
            "--json", "-q", *extra]


def run_ingest(docs: Path, index: Path, *extra: str) -> tuple[dict, float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run(ingest_cmd(docs, index, *extra), capture_output=True, text=True, env=ENV)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1) or "Internal error" in result.stderr:
        raise RuntimeError(f"ingest failed ({result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout), seconds, result


def group_alive(pgid: int) -> list[int]:
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def wait_for(predicate, timeout: float, step: float = 0.002) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def generations(index: Path) -> list[Path]:
    return sorted(p for p in index.glob("gen-*") if p.is_dir())


def live_name(index: Path) -> str:
    try:
        return (index / "CURRENT").read_text().strip()
    except OSError:
        return ""


_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


def toc_number(folder: Path) -> int:
    """The newest Whoosh TOC generation in a folder (-1 when there is none)."""
    try:
        return max((int(m.group(1)) for p in folder.iterdir() if (m := _TOC.match(p.name))), default=-1)
    except OSError:
        return -1


def phase(index: Path, base: str, base_toc: int, rebuild: bool) -> str:
    """How far the killed ingest got, judged from what it left on disk."""
    gens = [g for g in generations(index) if g.name > base]
    if live_name(index) > base:
        return "committed"
    if not gens:
        return "before-new-generation"
    names = {p.name for p in gens[-1].iterdir()}
    if MANIFEST in names or META in names:
        return "publishing"
    # A fresh index (--rebuild) starts with TOC 0; an update's commit writes base + 1.
    if toc_number(gens[-1]) > (0 if rebuild else base_toc):
        return "whoosh committed, not published"
    # Whoosh opens its new segment's files with the writer, before the first file is
    # extracted, so from here until its commit the ingest is extracting and indexing.
    return "extracting/indexing"


def index_integrity(index: Path) -> dict:
    """Documents per the manifest vs per Whoosh: they must be the same set."""
    kb = KnowledgeBase(index)
    gen = kb.store.current()
    manifest_ids = {entry["doc_id"] for entry in gen.manifest.values()}
    searcher = kb._open()
    by_doc: dict[str, set[str]] = {}
    for fields in searcher.all_stored_fields():
        by_doc.setdefault(fields["doc_id"], set()).add(fields["source"])
    kb.close()
    return {
        "manifest_documents": len(gen.manifest),
        "index_documents": len(by_doc),
        "same_documents": manifest_ids == set(by_doc),
        "one_source_each": all(len(s) == 1 for s in by_doc.values()),
        "unique_doc_ids": len(manifest_ids) == len(gen.manifest),
    }


# -- changing the corpus ---------------------------------------------------------------

def mutate(docs: Path, rng: random.Random, round_: int, share: float) -> dict:
    """Edit, add, delete and rename a share of the section files; returns what changed."""
    files = sorted(docs.glob("finlex-sections/*/*.txt"))
    k = max(1, int(len(files) * share))
    m = rng.randint(k // 2, 2 * k)  # new files: the document count moves up and down
    chosen = rng.sample(files, min(len(files), 3 * k + m))
    edit, delete, rename, copy = (chosen[:k], chosen[k:2 * k], chosen[2 * k:3 * k], chosen[3 * k:])
    marker = f"kvartsilo{round_:03d}muutos"
    for path in edit:
        path.write_text(path.read_text(encoding="utf-8") + f"\n\nLisätty kappale {marker}.\n", encoding="utf-8")
    for path in delete:
        path.unlink()
    for path in rename:
        path.rename(path.with_name(f"r{round_:03d}-{path.name}"))
    added = 0
    for path in copy:
        new = path.with_name(f"uusi-{round_:03d}-{path.name}")
        new.write_text(f"Uusi asiakirja {round_}\n\n" + path.read_text(encoding="utf-8")
                       + f"\n\nUusi {marker}.\n", encoding="utf-8")
        added += 1
    return {"edited": [str(p) for p in edit], "deleted": len(delete), "renamed": len(rename),
            "added": added, "marker": marker}


# -- the three measurements ---------------------------------------------------------------

def measure_incremental(docs: Path, index: Path, repeats: int) -> dict:
    full, full_wall, _ = run_ingest(docs, index)
    unchanged = [run_ingest(docs, index) for _ in range(repeats)]
    for path in docs.rglob("*"):
        if path.is_file():
            os.utime(path)
    touched = run_ingest(docs, index)
    kb = KnowledgeBase(index)
    started = time.perf_counter()
    lib = kb.ingest([docs])
    lib_seconds = time.perf_counter() - started
    assert all(r[0]["unchanged"] == full["documents"] for r in unchanged), "unchanged re-ingest changed something"
    assert touched[0]["unchanged"] == full["documents"] and not touched[0]["updated"]
    assert lib.unchanged == full["documents"]
    walls = [r[1] for r in unchanged]
    reported = [r[0]["seconds"] for r in unchanged]
    return {
        "documents": full["documents"],
        "passages": full["passages"],
        "failed": len(full["failed"]),
        "full_ingest_wall_s": round(full_wall, 2),
        "full_ingest_reported_s": full["seconds"],
        "unchanged_wall_s_median": round(statistics.median(walls), 3),
        "unchanged_reported_s_median": round(statistics.median(reported), 3),
        "touched_wall_s": round(touched[1], 3),
        "unchanged_in_process_s": round(lib_seconds, 3),
        "unchanged_share_wall_pct": round(100 * statistics.median(walls) / full_wall, 2),
        "unchanged_share_in_process_pct": round(100 * lib_seconds / full["seconds"], 2),
        "touched_share_wall_pct": round(100 * touched[1] / full_wall, 2),
    }


def kill_round(docs: Path, index: Path, rng: random.Random, round_: int, committed: int,
               update_seconds: float, full_seconds: float, share: float) -> dict:
    change = mutate(docs, rng, round_, share)
    expected = committed + change["added"] - change["deleted"]
    rebuild = round_ % 4 == 3
    mode = rng.choice(["random-time", "random-time", "writer-open", "new-toc", "manifest"])
    base = live_name(index)
    base_files = {p.name for p in (index / base).iterdir()} if base else set()
    base_toc = toc_number(index / base) if base else -1
    extra = ("--rebuild",) if rebuild else ()
    proc = subprocess.Popen(ingest_cmd(docs, index, *extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True, env=ENV)
    window = full_seconds if rebuild else update_seconds
    delay = None
    if mode == "random-time":
        delay = rng.uniform(0.05, max(0.2, window * 1.05))
        wait_for(lambda: proc.poll() is not None, delay, 0.01)
    else:
        def reached() -> bool:
            gens = [g for g in generations(index) if g.name > base]
            if not gens:
                return False
            try:
                names = {p.name for p in gens[-1].iterdir()}
            except OSError:
                return False
            if mode == "manifest":
                return MANIFEST in names
            if mode == "new-toc":
                return toc_number(gens[-1]) > (0 if rebuild else base_toc)
            return bool({n for n in names if n.startswith("MAIN_") and n != "MAIN_WRITELOCK"} - base_files)
        wait_for(lambda: reached() or proc.poll() is not None, window * 3 + 30, 0.0005)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    where = phase(index, base, base_toc, rebuild) if killed else "finished before the kill"
    orphans_gone = wait_for(lambda: not group_alive(proc.pid), 5, 0.05)
    leftover = group_alive(proc.pid)
    for pid in leftover:  # clean up what should never be there, then report it
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    problems: list[str] = []
    kb = KnowledgeBase(index)
    try:
        docs_now = kb.stats()["documents"]
        if docs_now not in (committed, expected):
            problems.append(f"after the kill the index holds {docs_now} documents, "
                            f"neither {committed} nor {expected}")
        if kb.search("kaupungin").total < 1 and kb.search("lag").total < 1:
            problems.append("search after the kill found nothing")
    except KBError as exc:
        problems.append(f"index not searchable after the kill: {exc}")
    finally:
        kb.close()

    started = time.perf_counter()
    report, _, result = run_ingest(docs, index, "--lock-timeout", "30")
    recover_seconds = time.perf_counter() - started
    if "waiting for another ingest" in result.stderr:
        problems.append("the next ingest had to wait for the lock")
    if report["documents"] != expected:
        problems.append(f"re-ingest holds {report['documents']} documents, expected {expected}")
    integrity = index_integrity(index)
    if not (integrity["same_documents"] and integrity["one_source_each"] and integrity["unique_doc_ids"]
            and integrity["index_documents"] == expected):
        problems.append(f"manifest and index disagree: {integrity}")
    kb = KnowledgeBase(index)
    found = {h.source for h in kb.search(change["marker"], limit=1000)}
    kb.close()
    live_edits = {p for p in change["edited"] if Path(p).exists()}
    if not live_edits <= found:
        problems.append(f"{len(live_edits - found)} edited files not found by their new word")
    return {
        "round": round_, "rebuild": rebuild, "mode": mode,
        "delay_s": round(delay, 3) if delay is not None else None,
        "killed": killed, "phase": where, "orphans_left": len(leftover) if not orphans_gone else 0,
        "expected": expected, "recovered_documents": report["documents"],
        "recover_s": round(recover_seconds, 2), "recover_timings": report.get("timings", {}),
        "ok": not problems and orphans_gone,
        "problems": problems,
    }


def measure_concurrency(docs: Path, index: Path, rng: random.Random, share: float) -> dict:
    mutate(docs, rng, 900, share)
    stop = threading.Event()
    stats = {"searches": 0, "cli_searches": 0, "errors": [], "saw_new_generation_after_s": None}
    base = live_name(index)

    def reader() -> None:
        kb = KnowledgeBase(index)
        started = time.monotonic()
        while not stop.is_set():
            try:
                if kb.search("kaupungin energia").total < 1:
                    stats["errors"].append("a search found nothing")
                stats["searches"] += 1
                if stats["saw_new_generation_after_s"] is None and kb._gen_name and kb._gen_name != base:
                    stats["saw_new_generation_after_s"] = round(time.monotonic() - started, 2)
                if stats["searches"] % 25 == 0:
                    r = subprocess.run([sys.executable, "-m", "smartclean_kb", "search", "lag",
                                        "--index", str(index), "--json"], capture_output=True,
                                       text=True, env=ENV)
                    stats["cli_searches"] += 1
                    if r.returncode != 0:
                        stats["errors"].append(f"CLI search exit {r.returncode}: {r.stderr.strip()}")
            except Exception as exc:  # noqa: BLE001 - every error counts
                stats["errors"].append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)
        kb.close()

    thread = threading.Thread(target=reader)
    thread.start()
    first = subprocess.Popen(ingest_cmd(docs, index), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=ENV)
    wait_for(lambda: any(g.name > base for g in generations(index)) or first.poll() is not None, 60)
    second = subprocess.Popen(ingest_cmd(docs, index, "--lock-timeout", "600"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    impatient = subprocess.run(ingest_cmd(docs, index, "--lock-timeout", "1"), capture_output=True,
                               text=True, env=ENV)
    first_running_during_impatient = first.poll() is None
    out1, err1 = first.communicate()
    out2, err2 = second.communicate()
    time.sleep(1.0)
    stop.set()
    thread.join()
    error_lines = [line for line in impatient.stderr.splitlines() if line.startswith("Error:")]
    return {
        "first_exit": first.returncode,
        "second_exit": second.returncode,
        "second_waited_with_message": "waiting for another ingest" in err2,
        "second_saw_first_commit": bool(out2) and json.loads(out2)["updated"] == [],
        "impatient_exit": impatient.returncode,
        "impatient_error": error_lines[0] if error_lines else impatient.stderr.strip()[-300:],
        "impatient_ran_while_first_held_lock": first_running_during_impatient,
        "tracebacks": sum("Traceback" in e for e in (err1, err2, impatient.stderr)),
        "searches": stats["searches"],
        "cli_searches": stats["cli_searches"],
        "search_errors": stats["errors"][:10],
        "search_error_count": len(stats["errors"]),
        "reader_saw_new_generation_after_s": stats["saw_new_generation_after_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="kill rounds (default 20)")
    parser.add_argument("--limit", type=int, default=0, help="files per source (0: all)")
    parser.add_argument("--share", type=float, default=0.02,
                        help="share of section files edited, deleted, renamed and added per round")
    parser.add_argument("--repeats", type=int, default=3, help="unchanged re-ingests to time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="--limit 300 --kills 6")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.quick:
        args.limit, args.kills = args.limit or 300, min(args.kills, 6)
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="smartclean-reliability-"))
    docs, index = work / "docs", work / "index"
    results: dict = {"seed": args.seed, "limit": args.limit, "kills": args.kills, "share": args.share}
    try:
        results["corpus"] = build_corpus(docs, args.limit)
        print(f"corpus: {sum(results['corpus'].values())} files {results['corpus']}", flush=True)

        inc = measure_incremental(docs, index, args.repeats)
        results["incremental"] = inc
        print(f"full ingest: {inc['documents']} documents, {inc['passages']} passages, "
              f"{inc['full_ingest_wall_s']} s wall ({inc['full_ingest_reported_s']} s in ingest)")
        print(f"unchanged re-ingest: {inc['unchanged_wall_s_median']} s wall = "
              f"{inc['unchanged_share_wall_pct']} % of full; in process {inc['unchanged_in_process_s']} s = "
              f"{inc['unchanged_share_in_process_pct']} %; after touching every file "
              f"{inc['touched_wall_s']} s = {inc['touched_share_wall_pct']} %", flush=True)

        # Calibrate the kill windows with one uninterrupted update.
        mutate(docs, rng, 0, args.share)
        update, update_wall, _ = run_ingest(docs, index)
        committed = update["documents"]
        results["update_wall_s"] = round(update_wall, 2)
        print(f"one update ({len(update['updated'])} updated, {len(update['added'])} added, "
              f"{len(update['removed'])} removed, {len(update['moved'])} moved): {update_wall:.1f} s", flush=True)

        rounds = []
        for round_ in range(1, args.kills + 1):
            r = kill_round(docs, index, rng, round_, committed, update_wall, inc["full_ingest_wall_s"], args.share)
            rounds.append(r)
            committed = r["recovered_documents"] if r["recovered_documents"] == r["expected"] else committed
            print(f"kill {round_:2d}: {'rebuild' if r['rebuild'] else 'update '} {r['mode']:<15} "
                  f"{'killed' if r['killed'] else 'missed'} in {r['phase']:<28} -> "
                  f"{'ok' if r['ok'] else 'FAILED'} ({r['recovered_documents']}/{r['expected']} docs, "
                  f"re-ingest {r['recover_s']} s){'; ' + '; '.join(r['problems']) if r['problems'] else ''}",
                  flush=True)
        results["kill_rounds"] = rounds
        landed = [r for r in rounds if r["killed"]]
        results["kills_summary"] = {
            "rounds": len(rounds), "kills_landed": len(landed),
            "survived": sum(r["ok"] for r in landed),
            "all_rounds_ok": all(r["ok"] for r in rounds),
            "phases": {p: sum(r["phase"] == p for r in landed) for p in sorted({r["phase"] for r in landed})},
            "orphaned_workers": sum(r["orphans_left"] for r in rounds),
        }
        ks = results["kills_summary"]
        print(f"kills: {ks['survived']}/{ks['kills_landed']} landed kills survived "
              f"({ks['rounds']} rounds, all ok: {ks['all_rounds_ok']}); phases {ks['phases']}; "
              f"orphaned workers {ks['orphaned_workers']}", flush=True)

        con = measure_concurrency(docs, index, rng, args.share)
        results["concurrency"] = con
        print(f"concurrency: first exit {con['first_exit']}, second exit {con['second_exit']} "
              f"(waited with message: {con['second_waited_with_message']}), impatient exit "
              f"{con['impatient_exit']}: {con['impatient_error']!r}; {con['searches']} searches + "
              f"{con['cli_searches']} CLI searches, {con['search_error_count']} errors; "
              f"reader saw the new generation after {con['reader_saw_new_generation_after_s']} s", flush=True)
    finally:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"wrote {RESULTS}")
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
