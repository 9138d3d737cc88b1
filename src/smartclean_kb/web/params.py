"""The search parameters of the page and the API: parsed and checked before the library sees them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from .. import config
from ..errors import QueryError
from ..search import SORTS, span_text, year_span

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
TYPE_VALUES = config.DOC_TYPES


class BadParam(ValueError):
    """A query-string value that cannot be used; ``problem`` is a key into the UI labels."""

    def __init__(self, name: str, value: str, message: str, problem: tuple[str, dict]) -> None:
        super().__init__(message)
        self.name = name
        self.value = value
        self.message = message
        self.problem = problem


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    lang: str | None = None
    type: str | None = None
    #: A year or a span, as the library reads it: ``2015``, ``2014-2016``, ``2017-``.
    year: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"

    def url_args(self, **changes) -> dict[str, object]:
        """Query-string arguments for a link to this search with ``changes`` (None drops one)."""
        args = {**asdict(self), **changes}
        if args.get("page") == 1:
            args["page"] = None
        if args.get("sort") == "relevance":
            args["sort"] = None
        if args.get("per_page") == DEFAULT_PER_PAGE:
            args["per_page"] = None
        if not args.get("q"):
            args["q"] = None
        return {k: v for k, v in args.items() if v is not None}

    @property
    def filters(self) -> dict[str, object]:
        return {k: v for k, v in (("lang", self.lang), ("type", self.type), ("year", self.year)) if v}


def _int(args, name: str, default: int, lo: int, hi: int) -> int:
    raw = args.get(name, "")
    if raw.strip() == "":
        return default
    # Digits only: int() also takes "1_0" (10) and other scripts' digits.
    value = int(raw.strip()) if raw.strip().isascii() and raw.strip().isdigit() else None
    if value is None or not lo <= value <= hi:
        raise BadParam(name, raw, f"{name} must be a whole number from {lo} to {hi}",
                       ("must_be_whole", {"lo": lo, "hi": hi}))
    return value


def choice(args: Mapping[str, str], name: str, values: tuple[str, ...]) -> str | None:
    raw = args.get(name, "")
    if raw.strip() == "":
        return None
    if raw.strip() not in values:
        listed = ", ".join(values)
        raise BadParam(name, raw, f"{name} must be one of {listed}",
                       ("must_be_one_of", {"values": listed}))
    return raw.strip()


def _language(args) -> str | None:
    """Any language code, not only fi/sv/en: the language facet links to each one the
    results hold (``de``, ``et``), and a link that answered 400 was a dead end."""
    raw = args.get("lang", "")
    if not raw.strip():
        return None
    code = config.language_code(raw)
    if code is None:
        raise BadParam("lang", raw, "lang must be a language code such as fi, sv, en or und",
                       ("must_be_language", {}))
    return code


def _years(args) -> str | None:
    """``year`` as a year or a span, written one way (``2014-2016``); the year facet's
    form sends its two ends as ``year_from`` and ``year_to``."""
    raw = args.get("year", "")
    if not raw.strip() and (args.get("year_from", "").strip() or args.get("year_to", "").strip()):
        raw = f"{args.get('year_from', '').strip()}-{args.get('year_to', '').strip()}"
    try:
        span = year_span(raw.strip() or None)
    except QueryError:
        raise BadParam("year", raw, "year must be a year or a span of years such as 2015 or 2014-2016",
                       ("must_be_years", {})) from None
    return span_text(span) if span else None


def parse(args: Mapping[str, str]) -> SearchParams:
    """Read q, lang, type, year, page and per_page from a request's query string."""
    return SearchParams(
        q=args.get("q", ""),
        lang=_language(args),
        type=choice(args, "type", TYPE_VALUES),
        year=_years(args),
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        sort=choice(args, "sort", SORTS) or "relevance",
    )


def parse_valid(args: Mapping[str, str]) -> SearchParams:
    """What ``parse`` reads from ``args`` without the parameters it refuses: the search
    box of an error page keeps the filters that were fine."""
    args = dict(args.items())
    for _ in range(len(args) + 1):
        try:
            return parse(args)
        except BadParam as exc:
            args.pop(exc.name, None)
            if exc.name == "year":
                args.pop("year_from", None)
                args.pop("year_to", None)
    return SearchParams(q=args.get("q", ""))
