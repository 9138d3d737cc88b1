"""Shared fixtures: the small fixture site in tests/fixtures, an index built from it, ../shared."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smartclean_kb import KnowledgeBase

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (it sits beside the checkout in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_kb(tmp_path_factory) -> KnowledgeBase:
    """An index of tests/fixtures, built once (read-only for the tests that share it)."""
    root = tmp_path_factory.mktemp("fixture-site")
    docs = root / "docs"
    shutil.copytree(FIXTURES, docs, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    kb = KnowledgeBase(root / "index")
    report = kb.ingest([docs])
    assert not report.failed, report.failed
    kb.docs_root = docs  # type: ignore[attr-defined]
    return kb


@pytest.fixture
def fresh_kb(tmp_path) -> KnowledgeBase:
    return KnowledgeBase(tmp_path / "index")
