"""KnowledgeBase: the one facade the CLI, the web app, tests and benchmarks call."""

from __future__ import annotations

import bisect
import errno
import hashlib
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import re
import stat
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pathspec
from whoosh import query as wq
from whoosh.writing import SegmentWriter

from . import analysis, cite, config, extract, language
from .errors import (ExtractError, IndexMissingError, IndexVersionError, KBError, NotADocumentError,
                     NotFoundError, QueryError, one_line)
from .extract import extract_bytes, extractor_for, suffix
from .extract.dates import date_key, year_of
from .index import (Analysed, Generation, IndexStore, analyse_fields, commit_with, expected_meta,
                    finish_segment, index_writer, open_for_writing)
from .language import detect_passages, document_languages, title_language
from .models import MARK_OPEN, Detection, Document, FileProblem, IngestReport, Passage, Translation, with_marks
from .passages import document_id, split_passages
from .search import (Highlighter, SearchResults, clean_query, highlighter_for, run_search, searchable,
                     without_stray_operators)
from .translations import family, linked, sections

#: Called as progress(done, total, path) while files are processed.
Progress = Callable[[int, int, str], None]
IGNORE_FILE = ".kbignore"
#: Fewer files than this are processed in the ingest's own process.
PARALLEL_MIN_FILES = 24
#: Postings a writer sorts in memory before spilling a run to disk, shared out among
#: the workers. Whoosh counts only the postings' bytes, so a process holds about twice this.
WRITER_POOL_MB = 96
#: Files a worker that died may have been holding are then retried one at a time.
CAREFUL_FILES = 24
#: Bytes a file costs beyond its size when the files are shared out among workers.
SIZE_PER_FILE = 256
#: What a byte of a file of this format costs against a byte of plain text, when the
#: files are shared out: parsing HTML costs more per byte, though markup holds fewer
#: words (10k perf corpus: shares of 12.0 and 14.2 CPU-s at 1, 12.0 and 12.0 at 1.75).
BYTE_COST = {"html": 1.75}
#: An ingest worker reports its files in batches of at most this many, or after this
#: long, with the word forms it analysed meanwhile for the other workers.
REPORT_FILES = 16
REPORT_SECONDS = 0.05


@dataclass(frozen=True)
class SourceFile:
    """A file found under an ingest root: its key (absolute path) and how to show it.

    ``path`` is the name to open; ``key``, ``source`` and ``relpath`` are the same names
    made printable (see :func:`_shown`), for the manifest, the index and reports.
    """

    key: str
    source: str
    relpath: str
    path: str


@dataclass
class Processed:
    """One file after extract -> passages -> language -> analysis, ready for the index writer."""

    file: SourceFile
    #: The content hash (None only when the file could not be read).
    digest: str | None
    document: Document | None = None
    passages: list[Passage] = field(default_factory=list)
    doc_lang: Detection | None = None
    doc_langs: tuple[str, ...] = ()
    #: Each passage's text fields, analysed in the worker (see ``index.analyse_fields``).
    fields: list[dict[str, Analysed]] = field(default_factory=list)
    error: str | None = None
    warnings: tuple[str, ...] = ()
    #: The error lies in the file's bytes (not in reading them): the same bytes fail again.
    lasting: bool = False
    #: The file holds no document (``NotADocumentError``): reported as skipped, not failed.
    skipped: bool = False
    #: The manifest entry, when a worker has already written the passages to its segment.
    entry: dict[str, Any] | None = None


@dataclass
class DocumentView:
    """A whole document: metadata, its passages in order, and its translations."""

    doc_id: str
    source: str
    title: str
    doc_type: str
    url: str
    author: str
    date: str
    lang: str
    langs: tuple[str, ...]
    description: str
    pages: int | None
    passages: list[dict[str, Any]]
    translations: list[Translation]
    #: Who published it, as the file says (see ``cite.publisher`` for the fallbacks).
    publisher: str = ""
    #: The title's language (``language.title_language``).
    title_lang: str = ""

    def to_dict(self, cited: str | None = None) -> dict[str, Any]:
        """JSON-ready, with the citation at passage ``cited`` (see ``KnowledgeBase.cited_passage``)."""
        data = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        data["translations"] = [t.to_dict() for t in self.translations]
        # The matches as HTML, as a hit's ``highlight``; the control characters that
        # mark them in ``marked`` are no text for a script.
        data["passages"] = [{**{k: v for k, v in p.items() if k != "marked"},
                             "highlight": with_marks(p["marked"], "<mark>", "</mark>", escape=True),
                             "translations": [t.to_dict() for t in p["translations"]]} for p in self.passages]
        data["citation"] = self.citation(at=cited)
        data["cited_passage"] = cited
        data["publisher"] = cite.publisher(self)  # as cited: the statute book, the site, the archive
        return data

    def citation(self, page: int | str | None = None, page_label: str = "p. {page}", heading: str = "",
                 style: str = "text", at: str | None = None) -> str:
        """How to cite the document (at ``page``, as printed on it, or a statute at the section ``heading``
        names; ``at`` a passage id gives both, and a feed entry's own link): ``text`` to paste (``Jätelaki (646/2011)
        28 §. Suomen säädöskokoelma.``), ``ris`` or ``bibtex`` for a reference manager.
        See :mod:`smartclean_kb.cite`."""
        link = entry_date = ""
        if at is not None:
            passage = next((p for p in self.passages if p["passage_id"] == at), None)
            if passage is None:
                raise NotFoundError(f"document {self.doc_id} has no passage {at!r}")
            page = passage.get("page_label") or passage["page"]
            heading, link = passage["heading"], passage.get("url") or ""
            entry_date = passage.get("date", "") if link else ""
        if style not in cite.FORMATS:
            raise QueryError(f"citation style must be one of {', '.join(cite.FORMATS)}, not {str(style)[:20]!r}")
        if style == "ris":
            return cite.ris(self, page, heading, link, entry_date)
        if style == "bibtex":
            return cite.bibtex(self, page, heading, link, entry_date)
        return cite.text(self, page, page_label, heading, link, entry_date)


