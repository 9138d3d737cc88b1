"""Settings declared once: CLI flag > environment variable > default."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import SettingError

INDEX_ENV = "SMARTCLEAN_KB_INDEX"
LOCK_TIMEOUT_ENV = "SMARTCLEAN_KB_LOCK_TIMEOUT"

DEFAULT_INDEX = "index"
DEFAULT_LOCK_TIMEOUT = 60.0

#: Languages with their own analysed field; anything else is indexed as ``und``.
LANGUAGES = ("fi", "sv", "en")
DOC_TYPES = ("page", "blog", "report", "text", "statute", "feed")
#: What a passage's language can be: an ISO 639-1 code (fi, sv, en, and et, de, nb...
#: when the text is clearly in one), or ``und``. Filters take any such code.
_LANGUAGE_CODE = re.compile(r"[a-z]{2}|und")


def is_language_code(value: str) -> bool:
    """Whether ``value`` can be a passage's language (``fi``, ``de``, ``und``)."""
    return _LANGUAGE_CODE.fullmatch(value) is not None


def language_code(value: str) -> str | None:
    """The language code a user typed (``FI``, `` de ``), or None when it is none: what
    the command line and the web page accept as a language filter."""
    code = value.strip().lower()
    return code if is_language_code(code) else None


#: Passage size in words (the split aims between these).
PASSAGE_MIN_WORDS = 40
PASSAGE_MAX_WORDS = 250
#: The longest run of characters without a space a passage keeps whole.
PASSAGE_MAX_CHARS = 2000

#: Files larger than this are refused rather than read into memory.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Text beyond this many characters per document is not indexed.
MAX_DOCUMENT_CHARS = 5_000_000


def index_path(value: str | os.PathLike[str] | None = None) -> Path:
    """The index folder: explicit value, then $SMARTCLEAN_KB_INDEX, then ``index``."""
    return Path(value or os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def lock_timeout(value: float | None = None) -> float:
    """Seconds an ingest waits for the write lock: ``value``, else $SMARTCLEAN_KB_LOCK_TIMEOUT."""
    if value is not None:
        return value
    env = os.environ.get(LOCK_TIMEOUT_ENV)
    if not env:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(env)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise SettingError(f"{LOCK_TIMEOUT_ENV}={env[:40]!r} is not a number of seconds",
                           "set it to 0 or more, or unset it for the default of 60")
    return seconds


def cache_dir() -> Path:
    """Where data derived from installed packages is kept between runs (simplemma's
    tables, the language model's n-grams): ``$SMARTCLEAN_KB_CACHE``, else
    ``$XDG_CACHE_HOME/smartclean-kb`` or ``~/.cache/smartclean-kb``. Deleting it is
    always safe."""
    chosen = os.environ.get("SMARTCLEAN_KB_CACHE")
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smartclean-kb"


def write_cache(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all (two processes may write it at once); a
    folder that cannot be written only costs the time."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
