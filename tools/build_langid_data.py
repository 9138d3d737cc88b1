"""Build the language-ID model shipped in ``src/smartclean_kb/data/langid_*``.

Run from the repository root with ``../shared/data/ud`` beside the checkout:

    PYTHONPATH=src python tools/build_langid_data.py [--reuse] [--out DIR]

(``--reuse`` keeps the slow lexicon statistics in /tmp between runs; a full build takes a
few minutes. ``--out`` writes the files elsewhere, to try a change without touching the
shipped model.)

What it derives, and from what (nothing here is copied text):

* character 1-5-gram statistics and a Bloom filter of the word forms of up to
  ``LEX_MAXLEN`` letters, from simplemma's dictionaries for fi, sv, en, et, da, nb
  and de (simplemma is MIT-licensed; its word lists come from open lexical
  resources, see https://github.com/adbar/simplemma);
* function-word lists: Snowball's stop lists as shipped by Whoosh (BSD) for
  fi, sv, en, da, nb, de, and a hand-written Estonian list (below);
* rough frequencies of each language's commonest words, hand-written below;
* the Swedish -e words that are not an old inflection of an -a word ("arbete", "högre"),
  from simplemma's Swedish dictionary: the feature that counts a Danish/Norwegian -e form
  with a Swedish -a twin ("tale"/"tala") against Swedish leaves them alone;
* ten feature weights, a capital-word discount and three biases, fitted by
  multinomial logistic regression on UD *test* sentences for fi/sv/en and on the
  odd-numbered 10-sentence blocks of the et/da/no *dev* files. ``bench/langid.py``
  evaluates on the fi/sv/en dev files and the even-numbered blocks, never on these.
  Only the fitted numbers are shipped, no UD text.

Needs numpy and scipy (``pip install -e '.[dev]'``; build time only); the runtime needs
neither.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import math
import pickle
import re
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk
from whoosh.lang.stopwords import stoplists

from smartclean_kb.language import EITHER_I, tokens

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "src" / "smartclean_kb" / "data"
UD_DIR = ROOT.parent / "shared" / "data" / "ud"

LANGS = ("fi", "sv", "en", "et", "da", "nb", "de")
ORDERS = 5
FORM_SAMPLE = 300_000
MIN_COUNT = int(os.environ.get('LANGID_MIN_COUNT', 20))
SMOOTHING = 0.1
LEX_MAXLEN = 8
BLOOM_BITS_PER_FORM = 10
BLOOM_HASHES = 5
SCALE = 200
FIELD_BITS = 40
TRAIN_TEXTS_PER_BUCKET = 500
OTHER_WEIGHT = 0.3
CAPITAL_FACTORS = (0.1, 0.2, 0.3, 0.5)
LETTERS = re.compile(r"[^\W\d_]+")
TWIN_MIN_LENGTH = 4
#: The Swedish-twin feature rests on a noisy lexicon: it may weigh against Swedish, not veto it.
TWIN_MAX_WEIGHT = 2.0

ALPHABETS = {
    "fi": "abcdefghijklmnopqrstuvwxyzåäöšž",
    "sv": "abcdefghijklmnopqrstuvwxyzåäöé",
    "en": "abcdefghijklmnopqrstuvwxyzé",
    "et": "abcdefghijklmnopqrstuvwxyzäöüõšž",
    "da": "abcdefghijklmnopqrstuvwxyzæøåé",
    "nb": "abcdefghijklmnopqrstuvwxyzæøåéó",
    "de": "abcdefghijklmnopqrstuvwxyzäöüß",
}

ESTONIAN_FUNCTION_WORDS = """
aga ainult alla ehk eriti et enne iga ikka ilma isegi ja juba järgi jälle ka kas keegi kes
kohe kui kuid kuni kus kõige kõik ma me meid meie midagi mida mina mind minu miski mis mitte
mu muidugi mul nad nagu need neid neil neile nemad nende ning nii nüüd oled oleks olema
oleme olen olete oli olid olnud oma on ongi peab peale pole polnud poolt rohkem sa saab sai
sama samas samuti see seda seega seal sellega selle sellele selles sellest sest siin siis
siiski sina sind sinu sul ta tal te teda teie teid teine tema tuleb umbes vaid vastu veel
või võib välja väga üks ühe üle
"""


# Approximate frequencies (per 1000 running words) of each language's commonest words,
# written from general knowledge of these languages, not counted from any corpus here: they
# tell the model that "en" is far commoner in Swedish than in Finnish, "on" in Finnish than
# in English. "I" stays upper-case: a lower-case "i" is mostly Swedish, Danish or Norwegian
# (informal English "i" gets a little); acronyms keep their case, so "AM" is not German "am".
COMMON_WORDS = {
    "fi": """ja:28 on:22 että:10 ei:9 se:7 oli:7 hän:5 kun:5 sen:4 mutta:4 myös:4 tai:3 ovat:3
        joka:3 niin:3 kuin:3 jos:2 vain:2 nyt:2 jo:2 ole:2 olla:1.5 ollut:1.5 mukaan:1.5 jotka:1.5
        jonka:1.5 jossa:1.5 hänen:1.5 sitä:1.5 tämä:1.5 voi:1.5 sekä:1.5 kanssa:1.2 vielä:1.2
        kaikki:1.2 en:1 minä:1 siitä:1 mitä:1 ne:1 kuitenkin:1 sitten:1 me:0.8 he:0.8 tässä:0.8
        olisi:0.8 kuten:0.8 vaan:0.8 eivät:0.8 eli:0.6 aina:0.6 eikä:0.6 nämä:0.5 mikä:0.5 siis:0.5
        sinä:0.5 olen:0.7 oikein:0.4 paljon:0.8 vuonna:1 vuoden:0.8 noin:0.7 yli:0.6
        hyvin:0.6 koska:0.8 vaikka:0.6 kaksi:0.5 yksi:0.6 jälkeen:0.7 välillä:0.3
        joskus:0.3 eilen:0.2 mitään:0.8 siellä:0.4 täällä:0.4 heti:0.4 koko:0.6 enää:0.5 ainakin:0.4 esimerkiksi:0.6 mukana:0.3 ennen:0.6 pitää:0.5 tulee:0.6 tehdä:0.5 sanoi:1 kertoi:0.6 muut:0.5 muita:0.3 niiden:0.6 heidän:0.6 meidän:0.5 minun:0.5 sinun:0.3 lisäksi:0.6 aikana:0.5 toisaalta:0.2 myöhemmin:0.3 takia:0.4 vuoksi:0.4 kautta:0.5 olivat:1 olet:0.3 olemme:0.3 voisi:0.4 voidaan:0.4 pitäisi:0.3 täytyy:0.2""",
    "sv": """och:30 i:22 att:20 det:18 som:15 en:14 på:13 är:13 av:11 för:10 med:9 till:9 den:8
        har:8 de:7 inte:7 om:6 ett:6 han:5 men:5 var:5 jag:5 sig:4 från:3.5 vi:3.5 så:3.5 kan:3.5
        man:3 när:3 år:3 hon:3 också:2.5 säger:2 under:2 efter:2 eller:2 nu:2 sin:2 där:2 vid:2
        ska:2 hade:2 mot:1.5 skulle:1.5 kommer:1.5 ut:1.5 finns:1.5 vara:1.5 alla:1.5 andra:1.5
        mycket:1.5 än:1.5 då:1.5 bara:1.5 sedan:1.2 över:1.2 in:1.2 blir:1.2 upp:1.2 även:1.2
        detta:1 dem:1 hans:1 vad:1 få:1 två:1 vill:1 ha:1 mer:1 annan:0.6 annat:0.6 mig:0.8
        sitt:0.8 blev:0.8 bli:0.8 många:0.8 hur:0.8 går:0.8 deras:0.7 ju:0.7 denna:0.6 dessa:0.6
        oss:0.5 olika:0.5 samma:0.5 hela:0.6 själv:0.4 någon:0.7 något:0.7 några:0.5
        här:1.5 dag:0.6 bra:0.8 helt:0.6 igen:0.6 fortfarande:0.4 kanske:0.6 gärna:0.4
        tillsammans:0.5 första:0.8 tid:0.6 gång:0.6 sista:0.5 mellan:0.8 utan:0.8 kunde:1.5
        ville:1 göra:0.8 komma:0.6 säga:0.4 kom:0.6 sa:1 sade:0.8 fick:0.8 varit:1 nya:0.8
        stora:0.5 stor:0.6 varje:0.6 ingen:0.6 inget:0.4 inga:0.3 vår:0.4 våra:0.3 min:0.6
        mitt:0.3 mina:0.3 din:0.4 dig:0.8 du:2 ja:0.5 nej:0.3 nog:0.4 väl:0.5 medan:0.4
        eftersom:0.6 både:0.4 lite:0.6 gör:0.6 står:0.5 ser:0.5 tror:0.5 tillbaka:0.5 fram:0.5
        ner:0.4 runt:0.3 hos:0.5 bland:0.4 sådan:0.3 vilket:0.6 vilka:0.4 vem:0.3 varför:0.3
        därför:0.5 dock:0.4 allt:0.8 alltså:0.3 samt:0.6 enligt:0.6 inom:0.5 genom:0.8
        redan:0.5 senare:0.4 aldrig:0.5 alltid:0.5 ofta:0.4 nästan:0.3 kvar:0.4 tre:0.6""",
    "en": """the:60 of:30 and:28 to:26 a:22 in:19 that:11 is:10 for:9 it:9 was:8 on:7 with:7 he:6
        as:6 I:6 you:6 be:6 at:5 by:5 this:5 have:5 from:4.5 are:4.5 or:4 not:4 but:4 had:4
        his:4 they:3.5 we:3.5 an:3.5 which:3 were:3 she:2.5 there:2.5 her:2.5 been:2.5 one:2.5
        all:2.5 will:2.5 would:2.5 their:2.5 if:2.5 has:2.5 so:2.5 my:2.5 your:2 can:2 what:2
        do:2 about:2 when:2 me:1.5 no:1.5 out:1.5 up:1.5 more:1.5 who:1.5 them:1.5 its:1.5
        some:1.2 into:1.2 than:1.2 just:1 like:1 other:1 then:1 only:1 also:1 new:1 time:1
        get:1 our:1 i:1 AM:0.3 PM:0.3 any:0.8 how:0.8 these:0.8 because:0.7 very:0.6 well:0.6
        should:0.6
        said:1 could:1.5 may:0.8 people:0.8 first:1 two:1 after:1 over:1 know:1 see:0.8 make:0.8 think:0.8 go:0.8 way:0.6 most:0.6 even:0.6 back:0.6 good:0.8 want:0.6 where:0.6 much:0.6 those:0.6 did:0.8 made:0.6 many:0.6 before:0.6 must:0.5 through:0.6 years:0.6 year:0.5 being:0.5 now:0.8 never:0.5 work:0.5 here:0.6 us:0.6 take:0.5 why:0.4 still:0.5 own:0.4 under:0.4 last:0.5 while:0.4 same:0.4 each:0.5 going:0.5 say:0.6 use:0.5 does:0.5 got:0.5 something:0.4 please:0.4 thanks:0.3 need:0.5 really:0.4 too:0.5 great:0.4 off:0.5 down:0.5 again:0.4""",
    "et": """ja:30 on:18 et:10 ei:7 ka:6 see:6 oli:5 kui:5 ta:4 mis:4 aga:3 ning:3 oma:3 või:2.5
        seda:2.5 kes:2 siis:2 veel:2 selle:2 kuid:2 ma:2 nad:1.5 mida:1.5 kõik:1.5 juba:1.5
        nagu:1.5 sest:1.5 pole:1 üle:1 välja:1 tema:1 mitte:1 kus:1 nüüd:1 väga:1 kas:1 vaid:1
        need:1 me:0.8 ainult:0.8 pärast:0.8 olnud:0.8 saab:0.8 võib:0.8 üks:0.8 aasta:0.8
        aastal:0.8 olid:0.8 seal:0.6 samuti:0.6 sa:0.6 oleks:0.6 ühe:0.6 nende:0.6 siin:0.5
        neid:0.5 mul:0.5 peab:0.5 tuleb:0.5 enne:0.5 olema:0.4 tal:0.4 minu:0.4 teda:0.4
        sellest:0.4 selles:0.4 palju:0.6 hea:0.4 ikka:0.4 isegi:0.4 eesti:0.8 üldse:0.3""",
    "da": """og:30 i:18 at:17 det:16 en:14 er:13 den:11 til:11 som:10 på:10 de:9 med:8 for:8 der:8
        har:7 af:7 ikke:7 var:6 et:6 han:5 jeg:5 men:4.5 om:4 sig:3.5 fra:3.5 vi:3.5 så:3.5
        kan:3.5 hun:2.5 også:2.5 skal:2.5 da:2.5 man:2 ved:2 efter:2 eller:2 være:2 blev:2
        år:2 nu:1.5 når:1.5 hvor:1.5 have:1.5 bliver:1.5 meget:1.5 mig:1.5 ud:1.5 op:1.5
        over:1.5 sin:1.5 siger:1.5 dem:1.5 dette:1.3 hans:1.2 alle:1.2 hvad:1.2 hvis:1 mod:1
        under:1 kun:1 ham:1 deres:1 end:1 andre:1 denne:0.8 disse:0.8 os:0.8 noget:0.8
        mange:0.8 nogle:0.6 hende:0.5 sit:0.5 sine:0.5 hendes:0.4
        hvordan:0.5 nogen:0.8 selv:1 dag:0.6 godt:0.8 helt:0.6 lige:1 bare:0.8
        hele:0.8 igen:0.8 stadig:0.4 måske:0.6 gerne:0.4 sammen:0.6 første:0.8 samme:0.6
        tid:0.6 gang:0.6 sidste:0.6 mellem:0.6 uden:0.6 blive:1 kunne:1.5 skulle:1 ville:1.2
        gøre:0.6 komme:0.6 sige:0.4 få:0.8 kom:0.6 sagde:1 fik:0.6 havde:2.5 været:1 mere:1
        nye:0.6 store:0.5 andet:0.8 anden:0.5 hver:0.4 ingen:0.6 vores:0.5 min:0.8 mit:0.4
        mine:0.4 din:0.4 dig:0.8 du:2 ja:0.5 nej:0.3 nok:0.5 vel:0.4 jo:0.8 siden:0.6
        mens:0.4 fordi:0.6 både:0.4 lidt:0.5 mand:0.5 gør:0.5 står:0.4 går:0.6 ser:0.4
        tror:0.5 vil:2 tilbage:0.5 ned:0.4 omkring:0.4 hos:0.4 blandt:0.3 sådan:0.5
        hvilket:0.3 hvem:0.3 hvorfor:0.3 derfor:0.4 dog:0.4 alt:0.6 allerede:0.4 senere:0.4
        aldrig:0.5 altid:0.5 ofte:0.4 næsten:0.3 tre:0.6""",
    "nb": """og:28 i:20 det:15 er:13 på:12 en:11 som:10 til:10 å:9 for:9 av:8 med:8 har:8 ikke:8
        at:7 de:7 den:7 om:5 et:5 han:5 var:5 jeg:5 men:4.5 seg:4 fra:4 kan:4 vi:3.5 så:3.5
        også:3 skal:3 hun:2.5 etter:2.5 da:2.5 blir:2.5 ble:2.5 eller:2 når:2 være:2 år:2
        sier:2 nå:1.5 ved:1.5 meg:1.5 ut:1.5 opp:1.5 over:1.5 bare:1.5 sin:1.5 dette:1.5
        man:1.5 mot:1.2 dem:1.2 alle:1.2 andre:1.2 hvor:1 hvis:1 ha:1 bli:1 under:1 hans:1
        enn:1 noen:1 noe:1 mange:1 hva:1 mer:1 deres:0.8 denne:0.8 oss:0.8 disse:0.7 sitt:0.7
        sine:0.7 ham:0.5 henne:0.5 hennes:0.4 mye:0.8 kunne:0.8 må:0.8
        hvordan:0.5 selv:1 dag:0.6 godt:0.8 helt:0.6 hele:0.8 igjen:0.8 fortsatt:0.4
        kanskje:0.6 gjerne:0.4 sammen:0.6 første:0.8 samme:0.6 tid:0.6 gang:0.6 siste:0.6
        mellom:0.6 uten:0.6 skulle:1 ville:1.2 gjøre:0.6 komme:0.6 si:0.4 få:0.8 kom:0.6
        sa:1.2 fikk:0.8 hadde:2.5 vært:1 nye:0.6 store:0.5 annet:0.8 annen:0.5 hver:0.4
        ingen:0.6 vår:0.4 våre:0.3 min:0.8 mitt:0.4 mine:0.4 din:0.4 deg:0.8 du:2 ja:0.5
        nei:0.3 nok:0.5 vel:0.4 jo:0.8 siden:0.6 mens:0.4 fordi:0.6 både:0.4 litt:0.5
        mann:0.4 gjør:0.5 står:0.4 går:0.6 ser:0.4 tror:0.5 vil:2 tilbake:0.5 ned:0.4
        rundt:0.4 hos:0.4 blant:0.3 slik:0.5 hvem:0.3 hvorfor:0.3 derfor:0.4 likevel:0.3
        alt:0.6 allerede:0.4 senere:0.4 aldri:0.5 alltid:0.5 ofte:0.4 nesten:0.3 tre:0.6""",
    "de": """der:35 die:33 und:28 in:16 den:11 von:10 das:10 zu:9 mit:8 des:8 ist:8 sich:7 auf:7
        für:6 dem:6 nicht:6 ein:6 im:5 eine:5 sie:5 als:4 auch:4.5 es:4 an:4 er:3.5 aus:3 hat:3
        dass:3 wird:3 werden:2.5 nach:2.5 einer:2.5 sind:2.5 bei:2 um:2 am:2 noch:2 wie:2
        einem:2 über:2 einen:2 so:2 zum:2 war:2 ich:2 haben:1.5 nur:1.5 oder:1.5 aber:1.5
        vor:1.5 zur:1.5 wurde:1.5 bis:1.2 mehr:1.2 durch:1.2 man:1.2 sein:1 wir:1 wenn:1
        ihr:0.8 kann:0.8 unter:0.8 ihre:0.8 seine:0.8 schon:0.7 dann:0.7 sei:0.7 gegen:0.6
        seit:0.5 jetzt:0.5 doch:0.5 diese:0.8 dieser:0.6 zwischen:0.4 sehr:0.6 immer:0.5""",
}
COMMON_FLOOR = 0.2


def common_words(lang: str) -> dict[str, float]:
    """log(frequency / floor) of the language's commonest words: 0 for every other word."""
    out = {}
    for item in COMMON_WORDS[lang].split():
        word, per_thousand = item.split(":")
        out[word] = math.log(float(per_thousand) / COMMON_FLOOR)
    return out


