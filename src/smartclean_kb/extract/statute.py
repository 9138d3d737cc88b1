"""Finnish statutes as Finlex publishes them (the government's XML schema, ``saa:``).

A section (``saa:Pykala``) is what a lawyer cites, so each one is its own passage under
the heading path a citation names (``4 luku Vastuu jätehuollon järjestämisestä ›
28 § Jätehuollon järjestäminen``): its moments, list items and table rows are its blocks. The title
is the statute's type, name and number (``Jätelaki (646/2011)``), the date the one it
was signed, written in words at its end (``Helsingissä 17 päivänä kesäkuuta 2011``).
Signatures, references to preparatory work and images carry no text worth finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from lxml import etree

from ..errors import ExtractError
from ..models import Block, Document
from .dates import find_date

#: Elements that hold one block of running text.
_TEXT = frozenset({
    "MomenttiKooste", "MomenttiJohdantoKooste", "MomenttiKohtaKooste", "MomenttiAlakohtaKooste",
    "SaadosKappaleKooste", "KappaleKooste",
})
#: Elements that open a level of the heading path, with the element holding their number.
_LEVELS = {"Osa": "OsaTunnusKooste", "Luku": "LukuTunnusKooste", "Pykala": "PykalaTunnusKooste"}
#: The words around a level's number in either language (``4 luku``, ``4 kap.``,
#: ``II OSA``, ``AVDELNING II``, ``28 a §``): what is left is its number alone.
_NUMBER_WORDS = re.compile(r"§|\b(?:luku|kap|osa|avdelning)\b\.?|\s+")
#: Elements whose text is no part of the statute's content (or is read elsewhere).
_SKIP = frozenset({
    "IdentifiointiOsa", "SaadosNimeke", "AllekirjoitusOsa", "EsityoOsa", "AsiakirjaViitteet",
    "Kuva", "KuvaAsemointi", "OsaTunnusKooste", "LukuTunnusKooste", "PykalaTunnusKooste",
    "SaadosOtsikkoKooste",
})
#: An appendix's first line heads it when it is this short (``Liite 9``, ``Bilaga 2``).
APPENDIX_TITLE_WORDS = 6
#: Elements that end a word inside a block of text (line breaks).
_BREAKS = frozenset({"Rivivaihto", "br"})


#: The body of an act (``saa:Saados``) or of another publication in the statute book,
#: such as a ministry's notice (``saa:MuuSaados``).
_BODIES = ("{*}Saados", "{*}MuuSaados")


def is_statute(root: etree._Element) -> bool:
    """Whether a parsed XML file is a statute in Finlex's schema (it has a ``saa:Saados``)."""
    return next(root.iter(*_BODIES), None) is not None


def extract(root: etree._Element, source: str) -> Document:
    """A Finlex statute (already parsed) as a Document, one passage per section."""
    statute = next(root.iter(*_BODIES))
    blocks = list(_blocks(root, statute))
    if not blocks:
        raise ExtractError("a Finlex statute with no text")
    lang = _local_attribute(statute, "kieliKoodi") or _local_attribute(root, "kieliKoodi")
    return Document(
        source=source,
        doc_type="statute",
        blocks=tuple(blocks),
        title=_title(root, statute),
        date=find_date(_first_text(root, "PaivaysKooste")),
        declared_lang=lang,
        whole_sections=True,
    )


def _title(root: etree._Element, statute: etree._Element) -> str:
    """``Valtioneuvoston asetus energiakatselmuksista (20/2015)``; a law's name alone
    when it repeats the type (``Laki`` + ``jätelaki`` reads ``Jätelaki``)."""
    kind = _first_text(statute, "SaadostyyppiKooste")
    name = _first_text(statute, "SaadosNimekeKooste")
    if kind and name and name.lower().endswith(kind.lower()) and " " not in name:
        title = name
    else:
        title = " ".join(x for x in (kind, name) if x)
    number = _first_text(root, "AsiakirjaNroTeksti")
    year = _first_text(root, "ValtiopaivavuosiTeksti")
    if number and year:
        title = f"{title} ({number}/{year})" if title else f"{number}/{year}"
    return title[:1].upper() + title[1:]


