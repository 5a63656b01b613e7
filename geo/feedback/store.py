"""The report store: file a report, look it up by reference code, triage it, list and count.

Every write is one transaction: a report and its filing event are stored together or not at
all. A report carries the random ``submission_key`` of the form that sent it, so a form sent
twice (a double tap, a retry after "busy") gives back the first report instead of a second one.
Database faults become :class:`StorageError` with a key the page can show ("busy", "full",
"unavailable"); nothing stored before is touched.
"""

from __future__ import annotations

import re
import secrets
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from geo.database.engine import (
    create_report_engine,
    current_revision,
    database_fault,
    database_url,
    upgrade_database,
    writer,
)
from geo.database.engine import (
    photos_dir as default_photos_dir,
)
from geo.errors import InvalidReportError, StorageError, TransitionError
from geo.feedback.photos import PhotoFolder, clean_photo
from geo.feedback.schema import MAX_NOTE_CHARS, Report, ReportEvent
from geo.feedback.vocabulary import (
    ALLOWED_TRANSITIONS,
    HazardCategory,
    PlaceSource,
    ReportKind,
    ReportState,
    StationIssue,
)
from geo.i18n import Term
from geo.register.model import AMENITIES
from geo.register.validate import town_extent

#: Reference codes: Crockford's base-32 alphabet (no I, L, O, U), 8 symbols = 40 random bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_REFERENCE_PREFIX = "GH"
_REFERENCE = re.compile(r"^GH-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
_STATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_MAX_ACTOR_CHARS = 80

#: Columns of :meth:`ReportStore.reports_frame`, in order.
REPORT_COLUMNS = ("id", "reference", "kind", "subject", "amenity", "station_id", "lon", "lat", "place_source", "note",
                  "photo", "state", "created_at", "updated_at")
#: Columns of :meth:`ReportStore.events_frame`, in order.
EVENT_COLUMNS = ("report_id", "from_state", "to_state", "actor", "at", "answer")


_INSERT_REPORT = insert(Report.__table__).returning(Report.__table__.c.id)
_INSERT_EVENT = insert(ReportEvent.__table__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def new_reference() -> str:
    """A fresh reference code such as ``GH-4K7P-2XQM``."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{_REFERENCE_PREFIX}-{symbols[:4]}-{symbols[4:]}"


def normalise_reference(text: str) -> str | None:
    """The reference as stored, from what a person typed (any case, spaces or dashes, O for 0,
    I or L for 1); ``None`` when it cannot be one."""
    compact = re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text or "")).upper()
    compact = compact.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if compact.startswith(_REFERENCE_PREFIX):
        compact = compact[len(_REFERENCE_PREFIX):]
    if len(compact) != 8:
        return None
    candidate = f"{_REFERENCE_PREFIX}-{compact[:4]}-{compact[4:]}"
    return candidate if _REFERENCE.match(candidate) else None


def clean_note(note: str | None) -> str | None:
    """The note as stored: NFC, control characters dropped (newlines kept), trimmed; at most
    :data:`MAX_NOTE_CHARS` characters or :class:`InvalidReportError`."""
    if note is None:
        return None
    text = unicodedata.normalize("NFC", note).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = text.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidReportError("report_error_note_too_long", chars=len(text), max_chars=MAX_NOTE_CHARS)
    return text or None


def check_place(lon: float, lat: float) -> tuple[float, float]:
    """``(lon, lat)`` as floats if the place lies in the town (its approximate extent with a
    margin, :func:`geo.register.validate.town_extent`; WGS-84), else :class:`InvalidReportError`."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as err:
        raise InvalidReportError("report_error_place") from err
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidReportError("report_error_place")
    town = town_extent()
    if not town.contains(lon, lat):
        outside_km = round(town.distance_outside_m(lon, lat) / 1000, 1)
        raise InvalidReportError("report_error_outside_town", km=outside_km)
    return lon, lat


@dataclass(frozen=True)
class FiledReport:
    """What the reporter gets back."""

    id: int
    reference: str
    created_at: datetime
    #: True when this form had been sent before: the earlier report is returned, none is added.
    resent: bool = False
    #: Whether a photo is stored with the report.
    has_photo: bool = False


@dataclass(frozen=True)
class StatusEvent:
    state: str
    at: datetime
    answer: str | None


@dataclass(frozen=True)
class ReportStatus:
    """What anyone holding the reference code may see: no planner names, no internal ids."""

    reference: str
    kind: str
    subject: str
    amenity: str | None
    station_id: str | None
    note: str | None
    has_photo: bool
    state: str
    created_at: datetime
    events: tuple[StatusEvent, ...]


@dataclass(frozen=True)
class TriageEvent:
    report_id: int
    from_state: str | None
    to_state: str
    actor: str | None
    at: datetime
    answer: str | None


@dataclass(frozen=True)
class BulkChange:
    """What one state change on several reports did: the changes made, and for each report left
    as it was, why (a :class:`TransitionError` with the report's reference in its params)."""

    changed: tuple[TriageEvent, ...]
    refused: tuple[TransitionError, ...]


def _storage_error(err: DBAPIError) -> StorageError:
    """A database fault in words the reporter and the planner can act on."""
    return database_fault(err, ("report_error_full", "report_error_busy", "report_error_unavailable"))


class ReportStore:
    """Reports in the database at ``url`` (default: :func:`database_url`) with photos in
    ``photos_dir`` (default: :func:`geo.database.engine.photos_dir`: ``GAOHE_REPORT_PHOTOS``,
    else beside a SQLite file). Opening upgrades the schema to the newest revision unless
    ``upgrade`` is False. ``clock`` gives the current UTC time (tests pass their own)."""

    def __init__(self, url: str | None = None, *, photos_dir: Path | str | None = None,
                 clock: Callable[[], datetime] = utc_now, upgrade: bool = True,
                 engine: Engine | None = None) -> None:
        self.url = url or database_url()
        self.engine = engine or create_report_engine(self.url)
        self._writer = writer(self.engine)
        self.photos = PhotoFolder(photos_dir or default_photos_dir(self.url))
        self._clock = clock
        # SQLite has one writer at a time: threads of this process queue here rather than in
        # SQLite's busy handler, which sleeps in growing steps (other processes still wait there).
        self._local_writer = threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        if upgrade:
            try:
                upgrade_database(self.engine)
            except DBAPIError as err:
                raise _storage_error(err) from err
            except CommandError as err:
                found = current_revision(self.engine)
                raise StorageError("report_error_schema", revision=str(found)) from err

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        try:
            with self._local_writer, Session(self._writer, expire_on_commit=False) as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError) as err:
            raise _storage_error(err) from err

    @contextmanager
    def _write_connection(self) -> Iterator[Connection]:
        try:
            with self._local_writer, self._writer.begin() as connection:
                yield connection
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError) as err:
            raise _storage_error(err) from err

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except (OperationalError, DBAPIError) as err:
            raise _storage_error(err) from err

    # filing -------------------------------------------------------------------------------

    def file_hazard(self, *, category: HazardCategory | str, lon: float, lat: float, note: str | None = None,
                    photo: bytes | None = None, submission_key: str | None = None) -> FiledReport:
        """A hazard of ``category`` at ``(lon, lat)`` (WGS-84 degrees), with an optional note and
        photo (cleaned by :func:`clean_photo` before it touches the disk)."""
        try:
            category = HazardCategory(category)
        except ValueError as err:
            raise InvalidReportError("report_error_category") from err
        lon, lat = check_place(lon, lat)
        text = clean_note(note)
        cleaned = clean_photo(photo) if photo is not None else None
        return self._file(kind=ReportKind.HAZARD, subject=category.value, amenity=None, station_id=None, lon=lon,
                          lat=lat, place_source=PlaceSource.REPORTER, note=text, photo=cleaned,
                          submission_key=submission_key)

    def file_station_feedback(self, *, station_id: str, issue: StationIssue | str, lon: float, lat: float,
                              place_source: PlaceSource | str = PlaceSource.REGISTER, amenity: str | None = None,
                              note: str | None = None, photo: bytes | None = None,
                              submission_key: str | None = None) -> FiledReport:
        """Feedback ``issue`` on station ``station_id``. ``(lon, lat)`` (WGS-84) is the station's
        position in the register (``place_source`` "register") or the place where the reporter
        says it really is ("reporter"). A missing amenity names which one (a code of
        :data:`geo.register.model.AMENITIES`); the photo is cleaned as a hazard's."""
        try:
            issue = StationIssue(issue)
        except ValueError as err:
            raise InvalidReportError("report_error_issue") from err
        if not isinstance(station_id, str) or not _STATION_ID.match(station_id):
            raise InvalidReportError("report_error_station")
        if issue is StationIssue.AMENITY_MISSING:
            if amenity not in AMENITIES:
                raise InvalidReportError("report_error_amenity_unknown", value=amenity, allowed=", ".join(AMENITIES))
        elif amenity is not None:
            raise InvalidReportError("report_error_amenity_not_missing")
        try:
            place_source = PlaceSource(place_source)
        except ValueError as err:
            raise InvalidReportError("report_error_place") from err
        lon, lat = check_place(lon, lat)
        text = clean_note(note)
        cleaned = clean_photo(photo) if photo is not None else None
        return self._file(kind=ReportKind.STATION, subject=issue.value, amenity=amenity, station_id=station_id,
                          lon=lon, lat=lat, place_source=place_source, note=text, photo=cleaned,
                          submission_key=submission_key)

    def _file(self, *, kind: ReportKind, subject: str, amenity: str | None, station_id: str | None, lon: float,
              lat: float, place_source: PlaceSource, note: str | None, photo: bytes | None,
              submission_key: str | None) -> FiledReport:
        if submission_key is not None and not (1 <= len(submission_key) <= 64):
            raise InvalidReportError("report_error_form")
        if submission_key is not None:
            earlier = self._by_submission_key(submission_key)
            if earlier is not None:
                return earlier
        photo_name, created_photo = self.photos.save(photo) if photo is not None else (None, False)
        try:
            for _ in range(5):
                now = self._clock()
                row = {"reference": new_reference(), "submission_key": submission_key, "kind": kind.value,
                       "subject": subject, "amenity": amenity, "station_id": station_id, "lon": lon, "lat": lat,
                       "place_source": place_source.value, "note": note, "photo": photo_name,
                       "state": ReportState.NEW.value, "created_at": now, "updated_at": now}
                try:
                    # Core, not the ORM: the write lock is held for two statements and no more.
                    with self._write_connection() as connection:
                        report_id = connection.execute(_INSERT_REPORT, row).scalar_one()
                        connection.execute(_INSERT_EVENT, {"report_id": report_id, "from_state": None,
                                                           "to_state": ReportState.NEW.value, "actor": None,
                                                           "at": now, "answer": None})
                    return FiledReport(report_id, row["reference"], now, has_photo=photo_name is not None)
                except IntegrityError:
                    # Either the same form won a race (return its report) or the random
                    # reference collided (draw another).
                    if submission_key is not None:
                        earlier = self._by_submission_key(submission_key)
                        if earlier is not None:
                            return earlier
            raise StorageError("report_error_unavailable")
        except BaseException:
            if created_photo and not self._photo_in_use(photo_name):
                self.photos.remove(photo_name)
            raise

    def _by_submission_key(self, submission_key: str) -> FiledReport | None:
        with self._read() as session:
            report = session.scalar(select(Report).where(Report.submission_key == submission_key))
            return None if report is None else FiledReport(report.id, report.reference, report.created_at, resent=True,
                                                           has_photo=report.photo is not None)

    def _photo_in_use(self, name: str | None) -> bool:
        if name is None:
            return False
        try:
            with self._read() as session:
                return session.scalar(select(Report.id).where(Report.photo == name).limit(1)) is not None
        except StorageError:
            return True  # cannot tell: keep the file (an orphan costs only disk space)

    # looking up ---------------------------------------------------------------------------

    def status(self, reference: str) -> ReportStatus | None:
        """The public status of the report with this reference code, or ``None``."""
        code = normalise_reference(reference)
        if code is None:
            return None
        with self._read() as session:
            report = session.scalar(select(Report).where(Report.reference == code).options(selectinload(Report.events)))
            if report is None:
                return None
            return ReportStatus(
                reference=report.reference, kind=report.kind, subject=report.subject, amenity=report.amenity,
                station_id=report.station_id, note=report.note, has_photo=report.photo is not None,
                state=report.state, created_at=report.created_at,
                events=tuple(StatusEvent(e.to_state, e.at, e.answer) for e in report.events),
            )

    def report_id(self, reference: str) -> int | None:
        code = normalise_reference(reference)
        with self._read() as session:
            return None if code is None else session.scalar(select(Report.id).where(Report.reference == code))

    # triage -------------------------------------------------------------------------------

    def change_state(self, report_id: int, to_state: ReportState | str, *, actor: str,
                     answer: str | None = None, expected_state: ReportState | str | None = None) -> TriageEvent:
        """Move report ``report_id`` to ``to_state`` as ``actor`` (a signed-in planner), with an
        optional ``answer`` the reporter will see. ``expected_state`` guards against two planners
        acting on the same report at once: the change is refused if the state moved meanwhile."""
        to_state, actor, text = self._triage_step(to_state, actor, answer)
        with self._write() as session:
            return self._apply(session, report_id, to_state, actor=actor, answer=text, expected_state=expected_state,
                               now=self._clock())

    def change_states(self, expected_states: Mapping[int, ReportState | str | None], to_state: ReportState | str, *,
                      actor: str, answer: str | None = None) -> BulkChange:
        """One state change on several reports (``expected_states``: report id -> the state the
        planner saw, or ``None``), in one transaction: each report the rules allow is changed
        with the same ``actor``, time and ``answer``; each other one is left as it was and
        listed in :attr:`BulkChange.refused` (already moved on, not allowed, gone)."""
        to_state, actor, text = self._triage_step(to_state, actor, answer)
        changed: list[TriageEvent] = []
        refused: list[TransitionError] = []
        with self._write() as session:
            now = self._clock()
            for report_id, expected in expected_states.items():
                try:
                    changed.append(self._apply(session, int(report_id), to_state, actor=actor, answer=text,
                                               expected_state=expected, now=now))
                except TransitionError as err:
                    refused.append(err)
        return BulkChange(tuple(changed), tuple(refused))

    @staticmethod
    def _triage_step(to_state: ReportState | str, actor: str, answer: str | None) -> tuple[ReportState, str, str | None]:
        to_state = ReportState(to_state)
        actor = (actor or "").strip()
        if not actor or len(actor) > _MAX_ACTOR_CHARS:
            raise TransitionError("report_error_actor")
        return to_state, actor, clean_note(answer)

    @staticmethod
    def _apply(session: Session, report_id: int, to_state: ReportState, *, actor: str, answer: str | None,
               expected_state: ReportState | str | None, now: datetime) -> TriageEvent:
        report = session.get(Report, report_id)
        if report is None:
            raise TransitionError("report_error_not_found", report=report_id)
        current = ReportState(report.state)
        if expected_state is not None and ReportState(expected_state) is not current:
            raise TransitionError("report_error_changed_meanwhile", reference=report.reference,
                                  state=Term("report_state", current.value))
        if to_state not in ALLOWED_TRANSITIONS[current]:
            raise TransitionError("report_error_transition", reference=report.reference,
                                  from_state=Term("report_state", current.value), to_state=Term("report_state", to_state.value))
        report.events.append(ReportEvent(from_state=current.value, to_state=to_state.value, actor=actor, at=now,
                                         answer=answer))
        report.state, report.updated_at = to_state.value, now
        return TriageEvent(report_id, current.value, to_state.value, actor, now, answer)

    def history(self, report_id: int) -> list[TriageEvent]:
        """Every state change of one report, oldest first, with who made it."""
        with self._read() as session:
            events = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id)
                                     .order_by(ReportEvent.id)).all()
            return [TriageEvent(e.report_id, e.from_state, e.to_state, e.actor, e.at, e.answer) for e in events]

    def events_frame(self, report_ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Every state change (of ``report_ids``, default all) as a table (columns
        :data:`EVENT_COLUMNS`; ``at`` aware UTC), oldest first."""
        query = select(*(getattr(ReportEvent, c) for c in EVENT_COLUMNS)).order_by(ReportEvent.id)
        if report_ids is not None:
            query = query.where(ReportEvent.report_id.in_([int(i) for i in report_ids]))
        with self._read() as session:
            rows = session.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(EVENT_COLUMNS))
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame.astype({"report_id": "int64"})

    # listing ------------------------------------------------------------------------------

    def reports_frame(self, *, states: Iterable[ReportState | str] | None = None,
                      kinds: Iterable[ReportKind | str] | None = None, since: datetime | None = None,
                      station_id: str | None = None) -> pd.DataFrame:
        """Reports as a table (columns :data:`REPORT_COLUMNS`; times aware UTC), newest first."""
        query = select(*(getattr(Report, c) for c in REPORT_COLUMNS)).order_by(Report.created_at.desc(),
                                                                            Report.id.desc())
        if states is not None:
            query = query.where(Report.state.in_([ReportState(s).value for s in states]))
        if kinds is not None:
            query = query.where(Report.kind.in_([ReportKind(k).value for k in kinds]))
        if since is not None:
            query = query.where(Report.created_at >= since)
        if station_id is not None:
            query = query.where(Report.station_id == station_id)
        with self._read() as session:
            rows = session.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(REPORT_COLUMNS))
        for column in ("created_at", "updated_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame.astype({"id": "int64", "lon": "float64", "lat": "float64"})

    def count_resolved(self) -> int:
        """How many reports were resolved (the article's "20+ problems fixed")."""
        from sqlalchemy import func

        with self._read() as session:
            return int(session.scalar(select(func.count()).select_from(Report)
                                      .where(Report.state == ReportState.RESOLVED.value)) or 0)
