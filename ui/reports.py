"""Streamlit side of rider reports: the shared store and rate limiter, the reporter's
anonymous session token, and errors in the reader's language."""

from __future__ import annotations

import os
import secrets

import streamlit as st

from geo.i18n import t
from geo.reports import ReportError, ReportStore
from geo.reports.database import database_url
from geo.reports.limits import ReportRateLimiter
from geo.reports.vocabulary import REPORT_STATES, ReportState


def photos_dir() -> str | None:
    """``$GAOHE_REPORT_PHOTOS`` if set, else the store's default beside the database."""
    return os.environ.get("GAOHE_REPORT_PHOTOS") or None


@st.cache_resource(show_spinner=False)
def _store(url: str, photos: str | None) -> ReportStore:
    return ReportStore(url, photos_dir=photos)


def report_store() -> ReportStore:
    """The report store of ``GAOHE_DATABASE_URL`` (default ``data/reports.sqlite3``), opened
    (and migrated) once per process. Raises :class:`geo.reports.StorageError`."""
    return _store(database_url(), photos_dir())


def report_store_or_stop(lang: str) -> ReportStore:
    try:
        return report_store()
    except ReportError as err:
        st.error(error_text(err, lang))
        st.stop()


@st.cache_resource(show_spinner=False)
def rate_limiter() -> ReportRateLimiter:
    return ReportRateLimiter()


def reporter_session() -> str:
    """A random token of this browser session (for the rate limit only; never stored)."""
    return st.session_state.setdefault("report_session", secrets.token_hex(16))


def client_address() -> str | None:
    """The connection's address for the per-address limit (``None`` on localhost)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - AppTest and bare runs have no client connection
        return None
    return address if isinstance(address, str) else None


def error_text(err: ReportError, lang: str) -> str:
    """The error in ``lang`` from its catalogue key (its English text if the key is unknown)."""
    params = {k: (REPORT_STATES[ReportState(v)](lang) if k in ("state", "from_state", "to_state") else v)
              for k, v in err.params.items()}
    try:
        return t(err.key, lang, **params)
    except (KeyError, IndexError):
        return str(err)
