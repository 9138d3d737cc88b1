"""Citations: the line a researcher pastes, and RIS and BibTeX records for reference managers."""

from __future__ import annotations

import json
from pathlib import Path
import re

import pytest
from click.testing import CliRunner

from smartclean_kb import KnowledgeBase, NotFoundError
from smartclean_kb.cli import cli
from smartclean_kb.web import create_app


def ris_fields(record: str) -> list[tuple[str, str]]:
    """A RIS record's tag/value pairs; every line must be ``TAG  - value`` ending in CRLF."""
    assert record.endswith("ER  - \r\n")
    lines = record.split("\r\n")[:-1]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines), lines
    return [(line[:2], line[6:]) for line in lines]


def balanced(text: str) -> bool:
    """Braces as BibTeX counts them: every one, escaped or not."""
    depth = 0
    for char in text:
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def test_a_page_cited_three_ways(fixture_kb):
    hit = fixture_kb.search("kierrätyskeskus", doc_type="page")[0]
    doc = fixture_kb.get(hit.doc_id)
    assert doc.citation() == ("Smart & Clean -säätiö (2017). Kierrätyskeskus Vantaalla. Smart & Clean. "
                              "https://example.org/fi/hankkeet/kierratyskeskus/.")
    assert ris_fields(doc.citation(style="ris")) == [
        ("TY", "ELEC"), ("TI", "Kierrätyskeskus Vantaalla"), ("AU", "Smart & Clean -säätiö,"),
        ("PY", "2017"), ("DA", "2017/03/14/"), ("PB", "Smart & Clean"),
        ("UR", "https://example.org/fi/hankkeet/kierratyskeskus/"), ("LA", "fi"), ("AN", doc.doc_id),
        ("N1", "Smart & Clean archive: kierratys.fi.html"), ("ER", "")]
    bib = doc.citation(style="bibtex")
    assert bib.startswith(f"@online{{smart2017-{doc.doc_id[:8]},\n") and balanced(bib)
    # An organisation is braced whole, so it is not read as surname "-säätiö", first names "Smart & Clean".
    assert "  author = {{Smart \\& Clean -säätiö}},\n" in bib
    assert "  title = {Kierrätyskeskus Vantaalla},\n" in bib and "  organization = {Smart \\& Clean},\n" in bib


def test_a_report_is_cited_at_the_page_of_a_passage(fixture_kb):
    hit = fixture_kb.search("päästöt", doc_type="report")[0]
    doc = fixture_kb.get(hit.doc_id)
    assert doc.citation(at=hit.passage_id).endswith(f"report.pdf, p. {hit.page}.")
    fields = ris_fields(doc.citation(style="ris", at=hit.passage_id))
    assert ("SP", str(hit.page)) in fields and ("AU", "Liikenne, Liisa") in fields
    bib = doc.citation(style="bibtex", at=hit.passage_id)
    assert bib.startswith("@techreport{liikenne2018-") and "  author = {Liikenne, Liisa},\n" in bib
    assert f"  pages = {{{hit.page}}},\n" in bib and "  institution = {Smart \\& Clean},\n" in bib
    with pytest.raises(NotFoundError, match="no passage"):
        doc.citation(at="not-a-passage")


def test_cite_from_the_command_line(fixture_kb):
    index = str(fixture_kb.path)
    hit = fixture_kb.search("päästöt", doc_type="report")[0]
    runner = CliRunner()
    ris = runner.invoke(cli, ["cite", hit.doc_id, "--index", index, "--format", "ris", "-q", "päästöt"])
    assert ris.exit_code == 0, ris.output
    # (click's test runner reads CRLF as a line end, as a terminal does)
    assert ("SP", str(hit.page)) in ris_fields(ris.stdout.replace("\n", "\r\n"))
    text = runner.invoke(cli, ["cite", hit.doc_id, "--index", index, "--passage", hit.passage_id])
    assert text.stdout.strip().startswith("Liisa Liikenne (2018). Liikenteen päästöt pääkaupunkiseudulla.")
    missing = runner.invoke(cli, ["cite", "0000000000000000", "--index", index])
    assert missing.exit_code == 1 and "no document with id" in missing.output
    bad = runner.invoke(cli, ["cite", hit.doc_id, "--index", index, "--format", "mla"])
    assert bad.exit_code == 2


