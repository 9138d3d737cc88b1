"""HTML project pages and blog posts: metadata, the article's blocks, never the site chrome."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from bs4 import (BeautifulSoup, CData, Comment, MarkupResemblesLocatorWarning, NavigableString, Tag,
                 XMLParsedAsHTMLWarning)

from ..errors import ExtractError
from ..models import Block, Document
from .decode import decode_text
from .dates import read_date

#: Elements that are never content, wherever they are.
DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
    "form", "nav", "aside", "button", "select", "input", "textarea", "dialog", "menu",
)
#: Site chrome recognised by its class, id or role.
CHROME = re.compile(
    r"cookie|consent|gdpr|banner|breadcrumb|comment|related|share|social|newsletter|"
    r"subscribe|sidebar|skip-link|menu|navbar|site-header|site-footer|advert|promo|popup|modal|"
    r"byline|post-meta|entry-meta|\btags\b|tag-list|language-switch|lang-switch",
    re.I,
)
CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
# bs4 advises, in a dozen lines on stderr, about input it parses as asked: a feed saved as
# .html (read as a page), an entry's summary that is only an address (read as text).
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Elements whose text is one block; everything else is walked into.
LEAF_BLOCKS = {"p", "li", "dt", "dd", "figcaption", "pre", "caption", "address", "summary", "tr"}
BLOG_TYPES = {"blogposting", "article", "newsarticle", "socialmediaposting", "report"}
#: Elements that run inside a line of text: their text joins its neighbours as written
#: (``CO<sub>2</sub>``, ``<a>Vantaalle</a>,``). Every other element breaks words apart.
INLINE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn",
    "em", "font", "i", "ins", "kbd", "label", "mark", "nobr", "output", "q", "rb", "rp",
    "rt", "ruby", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
    "tt", "u", "var", "wbr",
})
#: Marks the end of an element that breaks words, in ``_walk``'s stack.
_BREAK = object()
SPACE = re.compile(r"\s+")


def extract(data: bytes, source: str) -> Document:
    """Parse an HTML file into a Document (metadata from head, blocks from the article)."""
    text, warnings = decode_text(data, html=True)
    try:
        soup = BeautifulSoup(text, "lxml")
    except RecursionError as exc:
        raise ExtractError("HTML nested too deeply to parse") from exc
    if soup.find("html") is None and soup.find("body") is None:
        raise ExtractError("no HTML content")
    meta = _metadata(soup)
    try:
        blocks = _blocks(soup)
    except RecursionError as exc:
        raise ExtractError("HTML nested too deeply to parse") from exc
    title = meta["title"] or next((b.headings[0] for b in blocks if b.headings), "")
    if not blocks:
        raise ExtractError("no article text found (only site chrome or an empty page)")
    return Document(
        source=source,
        doc_type=meta["doc_type"],
        blocks=tuple(blocks),
        title=title,
        description=meta["description"],
        author=meta["author"],
        publisher=meta["publisher"],
        date=meta["date"],
        url=meta["url"],
        declared_lang=meta["lang"],
        warnings=tuple(warnings),
        translations=tuple(meta["translations"]),
        tags=tuple(meta["tags"]),
    )


def _clean(text: str) -> str:
    return SPACE.sub(" ", text).strip()


def element_text(node: Tag) -> str:
    """An element's text as it reads: Beautiful Soup's ``get_text(" ")`` put a space at
    every tag, so ``CO<sub>2</sub>`` was found as ``CO 2`` and a linked word stood
    apart from its comma. Walked without recursion (pages can nest very deeply)."""
    parts: list[str] = []
    stack: list[tuple[Iterator[Any], bool]] = [(iter(node.contents), False)]
    while stack:
        children, breaks = stack[-1]
        for child in children:
            if isinstance(child, Tag):
                inner_breaks = child.name not in INLINE_TAGS
                if inner_breaks:
                    parts.append(" ")
                stack.append((iter(child.contents), inner_breaks))
                break
            if type(child) is NavigableString or type(child) is CData:
                parts.append(child)
        else:
            stack.pop()
            if breaks:
                parts.append(" ")
    return _clean("".join(parts))


def _meta_content(metas: list[Tag], *names: str) -> str:
    """The content of the first <meta> with one of ``names`` (name, property, then itemprop).

    ``metas`` is every <meta> of the page, found once: a tree search per name and
    attribute walked a whole page some fifty times, minutes for a 20 MB page.
    """
    def first(attr: str, name: str) -> Tag | None:
        return next((tag for tag in metas if tag.get(attr) == name), None)

    for name in names:
        tag = first("name", name) or first("property", name)
        if tag and tag.get("content"):
            return _clean(str(tag["content"]))
        tag = first("itemprop", name)
        if tag and tag.get("content"):
            return _clean(str(tag["content"]))
    return ""


def _json_ld(soup: BeautifulSoup) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, flattened out of lists and @graph."""
    found: list[dict[str, Any]] = []
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return found


