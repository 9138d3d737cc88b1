#!/usr/bin/env python3
"""Render the sample reports in tools/reports/*.md to PDF files in corpus/reports/.

Development-only tool: it needs reportlab (``pip install reportlab``), which the
package in src/ never imports.  The output is deterministic: the same source
gives the same bytes (reportlab's invariant mode, fixed dates in the info
dictionary, no timestamps or random IDs).

Source format (one file per report)::

    ---
    file: example-report.pdf          # output name in corpus/reports/
    title: Report title
    subtitle: Optional subtitle
    short_title: Running header text
    author: Person One; Person Two     # shown on the title page
    organisation: Smart & Clean Foundation
    date: 2018-05-22                   # ISO date; shown localised on the title page
    place: Helsinki
    lang: fi                           # fi, sv or en (labels, date format, /Lang)
    keywords: comma, separated
    metadata_in_info: true             # false: empty Title/Author, no Subject/dates
    two_column_sections: [3]           # top-level sections set in two columns
    chapter_breaks: true               # every top-level heading starts a new page
    langs: fi, en                      # languages present (INDEX.tsv), default = lang
    summary: One line for INDEX.tsv
    fact: Description | exact phrase   # repeatable; its page goes to INDEX.tsv
    ---

    # Tiivistelmä                      unnumbered top-level heading (in the TOC)
    # 1 Johdanto                       numbered headings are written out in full
    ## 1.1 Tausta
    ### 1.1.1 Lower level              (not in the TOC)

    A paragraph: consecutive lines are joined; blank lines separate paragraphs.
    Inline **bold** and *italic* are supported.

    - a bullet item

    Table: Taulukko 1. Caption line placed above the table
    | City | 2016 | 2017 |
    |------|-----:|-----:|
    | Helsinki | 1 200 | 1 150 |

    \\newpage                          forces a page break

Usage::

    python tools/build_reports.py              # build every report
    python tools/build_reports.py --check      # build, then verify with pypdf
    python tools/build_reports.py NAME.md ...  # build only the given sources

A full build also rewrites tools/reports/INDEX.tsv (one row per report, with the
page on which each ``fact`` phrase is found), so the index always matches the PDFs.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import html
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFName, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

rl_config.invariant = 1

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "tools" / "reports"
INDEX_FILE = SOURCE_DIR / "INDEX.tsv"
OUTPUT_DIR = ROOT / "corpus" / "reports"

PAGE_W, PAGE_H = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 22 * mm
COLUMN_GAP = 8 * mm

LABELS = {
    "fi": {"contents": "Sisällys", "page": "Sivu"},
    "sv": {"contents": "Innehåll", "page": "Sida"},
    "en": {"contents": "Contents", "page": "Page"},
}
MONTHS = {
    "fi": ["tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta",
           "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"],
    "sv": ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}
PDF_LANG = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}


# --------------------------------------------------------------------------- parsing

@dataclass
class Block:
    kind: str  # heading, para, bullets, table, newpage
    level: int = 0
    text: str = ""
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    align: list[str] = field(default_factory=list)
    caption: str = ""


@dataclass
class Report:
    source: Path
    meta: dict
    blocks: list[Block]

    @property
    def lang(self) -> str:
        return self.meta.get("lang", "en")


def _parse_value(raw: str):
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1].strip()
        return [v.strip().strip("'\"") for v in inner.split(",") if v.strip()] if inner else []
    if raw.lower() in ("true", "yes"):
        return True
    if raw.lower() in ("false", "no"):
        return False
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


def parse_source(path: Path) -> Report:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError(f"{path}: missing front matter")
    meta: dict = {}
    i = 1
    while i < len(lines) and lines[i].strip() != "---":
        line = lines[i]
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "fact":  # repeatable: "description | exact phrase on one page"
                desc, _, phrase = value.partition("|")
                meta.setdefault("facts", []).append((desc.strip(), phrase.strip()))
            else:
                meta[key] = _parse_value(value)
        i += 1
    body = lines[i + 1:]
    for key in ("file", "title", "date", "lang"):
        if key not in meta:
            raise ValueError(f"{path}: front matter lacks {key!r}")
    return Report(path, meta, parse_body(body))


def _split_row(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def parse_body(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    caption = ""

    def flush() -> None:
        if para:
            blocks.append(Block("para", text=" ".join(s.strip() for s in para)))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        if stripped in ("\\newpage", "<pagebreak>"):
            flush()
            blocks.append(Block("newpage"))
            i += 1
            continue
        m = re.match(r"^(#{1,3})\s+(.*)$", stripped)
        if m:
            flush()
            blocks.append(Block("heading", level=len(m.group(1)), text=m.group(2).strip()))
            i += 1
            continue
        if stripped.startswith("Table:"):
            flush()
            caption = stripped[len("Table:"):].strip()
            i += 1
            continue
        if stripped.startswith("|"):
            flush()
            rows: list[list[str]] = []
            align: list[str] = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                cells = _split_row(lines[i])
                if all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                    align = ["right" if c.endswith(":") and not c.startswith(":") else
                             "center" if c.startswith(":") and c.endswith(":") else "left"
                             for c in cells]
                else:
                    rows.append(cells)
                i += 1
            blocks.append(Block("table", rows=rows, align=align, caption=caption))
            caption = ""
            continue
        if re.match(r"^[-*]\s+", stripped):
            flush()
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                s = lines[i].strip()
                if re.match(r"^[-*]\s+", s):
                    items.append(re.sub(r"^[-*]\s+", "", s))
                else:  # continuation line of the previous item
                    items[-1] += " " + s
                i += 1
            blocks.append(Block("bullets", items=items))
            continue
        para.append(line)
        i += 1
    flush()
    return blocks


def inline(text: str) -> str:
    """Escape for reportlab's paragraph markup, then apply **bold** and *italic*."""
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", out)
    return out


