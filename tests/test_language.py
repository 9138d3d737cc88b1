"""Language identification: short and long text, confusable languages, mixed documents."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartclean_kb.language import (
    LANGUAGES,
    PASSAGE_SAMPLE_SURE,
    QUERY_MIN_PROBABILITY,
    detect_language,
    detect_passages,
    detect_query,
    document_languages,
)
from smartclean_kb.models import Detection

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TARGETS = ("fi", "sv", "en")

FINNISH = ("Helsingin kaupunki haluaa vähentää jätteen määrää ja lisätä kierrätystä. "
           "Uusi jätehuoltosuunnitelma hyväksyttiin valtuustossa viime viikolla.")
SWEDISH = ("Helsingfors stad vill minska mängden avfall och öka återvinningen. "
           "Den nya avfallsplanen godkändes av fullmäktige förra veckan.")
ENGLISH = ("The city of Helsinki wants to reduce the amount of waste and increase recycling. "
           "The new waste management plan was approved by the council last week.")


@pytest.mark.parametrize("text, lang", [
    ("jätehuollon", "fi"),
    ("kierrätys", "fi"),
    ("avfallshanteringen", "sv"),
    ("återvinning", "sv"),
    ("recycling", "en"),
    ("kiertotalous Helsingissä", "fi"),
    ("hållbar stad", "sv"),
    ("waste management", "en"),
    ("och", "sv"),
    ("the", "en"),
    ("että", "fi"),
])
def test_short_words_and_pairs(text, lang):
    assert detect_language(text).lang == lang


@pytest.mark.parametrize("text, lang", [
    ("I have", "en"),
    ("I never said that", "en"),
    ("I think so", "en"),
    ("I dag regnar det", "sv"),
    ("I går kväll", "sv"),
    ("I Helsingfors finns många parker", "sv"),
])
def test_sentence_initial_i_is_decided_by_the_words_after_it(text, lang):
    assert detect_language(text).lang == lang


@pytest.mark.parametrize("text, lang", [(FINNISH, "fi"), (SWEDISH, "sv"), (ENGLISH, "en")])
def test_paragraphs_are_certain(text, lang):
    detection = detect_language(text)
    assert detection.lang == lang
    assert detection.probability > 0.99


@pytest.mark.parametrize("text, langs", [
    ("Linnavalitsus otsustas eelmisel nädalal, et jäätmeveo hinnad tõusevad.", {"et"}),
    ("Eesti keel on soome-ugri keel, mida räägib umbes miljon inimest.", {"et"}),
    ("Jeg har ikke været i København siden sidste år, men jeg glæder mig.", {"da"}),
    ("Kommunen skal nedbringe mængden af affald, og borgerne skal sortere mere.", {"da", "nb"}),
    ("Regjeringen vil legge fram en ny plan for avfallshåndtering i løpet av høsten.", {"nb", "da"}),
    ("Vi må bli flinkere til å kildesortere, sier ordføreren i Bergen.", {"nb", "da"}),
    ("Die Stadt Helsinki möchte bis zum Jahr 2035 klimaneutral werden.", {"de"}),
])
def test_confusable_languages_are_not_labelled_fi_sv_en(text, langs):
    assert detect_language(text).lang in langs


@pytest.mark.parametrize("text", ["den stabile regering", "hele landet"])
def test_danish_norwegian_e_forms_of_swedish_a_words_are_not_swedish(text):
    assert detect_language(text).lang in {"da", "nb"}


@pytest.mark.parametrize("word", ["arbete", "måste", "högre", "bättre", "före", "yttre", "glädje"])
def test_swedish_words_in_e_stay_swedish(word):
    assert detect_language(word).lang == "sv"


def test_other_scripts_and_languages_go_to_langdetect():
    russian = "Город Хельсинки хочет сократить количество отходов."
    assert detect_language(russian).lang == "ru"
    french = "Le garçon a vu le château près de la forêt, où il irait à pied avec sa sœur."
    assert detect_language(french).lang == "fr"
    spanish = "El niño pequeño caminó hasta la estación con su señora madre por la mañana."
    assert detect_language(spanish).lang == "es"


def test_finnish_headings_of_long_words_and_formulas_need_no_langdetect():
    """Finnish and Swedish statutes and reports are full of headings whose every word is
    longer than the lexicon's, and of formulas with a Greek letter or two: asking
    langdetect about them loaded its 55 profiles (0.3-0.4 s) in the command-line search
    and in each ingest worker, only to agree."""
    script = (
        "import langdetect.detector_factory as f\n"
        "from smartclean_kb.language import detect_language, detect_query\n"
        "assert detect_query('Tunnistuspalvelun tarjoajan velvollisuus ilmoittaa toiminnan "
        "aloittamisesta').lang == 'fi'\n"
        "assert detect_language('Julkisoikeudelliset omakustannusarvoa pienemmäksi hinnoitellut "
        "suoritteet').lang == 'fi'\n"
        "assert detect_language('Ilmanvaihdon lämpöhäviö lasketaan kaavalla, jossa ρ on ilman "
        "tiheys ja η lämmöntalteenoton vuosihyötysuhde.').lang == 'fi'\n"
        "assert detect_language('Värmeförlusten beräknas med formeln där ρ är luftens densitet "
        "och η värmeåtervinningens verkningsgrad.').lang == 'sv'\n"
        "assert f._factory is None, 'langdetect was loaded'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_warm_loads_langdetect_before_the_first_foreign_text():
    """A server warms up at start, so no user's query pays for langdetect's profiles."""
    script = (
        "import langdetect.detector_factory as f\n"
        "from smartclean_kb import KnowledgeBase\n"
        "assert f._factory is None\n"
        "KnowledgeBase('unused-index').warm()\n"
        "assert f._factory is not None and len(f._factory.langlist) == 55\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_swedish_paragraph_quoting_finnish_names_stays_swedish():
    text = ("Enligt miljöchefen Päivi Järvenpää-Kiiskinen fortsätter projektet Kiertotalous "
            "Helsingissä även nästa år. Jätehuolto Oy och Helsingin Seudun Ympäristöpalvelut "
            "ansvarar för insamlingen.")
    assert detect_language(text).lang == "sv"


@pytest.mark.parametrize("text, lang", [
    ("Lisätietoja https://www.example.com/about-us/contact-information-page", "fi"),
    ("Lisätietoja ja ilmoittautumiset: seminar-registration@example.com", "fi"),
    ("Mer information: https://www.example.com/about-us/contact", "sv"),
    ("Katso ohjeet hsy.fi/en/waste-sorting-instructions", "fi"),
])
def test_web_and_email_addresses_are_no_evidence(text, lang):
    """An address's ``www``, ``com`` and English path words made these English."""
    assert detect_language(text).lang == lang


