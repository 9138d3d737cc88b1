"""XML files: what kind of XML decides how it is read.

A Finlex statute (``saa:Saados``) is read by ``statute``, an RSS or Atom feed by
``feed``; other XML (configuration, SVG, data dumps) is no document a person reads and
is skipped with its root element named, rather than indexed as a soup of values.
The root is read first, without parsing the rest: a feed goes straight to feedparser,
which reads the sloppy XML real feeds hold (`&nbsp;`, a bare `&`), with none of the
feed's own entities expanded (``feed.extract``); anything else is parsed strictly, with
no entities resolved. Neither loads from the network or a local file, so a hostile file
can neither read local files nor blow up in memory.
"""

from __future__ import annotations

import io

from feedparser.encodings import convert_to_utf8
from lxml import etree

from ..errors import ExtractError, NotADocumentError, one_line
from ..models import Document
from . import feed, prolog, statute


def extract(data: bytes, source: str) -> Document:
    """A statute or a feed; any other XML raises NotADocumentError naming its root element."""
    if feed.is_feed(_root_name(data).lower()):
        return feed.extract(data, source)
    try:
        # A parser per file: lxml's parser objects are not to be shared between threads.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 remove_comments=True, remove_pis=True, huge_tree=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractError(f"invalid XML: {_xml_message(exc)}") from exc
    if root is None:
        raise ExtractError("invalid XML: no root element")
    name = etree.QName(root).localname
    if statute.is_statute(root):
        return statute.extract(root, source)
    raise NotADocumentError(f"XML of a kind this tool does not read (root element <{name}>); "
                            "it reads Finlex statutes and RSS or Atom feeds")


def _root_name(data: bytes) -> str:
    """The root element's local name, read past the prolog only ('' if there is none).

    lxml reads it; when the bytes near the start are not well-formed (a feed's bare
    ``&`` in the same block), the prolog is walked to it in the text as feedparser
    decodes feeds."""
    events = etree.iterparse(io.BytesIO(data), events=("start",), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False)
    try:
        _, element = next(events)
        return etree.QName(element).localname
    except StopIteration:
        return ""
    except etree.XMLSyntaxError:
        pass
    return prolog.root_name(convert_to_utf8({}, data, {}))


def _xml_message(exc: etree.XMLSyntaxError) -> str:
    """lxml's message without the position it adds to ``str``."""
    return one_line(getattr(exc, "msg", "") or exc)
