"""Citations as researchers use them: a line to paste, and RIS or BibTeX for a reference manager.

All three say the same: who wrote it, when, what it is called, who published it, where
it is (its URL, else its file name) and which page or statute section the passage was
on. RIS is what Zotero, EndNote and Mendeley import; BibTeX (biblatex fields) what LaTeX
users keep.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kb import DocumentView

FORMATS = ("text", "ris", "bibtex")
#: A section's number at the start of a heading: ``28 §``, ``28 a §``.
_SECTION = re.compile(r"\d+(?:\s*[a-z])?\s*§")
#: RIS reference types and BibTeX entry types by document type.
_RIS_TYPES = {"report": "RPRT", "page": "ELEC", "blog": "BLOG", "statute": "STAT", "feed": "ELEC", "text": "GEN"}
_BIBTEX_TYPES = {"report": "techreport", "page": "online", "blog": "online", "statute": "misc",
                 "feed": "online", "text": "misc"}
#: The field that names the publisher in each entry type (biblatex has no ``publisher`` for these).
_BIBTEX_PUBLISHER = {"techreport": "institution", "online": "organization", "misc": "howpublished"}
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def section_label(heading: str) -> str:
    """The section a statute passage's heading path names (``28 §`` of ``4 luku ... ›
    28 § Jätehuollon järjestäminen``), as a citation gives it; "" if it names none."""
    found = _SECTION.match(heading.rsplit(" › ", 1)[-1])
    return " ".join(found.group().split()) if found else ""


def publisher(doc: DocumentView) -> str:
    """Who published the document: the archive's pages, posts and reports are Smart &
    Clean's, a statute the statute book's in its language; a feed names its own site."""
    if doc.doc_type == "statute":
        return "Finlands författningssamling" if doc.lang == "sv" else "Suomen säädöskokoelma"
    return "" if doc.doc_type == "feed" else "Smart & Clean"


def text(doc: DocumentView, page: int | None = None, page_label: str = "p. {page}", heading: str = "") -> str:
    """'Author (2018). Title. Smart & Clean. URL, p. 2.': what a researcher pastes.

    A statute is cited by its title and number, which holds its year (``Jätelaki
    (646/2011)``), as published in the statute book, and by the section of ``heading``
    when one is given (``Jätelaki (646/2011) 28 §``); a feed by its own title and link.
    """
    year = _year(doc)
    if year and _title(doc, "").endswith(f"/{year})"):  # the statute number holds it
        year = ""
    title = _title(doc, heading)
    if doc.author:
        parts = [f"{doc.author.rstrip('.')} ({year})." if year else f"{doc.author.rstrip('.')}.", f"{title}."]
    else:
        parts = [f"{title} ({year})." if year else f"{title}."]
    if by := publisher(doc):
        parts.append(f"{by}.")
    label = page_label.format(page=page) if page else ""
    parts.append(", ".join(x for x in (_where(doc), label) if x) + ".")
    return " ".join(parts)


def ris(doc: DocumentView, page: int | None = None, heading: str = "") -> str:
    """The document as one RIS record (CRLF line ends, as the format has them)."""
    lines = [("TY", _RIS_TYPES.get(doc.doc_type, "GEN")), ("TI", _title(doc, heading))]
    lines += [("AU", name) for name in _authors(doc)]
    if year := _year(doc):
        lines.append(("PY", year))
    if doc.date:
        lines.append(("DA", "/".join((doc.date.split("-") + ["", ""])[:3]) + "/"))
    if by := publisher(doc):
        lines.append(("PB", by))
    if doc.url:
        lines.append(("UR", doc.url))
    if page:
        lines.append(("SP", str(page)))
    if doc.lang and doc.lang != "und":
        lines.append(("LA", doc.lang))
    lines += [("AN", doc.doc_id), ("N1", f"Smart & Clean archive: {Path(doc.source).name}"), ("ER", "")]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


def bibtex(doc: DocumentView, page: int | None = None, heading: str = "") -> str:
    """The document as one biblatex entry; names of organisations are braced whole, so
    ``Smart & Clean -säätiö`` is not read as a person's surname and first names."""
    kind = _BIBTEX_TYPES.get(doc.doc_type, "misc")
    if kind == "online" and not doc.url:
        kind = "misc"
    fields: list[tuple[str, str]] = [("title", _title(doc, heading))]
    if authors := _authors(doc):
        fields.append(("author", " and ".join(_bib_name(a) for a in authors)))
    if doc.date:
        fields.append(("date", doc.date))
    if by := publisher(doc):
        fields.append((_BIBTEX_PUBLISHER[kind], by))
    if doc.url:
        fields.append(("url", doc.url))
    if page:
        fields.append(("pages", str(page)))
    if doc.lang and doc.lang != "und":
        fields.append(("langid", {"fi": "finnish", "sv": "swedish", "en": "english"}.get(doc.lang, doc.lang)))
    fields.append(("note", f"Smart \\& Clean archive: {_bib_escape(Path(doc.source).name)}"))
    body = ",\n".join(f"  {name} = {{{value if name in ('author', 'note', 'url') else _bib_escape(value)}}}"
                      for name, value in fields)
    return f"@{kind}{{{_bib_key(doc)},\n{body}\n}}\n"


def _title(doc: DocumentView, heading: str) -> str:
    title = (doc.title or Path(doc.source).name or doc.doc_id).rstrip(".")
    if doc.doc_type == "statute" and (section := section_label(heading)):
        title = f"{title} {section}"
    return title


def _year(doc: DocumentView) -> str:
    return doc.date[:4] if doc.date[:4].isdigit() else ""


def _where(doc: DocumentView) -> str:
    return doc.url or Path(doc.source).name


def _authors(doc: DocumentView) -> list[str]:
    """``Elina Vuorinen; Jari Kallio`` as two names."""
    return [name.strip() for name in re.split(r"\s*;\s*", doc.author) if name.strip()]


def _is_person(name: str) -> bool:
    """``Elina Vuorinen`` is a person; an organisation has ``&``, a digit, a word in
    lower case (``Helsingin kaupunki``) or a hyphen opening a word (``-säätiö``)."""
    words = name.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() and not re.search(r"[&\d]", w) for w in words)


def _bib_name(name: str) -> str:
    """A person's name as written, an organisation's braced whole."""
    return _bib_escape(name) if _is_person(name) else f"{{{_bib_escape(name)}}}"


def _bib_escape(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", value)


def _bib_key(doc: DocumentView) -> str:
    """``vuorinen2018-1a2b3c4d``: the first author's last name (an organisation's first
    word, else the title's), the year, and the document id's start, so keys stay unique."""
    authors = _authors(doc)
    if authors:
        word = authors[0].split()[-1] if _is_person(authors[0]) else authors[0].split()[0]
    else:
        word = (_title(doc, "").split() or ["doc"])[0]
    ascii_word = re.sub(r"[^a-z0-9]", "", word.lower().translate(str.maketrans("åäöü", "aaou"))) or "doc"
    return f"{ascii_word}{_year(doc)}-{doc.doc_id[:8]}"
