"""The Finnish and Swedish analysers: inflections and compounds meet, real Whoosh indexes."""

from __future__ import annotations

import json
import os
import pickle
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from whoosh import query as Q
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from smartclean_kb import analysis
from smartclean_kb.analysis import TEXT_FIELDS, analyze, analyzer_for, explain_query
from smartclean_kb.evaluation import read_qrels, read_topics, score_run

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shares_term(a: str, b: str, lang: str) -> bool:
    return bool(set(analyze(a, lang)) & set(analyze(b, lang)))


@pytest.mark.parametrize(
    "a, b, lang",
    [
        ("jätehuollon", "jätehuolto", "fi"),
        ("kaupungin", "kaupunki", "fi"),
        ("kaupunkien", "kaupungissa", "fi"),
        ("erilläänpitovelvollisuuden", "erilläänpitovelvollisuus", "fi"),
        ("städer", "stad", "sv"),
        ("hållbarhet", "hållbar", "sv"),
        ("hållbarheten", "hållbara", "sv"),
    ],
)
def test_inflected_and_derived_forms_share_a_term(a, b, lang):
    assert shares_term(a, b, lang)


def test_finnish_compounds_index_their_parts():
    terms = analyze("jätehuollon", "fi")
    assert {"jätehuolto", "jäte", "huolto"} <= set(terms)
    assert "energia" in analyze("energiatehokkuus", "fi")


def test_swedish_compounds_split_at_linking_s():
    assert "avfall" in analyze("avfallshantering", "sv")
    assert {"huvudstad", "region"} <= set(analyze("huvudstadsregionens", "sv"))
    assert "stad" in analyze("städer", "sv")


def test_a_part_that_is_itself_a_compound_gives_its_parts_too():
    assert {"avfallshantering", "avfall", "hantering", "myndighet"} <= set(analyze("avfallshanteringsmyndigheten", "sv"))
    assert {"uppehållstillstånd", "tillstånd", "kort"} <= set(analyze("uppehållstillståndskortet", "sv"))


def test_a_word_cut_short_before_a_conjunction_stands_for_the_compound_it_shortens():
    assert {"rantaluonto", "luonto"} <= set(analyze("ranta- ja saaristoluonnon", "fi"))
    assert "maankäyttölaki" in analyze("Maankäyttö- ja rakennuslaki", "fi")
    assert "vattenverk" in analyze("vatten- och avloppsverket", "sv")
    assert analyze("ranta- ja saaristoluonnon", "exact") == ["ranta", "ja", "saaristoluonnon"]
    assert analyze("e-post och sms", "sv") == ["e", "post", "sms"]


VOIKKO = pytest.mark.skipif(analysis._voikko() is None, reason="needs libvoikko")


def test_compound_parts_are_not_lemmatised_again():
    assert "simma" not in analyze("samtycka", "sv")  # not sam -> simma
    assert {"gäl", "landa"}.isdisjoint(analyze("gällande", "sv"))


@VOIKKO
def test_a_finnish_first_part_left_alone_is_its_word():
    """``Rakentamis- ja purkamistyöt``, ``viranomais- toimintaan`` (a line-break hyphen):
    the first part in -is is the word in -nen, so it meets the word's other forms."""
    assert "rakentaa" in analyze("rakentamis", "fi")
    assert "viranomainen" in analyze("viranomais", "fi")
    assert analyze("aviapolis", "fi") == ["aviapolis"]  # a name in -is stays itself


def test_a_particle_takes_no_linking_s():
    """``undersökning`` is under + sökning, never unders + ökning ('increase'); a
    particle is no compound head at all, as the stop-word check already said for the
    reading without -s (analyser version 11)."""
    assert "ökning" not in analyze("undersökningar", "sv")
    assert "tiga" not in analyze("överstiger", "sv")
    assert {"avfall", "lag"} <= set(analyze("avfallslagen", "sv"))  # a noun still does


