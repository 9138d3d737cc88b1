"""Publication dates as ISO strings (YYYY-MM-DD, or YYYY-MM / YYYY when that is all we know)."""

from __future__ import annotations

import re

#: A month 1-12 and a day 1-31 only (``2016-5-3`` too): ``2016-2017`` is a span of years, not month 20.
_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(0?[1-9]|1[0-2])(?:-(0?[1-9]|[12]\d|3[01]))?(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d\d)(?!\d)")
_PDF = re.compile(r"^D?:?((?:19|20)\d\d)(\d\d)?(\d\d)?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

MONTHS = {
    # Finnish month names in the nominative and the partitive/genitive forms dates use
    # (``17. kesäkuuta 2011``; a statute's ``17 päivänä kesäkuuta 2011``).
    "tammikuu": 1, "helmikuu": 2, "maaliskuu": 3, "huhtikuu": 4, "toukokuu": 5, "kesäkuu": 6,
    "heinäkuu": 7, "elokuu": 8, "syyskuu": 9, "lokakuu": 10, "marraskuu": 11, "joulukuu": 12,
    "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7,
    "augusti": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10,
}
#: A month's name: a Finnish one in any case (``kesäkuuta``, ``kesäkuussa``), another as
#: a whole word (``Maybe 2015`` and ``Marshall 2015`` hold no month).
_MONTH_NAME = re.compile(
    r"(?:(?<!\d)(\d{1,2})\.?\s+(?:päivänä\s+)?)?(" + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")(?:(?<=kuu)\w*|\b)\s+((?:19|20)\d\d)(?!\d)",
    re.I,
)


def normalise_date(value: str) -> str:
    """'2016-05-03T10:00:00+03:00' -> '2016-05-03'; '3.5.2016' -> '2016-05-03'; '' if none."""
    value = (value or "").strip()
    if not value:
        return ""
    if m := _ISO.search(value):
        return _joined(*m.groups())
    if m := _DMY.search(value):
        day, month, year = (int(g) for g in m.groups())
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{year:04d}-{month:02d}-{day:02d}"
    if m := _PDF.match(value):
        return _joined(*m.groups())
    return ""


def _joined(year: str, month: str | None, day: str | None) -> str:
    """``2016-05-03``, as much of it as is a real month and day (``D:20161399`` is 2016)."""
    if not month or not 1 <= int(month) <= 12:
        return year
    if not day or not 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"

#: English dates with the month first or abbreviated (``March 5, 2019``, ``Tue, 05 Mar
#: 2019``, as meta tags and feeds write them); a day is required, so ``Mar 2019`` in
#: running text is no date.
_SHORT_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
                 "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH_FIRST = re.compile(
    r"\b(" + "|".join(sorted({*MONTHS, *_SHORT_MONTHS}, key=len, reverse=True))
    + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?!\d)", re.I)
_DAY_SHORT_MONTH = re.compile(
    r"(?<!\d)(\d{1,2})\.?\s+(" + "|".join(sorted(_SHORT_MONTHS, key=len, reverse=True))
    + r")\.?\s+((?:19|20)\d\d)(?!\d)", re.I)


def read_date(value: str) -> str:
    """A date field's value however a page writes it: ISO, ``5.3.2019``, ``5 March 2019``,
    ``March 5, 2019``, ``Tue, 05 Mar 2019``, or a year alone; '' if it holds no date."""
    value = (value or "").strip()
    if found := normalise_date(value):
        return found
    if m := _MONTH_FIRST.search(value):
        month = MONTHS.get(m.group(1).lower()) or _SHORT_MONTHS[m.group(1).lower()]
        return f"{m.group(3)}-{month:02d}-{int(m.group(2)):02d}" if 1 <= int(m.group(2)) <= 31 else ""
    if m := _DAY_SHORT_MONTH.search(value):
        return f"{m.group(3)}-{_SHORT_MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"
    if m := _MONTH_NAME.search(value):
        return _named_month(m)
    return m.group(1) if (m := _YEAR.fullmatch(value)) else ""


def _named_month(m: re.Match) -> str:
    """A ``_MONTH_NAME`` match as a date; a day past 31 (``No. 45 June 2019``) is left out."""
    day, month, year = m.group(1), MONTHS[m.group(2).lower()], m.group(3)
    return f"{year}-{month:02d}-{int(day):02d}" if day and 1 <= int(day) <= 31 else f"{year}-{month:02d}"


def find_date(text: str) -> str:
    """The first date written in running text (title pages): numeric, month name, or a year."""
    if found := normalise_date(text):
        return found
    if m := _MONTH_NAME.search(text):
        return _named_month(m)
    if m := _YEAR.search(text):
        return m.group(1)
    return ""


def year_of(date: str) -> int | None:
    return int(date[:4]) if len(date) >= 4 and date[:4].isdigit() else None


def date_key(date: str) -> int:
    """``2011-06-17`` as 20110617, a year alone as 20180000, no date as 0: dates that
    sort as numbers, a bare year before the dated days of that year."""
    parts = (date or "").split("-")
    if not parts[0][:4].isdigit() or len(parts[0]) != 4:
        return 0
    month, day = (parts + ["0", "0"])[1:3]
    return int(parts[0]) * 10000 + (int(month) if month.isdigit() else 0) * 100 + (int(day) if day.isdigit() else 0)
