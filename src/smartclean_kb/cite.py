"""Citations as researchers use them: a line to paste, and RIS or BibTeX for a reference manager.

All three are written from one record, so they say the same: who wrote it, when, what
it is called, who published it or where it appeared, where it is (its URL, else its
file name) and which page or statute section the passage was on. RIS is what Zotero,
EndNote and Mendeley import; BibTeX (biblatex fields) what LaTeX users keep.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .kb import DocumentView

FORMATS = ("text", "ris", "bibtex")
#: A section's number at the start of a heading: ``28 §``, ``28 a §``.
_SECTION = re.compile(r"\d+(?:\s*[a-z])?\s*§")
#: RIS reference types and biblatex entry types by document type.
_RIS_TYPES = {"report": "RPRT", "page": "ELEC", "blog": "BLOG", "statute": "STAT", "feed": "ELEC", "text": "GEN"}
_BIBTEX_TYPES = {"report": "techreport", "page": "online", "blog": "online", "statute": "misc",
                 "feed": "online", "text": "misc"}
#: The field that names the publisher in each entry type (biblatex has no ``publisher`` for these).
_BIBTEX_PUBLISHER = {"techreport": "institution", "online": "organization", "misc": "howpublished"}
#: biblatex's ``langid`` (babel names) for the languages the archive holds.
_BABEL = {"fi": "finnish", "sv": "swedish", "en": "english", "de": "ngerman", "et": "estonian",
          "da": "danish", "nb": "norsk", "fr": "french"}
#: LaTeX's special characters as text; braces as commands, since BibTeX counts every
#: brace (a backslash does not hide one from it).
_BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
                   "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_"}
_BIBTEX_SPECIAL = re.compile("|".join(map(re.escape, _BIBTEX_ESCAPES)))


@dataclass(frozen=True)
class _Record:
    """What a citation says, worked out once for all three formats."""

    kind: str  # the document type
    title: str
    authors: tuple[str, ...]
    date: str
    publisher: str
    container: str  # where an entry appeared: a feed entry's feed
    entry: bool  # a part with its own link (a feed entry), which shares its document's id
    url: str
    page: int | str | None  # as printed on it
    lang: str
    doc_id: str
    file: str


#: The publisher of the archive's own files, when a file names none and has no address.
ARCHIVE_PUBLISHER = "Smart & Clean"


def _site(url: str) -> str:
    """A web address's site (``www.iltalehti.fi/...`` -> ``iltalehti.fi``); "" for none."""
    try:
        host = (urlsplit(url).hostname or "") if url.startswith(("http://", "https://")) else ""
    except ValueError:  # not a well-formed address (``https://[fe80::1``)
        return ""
    return host.removeprefix("www.")


def section_label(heading: str) -> str:
    """The section a statute passage's heading path names (``28 §`` of ``4 luku ... ›
    28 § Jätehuollon järjestäminen``), as a citation gives it; "" if it names none."""
    found = _SECTION.match(heading.rsplit(" › ", 1)[-1])
    return " ".join(found.group().split()) if found else ""


def publisher(doc: DocumentView) -> str:
    """Who published the document: a statute the statute book in its language; else who
    the file names (a site's ``og:site_name`` or JSON-LD publisher, a front matter's
    ``publisher``); else, for a page from another site, that site's address (a news
    article is not Smart & Clean's); a feed names its own site; the archive's own files
    without either are Smart & Clean's."""
    if doc.doc_type == "statute":
        return "Finlands författningssamling" if doc.lang == "sv" else "Suomen säädöskokoelma"
    if doc.publisher:
        return doc.publisher
    if doc.doc_type == "feed":
        return ""
    return _site(doc.url) or ARCHIVE_PUBLISHER