def test_citation_files_from_the_web_page(fixture_kb):
    client = create_app(fixture_kb.path).test_client()
    hit = fixture_kb.search("päästöt", doc_type="report")[0]
    page = client.get(f"/doc/{hit.doc_id}?q=päästöt&at={hit.passage_id}").get_data(as_text=True)
    links = re.findall(r'href="(/api/documents/[^"]+/citation[^"]*)"', page)
    assert len(links) == 2 and all(f"at={hit.passage_id}" in link for link in links)
    ris = client.get(links[0].replace("&amp;", "&"))
    assert ris.status_code == 200 and ris.mimetype == "application/x-research-info-systems"
    assert ris.headers["Content-Disposition"] == f'attachment; filename="{hit.doc_id}.ris"'
    assert ris.mimetype_params.get("charset") == "utf-8" and ("SP", str(hit.page)) in ris_fields(ris.get_data(as_text=True))
    bib = client.get(links[1].replace("&amp;", "&"))
    assert bib.mimetype == "application/x-bibtex" and balanced(bib.get_data(as_text=True))
    bad = client.get(f"/api/documents/{hit.doc_id}/citation?format=mla")
    assert bad.status_code == 400 and json.loads(bad.get_data())["error"].startswith("format must be one of")


def test_latex_special_characters_and_several_authors(tmp_path):
    """A title with a backslash, braces, a tilde and a caret stays one balanced BibTeX
    field LaTeX can print; a page's JSON-LD authors are two people, not one."""
    from smartclean_kb import KnowledgeBase

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "muistio.md").write_text(
        "---\ntitle: 'Polku C:\\temp {luonnos} ~50 % ^2 & #1'\nauthor: Helsingin kaupunki\ndate: 2018\n---\n"
        "Kaupunkipyöräjärjestelmän laajentaminen Espooseen.\n", encoding="utf-8")
    (tmp_path / "docs" / "sivu.html").write_text(
        '<html lang="fi"><head><title>Energiaremontti</title><script type="application/ld+json">'
        '{"@type": "Article", "headline": "Energiaremontti", "author": [{"name": "Elina Vuorinen"}, '
        '{"name": "Jari Kallio"}]}</script></head><body><main><p>Kerrostalojen energiaremontit '
        "etenevät Vantaalla ja Espoossa.</p></main></body></html>", encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "ix")
    kb.ingest([tmp_path / "docs"])
    note = kb.get(kb.search("kaupunkipyöräjärjestelmän")[0].doc_id)
    bib = note.citation(style="bibtex")
    assert balanced(bib), bib
    assert ("  title = {Polku C:\\textbackslash{}temp \\textbraceleft{}luonnos\\textbraceright{} "
            "\\textasciitilde{}50 \\% \\textasciicircum{}2 \\& \\#1},\n") in bib
    assert "  author = {{Helsingin kaupunki}},\n" in bib and "  date = {2018},\n" in bib
    assert ("AU", "Helsingin kaupunki,") in ris_fields(note.citation(style="ris"))
    page = kb.get(kb.search("energiaremontit")[0].doc_id)
    assert page.author == "Elina Vuorinen; Jari Kallio"
    assert [v for t, v in ris_fields(page.citation(style="ris")) if t == "AU"] == ["Vuorinen, Elina", "Kallio, Jari"]
    assert "  author = {Vuorinen, Elina and Kallio, Jari},\n" in page.citation(style="bibtex")


def view(**fields) -> "DocumentView":
    """A document as ``KnowledgeBase.get`` returns it, for the naming rules alone."""
    from smartclean_kb.kb import DocumentView

    base = dict(doc_id="0123456789abcdef", source="docs/muistio.html", title="Muistio", doc_type="page",
                url="https://example.org/muistio", author="", date="2016-05-03", lang="fi", langs=("fi",),
                description="", pages=None, passages=[], translations=[], publisher="Smart & Clean")
    return DocumentView(**{**base, **fields})


