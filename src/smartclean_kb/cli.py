"""The smartclean-kb command: parses options, calls KnowledgeBase, formats what it returns.

Exit codes: 0 success; 1 some files failed or a document was not found; 2 usage error or
a query that cannot be searched; 3 no index, an empty, incompatible or damaged one;
4 another ingest held the lock too long; 70 an internal error (a bug: please report it).
"""

from __future__ import annotations

import errno
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from . import cite, config
from .errors import KBError, QueryError
from .kb import KnowledgeBase
from .language import detect_language
from .models import Translation, with_marks
from .search import SORTS, year_span

EXIT_PARTIAL = 1
EXIT_INTERNAL = 70

index_option = click.option(
    # Not click's readable check: an unreadable index is the index's error (exit 3, a hint).
    "--index", "index", type=click.Path(file_okay=False, readable=False), default=None,
    help=f"Index folder (default: ${config.INDEX_ENV} or ./{config.DEFAULT_INDEX}).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(error: KBError) -> None:
    click.echo(f"Error: {error.message}" + (f" — {error.hint}" if error.hint else ""), err=True)
    sys.exit(error.exit_code)


class Group(click.Group):
    """Turns every foreseeable library error into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KBError as error:
            _fail(error)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `smartclean-kb search ... | head` closed the pipe: not an error.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as error:  # the output could not be written: `> /dev/full`, a full disk
            if error.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT):
                raise _internal(error) from None
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            click.echo(f"Error: cannot write the output: {error.strerror}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:
            raise _internal(error) from None


def _internal(error: Exception) -> BaseException:
    """A bug, not a user error: one line and exit 70 unless debugging."""
    if os.environ.get("SMARTCLEAN_KB_DEBUG"):
        return error
    click.echo(f"Internal error: {type(error).__name__}: {error} "
               "(set SMARTCLEAN_KB_DEBUG=1 for the traceback)", err=True)
    return SystemExit(EXIT_INTERNAL)


_EXIT_CODES = ("Exit codes: 0 success; 1 some files failed, a document not found or the server could "
               "not start; 2 usage error or a query that cannot be searched; 3 no index, an empty, "
               "incompatible or damaged one; 4 another ingest held the lock too long; 70 an internal "
               "error (a bug).")


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EXIT_CODES)
@click.version_option(package_name="smartclean-kb")
def cli() -> None:
    """Search the Smart & Clean archive: Finnish, Swedish and English passages, ranked."""


class _Progress:
    """A tqdm bar on a terminal; a line every few seconds when stderr is a file or pipe."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.last = 0.0

    def __call__(self, done: int, total: int, path: str) -> None:
        if self.quiet:
            return
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm
                self.bar = tqdm(total=total, unit="file", file=sys.stderr, desc="ingest")
            self.bar.update(1)
        elif time.monotonic() - self.last > 5 or done == total:
            self.last = time.monotonic()
            click.echo(f"ingest: {done}/{total} files ({_printable(path)})", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Start a new index instead of updating the old one.")
@click.option("--no-delete", is_flag=True, help="Keep documents whose files are gone.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=None,
              help=f"Seconds to wait for another ingest (default {config.DEFAULT_LOCK_TIMEOUT:g}, "
                   f"or ${config.LOCK_TIMEOUT_ENV}).")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes, each running the whole pipeline into an index segment "
                   "of its own (default: up to 2; 1 works in this process).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@json_option
def ingest(paths: tuple[str, ...], index: str | None, rebuild: bool, no_delete: bool,
           lock_timeout: float | None, jobs: int | None, quiet: bool, as_json: bool) -> None:
    """Add HTML, PDF, text, Markdown, Finlex statute and RSS/Atom files (and folders) to the index.

    Files whose content did not change are skipped; files gone from a folder are removed.
    """
    kb = KnowledgeBase(index, lock_timeout=lock_timeout, jobs=jobs)
    progress = _Progress(quiet or as_json)
    try:
        report = kb.ingest(list(paths), rebuild=rebuild, delete=not no_delete, progress=progress,
                           on_wait=lambda msg: click.echo(msg, err=True))
    finally:
        progress.close()
    if as_json:
        _echo_json({"index": str(kb.path), **report.to_dict()})
    else:
        _print_report(report, kb.path)
    if report.failed:
        sys.exit(EXIT_PARTIAL)


def _printable(path: object) -> str:
    """A file's path on one line: a newline or other control character in a file name
    is written as an escape, so a name cannot pass for another report line."""
    text = str(path)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _print_report(report, path: Path) -> None:
    changes = (f"{len(report.added)} added, {len(report.updated)} updated, "
               f"{len(report.removed)} removed, {len(report.moved)} moved, {report.unchanged} unchanged")
    click.echo(f"Indexed {report.documents} documents, {report.passages} passages in {path} "
               f"({report.seconds:.1f} s): {changes}.")
    if report.by_lang:
        click.echo("Passages by language: " + ", ".join(f"{k} {v}" for k, v in report.by_lang.items()))
    if report.by_type:
        click.echo("Documents by type: " + ", ".join(f"{k} {v}" for k, v in report.by_type.items()))
    for old, new in report.moved:
        click.echo(f"  moved: {_printable(old)} -> {_printable(new)}")
    for source in report.removed:
        click.echo(f"  removed: {_printable(source)}")
    for problem in report.warnings:
        click.echo(f"  warning: {_printable(problem.path)}: {problem.reason}")
    if report.skipped:
        click.echo(f"Skipped {len(report.skipped)} file(s):")
        for problem in report.skipped:
            click.echo(f"  skipped: {_printable(problem.path)}: {problem.reason}")
    if report.failed:
        click.echo(f"Failed {len(report.failed)} file(s):", err=True)
        for problem in report.failed:
            click.echo(f"  failed: {_printable(problem.path)}: {problem.reason}", err=True)


def _language_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Any language code a passage can have (``de`` too), not only fi/sv/en/und."""
    if value is None:
        return None
    code = config.language_code(value)
    if code is None:
        raise click.BadParameter(f"{value!r} is not a language code such as fi, sv, en or und",
                                 ctx=ctx, param=param)
    return code


def _years(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A year or a span (``2015``, ``2014-2016``, ``2017-``), checked before the index opens."""
    try:
        year_span(value)
    except QueryError as exc:
        raise click.BadParameter(f"{value!r} is not a year or a span of years such as 2015, "
                                 "2014-2016, 2017- or -2016", ctx=ctx, param=param) from exc
    return value


@cli.command()
@click.argument("query")
@index_option
@click.option("--lang", metavar="CODE", callback=_language_code,
              help="Only passages in this language: fi, sv, en, und, or another code `stats` lists.")
@click.option("--type", "doc_type", type=click.Choice(config.DOC_TYPES), help="Only this document type.")
@click.option("--year", metavar="YYYY[-YYYY]", callback=_years,
              help="Only documents from this year or span of years (2015, 2014-2016, 2017-, -2016).")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1, 10000), default=1, show_default=True, help="Page of hits.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="Best match first, or by the document's date.")
@click.option("--explain", is_flag=True, help="Show the analysed query per field.")
@json_option
def search(query: str, index: str | None, lang: str | None, doc_type: str | None, year: str | None,
           limit: int, page: int, sort: str, explain: bool, as_json: bool) -> None:
    """Ranked passages for QUERY: words, "phrases", AND/OR/NOT, prefix*."""
    with KnowledgeBase(index) as kb:
        results = kb.search(query, limit=limit, lang=lang, doc_type=doc_type, year=year,
                            page=page, sort=sort, explain=explain, facets=as_json)
    if as_json:
        _echo_json(results.to_dict())
        return
    if explain and results.explain:
        _print_explain(results.explain)
    tty = sys.stdout.isatty()
    q = results.query_lang
    click.echo(f"{results.total} passages for {results.query!r} "
               f"(query language {q.lang} {q.probability:.2f}, {results.seconds * 1000:.0f} ms)")
    if results.close_spellings:
        click.echo("No passage has the words as typed; showing the closest spellings: "
                   + ", ".join(results.close_spellings))
    if results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}")
    for hit in results:
        meta = " · ".join(x for x in (hit.doc_type, hit.date, hit.author) if x)
        click.echo("")
        marks = ("\x1b[1m", "\x1b[0m") if tty else ("**", "**")
        title = with_marks(hit.title_marked, "\x1b[4m", "\x1b[24m") if tty else with_marks(hit.title_marked, *marks)
        title = title or hit.title or hit.source
        click.echo(f"{hit.rank}. " + (click.style(title, bold=True) if tty else title))
        click.echo(f"   [{hit.lang} {hit.lang_probability:.2f}] {meta}  score {hit.score:.2f}")
        where = [hit.source]
        if hit.page:
            where.append(f"p. {hit.page_label or hit.page}")
        if hit.heading:
            where.append(with_marks(hit.heading_marked, *marks) if hit.heading_marked else hit.heading)
        click.echo("   " + " · ".join(where))
        if hit.url:
            click.echo(f"   {hit.url}")
        click.echo("   " + hit.highlight_with(*marks))
        for t in hit.translations:
            click.echo(f"   in {t['lang']}: {_translation(t)}")