# --------------------------------------------------------------------------- styles

BASE = "Helvetica"  # standard font, WinAnsi encoding: å, ä, ö, é, –, € all included
STYLES = {
    "body": ParagraphStyle("body", fontName=BASE, fontSize=10, leading=14.2,
                           spaceAfter=6, alignment=TA_LEFT),
    "bullet": ParagraphStyle("bullet", fontName=BASE, fontSize=10, leading=14, spaceAfter=2),
    "h1": ParagraphStyle("h1", fontName=BASE + "-Bold", fontSize=16, leading=20,
                         spaceBefore=4, spaceAfter=10, keepWithNext=1,
                         textColor=colors.HexColor("#1b4f72")),
    "h2": ParagraphStyle("h2", fontName=BASE + "-Bold", fontSize=12.5, leading=16,
                         spaceBefore=10, spaceAfter=5, keepWithNext=1,
                         textColor=colors.HexColor("#1b4f72")),
    "h3": ParagraphStyle("h3", fontName=BASE + "-BoldOblique", fontSize=10.5, leading=14,
                         spaceBefore=6, spaceAfter=3, keepWithNext=1),
    "caption": ParagraphStyle("caption", fontName=BASE + "-Bold", fontSize=9, leading=12,
                              spaceBefore=6, spaceAfter=4, keepWithNext=1),
    "cell": ParagraphStyle("cell", fontName=BASE, fontSize=8.5, leading=10.5),
    "cell_r": ParagraphStyle("cell_r", fontName=BASE, fontSize=8.5, leading=10.5,
                             alignment=TA_RIGHT),
    "cell_c": ParagraphStyle("cell_c", fontName=BASE, fontSize=8.5, leading=10.5,
                             alignment=TA_CENTER),
    "cell_h": ParagraphStyle("cell_h", fontName=BASE + "-Bold", fontSize=8.5, leading=10.5),
    "toc_title": ParagraphStyle("toc_title", fontName=BASE + "-Bold", fontSize=16,
                                leading=20, spaceAfter=14,
                                textColor=colors.HexColor("#1b4f72")),
    "title": ParagraphStyle("title", fontName=BASE + "-Bold", fontSize=24, leading=30,
                            spaceAfter=12, textColor=colors.HexColor("#1b4f72")),
    "subtitle": ParagraphStyle("subtitle", fontName=BASE, fontSize=14, leading=19,
                               spaceAfter=30, textColor=colors.HexColor("#34495e")),
    "tp_author": ParagraphStyle("tp_author", fontName=BASE + "-Bold", fontSize=11.5,
                                leading=16, spaceAfter=4),
    "tp_line": ParagraphStyle("tp_line", fontName=BASE, fontSize=11, leading=15,
                              spaceAfter=4),
    "tp_note": ParagraphStyle("tp_note", fontName=BASE + "-Oblique", fontSize=8.5,
                              leading=11, textColor=colors.HexColor("#555555")),
}
TOC_LEVELS = [
    ParagraphStyle("toc1", fontName=BASE + "-Bold", fontSize=10.5, leading=15,
                   leftIndent=0, firstLineIndent=0, spaceBefore=4),
    ParagraphStyle("toc2", fontName=BASE, fontSize=10, leading=13.5,
                   leftIndent=14, firstLineIndent=0),
]


