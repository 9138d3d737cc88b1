"""Language-ID benchmark: our detector against langdetect alone, by language and text length.

    PYTHONPATH=src python bench/langid.py [--per-bucket N] [--ud DIR]

Texts come from the UD treebanks in ``../shared/data/ud``. Evaluation uses the fi/sv/en
*dev* files and, for et/da/no (dev only), the even-numbered blocks of 10 consecutive
sentences; the model's weights were fitted on the fi/sv/en *test* files and the odd blocks
(``tools/build_langid_data.py`` imports ``load_runs``/``make_buckets`` from here, so the two
splits cannot drift apart). Buckets, sampled with a fixed seed:

* word: a token of letters only (no digits or punctuation), at least 2 letters, as it
  occurs (names included);
* pair: two consecutive whitespace tokens that are letters only, one of them 2+ letters;
* 3-8 words: a random span of 3-8 consecutive whitespace tokens of a sentence, as written;
* sentence: a whole sentence of 9 or more whitespace tokens;
* paragraph: 3 consecutive sentences.

Prints accuracy per bucket and language (ours vs langdetect, seeded, all 55 languages),
how often et/da/nb texts are labelled fi, sv or en, CPU milliseconds per text (process
time, so that other work on the machine does not count), and expected calibration error; writes the same as JSON to ``bench/results/langid.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UD_DIR = ROOT.parent / "shared" / "data" / "ud"
RESULTS = ROOT / "bench" / "results" / "langid.json"

LANGUAGES = ("fi", "sv", "en", "et", "da", "nb")
TARGET_LANGUAGES = ("fi", "sv", "en")
TREEBANKS = {"fi": "fi_tdt", "sv": "sv_talbanken", "en": "en_ewt",
             "et": "et_edt", "da": "da_ddt", "nb": "no_bokmaal"}
BUCKETS = ("word", "pair", "3-8 words", "sentence", "paragraph")
TARGETS = {"word": 0.92, "pair": 0.98, "3-8 words": 0.995, "sentence": 0.998, "paragraph": 1.0}
BLOCK = 10
SEED = 20240601
LETTERS = re.compile(r"[^\W\d_]+")


def read_sentences(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [line[len("# text = "):].strip() for line in fh if line.startswith("# text = ")]


def load_runs(ud_dir: Path, lang: str, part: str) -> list[list[str]]:
    """Runs of consecutive sentences for ``part`` ("train" or "eval") of one language."""
    name = TREEBANKS[lang]
    if lang in TARGET_LANGUAGES:
        split = "test" if part == "train" else "dev"
        return [read_sentences(ud_dir / f"{name}-ud-{split}.conllu.gz")]
    sentences = read_sentences(ud_dir / f"{name}-ud-dev.conllu.gz")
    blocks = [sentences[i:i + BLOCK] for i in range(0, len(sentences), BLOCK)]
    wanted = 1 if part == "train" else 0
    return [block for i, block in enumerate(blocks) if i % 2 == wanted]


def make_buckets(runs: list[list[str]], per_bucket: int, seed: int = SEED) -> dict[str, list[str]]:
    """Deterministic samples of each length bucket (see the module docstring)."""
    rng = random.Random(seed)
    sentences = [s for run in runs for s in run]
    words = [w for s in sentences for w in LETTERS.findall(s) if len(w) >= 2]
    pairs = []
    for sentence in sentences:
        toks = sentence.split()
        for a, b in zip(toks, toks[1:]):
            if LETTERS.fullmatch(a) and LETTERS.fullmatch(b) and max(len(a), len(b)) >= 2:
                pairs.append(f"{a} {b}")
    spans = []
    candidates = [s.split() for s in sentences if len(s.split()) >= 3]
    for _ in range(per_bucket):
        toks = rng.choice(candidates)
        k = rng.randint(3, min(8, len(toks)))
        start = rng.randint(0, len(toks) - k)
        spans.append(" ".join(toks[start:start + k]))
    long_sentences = [s for s in sentences if len(s.split()) >= 9]
    paragraphs = [" ".join(run[i:i + 3]) for run in runs for i in range(0, len(run) - 2, 3)]

    def sample(items: list[str]) -> list[str]:
        return rng.sample(items, min(per_bucket, len(items)))

    return {"word": sample(words), "pair": sample(pairs), "3-8 words": spans,
            "sentence": sample(long_sentences), "paragraph": sample(paragraphs)}


def expected_calibration_error(records: list[tuple[float, bool]], bins: int = 10) -> float:
    """Mean |confidence - accuracy| over equal-width probability bins, weighted by size."""
    total = len(records)
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(p, ok) for p, ok in records if low < p <= high or (b == 0 and p == 0)]
        if members:
            confidence = sum(p for p, _ in members) / len(members)
            accuracy = sum(ok for _, ok in members) / len(members)
            error += len(members) / total * abs(confidence - accuracy)
    return error


def reliability(records: list[tuple[float, bool]]) -> list[dict]:
    edges = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0]
    rows = []
    for low, high in zip(edges, edges[1:]):
        members = [(p, ok) for p, ok in records if low < p <= high]
        if members:
            rows.append({"range": f"{low:.2f}-{high:.2f}", "n": len(members),
                         "mean_probability": sum(p for p, _ in members) / len(members),
                         "accuracy": sum(ok for _, ok in members) / len(members)})
    return rows


def _langdetect_detector():
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    codes = {"no": "nb"}

    def detect(text: str) -> tuple[str, float]:
        try:
            best = detect_langs(text)[0]
        except LangDetectException:
            return "und", 0.0
        return codes.get(best.lang, best.lang), float(best.prob)

    return detect


def run(ud_dir: Path, per_bucket: int, other_per_bucket: int) -> dict:
    from smartclean_kb import language

    ours = language.detect_language
    baseline = _langdetect_detector()
    language._model()
    baseline("warm up")
    samples = {lang: make_buckets(load_runs(ud_dir, lang, "eval"),
                                  per_bucket if lang in TARGET_LANGUAGES else other_per_bucket)
               for lang in LANGUAGES}
    results: dict = {"buckets": {}, "timing_ms": {}, "samples": {}}
    calibration: dict[str, list[tuple[float, bool]]] = {"ours": [], "langdetect": []}
    seconds = {"ours": 0.0, "langdetect": 0.0}
    seconds_by_bucket = {b: {"ours": 0.0, "langdetect": 0.0, "n": 0} for b in BUCKETS}
    for bucket in BUCKETS:
        for lang in LANGUAGES:
            texts = samples[lang][bucket]
            row = {"n": len(texts)}
            for name, detect in (("ours", ours), ("langdetect", baseline)):
                started = time.process_time()
                answers = [detect(t) for t in texts]
                elapsed = time.process_time() - started
                seconds[name] += elapsed
                seconds_by_bucket[bucket][name] += elapsed
                labels = [a.lang if hasattr(a, "lang") else a[0] for a in answers]
                probs = [a.probability if hasattr(a, "probability") else a[1] for a in answers]
                correct = [label == lang for label in labels]
                row[name] = sum(correct) / len(texts)
                false_labels = sum(label in TARGET_LANGUAGES for label in labels)
                row[f"{name}_false_label"] = false_labels / len(texts)
                calibration[name].extend(zip(probs, correct))
                if name == "ours":
                    errors = [(t, label) for t, label in zip(texts, labels) if label != lang]
                    row["ours_errors"] = errors[:5]
            seconds_by_bucket[bucket]["n"] += len(texts)
            results["buckets"].setdefault(bucket, {})[lang] = row
    n_texts = sum(v["n"] for v in seconds_by_bucket.values())
    results["timing_ms"] = {
        "ours_per_text": 1000 * seconds["ours"] / n_texts,
        "langdetect_per_text": 1000 * seconds["langdetect"] / n_texts,
        "by_bucket": {b: {k: 1000 * v[k] / v["n"] for k in ("ours", "langdetect")}
                      for b, v in seconds_by_bucket.items()},
    }
    paragraphs = [t for lang in LANGUAGES for t in samples[lang]["paragraph"]]
    started = time.process_time()
    for text in paragraphs:
        language._model().cache.clear()
        ours(text)
    cold = 1000 * (time.process_time() - started) / len(paragraphs)
    results["timing_ms"]["ours_paragraph_cold_cache"] = cold
    results["ece"] = {name: expected_calibration_error(recs) for name, recs in calibration.items()}
    results["reliability"] = {name: reliability(recs) for name, recs in calibration.items()}
    results["samples"] = {lang: {b: len(v) for b, v in samples[lang].items()} for lang in LANGUAGES}
    return results


def print_table(results: dict) -> None:
    print("Accuracy (ours / langdetect); et, da, nb also: share labelled fi, sv or en")
    header = f"{'bucket':<11}" + "".join(f"{lang:>15}" for lang in LANGUAGES)
    print(header)
    for bucket in BUCKETS:
        cells = []
        for lang in LANGUAGES:
            row = results["buckets"][bucket][lang]
            cells.append(f"{row['ours']:.3f}/{row['langdetect']:.3f}")
        print(f"{bucket:<11}" + "".join(f"{c:>15}" for c in cells))
    print("\nFalse fi/sv/en labels on et, da, nb (ours / langdetect)")
    for bucket in BUCKETS:
        cells = []
        for lang in ("et", "da", "nb"):
            row = results["buckets"][bucket][lang]
            cells.append(f"{lang} {row['ours_false_label']:.3f}/{row['langdetect_false_label']:.3f}")
        print(f"{bucket:<11}  " + "   ".join(cells))
    print("\nTargets on fi/sv/en (worst language, mean of the three):")
    for bucket in BUCKETS:
        scores = [results["buckets"][bucket][lang]["ours"] for lang in TARGET_LANGUAGES]
        worst, mean = min(scores), sum(scores) / len(scores)
        mark = "ok" if worst >= TARGETS[bucket] else "missed" if mean < TARGETS[bucket] else "mean ok"
        print(f"  {bucket:<11} worst {worst:.3f} mean {mean:.3f} (target {TARGETS[bucket]}) {mark}")
    timing = results["timing_ms"]
    print(f"\nCPU ms per text: ours {timing['ours_per_text']:.3f}, "
          f"langdetect {timing['langdetect_per_text']:.3f}; "
          f"paragraph ours {timing['by_bucket']['paragraph']['ours']:.3f} "
          f"(cold cache {timing['ours_paragraph_cold_cache']:.3f}), "
          f"langdetect {timing['by_bucket']['paragraph']['langdetect']:.3f}")
    print(f"ECE: ours {results['ece']['ours']:.4f}, langdetect {results['ece']['langdetect']:.4f}")
    for row in results["reliability"]["ours"]:
        print(f"  p in {row['range']}: n={row['n']:5d} mean p {row['mean_probability']:.3f} "
              f"accuracy {row['accuracy']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ud", type=Path, default=UD_DIR)
    parser.add_argument("--per-bucket", type=int, default=500, help="texts per bucket for fi/sv/en")
    parser.add_argument("--other-per-bucket", type=int, default=300,
                        help="texts per bucket for et/da/nb")
    args = parser.parse_args()
    if not args.ud.is_dir():
        raise SystemExit(f"UD treebanks not found at {args.ud}")
    results = run(args.ud, args.per_bucket, args.other_per_bucket)
    print_table(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
