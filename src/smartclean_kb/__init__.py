"""smartclean-kb: search the Smart & Clean archive in Finnish, Swedish and English."""

from .errors import (
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
    KBError,
    NotFoundError,
    QueryError,
)
from .kb import DocumentView, KnowledgeBase
from .language import detect_language
from .models import Detection, Hit, IngestReport
from .search import SearchResults

__all__ = [
    "Detection", "DocumentView", "Hit", "IndexLockedError", "IndexMissingError",
    "IndexVersionError", "IngestReport", "KBError", "KnowledgeBase", "NotFoundError",
    "QueryError", "SearchResults", "detect_language",
]
__version__ = "0.1.0"
