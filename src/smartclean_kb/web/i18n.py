"""The page's own words in Finnish, Swedish and English, and how numbers and dates read.

Only the user interface is translated here; document text is shown as it is.
"""

from __future__ import annotations

import re

UI_LANGUAGES = ("fi", "sv", "en")
DEFAULT_UI = "en"

LABELS: dict[str, dict[str, str]] = {
    "fi": {
        "product": "Smart & Clean",
        "product_rest": "-arkisto / arkiv / archive",
        "home": "Etusivu",
        "ui_switch": "Käyttöliittymän kieli",
        "skip": "Siirry sisältöön",
        "search_label": "Hae arkistosta",
        "search_placeholder": "Esim. kiertotalous, biojäte, aurinkosähkö",
        "search_button": "Hae",
        "shortcut": "vie hakukenttään",
        "intro": "Hae Smart & Clean -ohjelman hankesivuilta, blogeista ja raporteista. "
                 "Haku ymmärtää suomen, ruotsin ja englannin taivutusmuodot.",
        "stats": "{documents} dokumenttia · {passages} tekstikappaletta",
        "examples": "Kokeile esimerkiksi",
        "syntax_title": "Hakuvinkit",
        "syntax_phrase": "tarkka ilmaus",
        "syntax_prefix": "sanan alku",
        "syntax_bool": "yhdistä ja rajaa",
        "results_one": "1 osuma",
        "results_many": "{n} osumaa",
        "showing": "Näytetään {first}–{last}",
        "seconds": "{ms} ms",
        "query_lang": "Haun kieli",
        "no_results": "Haulla {q} ei löytynyt osumia.",
        "no_results_filtered": "Rajauksilla ei löytynyt osumia.",
        "no_results_tip": "Kokeile toista sanaa, poista rajauksia tai hae sanan alulla, esim. kierrät*.",
        "did_you_mean": "Tarkoititko",
        "refine": "Rajaa hakua",
        "facet_lang": "Kieli",
        "facet_doc_type": "Tyyppi",
        "facet_year": "Vuosi",
        "filters": "Rajaukset",
        "remove_filter": "Poista rajaus",
        "clear_filters": "Poista kaikki rajaukset",
        "lang_fi": "suomi", "lang_sv": "ruotsi", "lang_en": "englanti", "lang_und": "tunnistamaton",
        "type_page": "Verkkosivu", "type_blog": "Blogikirjoitus", "type_report": "Raportti",
        "type_text": "Tekstitiedosto", "type_statute": "Säädös", "type_feed": "Uutissyöte",
        "lang_probability": "Kieli: {lang} (todennäköisyys {p})",
        "page_short": "s. {n}",
        "pagination": "Tulossivut",
        "prev": "Edellinen",
        "next": "Seuraava",
        "page_n": "Sivu {n}",
        "beyond_last": "Tuloksia on vain {pages} sivua.",
        "beyond_last_one": "Tuloksia on vain yksi sivu.",
        "to_last": "Siirry viimeiselle sivulle",
        "original": "Alkuperäinen",
        "back": "Takaisin hakuun",
        "new_search": "Uusi haku",
        "author": "Tekijä",
        "date": "Päivämäärä",
        "type": "Tyyppi",
        "language": "Kieli",
        "languages": "Kielet",
        "web_address": "Verkko-osoite",
        "source": "Tiedosto",
        "pages": "Sivuja",
        "passages": "Tekstikappaleita",
        "translations": "Muilla kielillä",
        "same_section": "Sama kohta: {lang}",
        "not_in_archive": "ei arkistossa",
        "cite": "Viittaus",
        "cite_help": "Valitse teksti tai käytä kopiointipainiketta.",
        "copy": "Kopioi viittaus",
        "copied": "Kopioitu leikepöydälle",
        "matches": "{n} tekstikappaletta vastaa hakua {q}.",
        "match_one": "1 tekstikappale vastaa hakua {q}.",
        "no_matches": "Mikään tekstikappale ei vastaa hakua {q}.",
        "jump_first": "Siirry ensimmäiseen osumaan",
        "contents": "Teksti",
        "error_bad_request": "Hakua ei voitu tehdä",
        "error_bad_param": "Rajaus ”{name}” ei kelpaa: {problem}",
        "search_without": "Hae ilman tätä rajausta",
        "error_not_found": "Sivua ei löytynyt",
        "error_not_found_text": "Osoitteessa ei ole sivua. Ehkä linkki on vanhentunut.",
        "error_doc_not_found": "Dokumenttia ei löytynyt",
        "error_doc_not_found_text": "Arkistossa ei ole dokumenttia tällä tunnisteella. Se on ehkä poistettu tai korvattu uudella versiolla.",
        "error_unavailable": "Arkisto ei ole juuri nyt käytettävissä",
        "error_internal": "Jotain meni vikaan",
        "error_internal_text": "Virhe on kirjattu palvelimen lokiin. Yritä hetken päästä uudelleen.",
        "for_admin": "Ylläpitäjälle",
        "footer": "Smart & Clean -säätiön pääkaupunkiseudun cleantech-ohjelman arkisto.",
        "api": "JSON-rajapinta",
        "must_be_whole": "kokonaisluku väliltä {lo}–{hi}",
        "must_be_one_of": "jokin seuraavista: {values}",
        "must_be_language": "kielikoodi, esimerkiksi fi, sv, en tai und",
    },
    "sv": {
        "product": "Smart & Clean",
        "product_rest": "-arkisto / arkiv / archive",
        "home": "Startsida",
        "ui_switch": "Gränssnittets språk",
        "skip": "Hoppa till innehållet",
        "search_label": "Sök i arkivet",
        "search_placeholder": "T.ex. cirkulär ekonomi, bioavfall, solel",
        "search_button": "Sök",
        "shortcut": "går till sökrutan",
        "intro": "Sök i projektsidor, bloggar och rapporter från programmet Smart & Clean. "
                 "Sökningen förstår böjningsformer på finska, svenska och engelska.",
        "stats": "{documents} dokument · {passages} textavsnitt",
        "examples": "Prova till exempel",
        "syntax_title": "Söktips",
        "syntax_phrase": "exakt fras",
        "syntax_prefix": "ordets början",
        "syntax_bool": "kombinera och uteslut",
        "results_one": "1 träff",
        "results_many": "{n} träffar",
        "showing": "Visar {first}–{last}",
        "seconds": "{ms} ms",
        "query_lang": "Sökningens språk",
        "no_results": "Inga träffar för {q}.",
        "no_results_filtered": "Inga träffar med de valda filtren.",
        "no_results_tip": "Prova ett annat ord, ta bort filter eller sök på ordets början, t.ex. återvinn*.",
        "did_you_mean": "Menade du",
        "refine": "Avgränsa sökningen",
        "facet_lang": "Språk",
        "facet_doc_type": "Typ",
        "facet_year": "År",
        "filters": "Filter",
        "remove_filter": "Ta bort filtret",
        "clear_filters": "Ta bort alla filter",
        "lang_fi": "finska", "lang_sv": "svenska", "lang_en": "engelska", "lang_und": "obestämt",
        "type_page": "Webbsida", "type_blog": "Blogginlägg", "type_report": "Rapport",
        "type_text": "Textfil", "type_statute": "Författning", "type_feed": "Nyhetsflöde",
        "lang_probability": "Språk: {lang} (sannolikhet {p})",
        "page_short": "s. {n}",
        "pagination": "Resultatsidor",
        "prev": "Föregående",
        "next": "Nästa",
        "page_n": "Sida {n}",
        "beyond_last": "Det finns bara {pages} sidor med träffar.",
        "beyond_last_one": "Det finns bara en sida med träffar.",
        "to_last": "Gå till sista sidan",
        "original": "Original",
        "back": "Tillbaka till sökningen",
        "new_search": "Ny sökning",
        "author": "Författare",
        "date": "Datum",
        "type": "Typ",
        "language": "Språk",
        "languages": "Språk",
        "web_address": "Webbadress",
        "source": "Fil",
        "pages": "Sidor",
        "passages": "Textavsnitt",
        "translations": "På andra språk",
        "same_section": "Samma ställe: {lang}",
        "not_in_archive": "inte i arkivet",
        "cite": "Hänvisning",
        "cite_help": "Markera texten eller använd knappen för att kopiera.",
        "copy": "Kopiera hänvisningen",
        "copied": "Kopierat till urklipp",
        "matches": "{n} textavsnitt matchar {q}.",
        "match_one": "1 textavsnitt matchar {q}.",
        "no_matches": "Inget textavsnitt matchar {q}.",
        "jump_first": "Gå till första träffen",
        "contents": "Text",
        "error_bad_request": "Sökningen kunde inte göras",
        "error_bad_param": "Filtret ”{name}” är ogiltigt: {problem}",
        "search_without": "Sök utan det här filtret",
        "error_not_found": "Sidan hittades inte",
        "error_not_found_text": "Det finns ingen sida på den här adressen. Länken kan vara föråldrad.",
        "error_doc_not_found": "Dokumentet hittades inte",
        "error_doc_not_found_text": "Arkivet har inget dokument med den här beteckningen. Det kan ha tagits bort eller ersatts av en ny version.",
        "error_unavailable": "Arkivet är inte tillgängligt just nu",
        "error_internal": "Något gick fel",
        "error_internal_text": "Felet har loggats på servern. Försök igen om en stund.",
        "for_admin": "För administratören",
        "footer": "Arkiv för Smart & Clean-stiftelsens cleantechprogram i huvudstadsregionen.",
        "api": "JSON-gränssnitt",
        "must_be_whole": "ett heltal mellan {lo} och {hi}",
        "must_be_one_of": "något av följande: {values}",
        "must_be_language": "en språkkod, till exempel fi, sv, en eller und",
    },
    "en": {
        "product": "Smart & Clean",
        "product_rest": "-arkisto / arkiv / archive",
        "home": "Home",
        "ui_switch": "Interface language",
        "skip": "Skip to content",
        "search_label": "Search the archive",
        "search_placeholder": "e.g. circular economy, biowaste, solar power",
        "search_button": "Search",
        "shortcut": "jumps to the search box",
        "intro": "Search the project pages, blog posts and reports of the Smart & Clean programme. "
                 "The search understands Finnish, Swedish and English word forms.",
        "stats": "{documents} documents · {passages} passages",
        "examples": "Try for example",
        "syntax_title": "Search tips",
        "syntax_phrase": "exact phrase",
        "syntax_prefix": "word beginning",
        "syntax_bool": "combine and exclude",
        "results_one": "1 result",
        "results_many": "{n} results",
        "showing": "Showing {first}–{last}",
        "seconds": "{ms} ms",
        "query_lang": "Query language",
        "no_results": "No results for {q}.",
        "no_results_filtered": "No results with the chosen filters.",
        "no_results_tip": "Try another word, remove filters, or search for the beginning of a word, e.g. recycl*.",
        "did_you_mean": "Did you mean",
        "refine": "Refine",
        "facet_lang": "Language",
        "facet_doc_type": "Type",
        "facet_year": "Year",
        "filters": "Filters",
        "remove_filter": "Remove filter",
        "clear_filters": "Clear all filters",
        "lang_fi": "Finnish", "lang_sv": "Swedish", "lang_en": "English", "lang_und": "undetermined",
        "type_page": "Web page", "type_blog": "Blog post", "type_report": "Report",
        "type_text": "Text file", "type_statute": "Statute", "type_feed": "News feed",
        "lang_probability": "Language: {lang} (probability {p})",
        "page_short": "p. {n}",
        "pagination": "Result pages",
        "prev": "Previous",
        "next": "Next",
        "page_n": "Page {n}",
        "beyond_last": "There are only {pages} pages of results.",
        "beyond_last_one": "There is only one page of results.",
        "to_last": "Go to the last page",
        "original": "Original",
        "back": "Back to search",
        "new_search": "New search",
        "author": "Author",
        "date": "Date",
        "type": "Type",
        "language": "Language",
        "languages": "Languages",
        "web_address": "Web address",
        "source": "File",
        "pages": "Pages",
        "passages": "Passages",
        "translations": "In other languages",
        "same_section": "The same section: {lang}",
        "not_in_archive": "not in the archive",
        "cite": "Citation",
        "cite_help": "Select the text or use the copy button.",
        "copy": "Copy citation",
        "copied": "Copied to the clipboard",
        "matches": "{n} passages match {q}.",
        "match_one": "1 passage matches {q}.",
        "no_matches": "No passage matches {q}.",
        "jump_first": "Jump to the first match",
        "contents": "Text",
        "error_bad_request": "The search could not be run",
        "error_bad_param": "The filter “{name}” is not valid: {problem}",
        "search_without": "Search without this filter",
        "error_not_found": "Page not found",
        "error_not_found_text": "There is no page at this address. The link may be out of date.",
        "error_doc_not_found": "Document not found",
        "error_doc_not_found_text": "The archive holds no document with this id. It may have been removed or replaced by a new version.",
        "error_unavailable": "The archive is not available right now",
        "error_internal": "Something went wrong",
        "error_internal_text": "The error has been logged on the server. Please try again in a moment.",
        "for_admin": "For the administrator",
        "footer": "Archive of the Smart & Clean Foundation's cleantech programme for the Helsinki capital region.",
        "api": "JSON API",
        "must_be_whole": "a whole number from {lo} to {hi}",
        "must_be_one_of": "one of {values}",
        "must_be_language": "a language code such as fi, sv, en or und",
    },
}

