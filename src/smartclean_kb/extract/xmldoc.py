"""XML files: what kind of XML decides how it is read.

A Finlex statute (``saa:Saados``) is read by ``statute``, an RSS or Atom feed by
``feed``; other XML (configuration, SVG, data dumps) is no document a person reads and
is skipped with its root element named, rather than indexed as a soup of values.
The parser resolves no entities and loads nothing from the network, so a hostile file
can neither read local files nor blow up in memory.
"""

from __future__ import annotations

from lxml import etree

from ..errors import ExtractError, NotADocumentError
from ..models import Document
from . import feed, statute



def extract(data: bytes, source: str) -> Document:
    """A statute or a feed; any other XML raises NotADocumentError naming its root element."""
    try:
        # A parser per file: lxml's parser objects are not to be shared between threads.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 remove_comments=True, remove_pis=True, huge_tree=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        message = " ".join(str(getattr(exc, "msg", "") or exc).split())[:200]
        raise ExtractError(f"invalid XML: {message}") from exc
    if root is None:
        raise ExtractError("invalid XML: no root element")
    name = etree.QName(root).localname
    if feed.is_feed(name.lower()):
        return feed.extract(data, source)
    if statute.is_statute(root):
        return statute.extract(root, source)
    raise NotADocumentError(f"XML of a kind this tool does not read (root element <{name}>); "
                            "it reads Finlex statutes and RSS or Atom feeds")