def test_a_word_a_verb_particle_opens_is_not_split():
    """Swedish particle verbs and their nouns are lexicalised: ``återvinning``
    ('recycling') is no ``vinning`` ('gain'), ``genomförande`` no ``föra``, and a search
    for those must not find them (analyser version 13); nor is a known word that reads as
    a particle and a known word split at another seam: ``misstänka`` was ``missta`` +
    ``änka`` ('widow'), ``innehålla`` ``inneha`` + ``ålla`` (version 14). A compound they
    are part of still splits at its own seam, and a linking -s still marks one."""
    assert analyze("återvinning", "sv") == ["återvinning", "återvinna"]
    assert "föra" not in analyze("genomförandet", "sv")
    assert "håll" not in analyze("innehållet", "sv")
    assert analyze("innehålla", "sv") == ["innehålla"]
    assert analyze("misstänker", "sv") == ["misstänker", "misstänka"]
    assert "riva" not in analyze("beskriver", "sv") and "skrift" not in analyze("föreskriften", "sv")
    assert {"återvinning", "central"} <= set(analyze("återvinningscentralen", "sv"))
    assert {"samarbete", "område"} <= set(analyze("samarbetsområdets", "sv"))
    assert {"avfallshantering", "föreskrift"} <= set(analyze("avfallshanteringsföreskrifterna", "sv"))


def test_a_known_word_that_splits_either_side_of_an_s_stays_whole():
    """``transport`` is no tran + s + port, ``grundskola`` no grund + s + kola ('toffee'):
    when a word the dictionary knows reads both with a linking -s and with the s opening
    its last part, nothing says which is meant, and a wrong part is a false match for
    every search of that part. A word it does not know keeps its split (``avfallslagen``
    above: laws are ``-slag`` + ``-lag`` far more often than ``slag``)."""
    # Nor one that splits into two known words one letter to either side (version 15):
    # ``kontroll`` is no ``kont`` + ``roll``, ``kontrakt`` no ``kont`` + ``rakt``.
    assert analyze("kontrollen", "sv") == ["kontrollen", "kontroll"]
    assert "rakt" not in analyze("kontraktet", "sv")
    assert {"marknad", "kontroll"} <= set(analyze("marknadskontrollen", "sv"))
    assert "port" not in analyze("transporten", "sv")
    assert "kola" not in analyze("grundskolan", "sv")
    assert "ten" not in analyze("tegelstenar", "sv")
    assert {"huvudstad", "region"} <= set(analyze("huvudstadsregionens", "sv"))


def test_forms_of_a_swedish_compound_the_dictionary_lacks_share_its_base_form():
    """``betongprojektet`` and ``betongprojekt`` meet in ``betongprojekt``, not only in
    their parts (which ``betong`` or ``projekt`` alone also match)."""
    assert "betongprojekt" in analyze("betongprojektet", "sv")
    assert "sidoström" in analyze("sidoströmmarna", "sv")
    assert {"avfallslag", "avfall", "lag"} <= set(analyze("avfallslagen", "sv"))


def test_a_swedish_first_part_with_a_linking_vowel_is_its_word():
    """``skatte|reform``, ``ränte|stöd``, ``råvaru|produktion``: a search for ``skatt``,
    ``ränta`` or ``råvara`` must find them, as ``avfall`` finds ``avfalls|hantering``."""
    assert {"skatt", "reform"} <= set(analyze("skattereformen", "sv"))
    assert "ränta" in analyze("räntestödslånet", "sv")
    assert "råvara" in analyze("råvaruproduktion", "sv")
    assert {"lön", "förhandling"} <= set(analyze("löneförhandlingar", "sv"))
    assert {"huvud", "yrke"} <= set(analyze("huvudyrke", "sv"))  # huvud|yrke, not huva|dyrke
    assert "forma" not in analyze("formulerat", "sv")  # a known word takes no -u- link


def test_a_swedish_compound_opened_by_a_name_or_loan_ends_in_the_word_it_knows():
    """``Helsingforsregionen`` and ``cleantechföretagen``: the first part is in no
    dictionary, so the known word they end in is what a search for it must find."""
    assert {"helsingforsregion", "helsingfors", "region"} <= set(analyze("Helsingforsregionens", "sv"))
    assert {"cleantechföretag", "företag"} <= set(analyze("cleantechföretagen", "sv"))
    assert shares_term("cleantechföretagen", "cleantechföretag", "sv")
    assert "prövning" not in analyze("överprövning", "sv")  # a particle opens a word
    assert "säljare" not in analyze("elförsäljare", "sv")  # el + försäljare, not elför + säljare


@VOIKKO
def test_a_finnish_word_in_swedish_text_gets_no_swedish_parts():
    assert "stolt" not in analyze("sivustolta", "sv")