def _translation(t: Translation) -> str:
    """``Avfallslag (646/2011) › 28 § ... (doc_id, passage_id)``, or a link outside the index."""
    if not t.doc_id:
        return f"{t.url} (not in the index)"
    where = f"{t.title or t.url}" + (f" › {t.section}" if t.passage_id else "")
    return f"{where} ({t.passage_id or t.doc_id})"


def _print_explain(explain: dict[str, Any]) -> None:
    q = explain["query_lang"]
    click.echo(f"Query: {explain['query']!r}  (detected {q['lang']} {q['probability']:.2f})")
    for name, terms in explain["terms"].items():
        boost = explain["boosts"].get(name, 1.0)
        click.echo(f"  {name} (x{boost:g}): {' '.join(terms)}")
    click.echo(f"  parsed: {explain['parsed']}")
    click.echo("")


@cli.command()
@click.argument("text", required=False)
@json_option
def detect(text: str | None, as_json: bool) -> None:
    """The language of TEXT (or of standard input with '-' or no argument)."""
    if text is None or text == "-":
        text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    result = detect_language(text)
    if as_json:
        _echo_json(result.to_dict())
    else:
        click.echo(f"{result.lang} {result.probability:.2f}")


@cli.command()
@index_option
@json_option
def stats(index: str | None, as_json: bool) -> None:
    """What the index holds and which analyser built it."""
    with KnowledgeBase(index) as kb:
        data = kb.stats()
    if as_json:
        _echo_json(data)
        return
    click.echo(f"Index:      {data['index']} ({data['generation']}, {data['bytes'] / 2**20:.1f} MB)")
    click.echo(f"Documents:  {data['documents']}  " + ", ".join(f"{k} {v}" for k, v in data["by_type"].items()))
    click.echo(f"Passages:   {data['passages']}  " + ", ".join(f"{k} {v}" for k, v in data["by_lang"].items()))
    click.echo(f"Analyser:   {data['analyser_backend']} (version {data['analyser_version']}, "
               f"schema {data['schema_version']})")
    click.echo(f"Built:      {data.get('created', '')}")


