"""The command line through click's CliRunner: output, --json, exit codes, error paths."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from smartclean_kb.cli import cli


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def index(tmp_path_factory, fixtures_dir) -> str:
    path = tmp_path_factory.mktemp("cli") / "index"
    result = CliRunner().invoke(cli, ["ingest", str(fixtures_dir), "--index", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    return str(path)


def test_ingest_summary_counts_and_skips(runner, tmp_path, fixtures_dir):
    result = runner.invoke(cli, ["ingest", str(fixtures_dir), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "Indexed 5 documents" in result.output
    assert "Passages by language:" in result.output and "fi " in result.output
    assert "Documents by type: blog 1, page 2, report 1, text 1" in result.output
    assert "skipped:" in result.output and "make_report_pdf.py: unsupported file type .py" in result.output


def test_ingest_json_and_partial_failure_exit_code(runner, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.txt").write_text("Kiertotalous ja jätehuolto Lahdessa.", encoding="utf-8")
    (folder / "bad.pdf").write_bytes(b"%PDF-1.7 not really")
    result = runner.invoke(cli, ["ingest", str(folder), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["documents"] == 1
    assert data["failed"][0]["path"].endswith("bad.pdf")
    assert "not a readable PDF" in data["failed"][0]["reason"]


def test_search_text_output_marks_matches(runner, index):
    result = runner.invoke(cli, ["search", "jätehuolto", "--index", index])
    assert result.exit_code == 0, result.output
    assert "1. Kierrätyskeskus Vantaalla" in result.output
    assert "**jätehuollon**" in result.output
    assert "[fi " in result.output


def test_search_json_has_every_citation_field(runner, index):
    result = runner.invoke(cli, ["search", "kaupunkipyörien", "--index", index, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    hit = data["hits"][0]
    for key in ("rank", "score", "title", "source", "url", "doc_type", "date", "lang",
                "lang_probability", "page", "heading", "snippet", "highlight", "author"):
        assert key in hit
    assert hit["page"] == 3 and hit["doc_type"] == "report"
    assert data["query_lang"]["lang"] == "fi"


def test_search_filters_and_explain(runner, index):
    result = runner.invoke(cli, ["search", "Vantaa OR Vanda", "--index", index, "--lang", "sv", "--json"])
    assert {h["lang"] for h in json.loads(result.stdout)["hits"]} == {"sv"}
    explained = runner.invoke(cli, ["search", "jätehuollon", "--index", index, "--explain"])
    assert "text_fi" in explained.output and "jätehuolto" in explained.output


def test_search_sorted_by_date(runner, index):
    result = runner.invoke(cli, ["search", "Vantaa OR kierrätys OR koulun", "--index", index, "--limit", "100",
                                 "--sort", "oldest", "--json"])
    assert result.exit_code == 0, result.output
    dates = [h["date"] for h in json.loads(result.stdout)["hits"] if h["date"]]
    assert len(set(dates)) >= 2 and dates == sorted(dates)
    assert runner.invoke(cli, ["search", "Vantaa", "--index", index, "--sort", "date"]).exit_code == 2


def test_search_by_a_span_of_years(runner, index):
    every = json.loads(runner.invoke(cli, ["search", "Vantaa OR kierrätys OR koulun", "--index", index,
                                           "--limit", "100", "--json"]).stdout)["hits"]
    years = sorted({h["year"] for h in every if h["year"]})
    assert len(years) >= 2
    result = runner.invoke(cli, ["search", "Vantaa OR kierrätys OR koulun", "--index", index, "--limit", "100",
                                 "--year", f"{years[1]}-", "--json"])
    assert result.exit_code == 0, result.output
    assert {h["passage_id"] for h in json.loads(result.stdout)["hits"]} == {
        h["passage_id"] for h in every if h["year"] and h["year"] >= years[1]}
    bad = runner.invoke(cli, ["search", "Vantaa", "--index", index, "--year", "2014-16"])
    assert bad.exit_code == 2
    assert "'2014-16' is not a year or a span of years such as 2015, 2014-2016" in bad.output


def test_missing_index_is_one_line_with_hint(runner, tmp_path):
    result = runner.invoke(cli, ["search", "jätehuolto", "--index", str(tmp_path / "none")])
    assert result.exit_code == 3
    assert result.stderr.count("\n") == 1
    assert "smartclean-kb ingest" in result.stderr
    assert "Traceback" not in result.output


def test_bad_query_and_usage_errors(runner, index):
    long = runner.invoke(cli, ["search", "a" * 2000, "--index", index])
    assert long.exit_code == 2 and "limit is 1000" in long.stderr
    usage = runner.invoke(cli, ["search", "x", "--index", index, "--lang", "klingon"])
    assert usage.exit_code == 2 and "not a language code" in usage.stderr
    # Any language a passage can have is a filter, not only fi/sv/en/und.
    other = runner.invoke(cli, ["search", "x", "--index", index, "--lang", "DE", "--json"])
    assert other.exit_code == 0 and json.loads(other.stdout)["total"] == 0


def test_index_from_environment_variable(runner, index, monkeypatch):
    monkeypatch.setenv("SMARTCLEAN_KB_INDEX", index)
    assert runner.invoke(cli, ["search", "avfall"]).exit_code == 0


def test_detect_prints_language(runner):
    result = runner.invoke(cli, ["detect", "--json", "Huvudstadsregionen ska bli ett skyltfönster"])
    assert json.loads(result.stdout)["lang"] == "sv"
    piped = runner.invoke(cli, ["detect", "-"], input="Pääkaupunkiseudun jätehuolto uudistuu.")
    assert piped.stdout.startswith("fi ")


def test_stats_and_show(runner, index):
    stats = json.loads(runner.invoke(cli, ["stats", "--index", index, "--json"]).stdout)
    assert stats["documents"] == 5 and stats["analyser_backend"]
    search = json.loads(runner.invoke(cli, ["search", "avfall", "--index", index, "--json"]).stdout)
    doc_id = search["hits"][0]["doc_id"]
    shown = runner.invoke(cli, ["show", doc_id, "--index", index, "--query", "avfall"])
    assert shown.exit_code == 0 and "in fi:" in shown.output
    assert runner.invoke(cli, ["show", "nope", "--index", index]).exit_code == 1


def test_every_command_has_help():
    for name, command in cli.commands.items():
        assert command.help, name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_python_dash_m_works():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "smartclean_kb", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "ingest" in result.stdout


#: The data flow, extract -> passages -> language -> analysis -> index -> search -> (cli |
#: web), as ranks: a module imports only from its own step or earlier ones.
_STEP = {"errors": 0, "models": 0, "config": 0, "extract": 1, "passages": 2, "language": 3, "analysis": 4,
         "index": 5, "scoring": 6, "translations": 6, "search": 7, "cite": 7, "kb": 8, "evaluation": 9,
         "cli": 10, "web": 10, "__init__": 11, "__main__": 11}


def _imports(path):
    """(module imported, line) for every import in a file, not those only for type checkers."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", "") == "TYPE_CHECKING" for node in ast.walk(block)}
    package = path.relative_to(SRC).parent.parts if path.name != "__init__.py" else path.relative_to(SRC).parts[:-1]
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                names = [node.module] if node.module else [alias.name for alias in node.names]
                yield from ((".".join(base + name.split(".")), node.lineno) for name in names)
            else:
                yield node.module, node.lineno