def text(doc: DocumentView, page: int | str | None = None, page_label: str = "p. {page}", heading: str = "",
         link: str = "", entry_date: str = "") -> str:
    """'Author (2018). Title. Smart & Clean. URL, p. 2.': what a researcher pastes.

    A statute is cited by its title and number, which holds its year (``Jätelaki
    (646/2011)``), as published in the statute book, and by the section of ``heading``
    when one is given (``Jätelaki (646/2011) 28 §``); a feed by its own title and link,
    or, given an entry's ``link``, by the entry's title under the feed's.
    """
    r = _record(doc, page, heading, link, entry_date)
    year = _year(r.date)
    if year and re.search(rf"/{year}\)(?: {_SECTION.pattern})?$", r.title):  # the statute number holds it
        year = ""
    who = "; ".join(r.authors)
    if who:
        parts = [f"{who} ({year})." if year else _sentence(who), _sentence(r.title)]
    else:
        parts = [f"{r.title} ({year})." if year else _sentence(r.title)]
    parts += [_sentence(x) for x in (r.container, r.publisher) if x]
    label = page_label.format(page=page) if page else ""
    parts.append(", ".join(x for x in (r.url or r.file, label) if x) + ".")
    return " ".join(parts)


def _sentence(part: str) -> str:
    """A citation's part ending in a full stop, unless it ends in one already or in a
    question or exclamation mark (``mitä hackathon tuotti?.`` before)."""
    return part if part.endswith((".", "?", "!")) else f"{part}."


def ris(doc: DocumentView, page: int | str | None = None, heading: str = "", link: str = "",
        entry_date: str = "") -> str:
    """The document as one RIS record (CRLF line ends, as the format has them). People
    are ``Surname, First``; an organisation ends in a comma, so it is not split."""
    r = _record(doc, page, heading, link, entry_date)
    lines = [("TY", _RIS_TYPES.get(r.kind, "GEN")), ("TI", r.title)]
    lines += [("AU", _ris_name(name)) for name in r.authors]
    if r.container:
        lines.append(("T2", r.container))
    if year := _year(r.date):
        lines.append(("PY", year))
    if r.date:
        lines.append(("DA", "/".join((r.date.split("-") + ["", ""])[:3]) + "/"))
    if r.publisher:
        lines.append(("PB", r.publisher))
    if r.url:
        lines.append(("UR", r.url))
    if r.page:
        lines.append(("SP", str(r.page)))
    if r.lang and r.lang != "und":
        lines.append(("LA", r.lang))
    lines += [("AN", r.doc_id), ("N1", f"Smart & Clean archive: {r.file}")]
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines) + "ER  - \r\n"


def bibtex(doc: DocumentView, page: int | str | None = None, heading: str = "", link: str = "",
           entry_date: str = "") -> str:
    """The document as one biblatex entry; names of organisations are braced whole, so
    ``Smart & Clean -säätiö`` is not read as a person's surname and first names."""
    r = _record(doc, page, heading, link, entry_date)
    kind = _BIBTEX_TYPES.get(r.kind, "misc")
    if kind == "online" and not r.url:
        kind = "misc"
    fields: list[tuple[str, str]] = [("title", _bib_escape(r.title))]
    if r.authors:
        fields.append(("author", " and ".join(_bib_name(a) for a in r.authors)))
    if r.date:
        fields.append(("date", _bib_escape(r.date)))
    if by := r.container or r.publisher:
        fields.append((_BIBTEX_PUBLISHER[kind], _bib_escape(by)))
    if r.url:  # biblatex reads a URL verbatim; only a brace would end the field
        fields.append(("url", r.url.replace("{", "%7B").replace("}", "%7D")))
    if r.page:
        fields.append(("pages", str(r.page)))
    if langid := _BABEL.get(r.lang):
        fields.append(("langid", langid))
    fields.append(("note", f"Smart \\& Clean archive: {_bib_escape(r.file)}"))
    body = ",\n".join(f"  {name} = {{{' '.join(value.split())}}}" for name, value in fields)
    return f"@{kind}{{{_bib_key(r)},\n{body}\n}}\n"


