"""Errors of the report store. Each carries a catalogue ``key`` and its parameters, so a page
can show it in the reader's language; ``str()`` is an English sentence for the CLI and logs."""

from __future__ import annotations

from geo.errors import GeoDataError


class ReportError(GeoDataError):
    """A report or a triage step that cannot be accepted; nothing was stored."""

    def __init__(self, key: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


class InvalidReportError(ReportError):
    """The report itself is wrong (category, note too long, place outside the town...)."""


class PhotoError(InvalidReportError):
    """The photo is not a readable JPEG/PNG/HEIC image within the size limits."""


class RateLimitedError(ReportError):
    """Too many reports from one session or address in a short time."""


class StorageError(ReportError):
    """The database or the disk cannot take the report now (locked, full, unreachable);
    everything stored before is intact and the reporter may send it again."""


class TransitionError(ReportError):
    """A state change that the triage rules do not allow, or on a report that does not exist."""
