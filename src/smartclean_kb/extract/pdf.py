"""PDF reports: text per page (keeping page numbers), metadata from the info dict or title page."""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from ..errors import ExtractError, one_line
from ..models import Block, Document
from .dates import find_date, normalise_date

logging.getLogger("pypdf").setLevel(logging.ERROR)

#: "2.1 Yhdyskuntajäte", "4 Pilots 2015–2018"; not table rows such as "1 Helsinki 410 kg".
#: The unnumbered sections of a report, on a line of their own: a heading (its text
#: gives no font size to tell it by), so an abstract is not run into its first sentence.
_SECTION_NAMES = frozenset({
    "tiivistelmä", "yhteenveto", "esipuhe", "johdanto", "lähteet", "kirjallisuus", "liitteet",
    "sammanfattning", "sammandrag", "förord", "inledning", "källor", "referenser", "bilagor",
    "abstract", "summary", "executive summary", "foreword", "preface", "introduction", "references",
    "bibliography", "appendices",
})
_NUMBERED_HEADING = re.compile(
    r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-ZÅÄÖ][^\W\d_](?:[^\d%]|(?<!\d)(?:19|20)\d\d(?!\d)){0,90})$"
)
#: Titles of a table of contents, dropped when they stand alone on a line.
_CONTENTS = {"sisällys", "sisällysluettelo", "sisältö", "innehåll", "innehållsförteckning",
             "contents", "table of contents"}
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$|\s{3,}\d+\s*$")
#: How much of a line's end a table of contents' dot leader is looked for in.
_LEADER_TAIL = 80
_PAGE_NUMBER = re.compile(
    r"^(?:(?:sivu|sida|page|s\.)\s*)?(?:\d{1,4}(?:\s*(?:/|of|av|\(|-)\s*\d{1,4}\)?)?"
    r"|(?-i:(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})))$", re.I  # and front matter's i-xxxix (lower case:
)  # an ``II`` opening a page is a chapter's number)
_SENTENCE_END = re.compile(r"[.!?:;)\"”]$")
_AUTHOR_LINE = re.compile(
    r"^(?:tekijä(?:t)?|laatija(?:t)?|kirjoittaja(?:t)?|författare|upprättad av|author(?:s)?|by|"
    r"prepared by|toimittaja(?:t)?|redaktör(?:er)?|editor(?:s)?)\s*:?\s+(.+)$",
    re.I,
)
_NAME = r"[A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?"
_PERSON = rf"{_NAME}(?: {_NAME}){{1,2}}"
#: What joins the names of a list of people on a title page.
_LIST_JOINER = re.compile(r", | ja | och | and | & ")
_NAME_LIST = re.compile(rf"^{_PERSON}(?:(?:{_LIST_JOINER.pattern}){_PERSON}){{0,5}}$")
#: What a word processor writes into a PDF's info dictionary when nobody gave a title or
#: author: the file's name (``Microsoft Word - raportti_final_v3.docx``), a template's
#: placeholder, or a login name (``jmakinen``, ``Administrator``). The title page says better.
_JUNK_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel) - |untitled|document\d*$|presentation\d*$|"
    r"powerpoint presentation$|slide \d+$|title$|otsikko$|rubrik$)"
    r"|\.(?:docx?|odt|rtf|pptx?|xlsx?|indd|pdf|tex|txt|pages|key)$", re.I)
_JUNK_AUTHOR = re.compile(
    r"(?-i:[a-z][a-z0-9._-]*)|administrator|admin|user|owner|windows user|microsoft office user|"
    r"unknown|author|tekijä|författare|hp|dell|lenovo", re.I)
_JOINERS = {"ja", "tai", "sekä", "och", "eller", "samt", "and", "or"}