class KnowledgeBase:
    """An index folder you can ingest files into and search.

    >>> kb = KnowledgeBase("index")
    >>> kb.ingest(["corpus"]).documents   # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 lock_timeout: float | None = None, jobs: int | None = None) -> None:
        self.path = config.index_path(path)
        self.store = IndexStore(self.path)
        #: Seconds an ingest waits for the write lock (None: the environment's, read when
        #: an ingest starts, so a bad value there stops no search).
        self.lock_timeout = lock_timeout
        #: Worker processes for an ingest of many files, each running the whole pipeline
        #: into a segment of its own; one (the default on one core) runs it in-process.
        self.jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
        self._gen_name: str | None = None
        self._generation: Generation | None = None
        #: (generation name, its counts) for ``stats``.
        self._stats: tuple[str | None, dict[str, Any]] | None = None
        self._index = None
        self._searcher = None

    # -- reading -----------------------------------------------------------------

    def _open(self):
        """The searcher of the live generation, reopened when an ingest has switched it."""
        name = self.store.current_name()
        if name is None:
            raise IndexMissingError(
                f"no index at {self.path}",
                f"create it: smartclean-kb ingest --index {self.path} corpus",
            )
        if name != self._gen_name or self._searcher is None:
            generation, index = self._open_live()
            if self._searcher is not None:
                self._searcher.close()
            self._generation, self._index = generation, index
            self._searcher = index.searcher()
            self._gen_name = generation.path.name
        return self._searcher

    def _open_live(self, attempts: int = 3):
        """Open the live generation; if ingests switched it away meanwhile, open the new one.

        Two ingests can publish between reading CURRENT and opening the folder it
        names, whose files the second one then collects: that is not damage.
        """
        while True:
            generation = self.store.current()
            try:
                return generation, generation.open()
            except IndexVersionError:
                attempts -= 1
                if attempts == 0 or self.store.current_name() == generation.path.name:
                    raise

    def warm(self) -> None:
        """Load the analysers' dictionaries and the language models now, not on the first search."""
        for lang in ("fi", "sv", "en"):
            analysis.analyze("energiatehokkuus avfallshanteringen", lang)
        language.warm()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._index = self._generation = self._gen_name = None

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, query: str, limit: int = 10, *, lang: str | None = None,
               doc_type: str | None = None, year: int | str | None = None, doc_id: str | None = None,
               page: int = 1, sort: str = "relevance", facets: bool = False,
               explain: bool = False) -> SearchResults:
        """Ranked passages for ``query``; filters narrow by language, type, year (or a span,
        ``"2014-2016"``) and document; ``sort`` ``newest`` or ``oldest`` orders them by date."""
        searcher = self._open()
        if searcher.doc_count() == 0:
            raise IndexMissingError(f"the index at {self.path} holds no documents",
                                    f"add some: smartclean-kb ingest --index {self.path} corpus")
        with self._damage_is_an_index_error():
            return run_search(searcher, query, limit=limit, page=page, lang=lang,
                              doc_type=doc_type, year=year, doc_id=doc_id, sort=sort, facets=facets,
                              explain=explain)

    @contextmanager
    def _damage_is_an_index_error(self) -> Iterator[None]:
        """A Whoosh error met while reading (garbled postings) says how to rebuild.

        Damage inside a segment only shows when a search reads that part of it, so it
        cannot all be caught when the index opens. Errors raised from our own code are
        bugs and pass through unchanged.
        """
        try:
            yield
        except KBError:
            raise
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            if not frames or f"{os.sep}whoosh{os.sep}" not in frames[-1].filename:
                raise
            raise IndexVersionError(
                f"index at {self.path} is damaged: {type(exc).__name__} while reading it",
                f"rebuild it: smartclean-kb ingest --rebuild --index {self.path} PATH...",
            ) from exc

    def get(self, doc_id: str, query: str | None = None) -> DocumentView:
        """A document with all its passages in order (matches of ``query`` marked)."""
        searcher = self._open()
        with self._damage_is_an_index_error():
            results = searcher.search(wq.Term("doc_id", doc_id), limit=None, sortedby="ordinal")
            stored = [hit.fields() for hit in results]
        if not stored:
            if passage := re.fullmatch(r"([0-9a-f]{16})-\d{4}", doc_id):
                raise NotFoundError(f"no document with id {doc_id!r}",
                                    f"that is a passage id; its document is {passage.group(1)} "
                                    f"(cite the passage with: cite {passage.group(1)} --passage {doc_id})")
            raise NotFoundError(f"no document with id {doc_id!r}")
        highlighter = Highlighter({}, searcher.schema)
        if query and (text := clean_query(query)):
            highlighter = highlighter_for(
                searchable(searcher, without_stray_operators(text), Detection("und", 0.0)), searcher)
        first = stored[0]
        doc_date = first.get("doc_date", first.get("date", ""))
        translations = linked(searcher, first)
        same_section = sections(searcher, stored, translations)
        passages = []
        for p in stored:
            marked = highlighter.snippet(p["text"], p.get("lang", "und"), words=None)
            passages.append({
                "passage_id": p["passage_id"], "ordinal": p["ordinal"], "text": p["text"],
                "marked": marked, "lang": p.get("lang"), "lang_probability": p.get("lang_prob"),
                "page": p.get("page"), "page_label": p.get("page_label") or "", "heading": p.get("heading", ""), "url": p.get("link") or "",
                "date": p.get("date", ""),
                # A date of its own to show beside the passage: a feed entry's always, a
                # passage's when it is not its document's.
                "entry_date": p.get("date", "") if p.get("date") and (
                    p.get("date") != doc_date or first.get("doc_type") == "feed") else "",
                "matched": MARK_OPEN in marked, "translations": same_section.get(p["passage_id"], []),
            })
        return DocumentView(
            doc_id=doc_id, source=first.get("source", ""), title=first.get("title", ""),
            doc_type=first.get("doc_type", ""), url=first.get("url", ""),
            author=first.get("author", ""), date=doc_date,
            lang=first.get("doc_lang", ""), langs=tuple(first.get("doc_langs") or ()),
            description=first.get("description", ""), pages=first.get("pages"),
            passages=passages, translations=translations, publisher=first.get("publisher") or "",
            title_lang=title_language(first.get("title", ""), first.get("doc_lang", "")),
        )

    def cited_passage(self, doc_id: str, at: str | None = None, query: str | None = None) -> str | None:
        """The passage a citation points at: ``at`` (the hit a reader came from) when
        given, else the passage of ``doc_id`` that ``query`` ranks first; None for the
        document as a whole."""
        if at or not (query and query.strip()):
            return at or None
        found = self.search(query, doc_id=doc_id, limit=1)
        return found[0].passage_id if len(found) else None

    def stats(self) -> dict[str, Any]:
        """What the index holds and which analyser built it.

        The searcher and the manifest come from one generation (read the other way
        round, an ingest committing between them made a sound index look damaged), and
        its counts are worked out once per generation: the start page asks on every visit."""
        searcher = self._open()
        generation = self._generation
        assert generation is not None
        if self._stats is None or self._stats[0] != self._gen_name:
            self._stats = (self._gen_name, self._counted(generation, searcher))
        size = sum(p.stat().st_size for p in generation.path.iterdir() if p.is_file())
        return {"index": str(self.path), "generation": generation.path.name, **self._stats[1],
                "bytes": size, **generation.meta}

    def _counted(self, generation: Generation, searcher) -> dict[str, Any]:
        """Documents and passages by language and type, from the manifest; opening the
        index checks that what they describe is there (stats said a damaged index was
        fine while search refused it)."""
        by_lang: Counter[str] = Counter()
        by_type: Counter[str] = Counter()
        passages = 0
        for entry in generation.manifest.values():
            by_type[entry["doc_type"]] += 1
            passages += entry["passages"]
            by_lang.update(entry["langs"])
        if searcher.doc_count() != passages:
            raise IndexVersionError(
                f"index at {self.path} is damaged: it holds {searcher.doc_count():,} passages, "
                f"its manifest {passages:,}",
                f"rebuild it: smartclean-kb ingest --rebuild --index {self.path} PATH...")
        return {"documents": len(generation.manifest), "passages": passages,
                "by_lang": dict(sorted(by_lang.items())), "by_type": dict(sorted(by_type.items()))}

    # -- writing -----------------------------------------------------------------

    def ingest(self, paths: Iterable[str | os.PathLike[str]], *, rebuild: bool = False,
               delete: bool = True, progress: Progress | None = None,
               on_wait: Callable[[str], None] | None = None) -> IngestReport:
        """Add, update and remove documents so the index matches the files under ``paths``.

        Only files whose content changed are processed again; files gone from a folder
        that is ingested again are removed (unless ``delete`` is False). One bad file is
        reported and never stops the others; nothing is visible to searches until the
        whole ingest has committed. Failing to write the index (a full disk) raises
        :class:`KBError`; the last committed index is then unchanged.
        """
        try:
            return self._ingest(paths, rebuild=rebuild, delete=delete, progress=progress,
                                on_wait=on_wait)
        except OSError as exc:
            raise KBError(f"cannot write the index at {self.path}: {_os_reason(exc)}",
                          "the last committed index is unchanged; free some space (or fix "
                          "the folder's permissions) and ingest again") from exc

    def _ingest(self, paths: Iterable[str | os.PathLike[str]], *, rebuild: bool, delete: bool,
                progress: Progress | None, on_wait: Callable[[str], None] | None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        roots = [Path(p) for p in paths]
        blind: list[str] = []
        with self.store.write_lock(config.lock_timeout(self.lock_timeout), on_wait):
            # Walk under the lock: a wait for another ingest must not leave us a stale list.
            files = list(self._walk(roots, report, blind))
            base = None
            if self.store.exists() and not rebuild:
                base = self.store.current()
                base.open()  # a damaged base must stop us here, with the rebuild hint
            manifest: dict[str, dict[str, Any]] = dict(base.manifest) if base else {}
            fingerprint = _extraction_fingerprint()
            failures = {} if rebuild else self.store.failures(fingerprint)
            known_failures = dict(failures)
            root_keys = [_shown(os.path.abspath(r)) for r in roots]
            seen = {f.key for f in files}
            missing = [
                key for key in manifest
                if key not in seen and any(_under(key, r) for r in root_keys)
                and not any(_under(key, b) for b in blind)
            ]
            # A new file's hash is needed now only to recognise a move; else the worker
            # that reads it hashes it, on its core and from the bytes it reads anyway.
            todo, digests = self._plan(files, manifest, report, failures, hash_new=bool(missing))
            gone = missing if delete else []
            # A missing file's content at a new path is a move, with --no-delete too:
            # keeping the old entry would show the same document twice.
            gone_by_digest: dict[str, list[str]] = {}
            for key in missing:  # files with the same content can move together
                gone_by_digest.setdefault(manifest[key]["hash"], []).append(key)
            for key in [k for k in failures if k not in seen and any(_under(k, r) for r in root_keys)
                        and not any(_under(k, b) for b in blind)]:
                del failures[key]
            if not todo and not gone and base is not None:
                if failures != known_failures:
                    self.store.save_failures(fingerprint, failures)
                self._totals(report, manifest)
                report.seconds = time.perf_counter() - started
                return report
            self.store.discard_unfinished()
            path = self.store.new_generation(base)
            index = open_for_writing(path, fresh=base is None)
            writer = index_writer(index, WRITER_POOL_MB)
            # One searcher for every deletion: without it each delete_by_term opens a new
            # reader over all segments, and an update of a few hundred files took minutes.
            deleter = writer.searcher()
            try:
                timings: Counter[str] = Counter()
                segments: list[Any] = []
                for item in self._process(todo, digests, timings, path, progress, segments):
                    old = manifest.get(item.file.key)
                    if item.error:
                        problems = report.skipped if item.skipped else report.failed
                        problems.append(FileProblem(item.file.source, item.error))
                        if item.lasting:
                            failures[item.file.key] = {"hash": item.digest, "reason": item.error,
                                                       "skipped": item.skipped}
                        continue
                    failures.pop(item.file.key, None)
                    for warning in item.warnings:
                        report.warnings.append(FileProblem(item.file.source, warning))
                    t = time.perf_counter()
                    if old is not None:
                        writer.delete_by_term("doc_id", old["doc_id"], searcher=deleter)
                        report.updated.append(item.file.source)
                    elif gone_by_digest.get(item.digest):
                        moved_from = gone_by_digest[item.digest].pop(0)
                        writer.delete_by_term("doc_id", manifest[moved_from]["doc_id"], searcher=deleter)
                        report.moved.append((manifest[moved_from]["source"], item.file.source))
                        if moved_from in gone:
                            gone.remove(moved_from)
                        del manifest[moved_from]
                    else:
                        report.added.append(item.file.source)
                    manifest[item.file.key] = item.entry or add_passages(writer, item)
                    timings["index"] += time.perf_counter() - t
                for key in gone:
                    writer.delete_by_term("doc_id", manifest[key]["doc_id"], searcher=deleter)
                    report.removed.append(manifest.pop(key)["source"])
                deleter.close()
                t = time.perf_counter()
                commit_with(writer, segments)
                timings["commit"] += time.perf_counter() - t
            except BaseException:
                if not deleter.is_closed:  # a failed ingest left it open
                    deleter.close()
                writer.cancel()
                raise
            meta = {**expected_meta(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            previous = self.store.publish(path, manifest, meta)
            self.store.collect_garbage(previous)
            if failures != known_failures:
                self.store.save_failures(fingerprint, failures)
            report.timings = dict(timings)
        self._totals(report, manifest)
        report.seconds = time.perf_counter() - started
        return report

    def _walk(self, roots: list[Path], report: IngestReport,
              blind: list[str] | None = None) -> Iterator[SourceFile]:
        """Every indexable file under the roots, sorted, symlink loops and dotfiles skipped.

        A root that does not exist (an unmounted share, a typo) or a folder that cannot
        be listed goes into ``blind``: its files were not seen, so they must not be
        taken as deleted.
        """
        blind = [] if blind is None else blind

        def unlisted(exc: OSError) -> None:
            where = _shown(os.path.normpath(str(exc.filename or "")))
            report.failed.append(FileProblem(where, f"cannot list folder: {_os_reason(exc)}"))
            blind.append(os.path.abspath(where))

        for root in roots:
            if not os.path.lexists(root):
                report.failed.append(FileProblem(_shown(str(root)), "no such file or directory"))
                blind.append(_shown(os.path.abspath(root)))
                continue
            if root.is_file() or (not root.is_dir() and os.path.lexists(root)):
                yield from self._one(root, root.parent, report, blind)
                continue
            inherited: dict[str, list[tuple[str, pathspec.GitIgnoreSpec]]] = {}
            for dirpath, dirnames, filenames in os.walk(root, onerror=unlisted):
                ignores = inherited.get(dirpath, []) + _ignore_spec(dirpath)
                dirnames[:] = [d for d in dirnames if not d.startswith(".")
                               and not _ignored(ignores, os.path.join(dirpath, d), folder=True)]
                inherited.update({os.path.join(dirpath, d): ignores for d in dirnames})
                for d in sorted(dirnames):
                    if os.path.islink(os.path.join(dirpath, d)):
                        report.skipped.append(FileProblem(_shown(os.path.normpath(os.path.join(dirpath, d))),
                                                          "link to a folder (not followed)"))
                dirnames[:] = sorted(d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)))
                for name in sorted(filenames):
                    if name.startswith(".") or _ignored(ignores, os.path.join(dirpath, name)):
                        continue
                    yield from self._one(os.path.join(dirpath, name), root, report, blind)

    def _one(self, path: str | Path, root: Path, report: IngestReport, blind: list[str]) -> Iterator[SourceFile]:
        """The file at ``path`` (found under ``root``) if it is one to ingest; else why not.
        A file listed but not seen (permission denied) goes into ``blind``: it is not gone.

        Strings rather than Paths: building them was most of the walk, which runs
        before the first file is processed and is a large part of a re-ingest with
        nothing changed."""
        path = os.fspath(path)
        source = _shown(os.path.normpath(path))
        if extractor_for(path) is None:
            report.skipped.append(FileProblem(source, f"unsupported file type {suffix(path) or '(none)'}"))
            return
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            reason = "symlink loop" if exc.errno == errno.ELOOP else (exc.strerror or str(exc)).lower()
            report.failed.append(FileProblem(source, reason))
            if exc.errno != errno.ENOENT:  # deleted since it was listed: then it is gone
                blind.append(_shown(os.path.abspath(path)))
            return
        if not stat.S_ISREG(mode):
            report.skipped.append(FileProblem(source, "not a regular file"))
            return
        top = os.path.join(os.fspath(root), "")
        relpath = (os.path.normpath(path[len(top):]) if path.startswith(top) and len(path) > len(top)
                   else os.path.relpath(path, root))
        real = os.path.abspath(path)
        yield SourceFile(_shown(real), source, _shown(relpath), real)

    def _plan(self, files: list[SourceFile], manifest: dict[str, dict[str, Any]],
              report: IngestReport, failures: dict[str, dict[str, str]] | None = None,
              hash_new: bool = True) -> tuple[list[SourceFile], dict[str, str | None]]:
        """Hash every file; keep the new and changed ones, count the unchanged.

        A file whose very bytes failed before (``failures``) is reported with the same
        reason and not processed again: a 20 MB page that is refused need not be parsed
        on every ingest. Without ``hash_new``, a file neither indexed nor failed before
        is kept unhashed (digest None): ``_process_file`` hashes what it reads.
        """
        todo: list[SourceFile] = []
        digests: dict[str, str | None] = {}
        for f in files:
            if not hash_new and f.key not in manifest and f.key not in (failures or {}):
                digests[f.key] = None
                todo.append(f)
                continue
            try:
                digest = _hash_file(f.path)
            except OSError as exc:
                report.failed.append(FileProblem(f.source, _os_reason(exc)))
                continue
            except ExtractError as exc:
                report.failed.append(FileProblem(f.source, exc.message))
                continue
            old = manifest.get(f.key)
            if old is not None and old["hash"] == digest:
                report.unchanged += 1
                continue
            failed = (failures or {}).get(f.key)
            if failed is not None and failed.get("hash") == digest:
                problems = report.skipped if failed.get("skipped") else report.failed
                problems.append(FileProblem(f.source, str(failed.get("reason", "failed before"))))
                continue
            digests[f.key] = digest
            todo.append(f)
        return todo, digests

    def _process(self, todo: list[SourceFile], digests: dict[str, str], timings: Counter[str],
                 path: Path, progress: Progress | None, segments: list[Any]) -> Iterator[Processed]:
        """extract -> passages -> language -> analysis for every file, in ``todo``'s order.

        With many files, ``self.jobs`` workers each take a contiguous share and write its
        passages to a segment of their own (added to ``segments``); their files come back
        only once that segment is complete, so a worker that dies loses nothing that
        would be committed: its share goes through :meth:`_pipeline` instead.
        """
        jobs = [(f, digests[f.key]) for f in todo]
        if jobs:
            extract.load()  # once, before any worker forks
        seen: set[str] = set()

        def tick(file: SourceFile) -> None:
            if progress and file.key not in seen:
                seen.add(file.key)
                progress(len(seen), len(jobs), file.source)

        if self.jobs < 2 or len(jobs) < PARALLEL_MIN_FILES:
            yield from self._pipeline(jobs, timings, tick)
            return
        shares = _shares(jobs, self.jobs)
        for share, outcome in zip(shares, self._write_in_workers(shares, path, timings, tick)):
            if outcome.finished:
                if outcome.segment is not None:
                    segments.append(outcome.segment)
                for (file, _), (error, lasting, skipped, warnings, written, digest) in zip(
                        share, outcome.items, strict=True):
                    entry = _entry(file, digest, **dict(zip(_WRITTEN, written))) if written else None
                    yield Processed(file, digest, error=error, lasting=lasting, skipped=skipped,
                                    warnings=warnings, entry=entry)
            else:
                yield from self._pipeline(share, timings, tick, careful_from=len(outcome.items))

    def _write_in_workers(self, shares: list[list[tuple[SourceFile, str]]], path: Path,
                          timings: Counter[str], tick: Callable[[SourceFile], None]) -> list[_Outcome]:
        """Run :func:`_write_share` for each share in a process of its own, until each has
        finished or died. An exception in a worker (a full disk) stops the ingest."""
        initargs = self._worker_initargs()
        context = multiprocessing.get_context()
        outcomes = [_Outcome() for _ in shares]
        processes = []
        # A running worker's receiver -> its share, its outcome so far, and the pipe that
        # feeds it what the others learned.
        waiting: dict[Any, tuple[list[tuple[SourceFile, str]], _Outcome, Any]] = {}
        try:
            for share, outcome in zip(shares, outcomes):
                receiver, sender = context.Pipe(duplex=False)
                inbox, feed = context.Pipe(duplex=False)
                process = context.Process(target=_write_share,
                                          args=(sender, str(path), share, len(shares), initargs, inbox),
                                          name="smartclean-kb ingest worker", daemon=True)
                process.start()
                sender.close()
                inbox.close()
                processes.append(process)
                waiting[receiver] = (share, outcome, feed)
            while waiting:
                for receiver in multiprocessing.connection.wait(list(waiting)):
                    share, outcome, feed = waiting[receiver]
                    try:
                        message = receiver.recv()
                    except (EOFError, OSError):  # died: killed, or a crash in a parser's C code
                        del waiting[receiver]
                        receiver.close()
                        feed.close()
                        continue
                    if message[0] == "files":
                        for item, spent in message[1]:
                            tick(share[len(outcome.items)][0])
                            outcome.items.append(item)
                            timings.update(spent)
                        if message[2] is not None:
                            _pass_on(message[2], [other[2] for r, other in waiting.items() if r is not receiver])
                    elif message[0] == "done":
                        outcome.segment, outcome.finished = message[1], True
                        timings.update(message[2])
                        del waiting[receiver]
                        receiver.close()
                        feed.close()
                    else:
                        raise _worker_failure(message[1], message[2])
        finally:
            for receiver, (_, _, feed) in waiting.items():
                receiver.close()
                feed.close()
            for process in processes:
                if waiting and process.is_alive():
                    process.terminate()
                process.join()
        return outcomes

    def _pipeline(self, jobs: list[tuple[SourceFile, str]], timings: Counter[str],
                  tick: Callable[[SourceFile], None], careful_from: int | None = None) -> Iterator[Processed]:
        """extract -> ... -> analysis for this process's writer: in-process, or for the
        share of a worker that died (``careful_from`` = the file it had reached) in a
        worker that takes the files from there one at a time, so the one that kills it
        (the OOM killer, a crash in a parser's C code) is known and fails alone."""
        if careful_from is None:
            for job in jobs:
                item, spent = _process_file(job)
                timings.update(spent)
                tick(item.file)
                yield item
            return
        initargs = self._worker_initargs()
        careful_until = careful_from + CAREFUL_FILES
        done = 0
        while done < len(jobs):
            careful = careful_from <= done < careful_until
            end = careful_until if careful else careful_from if done < careful_from else len(jobs)
            try:
                with ProcessPoolExecutor(max_workers=1, initializer=_worker_init, initargs=initargs) as pool:
                    for item, spent in _in_order(pool, jobs[done:end], 1 if careful else 4, ahead=2):
                        timings.update(spent)
                        tick(item.file)
                        done += 1
                        yield item
            except BrokenProcessPool:
                if careful:
                    item = Processed(*jobs[done], error="the process extracting it died "
                                                        "(out of memory, or a crash in a parser)")
                    tick(item.file)
                    done += 1
                    yield item
                else:
                    careful_from, careful_until = done, done + CAREFUL_FILES

    def _worker_initargs(self) -> tuple[int, int | None, tuple[int, int] | None]:
        """What :func:`_worker_init` needs: this process and the lock file it holds."""
        lock = self.store.lock_fd
        return os.getpid(), lock, _file_id(lock) if lock is not None else None

    @staticmethod
    def _totals(report: IngestReport, manifest: dict[str, dict[str, Any]]) -> None:
        by_lang: Counter[str] = Counter()
        by_type: Counter[str] = Counter()
        for entry in manifest.values():
            by_type[entry["doc_type"]] += 1
            by_lang.update(entry["langs"])
        report.documents = len(manifest)
        report.passages = sum(e["passages"] for e in manifest.values())
        report.by_lang = dict(sorted(by_lang.items()))
        report.by_type = dict(sorted(by_type.items()))


def process_document(doc: Document, doc_id: str) -> tuple[list[Passage], Detection, tuple[str, ...]]:
    """passages -> language: split a document and give each passage its language."""
    passages = split_passages(doc, doc_id)
    doc_det, dets = detect_passages([p.text for p in passages], doc.text)
    if doc_det.lang == "und" and doc.declared_lang:
        doc_det = Detection(doc.declared_lang, 0.5)
        dets = [doc_det if d.lang == "und" else d for d in dets]
    passages = [replace(p, lang=d.lang, lang_probability=d.probability) for p, d in zip(passages, dets)]
    langs = tuple(document_languages(dets))
    return passages, doc_det, langs


@dataclass
class _Outcome:
    """What came back from one worker of :meth:`KnowledgeBase._write_in_workers`: for
    each file of its share so far, (error, lasting, skipped, warnings, what ``_entry`` needs
    beyond the file when it was written, digest); kept this small because a large ingest
    holds them all until the worker's segment is complete."""

    items: list[tuple[str | None, bool, bool, tuple[str, ...], tuple[Any, ...] | None, str | None]] = field(
        default_factory=list)
    segment: Any = None
    finished: bool = False


def _shares(jobs: list[tuple[SourceFile, str]], count: int) -> list[list[tuple[SourceFile, str]]]:
    """``jobs`` cut into ``count`` runs of consecutive files of about equal work (bytes,
    weighted by ``BYTE_COST``).

    Consecutive, so the documents keep their order and numbers across the segments, and
    fixed by the files alone, so the same files always give the same index.
    """
    sizes = [_size(file.path) * BYTE_COST.get(extract.format_of(file.path), 1.0) + SIZE_PER_FILE
             for file, _ in jobs]
    ends = list(itertools.accumulate(sizes))
    cuts = [0] + [bisect.bisect_left(ends, ends[-1] * k / count) + 1 for k in range(1, count)] + [len(jobs)]
    return [jobs[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _write_share(sender, path: str, jobs: list[tuple[SourceFile, str]], workers: int,
                 initargs: tuple[int, int | None, tuple[int, int] | None], inbox) -> None:
    """A worker's whole pipeline: extract -> ... -> index, into a segment of its own.

    Files go back in small batches as they are done (for progress), without their
    passages; then the segment, which the ingest adds to its commit. What the analysers
    learn goes to the other workers through the ingest, and theirs comes in on ``inbox``.
    """
    _worker_init(*initargs)
    try:
        learning = _Learning(inbox) if workers > 1 else None
        reports = _Reports(sender, learning)
        index = open_for_writing(Path(path), fresh=False)
        writer = index_writer(index, WRITER_POOL_MB // workers, lock=False)
        for job in jobs:
            if learning is not None:
                learning.take()
            item, spent = _process_file(job)
            written = None
            if item.error is None:
                t = time.perf_counter()
                entry = add_passages(writer, item)
                spent["index"] = time.perf_counter() - t
                written = tuple(entry[k] for k in _WRITTEN)
            reports.add((item.error, item.lasting, item.skipped, item.warnings, written, item.digest), spent)
        reports.send()
        t = time.perf_counter()
        segment = finish_segment(writer)
        sender.send(("done", segment, {"commit": time.perf_counter() - t}))
    except BaseException as exc:
        try:
            sender.send(("error", exc, traceback.format_exc()))
        except Exception:
            sender.send(("error", None, traceback.format_exc()))
    finally:
        sender.close()


class _Learning:
    """Word analyses and language scores shared between ingest workers.

    A first sighting of a word form costs about 90 µs (analysis and language scores),
    and each worker paid for every word of its share: on the 10k perf corpus both
    workers analysed 38,000 of the same forms. Each worker sends what it learned with
    its reports (``_Reports``) and takes in the others' between files. A word's terms
    and scores depend on the word alone, so the index is the same whoever analysed it.
    """

    def __init__(self, inbox) -> None:
        analysis.collect_learned()
        language.collect_learned()
        self.received: deque[bytes] = deque()
        # A thread keeps the inbox drained, so the ingest never waits on a busy worker.
        threading.Thread(target=self._read, args=(inbox,), name="learning-inbox", daemon=True).start()

    def _read(self, inbox) -> None:
        while True:
            try:
                self.received.append(inbox.recv_bytes())
            except (EOFError, OSError):
                return

    def take(self) -> None:
        while self.received:
            words, scores = pickle.loads(self.received.popleft())
            analysis.add_learned(words)
            language.add_learned(scores)

    def learned(self) -> bytes | None:
        """What this worker learned since the last call, packed for the others."""
        words, scores = analysis.take_learned(), language.take_learned()
        return pickle.dumps((words, scores), pickle.HIGHEST_PROTOCOL) if words or scores else None


class _Reports:
    """A worker's finished files, sent to the ingest in batches (``REPORT_FILES``,
    ``REPORT_SECONDS``): a message per file cost the ingest process 1.5-2 CPU-s at 10k
    passages, taken from the two workers on a two-core machine. A batch is small, so a
    worker that dies has reported nearly every file it finished, and the files retried
    one at a time after it start close to the one that killed it."""

    def __init__(self, sender, learning: _Learning | None) -> None:
        self.sender = sender
        self.learning = learning
        self.batch: list[tuple[tuple[Any, ...], dict[str, float]]] = []
        self.last = time.perf_counter()

    def add(self, item: tuple[Any, ...], spent: dict[str, float]) -> None:
        self.batch.append((item, spent))
        if len(self.batch) >= REPORT_FILES or time.perf_counter() - self.last >= REPORT_SECONDS:
            self.send()

    def send(self) -> None:
        learned = self.learning.learned() if self.learning is not None else None
        if self.batch or learned is not None:
            self.sender.send(("files", self.batch, learned))
        self.batch = []
        self.last = time.perf_counter()


def _pass_on(learned: bytes, feeds: list[Any]) -> None:
    """One worker's learned words to the others; one that has gone needs none."""
    for feed in feeds:
        try:
            feed.send_bytes(learned)
        except OSError:
            pass


def _worker_failure(exc: BaseException | None, trace: str) -> BaseException:
    """The exception a worker sent, to raise in the ingest: an OSError as it is (the
    ingest reports it as an index it cannot write), anything else with the worker's
    traceback, since that is a bug."""
    if isinstance(exc, OSError):
        return exc
    last = next((line.strip() for line in reversed(trace.splitlines()) if line.strip()), "no reason given")
    error = RuntimeError(f"an ingest worker failed: {last}")
    error.add_note(trace)  # shown with SMARTCLEAN_KB_DEBUG=1, never in the one-line report
    return error


def _page_label(doc: Document, page: int | None) -> str | None:
    """The page as printed, where the PDF labels its pages otherwise than by number."""
    return doc.page_labels[page - 1] if doc.page_labels and page and page <= len(doc.page_labels) else None


def add_passages(writer: SegmentWriter, item: Processed) -> dict[str, Any]:
    """Add a processed file's passages to ``writer``; return its manifest entry."""
    doc = item.document
    assert doc is not None
    doc_id = item.passages[0].doc_id
    translations = [list(t) for t in doc.translations]
    langs = Counter(p.lang for p in item.passages)
    main = max(langs, key=langs.__getitem__, default="")
    key = family(item.file.key, main) or None
    for p, fields in zip(item.passages, item.fields, strict=True):
        date = p.date if doc.block_dates else doc.date
        writer.add_document(
            passage_id=p.passage_id, doc_id=doc_id, ordinal=p.ordinal,
            source=item.file.source, relpath=item.file.relpath, title=doc.title,
            url=doc.url or None, doc_type=doc.doc_type, date=date,
            doc_date=doc.date if doc.block_dates else None,
            year=str(year_of(date) or "") or None, date_key=date_key(date),
            author=doc.author, publisher=doc.publisher or None,
            lang=p.lang, lang_prob=round(p.lang_probability, 4),
            doc_lang=item.doc_lang.lang if item.doc_lang else "und",
            doc_langs=list(item.doc_langs), page=p.page, page_label=_page_label(doc, p.page),
            heading=p.heading, text=p.text,
            anchor=p.anchor or None, section=f"{doc_id}#{p.anchor}" if p.anchor else None,
            link=p.link or None, family=[key, main] if key else None,
            family_first=key if p.ordinal == 0 else None,
            translations=translations, description=doc.description, pages=doc.pages,
            **fields,
        )
    return _entry(item.file, item.digest, doc_id, doc.doc_type, doc.title, len(item.passages), dict(langs))


#: The manifest entry's values that only the process writing the passages knows.
_WRITTEN = ("doc_id", "doc_type", "title", "passages", "langs")


def _entry(file: SourceFile, digest: str, doc_id: str, doc_type: str, title: str, passages: int,
           langs: dict[str, int]) -> dict[str, Any]:
    """A file's manifest entry."""
    return {"hash": digest, "doc_id": doc_id, "source": file.source, "relpath": file.relpath,
            "doc_type": doc_type, "title": title, "passages": passages, "langs": langs}


def _file_id(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


def _worker_init(parent: int, lock_fd: int | None, lock_id: tuple[int, int] | None) -> None:
    """Set up an extraction worker so that a killed ingest cannot leave the index locked.

    A forked worker inherits the parent's open lock file, and flock belongs to the open
    file, so a worker that outlived a SIGKILLed ingest would hold the index lock for
    ever (and sit idle for ever: the task queue never reaches end of file). Close the
    inherited descriptor (only if it is still that lock file: under spawn it is not
    inherited) and exit as soon as the parent is gone.
    """
    if lock_fd is not None:
        try:
            if _file_id(lock_fd) == lock_id:
                os.close(lock_fd)
        except OSError:
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _in_order(pool: ProcessPoolExecutor, jobs: list[tuple[SourceFile, str]], chunk: int,
              ahead: int) -> Iterator[tuple[Processed, dict[str, float]]]:
    """``_process_file`` over ``jobs`` in the pool, in order, at most ``ahead`` chunks queued.

    ``pool.map`` submits every file at once; when the writer is the slower side, the
    finished documents and their postings piled up in memory (1.6 GB on 100k passages).
    """
    chunks = (jobs[i:i + chunk] for i in range(0, len(jobs), chunk))
    pending = deque(pool.submit(_process_files, c) for c in itertools.islice(chunks, ahead))
    while pending:
        results = pending.popleft().result()
        following = next(chunks, None)
        if following is not None:
            pending.append(pool.submit(_process_files, following))
        yield from results


def _process_files(jobs: list[tuple[SourceFile, str]]) -> list[tuple[Processed, dict[str, float]]]:
    return [_process_file(job) for job in jobs]


def _process_file(job: tuple[SourceFile, str]) -> tuple[Processed, dict[str, float]]:
    """extract -> passages -> language -> analysis for one file; errors become a one-line reason."""
    file, digest = job
    spent: dict[str, float] = {}
    t = time.perf_counter()
    try:
        data = _read_file(file.path)
        if digest is None:
            digest = _digest(data)
        doc = extract_bytes(data, file.source)
    except ExtractError as exc:
        # A lasting failure is remembered by the file's hash (a file too large to read
        # was not hashed above).
        return Processed(file, digest or _hash_or_none(file.path), error=exc.message, lasting=True,
                         skipped=isinstance(exc, NotADocumentError)), spent
    except OSError as exc:
        return Processed(file, digest, error=_os_reason(exc)), spent
    except MemoryError:
        return Processed(file, digest, error="too large to process in memory"), spent
    except RecursionError:
        return Processed(file, digest, error="nested too deeply to parse", lasting=True), spent
    except Exception as exc:  # A parser's error no one foresaw fails this file, not the ingest.
        return Processed(file, digest or _hash_or_none(file.path), error=f"cannot be read ({_unforeseen(exc)})",
                         lasting=True), spent
    try:
        return _process_document(file, digest, doc, spent, t)
    except Exception as exc:  # A bug of ours on this file's text: reported with it, the others go on.
        return Processed(file, digest, error=f"cannot be processed ({_unforeseen(exc)})"), spent


def _unforeseen(exc: BaseException) -> str:
    """An unexpected error in one line: its type and the start of its message."""
    message = one_line(exc, 160)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _process_document(file: SourceFile, digest: str | None, doc: Document, spent: dict[str, float],
                      t: float) -> tuple[Processed, dict[str, float]]:
    """passages -> language -> analysis for one extracted document."""
    spent["extract"] = time.perf_counter() - t
    t = time.perf_counter()
    if sum(len(b.text) for b in doc.blocks) > config.MAX_DOCUMENT_CHARS:
        return Processed(file, digest, error=f"more than {config.MAX_DOCUMENT_CHARS:,} characters of text",
                         lasting=True), spent
    passages, doc_det, langs = process_document(doc, document_id(file.key))
    spent["passages+language"] = time.perf_counter() - t
    if not passages:
        return Processed(file, digest, error="no text to index", lasting=True), spent
    t = time.perf_counter()
    # A title that opens the passage's own text is its first line there, not context.
    fields = [analyse_fields(indexed_text(doc, p), p.lang, "" if _opens_with(p.text, doc.title) else doc.title)
              for p in passages]
    spent["analysis"] = time.perf_counter() - t
    return Processed(file, digest, doc, passages, doc_det, langs, fields, warnings=doc.warnings), spent


def _opens_with(text: str, title: str) -> bool:
    """Whether ``text`` starts with ``title`` as whole words (``Jäte`` does not open ``Jätehuolto``)."""
    after = text[len(title):len(title) + 1]
    return text.startswith(title) and not (after.isalnum() or after in ("_", ":"))


def indexed_text(doc: Document, passage: Passage) -> str:
    """What a passage is found by: its document's title, its heading and its text, a
    ``FIELD_BREAK`` apart (no phrase spans two of them)."""
    return analysis.FIELD_BREAK.join(x for x in (doc.title, passage.heading, passage.text) if x)


def _extraction_fingerprint() -> str:
    """What decides that a file's bytes fail: the extraction code and the size limits."""
    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).parent
    for path in sorted([here / "kb.py", here / "passages.py", *(here / "extract").glob("*.py")]):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(path.name.encode())
    digest.update(f"{config.MAX_FILE_BYTES}/{config.MAX_DOCUMENT_CHARS}".encode())
    return digest.hexdigest()


def _check_size(path: str) -> None:
    """Refuse a file over the size limit before reading any of it."""
    _refuse_over_limit(os.path.getsize(path))


def _refuse_over_limit(size: int) -> None:
    if size > config.MAX_FILE_BYTES:
        raise ExtractError(f"file is {size / 2**20:.0f} MB; the limit is {config.MAX_FILE_BYTES // 2**20} MB")


def _read_file(path: str) -> bytes:
    """The file's bytes, refused over the size limit. The read asks for the size the file
    has (and a byte more, to see one still growing): asking for the limit made Python
    allocate 64 MB for every file read, a third of the reading time of a corpus."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        _refuse_over_limit(size)
        data = handle.read(size + 1)
        if len(data) > size:
            data += handle.read(config.MAX_FILE_BYTES + 1 - len(data))
            _refuse_over_limit(len(data))
    return data


def _hash_file(path: str, check_size: bool = True) -> str:
    if check_size:
        _check_size(path)
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _digest(data: bytes) -> str:
    """``_hash_file`` of a file whose bytes are already read."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _hash_or_none(path: str) -> str | None:
    """The file's hash whatever its size; None when it cannot be read."""
    try:
        return _hash_file(path, check_size=False)
    except OSError:
        return None


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if isinstance(exc, PermissionError):
        return "permission denied (file is not readable)"
    return (exc.strerror or str(exc)).lower()


def _shown(name: str) -> str:
    """A file name as printable text: bytes that are not UTF-8 become \\xNN escapes.

    Python keeps such bytes (a Latin-1 name copied from an old Windows share) as lone
    surrogates, which cannot be written as UTF-8: not to the manifest, the index or
    the terminal. The escaped form is stable, so the file keeps its key across ingests.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def _under(key: str, root: str) -> bool:
    return key == root or key.startswith(root.rstrip(os.sep) + os.sep)


def _ignore_spec(folder: str) -> list[tuple[str, pathspec.GitIgnoreSpec]]:
    """A folder's .kbignore as (folder, patterns): .gitignore's rules (``*.tmp``,
    ``drafts/``, ``old/2014/*.pdf``, ``!keep.pdf``), paths taken from that folder; its
    subfolders inherit it. Name patterns alone could not leave out a folder."""
    try:
        lines = Path(folder, IGNORE_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [(folder, pathspec.GitIgnoreSpec.from_lines(lines))] if any(line.strip() for line in lines) else []


def _ignored(ignores: list[tuple[str, pathspec.GitIgnoreSpec]], path: str, folder: bool = False) -> bool:
    """As git decides: the last pattern that matches wins, a deeper .kbignore's after
    its parents' (``!keep.md`` below re-includes what ``*.md`` above left out)."""
    for base, spec in reversed(ignores):
        relative = os.path.relpath(path, base).replace(os.sep, "/")
        verdict = spec.check_file(relative + "/" if folder else relative).include
        if verdict is not None:
            return verdict
    return False