def _ld_name(value: Any) -> str:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return _ld_name(value.get("name", ""))
    if isinstance(value, list):
        return "; ".join(n for n in (_ld_name(v) for v in value) if n)  # as pdf.py joins authors
    return ""


def _ld_types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds}


def _metadata(soup: BeautifulSoup) -> dict[str, Any]:
    metas = soup.find_all("meta")
    ld = _json_ld(soup)
    main_ld = next((i for i in ld if _ld_types(i) & (BLOG_TYPES | {"webpage"})), ld[0] if ld else {})
    html_tag = soup.find("html")
    lang = str(html_tag.get("lang", "")) if isinstance(html_tag, Tag) else ""
    lang = lang or str(main_ld.get("inLanguage", "") or "")

    site = _meta_content(metas, "og:site_name")
    title_element = _clean(soup.title.get_text()) if soup.title else ""
    title = (
        _meta_content(metas, "og:title")
        or _ld_name(main_ld.get("headline") or main_ld.get("name"))
        or _strip_site_name(title_element, soup, site)
    )
    author = (
        _meta_content(metas, "author", "article:author", "dc.creator", "DC.creator")
        or _ld_name(main_ld.get("author"))
        or _byline(soup)
    )
    date = _date(metas, main_ld, soup)
    canonical = soup.find("link", rel="canonical")
    url = (str(canonical.get("href", "")) if canonical else "") or _meta_content(metas, "og:url")
    translations = _translations(soup, url, lang)
    og_type = _meta_content(metas, "og:type").lower()
    types = set().union(*(_ld_types(i) for i in ld)) if ld else set()
    is_blog = og_type == "article" or bool(types & BLOG_TYPES) or bool(
        re.search(r"/(blog|blogi|blogg)/", url)
    )
    publisher = site or _ld_name(main_ld.get("publisher")) or _site_of_title(title_element, title)
    keywords = _meta_content(metas, "keywords") or _ld_keywords(main_ld)
    tags = [_clean(a.get_text()) for a in soup.find_all("a", rel="tag")]
    if not tags and keywords:
        tags = [k.strip() for k in keywords.split(",") if k.strip()]
    return {
        "title": title,
        "description": _meta_content(metas, "description", "og:description"),
        "author": author,
        "publisher": publisher,
        "date": date,
        "url": url,
        "lang": lang.split("-")[0].lower(),
        "translations": translations,
        "doc_type": "blog" if is_blog else "page",
        "tags": tags,
    }


def _ld_keywords(item: dict[str, Any]) -> str:
    value = item.get("keywords", "")
    return ", ".join(value) if isinstance(value, list) else str(value or "")


def _site_of_title(raw: str, title: str) -> str:
    """The site's name a ``<title>`` adds after the page's own title and a bar
    (``Kalasatama | Smart & Clean``; of ``News | Section | Site`` the last); a dash is
    no sign of one (``Kierrätys – miksi se kannattaa`` is a headline)."""
    if not title or not raw.startswith(title):
        return ""
    found = re.fullmatch(r"\s+\|\s+(.+)", raw[len(title):])
    return found.group(1).rsplit("|", 1)[-1].strip() if found else ""


def _strip_site_name(title: str, soup: BeautifulSoup, site: str = "") -> str:
    """The page's own title in its ``<title>``: the part before a bar (``Kalasatama |
    Smart & Clean``). A dash marks a site name only where the page says so, by an h1
    that is the part before it or a site name that is the part after; otherwise it is
    the headline's own (``Kierrätys – miksi se kannattaa`` was cut to ``Kierrätys``)."""
    parts = re.split(r"\s+\|\s+", title)
    head = parts[0] if len(parts) > 1 and parts[0] else title
    dashed = re.split(r"\s+[–—-]\s+", head)
    if len(dashed) < 2 or not dashed[0]:
        return head
    if site and dashed[-1].casefold() == site.casefold():
        return head[:head.rindex(dashed[-1])].rstrip(" –—-")
    h1 = soup.find("h1")
    return dashed[0] if h1 is not None and _clean(h1.get_text(" ")) == dashed[0] else head


#: An e-mail address, started only where a word starts (linear: \S+@\S+ backtracked
#: cubically over a byline of many @s).
_EMAIL = re.compile(r"(?<![^\s@])[^\s@]+@[^\s@]+\.\w+")


def _byline(soup: BeautifulSoup) -> str:
    """The author a page's byline names: a schema.org Person's ``name`` when it has one,
    words apart, without e-mail addresses (``Lauri Nurmi`` had become ``Lauri
    Nurmilauri.nurmi@iltalehti.fi``)."""
    for selector in ('[itemprop="author"]', 'a[rel="author"]', ".author", ".byline"):
        tag = soup.select_one(selector)
        if tag:
            named = tag.select_one('[itemprop="name"]') if tag.has_attr("itemscope") else None
            name = _clean(_EMAIL.sub(" ", (named or tag).get_text(" "))).strip(" ,;|·")
            if name:
                return re.sub(r"^(by|kirjoittaja|text|av|teksti)\s*:?\s+", "", name, flags=re.I)
    return ""


