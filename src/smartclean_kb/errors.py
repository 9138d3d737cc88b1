"""Typed errors that carry a one-line message and a hint on how to fix the problem."""

from __future__ import annotations


def one_line(message: object, limit: int = 200) -> str:
    """A library's message as one line of at most ``limit`` characters, for a report."""
    return " ".join(str(message).split())[:limit]


class KBError(Exception):
    """Base class: every foreseeable failure the user can act on."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str, hint: str = "", *, key: str = "", **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: What went wrong, for a user interface to say in its own language (``key`` and
        #: ``key + "_hint"`` with ``values``); ``message`` and ``hint`` are the English.
        self.key = key
        self.values = values

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class IndexMissingError(KBError):
    """There is no index yet, or it holds no documents."""

    exit_code = 3
    http_status = 503


class IndexVersionError(KBError):
    """The index was built by another analyser or schema version, or is damaged."""

    exit_code = 3
    http_status = 503


class IndexLockedError(KBError):
    """Another ingest holds the write lock and did not let go in time."""

    exit_code = 4
    http_status = 503


class QueryError(KBError):
    """The query cannot be searched as written."""

    exit_code = 2
    http_status = 400


class InputFileError(KBError):
    """A file given on the command line that cannot be read as its format (topics, qrels)
    or written (a run file)."""

    exit_code = 2
    http_status = 400


class SettingError(KBError):
    """An environment variable whose value cannot be used."""

    exit_code = 2
    http_status = 500


class NotFoundError(KBError):
    """A document id that the index does not hold."""

    exit_code = 1
    http_status = 404


class ExtractError(KBError):
    """One file could not be read; the ingest goes on with the others."""


class NotADocumentError(ExtractError):
    """A file of a type we read holds no document (an XML file that is neither a
    statute nor a feed): skipped, like a file of an unknown type, rather than failed."""
