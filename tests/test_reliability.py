"""Issue 7: incremental ingest, one writer at a time, crash safety and version checks.

Most tests drive the library on small generated folders. The concurrency and kill tests
run real ``python -m smartclean_kb ingest`` subprocesses, as a user would, and SIGKILL
them at several points; the many-kills version is ``bench/reliability.py``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from smartclean_kb import KnowledgeBase, config
from smartclean_kb import kb as kb_module
from smartclean_kb.errors import ExtractError, IndexLockedError, IndexMissingError, IndexVersionError, KBError
from smartclean_kb.index import MANIFEST, IndexStore

FINLEX_DOCS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "retrieval-dev" / "finlex-fi" / "docs"


# -- helpers ------------------------------------------------------------------------------

_SALTS: dict[str, int] = {}
_LETTERS = "abcdefghijklmnoprstuvwyz"  # no q or x: they mark the word's structure


def word(i: int, salt: str = "") -> str:
    """A made-up word for document ``i`` of the set ``salt``, e.g. 'qbaaxbaa'.

    Every 4-letter window of it holds its whole 3-letter code, so no other document
    shares even a character 4-gram with it: an n-gram fallback field cannot make a
    search find a second document, and the tests can ask for exact result sets.
    """
    assert 0 <= i < 1000
    n = _SALTS.setdefault(salt, len(_SALTS)) * 1000 + i
    code = "".join(_LETTERS[(n // 24**k) % 24] for k in range(3))
    return f"q{code}x{code}"


def text_for(i: int, salt: str = "") -> str:
    w = word(i, salt)
    para = (f"Asiakirja numero {i} käsittelee kaupungin energiaa. Hakusana {w} esiintyy "
            f"vain tässä tiedostossa, ja {w} toistuu kerran. ")
    return f"Otsikko {i}\n\n" + "\n\n".join(para * 2 for _ in range(3))


def make_corpus(folder: Path, n: int, salt: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"doc-{i:04d}.txt"
        path.write_text(text_for(i, salt), encoding="utf-8")
        paths.append(path)
    return paths


def sources(kb: KnowledgeBase, query: str) -> list[str]:
    """Files whose indexed text holds ``query`` as a word.

    A word that no passage holds brings in the n-gram fallback's near matches; those
    are search results, but not the indexed content these tests are about.
    """
    return [hit.source for hit in kb.search(query, limit=50)
            if query in re.findall(r"\w+", hit.text.lower())]


def generations(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob("gen-*"))


def cli(*args: str, timeout: float = 180, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smartclean_kb", *args], capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# -- incremental ingest -------------------------------------------------------------------

@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    docs = tmp_path / "docs"
    paths = make_corpus(docs, 12)
    return docs, tmp_path / "index", paths


def test_unchanged_reingest_reports_unchanged_and_writes_no_generation(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    first = kb.ingest([docs])
    assert len(first.added) == 12 and first.documents == 12 and not first.failed
    before = generations(index)
    again = kb.ingest([docs])
    assert again.unchanged == 12
    assert not (again.added or again.updated or again.removed or again.moved or again.failed)
    assert generations(index) == before


def test_touching_a_file_without_changing_it_is_still_unchanged(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    future = time.time() + 3600
    for path in paths[:4]:
        os.utime(path, (future, future))
    report = kb.ingest([docs])
    assert report.unchanged == 12 and not report.updated


def test_changed_file_is_updated_and_its_old_text_is_gone(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    paths[3].write_text(text_for(3, salt="uusi"), encoding="utf-8")
    report = kb.ingest([docs])
    assert report.updated == [str(paths[3])]
    assert report.unchanged == 11 and report.documents == 12
    assert sources(kb, word(3, "uusi")) == [str(paths[3])]
    assert str(paths[3]) not in sources(kb, word(3))


def test_deleted_file_is_removed_unless_no_delete(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    paths[5].unlink()
    kept = kb.ingest([docs], delete=False)
    assert kept.removed == [] and kept.documents == 12
    assert str(paths[5]) in sources(kb, word(5))
    removed = kb.ingest([docs])
    assert removed.removed == [str(paths[5])] and removed.documents == 11
    assert sources(kb, word(5)) == []


def test_renamed_and_moved_files_are_reported_moved_without_duplicates(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    renamed = docs / "uusi nimi å.txt"
    paths[1].rename(renamed)
    (docs / "alikansio").mkdir()
    moved = docs / "alikansio" / "doc-0002.txt"
    paths[2].rename(moved)
    report = kb.ingest([docs])
    assert sorted(report.moved) == sorted([(str(paths[1]), str(renamed)), (str(paths[2]), str(moved))])
    assert not (report.added or report.removed or report.updated)
    assert report.documents == 12
    assert sources(kb, word(1)) == [str(renamed)]
    assert sources(kb, word(2)) == [str(moved)]


def test_two_files_with_the_same_content_moved_together_are_both_moves(corpus):
    docs, index, paths = corpus
    twin = docs / "kaksonen.txt"
    twin.write_text(paths[8].read_text(encoding="utf-8"), encoding="utf-8")
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    (docs / "uusi").mkdir()
    paths[8].rename(docs / "uusi" / paths[8].name)
    twin.rename(docs / "uusi" / twin.name)
    report = kb.ingest([docs])
    assert len(report.moved) == 2 and not report.added and not report.removed
    assert report.documents == 13


def test_a_move_is_a_move_with_no_delete_too(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    moved = docs / "siirretty.txt"
    paths[4].rename(moved)
    paths[6].unlink()
    report = kb.ingest([docs], delete=False)
    assert report.moved == [(str(paths[4]), str(moved))] and not report.added
    assert report.removed == [] and report.documents == 12  # the deleted one is kept
    assert sources(kb, word(4)) == [str(moved)]


def test_update_that_no_longer_extracts_keeps_the_old_indexed_version(tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 3)
    page = docs / "sivu.html"
    page.write_text("<html><body><article><p>" + text_for(7) + "</p></article></body></html>",
                    encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "index")
    assert not kb.ingest([docs]).failed
    page.write_bytes(b"\x00\x01\x02 binary garbage" * 100)
    for _ in range(2):  # and again: the bad version is not taken as the indexed one
        report = kb.ingest([docs])
        assert [p.path for p in report.failed] == [str(page)]
        assert "\n" not in report.failed[0].reason
        assert report.documents == 4 and not report.removed
        assert sources(kb, word(7)) == [str(page)]


@pytest.mark.parametrize("written, refused", [(900, False), (5000, True)])
def test_a_file_still_growing_is_read_whole_or_refused_past_the_limit(tmp_path, monkeypatch,
                                                                      written, refused):
    """The read asks for the size the file had when opened; one still being written (a
    pipe, whose size reads 0) is read on to its end, and refused once past the limit
    rather than indexed cut short there."""
    monkeypatch.setattr(config, "MAX_FILE_BYTES", 1000)
    pipe = tmp_path / "growing.txt"
    os.mkfifo(pipe)
    writer = threading.Thread(target=pipe.write_bytes, args=(b"x" * written,))
    writer.start()
    try:
        if refused:
            with pytest.raises(ExtractError, match="the limit is"):
                kb_module._read_file(str(pipe))
        else:
            assert kb_module._read_file(str(pipe)) == b"x" * written
    finally:
        writer.join(timeout=10)


def test_a_missing_root_does_not_remove_what_was_indexed_from_it(tmp_path):
    docs = tmp_path / "docs"
    make_corpus(docs, 4)
    kb = KnowledgeBase(tmp_path / "index")
    kb.ingest([docs])
    hidden = tmp_path / "unmounted"
    docs.rename(hidden)  # a network share that is not mounted right now
    report = kb.ingest([docs])
    assert [p.path for p in report.failed] == [str(docs)]
    assert report.removed == [] and report.documents == 4
    hidden.rename(docs)
    assert kb.ingest([docs]).unchanged == 4


def test_a_folder_that_cannot_be_listed_keeps_its_documents(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    make_corpus(docs, 2, salt="top")
    make_corpus(docs / "sub", 3)
    kb = KnowledgeBase(tmp_path / "index")
    assert kb.ingest([docs]).documents == 5
    real_scandir = os.scandir

    def scandir(path="."):  # as root, chmod cannot make a folder unlistable: fail it here
        if os.fspath(path) == str(docs / "sub"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = kb.ingest([docs])
    assert [(p.path, p.reason) for p in report.failed] == [
        (str(docs / "sub"), "cannot list folder: permission denied (file is not readable)")]
    assert report.removed == [] and report.documents == 5


def test_a_full_disk_fails_with_a_sentence_and_leftovers_do_not_pile_up(corpus, monkeypatch):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    live = (index / "CURRENT").read_text().strip()
    paths[0].write_text(text_for(0, salt="uusi"), encoding="utf-8")

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(IndexStore, "publish", disk_full)
    for _ in range(3):
        with pytest.raises(KBError) as err:
            kb.ingest([docs])
        assert not isinstance(err.value, OSError)
        assert "no space left on device" in err.value.message
        assert "unchanged" in err.value.hint
    # Each failed attempt's half-written generation is removed by the next attempt.
    assert len(generations(index)) <= 2 and (index / "CURRENT").read_text().strip() == live
    assert sources(kb, word(0)) == [str(paths[0])]
    monkeypatch.undo()
    assert kb.ingest([docs]).updated == [str(paths[0])]
    assert len(generations(index)) == 2
    assert sources(kb, word(0, "uusi")) == [str(paths[0])]


@pytest.mark.skipif(sys.platform != "linux", reason="relies on forked workers inheriting the patch")
def test_a_full_disk_in_a_worker_fails_the_ingest_and_keeps_the_index(tmp_path, monkeypatch):
    import multiprocessing

    from smartclean_kb import kb as kb_module

    docs, index = tmp_path / "docs", tmp_path / "index"
    paths = make_corpus(docs, 2 * kb_module.PARALLEL_MIN_FILES)
    kb = KnowledgeBase(index, jobs=2)
    kb.ingest([docs])
    live = (index / "CURRENT").read_text().strip()
    for i, path in enumerate(paths):
        path.write_text(text_for(i, salt="uusi"), encoding="utf-8")

    def disk_full(writer):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kb_module, "finish_segment", disk_full)  # in the workers, which fork
    with pytest.raises(KBError) as err:
        kb.ingest([docs])
    assert "no space left on device" in err.value.message and "unchanged" in err.value.hint
    assert not multiprocessing.active_children()
    assert (index / "CURRENT").read_text().strip() == live
    assert sources(kb, word(0)) == [str(paths[0])] and sources(kb, word(0, "uusi")) == []
    monkeypatch.undo()
    assert len(kb.ingest([docs]).updated) == len(paths)
    assert sources(kb, word(0, "uusi")) == [str(paths[0])]


def test_old_generations_are_collected_and_the_previous_one_is_kept(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])
    for round_ in range(4):
        paths[0].write_text(text_for(0, salt=f"k{round_}"), encoding="utf-8")
        kb.ingest([docs])
    gens = generations(index)
    live = (index / "CURRENT").read_text().strip()
    assert live == gens[-1] and len(gens) == 2


def test_leftover_of_a_killed_ingest_is_collected_not_the_previous_generation(corpus):
    docs, index, paths = corpus
    kb = KnowledgeBase(index)
    kb.ingest([docs])                        # gen-000001
    (index / "gen-000002").mkdir()           # what a killed ingest leaves behind
    (index / "gen-000002" / "MAIN_x.seg").write_bytes(b"half")
    paths[0].write_text(text_for(0, salt="z"), encoding="utf-8")
    kb.ingest([docs])                        # the leftover goes, the new one is live
    live = (index / "CURRENT").read_text().strip()
    assert sorted(generations(index)) == sorted(["gen-000001", live]) and live != "gen-000001"
    assert not (index / live / "MAIN_x.seg").exists()
    assert sources(kb, word(0, "z")) == [str(paths[0])]


# -- version and damage checks ------------------------------------------------------------

@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    make_corpus(docs, 6)
    KnowledgeBase(tmp_path / "index").ingest([docs])
    return docs, tmp_path / "index"


def live_generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def test_index_from_another_analyser_version_gives_rebuild_command(built):
    docs, index = built
    meta_path = live_generation(index) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["analyser_version"] = "0-old"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError) as err:
        KnowledgeBase(index).search(word(1))
    assert "smartclean-kb ingest --rebuild" in err.value.hint
    assert_one_line_error(cli("search", word(1), "--index", str(index)), 3, "--rebuild")
    assert_one_line_error(cli("ingest", str(docs), "--index", str(index), "-q"), 3, "--rebuild")
    assert not KnowledgeBase(index).ingest([docs], rebuild=True).failed
    assert sources(KnowledgeBase(index), word(1)) == [str(docs / "doc-0001.txt")]


def test_index_from_another_schema_version_gives_rebuild_command(built):
    docs, index = built
    meta_path = live_generation(index) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["schema_version"] = "999"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="schema version"):
        KnowledgeBase(index).search(word(1))


def _delete_segment(gen: Path) -> None:
    for seg in gen.glob("*.seg"):
        seg.unlink()


def _garble_toc(gen: Path) -> None:
    for toc in gen.glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x00garbage" * 40)


def _truncate_segment(gen: Path) -> None:
    for seg in gen.glob("*.seg"):
        seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])


def _garble_postings(gen: Path) -> None:
    """Overwrite the middle of the postings inside each compound segment file."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage

    for seg in gen.glob("*.seg"):
        compound = CompoundStorage(FileStorage(str(gen)).open_file(seg.name), use_mmap=False)
        spans = [(info["offset"], info["length"]) for name, info in compound._dir.items()
                 if name.endswith(".pst")]
        compound.close()
        data = bytearray(seg.read_bytes())
        for offset, length in spans:
            data[offset + 8: offset + length - 8] = bytes([0xBB]) * (length - 16)
        seg.write_bytes(bytes(data))