def extract(data: bytes, source: str) -> Document:
    """Read each page's text with pypdf; a page never shares a block with another page."""
    try:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
        except NotImplementedError as exc:  # a DRM handler (/Adobe.APS) or encryption pypdf lacks
            raise ExtractError(f"encrypted PDF that cannot be opened ({_reason(exc)})") from exc
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ExtractError("encrypted PDF: a password is needed to read it")
            except (NotImplementedError, PyPdfError) as exc:
                raise ExtractError(f"encrypted PDF that cannot be opened ({exc})") from exc
        pages = [_page_lines(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata or {}
        labels = _page_labels(reader, len(pages))
    except ExtractError:
        raise
    except FileNotDecryptedError as exc:
        raise ExtractError("encrypted PDF: a password is needed to read it") from exc
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, AssertionError, OSError, RecursionError, ZeroDivisionError, OverflowError,
            NotImplementedError, DependencyError) as exc:
        raise ExtractError(f"not a readable PDF ({_reason(exc)})") from exc
    if not pages:
        raise ExtractError("PDF has no pages")
    if not any(any(line.strip() for line in lines) for lines in pages):
        raise ExtractError("PDF has no text layer (scanned images?); OCR is not supported")

    pages = _drop_running_lines(pages, labels)
    blocks: list[Block] = []
    headings: list[tuple[int, str]] = []
    for number, lines in enumerate(pages, start=1):
        for kind, text in _paragraphs(lines):
            if kind == "heading":
                level = text.split(" ", 1)[0].count(".") + 1
                while headings and headings[-1][0] >= level:
                    headings.pop()
                headings.append((level, text))
            else:
                blocks.append(Block(text, tuple(h for _, h in headings), page=number))
    if not blocks:
        raise ExtractError("PDF has no body text")

    title = _info(info, "/Title")
    title = "" if _JUNK_TITLE.search(title) else title
    author = _info(info, "/Author")
    author = "" if _JUNK_AUTHOR.fullmatch(author) else author
    date = normalise_date(_info(info, "/CreationDate")) or normalise_date(_info(info, "/ModDate"))
    first_page = [line for line in pages[0] if line.strip()]
    if not title:
        title = _title_from_first_page(first_page)
    if not author:
        author = _author_from_first_page(first_page)
    # The date the title page states is the report's; the file's creation date stands
    # only where it says the same more precisely (``Maaliskuu 2019``, made 2019-03-15).
    title_page_date = find_date("\n".join(first_page))
    if title_page_date and not date.startswith(title_page_date):
        date = title_page_date
    return Document(
        source=source,
        doc_type="report",
        blocks=tuple(blocks),
        title=title,
        author=author,
        date=date,
        pages=len(pages),
        page_labels=labels,
    )


def _page_labels(reader: PdfReader, count: int) -> tuple[str, ...]:
    """Each page's printed label, when the PDF labels its pages otherwise than 1, 2, 3
    (``i``–``iii`` before ``1``): what a citation names. A damaged label tree counts as none."""
    try:
        labels = [str(label) for label in reader.page_labels]
    except Exception:  # pypdf reads the label tree lazily; anything odd in it means no labels
        return ()
    if len(labels) != count or labels == [str(n) for n in range(1, count + 1)]:
        return ()
    return tuple(labels)


def _info(info, key: str) -> str:
    try:
        value = info.get(key)
    except (PyPdfError, ValueError, TypeError):
        return ""
    return " ".join(str(value).split()) if value else ""


def _page_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def _drop_running_lines(pages: list[list[str]], labels: tuple[str, ...] = ()) -> list[list[str]]:
    """Remove page numbers (a page's own label too: ``II`` on the page labelled so) and
    running headers/footers (lines repeated on most pages)."""
    if len(pages) >= 3:
        edges: Counter[str] = Counter()
        for lines in pages:
            content = [line for line in lines if line]
            for line in set(content[:2] + content[-2:]):
                edges[re.sub(r"\d+", "#", line)] += 1
        repeated = {line for line, n in edges.items() if n >= max(3, len(pages) // 2)}
    else:
        repeated = set()
    cleaned = []
    for number, lines in enumerate(pages):
        label = labels[number] if number < len(labels) else ""
        keep = []
        for i, line in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (re.sub(r"\d+", "#", line) in repeated or _PAGE_NUMBER.match(line)
                            or (label and line == label)):
                continue
            if _DOT_LEADER.search(line[-_LEADER_TAIL:]):  # the tail only: a line of dots was quadratic
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def _paragraphs(lines: list[str]):
    """Group a page's lines into ('heading'|'text', str), joining hyphenated line ends."""
    current: list[str] = []

    def flush():
        text = _join(current)
        current.clear()
        return text

    continued = False
    for index, line in enumerate(lines):
        if continued:
            continued = False
            continue
        if not line:
            if text := flush():
                yield "text", text
            continue
        if line.strip().lower() in _CONTENTS:
            continue
        if line.strip().rstrip(":").lower() in _SECTION_NAMES:
            if text := flush():
                yield "text", text
            yield "heading", line.strip().rstrip(":")
            continue
        if _NUMBERED_HEADING.match(line) and not _SENTENCE_END.search(line) and len(line) < 100:
            if text := flush():
                yield "text", text
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if following[:1].islower() and len(following) < 40 and not _SENTENCE_END.search(following):
                line, continued = f"{line} {following}", True  # a heading wrapped in a narrow column
            yield "heading", line
            continue
        current.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _SENTENCE_END.search(line) and len(line) < 60 and following[:1].isupper():
            if text := flush():
                yield "text", text
    if text := flush():
        yield "text", text


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            hyphenated_compound = line.split(" ", 1)[0] in _JOINERS
            out = f"{out} {line}" if hyphenated_compound else out[:-1] + line
        else:
            out = out + " " + line
    return out.strip()


def _title_lines(lines: list[str]) -> list[str]:
    """The first lines of the title page (two at most), up to the first that looks like
    metadata: a label, a date, or a byline under a title in sentence case (a title in
    Title Case, ``Helsinki Region`` / ``Circular Economy Roadmap``, reads as names too)."""
    title: list[str] = []
    for at, line in enumerate(lines[:6]):
        if (_AUTHOR_LINE.match(line) or find_date(line) or len(" ".join(title + [line])) > 160
                or (title and not _title_case(title) and _is_byline(lines, at))):
            break
        title.append(line)
        if len(title) == 2:
            break
    return title


def _title_from_first_page(lines: list[str]) -> str:
    return " ".join(_title_lines(lines))


def _author_from_first_page(lines: list[str]) -> str:
    """A labelled author line, else, below the title, a line that is a list of personal
    names, else one name just above a date."""
    for line in lines[:25]:
        if m := _AUTHOR_LINE.match(line):
            return m.group(1).strip()
    below = max(1, len(_title_lines(lines)))
    for line in lines[below:25]:
        if _NAME_LIST.match(line) and _LIST_JOINER.search(line):
            return _LIST_JOINER.sub("; ", line)
    for at in range(below, min(len(lines), 25)):
        if _is_byline(lines, at):
            return lines[at]
    return ""


def _title_case(title: list[str]) -> bool:
    """Every longer word capitalised, as English titles are (Finnish and Swedish ones are not)."""
    words = [w for w in " ".join(title).split() if len(w) > 3]
    return bool(words) and all(w[:1].isupper() for w in words)


def _is_byline(lines: list[str], at: int) -> bool:
    """A title page's line of authors: a list of names (``Anna Virtanen ja Jukka
    Mäkinen``), or one name with a date on the next line (``Jukka Mäkinen`` / ``12.9.2017``)."""
    line = lines[at]
    if not _NAME_LIST.match(line):
        return False
    if _LIST_JOINER.search(line):
        return True
    following = lines[at + 1] if at + 1 < len(lines) else ""
    previous = lines[at - 1].split() if at > 0 else []
    wrapped = bool(previous) and previous[-1].lower() in _LINE_ENDS_MID_TITLE
    return bool(find_date(following)) and len(following) < 40 and not wrapped


#: Words a title's first line ends with when its next line goes on with it (``Towards a``
#: / ``Circular Economy``): then that line is no name.
_LINE_ENDS_MID_TITLE = frozenset({"a", "an", "the", "of", "for", "to", "in", "on", "and", "or", "ja", "tai",
                                  "sekä", "i", "av", "för", "på", "om", "och", "eller"})


def _reason(exc: BaseException) -> str:
    return one_line(exc, 160) or type(exc).__name__
