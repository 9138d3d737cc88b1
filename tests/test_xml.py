"""XML: Finlex statutes cited by section, RSS and Atom feeds by entry; other XML skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from smartclean_kb import KnowledgeBase
from smartclean_kb.errors import ExtractError, NotADocumentError
from smartclean_kb.extract import extract_bytes
from smartclean_kb.passages import split_passages

STATUTE = """<?xml version="1.0" encoding="utf-8"?>
<vah:VahvistettavaLaki xmlns:vah="http://www.vn.fi/skeemat/vahvistettavalaki/2010/04/27"
  xmlns:saa="http://www.vn.fi/skeemat/saadoskooste/2010/04/27"
  xmlns:saa1="http://www.vn.fi/skeemat/saadoselementit/2010/04/27"
  xmlns:met="http://www.vn.fi/skeemat/metatietokooste/2010/04/27"
  xmlns:met1="http://www.vn.fi/skeemat/metatietoelementit/2010/04/27"
  xmlns:asi="http://www.vn.fi/skeemat/asiakirjakooste/2010/04/27"
  xmlns:asi1="http://www.vn.fi/skeemat/asiakirjaelementit/2010/04/27"
  xmlns:org="http://www.vn.fi/skeemat/organisaatiokooste/2010/02/15"
  xmlns:org1="http://www.vn.fi/skeemat/organisaatioelementit/2010/02/15"
  met1:kieliKoodi="{lang}" met1:laadintaPvm="2100-01-01">
  <asi:IdentifiointiOsa>
    <asi:EduskuntaTunniste>
      <asi1:AsiakirjaNroTeksti>77</asi1:AsiakirjaNroTeksti>
      <asi1:ValtiopaivavuosiTeksti>2016</asi1:ValtiopaivavuosiTeksti>
    </asi:EduskuntaTunniste>
  </asi:IdentifiointiOsa>
  <saa:SaadosOsa>
    <saa:Saados met1:kieliKoodi="{lang}">
      <saa:SaadosNimeke>
        <saa:SaadostyyppiKooste>{kind}</saa:SaadostyyppiKooste>
        <saa:SaadosNimekeKooste>{name}</saa:SaadosNimekeKooste>
      </saa:SaadosNimeke>
      <saa:Johtolause><saa:SaadosKappaleKooste>{preamble}</saa:SaadosKappaleKooste></saa:Johtolause>
      <saa:Pykalisto>
        <saa:Luku>
          <saa:LukuTunnusKooste>{chapter_no}</saa:LukuTunnusKooste>
          <saa:SaadosOtsikkoKooste>{chapter}</saa:SaadosOtsikkoKooste>
          <saa:Pykala>
            <saa:PykalaTunnusKooste>1 §</saa:PykalaTunnusKooste>
            <saa:SaadosOtsikkoKooste>{heading1}</saa:SaadosOtsikkoKooste>
            <saa:MomenttiKooste>{moment1}</saa:MomenttiKooste>
            <saa:KohdatMomentti>
              <saa:MomenttiJohdantoKooste>{intro}</saa:MomenttiJohdantoKooste>
              <saa:MomenttiKohtaKooste>1) <saa:SaadosKursiiviKooste>{term}</saa:SaadosKursiiviKooste> {item1}</saa:MomenttiKohtaKooste>
              <saa:MomenttiKohtaKooste>2) {item2}</saa:MomenttiKohtaKooste>
            </saa:KohdatMomentti>
          </saa:Pykala>
          <saa:Pykala>
            <saa:PykalaTunnusKooste>2 §</saa:PykalaTunnusKooste>
            <saa:SaadosOtsikkoKooste>{heading2}</saa:SaadosOtsikkoKooste>
            <saa:MomenttiKooste>{moment2}</saa:MomenttiKooste>
          </saa:Pykala>
        </saa:Luku>
      </saa:Pykalisto>
    </saa:Saados>
  </saa:SaadosOsa>
  <asi:AllekirjoitusOsa>
    <asi:PaivaysKooste>{signed}</asi:PaivaysKooste>
    <org:Allekirjoittaja><org:Henkilo><org1:SukuNimi>Maija Meikäläinen</org1:SukuNimi></org:Henkilo></org:Allekirjoittaja>
  </asi:AllekirjoitusOsa>