def _load_bench_module():
    """The bench owns the UD sampling rules; reuse them so train and eval never overlap."""
    spec = importlib.util.spec_from_file_location("langid_bench", ROOT / "bench" / "langid.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["langid_bench"] = module
    spec.loader.exec_module(module)
    return module


def word_forms(lang: str) -> set[str]:
    """All lower-case, letters-only keys and lemmas of simplemma's dictionary."""
    forms = set()
    for key, value in _load_dictionary_from_disk(lang).items():
        for raw in (key, value):
            form = raw.decode().lower()
            if LETTERS.fullmatch(form):
                forms.add(form)
    return forms


def swedish_e_words(function_words: set[str]) -> list[str]:
    """Swedish words in -e that are not the -e inflection of an -a word: function words
    ("inte", "skulle"), lemmas ("arbete", "måste") and forms of another lemma than their -a
    twin ("högre" of "hög", not of "höger"). The Swedish-twin feature leaves them alone."""
    lemmas: dict[str, set[str]] = {}
    for key, value in _load_dictionary_from_disk("sv").items():
        form, lemma = key.decode().lower(), value.decode().lower()
        for word in (form, lemma):
            if LETTERS.fullmatch(word):
                lemmas.setdefault(word, set()).add(lemma if word == form else word)
    exempt = {word for word in function_words if word.endswith("e")}
    for word, own in lemmas.items():
        twin = lemmas.get(word[:-1] + "a")
        if TWIN_MIN_LENGTH <= len(word) <= LEX_MAXLEN and word.endswith("e") and twin:
            if word in own or not own & twin:
                exempt.add(word)
    return sorted(exempt)


def grams(word: str) -> list[str]:
    padded = "<" + word + ">"
    out = []
    for n in range(1, ORDERS + 1):
        for i in range(len(padded) - n + 1):
            gram = padded[i:i + n]
            if gram not in ("<", ">"):
                out.append(gram)
    return out


def gram_counts(forms: set[str]) -> Counter:
    ordered = sorted(forms)
    step = max(1, len(ordered) // FORM_SAMPLE)
    counts: Counter = Counter()
    for form in ordered[::step]:
        counts.update(grams(form))
    return counts


MASK_SEED = 0x5BD1E995


def bloom_mask(data: bytes) -> int:
    """The bits a word sets in its block, shared by all languages; language.py mirrors this."""
    bits = zlib.crc32(data, MASK_SEED)
    mask = 0
    for _ in range(BLOOM_HASHES):
        mask |= 1 << (bits & 63)
        bits >>= 6
    return mask


def bloom_block(data: bytes, seed: int, blocks: int) -> int:
    return zlib.crc32(data, seed) % blocks


def build_bloom(forms: set[str], seed: int) -> tuple[bytearray, int]:
    short = sorted(f for f in forms if len(f) <= LEX_MAXLEN)
    blocks = max(1, len(short) * BLOOM_BITS_PER_FORM // 64)
    table = [0] * blocks
    for form in short:
        data = form.encode("utf-8")
        table[bloom_block(data, seed, blocks)] |= bloom_mask(data)
    raw = bytearray()
    for value in table:
        raw += value.to_bytes(8, "little")
    return raw, blocks


class FloatModel:
    """The features of language.py in floating point, for fitting the weights."""

    n_features = ORDERS + 5

    def __init__(self, counts, blooms, stops, common):
        self.totals = {lang: [0] * (ORDERS + 1) for lang in LANGS}
        vocab = [set() for _ in range(ORDERS + 1)]
        for lang in LANGS:
            for gram, count in counts[lang].items():
                self.totals[lang][len(gram)] += count
                vocab[len(gram)].add(gram)
        self.vocab_size = [len(v) for v in vocab]
        self.default = {
            lang: [0.0] + [math.log(SMOOTHING / (self.totals[lang][n] + SMOOTHING * self.vocab_size[n]))
                           for n in range(1, ORDERS + 1)]
            for lang in LANGS
        }
        self.table = {}
        for lang_index, lang in enumerate(LANGS):
            for gram, count in counts[lang].items():
                n = len(gram)
                keep = n == 1 or max(counts[other].get(gram, 0) for other in LANGS) >= MIN_COUNT
                if not keep:
                    continue
                row = self.table.setdefault(gram, [0.0] * len(LANGS))
                denominator = self.totals[lang][n] + SMOOTHING * self.vocab_size[n]
                row[lang_index] = math.log((count + SMOOTHING) / denominator) - self.default[lang][n]
        self.blooms = blooms
        self.stops = stops
        self.common = common
        self.twin_exempt = swedish_e_words(stops["sv"] | set(common["sv"]))
        self.cache = {}

    def word_features(self, word: str) -> np.ndarray:
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        if word == EITHER_I:
            return self._either_features()
        features = np.zeros((len(LANGS), self.n_features))
        gram_list = grams(word.lower())
        for gram in gram_list:
            row = self.table.get(gram)
            if row is not None:
                features[:, len(gram) - 1] += row
        counts = Counter(len(g) for g in gram_list)
        for i, lang in enumerate(LANGS):
            for n, count in counts.items():
                features[i, n - 1] += count * self.default[lang][n]
            features[i, ORDERS] = sum(ch not in ALPHABETS[lang] for ch in word.lower())
            if len(word) <= LEX_MAXLEN:
                raw, blocks, seed = self.blooms[lang]
                data = word.encode("utf-8")
                block = bloom_block(data, seed, blocks)
                mask = bloom_mask(data)
                value = int.from_bytes(raw[8 * block:8 * block + 8], "little")
                features[i, ORDERS + 1] = (value & mask) == mask
            features[i, ORDERS + 2] = word in self.stops[lang]
            features[i, ORDERS + 3] = self.common[lang].get(word, 0.0)
        features[LANGS.index("sv"), ORDERS + 4] = self.swedish_twin(word)
        self.cache[word] = features
        return features

    def known(self, word: str, lang: str) -> bool:
        if len(word) > LEX_MAXLEN:
            return False
        raw, blocks, seed = self.blooms[lang]
        data = word.encode("utf-8")
        block = bloom_block(data, seed, blocks)
        mask = bloom_mask(data)
        return int.from_bytes(raw[8 * block:8 * block + 8], "little") & mask == mask

    def swedish_twin(self, word: str) -> bool:
        """A Danish or Norwegian -e form whose Swedish spelling ends in -a ("tale"/"tala",
        "hele"/"hela", "stabile"/"stabila"); Swedish keeps such -e forms only as rare, old
        inflections. language.py mirrors this, with the same exemptions."""
        return (TWIN_MIN_LENGTH <= len(word) <= LEX_MAXLEN and word.endswith("e")
                and not word.endswith(("de", "te")) and word not in self.twin_exempt
                and self.known(word[:-1] + "a", "sv"))

    def _either_features(self) -> np.ndarray:
        """As language.py scores a sentence-initial "I": the word "i", with each language's
        function-word features from its own reading ("I" for English, "i" for Swedish)."""
        features = self.word_features("i").copy()
        pronoun = self.word_features("I")
        function_words = slice(ORDERS + 2, ORDERS + 4)
        for i in range(len(LANGS)):
            if tuple(pronoun[i, function_words]) > tuple(features[i, function_words]):
                features[i, function_words] = pronoun[i, function_words]
        self.cache[EITHER_I] = features
        return features

    def text_features(self, text: str, tokenize) -> tuple[np.ndarray, np.ndarray]:
        """Summed features of plain and of discounted (capitalised, not sentence-initial) words."""
        plain = np.zeros((len(LANGS), self.n_features))
        capital = np.zeros((len(LANGS), self.n_features))
        for word, discounted in tokenize(text):
            features = self.word_features(word)
            if discounted:
                capital += features
            else:
                plain += features
        return plain, capital


def training_texts(bench) -> list[tuple[str, str, float]]:
    out = []
    for lang in bench.LANGUAGES:
        runs = bench.load_runs(UD_DIR, lang, "train")
        for bucket, texts in bench.make_buckets(runs, TRAIN_TEXTS_PER_BUCKET, seed=1).items():
            weight = 1.0 if lang in ("fi", "sv", "en") else OTHER_WEIGHT
            out.extend((lang, text, weight) for text in texts)
    return out


def fit(plain, capital, labels, weights, factor):
    """Multinomial logistic regression: shared feature weights, biases for sv, en, the rest."""
    features = plain + factor * capital
    k = features.shape[2]
    label_index = np.array([LANGS.index(lang) for lang in labels])

    def unpack(params):
        theta = params[:k]
        bias = np.array([0.0, params[k], params[k + 1]] + [params[k + 2]] * 4)
        return theta, bias

    def loss(params):
        theta, bias = unpack(params)
        scores = features @ theta + bias
        scores -= scores.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scores).sum(axis=1))
        log_prob = scores[np.arange(len(label_index)), label_index] - log_norm
        probs = np.exp(scores - log_norm[:, None])
        onehot = np.zeros_like(probs)
        onehot[np.arange(len(label_index)), label_index] = 1
        residual = (probs - onehot) * weights[:, None]
        grad_theta = np.einsum("nl,nlk->k", residual, features) / weights.sum()
        grad_bias_full = residual.sum(axis=0) / weights.sum()
        grad_bias = np.array([grad_bias_full[1], grad_bias_full[2], grad_bias_full[3:].sum()])
        value = -(weights * log_prob).sum() / weights.sum()
        return value, np.concatenate([grad_theta, grad_bias])

    # Single letters count only through the alphabet feature: language.py scores them for
    # non-ASCII words alone, which is exact only while their n-gram weight stays 0.
    bounds = [(0, 0)] + [(0, None)] * (ORDERS - 1) + [(None, 0), (0, None), (0, None), (0, None)]
    bounds += [(-TWIN_MAX_WEIGHT, 0)]
    bounds += [(None, None)] * 3
    from scipy.optimize import minimize  # build time only: the dev extra

    result = minimize(loss, np.zeros(k + 3), jac=True, method="L-BFGS-B", bounds=bounds)
    theta, bias = unpack(result.x)
    return theta, bias, result.fun


def pack(values: list[float]) -> int:
    low = min(values)
    packed = 0
    for i, value in enumerate(values):
        packed |= int(round((value - low) * SCALE)) << (FIELD_BITS * i)
    return packed


def lexicon_statistics(reuse: bool) -> tuple[dict, dict]:
    """N-gram counts and Bloom filters; ``--reuse`` keeps them in /tmp between builds."""
    cache = Path("/tmp/smartclean_langid_build.pickle")
    if reuse and cache.exists():
        with open(cache, "rb") as fh:
            return pickle.load(fh)
    forms = {lang: word_forms(lang) for lang in LANGS}
    print("forms:", {lang: len(v) for lang, v in forms.items()}, flush=True)
    counts = {lang: gram_counts(forms[lang]) for lang in LANGS}
    blooms = {}
    for i, lang in enumerate(LANGS):
        raw, blocks = build_bloom(forms[lang], seed=i + 1)
        blooms[lang] = (bytes(raw), blocks, i + 1)
    with open(cache, "wb") as fh:
        pickle.dump((counts, blooms), fh)
    return counts, blooms


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the lexicon statistics in /tmp between runs")
    parser.add_argument("--out", type=Path, default=DATA_DIR,
                        help="where to write the model (default: the shipped one in src/smartclean_kb/data)")
    args = parser.parse_args(argv)
    started = time.time()
    bench = _load_bench_module()
    if not UD_DIR.is_dir():
        sys.exit(f"UD treebanks not found at {UD_DIR}")
    counts, blooms = lexicon_statistics(reuse=args.reuse)
    stops = {lang: set(stoplists["no" if lang == "nb" else lang]) for lang in LANGS if lang != "et"}
    stops["et"] = set(ESTONIAN_FUNCTION_WORDS.split())
    stops["en"] = (stops["en"] - {"i"}) | {"I"}
    common = {lang: common_words(lang) for lang in LANGS}
    model = FloatModel(counts, blooms, stops, common)
    print("grams kept:", len(model.table), f"{time.time() - started:.0f}s", flush=True)

    texts = training_texts(bench)
    plain, capital = zip(*(model.text_features(text, tokens) for _, text, _ in texts))
    plain, capital = np.array(plain), np.array(capital)
    labels = [lang for lang, _, _ in texts]
    weights = np.array([w for _, _, w in texts])
    best = None
    for factor in CAPITAL_FACTORS:
        theta, bias, value = fit(plain, capital, labels, weights, factor)
        print(f"capital factor {factor}: loss {value:.4f}", flush=True)
        if best is None or value < best[3]:
            best = (factor, theta, bias, value)
    factor, theta, bias, _ = best
    print("factor", factor, "theta", np.round(theta, 4), "bias", np.round(bias, 3), flush=True)

    lines = []
    letters = {ch for alphabet in ALPHABETS.values() for ch in alphabet}
    for gram in sorted(set(model.table) | letters):
        row = model.table.get(gram, [0.0] * len(LANGS))
        n = len(gram)
        values = [theta[n - 1] * row[i] for i in range(len(LANGS))]
        if n == 1:
            values = [v + theta[ORDERS] * (gram not in ALPHABETS[lang] and gram not in "<>")
                      for v, lang in zip(values, LANGS)]
        packed = pack(values)
        if packed:
            lines.append(f"{gram}\t{packed:x}")
    length_base = []
    for length in range(1, 65):
        values = []
        for lang in LANGS:
            total = theta[0] * length * model.default[lang][1]
            for n in range(2, ORDERS + 1):
                total += theta[n - 1] * max(0, length + 3 - n) * model.default[lang][n]
            values.append(total)
        length_base.append(pack(values))
    # Letters outside every alphabet never reach the table; no per-language penalty then.
    stop_table = {}
    for i, lang in enumerate(LANGS):
        for word in stops[lang] | set(common[lang]):
            row = stop_table.setdefault(word, [0.0] * len(LANGS))
            row[i] = (theta[ORDERS + 2] * (word in stops[lang])
                      + theta[ORDERS + 3] * common[lang].get(word, 0.0))
    meta = {
        "about": "Character n-gram, lexicon and function-word language model; "
                 "built by tools/build_langid_data.py.",
        "sources": {
            "lexicon and n-grams": "simplemma 2.0 dictionaries (MIT)",
            "function words": "Snowball stop lists via Whoosh (BSD); Estonian list and "
                              "common-word frequencies hand-written",
            "weights": "fitted on UD test (fi_tdt, sv_talbanken, en_ewt) and odd dev blocks "
                       "(et_edt, da_ddt, no_bokmaal)",
        },
        "langs": list(LANGS),
        "orders": [n for n in range(1, ORDERS + 1) if n == 1 or theta[n - 1] > 0],
        "scale": SCALE,
        "field_bits": FIELD_BITS,
        "lex_maxlen": LEX_MAXLEN,
        "bloom_hashes": BLOOM_HASHES,
        "bloom_mask_seed": MASK_SEED,
        "blooms": {lang: {"seed": seed, "blocks": blocks} for lang, (_, blocks, seed) in blooms.items()},
        "lexicon_weight": int(round(theta[ORDERS + 1] * SCALE)),
        "swedish_twin_weight": int(round(-theta[ORDERS + 4] * SCALE)),
        "swedish_twin_min_length": TWIN_MIN_LENGTH,
        "swedish_twin_exempt": model.twin_exempt,
        "capital_factor": factor,
        "bias": [float(b) for b in bias],
        "length_base": [f"{v:x}" for v in length_base],
        "stop_words": {w: f"{pack(v):x}" for w, v in sorted(stop_table.items())},
        "alphabets": ALPHABETS,
        "theta": [float(t) for t in theta],
    }
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out_dir / "langid_ngrams.tsv.gz", "wb", mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode("utf-8"))
    with open(out_dir / "langid_lexicon.bin", "wb") as fh:
        for lang in LANGS:
            fh.write(blooms[lang][0])
    (out_dir / "langid_model.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0) + "\n",
                                               encoding="utf-8")
    for path in sorted(out_dir.glob("langid_*")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")
    print(f"done in {time.time() - started:.0f}s")


if __name__ == "__main__":
    main()
