"""Tables of the report database (SQLAlchemy 2 declarative models).

The migrations in ``migrations/versions`` create and change these tables; a change here needs a
new revision there (``tests/test_feedback_store.py`` checks that both agree). Times are stored in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Integer, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from geo.feedback.vocabulary import PlaceSource, ReportKind, ReportState

MAX_NOTE_CHARS = 500


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps no zone: naive values are UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "report times must be timezone-aware"
            raise ValueError(msg)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if getattr(dialect, "name", "") == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    pass


class Report(Base):
    """One report: a hazard at a place, or feedback on a station. Nothing about the reporter."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(_in("kind", [k.value for k in ReportKind]), name="ck_reports_kind"),
        CheckConstraint(_in("state", [s.value for s in ReportState]), name="ck_reports_state"),
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_reports_lonlat"),
        CheckConstraint(_in("place_source", [p.value for p in PlaceSource]), name="ck_reports_place_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the reporter keeps to look the report up (e.g. ``GH-4K7P-2XQM``).
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: A random token of the form that sent it: a resent form does not make a second report.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: The hazard category or the station issue (see :mod:`geo.feedback.vocabulary`).
    subject: Mapped[str] = mapped_column(String(32))
    #: For a missing amenity: which one (code of :data:`geo.register.model.AMENITIES`).
    amenity: Mapped[str | None] = mapped_column(String(32))
    station_id: Mapped[str | None] = mapped_column(String(40), index=True)
    #: The reported place, WGS-84 degrees: where the hazard is, or for station feedback where the
    #: reporter says the station really is, else the station's position in the register.
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    #: Whose place ``lon``/``lat`` is (:class:`~geo.feedback.vocabulary.PlaceSource`).
    place_source: Mapped[str] = mapped_column(String(16), server_default=PlaceSource.REPORTER.value)
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE_CHARS))
    #: File name of the cleaned photo (``<sha256>.jpg``), never the uploaded name.
    photo: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    events: Mapped[list[ReportEvent]] = relationship(back_populates="report", order_by="ReportEvent.id",
                                                     cascade="all, delete-orphan")


class ReportEvent(Base):
    """A state change: who (a planner; ``None`` for the anonymous reporter), when, and the
    answer shown to the reporter."""

    __tablename__ = "report_events"
    __table_args__ = (CheckConstraint(_in("to_state", [s.value for s in ReportState]), name="ck_report_events_state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(MAX_NOTE_CHARS))

    report: Mapped[Report] = relationship(back_populates="events")