def _delete_manifest(gen: Path) -> None:
    (gen / MANIFEST).unlink()


@pytest.mark.parametrize("damage", [_delete_segment, _garble_toc, _truncate_segment,
                                    _garble_postings,
                                    _delete_manifest])
def test_damaged_index_gives_clear_error_and_rebuild_recovers(built, damage):
    docs, index = built
    damage(live_generation(index))
    # A damaged index either still answers or says it is damaged: never a traceback.
    for query in (word(2), "kaupungin energiaa", "asiakirja"):
        try:
            KnowledgeBase(index).search(query)
        except IndexVersionError as exc:
            assert "--rebuild" in exc.hint
    result = cli("search", "kaupungin energiaa", "--index", str(index))
    assert result.returncode in (0, 3), result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    if result.returncode == 3:
        assert_one_line_error(result, 3, "--rebuild")
    # stats read only the manifest and called an index fine that search refused.
    if damage in (_delete_segment, _garble_toc, _truncate_segment):
        assert_one_line_error(cli("stats", "--index", str(index)), 3, "--rebuild")
    try:  # an ingest over it either works or asks for the rebuild
        KnowledgeBase(index).ingest([docs])
    except IndexVersionError as exc:
        assert "--rebuild" in exc.hint
    assert not KnowledgeBase(index).ingest([docs], rebuild=True).failed
    kb = KnowledgeBase(index)
    assert sources(kb, word(2)) == [str(docs / "doc-0002.txt")]
    assert kb.stats()["documents"] == 6