@cli.command()
@click.argument("doc_id")
@index_option
@click.option("--query", "-q", default=None, help="Mark the matches of this query.")
@json_option
def show(doc_id: str, index: str | None, query: str | None, as_json: bool) -> None:
    """A document's metadata and all its passages, with a citation."""
    with KnowledgeBase(index) as kb:
        doc = kb.get(doc_id, query=query)
        cited = kb.cited_passage(doc_id, query=query)
    if as_json:
        _echo_json(doc.to_dict(cited))
        return
    click.echo(doc.title or doc.source)
    click.echo(" · ".join(x for x in (doc.doc_type, doc.author, doc.date, doc.lang, doc.url) if x))
    for t in doc.translations:
        click.echo(f"  in {t['lang']}: {_translation(t)}")
    click.echo(f"Cite as: {doc.citation(at=cited)}")
    for p in doc.passages:
        where = " · ".join(x for x in (f"p. {p['page_label'] or p['page']}" if p["page"] else "", p["heading"]) if x)
        click.echo("")
        best = "  ← best match, cited" if query and p["passage_id"] == cited else ""
        click.echo(f"[{p['ordinal']}] [{p['lang']}] {where}{best}")
        click.echo(with_marks(p["marked"], "**", "**"))
        if p["url"] or p["entry_date"]:
            click.echo(" · ".join(x for x in (p["entry_date"], p["url"]) if x))
        for t in p["translations"]:
            click.echo(f"  in {t.lang}: {t.section} ({t.passage_id})")


