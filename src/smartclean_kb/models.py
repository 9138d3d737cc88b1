"""The data that flows between the pipeline's steps: plain frozen dataclasses, no I/O."""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from typing import Any

#: Around each match in a snippet: control characters that cleaned text never holds.
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
_MARKED = re.compile(f"{MARK_OPEN}([^{MARK_OPEN}{MARK_CLOSE}]*){MARK_CLOSE}")


def with_marks(text: str, open_mark: str, close_mark: str, *, escape: bool = False) -> str:
    """Marked text (a snippet, a passage) with its matches between the given marks; a
    mark without its pair is dropped, so an HTML ``<mark>`` is always closed. What the
    CLI, the JSON and the pages show all come through here."""
    text = html.escape(text, quote=False) if escape else text
    if MARK_OPEN not in text:
        return text.replace(MARK_CLOSE, "")
    paired = _MARKED.sub(lambda m: f"{open_mark}{m.group(1)}{close_mark}", text)
    return paired.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


@dataclass(frozen=True)
class Detection:
    """A language guess: ISO 639-1 code (or ``und``) and a calibrated probability."""

    lang: str
    probability: float

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "probability": round(self.probability, 4)}


@dataclass(frozen=True)
class Block:
    """One paragraph-sized piece of extracted text, where it sits in the document."""

    text: str
    headings: tuple[str, ...] = ()
    page: int | None = None
    lang: str = ""
    #: Where it sits in a numbered structure, the same in every language version
    #: (a statute's ``luku:4/pykala:28``): how a section finds its translation.
    anchor: str = ""
    #: Its own address, when it has one apart from the document's (a feed's entry).
    link: str = ""
    #: Its own date, when it has one apart from the document's (a feed's entry).
    date: str = ""


@dataclass(frozen=True)
class Document:
    """What an extractor found in one file, before it is cut into passages."""

    source: str
    doc_type: str
    blocks: tuple[Block, ...]
    title: str = ""
    description: str = ""
    author: str = ""
    #: Who published it, as the file says (a site's name, a front matter's ``publisher``).
    publisher: str = ""
    date: str = ""
    url: str = ""
    declared_lang: str = ""
    translations: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    pages: int | None = None
    #: Each page's label as printed, where a PDF's page labels differ from its page
    #: numbers (front matter in roman numerals: the fourth page is printed ``1``).
    page_labels: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: Each heading starts a passage, however short: a statute's section or a feed's
    #: entry is what a citation names, and must not share a passage with the next one.
    whole_sections: bool = False
    #: Each block is of its own date (a feed's entries), "" when it has none: the
    #: document's date is then only the newest of them, not every passage's.
    block_dates: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Passage:
    """A searchable unit of 40-250 words that never crosses a PDF page."""

    passage_id: str
    doc_id: str
    ordinal: int
    text: str
    headings: tuple[str, ...] = ()
    page: int | None = None
    lang: str = "und"
    lang_probability: float = 0.0
    anchor: str = ""
    link: str = ""
    date: str = ""

    @property
    def heading(self) -> str:
        return " › ".join(self.headings)


@dataclass(frozen=True)
class Translation:
    """The same document in another language, and the same section when it has one
    (``passage_id``, ``heading``); ``doc_id`` is None for a linked page the archive does
    not hold. Read as ``t.lang`` or ``t["lang"]``: its JSON shape is its fields."""

    lang: str
    url: str = ""
    doc_id: str | None = None
    title: str | None = None
    passage_id: str | None = None
    heading: str | None = None

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    @property
    def section(self) -> str:
        """The linked section's own heading, without the chapters above it (``28 § ...``)."""
        return (self.heading or "").rsplit(" › ", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Hit:
    """One ranked passage with everything a citation needs."""

    rank: int
    score: float
    passage_id: str
    doc_id: str
    source: str
    title: str
    text: str
    snippet: str
    lang: str
    lang_probability: float
    doc_type: str
    date: str = ""
    year: int | None = None
    author: str = ""
    #: The passage's own address (a feed entry's), else its document's.
    url: str = ""
    page: int | None = None
    #: The page as printed on it (``iii``, ``3``), where it differs from ``page``, the
    #: page's place in the file (what a PDF viewer's ``#page=`` takes).
    page_label: str = ""
    heading: str = ""
    #: The document's language, where the passage may be in another.
    doc_lang: str = ""
    #: The title's language (``language.title_language``).
    title_lang: str = ""
    #: The same document (and section) in other languages, as :func:`translations.linked_all` finds them.
    translations: tuple[Translation, ...] = ()
    #: The title with the query's matches between marks, as ``snippet``: a passage is
    #: found by its document's title too, and a hit whose match was only there showed
    #: no mark at all.
    title_marked: str = ""
    #: The heading path so marked: a passage is found by its headings too (a statute
    #: section by its heading's words).
    heading_marked: str = ""

    @property
    def title_highlight(self) -> str:
        """The title as HTML: text escaped, matches in ``<mark>``."""
        return with_marks(self.title_marked or self.title, "<mark>", "</mark>", escape=True)

    @property
    def heading_highlight(self) -> str:
        """The heading path as HTML: text escaped, matches in ``<mark>``."""
        return with_marks(self.heading_marked or self.heading, "<mark>", "</mark>", escape=True)

    @property
    def highlight(self) -> str:
        """The snippet as HTML: text escaped, matches in ``<mark>``."""
        return self.highlight_with("<mark>", "</mark>", escape=True)

    def highlight_with(self, open_mark: str, close_mark: str, *, escape: bool = False) -> str:
        """The snippet with matches between the given marks (for terminals, Markdown...)."""
        return with_marks(self.snippet, open_mark, close_mark, escape=escape)

    @property
    def plain_snippet(self) -> str:
        return self.snippet.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["snippet"] = self.plain_snippet
        data["highlight"] = self.highlight
        del data["title_marked"], data["heading_marked"]
        data["title_highlight"] = self.title_highlight
        data["heading_highlight"] = self.heading_highlight
        data["translations"] = [t.to_dict() for t in self.translations]
        data["score"] = round(self.score, 4)
        data["lang_probability"] = round(self.lang_probability, 4)
        return data


@dataclass
class FileProblem:
    """A file that was skipped or failed, with a one-line reason."""

    path: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest did: counts, per-file problems, and what changed."""

    documents: int = 0
    passages: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    by_lang: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    skipped: list[FileProblem] = field(default_factory=list)
    failed: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["moved"] = [{"from": a, "to": b} for a, b in self.moved]
        data["seconds"] = round(self.seconds, 3)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return data