@pytest.mark.parametrize("content", ["", "gen-00000x\n", "\x00\xff garbage", "gen-000099\n"])
def test_garbled_current_pointer_is_a_damaged_index(built, content):
    docs, index = built
    (index / "CURRENT").write_bytes(content.encode("latin-1"))
    with pytest.raises(IndexVersionError) as err:
        KnowledgeBase(index).search(word(1))
    assert "--rebuild" in err.value.hint
    with pytest.raises(IndexVersionError):
        KnowledgeBase(index).ingest([docs])
    assert not KnowledgeBase(index).ingest([docs], rebuild=True).failed
    assert KnowledgeBase(index).stats()["documents"] == 6


# -- one writer at a time -----------------------------------------------------------------

def test_second_writer_waits_then_fails_with_lock_error_in_library(built):
    docs, index = built
    holder = KnowledgeBase(index).store
    messages: list[str] = []
    with holder.write_lock(5):
        started = time.monotonic()
        with pytest.raises(IndexLockedError) as err:
            KnowledgeBase(index, lock_timeout=0.5).ingest([docs], on_wait=messages.append)
        assert 0.4 < time.monotonic() - started < 5
    assert isinstance(err.value, KBError) and "--lock-timeout" in err.value.hint
    assert len(messages) == 1 and "waiting" in messages[0]
    assert KnowledgeBase(index, lock_timeout=0.5).ingest([docs]).unchanged == 6


