"""The search page and the JSON API: one Flask app over one KnowledgeBase.

The app parses request arguments, calls :class:`~smartclean_kb.kb.KnowledgeBase` and
formats what it returns; every search behaviour lives in the library. Errors reach API
clients in one JSON shape, ``{"ok": false, "error": "...", "status": 400, "hint": ...}``,
and people as a page in their language.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlencode

from flask import Flask, Response, g, jsonify, make_response, render_template, request, url_for
from markupsafe import escape
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .. import cite, config
from ..errors import KBError, NotFoundError, QueryError
from ..kb import KnowledgeBase
from ..search import year_span
from . import format as fmt
from . import i18n
from .params import BadParam, SearchParams, choice, parse, parse_valid

log = logging.getLogger(__name__)

FACETS = (("lang", "lang", "facet_lang"), ("doc_type", "type", "facet_doc_type"),
          ("year", "year", "facet_year"))
UI_COOKIE = "ui"
#: A citation's media type and, for a reference manager's file, its file name suffix.
CITATION_TYPES = {"text": ("text/plain", ""), "ris": ("application/x-research-info-systems", ".ris"),
                  "bibtex": ("application/x-bibtex", ".bib")}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def link(path: str, args: dict[str, Any]) -> str:
    """``path`` with a query string (any argument names, unlike url_for's keywords)."""
    query = urlencode([(k, v) for k, v in args.items() if v is not None])
    return f"{path}?{query}" if query else path


class _LockedKB:
    """The app's one KnowledgeBase; Whoosh searchers are not thread-safe, Flask serves threaded."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.lock = threading.Lock()

    def search(self, *args: Any, **kwargs: Any):
        with self.lock:
            return self.kb.search(*args, **kwargs)

    def get(self, *args: Any, **kwargs: Any):
        with self.lock:
            return self.kb.get(*args, **kwargs)

    def cited_passage(self, *args: Any, **kwargs: Any) -> str | None:
        with self.lock:
            return self.kb.cited_passage(*args, **kwargs)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return self.kb.stats()


class _Utf8QueryString:
    """Percent-encode a query string sent as raw UTF-8 (``curl '...?q=jätehuolto'``):
    the server hands its bytes over as Latin-1 and the search read ``jÃ¤tehuolto``.
    Browsers encode it themselves; scripts often do not."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            raw = query.encode("latin-1", "replace")
            try:  # werkzeug's own server encodes them once more (Latin-1 read as UTF-8)
                undone = raw.decode("utf-8").encode("latin-1")
                undone.decode("utf-8")
                raw = undone
            except UnicodeError:
                pass
            environ["QUERY_STRING"] = quote(raw, safe="/?&=+%:;,@!$'()*[]~-._")
        return self.app(environ, start_response)


def create_app(index_path: str | os.PathLike[str] | None = None) -> Flask:
    """The web app over the index at ``index_path`` (default: $SMARTCLEAN_KB_INDEX or ./index).

    A missing index is not an error here: each request answers 503 with a hint until an
    ingest creates it, and the app picks up every new generation an ingest commits.
    """
    app = Flask(__name__)
    app.wsgi_app = _Utf8QueryString(app.wsgi_app)  # type: ignore[method-assign]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    kb = _LockedKB(KnowledgeBase(index_path))
    app.extensions["smartclean_kb"] = kb.kb

    # -- language, labels and formatting helpers for the templates ---------------------

    @app.before_request
    def choose_ui_language() -> None:
        g.ui = i18n.pick(request.args.get("ui"), request.cookies.get(UI_COOKIE),
                         request.accept_languages)

    @app.before_request
    def refuse_undecodable_arguments() -> None:
        """A query string that is not UTF-8 is an error, not text: ``q=%ED%A0%80`` was
        searched as the characters ``%ED%A0%80`` (every ``80`` marked)."""
        try:
            unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise BadParam("query string", "", "the query string is not valid UTF-8", ("not_utf8", {})) from None

    def t(key: str, **values: Any) -> str:
        text = i18n.LABELS[g.ui].get(key) or i18n.LABELS["en"].get(key, key)
        return text.format(**values) if values else text

    def lang_name(code: str | None) -> str:
        return t(f"lang_{code}") if code in ("fi", "sv", "en", "und") else (code or "")

    def type_name(code: str | None) -> str:
        return t(f"type_{code}") if code in config.DOC_TYPES else (code or "")

    def say(exc: KBError) -> tuple[str, str]:
        """An error's message and hint in the reader's language, where the page has words for it."""
        labels = i18n.LABELS[g.ui]
        if not exc.key or exc.key not in labels:
            return exc.message, exc.hint
        values = {k: i18n.number(v, g.ui) if isinstance(v, int) else v for k, v in exc.values.items()}
        hint = f"{exc.key}_hint"
        return t(exc.key, **values), (t(hint, **values) if hint in labels else "")

    def here(**changes: Any) -> str:
        """This page's URL with some query arguments changed (the UI language switch).
        The path is percent-encoded with one leading slash: on a 404 page for
        ``/%5Cevil.example`` the switch linked to ``/\\evil.example``, which browsers
        read as another site."""
        args = request.args.to_dict()
        args.update({k: v for k, v in changes.items() if v is not None})
        path = "/" + quote(request.path.lstrip("/\\"), safe="/:@!$&'()*+,;=-._~")
        return link(request.script_root + path, args)  # under a proxy's prefix, as url_for

    @app.context_processor
    def helpers() -> dict[str, Any]:
        ui = getattr(g, "ui", i18n.DEFAULT_UI)
        return {
            "t": t, "ui": ui, "ui_languages": i18n.UI_LANGUAGES, "here": here,
            "lang_name": lang_name, "type_name": type_name,
            "fmt_date": lambda v: i18n.date(v, ui),
            "fmt_number": lambda v: i18n.number(v, ui),
            "fmt_percent": lambda v: i18n.percent(v, ui),
            "safe_url": fmt.safe_url, "short_url": fmt.short_url, "file_name": fmt.file_name,
            "heading_path": fmt.heading_path, "quoted": fmt.quoted,
        }

    app.add_template_filter(fmt.marks, "marks")

    @app.after_request
    def headers(response):
        if request.args.get("ui") in i18n.UI_LANGUAGES:
            response.set_cookie(UI_COOKIE, request.args["ui"], max_age=365 * 24 * 3600,
                                samesite="Lax", httponly=True)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers["Content-Language"] = getattr(g, "ui", i18n.DEFAULT_UI)
            response.vary.update(("Accept-Language", "Cookie"))
        return response

    # -- errors: one JSON shape under /api/, a page in the reader's language elsewhere -----

    def wants_json() -> bool:
        return request.path == "/api" or request.path.startswith("/api/")

    def error_response(status: int, message: str, hint: str | None = None, **page: Any):
        if wants_json():
            return jsonify(ok=False, error=message, status=status, hint=hint or None), status
        if not hasattr(g, "ui"):
            choose_ui_language()
        try:
            html = render_template("error.html", status=status, message=message, hint=hint,
                                   params=SearchParams(), **page)
        except Exception:  # Never let the error page itself fail.
            log.exception("cannot render the error page")
            html = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
        return html, status

    @app.errorhandler(BadParam)
    def bad_param(exc: BadParam):
        return error_response(400, exc.message, "see /api for the parameters and their values")

    @app.errorhandler(KBError)
    def kb_error(exc: KBError):
        # A 503 is the server's problem (no index, a damaged or unreadable one): the
        # administrator reads why in the log; a bad query is the user's.
        level = logging.WARNING if exc.http_status >= 500 else logging.INFO
        log.log(level, "%s: %s%s", type(exc).__name__, exc.message, f" ({exc.hint})" if exc.hint else "")
        return error_response(exc.http_status, exc.message, exc.hint)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 404:
            message = f"no such {'API route' if wants_json() else 'page'}: {request.path[:200]}"
            hint = "see /api for the routes" if wants_json() else None
        else:
            message, hint = (exc.name or "error").lower(), None
        response = make_response(error_response(status, message, hint))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # RFC 9110 wants it with a 405
        return response

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        log.exception("internal error on %s", request.full_path)
        return error_response(500, "internal error (logged on the server)",
                              "please report it with the time of the request")

    # -- the search page ---------------------------------------------------------------------

    def search_url(params: SearchParams, **changes: Any) -> str:
        return url_for("search_page", **params.url_args(**changes))

    def facet_groups(results, params: SearchParams) -> list[dict[str, Any]]:
        groups = []
        for key, param, label in FACETS:
            counts = dict((results.facets or {}).get(key, {}))
            current = getattr(params, param)
            chosen = str(current) if current else None
            if key == "year" and chosen and len(set(year_span(chosen))) > 1:
                chosen = None  # a span of years: its chip and the facet's form show it
            if chosen and chosen not in counts:
                counts[chosen] = 0
            if key == "year":
                ordered = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
            else:
                ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            names = {"lang": lang_name, "doc_type": type_name, "year": str}[key]
            entries = [{
                "value": value, "label": names(value), "count": count,
                "selected": value == chosen,
                "url": search_url(params, page=None, **{param: None if value == chosen else value}),
            } for value, count in ordered]
            if entries:
                groups.append({"key": key, "param": param, "title": t(label), "entries": entries,
                               "clear_url": search_url(params, page=None, **{param: None})
                               if chosen else None})
        return groups

    def active_filters(params: SearchParams) -> list[dict[str, str]]:
        shown = {"lang": lang_name, "type": type_name, "year": fmt.years}
        titles = {"lang": "facet_lang", "type": "facet_doc_type", "year": "facet_year"}
        return [{"title": t(titles[name]), "label": shown[name](value),
                 "url": search_url(params, page=None, **{name: None})}
                for name, value in params.filters.items()]

    def render_search(params: SearchParams, status: int = 200, **context: Any):
        html = render_template("search.html", params=params, search_url=search_url,
                               active=active_filters(params), **context)
        return html, status

    @app.get("/")
    def search_page():
        try:
            params = parse(request.args)
        except BadParam as exc:
            dropped = {exc.name, "ui"} | ({"year_from", "year_to"} if exc.name == "year" else set())
            args = {k: v for k, v in request.args.items() if k not in dropped}
            key, values = exc.problem
            return render_search(
                parse_valid(args), 400,
                problem=t("error_bad_param", name=exc.name, problem=t(key, **values)),
                without_url=link(url_for("search_page"), args),
            )
        if not params.q.strip():
            return render_search(params, stats=kb.stats(), examples=i18n.EXAMPLES)
        try:
            results = kb.search(params.q, limit=params.per_page, lang=params.lang,
                                doc_type=params.type, year=params.year, page=params.page, sort=params.sort,
                                facets=True)
        except QueryError as exc:
            problem, hint = say(exc)
            return render_search(params, 400, problem=problem, problem_hint=hint)
        hits = list(results)  # none on a page past the last
        first = (params.page - 1) * params.per_page + 1
        return render_search(
            params, results=results, hits=hits, pages=results.pages,
            first=first, last=first + len(hits) - 1,
            window=fmt.page_window(params.page, results.pages),
            facets=facet_groups(results, params),
        )

    # -- the document view ----------------------------------------------------------------

    @app.get("/doc/<doc_id>")
    def document_page(doc_id: str):
        q = request.args.get("q", "")
        query_problem = None
        try:
            doc = kb.get(doc_id, query=q or None)
        except NotFoundError:
            return error_response(404, f"no document with id {doc_id!r}",
                                  title=t("error_doc_not_found"),
                                  text=t("error_doc_not_found_text"))
        except QueryError as exc:
            doc, query_problem = kb.get(doc_id), " ".join(filter(None, say(exc)))
        passages = []
        previous_heading = previous_page = None
        for p in doc.passages:
            heading = fmt.heading_path(p["heading"], doc.title)
            passages.append({
                **p,
                "html": fmt.marks(p["marked"]),
                "show_heading": heading if heading and heading != previous_heading else "",
                # The same section in another language, linked once, at its heading.
                "sections": p["translations"] if heading and heading != previous_heading else [],
                "show_page": (p["page_label"] or p["page"]) if p["page"] and p["page"] != previous_page else None,
            })
            previous_heading, previous_page = heading or previous_heading, p["page"] or previous_page
        matched = [p for p in passages if p["matched"]]
        # A long document's sections to jump to (a statute's hundreds of sections, a report's
        # chapters): every heading a passage opens, a chapter with no text of its own too.
        contents: list[dict[str, Any]] = []
        shown: list[str] = []
        for p in passages:
            if not p["show_heading"]:
                continue
            path = p["show_heading"].split(" › ")
            same = next((n for n, (a, b) in enumerate(zip(path, shown)) if a != b), min(len(path), len(shown)))
            contents += [{"label": label, "depth": depth, "passage_id": p["passage_id"], "lang": p["lang"]}
                         for depth, label in enumerate(path[same:], start=same)]
            shown = path
        # Cited where the reader came to: the hit or section a link named (``at``), else
        # the passage the query ranks first.
        at = request.args.get("at", "")
        at = kb.cited_passage(doc_id, at if any(p["passage_id"] == at for p in passages) else None,
                              None if query_problem else q)
        # The search it was opened from (filters, order, page), for "back"; a bad parameter dropped.
        came_from = parse_valid(request.args) if q else SearchParams()
        return render_template(
            "document.html", doc=doc, q=q, params=SearchParams(q=q), passages=passages, matched=matched,
            came_from=came_from.url_args(),
            query_problem=query_problem, contents=contents if len(contents) >= 3 else [],
            citation=doc.citation(page_label=t("page_short", n="{page}"), at=at),
            cited_id=at,
            back_url=search_url(came_from) if q else url_for("search_page"),
        )

    # -- the JSON API -------------------------------------------------------------------------

    @app.get("/api")
    @app.get("/api/")
    def api_index():
        return jsonify(ok=True, endpoints={
            "/api/search": "q, lang (fi|sv|en|und, or another language code the index holds), "
                           f"type ({'|'.join(config.DOC_TYPES)}), year (2015, or a span: 2014-2016, 2017-), "
                           "page (1-10000), per_page (1-100), sort (relevance|newest|oldest)",
            "/api/documents/<id>": "q (optional: marks its matches)",
            "/api/documents/<id>/citation": "format (text|ris|bibtex), at (a passage id: its page "
                                            "or section), q (else: the passage it ranks first)",
            "/api/stats": "what the index holds",
        })

    @app.get("/api/search")
    def api_search():
        params = parse(request.args)
        results = kb.search(params.q, limit=params.per_page, lang=params.lang,
                            doc_type=params.type, year=params.year, page=params.page, sort=params.sort,
                            facets=True)
        return jsonify({"ok": True, **results.to_dict()})

    @app.get("/api/documents/<doc_id>")
    def api_document(doc_id: str):
        q = request.args.get("q") or None
        doc = kb.get(doc_id, query=q)
        return jsonify({"ok": True, **doc.to_dict(kb.cited_passage(doc_id, query=q))})

    @app.get("/api/documents/<doc_id>/citation")
    def api_citation(doc_id: str):
        """The document's citation as text, RIS or BibTeX, at a passage's page or section
        (``at``, else the one ``q`` ranks first); RIS and BibTeX download as files."""
        style = choice(request.args, "format", cite.FORMATS) or "text"
        doc = kb.get(doc_id)
        at = kb.cited_passage(doc_id, request.args.get("at"), request.args.get("q"))
        body = doc.citation(style=style, at=at)
        kind, suffix = CITATION_TYPES[style]
        response = Response(body, content_type=f"{kind}; charset=utf-8")
        if suffix:
            response.headers["Content-Disposition"] = f'attachment; filename="{doc_id}{suffix}"'
        return response

    @app.get("/api/stats")
    def api_stats():
        return jsonify({"ok": True, **kb.stats()})

    return app
