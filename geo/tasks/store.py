"""The task store: accounts (:mod:`geo.tasks.accounts`), requests, dispatch, the one-winner take, finishing
with a photo, rating, what each person may see of a task, and retention.

Every change is one transaction and a conditional ``UPDATE ... WHERE state = <the state read>``
whose row count is checked, so two people acting on one task at once never both succeed: of two
volunteers taking the same open task, exactly one gets it and the other is told who was first
(:class:`TakenByOtherError`). Each change writes an event with who and when.

Privacy (PIPL): a resident's contact and exact place reach only the dispatchers of the task's
community and the volunteer who has taken it (:mod:`geo.tasks.cards` decides what each person
sees; :meth:`TaskStore.card` and the lists go through it). They are deleted
:func:`geo.tasks.settings.retention_days` after the task ends (:meth:`TaskStore.purge_expired`),
and hidden from that moment even before the purge runs.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from geo.database.engine import (
    create_report_engine,
    current_revision,
    database_fault,
    database_url,
    head_revision,
    upgrade_database,
    writer,
)
from geo.errors import (
    InvalidTaskError,
    NotAllowedError,
    PhotoError,
    StorageError,
    TakenByOtherError,
    TaskError,
    TaskStateError,
)
from geo.feedback.photos import PhotoFolder, clean_photo
from geo.i18n import Term
from geo.register.validate import town_extent
from geo.tasks.accounts import Account, AccountsMixin, Actor
from geo.tasks.cards import TaskCard, Viewer, VolunteerBoard, build_card, done_at, may_list
from geo.tasks.codes import TASK_PREFIX, as_utc, new_code, normalise_code, utc_now
from geo.tasks.places import check_community, coarse_area, distance_m
from geo.tasks.points import PointsRules, load_points_rules
from geo.tasks.schema import (
    MAX_CONTACT_CHARS,
    MAX_DONE_NOTE_CHARS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_RATING_WORDS_CHARS,
    Task,
    TaskAccount,
    TaskEvent,
    TaskSignIn,
)
from geo.tasks.settings import points_rules_path, task_photos_dir
from geo.tasks.settings import retention_days as configured_retention
from geo.tasks.vocabulary import (
    ALLOWED_TRANSITIONS,
    CancelReason,
    PlaceSource,
    ReleaseReason,
    Role,
    TaskCategory,
    TaskState,
)

#: How far ahead a resident may ask, and the longest time window.
MAX_DAYS_AHEAD = 14
MAX_WINDOW = timedelta(days=7)

_TASKS = Task.__table__
_EVENTS = TaskEvent.__table__
_ACCOUNTS = TaskAccount.__table__
_SIGN_INS = TaskSignIn.__table__


def clean_text(text: str | None, *, max_chars: int, key: str, multiline: bool = True) -> str | None:
    """Free text as stored: NFC, control and format characters dropped (newlines kept when
    ``multiline``), trimmed; ``None`` when empty. Longer than ``max_chars``:
    :class:`InvalidTaskError` ``key`` (the text itself is never put in the error)."""
    if text is None:
        return None
    value = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    keep = "\n\t" if multiline else ""
    value = "".join(ch for ch in value if ch in keep or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    value = value.strip()
    if len(value) > max_chars:
        raise InvalidTaskError(key, chars=len(value), max_chars=max_chars)
    return value or None


def _check_place(lon: float, lat: float) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as err:
        raise InvalidTaskError("task_error_place") from err
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidTaskError("task_error_place")
    town = town_extent()
    if not town.contains(lon, lat):
        raise InvalidTaskError("task_error_outside_town", km=round(town.distance_outside_m(lon, lat) / 1000, 1))
    return lon, lat


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidTaskError("task_error_window", days=MAX_DAYS_AHEAD)
    return moment.astimezone(timezone.utc)


# what callers get back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FiledTask:
    code: str
    community_code: str
    created_at: datetime
    #: True when this form had been sent before: the earlier task is returned, none is added.
    resent: bool = False


@dataclass(frozen=True)
class TaskStep:
    """One state change that was made."""

    code: str
    from_state: TaskState | None
    to_state: TaskState
    at: datetime
    #: For a take sent twice by the same volunteer: nothing new happened.
    repeated: bool = False


def _storage_error(err: DBAPIError) -> StorageError:
    return database_fault(err, ("task_error_full", "task_error_busy", "task_error_unavailable"))


class TaskStore(AccountsMixin):
    """Volunteer tasks in the database at ``url`` (default :func:`geo.database.engine.database_url`:
    the reports' database), photos of finished tasks in ``photos_dir`` (default
    :func:`geo.tasks.settings.task_photos_dir`). ``clock`` gives the current UTC time (tests pass
    their own); ``retention_days`` and ``points`` default to the settings. Opening upgrades the
    schema unless ``upgrade`` is False."""

    def __init__(self, url: str | None = None, *, photos_dir: Path | str | None = None,
                 clock: Callable[[], datetime] = utc_now, retention_days: int | None = None,
                 points: PointsRules | None = None, upgrade: bool = True, engine: Engine | None = None) -> None:
        self.url = url or database_url()
        self.engine = engine or create_report_engine(self.url)
        self._writer = writer(self.engine)
        self.photos = PhotoFolder(photos_dir or task_photos_dir(self.url))
        self.clock = clock
        self.retention = timedelta(days=retention_days if retention_days is not None else configured_retention())
        self.points = points or load_points_rules(points_rules_path())
        self._local_writer = threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        if upgrade:
            try:
                upgrade_database(self.engine)
            except DBAPIError as err:
                raise _storage_error(err) from err
            except CommandError as err:
                raise StorageError("task_error_schema", revision=str(current_revision(self.engine)),
                                       head=head_revision()) from err

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._local_writer, self._writer.begin() as connection:
                yield connection
        except IntegrityError:
            raise
        except (OperationalError, DBAPIError) as err:
            raise _storage_error(err) from err

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except (OperationalError, DBAPIError) as err:
            raise _storage_error(err) from err

    # requests -------------------------------------------------------------------------------

    def request(self, *, category: TaskCategory | str, community_code: str, place_source: PlaceSource | str,
                window_start: datetime, window_end: datetime, lon: float | None = None, lat: float | None = None,
                note: str | None = None, contact: str | None = None,
                submission_key: str | None = None) -> FiledTask:
        """A resident asks for help (点单): ``category`` in ``community_code``, at ``(lon, lat)``
        (WGS-84; tapped or from the phone) or, with ``place_source`` "community", nowhere more
        exact than the community; between ``window_start`` and ``window_end`` (aware); with an
        optional ``note`` and ``contact`` (which only the dispatcher and the volunteer who takes
        it will see)."""
        try:
            category = TaskCategory(category)
        except ValueError as err:
            raise InvalidTaskError("task_error_category") from err
        try:
            place_source = PlaceSource(place_source)
        except ValueError as err:
            raise InvalidTaskError("task_error_place") from err
        community = check_community(community_code)
        if place_source is PlaceSource.COMMUNITY:
            place = area = None
        else:
            if lon is None or lat is None:
                raise InvalidTaskError("task_error_need_place")
            place = _check_place(lon, lat)
            area = coarse_area(*place)
        start, end = _aware(window_start), _aware(window_end)
        now = self.clock()
        if end <= start or end - start > MAX_WINDOW or end <= now or start > now + timedelta(days=MAX_DAYS_AHEAD):
            raise InvalidTaskError("task_error_window", days=MAX_DAYS_AHEAD)
        text = clean_text(note, max_chars=MAX_NOTE_CHARS, key="task_error_note_too_long")
        reach = clean_text(contact, max_chars=MAX_CONTACT_CHARS, key="task_error_contact_too_long", multiline=False)
        if submission_key is not None and not 1 <= len(submission_key) <= 64:
            raise InvalidTaskError("task_error_form")
        if submission_key is not None and (earlier := self._by_submission_key(submission_key)) is not None:
            return earlier
        for _ in range(5):
            row = {"code": new_code(TASK_PREFIX), "submission_key": submission_key, "category": category.value,
                   "community_code": community, "place_source": place_source.value,
                   "lon": None if place is None else place[0], "lat": None if place is None else place[1],
                   "area_lon": None if area is None else area[0], "area_lat": None if area is None else area[1],
                   "window_start": start, "window_end": end, "note": text, "contact": reach,
                   "state": TaskState.NEW.value, "created_at": now, "updated_at": now}
            try:
                with self._write() as connection:
                    task_id = connection.execute(insert(_TASKS).returning(_TASKS.c.id), row).scalar_one()
                    connection.execute(insert(_EVENTS), {"task_id": task_id, "from_state": None,
                                                         "to_state": TaskState.NEW.value,
                                                         "actor_role": Role.RESIDENT.value, "at": now})
                return FiledTask(row["code"], community, now)
            except IntegrityError:
                if submission_key is not None and (earlier := self._by_submission_key(submission_key)) is not None:
                    return earlier  # the same form won a race
        raise StorageError("task_error_unavailable")

    def _by_submission_key(self, submission_key: str) -> FiledTask | None:
        with self._read() as connection:
            row = connection.execute(select(_TASKS.c.code, _TASKS.c.community_code, _TASKS.c.created_at)
                                     .where(_TASKS.c.submission_key == submission_key)).first()
        return None if row is None else FiledTask(row.code, row.community_code, as_utc(row.created_at), resent=True)

    # state changes --------------------------------------------------------------------------

    def _task_row(self, connection: Connection, code: str):  # noqa: ANN202
        normal = normalise_code(code)
        row = None if normal is None else connection.execute(select(_TASKS).where(_TASKS.c.code == normal)).first()
        if row is None:
            raise TaskStateError("task_error_not_found", code=(code or "")[:20])
        return row

    def _active(self, connection: Connection, actor: Actor) -> None:
        """The actor's account must still be active (a removed volunteer cannot act on a session
        that outlived the removal)."""
        if actor.account is None:
            return
        active = connection.execute(select(_ACCOUNTS.c.active).where(_ACCOUNTS.c.id == actor.account.id)).scalar()
        if not active:
            raise NotAllowedError("task_error_account_removed")

    def _change(self, code: str, actor: Actor, to_state: TaskState, *, values: Mapping[str, object] | None = None,
                check: Callable[[object], None] | None = None, reason: str | None = None,
                target_id: int | None = None, after: Callable[[Connection, object, datetime], dict] | None = None,
                ) -> TaskStep:
        """Move the task ``code`` to ``to_state`` as ``actor`` in one transaction: read it, check
        the rules (:data:`ALLOWED_TRANSITIONS`, the community, ``check``), then a conditional
        update on the state (and holder) read, whose row count says whether someone else moved
        it meanwhile; then the event."""
        with self._write() as connection:
            self._active(connection, actor)
            row = self._task_row(connection, code)
            current = TaskState(row.state)
            if actor.role in (Role.DISPATCHER, Role.VOLUNTEER) and actor.account.community_code != row.community_code:
                raise NotAllowedError("task_error_other_community", code=row.code)
            if check is not None:
                check(row)
            allowed = ALLOWED_TRANSITIONS[current].get(to_state, frozenset())
            if actor.role not in allowed:
                raise TaskStateError("task_error_transition", code=row.code, from_state=state_word(current),
                                     to_state=state_word(to_state))
            now = self.clock()
            extra = dict(values or {})
            if after is not None:
                extra.update(after(connection, row, now))
            guard = and_(_TASKS.c.id == row.id, _TASKS.c.state == current.value,
                         _same(_TASKS.c.taken_by, row.taken_by), _same(_TASKS.c.offered_to, row.offered_to))
            changed = connection.execute(update(_TASKS).where(guard).values(state=to_state.value, updated_at=now,
                                                                          **extra))
            if changed.rowcount != 1:
                raise self._why_not(connection, row.id, actor)
            connection.execute(insert(_EVENTS), {
                "task_id": row.id, "from_state": current.value, "to_state": to_state.value,
                "actor_role": actor.role.value, "actor_id": None if actor.account is None else actor.account.id,
                "actor_name": actor.name if actor.role is not Role.RESIDENT else None, "target_id": target_id,
                "reason": reason, "at": now})
        return TaskStep(row.code, current, to_state, now)

    @staticmethod
    def _why_not(connection: Connection, task_id: int, actor: Actor) -> TaskError:
        """Why a conditional update changed nothing: someone else moved the task meanwhile."""
        row = connection.execute(select(_TASKS.c.code, _TASKS.c.state, _TASKS.c.taken_by)
                                 .where(_TASKS.c.id == task_id)).first()
        if row.state == TaskState.TAKEN.value and (actor.account is None or row.taken_by != actor.account.id):
            return TakenByOtherError("task_error_taken_by_other", code=row.code)
        return TaskStateError("task_error_changed_meanwhile", code=row.code, state=state_word(row.state))

    def dispatch(self, code: str, actor: Actor, *, to: str | None = None) -> TaskStep:
        """派单: offer the task to the volunteer named ``to`` (an active volunteer of the task's
        community), or with ``to=None`` open it to all volunteers of the community. A dispatched
        task may be sent out again (to someone else, or to all)."""
        if actor.role not in (Role.DISPATCHER, Role.STAFF):
            raise NotAllowedError("task_error_not_dispatcher")
        target: Account | None = None
        if to is not None:
            target = self.account(to)
            if target is None or target.role is not Role.VOLUNTEER or not target.active:
                raise NotAllowedError("task_error_no_volunteer", name=(to or "")[:MAX_NAME_CHARS])

        def check(row) -> None:  # noqa: ANN001
            if target is not None and target.community_code != row.community_code:
                raise NotAllowedError("task_error_volunteer_other_community", name=target.name, code=row.code)

        return self._change(code, actor, TaskState.DISPATCHED, values={"offered_to": None if target is None else
                                                                        target.id},
                            check=check, target_id=None if target is None else target.id)

    def take(self, code: str, volunteer: Account) -> TaskStep:
        """接单: the volunteer takes a task offered to them or open to their community. Of several
        volunteers taking one task at once exactly one gets it (:class:`TakenByOtherError` for the
        others). Taking a task one already has again changes nothing (a double tap)."""
        if volunteer.role is not Role.VOLUNTEER:
            raise NotAllowedError("task_error_not_volunteer")

        def check(row) -> None:  # noqa: ANN001
            if row.state == TaskState.TAKEN.value and row.taken_by == volunteer.id:
                raise _AlreadyYours(TaskStep(row.code, TaskState.TAKEN, TaskState.TAKEN, as_utc(row.taken_at),
                                             repeated=True))
            if row.state == TaskState.TAKEN.value:
                raise TakenByOtherError("task_error_taken_by_other", code=row.code)
            if row.state == TaskState.DISPATCHED.value and row.offered_to not in (None, volunteer.id):
                raise NotAllowedError("task_error_offered_to_other", code=row.code)

        try:
            return self._change(code, Actor.of(volunteer), TaskState.TAKEN, check=check,
                                after=lambda _c, _r, now: {"taken_by": volunteer.id, "taken_at": now,
                                                           "offered_to": None})
        except _AlreadyYours as same:
            return same.step

    def release(self, code: str, volunteer: Account, reason: ReleaseReason | str) -> TaskStep:
        """The volunteer declines a task offered to them, or hands back one they took: it returns
        to 新 for the dispatcher, with the reason (a choice)."""
        reason = ReleaseReason(reason)

        def check(row) -> None:  # noqa: ANN001
            mine = (row.state == TaskState.TAKEN.value and row.taken_by == volunteer.id) or (
                row.state == TaskState.DISPATCHED.value and row.offered_to == volunteer.id)
            if not mine:
                raise NotAllowedError("task_error_not_yours", code=row.code)

        return self._change(code, Actor.of(volunteer), TaskState.NEW, check=check, reason=reason.value,
                            values={"taken_by": None, "taken_at": None, "offered_to": None})

    def withdraw(self, code: str, actor: Actor) -> TaskStep:
        """The dispatcher takes a dispatched or taken task back to 新 (to send it out again)."""
        if actor.role not in (Role.DISPATCHER, Role.STAFF):
            raise NotAllowedError("task_error_not_dispatcher")
        return self._change(code, actor, TaskState.NEW, values={"taken_by": None, "taken_at": None,
                                                                "offered_to": None})

    def finish(self, code: str, volunteer: Account, *, photo: bytes | None = None,
               note: str | None = None) -> TaskStep:
        """The volunteer who has the task marks it done, with an optional photo (re-encoded
        without any metadata, as for reports) and a short note; they earn the points of its
        category by the town's rules."""
        text = clean_text(note, max_chars=MAX_DONE_NOTE_CHARS, key="task_error_done_note_too_long")
        cleaned = _clean_photo(photo) if photo is not None else None

        def check(row) -> None:  # noqa: ANN001
            if row.taken_by != volunteer.id:
                raise NotAllowedError("task_error_not_yours", code=row.code)

        name, created = self.photos.save(cleaned) if cleaned is not None else (None, False)
        try:
            return self._change(code, Actor.of(volunteer), TaskState.DONE, check=check,
                                after=lambda _c, row, now: {"done_at": now, "ended_at": now, "done_note": text,
                                                            "done_photo": name,
                                                            "points": self.points.for_finished(row.category)})
        except BaseException:
            if created and not self._photo_in_use(name):
                self.photos.remove(name)
            raise

    def rate(self, code: str, stars: int, words: str | None = None) -> TaskStep:
        """评单: the resident (holding the code) rates a done task 1-5 with a few words; a good
        rating earns the volunteer the town's bonus. Words given after the task's personal data
        were deleted are not kept."""
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise InvalidTaskError("task_error_stars")
        text = clean_text(words, max_chars=MAX_RATING_WORDS_CHARS, key="task_error_words_too_long")
        return self._change(code, Actor.resident(), TaskState.RATED,
                            after=lambda _c, row, now: {
                                "stars": stars, "rated_at": now, "bonus_points": self.points.for_rating(stars),
                                "rating_words": None if self._personal_gone(row, now) else text})

    def cancel(self, code: str, actor: Actor, reason: CancelReason | str) -> TaskStep:
        """Cancel a task not yet done: by the dispatcher (or staff) with a reason, or by the
        resident (the reason is then "resident withdrew")."""
        reason = CancelReason(reason)
        if actor.role is Role.RESIDENT:
            reason = CancelReason.RESIDENT_WITHDREW
        return self._change(code, actor, TaskState.CANCELLED, reason=reason.value,
                            after=lambda _c, _r, now: {"ended_at": now, "cancel_reason": reason.value})

    # seeing ---------------------------------------------------------------------------------

    def personal_until(self, row) -> datetime:  # noqa: ANN001
        """When the task's contact, place, texts and photo are deleted: the retention time after
        it ended (done or cancelled), or after its time window for a task that never ended."""
        start = row.ended_at if row.ended_at is not None else row.window_end
        return as_utc(start) + self.retention

    def _personal_gone(self, row, now: datetime) -> bool:  # noqa: ANN001
        return row.purged_at is not None or now >= self.personal_until(row)

    def card(self, code: str, viewer: Viewer) -> TaskCard | None:
        """What ``viewer`` may see of the task ``code``; ``None`` when they may not see it at all
        (another community's dispatcher or volunteer, a volunteer it was not offered to)."""
        with self._read() as connection:
            normal = normalise_code(code)
            row = None if normal is None else connection.execute(select(_TASKS).where(_TASKS.c.code == normal)).first()
            if row is None:
                return None
            return self._cards(connection, [row], viewer)[0] if may_list(row, viewer) else None

    def status(self, code: str) -> TaskCard | None:
        """What the resident holding ``code`` sees (no contact or place: the link may be shared)."""
        return self.card(code, Actor.resident())

    def contact_for(self, code: str, viewer: Viewer) -> str | None:
        """The resident's contact if ``viewer`` may see it (and it was given and not deleted)."""
        card = self.card(code, viewer)
        return None if card is None else card.contact

    def _cards(self, connection: Connection, rows: list, viewer: Viewer) -> list[TaskCard]:
        ids = [row.id for row in rows]
        people = {r.id: r for r in connection.execute(select(_ACCOUNTS.c.id, _ACCOUNTS.c.name,
                                                             _ACCOUNTS.c.shown_name))}
        events: dict[int, list] = {i: [] for i in ids}
        if ids:
            for event in connection.execute(select(_EVENTS).where(_EVENTS.c.task_id.in_(ids)).order_by(_EVENTS.c.id)):
                events[event.task_id].append(event)
        now = self.clock()
        return [build_card(row, viewer, people, events[row.id], personal_until=self.personal_until(row),
                           gone=self._personal_gone(row, now)) for row in rows]

    def dispatcher_cards(self, dispatcher: Account, *, states: list[TaskState | str] | None = None) -> list[TaskCard]:
        """The tasks of the dispatcher's community (``states``: only those), newest first."""
        if dispatcher.role is not Role.DISPATCHER:
            raise NotAllowedError("task_error_not_dispatcher")
        query = select(_TASKS).where(_TASKS.c.community_code == dispatcher.community_code)
        if states is not None:
            query = query.where(_TASKS.c.state.in_([TaskState(s).value for s in states]))
        with self._read() as connection:
            if not connection.execute(select(_ACCOUNTS.c.active).where(_ACCOUNTS.c.id == dispatcher.id)).scalar():
                raise NotAllowedError("task_error_account_removed")
            rows = connection.execute(query.order_by(_TASKS.c.created_at.desc(), _TASKS.c.id.desc())).all()
            return self._cards(connection, rows, Actor.of(dispatcher))

    def volunteer_board(self, volunteer: Account, *, at: tuple[float, float] | None = None,
                        centres: Mapping[str, tuple[float, float]] | None = None,
                        finished_since: datetime | None = None) -> VolunteerBoard:
        """The volunteer's list: tasks they have (with the contact and the exact place), offered to
        them, open to their community (nearest first from ``at``, WGS-84; a task with only a
        community is placed at ``centres[code]``; unknown distances last), and finished ones
        (since ``finished_since``)."""
        if volunteer.role is not Role.VOLUNTEER:
            raise NotAllowedError("task_error_not_volunteer")
        query = select(_TASKS).where(_TASKS.c.community_code == volunteer.community_code, or_(
            _TASKS.c.taken_by == volunteer.id,
            and_(_TASKS.c.state == TaskState.DISPATCHED.value,
                 or_(_TASKS.c.offered_to.is_(None), _TASKS.c.offered_to == volunteer.id))))
        with self._read() as connection:
            if not connection.execute(select(_ACCOUNTS.c.active).where(_ACCOUNTS.c.id == volunteer.id)).scalar():
                raise NotAllowedError("task_error_account_removed")
            rows = connection.execute(query.order_by(_TASKS.c.window_start, _TASKS.c.id)).all()
            cards = self._cards(connection, rows, Actor.of(volunteer))
        distances: dict[str, float] = {}
        for card in cards:
            place = card.lonlat or card.area or (centres or {}).get(card.community_code)
            if at is not None and card.code is not None and (measured := distance_m(at, place)) is not None:
                distances[card.code] = measured
        far = float("inf")
        mine = tuple(c for c in cards if c.mine and c.state is TaskState.TAKEN)
        offered = tuple(c for c in cards if c.offered_to_me and c.state is TaskState.DISPATCHED)
        open_ = tuple(sorted((c for c in cards if c.open_to_all),
                             key=lambda c: (distances.get(c.code, far), c.window_start)))
        finished = tuple(sorted((c for c in cards if c.mine and c.state in (TaskState.DONE, TaskState.RATED)
                                 and (finished_since is None or done_at(c) >= finished_since)),
                                key=done_at, reverse=True))
        recently = self.clock() - timedelta(days=1)
        cancelled = tuple(c for c in cards if c.mine and c.state is TaskState.CANCELLED and c.events
                          and c.events[-1].at >= recently)
        return VolunteerBoard(mine, offered, open_, finished, cancelled, distances)

    # tables (nothing personal) ----------------------------------------------------------------

    def tasks_frame(self) -> pd.DataFrame:
        """Every task without anything personal: ``category``, ``community_code``, ``state``, the
        times (aware UTC), ``stars``, ``points`` (with the bonus), ``cancel_reason`` and the
        volunteer who finished it (``volunteer_id``, ``volunteer_shown``). Oldest first."""
        query = (select(_TASKS.c.id, _TASKS.c.category, _TASKS.c.community_code, _TASKS.c.state,
                        _TASKS.c.created_at, _TASKS.c.taken_at, _TASKS.c.done_at, _TASKS.c.rated_at,
                        _TASKS.c.ended_at, _TASKS.c.stars, _TASKS.c.points, _TASKS.c.bonus_points,
                        _TASKS.c.cancel_reason, _TASKS.c.taken_by.label("volunteer_id"),
                        _ACCOUNTS.c.shown_name.label("volunteer_shown"))
                 .select_from(_TASKS.outerjoin(_ACCOUNTS, _ACCOUNTS.c.id == _TASKS.c.taken_by))
                 .order_by(_TASKS.c.created_at, _TASKS.c.id))
        with self._read() as connection:
            rows = connection.execute(query).all()
        columns = ["id", "category", "community_code", "state", "created_at", "taken_at", "done_at", "rated_at",
                   "ended_at", "stars", "points", "bonus_points", "cancel_reason", "volunteer_id", "volunteer_shown"]
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        for column in ("created_at", "taken_at", "done_at", "rated_at", "ended_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        frame["points"] = frame["points"].astype("Int64") + frame["bonus_points"].astype("Int64").fillna(0)
        frame["stars"] = frame["stars"].astype("Int64")
        frame["volunteer_id"] = frame["volunteer_id"].astype("Int64")
        return frame.drop(columns="bonus_points")

    def events_frame(self) -> pd.DataFrame:
        """Every state change with who (role, account or staff name) and when; no task text."""
        query = (select(_TASKS.c.code, _EVENTS.c.from_state, _EVENTS.c.to_state, _EVENTS.c.actor_role,
                        _EVENTS.c.actor_name, _EVENTS.c.reason, _EVENTS.c.at)
                 .select_from(_EVENTS.join(_TASKS, _TASKS.c.id == _EVENTS.c.task_id)).order_by(_EVENTS.c.id))
        with self._read() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=["code", "from_state", "to_state", "actor_role",
                                                                "actor_name", "reason", "at"], dtype=object)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        return frame

    # retention ------------------------------------------------------------------------------

    def purge_expired(self) -> int:
        """Delete the contact, exact place, area, texts and photo of every task whose retention
        time has passed (see :meth:`personal_until`); returns how many tasks were purged. What
        stays says nothing about the resident: category, community, times, states, stars, points."""
        now = self.clock()
        cutoff = now - self.retention
        due = and_(_TASKS.c.purged_at.is_(None), or_(
            and_(_TASKS.c.ended_at.is_not(None), _TASKS.c.ended_at <= cutoff),
            and_(_TASKS.c.ended_at.is_(None), _TASKS.c.window_end <= cutoff)))
        with self._write() as connection:
            photos = {p for p in connection.execute(select(_TASKS.c.done_photo).where(due)).scalars() if p}
            purged = connection.execute(update(_TASKS).where(due).values(
                contact=None, lon=None, lat=None, area_lon=None, area_lat=None, note=None, done_note=None,
                rating_words=None, done_photo=None, purged_at=now)).rowcount
            connection.execute(_SIGN_INS.delete().where(_SIGN_INS.c.expires_at <= now))
        for name in photos:
            if not self._photo_in_use(name):
                self.photos.remove(name)
        return int(purged or 0)

    def _photo_in_use(self, name: str | None) -> bool:
        if name is None:
            return False
        try:
            with self._read() as connection:
                return connection.execute(select(_TASKS.c.id).where(_TASKS.c.done_photo == name).limit(1)).first() \
                    is not None
        except StorageError:
            return True  # cannot tell: keep the file

    def count_tasks(self) -> int:
        with self._read() as connection:
            return int(connection.execute(select(func.count()).select_from(_TASKS)).scalar() or 0)


class _AlreadyYours(Exception):
    def __init__(self, step: TaskStep) -> None:
        super().__init__("already yours")
        self.step = step


def state_word(state: TaskState | str) -> Term:
    """A state as an error parameter, in whichever language the error is shown."""
    return Term("task_state", TaskState(state).value)


def _same(column, value):  # noqa: ANN001, ANN202
    return column.is_(None) if value is None else column == value


def _clean_photo(photo: bytes) -> bytes:
    """The photo without metadata (see :func:`geo.feedback.photos.clean_photo`), or
    :class:`InvalidTaskError` in the tasks' words."""
    try:
        return clean_photo(photo)
    except PhotoError as err:
        raise InvalidTaskError(_PHOTO_ERRORS[err.key], **err.params) from err


#: A photo's problem in the tasks' words (the reports' say "the report was not sent").
_PHOTO_ERRORS = {"report_error_photo_empty": "task_error_photo_empty",
                 "report_error_photo_too_large": "task_error_photo_too_large",
                 "report_error_photo_format": "task_error_photo_format",
                 "report_error_photo_unreadable": "task_error_photo_unreadable"}