@cli.command(name="cite")
@click.argument("doc_id")
@index_option
@click.option("--format", "style", type=click.Choice(cite.FORMATS), default="text", show_default=True,
              help="A line to paste, or a record for a reference manager (Zotero, EndNote; LaTeX).")
@click.option("--passage", "passage_id", default=None, help="Cite the page or section of this passage.")
@click.option("--query", "-q", default=None, help="Cite the page or section of the passage this finds first.")
def cite_command(doc_id: str, index: str | None, style: str, passage_id: str | None, query: str | None) -> None:
    """How to cite a document: text, RIS or BibTeX (with --passage or --query, its page or section)."""
    if passage_id and query:
        raise click.UsageError("give --passage or --query, not both")
    with KnowledgeBase(index) as kb:
        doc = kb.get(doc_id)
        passage_id = kb.cited_passage(doc_id, passage_id, query)
    click.echo(doc.citation(style=style, at=passage_id), nl=style == "text")


@cli.command(name="eval")
@click.option("--topics", type=click.Path(exists=True, dir_okay=False), required=True,
              help="Topics: qid<TAB>query per line.")
@click.option("--qrels", type=click.Path(exists=True, dir_okay=False), required=True,
              help="TREC qrels: qid 0 docid grade.")
@index_option
@click.option("--run", "run_path", type=click.Path(dir_okay=False), default=None,
              help="Also write a TREC run file here.")
@click.option("--depth", type=click.IntRange(10, 1000), default=100, show_default=True,
              help="Documents kept per query; Recall@100 is left out below 100.")
@json_option
def evaluate(topics: str, qrels: str, index: str | None, run_path: str | None, depth: int,
             as_json: bool) -> None:
    """nDCG@10, MRR@10, Recall@10 and Recall@100 of the index on judged queries."""
    from . import evaluation

    with KnowledgeBase(index) as kb:
        scores = evaluation.evaluate(kb, evaluation.read_topics(topics), evaluation.read_qrels(qrels),
                                     depth=depth, run_path=run_path)
    if as_json:
        _echo_json(scores)
        return
    for key, value in scores.items():
        click.echo(f"{key:<12} {value:.4f}" if isinstance(value, float) else f"{key:<12} {value}")


@cli.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: one the system picks, printed at start).")
@click.option("--get", "get_path", default=None,
              help="Answer one request for this path (e.g. '/api/search?q=...') and exit.")
def serve(index: str | None, host: str, port: int, get_path: str | None) -> None:
    """The search page and JSON API (http://127.0.0.1:8000/ by default)."""
    from .web import create_app

    app = create_app(index)
    if get_path is not None:
        response = app.test_client().get(get_path)
        sys.stdout.write(response.get_data(as_text=True))
        if not response.get_data(as_text=True).endswith("\n"):
            sys.stdout.write("\n")
        # The command line's exit codes: no index 3, a bad request 2, anything else 1.
        status = response.status_code
        sys.exit(0 if status < 400 else 3 if status == 503 else 2 if status == 400 else 1)
    from .web import server

    # Bound here, so that a port in use is one line and port 0 is printed as the real one
    # (werkzeug prints its own two lines and exits when it cannot bind).
    try:
        listening = server.listen(host, port)
    except OSError as exc:
        click.echo(f"Error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    running = server.make(app, host, listening)
    kb = app.extensions["smartclean_kb"]  # the app's own: another would hold its generation's files
    kb.warm()
    try:
        kb.stats()
    except KBError as error:  # the page says so too; started anyway, an ingest may follow
        click.echo(f"Warning: {error.message}" + (f" — {error.hint}" if error.hint else ""), err=True)
    if not server.is_local(host):
        click.echo(f"Warning: {host} is reachable from other machines; this built-in server is meant "
                   "for one machine or a trusted network (see README: serving beyond one machine)", err=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {config.index_path(index)} on http://{shown}:{running.port}/ (Ctrl-C stops)", err=True)
    server.serve(running)


def main() -> None:
    cli(prog_name="smartclean-kb")