def _date(metas: list[Tag], main_ld: dict[str, Any], soup: BeautifulSoup) -> str:
    """The page's date: each place a page writes one, in turn, until one reads as a date
    (a meta tag's ``March 5, 2019`` hid the JSON-LD's ``2019-03-05`` when the first
    non-empty value was taken whatever it held)."""
    for name in ("article:published_time", "date", "dc.date", "DC.date", "dcterms.created", "datePublished"):
        if found := read_date(_meta_content(metas, name)):
            return found
    for key in ("datePublished", "dateCreated"):
        if found := read_date(str(main_ld.get(key) or "")):
            return found
    return read_date(_time_tag(soup))


def _time_tag(soup: BeautifulSoup) -> str:
    scope = soup.find("article") or soup.find("main") or soup
    tag = scope.find("time", attrs={"datetime": True}) if isinstance(scope, Tag) else None
    return str(tag["datetime"]) if tag else ""


def _translations(soup: BeautifulSoup, url: str, lang: str) -> list[tuple[str, str]]:
    """(lang, url) of the same page in other languages, from ``<link rel=alternate hreflang>``.

    Language-switcher anchors are left out: they often point at another language's
    home page, not at a translation of this one.
    """
    seen: dict[str, str] = {}
    for link in soup.find_all("link", attrs={"hreflang": True}):
        code = str(link.get("hreflang", "")).split("-")[0].lower()
        href = str(link.get("href", "")).strip()
        # A relative address (``/sv/projekt/``) is the site's: read against the page's own.
        href = urljoin(url, href) if url else href
        if not href or code in ("", "x") or href == url or code == lang.split("-")[0].lower():
            continue
        seen.setdefault(code, href)
    return sorted(seen.items())


def _is_chrome(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    if str(tag.get("role", "")).lower() in CHROME_ROLES:
        return True
    ident = " ".join([str(tag.get("id", "")), " ".join(tag.get("class", []) or [])])
    return bool(ident.strip()) and bool(CHROME.search(ident))


def _content_root(soup: BeautifulSoup) -> Tag:
    """The article if there is one, else main, else body: where the content lives."""
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(a.get_text()))
    return soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup


def _blocks(soup: BeautifulSoup) -> list[Block]:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    root = _content_root(soup)
    for tag in root.find_all(DROP_TAGS):
        tag.decompose()
    for tag in root.find_all(["header", "footer"]):
        if tag.find_parent("article") is None and tag.name != "article":
            tag.decompose()
    for tag in [t for t in root.find_all(True) if _is_chrome(t)]:
        if not tag.decomposed:
            tag.decompose()
    return list(_walk(root))


def _walk(root: Tag):
    """Yield blocks in document order without recursion (pages can nest very deeply).

    Each block keeps the ``lang`` attribute of its nearest element that has one, so a
    quotation marked ``<blockquote lang="sv">`` becomes a passage of its own language.
    """
    headings: list[tuple[int, str]] = []
    pending: list[str] = []
    pending_lang = ""
    inherited = next((_lang_attr(t) for t in [root, *root.parents] if _lang_attr(t)), "")
    stack: list[tuple[Any, str]] = [(root, inherited)]

    def flush():
        text = _clean("".join(pending))
        pending.clear()
        if text:
            return Block(text, tuple(h for _, h in headings), lang=pending_lang)
        return None

    while stack:
        node, lang = stack.pop()
        if node is _BREAK:
            if pending:
                pending.append(" ")
            continue
        if isinstance(node, NavigableString):
            if str(node).strip():
                if pending and lang != pending_lang and (block := flush()):
                    yield block
                pending_lang = lang
                pending.append(str(node))
            elif pending:
                pending.append(" ")
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        lang = _lang_attr(node) or lang
        if name in HEADINGS or name in LEAF_BLOCKS or name in ("blockquote", "table", "br", "div", "section", "ul", "ol"):
            block = flush()
            if block:
                yield block
        if name in HEADINGS:
            text = element_text(node)
            if text:
                level = HEADINGS[name]
                while headings and headings[-1][0] >= level:
                    headings.pop()
                headings.append((level, text))
            continue
        if name in LEAF_BLOCKS:
            if name == "tr":
                cells = [element_text(c) for c in node.find_all(["td", "th"])]
                text = " | ".join(c for c in cells if c)
            else:
                text = element_text(node)
            if text:
                yield Block(text, tuple(h for _, h in headings), lang=lang)
            continue
        if name not in INLINE_TAGS:
            if pending:
                pending.append(" ")
            stack.append((_BREAK, lang))
        stack.extend((child, lang) for child in reversed(node.contents))
    block = flush()
    if block:
        yield block


def _lang_attr(tag: Any) -> str:
    value = tag.get("lang") if isinstance(tag, Tag) and tag.attrs else None
    return str(value).split("-")[0].lower() if value else ""