def _wait_for(predicate, timeout: float, step: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_two_concurrent_ingests_and_searches_only_the_documented_wait(tmp_path):
    BIG = 999  # enough that the first ingest is still writing when the test pauses it
    index = tmp_path / "index"
    small, big = tmp_path / "small", tmp_path / "big"
    make_corpus(small, 5)
    make_corpus(big, BIG, salt="iso")
    KnowledgeBase(index).ingest([small])

    errors: list[BaseException] = []
    seen_big = threading.Event()
    stop = threading.Event()
    counts = {"searches": 0}

    def search_loop() -> None:
        kb = KnowledgeBase(index)  # one long-lived reader, as the web app holds
        while not stop.is_set():
            try:
                assert sources(kb, word(1)) == [str(small / "doc-0001.txt")]
                if sources(kb, word(150, "iso")):
                    seen_big.set()
                counts["searches"] += 1
                time.sleep(0.02)
            except BaseException as exc:  # noqa: BLE001 - any error fails the test
                errors.append(exc)
                return

    reader = threading.Thread(target=search_loop)
    reader.start()
    try:
        first = subprocess.Popen([sys.executable, "-m", "smartclean_kb", "ingest", str(big), str(small),
                                  "--index", str(index), "-q", "--json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert _wait_for(lambda: len(generations(index)) > 1, 30), "first ingest never started writing"
        # Paused while it holds the lock, so the impatient ingest meets it however fast
        # the first one would have finished.
        os.kill(first.pid, signal.SIGSTOP)
        try:
            second = subprocess.Popen([sys.executable, "-m", "smartclean_kb", "ingest", str(big), str(small),
                                       "--index", str(index), "-q", "--json", "--lock-timeout", "120"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            impatient = cli("ingest", str(small), "--index", str(index), "-q", "--lock-timeout", "0.5")
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert_one_line_error(impatient, 4, "another ingest is writing")
        assert "waiting for another ingest" in impatient.stderr
        out1, err1 = first.communicate(timeout=180)
        out2, err2 = second.communicate(timeout=180)
        assert first.returncode == 0, err1
        assert second.returncode == 0, err2
        assert "waiting for another ingest" in err2 and "Traceback" not in err2
        r1, r2 = json.loads(out1), json.loads(out2)
        assert len(r1["added"]) == BIG and r1["unchanged"] == 5 and r1["documents"] == BIG + 5
        assert r2["unchanged"] == BIG + 5 and r2["documents"] == BIG + 5  # waited, then saw the commit
        assert _wait_for(seen_big.is_set, 10), "the reader never saw the committed documents"
        cli_search = cli("search", word(150, "iso"), "--index", str(index), "--json")
        assert cli_search.returncode == 0 and json.loads(cli_search.stdout)["total"] >= 1
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not errors, errors
    assert counts["searches"] > 5


# -- crash safety: SIGKILL a real ingest ------------------------------------------------------

def _group_alive(pgid: int) -> list[int]:
    """Processes still in the killed ingest's process group (e.g. orphaned workers)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _start_ingest(docs: Path, index: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "smartclean_kb", "ingest", str(docs),
                             "--index", str(index), "-q", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _kill(proc: subprocess.Popen) -> bool:
    """SIGKILL the ingest itself (not its group); True when it was still running."""
    running = proc.poll() is None
    if running:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return running


def _new_files(index: Path, base: set[str]) -> bool:
    gens = generations(index)
    if not gens:
        return False
    newest = index / gens[-1]
    try:
        names = {p.name for p in newest.iterdir()}
    except OSError:
        return False
    return bool({n for n in names if n.endswith((".seg", ".toc"))} - base)


def _no_orphans_and_unlocked(proc: subprocess.Popen, index: Path) -> None:
    assert _wait_for(lambda: not _group_alive(proc.pid), 5, 0.05), (
        f"worker processes outlived the killed ingest: {_group_alive(proc.pid)}")


@pytest.fixture(scope="module")
def kill_corpus(tmp_path_factory) -> Path:
    if not FINLEX_DOCS.is_dir():
        pytest.skip(f"shared data not found at {FINLEX_DOCS}")
    folder = tmp_path_factory.mktemp("kill") / "docs"
    folder.mkdir()
    for path in sorted(FINLEX_DOCS.glob("*.txt"))[:200]:
        shutil.copy(path, folder / path.name)
    return folder


def test_sigkill_at_several_points_never_loses_the_committed_index(kill_corpus, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(kill_corpus, docs)
    index = tmp_path / "index"
    files = sorted(docs.glob("*.txt"))
    probe = files[0].read_text(encoding="utf-8").split()[5]

    # 1. Killed before anything was committed: "no index", then a clean full ingest.
    #    As soon as the ingest has made the index folder (a fixed sleep raced an ingest
    #    that got faster).
    proc = _start_ingest(docs, index)
    assert _wait_for(lambda: index.exists() or proc.poll() is not None, 30)
    assert _kill(proc), "ingest finished before the kill"
    _no_orphans_and_unlocked(proc, index)
    with pytest.raises(IndexMissingError):
        KnowledgeBase(index).search(probe)

    # 2. Killed while workers extract (after a generation folder exists).
    proc = _start_ingest(docs, index)
    assert _wait_for(lambda: generations(index), 30)
    time.sleep(0.3)
    assert _kill(proc), "ingest finished before the kill"
    _no_orphans_and_unlocked(proc, index)
    with pytest.raises(IndexMissingError):
        KnowledgeBase(index).search(probe)

    result = cli("ingest", str(docs), "--index", str(index), "-q", "--json", "--lock-timeout", "5")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["documents"] == len(files)
    committed = KnowledgeBase(index)
    assert committed.search(probe).total >= 1
    before = committed.stats()["documents"]

    # 3. Change a third of the files and kill the update mid-commit, as soon as Whoosh's
    #    new segment or TOC files appear in the new generation; then once more while
    #    publishing. The committed generation must answer as before every time.
    for path in files[::3]:
        path.write_text(path.read_text(encoding="utf-8") + "\n\nLisäys qzvjxzvj.\n",
                        encoding="utf-8")
    for path in files[-10:]:
        path.unlink()
    expected = len(files) - 10
    live = (index / "CURRENT").read_text().strip()
    base = {p.name for p in (index / live).iterdir()}
    outcomes = []
    for _ in range(2):
        proc = _start_ingest(docs, index)
        _wait_for(lambda: _new_files(index, base) or proc.poll() is not None, 60, 0.001)
        outcomes.append(_kill(proc))
        _no_orphans_and_unlocked(proc, index)
        kb = KnowledgeBase(index)
        docs_now = kb.stats()["documents"]
        assert docs_now in (before, expected)
        assert kb.search(probe).total >= 1
        if docs_now == expected:  # the kill came too late: that ingest had committed
            break
    assert any(outcomes), "no kill landed while the ingest ran"

    result = cli("ingest", str(docs), "--index", str(index), "-q", "--json", "--lock-timeout", "5")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["documents"] == expected
    kb = KnowledgeBase(index)
    assert kb.stats()["documents"] == expected
    changed = {h.source for h in kb.search("qzvjxzvj", limit=200)}
    assert changed == {str(p) for p in files[::3] if p.exists()}
    # Every passage in the index belongs to exactly one live file (no duplicates).
    searcher = kb._open()
    doc_ids = {fields["doc_id"] for fields in searcher.all_stored_fields()}
    assert len(doc_ids) == expected