@pytest.mark.parametrize("author, ris_names, bib_author, key", [
    ("Vuorinen, Elina", ["Vuorinen, Elina"], "Vuorinen, Elina", "vuorinen"),
    ("Jan van der Berg; Carl af Forselles", ["van der Berg, Jan", "af Forselles, Carl"],
     "van der Berg, Jan and af Forselles, Carl", "berg"),
    ("von Wright, Georg Henrik", ["von Wright, Georg Henrik"], "von Wright, Georg Henrik", "wright"),
    ("Elina Vuorinen.", ["Vuorinen, Elina"], "Vuorinen, Elina", "vuorinen"),
    ("A. Aalto", ["Aalto, A."], "Aalto, A.", "aalto"),
    ("Dr. Anna Virtanen Jr", ["Virtanen, Anna, Jr"], "Virtanen, Jr, Anna", "virtanen"),
    ("Øystein Ærø", ["Ærø, Øystein"], "Ærø, Øystein", "aero"),
    ("Helsingin kaupunki", ["Helsingin kaupunki,"], "{Helsingin kaupunki}", "helsingin"),
    ("Centre de Recherche Scientifique", ["Centre de Recherche Scientifique,"],
     "{Centre de Recherche Scientifique}", "centre"),
    # A list as a meta tag or byline writes it was one scrambled person (review).
    ("Anna Virtanen, Jukka Mäkinen", ["Virtanen, Anna", "Mäkinen, Jukka"],
     "Virtanen, Anna and Mäkinen, Jukka", "virtanen"),
    ("Anna Virtanen ja Jukka Mäkinen", ["Virtanen, Anna", "Mäkinen, Jukka"],
     "Virtanen, Anna and Mäkinen, Jukka", "virtanen"),
    # Capitalised organisations were people: ``Oy, Motiva`` (review).
    ("Motiva Oy", ["Motiva Oy,"], "{Motiva Oy}", "motiva"),
    ("Finnish Environment Institute", ["Finnish Environment Institute,"], "{Finnish Environment Institute}",
     "finnish"),
    ("HSY", ["HSY,"], "{HSY}", "hsy"),
    # ... but not every capital letter is an organisation, nor every comma a list (review).
    ("De Vries, Anna Maria", ["De Vries, Anna Maria"], "De Vries, Anna Maria", "vries"),
    ("ANNA VIRTANEN", ["VIRTANEN, ANNA"], "VIRTANEN, ANNA", "virtanen"),
    ("Virtanen AJ", ["Virtanen, AJ"], "Virtanen, AJ", "virtanen"),
    # (two people written surname first without commas: read first-name first, as before)
    ("De Geer Anna, Berg Jan", ["Anna, De Geer", "Jan, Berg"], "Anna, De Geer and Jan, Berg", "anna"),
    ("John Smith III", ["Smith, John, III"], "Smith, III, John", "smith"),
    ("VTT SYKE", ["VTT SYKE,"], "{VTT SYKE}", "vtt"),
    ("Otto Bank", ["Bank, Otto"], "Bank, Otto", "bank"),
    ("Smart & Clean -säätiö", ["Smart & Clean -säätiö,"], "{Smart \\& Clean -säätiö}", "smart"),
])
def test_names_as_reference_managers_read_them(author, ris_names, bib_author, key):
    doc = view(author=author)
    assert [v for t, v in ris_fields(doc.citation(style="ris")) if t == "AU"] == ris_names
    bib = doc.citation(style="bibtex")
    assert f"  author = {{{bib_author}}},\n" in bib and bib.startswith(f"@online{{{key}2016-01234567,")


def test_each_feed_entry_has_its_own_key_and_an_untitled_one_is_the_feed():
    passages = [{"passage_id": f"0123456789abcdef-000{i}", "page": None, "heading": heading, "url": url}
                for i, (heading, url) in enumerate([("Kutsu seminaariin", "https://e.org/1"),
                                                    ("Kutsu työpajaan", "https://e.org/2"), ("", "https://e.org/3")])]
    passages.append({**passages[2], "passage_id": "0123456789abcdef-0003", "url": "https://e.org/4"})
    feed = view(doc_type="feed", title="Uutiset", passages=passages, publisher="")
    keys = {feed.citation(style="bibtex", at=p["passage_id"]).split(",")[0] for p in passages}
    assert len(keys) == 4  # two untitled entries too
    assert feed.citation(at=passages[2]["passage_id"]) == "Uutiset. https://e.org/3."
    assert view(author="Aalto, A.", date="").citation() == "Aalto, A. Muistio. Smart & Clean. https://example.org/muistio."


def test_the_api_cites_a_document_where_its_query_points(fixture_kb):
    client = create_app(fixture_kb.path).test_client()
    hit = fixture_kb.search("päästöt", doc_type="report")[0]
    data = client.get(f"/api/documents/{hit.doc_id}?q=päästöt").get_json()
    assert data["cited_passage"] == hit.passage_id
    assert data["citation"] == client.get(f"/api/documents/{hit.doc_id}/citation?q=päästöt").get_data(as_text=True)
    assert data["citation"].endswith(f"p. {hit.page}.")


