"""Rider reports: hazards at a place (隐患直报/随手拍) and station feedback, kept in a database
(SQLite by default, PostgreSQL by URL), triaged by planners, answered by reference code.

- :mod:`~geo.feedback.vocabulary` categories, issues, states and the allowed state changes;
- :mod:`~geo.feedback.store` the store: file, look up, triage, list;
- :mod:`~geo.feedback.photos` metadata-free, size-limited photos named by content hash;
- :mod:`~geo.feedback.limits` per-session and per-address rate limits kept in memory only;
- :mod:`~geo.feedback.analysis` near-duplicate groups, counts, CSV/Excel exports;
- :mod:`~geo.database.engine` engine set-up and Alembic migrations (shared with the volunteer tasks).

Its errors are :mod:`geo.errors` (``ReportError`` and its kinds).
"""

from geo.feedback.store import FiledReport, ReportStatus, ReportStore, TriageEvent

__all__ = ["FiledReport", "ReportStatus", "ReportStore", "TriageEvent"]