def _record(doc: DocumentView, page: int | str | None, heading: str, link: str, entry_date: str) -> _Record:
    """The citation's facts. A feed entry (its ``link``) is its own title, at its own
    address, of its own date (``entry_date``; none rather than the feed's, which is its
    newest entry's), in the feed."""
    title = (doc.title or Path(doc.source).name or doc.doc_id).rstrip(".")
    container, url, date = "", doc.url, doc.date
    if doc.doc_type == "statute" and (section := section_label(heading)):
        title = f"{title} {section}"
    elif link:
        url, date = link, entry_date
        if entry_title := heading.rsplit(" › ", 1)[-1].rstrip("."):
            container, title = title, entry_title
    authors = tuple(person for part in re.split(r"\s*;\s*", doc.author) if _name(part)
                    for person in _people(_name(part)))
    return _Record(kind=doc.doc_type, title=title, authors=authors, date=date, publisher=publisher(doc), entry=bool(link),
                   container=container, url=url, page=page, lang=doc.lang, doc_id=doc.doc_id,
                   file=Path(doc.source).name)


def _name(name: str) -> str:
    """A name without the full stop that ends a byline (``Elina Vuorinen.``), keeping an
    initial's (``Elina V.``)."""
    name = " ".join(name.split())
    return name[:-1] if name.endswith(".") and not re.search(r"(?:^|\s)\w\.$", name) else name


_LIST_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:and|ja|och|&)\s+")


def _people(names: str) -> list[str]:
    """``Anna Virtanen, Jukka Mäkinen ja Liisa Laine`` is three people, as a byline or a
    meta tag writes them (one ``Virtanen, Jukka Mäkinen Anna`` before); ``Virtanen, Anna``
    is one, and an organisation (``Smart & Clean -säätiö``) stays whole."""
    pieces = [p for p in _LIST_SEPARATOR.split(names) if p]
    surname = pieces[0].split()
    if len(pieces) == 2 and names.count(",") == 1 and len(surname) > 1 and all(
            w.lower() in _PARTICLES for w in surname[:-1]):
        return [names]  # ``De Vries, Anna Maria``: one person, surname first (not ``De Geer Anna, Berg Jan``)
    if len(pieces) > 1 and all(len(p.split()) >= 2 and _is_person(p) for p in pieces):
        return pieces
    return [names]


def _year(date: str) -> str:
    return date[:4] if date[:4].isdigit() else ""


#: Words that belong to a surname in lower case: ``Jan van der Berg``, ``Carl af Forselles``.
_PARTICLES = frozenset({"af", "av", "da", "de", "del", "della", "den", "der", "di", "du", "la", "le",
                        "van", "von", "zu"})


#: Titles before a name and suffixes after it, which are no part of either.
_TITLES = frozenset({"dr.", "dr", "prof.", "prof", "mr.", "mrs.", "ms."})
_SUFFIXES = frozenset({"jr.", "jr", "sr.", "sr", "ii", "iii", "iv"})


def _parts(name: str) -> tuple[list[str], list[str], str]:
    """(first names, surname words with their particles, suffix) of a person's name
    written either way (``Jan van der Berg``, ``von Wright, Georg Henrik``), without titles."""
    if name.count(",") == 1:  # ``De Vries, Anna Maria``: all before the comma is the surname
        last, first = (part.strip() for part in name.split(","))
        given = [w for w in first.split() if w.lower() not in _TITLES] or first.split()
        suffix = given.pop() if len(given) > 1 and given[-1].lower() in _SUFFIXES else ""
        return given, last.split(), suffix
    words = name.split()
    if len(words) == 2 and _INITIALS.fullmatch(words[1]) and not words[0].isupper():
        return [words[1]], [words[0]], ""  # ``Virtanen AJ``: the initials are the given name
    words = [w for w in words if w.lower() not in _TITLES] or words
    suffix = words.pop() if len(words) > 2 and words[-1].lower() in _SUFFIXES else ""
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in _PARTICLES:
        cut -= 1
    return words[:cut], words[cut:], suffix


#: Words that make capitalised words an organisation's name (``Motiva Oy``, ``Finnish
#: Environment Institute``, ``Helsinki Region Transport``), compared in lower case.
_ORGANISATION_WORDS = frozenset({
    "oy", "oyj", "ab", "abp", "ry", "rf", "ltd", "inc", "llc", "plc", "gmbh", "corp", "asa",
    "agency", "association", "authority", "board", "center", "centre", "city", "commission",
    "committee", "company", "consulting", "corporation", "council", "department", "energy", "foundation",
    "fund", "group", "institute", "laboratory", "lab", "labs", "ministry", "municipality", "network",
    "office", "partners", "programme", "program", "region", "services", "society", "systems", "team",
    "transport", "trust", "union", "university",
})


