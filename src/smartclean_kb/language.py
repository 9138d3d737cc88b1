"""Language detection: langdetect, seeded and restricted to the languages we index.

Placeholder contract (the language-ID work replaces the internals, not the API):
``detect_language(text) -> Detection`` and ``detect_passages(texts, document_text)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from .models import Detection

DetectorFactory.seed = 0

UNDETERMINED = Detection("und", 0.0)
MIN_CONFIDENT = 0.7


def detect_language(text: str) -> Detection:
    """The language of ``text`` (fi, sv, en, another code, or ``und``)."""
    if not text or not any(ch.isalpha() for ch in text):
        return UNDETERMINED
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return UNDETERMINED
    return Detection(best.lang, float(best.prob))


def detect_passages(
    texts: Sequence[str], document_text: str
) -> tuple[Detection, list[Detection]]:
    """The document's language and each passage's; unsure passages inherit the document's."""
    doc = detect_language(document_text[:20000])
    out = []
    for text in texts:
        det = detect_language(text)
        if det.lang == "und" or det.probability < MIN_CONFIDENT:
            det = doc
        out.append(det)
    return doc, out