def test_swedish_noun_forms_meet_where_the_lemmatiser_reads_a_verb():
    """simplemma gives ``besluten`` the verb ``besluta`` and ``beslutet`` ``besluten``,
    ``lagar`` the verb ``laga``: the noun a form's ending points to is added when the
    dictionary lists it, so a search for ``beslut`` or ``lag`` finds the other forms."""
    for form in ("beslut", "beslutet", "besluten"):
        assert "beslut" in analyze(form, "sv")
    assert "lag" in analyze("lagar", "sv") and "lag" in analyze("lagen", "sv")


def test_swedish_avfall_meets_its_definite_form_alone_and_in_compounds():
    """simplemma lists ``avfall`` only as a form of the verb ``avfalla`` and ``avfallet``
    as the adjective ``avfallen``, so the archive's commonest Swedish waste word missed
    half its passages depending on the form typed (review)."""
    for form in ("avfallet", "bioavfallet", "blandavfallet", "hushållsavfall", "nollavfall", "rivningsavfallet"):
        assert shares_term(form, "avfall", "sv"), form
    assert "avfallen" not in analyze("bioavfallet", "sv")
    # Only that case: a form of another word is no noun base (diff review).
    for form, other in (("fötter", "fött"), ("skor", "ska"), ("buller", "bull"), ("syftet", "syft"),
                        ("vattnet", "vattn"), ("möten", "möt"), ("roller", "kontroll")):
        assert not shares_term(form, other, "sv"), (form, other)
    assert analyze("schengen", "sv") == ["schengen", "scheng"]
    # A verb's stem is a noun only as a word's last part, and only where no lemmas read
    # the word: maskin|del, not mask|indel; lånebeviljaren keeps bevilja (second review).
    assert "indel" not in analyze("maskindelar", "sv")
    assert shares_term("lånebeviljaren", "beviljar", "sv") and "bränna" in analyze("biobrännoljor", "sv")


def test_swedish_participle_forms_meet_their_verb():
    """simplemma lemmatises ``fattade`` and ``godkända`` to the participles ``fattad`` and
    ``godkänd`` but most participles to their verb (``beviljade`` -> ``bevilja``)."""
    assert shares_term("fattade", "fatta", "sv")
    assert shares_term("godkända", "godkänna", "sv")
    assert shares_term("bestämt", "bestämmer", "sv")
    assert not shares_term("fasaden", "fasa", "sv")  # a noun in -ad is no participle


def test_a_swedish_adverb_in_t_meets_its_adjective():
    assert shares_term("snabbt", "snabba", "sv")
    assert shares_term("fritt", "fria", "sv")
    assert not shares_term("fart", "far", "sv")  # speed is no form of father
    assert not shares_term("rätt", "räta", "sv")


def test_known_swedish_words_are_split_through_their_lemma():
    assert "ren" not in analyze("ägarens", "sv")
    assert "ingen" not in analyze("planeringen", "sv")
    assert "villa" not in analyze("villkor", "sv")
    assert {"byggnad", "arbete"} <= set(analyze("byggnadsarbetet", "sv"))
    assert {"byggnad", "skydd", "lag"} <= set(analyze("byggnadsskyddslagen", "sv"))
    assert {"avfall", "transportör"} <= set(analyze("avfallstransportören", "sv"))  # fewest parts


def test_a_finnish_compound_no_dictionary_knows_ends_in_the_word_it_knows():
    """Voikko reads no compound of ``erillään`` + ``pito``, nor any with ``smartclean``:
    such a word is read as ending in the longest noun the dictionary knows, so its forms
    meet and that noun finds it."""
    assert {"erilläänpitovelvollisuus", "velvollisuus"} <= set(analyze("erilläänpitovelvollisuuden", "fi"))
    assert "velvollisuus" in analyze("selvilläolovelvollisuudesta", "fi")
    assert {"smartcleanhanke", "hanke"} <= set(analyze("smartcleanhankkeen", "fi"))


@VOIKKO
def test_an_unknown_compound_ends_in_a_simple_word_without_a_clitic():
    """Voikko also reads a compound (``pitovelvollisuus``) or a word with a clitic
    (``tokankaan`` as ``tokka`` + -kaan) in a long tail: the last part is the longest
    one-word noun instead."""
    assert {"erilläänpitovelvollisuus", "velvollisuus"} <= set(analyze("erilläänpitovelvollisuuden", "fi"))
    terms = set(analyze("hulikistokankaan", "fi"))
    assert {"hulikistokangas", "kangas"} <= terms and "tokka" not in terms


