"""The benchmark's code path (corpus, every measured process, the table) still runs.

No timing is asserted here; ``bench/perf.py`` measures, these tests only keep it working.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _perf_module():
    spec = importlib.util.spec_from_file_location("perf_bench", REPO / "bench" / "perf.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["perf_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.shared
def test_benchmark_code_path_runs(shared_data, tmp_path):
    perf = _perf_module()
    corpus = tmp_path / "corpus"
    statutes = sorted((shared_data / "real-docs" / "finlex" / "fi").glob("*.xml"))[:2]
    for path in statutes:
        title, date, sections = perf.statute_sections(path)
        assert sections
        out = corpus / "statutes" / f"{path.stem}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(perf.statute_html("fi", title, date, sections[:6]), encoding="utf-8")
    for name in ("finlex-sv", "swequad"):
        for path in sorted((shared_data / "retrieval-dev" / name / "docs").glob("*.txt"))[:3]:
            (corpus / name).mkdir(parents=True, exist_ok=True)
            (corpus / name / path.name).write_bytes(path.read_bytes())
    queries = perf.load_queries()
    assert len(queries) >= 200 and len(set(queries)) > 190
    info = {"path": str(corpus), "files": 8, "bytes": sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()),
            "copies": 1, "estimated_passages": 0}
    row = perf.measure(10, info, tmp_path, queries[:4], log=lambda message: None)
    assert row["ours"]["ingest"]["passages"] == row["whoosh"]["ingest"]["passages"] > 0
    assert row["ours"]["reingest"]["changed"] == 0
    assert row["ours"]["query"]["n"] == 4 and row["fts5"]["query"]["plain"]["n"] == 4
    assert row["ours"]["ingest"]["peak_rss"] > 0
    assert "ingest speed ours/Whoosh" in perf.table([row])
    json.dumps(row)
