"""The same document, and the same section, in another language.

A researcher who finds a passage wants the other language's version of it to cite or
compare. Two things say a file has one: ``hreflang`` links a web page declares, and a
file's name or folder (``hanke.fi.html`` beside ``hanke.sv.html``; ``finlex/fi/laki.xml``
beside ``finlex/sv/laki.xml``), which the ingest records as the file's *family*. Within
a document, a passage's *anchor* (a statute's ``luku:4/pykala:28``, numbered alike in
both languages) finds the same section. Everything is looked up in the index, so a
search needs no manifest and a file ingested later is linked as soon as it is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from whoosh.searching import Searcher

from .models import Translation

#: A file named for its language: ``hanke.fi.html`` beside ``hanke.sv.html``.
_LANGUAGE_NAMED = re.compile(r"(?P<stem>.+)\.(?P<lang>[a-z]{2})(?P<suffix>\.[^./\\]+)")
#: A file in a folder named for its language: ``finlex/fi/asd20110646.xml`` beside
#: ``finlex/sv/asd20110646.xml``.
_LANGUAGE_FOLDER = re.compile(r"(?P<stem>.*[/\\])(?P<lang>[a-z]{2})[/\\](?P<suffix>[^/\\]+)")
_PATTERNS = (("name", _LANGUAGE_NAMED), ("folder", _LANGUAGE_FOLDER))


def family(path: str, main_lang: str) -> str:
    """The key a file shares with its versions in other languages, or "".

    A name's or folder's language code counts only when it is the language most of the
    file's passages were detected in, so ``raportti.de.pdf`` in Finnish or
    ``kartta.js.html`` links nothing. ``path`` is the file's absolute path: the path as
    given to the ingest (``fi/laki.xml`` from inside ``finlex``) may not show the folder."""
    for kind, pattern in _PATTERNS:
        named = pattern.fullmatch(path)
        if named and named["lang"] == main_lang:
            return f"{kind}:{named['stem']}\x1f{named['suffix'].lower()}"
    return ""


def _key(stored: dict[str, Any]) -> str:
    """A passage's family key (stored as ``[key, language]``), or ""."""
    return stored["family"][0] if stored.get("family") else ""


def linked(searcher: Searcher, stored: dict[str, Any]) -> list[Translation]:
    """The other-language versions of one passage's document (see :func:`linked_all`)."""
    return linked_all(searcher, [stored])[0]


def linked_all(searcher: Searcher, passages: list[dict[str, Any]]) -> list[list[Translation]]:
    """For each passage (its stored fields), the other-language versions of its
    document, one per language: the ``hreflang`` links first, then the family's files,
    each with the same section when the passage has an anchor that version also has.

    ``doc_id`` is None for a declared page the archive does not hold, ``passage_id``
    None when no section matches. Looked up by short posting lists (``family_first``, ``section``), not
    scored searches: a page of statute hits took 4 ms more through Whoosh's matchers."""
    families: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for key in sorted({_key(p) for p in passages} - {""}):
        for docnum in searcher.document_numbers(family_first=key):
            member = searcher.stored_fields(docnum)
            families.setdefault(key, []).append((member["family"][1], member["doc_id"], member))
    out = [_documents(searcher, p, sorted(families.get(_key(p), ()))) for p in passages]
    first = _Sections(searcher)
    for p, links in zip(passages, out):
        links[:] = [first.same_section(link, p) or link for link in links]
    return out


def _documents(searcher: Searcher, stored: dict[str, Any],
               members: list[tuple[str, str, dict[str, Any]]]) -> list[Translation]:
    """One passage's document links: declared ones, then its family's other languages."""
    found: list[Translation] = []
    seen = {stored.get("doc_lang") or ""}
    missing: list[Translation] = []
    for lang, url in stored.get("translations") or ():
        if other := _by_url(searcher, url):
            found.append(_link(lang, url, other))
            seen.add(lang)
        else:
            missing.append(_link(lang, url, None))
    for lang, doc_id, member in members:
        if doc_id != stored.get("doc_id") and lang and lang not in seen:
            seen.add(lang)
            found.append(_link(lang, member.get("url") or "", member))
    # A declared page the archive does not hold is still worth naming, unless a file of
    # that language stands in for it (a link that differs from the page's own address).
    return found + [link for link in missing if link.lang not in seen]


def _by_url(searcher: Searcher, url: str) -> dict[str, Any] | None:
    """The document at ``url``, written with or without a trailing slash (a page linking
    ``.../sv/projekt`` whose own address is ``.../sv/projekt/`` found nothing)."""
    if not url:
        return None
    bare = url.rstrip("/")
    for variant in dict.fromkeys((url, bare, bare + "/")):
        if found := searcher.document(url=variant):
            return found
    return None


def sections(searcher: Searcher, passages: Sequence[dict[str, Any]],
             documents: Iterable[Translation]) -> dict[str, list[Translation]]:
    """passage_id -> the same section in each linked document, for a whole document's
    passages: the first passage of that anchor there."""
    first = _Sections(searcher)
    out: dict[str, list[Translation]] = {}
    for doc in documents:
        for p in passages:
            if same := first.same_section(doc, p):
                out.setdefault(p["passage_id"], []).append(same)
    return out


class _Sections:
    """The stored fields of a document's first passage under an anchor, each looked up once."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.found: dict[str, dict[str, Any] | None] = {}

    def same_section(self, link: Translation, passage: dict[str, Any]) -> Translation | None:
        """``link`` pointed at the section of ``passage`` (its stored fields) in the
        linked document, or None when that document is not held or has no such section."""
        if not (link.doc_id and passage.get("anchor")):
            return None
        key = f"{link.doc_id}#{passage['anchor']}"
        if key not in self.found:
            docnums = list(self.searcher.document_numbers(section=key))
            if len(docnums) > 1:  # a long section cut into passages: its first
                docnums.sort(key=self.searcher.reader().column_reader("ordinal").__getitem__)
            self.found[key] = self.searcher.stored_fields(docnums[0]) if docnums else None
        same = self.found[key]
        return replace(link, passage_id=same["passage_id"], heading=same.get("heading", "")) if same else None


def _link(lang: str, url: str, other: dict[str, Any] | None) -> Translation:
    return Translation(lang=lang, url=url, doc_id=other["doc_id"] if other else None,
                       title=other.get("title") if other else None)