class Heading(Paragraph):
    """A paragraph that reports itself to the table of contents and the outline."""

    def __init__(self, text: str, style: ParagraphStyle, level: int, key: str):
        super().__init__(inline(text), style)
        self.toc_text = text
        self.toc_level = level
        self.toc_key = key


class TocLine(Flowable):
    """One table-of-contents line: text, dot leaders and page number in a single text
    object, so that text extraction gives ``1.2 Tausta . . . 5`` on one line."""

    def __init__(self, level: int, text: str, page: int, key: str):
        super().__init__()
        self.level, self.text, self.page, self.key = level, text, page, key
        self.font = BASE + "-Bold" if level == 1 else BASE
        self.size = 10.5 if level == 1 else 10
        self.indent = 0 if level == 1 else 14
        self.spaceBefore = 5 if level == 1 else 0

    def wrap(self, avail_w, avail_h):
        self.width = avail_w
        return avail_w, (16 if self.level == 1 else 14)

    def draw(self):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        canv = self.canv
        num = str(self.page)
        y = 4
        text_w = stringWidth(self.text, self.font, self.size)
        num_w = stringWidth(num, self.font, self.size)
        dot_w = stringWidth(" .", BASE, self.size)
        start = self.indent + text_w + 6
        end = self.width - num_w - 6
        n_dots = max(0, int((end - start) / dot_w))
        t = canv.beginText(self.indent, y)
        t.setFont(self.font, self.size)
        t.textOut(self.text)
        t.setFont(BASE, self.size)
        t.setTextOrigin(end - n_dots * dot_w, y)
        t.textOut(" ." * n_dots + " ")
        t.setFont(self.font, self.size)
        t.setTextOrigin(self.width - num_w, y)
        t.textOut(num)
        canv.drawText(t)
        canv.linkRect("", self.key, (0, 0, self.width, 14), relative=1, thickness=0)


# --------------------------------------------------------------------------- info dict

class ReportInfo(PDFInfo):
    """PDF info dictionary with a fixed date (the report's) or without metadata at all."""

    def __init__(self, date_str: str | None, with_metadata: bool, creator: str):
        super().__init__()
        self._date_str = date_str
        self._with_metadata = with_metadata
        self._creator = creator

    def format(self, document):
        d = {}
        if self._with_metadata:
            d["Title"] = PDFString(self.title)
            d["Author"] = PDFString(self.author)
            d["Subject"] = PDFString(self.subject)
            if self.keywords:
                d["Keywords"] = PDFString(self.keywords)
            d["CreationDate"] = PDFString(self._date_str)
            d["ModDate"] = PDFString(self._date_str)
        else:
            d["Title"] = PDFString("")
            d["Author"] = PDFString("")
        d["Creator"] = PDFString(self._creator)
        d["Producer"] = PDFString(self.producer)
        d["Trapped"] = PDFName(self.trapped)
        return PDFDictionary(d).format(document)


