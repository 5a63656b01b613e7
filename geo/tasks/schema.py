"""Tables of the volunteer tasks, in the same database and migrations as the riders' reports
(they share :class:`geo.feedback.schema.Base`; revision 0004 creates them).

Personal data sits in a few columns of ``tasks`` only: ``contact``, the exact place
(``lon``/``lat``), the coarse area (``area_lon``/``area_lat``) and the free text (``note``,
``done_note``, ``rating_words``) and the photo. :meth:`geo.tasks.store.TaskStore.purge_expired`
empties them a set number of days after the task ends; what stays (category, community, times,
states, stars, points) says nothing about the resident. Events never hold free text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geo.feedback.schema import Base, UTCDateTime
from geo.tasks.vocabulary import CancelReason, PlaceSource, ReleaseReason, Role, TaskCategory, TaskState

MAX_NOTE_CHARS = 200
MAX_CONTACT_CHARS = 40
MAX_DONE_NOTE_CHARS = 200
MAX_RATING_WORDS_CHARS = 100
MAX_NAME_CHARS = 20
MAX_SHOWN_NAME_CHARS = 12
COMMUNITY_CODE_CHARS = 12


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


ACCOUNT_ROLES = [Role.DISPATCHER.value, Role.VOLUNTEER.value]
EVENT_ROLES = [r.value for r in Role]
REASONS = sorted({r.value for r in CancelReason} | {r.value for r in ReleaseReason})


class TaskAccount(Base):
    """A dispatcher or a volunteer of one community. ``name`` signs in; ``shown_name`` is what the
    volunteer chose to be called on the monthly list and by residents. No phone, no ID number."""

    __tablename__ = "task_accounts"
    __table_args__ = (CheckConstraint(_in("role", ACCOUNT_ROLES), name="ck_task_accounts_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS), unique=True)
    shown_name: Mapped[str] = mapped_column(String(MAX_SHOWN_NAME_CHARS))
    community_code: Mapped[str] = mapped_column(String(COMMUNITY_CODE_CHARS), index=True)
    #: ``pbkdf2_sha256$iterations$salt$hash`` (see :mod:`geo.auth`).
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Who made the account (a dispatcher's name, "cli", or "invitation").
    created_by: Mapped[str] = mapped_column(String(80))


class TaskSignIn(Base):
    """A volunteer's phone that stays signed in: the SHA-256 of a random token kept in a cookie of
    that phone, until it expires or the volunteer signs out."""

    __tablename__ = "task_sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("task_accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TaskInvitation(Base):
    """A code a dispatcher hands to riders so they can register as volunteers of the community.
    Only the code's SHA-256 is stored."""

    __tablename__ = "task_invitations"
    __table_args__ = (CheckConstraint("uses_left >= 0", name="ck_task_invitations_uses"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    community_code: Mapped[str] = mapped_column(String(COMMUNITY_CODE_CHARS))
    uses_left: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))


class Task(Base):
    """One request of a resident and what became of it."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(_in("category", [c.value for c in TaskCategory]), name="ck_tasks_category"),
        CheckConstraint(_in("state", [s.value for s in TaskState]), name="ck_tasks_state"),
        CheckConstraint(_in("place_source", [p.value for p in PlaceSource]), name="ck_tasks_place_source"),
        CheckConstraint("stars IS NULL OR stars BETWEEN 1 AND 5", name="ck_tasks_stars"),
        CheckConstraint("window_end > window_start", name="ck_tasks_window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the resident keeps to follow and rate the task (e.g. ``ZY-4K7P-2XQM``).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    #: A random token of the form that sent it: a resent form does not make a second task.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(16))
    community_code: Mapped[str] = mapped_column(String(COMMUNITY_CODE_CHARS), index=True)
    place_source: Mapped[str] = mapped_column(String(16))
    #: The exact place (WGS-84), for the dispatcher and the volunteer who has the task.
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    #: The place to about 500 m (or the community's centre), to sort the open tasks by distance.
    area_lon: Mapped[float | None] = mapped_column(Float)
    area_lat: Mapped[float | None] = mapped_column(Float)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE_CHARS))
    contact: Mapped[str | None] = mapped_column(String(MAX_CONTACT_CHARS))
    state: Mapped[str] = mapped_column(String(16), index=True)
    #: The volunteer a dispatcher offered the task to (``None``: open to all of the community).
    offered_to: Mapped[int | None] = mapped_column(ForeignKey("task_accounts.id"))
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("task_accounts.id"), index=True)
    done_note: Mapped[str | None] = mapped_column(String(MAX_DONE_NOTE_CHARS))
    #: File name of the cleaned photo of the finished task (``<sha256>.jpg``).
    done_photo: Mapped[str | None] = mapped_column(String(80))
    stars: Mapped[int | None] = mapped_column(Integer)
    rating_words: Mapped[str | None] = mapped_column(String(MAX_RATING_WORDS_CHARS))
    #: Points the volunteer got for finishing it (by the town's rules then), and for a good rating.
    points: Mapped[int | None] = mapped_column(Integer)
    bonus_points: Mapped[int | None] = mapped_column(Integer)
    cancel_reason: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the task was done or cancelled: the retention time runs from here.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the personal columns were emptied.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[TaskEvent]] = relationship(back_populates="task", order_by="TaskEvent.id",
                                                   cascade="all, delete-orphan")


class TaskEvent(Base):
    """A state change: who (role and account or staff name; nobody for the resident), when, to
    whom it was offered, and why (a reason code, never free text)."""

    __tablename__ = "task_events"
    __table_args__ = (
        CheckConstraint(_in("to_state", [s.value for s in TaskState]), name="ck_task_events_state"),
        CheckConstraint(_in("actor_role", EVENT_ROLES), name="ck_task_events_role"),
        CheckConstraint(f"reason IS NULL OR {_in('reason', REASONS)}", name="ck_task_events_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("task_accounts.id"))
    #: The account's sign-in name, or the staff member the command line was told.
    actor_name: Mapped[str | None] = mapped_column(String(80))
    #: For a dispatch to a named volunteer: that volunteer.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("task_accounts.id"))
    reason: Mapped[str | None] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    task: Mapped[Task] = relationship(back_populates="events")