def test_a_page_from_another_site_is_cited_with_that_site_not_the_archive(tmp_path):
    """Every page was published by "Smart & Clean", news articles and city decisions
    included (review)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "uutinen.html").write_text(
        '<html lang="fi"><head><title>Hallitus valmistelee</title><meta property="og:site_name" content="Yle Uutiset">'
        '</head><body><main><h1>Hallitus valmistelee</h1><p>Hallitus valmistelee uutta lakia jätehuollosta.</p>'
        '</main></body></html>', encoding="utf-8")
    (folder / "paatos.html").write_text(
        '<html lang="fi"><head><title>Päätös</title><link rel="canonical" href="https://www.paatokset.hel.fi/fi/asia/1">'
        '</head><body><main><h1>Päätös</h1><p>Kaupunginhallitus päätti jätehuollon järjestämisestä.</p>'
        '</main></body></html>', encoding="utf-8")
    (folder / "muistio.md").write_text("---\ntitle: Muistio\nauthor: [Aino Aalto, Bo Berg]\n"
                                        "publisher: HSY\n---\nJätehuollon muistio.\n", encoding="utf-8")
    kb = KnowledgeBase(tmp_path / "ix")
    kb.ingest([folder])
    cited = {Path(h.source).name: kb.get(h.doc_id).citation() for h in kb.search("jätehuolto", limit=10)}
    assert cited["uutinen.html"] == "Hallitus valmistelee. Yle Uutiset. uutinen.html."
    assert cited["paatos.html"] == "Päätös. paatokset.hel.fi. https://www.paatokset.hel.fi/fi/asia/1."
    assert cited["muistio.md"] == "Aino Aalto; Bo Berg. Muistio. HSY. muistio.md."


def test_a_malformed_address_is_cited_without_a_site():
    """urlsplit raised ValueError: the citation, the document page and its API failed (review)."""
    assert view(url="https://[fe80::1", publisher="").citation() == "Muistio (2016). Smart & Clean. https://[fe80::1."


def test_a_title_ending_in_a_question_takes_no_second_full_stop():
    """``...mitä hackathon tuotti?. Smart & Clean.`` (review)."""
    assert view(title="Mitä hackathon tuotti?", date="").citation() == (
        "Mitä hackathon tuotti? Smart & Clean. https://example.org/muistio.")
    assert view(title="Mitä hackathon tuotti?", author="Anna Virtanen").citation().startswith(
        "Anna Virtanen (2016). Mitä hackathon tuotti? Smart & Clean.")


def test_a_passage_id_given_as_a_document_says_what_to_do(fixture_kb):
    hit = fixture_kb.search("jätehuolto")[0]
    with pytest.raises(NotFoundError) as caught:
        fixture_kb.get(hit.passage_id)
    assert f"cite {hit.doc_id} --passage {hit.passage_id}" in caught.value.hint


def test_the_other_language_is_found_however_its_address_is_written(tmp_path):
    """A link to ``.../sv/projekt`` did not find the page whose address is ``.../sv/projekt/``;
    a relative ``/sv/projekt/`` stayed unresolved; and a declared page the archive does not
    hold hid the file named for that language beside it (review)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    body = "<body><article><p>{}</p></article></body></html>"
    sv = ('<html lang="sv"><head><title>Solel i bostadsbolag</title>'
          '<link rel="canonical" href="https://example.fi/sv/projekt/"></head>'
          + body.format("Bostadsbolagen installerar solpaneler på taken och sparar el varje sommar."))

    def fi(link: str) -> str:
        return ('<html lang="fi"><head><title>Aurinkosähkö taloyhtiöissä</title>'
                '<link rel="canonical" href="https://example.fi/fi/hanke/">'
                f'<link rel="alternate" hreflang="sv" href="{link}"></head>'
                + body.format("Taloyhtiöt asentavat aurinkopaneeleja katoille ja säästävät sähköä joka kesä."))

    for link in ("https://example.fi/sv/projekt", "/sv/projekt/"):
        # Names that say no language: only the link can find the other page.
        (folder / "aurinkosahko.html").write_text(fi(link), encoding="utf-8")
        (folder / "solel.html").write_text(sv, encoding="utf-8")
        kb = KnowledgeBase(tmp_path / "index")
        kb.ingest([folder])
        (link_found,) = kb.search("aurinkopaneeleja")[0].translations
        assert link_found.title == "Solel i bostadsbolag", link
    for name in ("aurinkosahko.html", "solel.html"):
        (folder / name).unlink()
    (folder / "hanke.sv.html").write_text(sv.replace("/sv/projekt/", "/sv/annat/"), encoding="utf-8")
    (folder / "hanke.fi.html").write_text(fi("https://example.fi/sv/projekt-som-saknas/"), encoding="utf-8")
    kb.ingest([folder])
    (link_found,) = kb.search("aurinkopaneeleja")[0].translations
    assert link_found.title == "Solel i bostadsbolag"