SRC = Path(__file__).resolve().parents[1] / "src"


def test_each_module_imports_only_earlier_steps_and_only_the_shells_import_their_frameworks():
    """The CLI and the web app are thin shells over the library: click and flask stay in
    them, and no step reaches forward into a later one (review: the old check looked only
    for an attribute ``click`` on one module)."""
    problems = []
    for path in sorted((SRC / "smartclean_kb").rglob("*.py")):
        parts = path.relative_to(SRC / "smartclean_kb").with_suffix("").parts
        step = parts[0]
        for name, line in _imports(path):
            where = f"{path.relative_to(SRC)}:{line} imports {name}"
            top = name.split(".")[0]
            if top == "click" and step not in ("cli", "__main__"):
                problems.append(where)
            if top in ("flask", "jinja2", "werkzeug", "markupsafe") and step not in ("web", "cli"):
                problems.append(where)
            if top == "smartclean_kb" and len(name.split(".")) > 1:
                target = name.split(".")[1]
                if target in _STEP and _STEP[target] > _STEP[step]:
                    problems.append(where + " (a later step)")
    assert not problems, problems


def test_a_search_from_the_command_line_loads_no_extractor(index):
    """BeautifulSoup and pypdf were half of a command-line search's start-up: only an
    ingest loads them."""
    import subprocess
    import sys

    code = (
        "import sys; from smartclean_kb.cli import cli\n"
        "try:\n"
        f"    cli(['search', '--index', {index!r}, 'jätehuolto', '--json'])\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "print(sorted(m for m in ('bs4', 'pypdf', 'lxml') if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hits"]
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_search_json_has_the_api_fields_facets_and_pages_included(runner, index):
    """README says search --json has the API's fields; its facets were always {}."""
    data = json.loads(runner.invoke(cli, ["search", "Vantaa OR Vanda", "--index", index, "--json",
                                          "--limit", "1"]).stdout)
    assert sum(data["facets"]["lang"].values()) == data["total"] > 1
    assert data["pages"] == data["total"]


def test_a_negative_lock_timeout_is_a_usage_error(runner, tmp_path, fixtures_dir):
    result = runner.invoke(cli, ["ingest", str(fixtures_dir), "--index", str(tmp_path / "ix"), "--lock-timeout", "-5"])
    assert result.exit_code == 2 and "--lock-timeout" in result.stderr


def test_a_file_name_with_a_newline_stays_on_its_report_line(runner, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "evil\nfailed: fake.html: all good.html").write_bytes(b"\x00\x01binary" * 50)
    result = runner.invoke(cli, ["ingest", str(folder), "--index", str(tmp_path / "ix")])
    lines = result.stderr.splitlines()
    assert not [line for line in lines if line.lstrip().startswith("failed: fake.html")]
    assert [line for line in lines if line.lstrip().startswith("failed:")][0].endswith(
        "evil\\nfailed: fake.html: all good.html: binary content, not a text file")


def test_help_names_the_exit_codes_and_cite_takes_one_way_to_choose_a_passage(runner, index):
    assert "Exit codes: 0 success" in runner.invoke(cli, ["--help"]).output
    both = runner.invoke(cli, ["cite", "x", "--index", index, "--passage", "x-0001", "--query", "jäte"])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_show_with_a_query_points_at_the_passage_it_cites_and_json_names_the_publisher(runner, index):
    hit = json.loads(runner.invoke(cli, ["search", "päästöt", "--index", index, "--type", "report", "--json"]).stdout)["hits"][0]
    shown = runner.invoke(cli, ["show", hit["doc_id"], "--index", index, "-q", "päästöt"]).output
    assert shown.count("← best match, cited") == 1
    data = json.loads(runner.invoke(cli, ["show", hit["doc_id"], "--index", index, "--json"]).stdout)
    assert data["publisher"] == "Smart & Clean"  # as cited: the archive's own report


def test_detect_calls_binary_input_undetermined(runner):
    """Random bytes were 'ko 1.00' and a program binary 'en 1.00' (review)."""
    import random

    junk = bytes(random.Random(3).randrange(256) for _ in range(3000))
    result = runner.invoke(cli, ["detect", "-", "--json"], input=junk)
    assert json.loads(result.stdout) == {"lang": "und", "probability": 0.0}
    with open(sys.executable, "rb") as program:
        binary = program.read(4000)
    assert json.loads(runner.invoke(cli, ["detect", "-", "--json"], input=binary).stdout)["lang"] == "und"
    text = runner.invoke(cli, ["detect", "-"], input="Jätehuolto on tärkeää kaikille kaupungeille.".encode())
    assert text.output.startswith("fi ")


def test_a_lock_timeout_in_the_environment_that_is_no_number_is_a_usage_error(runner, index, tmp_path):
    """``SMARTCLEAN_KB_LOCK_TIMEOUT=abc`` was an internal error (exit 70) in every command (review)."""
    for value in ("abc", "-3", "inf"):
        result = runner.invoke(cli, ["ingest", str(tmp_path), "--index", str(tmp_path / "ix")],
                               env={"SMARTCLEAN_KB_LOCK_TIMEOUT": value})
        assert result.exit_code == 2 and "SMARTCLEAN_KB_LOCK_TIMEOUT" in result.output, value
    result = runner.invoke(cli, ["search", "jätehuolto", "--index", index], env={"SMARTCLEAN_KB_LOCK_TIMEOUT": "abc"})
    assert result.exit_code == 0, result.output



@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_one_line_not_an_internal_error(index):
    """``search ... > /dev/full`` reported an internal error (exit 70; ops review)."""
    import subprocess

    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "smartclean_kb", "search", "--index", str(index), "jätehuolto"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: cannot write the output: No space left on device"