def test_an_address_alone_is_undetermined_and_inherits_its_documents_language():
    assert detect_language("https://www.example.com/about-us/contact").lang == "und"
    passages = [SWEDISH, "https://www.example.com/about-us/contact", SWEDISH]
    _, detections = detect_passages(passages, "\n\n".join(passages))
    assert [d.lang for d in detections] == ["sv", "sv", "sv"]


@pytest.mark.parametrize("text", ["", "   ", "12345", "!!! --- ???", "2024-01-01 12:00", "§ 12"])
def test_no_letters_is_undetermined(text):
    assert detect_language(text) == Detection("und", 0.0)


def test_deterministic_within_and_across_processes():
    texts = ["on", "en", "hållbar stad", FINNISH, "Gloria Balotta", "ja viime"]
    first = [detect_language(t) for t in texts]
    assert first == [detect_language(t) for t in texts]
    code = ("import json, sys; from smartclean_kb.language import detect_language; "
            "print(json.dumps([detect_language(t).to_dict() for t in json.loads(sys.argv[1])]))")
    import json

    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code, json.dumps(texts)], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [d.to_dict() for d in first]


def test_import_does_not_load_the_model():
    code = "import smartclean_kb.language as m; print(m._model.cache_info().currsize)"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "0"


def test_detect_passages_marks_a_mixed_document():
    passages = [FINNISH, SWEDISH, ENGLISH, FINNISH + " " + FINNISH]
    document, detections = detect_passages(passages, "\n\n".join(passages))
    assert [d.lang for d in detections] == ["fi", "sv", "en", "fi"]
    assert document.lang == "fi"
    assert document_languages(detections) == ["fi", "en", "sv"]


def _documents(*folders: Path):
    from smartclean_kb.errors import ExtractError
    from smartclean_kb.extract import extract_bytes, extractor_for
    from smartclean_kb.passages import split_passages

    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and extractor_for(path.name) and path.name not in ("README.md", "qrels.txt"):
                try:
                    doc = extract_bytes(path.read_bytes(), str(path))
                except ExtractError:
                    continue
                yield doc, [p.text for p in split_passages(doc, "x")]