def test_without_voikko_a_compound_of_known_words_has_its_base_form():
    """simplemma, what a machine without libvoikko gets, lists few compounds: a compound
    of words it knows is given its first parts and its last part's base form, so its
    forms meet in a term a phrase uses (a Snowball stem it is not)."""
    code = (
        "import json; from smartclean_kb.analysis import analyze, backend; "
        "print(json.dumps([backend()] + [analyze(w, 'fi') for w in "
        "('korjauspajan', 'korjauspajassa', 'kaupungintalon', 'Raaseporissa')]))"
    )
    env = {**os.environ, "SMARTCLEAN_KB_NO_VOIKKO": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    used, pajan, pajassa, talon, raasepori = json.loads(out.stdout)
    assert "voikko" not in used.lower()
    assert "korjauspaja" in pajan and "korjauspaja" in pajassa
    assert {"korjaus", "paja"} <= set(pajan)
    assert {"kaupungintalo", "kaupunki", "talo"} <= set(talon)
    assert raasepori[0] == "raaseporissa"  # a name is kept as written


@VOIKKO
def test_with_voikko_finnish_analysis_never_loads_simplemmas_finnish_table(tmp_path):
    """Decoding simplemma's Finnish table takes 16 s and over a gigabyte, once per
    process on a fresh machine (and 90 MB per process after): with Voikko, Finnish
    analysis, unknown compounds included, must not need it."""
    code = (
        "from smartclean_kb.analysis import analyze; "
        "analyze('Jätehuollon erilläänpitovelvollisuuden Aviapoliksen kaupungin', 'fi')"
    )
    env = {**os.environ, "SMARTCLEAN_KB_CACHE": str(tmp_path)}
    env.pop("SMARTCLEAN_KB_NO_VOIKKO", None)
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert not list(tmp_path.glob("*-fi.*"))


@VOIKKO
def test_a_name_that_ends_in_no_known_noun_stays_whole():
    assert analyze("Aviapolis", "fi") == ["aviapolis"]
    # A form the dictionary knows is its lemma here; the exact-form field keeps the form.
    assert analyze("Raaseporissa", "fi") == ["raasepori"]
    assert analyze("Raaseporissa", "exact") == ["raaseporissa"]


def test_an_ending_after_a_colon_stays_with_its_abbreviation():
    """Finnish and Swedish put an abbreviation's or number's ending after a colon: one
    word whose base is the abbreviation, not the abbreviation and a stray ``n``."""
    # (Voikko knows ``EU:n``, so with it the form is only in the exact-form field.)
    assert [t for t in analyze("EU:n direktiivi", "fi") if t != "eu:n"] == ["eu", "direktiivi"]
    assert analyze("EU:n direktiivi", "exact") == ["eu:n", "direktiivi"]
    assert analyze("HRM:s mål", "sv")[:2] == ["hrm:s", "hrm"]
    assert analyze("HSY:ssa 2020:een", "exact") == ["hsy:ssa", "2020:een"]
    assert analyze("klo 12:30, Huom:katsokaa", "exact") == ["klo", "12", "30", "huom", "katsokaa"]
    # After a section sign the ending is no word: as ``n`` it matched every ``28 §:n``.
    assert analyze("jätelain 28 §:n ja 5 §:ssä", "exact") == ["jätelain", "28", "ja", "5"]
    assert analyze("3 §: Lain tarkoitus", "exact") == ["3", "lain", "tarkoitus"]


def test_a_finnish_names_inflected_forms_meet_its_base_form():
    """Snowball cuts a name's case ending but not its stem change (``Aviapoliksen`` is
    ``aviapoliks`` to it, ``Slushin`` stays whole), so a search for the name missed
    every page that inflects it."""
    for form in ("Aviapoliksen", "Aviapoliksessa", "Aviapolista", "Aviapoliksiin"):
        assert "aviapolis" in analyze(form, "fi"), form
    for form in ("Slushin", "Slushissa", "Slushia"):
        assert "slush" in analyze(form, "fi"), form
    assert "uber" in analyze("Uberilla", "fi")
    assert "jätkäsaari" in analyze("Jätkäsaaris", "sv") and "otaniemi" in analyze("Otaniemis", "sv")
    ix = build_index({"avia": ("fi", "Aviapoliksen työmatkat lyhenivät."),
                      "slush": ("fi", "Slushissa esiteltiin uusia yrityksiä."),
                      "other": ("fi", "Polis ja slussi ovat eri asioita.")})
    assert [d for d, _ in search(ix, "Aviapolis")] == ["avia"]
    assert [d for d, _ in search(ix, "Slush")] == ["slush"]


@VOIKKO
def test_finnish_parts_are_the_base_forms_of_the_components():
    assert {"työ", "tekijä"} <= set(analyze("työntekijän", "fi"))
    assert "oikeus" in analyze("oikeudenkäymiskaaren", "fi") and "oikea" not in analyze("oikeudenkäymiskaaren", "fi")
    terms = set(analyze("asemakaavan", "fi"))
    assert {"asema", "kaava"} <= terms and terms.isdisjoint({"ase", "makaava", "maata"})
    assert {"energia", "tehokas"} <= set(analyze("energiatehokkaiden", "fi"))
    assert {"kuu", "lumi"}.isdisjoint(analyze("kuulumisia", "fi"))  # a simple word first
    assert {"huolto", "laki"} <= set(analyze("sosiaalihuoltolain", "fi"))


@VOIKKO
def test_a_component_of_a_compound_listed_whole_is_not_read_as_another_word():
    """Voikko lists some compounds as one word (``Ota=niemi``, ``vastaan=otto``); read
    again, a name's ``Ota`` was ``ottaa`` and ``Otaniemi`` found every ``otettiin``."""
    assert shares_term("Otaniemessä", "Otaniemen", "fi")
    assert not shares_term("Otaniemessä", "otettiin", "fi")
    assert not shares_term("vastaanotto", "vastata", "fi")
    assert not shares_term("periaatteita", "perii", "fi")  # peri=aate, not periä 'inherit'
    assert "toimi" in analyze("toimenpiteet", "fi")
    assert {"käyttö", "otto"} <= set(analyze("käyttöönoton", "fi"))
    assert {"energia", "tehokkuus"} <= set(analyze("energiatehokkuuden", "fi"))


@VOIKKO
def test_finnish_participles_meet_their_verb_and_derived_parts_their_base():
    assert shares_term("annettu", "antaa", "fi")
    assert shares_term("säädetyn", "säätää", "fi")
    assert "tallentaa" in analyze("tallennuspalveluissa", "fi")


def test_unrelated_words_stay_apart():
    assert not shares_term("kaupunki", "kauppa", "fi")
    assert not shares_term("stad", "stat", "sv")


def test_letters_a_o_with_marks_are_never_folded():
    assert "hållbar" in analyze("Hållbar", "sv")
    assert "jätehuolto" in analyze("JÄTEHUOLTO", "fi")
    terms = analyze("Ärende över ön", "exact")
    assert terms == ["ärende", "över", "ön"]
    assert "åsikt" in analyze("åsikter", "sv") and "asikt" not in analyze("åsikter", "sv")
    assert all(not term.isascii() for term in analyze("äänestys", "fi"))


def test_stop_words_are_dropped_but_kept_in_the_exact_field():
    assert "och" not in analyze("avfall och energi", "sv")
    assert "ja" not in analyze("jäte ja energia", "fi")
    assert "the" not in analyze("the city", "en")
    assert analyze("jäte ja energia", "exact") == ["jäte", "ja", "energia"]


def test_names_are_not_mangled_in_the_exact_field():
    assert analyze("Virtasen Helsingborgs Nokia", "exact") == ["virtasen", "helsingborgs", "nokia"]
    # A name no dictionary knows keeps its form in the language field too.
    assert "smartcleanin" in analyze("Smartcleanin", "fi")


@VOIKKO
def test_a_finnish_form_the_dictionary_knows_is_its_lemma_in_the_language_field():
    """The form itself is in the exact-form field; counted in the language field as well,
    the query's own form outweighed its lemma (``test_kb`` shows the ranking)."""
    assert analyze("Virtasen jätehuollon", "fi") == ["virtanen", "jätehuolto", "jäte", "huolto"]
    assert analyze("Virtasen jätehuollon", "exact") == ["virtasen", "jätehuollon"]
    assert analyze("alusta", "fi")[0] == "alusta"  # a form that is also a lemma stays


def test_unknown_words_keep_their_form_and_get_a_stem():
    terms = analyze("blorgistojen", "fi")
    assert terms[0] == "blorgistojen"
    assert len(terms) >= 2


def test_alternatives_share_the_word_position():
    tokens = [(t.text, t.pos) for t in analyzer_for("fi")("Jätehuollon kustannukset", positions=True)]
    positions = {text: pos for text, pos in tokens}
    assert positions["jätehuolto"] == positions["jäte"] == positions["huolto"] == 0
    assert positions["kustannus"] == 1
    assert len(tokens) == len(set(tokens))


def test_every_field_has_an_analyser_that_pickles():
    assert {f.name for f in TEXT_FIELDS} >= {"text_fi", "text_sv", "text_en", "text_exact"}
    for field in TEXT_FIELDS:
        analyzer = analyzer_for(field.analyzer)
        clone = pickle.loads(pickle.dumps(analyzer))
        text = "Jätehuollon kustannukset och avfallshanteringen"
        assert [t.text for t in clone(text)] == [t.text for t in analyzer(text)]


def test_contract_values():
    assert isinstance(analysis.ANALYSER_VERSION, str) and analysis.ANALYSER_VERSION
    assert "simplemma" in analysis.backend()
    explained = explain_query("jätehuollon kustannukset")
    assert set(explained) == {f.name for f in TEXT_FIELDS}
    assert "jätehuolto" in explained["text_fi"]


def field_query(fieldname: str, text: str, analyzer_name: str) -> Q.Query | None:
    """One field's OR of words, each word's analysed alternatives OR-ed (as search does)."""
    groups: dict[int, list[str]] = defaultdict(list)
    for t in analyzer_for(analyzer_name)(text, mode="query", positions=True):
        groups[t.pos].append(t.text)
    words = [Q.Or([Q.Term(fieldname, x) for x in alts]) for alts in groups.values()]
    return Q.Or(words, scale=0.9, boost=next(f.boost for f in TEXT_FIELDS if f.name == fieldname)) if words else None


def build_index(docs: dict[str, tuple[str, str]]):
    """An in-memory Whoosh index with the project's fields; docs: id -> (lang, text)."""
    schema = Schema(docid=ID(stored=True), **{f.name: TEXT(analyzer=analyzer_for(f.analyzer), phrase=True) for f in TEXT_FIELDS})
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for docid, (lang, text) in docs.items():
            fields = {f.name: text for f in TEXT_FIELDS if lang in f.langs or "*" in f.langs}
            writer.add_document(docid=docid, **fields)
    return ix


def search(ix, text: str, limit: int = 10) -> list[tuple[str, float]]:
    parts = [field_query(f.name, text, f.analyzer) for f in TEXT_FIELDS]
    q = Q.Or([p for p in parts if p is not None])
    with ix.searcher() as searcher:
        return [(hit["docid"], hit.score) for hit in searcher.search(q, limit=limit, optimize=False)]


def test_a_query_in_one_form_finds_a_document_in_another():
    ix = build_index(
        {
            "fi-waste": ("fi", "Kaupungin jätehuollon kustannukset kasvoivat."),
            "fi-energy": ("fi", "Energiatehokkuus paranee uusissa rakennuksissa."),
            "fi-sorting": ("fi", "Jätteiden erilläänpitovelvollisuudesta säädetään asetuksella."),
            "sv-waste": ("sv", "Avfallshanteringen i huvudstadsregionen kostar mer."),
            "sv-city": ("sv", "Städerna blir mer hållbara."),
            "en-city": ("en", "Cities report their waste costs."),
        }
    )
    assert search(ix, "jätehuolto kaupunki")[0][0] == "fi-waste"
    assert search(ix, "energia")[0][0] == "fi-energy"
    assert search(ix, "erilläänpitovelvollisuus")[0][0] == "fi-sorting"
    assert search(ix, "avfall i regionen")[0][0] == "sv-waste"
    assert search(ix, "hållbarhet stad")[0][0] == "sv-city"
    assert search(ix, "city costs")[0][0] == "en-city"


def test_exact_form_ranks_above_another_form():
    ix = build_index({"exact": ("fi", "Kaupungin talous."), "other": ("fi", "Kaupunki ja talous.")})
    assert [d for d, _ in search(ix, "kaupungin")] == ["exact", "other"]


@pytest.mark.shared
@pytest.mark.parametrize("name, lang, floor", [("finlex-fi", "fi", 0.81), ("finlex-sv", "sv", 0.75)])
def test_finlex_sample_quality_is_pinned(name, lang, floor):
    """100 headings against their sections plus 400 distractors (measured .832 fi, .769 sv;
    Finnish .807 with simplemma alone, where Voikko is not installed, pinned at .78).

    Swedish was .828 with the character 4-gram field always searched; that field went
    (a third of the index, much of the ingest time) for a fuzzy zero-hit fallback.
    """
    folder = SHARED_DATA / "retrieval-dev" / name
    if not folder.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    topics = read_topics(folder / "topics.tsv")
    qrels = read_qrels(folder / "qrels.txt")
    rng = random.Random(7)
    qids = sorted(rng.sample(sorted(q for q in topics if q in qrels), 100))
    relevant = {d for q in qids for d in qrels[q]}
    others = sorted(p.stem for p in (folder / "docs").glob("*.txt") if p.stem not in relevant)
    pool = sorted(relevant | set(rng.sample(others, 400)))
    ix = build_index({d: (lang, (folder / "docs" / f"{d}.txt").read_text(encoding="utf-8")) for d in pool})
    run = {q: search(ix, topics[q], limit=10) for q in qids}
    ndcg = score_run(run, {q: qrels[q] for q in qids})["ndcg@10"]
    if lang == "fi" and analysis._voikko() is None:
        floor = 0.78
    assert ndcg >= floor


def test_word_cache_gives_the_same_terms_as_the_filters_themselves(fixture_kb):
    """The word cache computes a new word's terms without the filters' token stream;
    the terms, their order and positions stay the chain's, on real passages too."""
    from whoosh.analysis import LowercaseFilter

    from smartclean_kb import analysis

    passages = [stored["text"] for stored in fixture_kb._open().reader().all_stored_fields()]
    text = ("Pääkaupunkiseudun jätehuollon ja kiertotalouden tiekartta: energiatehokkuus, "
            "kaupungin kaukolämpö. Jätehuolto, jätehuoltoa, jätehuollossa. Aviapoliksen "
            "Slushissa EU:n HSY:ssa Jätkäsaaris avfallshanteringsmyndigheten städer. ") * 3
    text += "\n\n".join(passages)
    for lang in ("fi", "sv"):
        plain = (analysis.WordTokenizer() | LowercaseFilter() | analysis._stop_filter(lang)
                 | analysis.CompoundFilter(lang) | analysis.LemmaFilter(lang)
                 | analysis.DerivationFilter(lang) | analysis.UnknownStemFilter(lang))
        if lang == "fi":
            plain = plain | analysis.InflectedFormFilter(lang)
        plain = plain | analysis.UniqueTermFilter()
        cached = analysis.analyzer_for(lang)
        expected = [(t.text, t.pos, t.startchar, t.endchar) for t in plain(text, chars=True)]
        for _ in range(2):
            assert [(t.text, t.pos, t.startchar, t.endchar) for t in cached(text, chars=True)] == expected


def test_decoded_dictionaries_are_kept_between_runs(tmp_path, monkeypatch) -> None:
    """simplemma's Swedish table is decoded once, then read back from the cache folder;
    a damaged cache file is rebuilt, never an error."""
    monkeypatch.setenv("SMARTCLEAN_KB_CACHE", str(tmp_path))
    words = ["avfallet", "städer", "hållbarheten", "huvudstadsregionen", "qxzq"]
    try:
        analysis._forms.cache_clear()
        decoded = analysis._forms("sv")
        cached_file = next(tmp_path.glob("simplemma-*-sv.table"))
        analysis._forms.cache_clear()
        reloaded = analysis._forms("sv")
        assert reloaded is not decoded and len(reloaded) == len(decoded)
        assert [reloaded.get(w) for w in words] == [decoded.get(w) for w in words]
        assert decoded.get("städer") == "stad"
        # The packed table answers exactly as simplemma's own table, form by form.
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        table = DefaultDictionaryFactory().get_dictionary("sv")
        sample = list(table.items())[::5]
        assert [reloaded.get(form) for form, _ in sample] == [lemma for _, lemma in sample]
        assert "stad" in reloaded and "qxzq" not in reloaded and reloaded["städer"] == "stad"

        cached_file.write_bytes(b"not a pickle")
        analysis._forms.cache_clear()
        assert analysis._forms("sv").get("städer") == "stad"
        assert cached_file.stat().st_size > 1000
    finally:
        analysis._forms.cache_clear()