</vah:VahvistettavaLaki>
"""

FINNISH = dict(
    lang="fi", kind="Valtioneuvoston asetus", name="kaupunkipyöräjärjestelmistä",
    preamble="Valtioneuvoston päätöksen mukaisesti säädetään:",
    chapter_no="1 luku", chapter="Yleiset säännökset",
    heading1="Määritelmät",
    moment1="Tätä asetusta sovelletaan kunnan järjestämiin kaupunkipyöräjärjestelmiin.",
    intro="Tässä asetuksessa tarkoitetaan:", term="kaupunkipyörällä",
    item1="yhteiskäyttöistä polkupyörää, jonka voi vuokrata asemalta;",
    item2="asemalla paikkaa, josta pyörän voi noutaa ja johon sen voi palauttaa.",
    heading2="Voimaantulo", moment2="Tämä asetus tulee voimaan 1 päivänä kesäkuuta 2016.",
    signed="Helsingissä 19 päivänä toukokuuta 2016",
)
SWEDISH = dict(
    lang="sv", kind="Statsrådets förordning", name="om stadscykelsystem",
    preamble="I enlighet med statsrådets beslut föreskrivs:",
    chapter_no="1 kap.", chapter="Allmänna bestämmelser",
    heading1="Definitioner",
    moment1="Denna förordning tillämpas på stadscykelsystem som kommunen ordnar.",
    intro="I denna förordning avses med", term="stadscykel",
    item1="en cykel för gemensamt bruk som kan hyras vid en station,",
    item2="station en plats där cykeln kan hämtas och dit den kan lämnas tillbaka.",
    heading2="Ikraftträdande", moment2="Denna förordning träder i kraft den 1 juni 2016.",
    signed="Helsingfors den 19 maj 2016",
)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>Smart &amp; Clean -uutiset</title>
  <link>https://example.org/uutiset</link>
  <language>fi-FI</language>
  <item>
    <title>Kaupunkipyörät palaavat Espooseen</title>
    <link>https://example.org/uutiset/kaupunkipyorat</link>
    <pubDate>Mon, 02 May 2016 09:00:00 +0300</pubDate>
    <description>&lt;p&gt;Espoon &lt;b&gt;kaupunkipyörä&lt;/b&gt;asemat avataan toukokuussa.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Biokaasubussit liikenteeseen</title>
    <pubDate>Tue, 14 Jun 2016 12:00:00 +0300</pubDate>
    <description>Vantaalla aloittaa kymmenen biokaasulla kulkevaa bussia.</description>
  </item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="sv">
  <title>Smart &amp; Clean blogg</title>
  <link href="https://example.org/blogg"/>
  <updated>2017-03-01T10:00:00Z</updated>
  <entry>
    <title>Solpaneler på skolornas tak</title>
    <updated>2017-03-01T10:00:00Z</updated>
    <content type="html">&lt;p&gt;I Esbo installeras solpaneler på skolornas tak.&lt;/p&gt;</content>
  </entry>
</feed>
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def extract(path: Path):
    return extract_bytes(path.read_bytes(), str(path))


def test_a_statute_is_cited_by_chapter_and_section(tmp_path):
    """Title with its number, the signing date written in words, each section a passage
    of its own under its chapter and section, however short (the entry-into-force
    section is one sentence), list items with their inline terms; no signatures."""
    doc = extract(write(tmp_path / "asd20160077.xml", STATUTE.format(**FINNISH)))
    assert doc.doc_type == "statute"
    assert doc.title == "Valtioneuvoston asetus kaupunkipyöräjärjestelmistä (77/2016)"
    assert doc.date == "2016-05-19"
    assert doc.declared_lang == "fi"
    passages = split_passages(doc)
    assert [p.heading for p in passages] == [
        "", "1 luku Yleiset säännökset › 1 § Määritelmät", "1 luku Yleiset säännökset › 2 § Voimaantulo"]
    assert "1) kaupunkipyörällä yhteiskäyttöistä polkupyörää" in passages[1].text
    assert passages[2].text == FINNISH["moment2"]
    assert "Meikäläinen" not in doc.text
    # Numbered alike in both languages ("1 luku" / "1 kap."): how a section finds its translation.
    assert [p.anchor for p in passages] == ["", "luku:1/pykala:1", "luku:1/pykala:2"]
    swedish = split_passages(extract(write(tmp_path / "sv.xml", STATUTE.format(**SWEDISH))))
    assert [p.anchor for p in swedish] == [p.anchor for p in passages]


def test_nested_markup_reads_in_order(tmp_path):
    """A unit in bold with a superscript inside it (Finlex's emission tables): each
    element's tail follows the text of what it holds."""
    unit = ("Päästöraja on 50 mg C/<saa:LihavaTeksti>m<saa:YlaindeksiTeksti>3</saa:YlaindeksiTeksti> "
            "(n)</saa:LihavaTeksti> tunnissa.")
    doc = extract(write(tmp_path / "laki.xml", STATUTE.format(**{**FINNISH, "moment1": unit})))
    assert "Päästöraja on 50 mg C/m3 (n) tunnissa." in doc.text


def test_a_law_named_for_its_type_is_not_named_twice(tmp_path):
    doc = extract(write(tmp_path / "laki.xml", STATUTE.format(**{**FINNISH, "kind": "Laki", "name": "jätelaki"})))
    assert doc.title == "Jätelaki (77/2016)"


def test_statute_sections_are_found_and_the_other_language_is_linked(tmp_path):
    """Finlex publishes each statute in both languages under the same file name, in
    folders named for the language: a researcher gets the Swedish text from the Finnish."""
    fi = write(tmp_path / "finlex" / "fi" / "asd20160077.xml", STATUTE.format(**FINNISH))
    sv = write(tmp_path / "finlex" / "sv" / "asd20160077.xml", STATUTE.format(**SWEDISH))
    kb = KnowledgeBase(tmp_path / "index")
    report = kb.ingest([tmp_path / "finlex"])
    assert report.documents == 2 and not report.failed and report.by_type == {"statute": 2}

    hit = kb.search("kaupunkipyörä asema", limit=1)[0]
    assert (hit.source, hit.heading, hit.lang) == (str(fi), "1 luku Yleiset säännökset › 1 § Määritelmät", "fi")
    assert kb.search("stadscykel", doc_type="statute", limit=1)[0].source == str(sv)
    assert kb.search("stadscykel", year=2016, limit=1)

    view = kb.get(hit.doc_id)
    assert [(t["lang"], t["title"]) for t in view.translations] == [
        ("sv", "Statsrådets förordning om stadscykelsystem (77/2016)")]
    assert view.citation() == ("Valtioneuvoston asetus kaupunkipyöräjärjestelmistä (77/2016). "
                               "Suomen säädöskokoelma. asd20160077.xml.")
    assert view.citation(heading=hit.heading) == ("Valtioneuvoston asetus kaupunkipyöräjärjestelmistä "
                                                  "(77/2016) 1 §. Suomen säädöskokoelma. asd20160077.xml.")
    assert kb.get(view.translations[0]["doc_id"]).citation() == (
        "Statsrådets förordning om stadscykelsystem (77/2016). Finlands författningssamling. asd20160077.xml.")


def test_a_section_links_the_same_section_in_the_other_language(tmp_path):
    """A hit in section 2 points at section 2 of the Swedish text, not at its start,
    and so does every section of the document view."""
    write(tmp_path / "finlex" / "fi" / "asd20160077.xml", STATUTE.format(**FINNISH))
    write(tmp_path / "finlex" / "sv" / "asd20160077.xml", STATUTE.format(**SWEDISH))
    kb = KnowledgeBase(tmp_path / "index")
    kb.ingest([tmp_path / "finlex"])
    hit = kb.search("asetus tulee voimaan", lang="fi", limit=1)[0]
    assert hit.heading.endswith("2 § Voimaantulo")
    [sv] = hit.translations
    assert (sv["lang"], sv["title"], sv["heading"]) == (
        "sv", "Statsrådets förordning om stadscykelsystem (77/2016)", "1 kap. Allmänna bestämmelser › 2 § Ikraftträdande")
    swedish = kb.get(sv["doc_id"])
    assert next(p for p in swedish.passages if p["passage_id"] == sv["passage_id"])["text"] == SWEDISH["moment2"]

    view = kb.get(hit.doc_id)
    links = [[(t["lang"], t["heading"]) for t in p["translations"]] for p in view.passages]
    assert links == [[], [("sv", "1 kap. Allmänna bestämmelser › 1 § Definitioner")],
                     [("sv", "1 kap. Allmänna bestämmelser › 2 § Ikraftträdande")]]
    assert kb.get(sv["doc_id"]).passages[2]["translations"][0]["passage_id"] == hit.passage_id


def test_a_long_section_links_to_the_start_of_its_counterpart(tmp_path):
    """A section too long for one passage is cut in two; either part links to where
    the other language's section starts."""
    long_fi = " ".join(["Kunnan on järjestettävä kaupunkipyöräasemien huolto ja valvonta."] * 45)
    long_sv = " ".join(["Kommunen ska ordna underhåll och tillsyn av stadscykelstationerna."] * 45)
    write(tmp_path / "finlex" / "fi" / "a.xml", STATUTE.format(**{**FINNISH, "moment1": long_fi}))
    write(tmp_path / "finlex" / "sv" / "a.xml", STATUTE.format(**{**SWEDISH, "moment1": long_sv}))
    kb = KnowledgeBase(tmp_path / "index")
    kb.ingest([tmp_path / "finlex"])
    fi = kb.search("kaupunkipyöräasemien huolto", lang="fi", limit=5)
    sv = kb.search("stadscykelstationerna", lang="sv", limit=5)
    fi_parts = sorted(h.passage_id for h in fi if h.heading.endswith("1 § Määritelmät"))
    sv_first = min(h.passage_id for h in sv if h.heading.endswith("1 § Definitioner"))
    assert len(fi_parts) == 2
    assert {h.translations[0]["passage_id"] for h in fi if h.passage_id in fi_parts} == {sv_first}


def test_a_feed_entry_is_a_passage_under_its_title(tmp_path):
    doc = extract(write(tmp_path / "uutiset.rss", RSS))
    assert (doc.doc_type, doc.title, doc.url, doc.declared_lang) == (
        "feed", "Smart & Clean -uutiset", "https://example.org/uutiset", "fi")
    assert doc.date == "2016-06-14"  # the newest entry's
    passages = split_passages(doc)
    assert [(p.heading, p.text) for p in passages] == [
        ("Kaupunkipyörät palaavat Espooseen", "Espoon kaupunkipyöräasemat avataan toukokuussa."),
        ("Biokaasubussit liikenteeseen", "Vantaalla aloittaa kymmenen biokaasulla kulkevaa bussia."),
    ]
    # An entry's own link is where a reader goes and what a citation gives.
    assert [p.link for p in passages] == ["https://example.org/uutiset/kaupunkipyorat", ""]
    kb = KnowledgeBase(tmp_path / "index")
    kb.ingest([tmp_path / "uutiset.rss"])
    assert kb.search("kaupunkipyöräasemat")[0].url == "https://example.org/uutiset/kaupunkipyorat"
    assert kb.search("biokaasubussit")[0].url == "https://example.org/uutiset"
    view = kb.get(kb.search("biokaasubussit")[0].doc_id)
    assert [p["url"] for p in view.passages] == ["https://example.org/uutiset/kaupunkipyorat", ""]
    # Each entry is of its own date: found, filtered and sorted by it; the feed's is its newest.
    assert view.date == "2016-06-14"
    assert [(h.date, h.year) for h in kb.search("kaupunkipyöräasemat OR biokaasubussit", sort="oldest")] == [
        ("2016-05-02", 2016), ("2016-06-14", 2016)]
    # An entry is cited by its own title, date and link, in the feed.
    entry = view.passages[0]["passage_id"]
    assert view.citation(at=entry) == ("Kaupunkipyörät palaavat Espooseen (2016). Smart & Clean -uutiset. "
                                       "https://example.org/uutiset/kaupunkipyorat.")
    ris = view.citation(style="ris", at=entry)
    assert "T2  - Smart & Clean -uutiset\r\n" in ris and "UR  - https://example.org/uutiset/kaupunkipyorat\r\n" in ris
    assert "DA  - 2016/05/02/\r\n" in ris
    # A reader sees each entry's own date beside its link, in show and in the document view.
    from click.testing import CliRunner
    from smartclean_kb.cli import cli
    from smartclean_kb.web import create_app

    shown = CliRunner().invoke(cli, ["show", view.doc_id, "--index", str(tmp_path / "index")]).output
    assert "2016-05-02 · https://example.org/uutiset/kaupunkipyorat" in shown and "2016-06-14\n" in shown
    page = create_app(tmp_path / "index").test_client().get(f"/doc/{view.doc_id}").get_data(as_text=True)
    assert page.count('class="passage-link"') == 2 and '<time datetime="2016-05-02">' in page


def test_an_undated_entry_stays_undated(tmp_path):
    """An entry without a date is not given the feed's (its newest entry's, or the
    channel's): no year to filter it by, last in a date sort, cited without a year."""
    undated = RSS.replace("</channel>", "<pubDate>Mon, 03 Jan 2022 09:00:00 +0200</pubDate><item>"
                          "<title>Pyöräkatsaus</title><link>https://example.org/uutiset/katsaus</link>"
                          "<description>Kaupunkipyörien käyttö kasvoi.</description></item></channel>")
    write(tmp_path / "uutiset.rss", undated)
    kb = KnowledgeBase(tmp_path / "index")
    kb.ingest([tmp_path / "uutiset.rss"])
    hits = kb.search("kaupunkipyörien OR kaupunkipyöräasemat OR biokaasulla", sort="newest")
    assert [(h.heading, h.date, h.year) for h in hits] == [
        ("Biokaasubussit liikenteeseen", "2016-06-14", 2016), ("Kaupunkipyörät palaavat Espooseen", "2016-05-02", 2016),
        ("Pyöräkatsaus", "", None)]
    assert "Pyöräkatsaus" not in [h.heading for h in kb.search("kaupunkipyörien", year="2016-")]
    view = kb.get(hits[2].doc_id)
    assert view.citation(at=hits[2].passage_id) == "Pyöräkatsaus. Smart & Clean -uutiset. https://example.org/uutiset/katsaus."


def test_an_atom_feed_in_an_xml_file(tmp_path):
    doc = extract(write(tmp_path / "blogg.xml", ATOM))
    assert (doc.title, doc.date, doc.url, doc.declared_lang) == (
        "Smart & Clean blogg", "2017-03-01", "https://example.org/blogg", "sv")
    assert [(b.headings, b.text) for b in doc.blocks] == [
        (("Solpaneler på skolornas tak",), "I Esbo installeras solpaneler på skolornas tak.")]


def test_other_xml_is_skipped_and_broken_xml_fails_with_its_reason(tmp_path):
    """A sitemap or a configuration file is no document: the ingest skips it, naming
    its root element, and still exits as a success; broken XML fails on one line."""
    write(tmp_path / "docs" / "sitemap.xml", '<urlset><url><loc>https://example.org/</loc></url></urlset>')
    write(tmp_path / "docs" / "rikki.xml", '<rss version="2.0"><channel><title>Uutiset')
    write(tmp_path / "docs" / "laki.xml", STATUTE.format(**FINNISH)[:900])
    write(tmp_path / "docs" / "uutiset.xml", RSS)
    with pytest.raises(NotADocumentError, match=r"root element <urlset>"):
        extract(tmp_path / "docs" / "sitemap.xml")

    kb = KnowledgeBase(tmp_path / "index")
    for _ in range(2):  # the second ingest remembers both files by their bytes
        report = kb.ingest([tmp_path / "docs"])
        assert [(Path(p.path).name, p.reason) for p in report.skipped] == [
            ("sitemap.xml", "XML of a kind this tool does not read (root element <urlset>); "
                            "it reads Finlex statutes and RSS or Atom feeds")]
        law, feed = report.failed
        assert Path(law.path).name == "laki.xml" and law.reason.startswith("invalid XML: ")
        assert "\n" not in law.reason and len(law.reason) < 220
        assert (Path(feed.path).name, feed.reason) == (
            "rikki.xml", "a feed with no entries (invalid XML: no element found)")
    [hit] = kb.search("biokaasubussit")
    assert kb.get(hit.doc_id).citation() == "Smart & Clean -uutiset (2016). https://example.org/uutiset."


def test_xml_entities_are_never_resolved(tmp_path):
    """A file naming a local file as an entity does not get that file read into the index."""
    secret = write(tmp_path / "salainen.txt", "SALAISUUS-4711")
    entity = f'<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
    feed = write(tmp_path / "syote.xml", f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entity}]>\n'
                 '<rss version="2.0"><channel><title>t</title><item><title>Otsikko</title>'
                 "<description>Pyöräilyreitti &xxe; avataan.</description></item></channel></rss>")
    declaration, statute = STATUTE.format(**{**FINNISH, "moment2": "Tämä &xxe; asetus tulee voimaan."}).split("\n", 1)
    law = write(tmp_path / "laki.xml", f"{declaration}\n<!DOCTYPE vah:VahvistettavaLaki [{entity}]>\n{statute}")
    for path in (feed, law):
        text = extract(path).text
        assert "SALAISUUS" not in text and ("Pyöräilyreitti" in text or "Tämä asetus tulee voimaan." in text)