def canvas_factory(report: Report):
    with_meta = bool(report.meta.get("metadata_in_info", True))
    date = _dt.date.fromisoformat(str(report.meta["date"]))
    date_str = f"D:{date:%Y%m%d}120000+02'00'"

    def make(*args, **kwargs):
        canv = Canvas(*args, **kwargs)
        info = ReportInfo(date_str, with_meta, "smartclean-kb tools/build_reports.py")
        canv._doc.info = info
        return canv

    return make


# --------------------------------------------------------------------------- document

class ReportDoc(BaseDocTemplate):
    def __init__(self, filename, report: Report, **kw):
        self.report = report
        self.toc_entries: list[tuple[int, str, int, str]] = []
        super().__init__(filename, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
                         invariant=1, pageCompression=1, lang=PDF_LANG[report.lang], **kw)
        fw = PAGE_W - 2 * MARGIN_X
        fh = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
        col_w = (fw - COLUMN_GAP) / 2
        title_frame = Frame(MARGIN_X, MARGIN_BOTTOM, fw, fh, id="title")
        one = Frame(MARGIN_X, MARGIN_BOTTOM, fw, fh, id="body")
        left = Frame(MARGIN_X, MARGIN_BOTTOM, col_w, fh, id="left")
        right = Frame(MARGIN_X + col_w + COLUMN_GAP, MARGIN_BOTTOM, col_w, fh, id="right")
        self.addPageTemplates([
            PageTemplate(id="title", frames=[title_frame], onPage=self._title_page),
            PageTemplate(id="body", frames=[one], onPage=self._header,
                         onPageEnd=self._footer),
            PageTemplate(id="twocol", frames=[left, right], onPage=self._header,
                         onPageEnd=self._footer),
        ])

    def _title_page(self, canv, doc):
        canv.saveState()
        canv.setFillColor(colors.HexColor("#1b4f72"))
        canv.rect(0, PAGE_H - 14 * mm, PAGE_W, 14 * mm, stroke=0, fill=1)
        canv.setFillColor(colors.HexColor("#7fb3d5"))
        canv.rect(0, 0, PAGE_W, 6 * mm, stroke=0, fill=1)
        canv.restoreState()

    def _header(self, canv, doc):
        """Running header, drawn before the page content (extracted first)."""
        meta = self.report.meta
        canv.saveState()
        canv.setFont(BASE + "-Oblique", 8.5)
        canv.setFillColor(colors.HexColor("#555555"))
        header_y = PAGE_H - MARGIN_TOP + 8 * mm
        canv.drawString(MARGIN_X, header_y, meta.get("short_title", meta["title"]))
        canv.setStrokeColor(colors.HexColor("#7fb3d5"))
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, header_y - 2.5 * mm, PAGE_W - MARGIN_X, header_y - 2.5 * mm)
        canv.restoreState()

    def _footer(self, canv, doc):
        """Page number, drawn after the page content (extracted last)."""
        labels = LABELS[self.report.lang]
        canv.saveState()
        canv.setFont(BASE, 9)
        canv.setFillColor(colors.black)
        canv.drawCentredString(PAGE_W / 2, MARGIN_BOTTOM - 11 * mm,
                               f"{labels['page']} {canv.getPageNumber()}")
        canv.restoreState()

    def afterFlowable(self, flowable):
        if isinstance(flowable, Heading):
            key = flowable.toc_key
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.toc_text, key, level=flowable.toc_level - 1,
                                      closed=False)
            if flowable.toc_level <= 2:
                self.toc_entries.append((flowable.toc_level, flowable.toc_text, self.page, key))


def localised_date(meta: dict, lang: str) -> str:
    if meta.get("date_text"):
        return str(meta["date_text"])
    d = _dt.date.fromisoformat(str(meta["date"]))
    month = MONTHS[lang][d.month - 1]
    if lang == "fi":
        return f"{d.day}. {month} {d.year}"
    return f"{d.day} {month} {d.year}"


