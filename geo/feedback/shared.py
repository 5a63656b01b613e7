"""One report store and one rate limiter per process, shared by every way a report comes in
(the Streamlit report page, the light rider page's one-tap feedback through the open API), so
that the per-address limits count them together."""

from __future__ import annotations

import functools
from pathlib import Path

from geo.database.engine import database_url, photos_dir
from geo.feedback.limits import ReportRateLimiter, configured_limits
from geo.feedback.store import ReportStore


@functools.cache
def _store(url: str, photos: Path) -> ReportStore:
    return ReportStore(url, photos_dir=photos)


def shared_store(url: str | None = None, photos: Path | None = None) -> ReportStore:
    """The store of ``url`` (default ``GAOHE_DATABASE_URL``, else ``data/reports.sqlite3``) with
    the photos of :func:`geo.database.engine.photos_dir`, opened (and migrated) once per process.
    Raises :class:`geo.feedback.StorageError` when it cannot be opened (and tries again next call)."""
    url = url or database_url()
    return _store(url, Path(photos or photos_dir(url)))


@functools.cache
def shared_limiter() -> ReportRateLimiter:
    """The process's limiter, with the limits of ``GAOHE_REPORT_SESSION_LIMIT`` /
    ``GAOHE_REPORT_ADDRESS_LIMIT``."""
    session_limit, address_limit = configured_limits()
    return ReportRateLimiter(session_limit, address_limit)