def test_a_sampled_passage_keeps_the_label_a_full_reading_gives():
    """A long passage is scored on three windows first and read in full only when they
    are unsure or disagree with its document: every passage of the shipped archive and
    the test fixtures (and the real documents in ../shared, where present) gets the
    language and probability a full reading gives, including one that switches language."""
    switching = FINNISH + " " + " ".join([SWEDISH] * 6)
    # Swedish, but with Finnish just where the three windows fall: the sample says
    # Finnish, the document is Swedish, so the passage is read in full.
    swedish = " ".join([SWEDISH] * 4)
    finnish_at_the_windows = " ".join([FINNISH, swedish, FINNISH, swedish, FINNISH])
    docs = [(None, [FINNISH * 4, switching, FINNISH * 3]),
            (None, [SWEDISH * 3, finnish_at_the_windows, SWEDISH * 2])]
    folders = [REPO / "corpus", REPO / "tests" / "fixtures"]
    if (SHARED_DATA / "real-docs").is_dir():
        folders.append(SHARED_DATA / "real-docs" / "finlex")
    docs += list(_documents(*folders))
    assert len(docs) > 50
    for doc, texts in docs:
        whole = "\n\n".join(texts) if doc is None else doc.text
        sampled, full = detect_passages(texts, whole), detect_passages(texts, whole, sample=False)
        assert sampled[0].lang == full[0].lang
        for a, b in zip(sampled[1], full[1]):
            # A sample sure enough to stand may be a little less sure than the whole
            # (one table of numbers in the Finlex statutes: .993 against 1.000).
            assert a.lang == b.lang
            assert round(a.probability, 2) == round(b.probability, 2) or min(
                a.probability, b.probability) >= PASSAGE_SAMPLE_SURE
    assert [d.lang for d in detect_passages(docs[0][1], "\n\n".join(docs[0][1]))[1]] == ["fi", "sv", "fi"]
    assert [d.lang for d in detect_passages(docs[1][1], "\n\n".join(docs[1][1]))[1]] == ["sv", "sv", "sv"]


def test_unsure_passage_inherits_the_document_language():
    passages = [SWEDISH, "Kontakt", "12.3.2024", SWEDISH]
    document, detections = detect_passages(passages, "\n\n".join(passages))
    assert document.lang == "sv"
    assert [d.lang for d in detections] == ["sv", "sv", "sv", "sv"]


def test_document_languages_of_a_single_language_document():
    detections = [Detection("sv", 0.99)] * 9 + [Detection("en", 0.9)]
    assert document_languages(detections) == ["sv"]
    assert document_languages([]) == []


def test_detect_query_prefers_und_to_a_weak_guess():
    assert detect_query("avfallshanteringen i Helsingfors").lang == "sv"
    assert detect_query("").lang == "und"
    for word in ("on", "en", "me", "Anna", "data", "hand", "alt", "Nokia"):
        plain, query = detect_language(word), detect_query(word)
        if plain.probability < QUERY_MIN_PROBABILITY:
            assert query.lang == "und"
        else:
            assert query == plain


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gets_a_valid_detection(text):
    detection = detect_language(text)
    assert 0.0 <= detection.probability <= 1.0
    assert detection.lang == "und" or detection.lang in LANGUAGES or len(detection.lang) in (2, 3)


def _bench():
    spec = importlib.util.spec_from_file_location("langid_bench_for_tests", REPO / "bench" / "langid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ud_dir() -> Path:
    path = SHARED_DATA / "ud"
    if not path.is_dir():
        pytest.skip(f"UD treebanks not found at {path} (../shared/data sits beside the checkout in CI)")
    return path


@pytest.mark.shared
def test_accuracy_on_held_out_ud_sample(ud_dir):
    bench = _bench()
    slack = {"word": 0.88, "pair": 0.96, "3-8 words": 0.98, "sentence": 0.985, "paragraph": 0.985}
    for lang in TARGETS:
        buckets = bench.make_buckets(bench.load_runs(ud_dir, lang, "eval"), 150, seed=7)
        for bucket, texts in buckets.items():
            accuracy = sum(detect_language(t).lang == lang for t in texts) / len(texts)
            assert accuracy >= slack[bucket], (lang, bucket, accuracy)
    for lang in ("et", "da", "nb"):
        buckets = bench.make_buckets(bench.load_runs(ud_dir, lang, "eval"), 100, seed=7)
        texts = buckets["sentence"] + buckets["paragraph"]
        false_labels = sum(detect_language(t).lang in TARGETS for t in texts) / len(texts)
        assert false_labels <= 0.03, (lang, false_labels)


def test_the_ngram_scores_are_kept_between_runs(tmp_path, monkeypatch) -> None:
    """The n-gram scores are parsed once, then read back from the cache folder with the
    same detections; a damaged cache file is rebuilt, never an error."""
    from smartclean_kb import language

    monkeypatch.setenv("SMARTCLEAN_KB_CACHE", str(tmp_path))
    data = language.DATA_DIR / "langid_ngrams.tsv.gz"
    texts = ["Huvudstadsregionen ska bli ett skyltfönster", "jätehuollon kustannukset", "the city"]

    def detections() -> list[tuple[str, float]]:
        model = language._Model(language.DATA_DIR)
        with monkeypatch.context() as m:
            m.setattr(language, "_model", lambda: model)
            return [(d.lang, d.probability) for d in map(language.detect_language, texts)]

    parsed = language._grams(data)
    cached = next(tmp_path.glob("langid-grams-*.pickle"))
    first = detections()
    assert language._grams(data) == parsed and [lang for lang, _ in first] == ["sv", "fi", "en"]
    cached.write_bytes(b"not a pickle")
    assert language._grams(data) == parsed and detections() == first
    assert cached.read_bytes() != b"not a pickle"
