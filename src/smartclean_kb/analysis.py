"""Finnish, Swedish and English analysers as Whoosh chains (placeholder: Snowball stems).

Contract used by the index and search steps:
``ANALYSER_VERSION``, ``backend()``, ``analyzer_for(name)`` for ``fi``, ``sv``, ``en``,
``exact``, and ``analyze(text, lang) -> list[str]``.
"""

from __future__ import annotations

from whoosh.analysis import Analyzer, LanguageAnalyzer, RegexTokenizer, LowercaseFilter, StemmingAnalyzer

ANALYSER_VERSION = "0-placeholder"


def backend() -> str:
    return "snowball"


def analyzer_for(name: str) -> Analyzer:
    if name in ("fi", "sv"):
        return LanguageAnalyzer(name)
    if name == "en":
        return StemmingAnalyzer()
    return RegexTokenizer(r"\w+(?:[-']\w+)*") | LowercaseFilter()


def analyze(text: str, lang: str) -> list[str]:
    return [t.text for t in analyzer_for(lang)(text)]
