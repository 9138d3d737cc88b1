"""Data for the web tests: the small archive in tests/web_data plus a PDF made on the fly.

Used by test_web.py and test_browser.py (the shared conftest.py belongs to the library's
tests; the web tests keep their own fixtures here).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smartclean_kb import KnowledgeBase

WEB_DATA = Path(__file__).resolve().parent / "web_data"
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: A two-page report: text on page 2 lets the tests check page numbers and citations.
REPORT_PAGES = [
    ["Kiertotalouden tiekartta 2018", "Raportti", "Tekijä: Liisa Laine"],
    ["1 Lähtökohdat",
     "Pääkaupunkiseudun kiertotalouden tiekartta kokoaa kuntien tavoitteet jätteiden",
     "kierrätyksen lisäämiseksi. Kierrätysasteen nostaminen edellyttää biojätteen",
     "erilliskeräyksen laajentamista ja muovipakkausten keräystä kaikissa taloyhtiöissä.",
     "Tiekartta ehdottaa myös korjauspalvelujen ja lainaamojen tukemista."],
]


def make_report_pdf(path: Path) -> Path:
    """Write a small Finnish PDF report (reportlab is a test-only dependency)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setTitle("Kiertotalouden tiekartta 2018")
    pdf.setAuthor("Liisa Laine")
    for number, lines in enumerate(REPORT_PAGES, start=1):
        y = 780
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 18
        pdf.drawString(290, 40, str(number))
        pdf.showPage()
    pdf.save()
    return path


def copy_web_data(target: Path, *, pdf: bool = True) -> Path:
    """A private copy of tests/web_data (and the generated PDF) under ``target``."""
    shutil.copytree(WEB_DATA, target)
    if pdf:
        try:
            make_report_pdf(target / "kiertotalouden-tiekartta.pdf")
        except ImportError:  # reportlab missing: the PDF-specific assertions skip.
            pass
    return target


def build_index(root: Path, *, pdf: bool = True) -> tuple[Path, Path]:
    """Ingest a copy of the web data into ``root/index``; returns (index, docs)."""
    docs = copy_web_data(root / "docs", pdf=pdf)
    index = root / "index"
    report = KnowledgeBase(index).ingest([docs])
    assert not report.failed, report.failed
    return index, docs


def corpus_pages() -> Path | None:
    """The sample archive, when someone has written it (used only for the screenshot)."""
    pages = REPO / "corpus" / "pages"
    return pages if pages.is_dir() and any(pages.glob("*.html")) else None


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    """The web test index, built once per session and shared by test_web and test_browser."""
    index, _docs = build_index(tmp_path_factory.mktemp("web"))
    return index