def _blocks(root: etree._Element, statute: etree._Element) -> Iterator[Block]:
    """The statute's blocks in reading order, each under its heading path, then its
    appendices (outside ``saa:Saados``), each under its first line (``Liite 9``) and
    anchored by its place among them, as the other language numbers them the same."""
    yield from _walk(statute, (), "")
    appendices = (a for a in root.iter("{*}SisaltoLiite", "{*}SaadosLiite")
                  if not any(up is statute for up in a.iterancestors()))
    for number, appendix in enumerate(appendices, 1):
        blocks = list(_walk(appendix, (), f"liite:{number}"))
        if blocks and len(blocks[0].text.split()) <= APPENDIX_TITLE_WORDS and len(blocks) > 1:
            heading, blocks = (blocks[0].text,), blocks[1:]
            blocks = [replace(b, headings=heading + b.headings) for b in blocks]
        yield from blocks


def _walk(element: etree._Element, path: tuple[str, ...], anchor: str | None) -> Iterator[Block]:
    """Blocks below ``element``. A heading between sections (``saa:SaadosValiotsikkoKooste``)
    heads the sections after it up to the next part or chapter. lxml refuses XML nested deeper than
    256 levels, so the recursion is bounded."""
    between = ""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name in _SKIP:
            continue
        if name == "SaadosValiotsikkoKooste":
            between = _text(child)
        elif name in _LEVELS:
            if name != "Pykala":
                between = ""
            inner = path + tuple(h for h in (between, _heading(child, _LEVELS[name])) if h)
            yield from _walk(child, inner, _anchor(anchor, name, _first_text(child, _LEVELS[name])))
        elif name == "row" or name in _TEXT:
            # A table row reads as its cells, as the HTML extractor gives them.
            text = (" | ".join(c for c in (_text(e) for e in child if isinstance(e.tag, str)) if c)
                    if name == "row" else _text(child))
            if text:
                yield Block(text=text, headings=path + ((between,) if between else ()), anchor=anchor or "")
        else:
            yield from _walk(child, path, anchor)


def _anchor(outer: str | None, level: str, label: str) -> str | None:
    """``luku:4/pykala:28a`` from the outer levels' anchor and this level's label
    (``28 a §``); None below a level with no number, which would mistake one section
    for another."""
    number = _NUMBER_WORDS.sub("", label.lower())
    if outer is None or not number:
        return None
    return f"{outer}/{level.lower()}:{number}" if outer else f"{level.lower()}:{number}"


def _heading(element: etree._Element, number_tag: str) -> str:
    """``5 § Jätteen määritelmä``: the number and title of a part, chapter or section."""
    number = title = ""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == number_tag:
            number = _text(child)
        elif name == "SaadosOtsikkoKooste":
            title = _text(child)
    return " ".join(x for x in (number, title) if x)


def _first_text(element: etree._Element, tag: str) -> str:
    """The text of the first ``tag`` element (any namespace) below ``element``, or ""."""
    found = next(element.iter(f"{{*}}{tag}"), None)
    return "" if found is None else _text(found)


def _text(element: etree._Element) -> str:
    """An element's text as it reads, inline markup joined to its words, spaces squeezed.

    Walked by start and end events, so a nested element's tail follows its children's
    text (``m<sup>3</sup>`` inside a bold unit reads ``m3 (n)``, not ``m 3 (n)`` reordered)."""
    parts: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if event == "start":
            if isinstance(node.tag, str):  # not an unresolved entity: its text is its name
                if node is not element and etree.QName(node).localname in _BREAKS:
                    parts.append(" ")
                if node.text:
                    parts.append(node.text)
        elif node is not element and node.tail:
            parts.append(node.tail)
    return " ".join("".join(parts).split())


def _local_attribute(element: etree._Element, name: str) -> str:
    """An attribute by its local name, whatever its namespace (``met1:kieliKoodi``)."""
    for key, value in element.attrib.items():
        if etree.QName(key).localname == name:
            return value.strip().lower()
    return ""