def test_a_billion_laughs_file_expands_nothing(tmp_path):
    """Nested entities that would grow to gigabytes: a statute fails at once, a feed is
    read with the entity left unexpanded (feedparser keeps only plain-text entities)."""
    entities = "".join(['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)])
    feed = write(tmp_path / "lol.xml", '<?xml version="1.0"?>\n<!DOCTYPE rss [' + entities + ']>\n'
                 '<rss version="2.0"><channel><title>t</title><item><title>Otsikko</title>'
                 "<description>Pyöräilyreitti &lol9; avataan.</description></item></channel></rss>")
    [block] = extract(feed).blocks
    assert block.text.startswith("Pyöräilyreitti &lol9") and "lollol" not in block.text
    declaration, statute = STATUTE.format(**{**FINNISH, "moment2": "Tämä &lol9; asetus."}).split("\n", 1)
    law = write(tmp_path / "laki.xml", f"{declaration}\n<!DOCTYPE vah:VahvistettavaLaki [{entities}]>\n{statute}")
    with pytest.raises(ExtractError, match="invalid XML"):
        extract(law)


def test_a_feed_entity_referenced_thousands_of_times_expands_nothing(tmp_path):
    """One plain-text entity of 50,000 letters used 2,000 times would be 100 MB of text
    (feedparser's loose parser, which a bare ``&`` sends a feed to, expands such entities
    without limit) — in whatever encoding the feed declares itself."""
    entity = '<!ENTITY a "' + "A" * 50_000 + '">'
    body = ('<?xml version="1.0" encoding="{enc}"?>\n<!DOCTYPE rss [' + entity + ']>\n<rss version="2.0">'
            "<channel><title>Uutiset & tiedotteet</title><item><title>Otsikko</title><description>Alku "
            + "&a;" * 2_000 + "</description></item></channel></rss>")
    for encoding in ("utf-8", "utf-16", "utf-32", "cp037"):
        path = tmp_path / f"{encoding}.xml"
        path.write_bytes(body.replace("{enc}", encoding).encode(encoding))
        [block] = extract(path).blocks
        assert block.text.startswith("Alku &a") and len(block.text) < 10_000, encoding
    # An article may mention the declaration; only a feed's prolog declares entities.
    mention = write(tmp_path / "mainitsee.rss", '<rss version="2.0"><channel><title>t</title><item><title>x</title>'
                    "<description><![CDATA[Varo <!ENTITY xxe> -hyökkäyksiä]]></description></item></channel></rss>")
    assert "<!ENTITY xxe>" in extract(mention).text
    # The prolog is walked in order: a "<a>" inside a comment is no root that hides the
    # declaration behind it, and a declaration written inside a comment (which
    # feedparser would read entities out of) is dropped with the comment.
    items = ('<rss version="2.0"><channel><title>t & u</title><item><title>x</title><description>Alku '
             + "&a;" * 200 + "</description></item></channel></rss>")
    for name, prolog in (("kommentti", f'<!-- <a> -->\n<!DOCTYPE rss [{entity}]>\n'),
                         ("kommentissa", f'<!--\n<!DOCTYPE x>\n{entity}\n-->\n'),
                         ("tagi", '<!DOCTYPE rss [<!ENTITY a "<b>' + "A" * 50_000 + '</b>">]>\n')):
        [block] = extract(write(tmp_path / f"{name}.rss", '<?xml version="1.0"?>\n' + prolog + items)).blocks
        assert block.text.startswith("Alku &a") and len(block.text) < 10_000, name
    # A prolog that never reaches its root (an unclosed comment) is refused, with its reason.
    unclosed = write(tmp_path / "auki.rss", f'<?xml version="1.0"?>\n<!-- {entity}\n<!DOCTYPE rss []>' + items)
    with pytest.raises(ExtractError, match="Comment not terminated"):
        extract(unclosed)


def test_a_long_prolog_is_read_at_once(tmp_path):
    """Blank lines and comments before the feed's root (a pattern over them once took
    39 s for fifteen line breaks, and 20,000 unclosed comments took 15 s)."""
    items = ('<rss version="2.0"><channel><title>t</title><item><title>x</title>'
             "<description>Pyöräilyreitti avataan.</description></item></channel></rss>")
    feed = write(tmp_path / "tyhjat.rss", '<?xml version="1.0"?>' + "\r\n" * 40 + "<!-- syöte -->\n" + " " * 60 + items)
    assert extract(feed).text == "Pyöräilyreitti avataan."
    crafted = write(tmp_path / "avoimet.rss", '<?xml version="1.0"?>' + "<!--" * 20_000 + items)
    with pytest.raises(ExtractError):
        extract(crafted)


def test_a_sloppy_feed_is_read_as_feed_readers_read_it(tmp_path):
    """Real feeds use HTML entities XML does not define and bare ampersands; a strict
    XML parser rejects them, feed readers (and this tool) do not."""
    sloppy = RSS.replace("Smart &amp; Clean", "Smart & Clean").replace(
        "kymmenen biokaasulla", "kymmenen&nbsp;biokaasulla").replace(
        "Biokaasubussit", "Biokaasubussit &ndash; uutta")
    doc = extract(write(tmp_path / "uutiset.xml", sloppy))
    assert doc.title == "Smart & Clean -uutiset"
    assert [(b.headings, b.text) for b in doc.blocks][1] == (
        ("Biokaasubussit – uutta liikenteeseen",), "Vantaalla aloittaa kymmenen biokaasulla kulkevaa bussia.")


def test_real_finlex_statutes_in_both_languages(shared_data, tmp_path):
    """The Waste Act as Finlex publishes it: a search for how waste management is
    organised gives its section 28 first, and the Swedish text is linked."""
    finlex = shared_data / "real-docs" / "finlex"
    for lang in ("fi", "sv"):
        (tmp_path / "finlex" / lang).mkdir(parents=True)
        shutil.copy(finlex / lang / "asd20110646.xml", tmp_path / "finlex" / lang)
    kb = KnowledgeBase(tmp_path / "index")
    report = kb.ingest([tmp_path / "finlex"])
    assert not report.failed and report.passages > 300
    hit = kb.search("jätehuollon järjestäminen", limit=1)[0]
    assert hit.title == "Jätelaki (646/2011)" and hit.date == "2011-06-17"
    assert hit.heading == "4 luku Vastuu jätehuollon järjestämisestä › 28 § Jätehuollon järjestäminen"
    sv = kb.search("kommunens skyldighet att ordna avfallshantering", lang="sv", limit=1)[0]
    assert sv.title == "Avfallslag (646/2011)" and "§" in sv.heading
    assert [t["title"] for t in kb.get(hit.doc_id).translations] == ["Avfallslag (646/2011)"]
    [sv28] = hit.translations
    assert sv28["heading"] == "4 kap. Ansvaret för att ordna avfallshantering › 28 § Ordnande av avfallshantering"