#: Example searches on the start page, one per archive language.
EXAMPLES = ("kiertotalous", "biojäte", "återvinning", "solenergi", "smart city", "energy efficiency")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def pick(requested: str | None, cookie: str | None, accept_languages) -> str:
    """The UI language: ?ui= first, then the remembered choice, then the browser's."""
    for value in (requested, cookie):
        if value in UI_LANGUAGES:
            return value
    best = accept_languages.best_match(UI_LANGUAGES) if accept_languages else None
    if best:
        return best
    # "fi-FI" matches "fi" above; a bare region tag like "sv-AX" does too. Anything else:
    return DEFAULT_UI


def number(value: int | float, ui: str) -> str:
    """1234 -> '1 234' (fi, sv) or '1,234' (en)."""
    text = f"{value:,}"
    return text.replace(",", "\u202f") if ui in ("fi", "sv") else text


def percent(probability: float | None, ui: str) -> str:
    value = round((probability or 0.0) * 100)
    return f"{value}\u00a0%" if ui in ("fi", "sv") else f"{value}%"


def date(value: str, ui: str) -> str:
    """An ISO date (or year, or year-month) as people in that language write it."""
    m = _DATE.match(value or "")
    if not m:
        return value or ""
    year, month, day = m.group(1), m.group(2), m.group(3)
    if not month:
        return year
    if ui == "en":
        name = _MONTHS_EN[int(month) - 1] if 1 <= int(month) <= 12 else month
        return f"{int(day)} {name} {year}" if day else f"{name} {year}"
    if ui == "fi":
        return f"{int(day)}.{int(month)}.{year}" if day else f"{int(month)}/{year}"
    return f"{year}-{month}-{day}" if day else f"{year}-{month}"