#: An organisation's acronym (``HSY``, ``VTT``); a last word of one or two letters is a
#: person's initials instead (``Virtanen AJ``), and a roman number (``Henry Ford II``) no acronym.
_ACRONYM = re.compile(r"[A-ZÅÄÖ]{2,5}")
_INITIALS = re.compile(r"[A-ZÅÄÖ]{1,2}\.?")


def _is_person(name: str) -> bool:
    """``Elina Vuorinen`` (or ``Vuorinen, Elina``, ``Jan van der Berg``, ``Dr. Anna
    Virtanen``) is a person: two to five capitalised words, lower-case particles only
    just before the surname. An organisation has ``&``, a digit, another word in lower
    case (``Helsingin kaupunki``, ``Centre de Recherche Scientifique``), a hyphen
    opening a word (``-säätiö``), a word organisations' names have (``Oy``,
    ``Institute``, ``Transport``) or an acronym (``HSY``, ``VTT``)."""
    if name.count(",") > 1:
        return False
    words = name.split()
    # ``ANNA VIRTANEN`` is a person written in capitals; ``VTT SYKE`` two acronyms.
    shouted = all(w.isupper() for w in words if w.isalpha()) and any(len(w) > 5 for w in words)
    acronyms = [w for w in words if _ACRONYM.fullmatch(w) and w.lower() not in _SUFFIXES]
    if words and _INITIALS.fullmatch(words[-1]) and acronyms and acronyms[-1] == words[-1]:
        acronyms.pop()  # ``Virtanen AJ``: the initials of a name written surname first
    if any(w.lower().strip(",") in _ORGANISATION_WORDS for w in words) or (acronyms and not shouted):
        return False
    first, last, _ = _parts(name)
    named = first + [w for w in last if w not in _PARTICLES]
    return (len(first) >= 1 and 2 <= len(first) + len(last) <= 5
            and all(w[:1].isupper() and not re.search(r"[&\d]", w) for w in named))


def _surname_first(name: str) -> tuple[str, str]:
    """A person's (surname with its particles, first names and suffix): ``van der Berg``, ``Jan``."""
    first, last, suffix = _parts(name)
    return " ".join(last), " ".join(first) + (f", {suffix}" if suffix else "")


def _ris_name(name: str) -> str:
    """``Vuorinen, Elina``; ``Smart & Clean -säätiö,`` (the comma keeps it whole)."""
    if not _is_person(name):
        return f"{name},"
    last, first = _surname_first(name)
    return f"{last}, {first}"


def _bib_name(name: str) -> str:
    """A person as ``Surname, First`` (``van der Berg, Jan``; ``Virtanen, Jr, Anna``),
    which BibTeX cannot misread; an organisation braced whole."""
    if not _is_person(name):
        return f"{{{_bib_escape(name)}}}"
    first, last, suffix = _parts(name)
    return _bib_escape(", ".join(x for x in (" ".join(last), suffix, " ".join(first)) if x))


def _bib_escape(value: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES[m.group()], value)


def _bib_key(r: _Record) -> str:
    """``vuorinen2018-1a2b3c4d``: the first author's last name (an organisation's first
    word, else the title's), the year, and the document id's start, so keys stay unique."""
    if r.authors:
        person = _is_person(r.authors[0])
        word = _surname_first(r.authors[0])[0].split()[-1] if person else r.authors[0].split()[0]
    else:
        word = (r.title.split() or ["doc"])[0]
    key = f"{_ascii(word) or 'doc'}{_year(r.date)}-{r.doc_id[:8]}"
    if r.entry:  # a feed's entries share its doc_id: their links tell them apart
        key += "-" + hashlib.blake2b(r.url.encode(), digest_size=3).hexdigest()
    return key


def _ascii(word: str) -> str:
    """``Ærø`` -> ``aero``, ``Weiß`` -> ``weiss``, ``Zoé`` -> ``zoe``: a key's letters."""
    word = word.lower().translate(_LIGATURES)
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", word))


_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d"})