def title_page(report: Report) -> list:
    meta = report.meta
    story: list = [Spacer(1, 45 * mm), Paragraph(inline(meta["title"]), STYLES["title"])]
    if meta.get("subtitle"):
        story.append(Paragraph(inline(meta["subtitle"]), STYLES["subtitle"]))
    story.append(Spacer(1, 30 * mm))
    if meta.get("author"):
        authors = [a.strip() for a in str(meta["author"]).split(";") if a.strip()]
        story.append(Paragraph(inline(", ".join(authors)), STYLES["tp_author"]))
    if meta.get("organisation"):
        story.append(Paragraph(inline(meta["organisation"]), STYLES["tp_line"]))
    place = meta.get("place", "")
    when = localised_date(meta, report.lang)
    story.append(Paragraph(inline(f"{place}, {when}" if place else when), STYLES["tp_line"]))
    if meta.get("note"):
        story.append(Spacer(1, 60 * mm))
        story.append(Paragraph(inline(meta["note"]), STYLES["tp_note"]))
    return story


def column_widths(rows: list[list[str]], avail: float) -> list[float]:
    """Natural widths when they fit; otherwise shrink the wide columns, never below
    their longest word, so that cells wrap between words only."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad = 12
    ncols = len(rows[0])
    natural, minimum = [0.0] * ncols, [0.0] * ncols
    for r_i, row in enumerate(rows):
        font = BASE + "-Bold" if r_i == 0 else BASE
        for c_i, cell in enumerate(row):
            plain = re.sub(r"\*+", "", cell)
            natural[c_i] = max(natural[c_i], stringWidth(plain, font, 8.5) + pad)
            longest = max((stringWidth(w, font, 8.5) for w in plain.split()), default=0)
            minimum[c_i] = max(minimum[c_i], longest + pad)
    if sum(natural) <= avail:
        return natural
    spare = avail - sum(minimum)
    stretch = [n - m for n, m in zip(natural, minimum)]
    total = sum(stretch) or 1
    return [m + max(spare, 0) * s / total for m, s in zip(minimum, stretch)]


def make_table(block: Block, avail: float) -> Table:
    ncols = max(len(r) for r in block.rows)
    align = (block.align + ["left"] * ncols)[:ncols]
    rows = [(row + [""] * ncols)[:ncols] for row in block.rows]
    data = []
    for r_i, row in enumerate(rows):
        cells = []
        for c_i, cell in enumerate(row):
            if r_i == 0:
                style = STYLES["cell_h"]
            else:
                style = {"right": STYLES["cell_r"], "center": STYLES["cell_c"]}.get(
                    align[c_i], STYLES["cell"])
            cells.append(Paragraph(inline(cell), style))
        data.append(cells)
    table = Table(data, colWidths=column_widths(rows, avail), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#d6eaf8")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor("#1b4f72")),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.HexColor("#1b4f72")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f7")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def heading_keys(report: Report) -> list[tuple[int, str, int, str]]:
    """TOC entries with placeholder page numbers (same layout as the final ones)."""
    out, key_no = [], 0
    for block in report.blocks:
        if block.kind == "heading":
            key_no += 1
            if block.level <= 2:
                out.append((block.level, block.text, 0, f"h{key_no}"))
    return out


def build_story(report: Report, toc_entries: list[tuple[int, str, int, str]]) -> list:
    meta = report.meta
    two_col = {str(s).strip() for s in meta.get("two_column_sections", []) or []}
    chapter_breaks = bool(meta.get("chapter_breaks", True))

    story: list = [NextPageTemplate("title")] + title_page(report)
    story += [NextPageTemplate("body"), PageBreak()]
    story.append(Paragraph(LABELS[report.lang]["contents"], STYLES["toc_title"]))
    story += [TocLine(*entry) for entry in toc_entries]
    story.append(PageBreak())  # the body always starts on a page of its own

    current_template = "body"
    key_no = 0
    for block in report.blocks:
        if block.kind == "heading":
            key_no += 1
            key = f"h{key_no}"
            if block.level == 1:
                number = block.text.split()[0] if block.text[:1].isdigit() else ""
                wanted = "twocol" if number in two_col else "body"
                if chapter_breaks or wanted != current_template:
                    if isinstance(story[-1], PageBreak):  # an explicit \newpage before
                        story.pop()
                    story += [NextPageTemplate(wanted), PageBreak()]
                    current_template = wanted
            style = STYLES[f"h{block.level}"]
            story.append(Heading(block.text, style, block.level, key))
        elif block.kind == "para":
            story.append(Paragraph(inline(block.text), STYLES["body"]))
        elif block.kind == "bullets":
            story.append(ListFlowable(
                [ListItem(Paragraph(inline(t), STYLES["bullet"]), leftIndent=14)
                 for t in block.items],
                bulletType="bullet", start="–", leftIndent=14, bulletFontName=BASE, bulletFontSize=10,
                spaceAfter=6))
            story.append(Spacer(1, 4))
        elif block.kind == "table":
            parts = []
            if block.caption:
                parts.append(Paragraph(inline(block.caption), STYLES["caption"]))
            avail = PAGE_W - 2 * MARGIN_X
            if current_template == "twocol":
                avail = (avail - COLUMN_GAP) / 2
            parts.append(make_table(block, avail))
            parts.append(Spacer(1, 8))
            story.append(KeepTogether(parts))
        elif block.kind == "newpage":
            if not isinstance(story[-1], PageBreak):
                story.append(PageBreak())
    return story


def build(report: Report) -> Path:
    meta = report.meta
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUTPUT_DIR / meta["file"]
    with_meta = bool(meta.get("metadata_in_info", True))
    authors = "; ".join(a.strip() for a in str(meta.get("author", "")).split(";") if a.strip())
    if not authors:
        authors = str(meta.get("organisation", ""))
    entries = heading_keys(report)
    for _ in range(6):  # re-render until the TOC page numbers are stable
        buf = io.BytesIO()
        doc = ReportDoc(
            buf, report,
            title=meta["title"] if with_meta else "",
            author=authors if with_meta else "",
            subject=meta.get("subtitle", "") if with_meta else "",
            keywords=meta.get("keywords", "") if with_meta else "",
            creator="smartclean-kb tools/build_reports.py",
        )
        doc.build(build_story(report, entries), canvasmaker=canvas_factory(report))
        if doc.toc_entries == entries:
            break
        entries = doc.toc_entries
    else:
        raise RuntimeError(f"{report.source}: table of contents did not converge")
    out.write_bytes(buf.getvalue())
    return out


# --------------------------------------------------------------------------- checks

def check(report: Report, path: Path) -> list[str]:
    """Verify one PDF with pypdf; return a list of problems (empty when fine)."""
    from pypdf import PdfReader

    problems = []
    reader = PdfReader(str(path))
    n = len(reader.pages)
    if not 3 <= n <= 20:
        problems.append(f"{n} pages (want 3-20)")
    texts = [p.extract_text() or "" for p in reader.pages]
    for i, t in enumerate(texts, 1):
        if len(t.split()) < 15:
            problems.append(f"page {i}: only {len(t.split())} words extracted")
        if i > 1 and f"{LABELS[report.lang]['page']} {i}" not in t:
            problems.append(f"page {i}: footer page number missing")
    words = sum(len(b.text.split()) for b in report.blocks if b.kind in ("para", "heading"))
    words += sum(len(it.split()) for b in report.blocks if b.kind == "bullets" for it in b.items)
    if not 600 <= words <= 3000:
        problems.append(f"{words} source words (want 600-3000)")
    # every paragraph, heading and bullet must come out whole (running header and
    # footer lines removed, pages joined); every table cell must come out too
    header = report.meta.get("short_title", report.meta["title"])
    footer = re.compile(rf"^{LABELS[report.lang]['page']} \d+$")
    body_lines = []
    for t in texts[1:]:
        body_lines += [ln for ln in t.splitlines()
                       if ln.strip() != header and not footer.match(ln.strip())]
    joined = re.sub(r"\s+", " ", " ".join(body_lines))
    for b in report.blocks:
        wanted = {"para": [b.text], "heading": [b.text], "bullets": b.items}.get(b.kind, [])
        if b.kind == "table":
            wanted = [cell for row in b.rows for cell in row] + ([b.caption] if b.caption else [])
        for w in wanted:
            plain = re.sub(r"\s+", " ", re.sub(r"\*+", "", w)).strip()
            if plain and plain not in joined:
                problems.append(f"text not extracted intact: {plain[:70]!r}")
    page1 = re.sub(r"\s+", " ", texts[0])
    for key in ("title", "subtitle", "organisation", "place"):
        value = str(report.meta.get(key, ""))
        if value and value not in page1:
            problems.append(f"title page lacks {key}: {value!r}")
    for name in str(report.meta.get("author", "")).split(";"):
        if name.strip() and name.strip() not in page1:
            problems.append(f"title page lacks author {name.strip()!r}")
    for desc, phrase in report.meta.get("facts", []):
        pages = fact_pages(texts, phrase)
        if len(pages) != 1:
            problems.append(f"fact phrase {phrase!r} found on pages {pages} (want one)")
    md = reader.metadata or {}
    with_meta = bool(report.meta.get("metadata_in_info", True))
    if with_meta:
        if md.get("/Title") != report.meta["title"]:
            problems.append(f"info Title is {md.get('/Title')!r}")
        if not md.get("/Author"):
            problems.append("info Author missing")
        if reader.metadata.creation_date is None:
            problems.append("info CreationDate missing")
        elif reader.metadata.creation_date.date().isoformat() != str(report.meta["date"]):
            problems.append(f"info CreationDate {reader.metadata.creation_date}")
    else:
        if md.get("/Title") or md.get("/Author") or "/Subject" in md or "/CreationDate" in md:
            problems.append(f"info dict should be empty of metadata: {dict(md)!r}")
    return problems


def fact_pages(texts: list[str], phrase: str) -> list[int]:
    """1-based pages (title page excluded) whose extracted text contains phrase."""
    return [i + 1 for i, t in enumerate(texts)
            if i > 0 and phrase in re.sub(r"\s+", " ", t)]


def write_index(reports: list[Report]) -> None:
    from pypdf import PdfReader

    header = ["pdf", "langs", "title", "author", "date", "pages", "metadata_in_info", "summary"]
    rows = ["\t".join(header)]
    for report in sorted(reports, key=lambda r: r.meta["file"]):
        meta = report.meta
        reader = PdfReader(str(OUTPUT_DIR / meta["file"]))
        texts = [p.extract_text() or "" for p in reader.pages]
        facts = "; ".join(
            f"{desc} (p. {','.join(map(str, fact_pages(texts, phrase))) or '?'})"
            for desc, phrase in meta.get("facts", []))
        summary = str(meta.get("summary", "")).strip()
        if facts:
            summary = f"{summary} Facts: {facts}" if summary else f"Facts: {facts}"
        author = "; ".join(a.strip() for a in str(meta.get("author", "")).split(";") if a.strip())
        if meta.get("organisation"):
            author = f"{author} ({meta['organisation']})" if author else str(meta["organisation"])
        fields = [meta["file"], str(meta.get("langs", meta["lang"])), meta["title"], author,
                  str(meta["date"]), str(len(reader.pages)),
                  "yes" if meta.get("metadata_in_info", True) else "no", summary]
        rows.append("\t".join(re.sub(r"\s+", " ", f).strip() for f in fields))
    INDEX_FILE.write_text("\n".join(rows) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sources", nargs="*", help="source files (default: tools/reports/*.md)")
    ap.add_argument("--check", action="store_true", help="verify the PDFs with pypdf")
    args = ap.parse_args(argv)
    sources = [Path(s) for s in args.sources] or sorted(SOURCE_DIR.glob("*.md"))
    failed = False
    reports = []
    for src in sources:
        report = parse_source(src)
        reports.append(report)
        out = build(report)
        line = f"{out.relative_to(ROOT)}"
        if args.check:
            problems = check(report, out)
            from pypdf import PdfReader
            words = sum(len(w.split()) for b in report.blocks
                        for w in ([b.text] if b.kind in ("para", "heading") else b.items))
            line += f"  ({len(PdfReader(str(out)).pages)} pages, {words} words)"
            if problems:
                failed = True
                line += "\n    " + "\n    ".join(problems)
            else:
                line += "  ok"
        print(line)
    if not args.sources:
        write_index(reports)
        print(INDEX_FILE.relative_to(ROOT))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
