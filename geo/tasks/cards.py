"""What each person may see of a task: the one place that decides (PIPL).

A resident's contact and exact place reach only the dispatchers of the task's community and the
volunteer who has taken it, while it is theirs; the community's volunteers see the category,
time, note and a ~500 m area of the open tasks they may take; the resident, holding the code,
sees the state, who helped (by the name they chose) and the photo; everyone else the community
and category only. Personal data past their retention time are shown to nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from geo.tasks.accounts import Actor
from geo.tasks.codes import as_utc
from geo.tasks.vocabulary import PlaceSource, Role, TaskCategory, TaskState

#: Someone looking at tasks: an account, the resident with the code, or anyone (public).
Viewer = Actor
#: Anyone at all: the community and category only.
PUBLIC = Actor(Role.SYSTEM, None, None)


@dataclass(frozen=True)
class EventLine:
    """A state change as a viewer may see it: the role always; the volunteer's shown name for
    steps a volunteer made; account names only for dispatchers of the community."""

    to_state: TaskState
    at: datetime
    role: Role
    who: str | None
    reason: str | None


@dataclass(frozen=True)
class TaskCard:
    """What one viewer may see of one task; fields the viewer may not see are ``None``."""

    code: str | None
    category: TaskCategory
    community_code: str
    state: TaskState
    window_start: datetime
    window_end: datetime
    created_at: datetime
    place_source: PlaceSource
    note: str | None = None
    contact: str | None = None
    #: The exact place, WGS-84.
    lonlat: tuple[float, float] | None = None
    #: The place to about 500 m, WGS-84.
    area: tuple[float, float] | None = None
    offered_to: str | None = None
    offered_to_me: bool = False
    open_to_all: bool = False
    volunteer: str | None = None
    mine: bool = False
    has_contact: bool = False
    done_note: str | None = None
    photo: str | None = None
    stars: int | None = None
    rating_words: str | None = None
    points: int | None = None
    cancel_reason: str | None = None
    #: When the contact, place, texts and photo are (or were) deleted.
    personal_until: datetime | None = None
    personal_deleted: bool = False
    events: tuple[EventLine, ...] = ()


@dataclass(frozen=True)
class VolunteerBoard:
    """A volunteer's phone list: tasks they have, tasks offered to them, open tasks of their
    community (nearest first from where they stand), and what they finished."""

    mine: tuple[TaskCard, ...]
    offered: tuple[TaskCard, ...]
    open: tuple[TaskCard, ...]
    finished: tuple[TaskCard, ...]
    #: Tasks the volunteer had that were cancelled (by the resident or the dispatcher) in the last day.
    cancelled: tuple[TaskCard, ...]
    #: metres from where the volunteer stands to each task's area (by code), when known.
    distances_m: Mapping[str, float]


def may_list(row, viewer: Viewer) -> bool:  # noqa: ANN001
    """Whether ``viewer`` may see the task ``row`` at all."""
    if viewer.role in (Role.RESIDENT, Role.STAFF, Role.SYSTEM):
        return True
    account = viewer.account
    if account is None or not account.active or account.community_code != row.community_code:
        return False
    if account.role is Role.DISPATCHER:
        return True
    return (row.taken_by == account.id or row.offered_to == account.id
            or (row.state == TaskState.DISPATCHED.value and row.offered_to is None))


def build_card(row, viewer: Viewer, people: Mapping, events: list, *, personal_until: datetime,  # noqa: ANN001
               gone: bool) -> TaskCard:
    """What ``viewer`` may see of the task ``row`` (a ``tasks`` row; ``people``: account id ->
    row with ``name`` and ``shown_name``; ``events``: its ``task_events`` rows, oldest first;
    ``gone``: whether its personal data are past their retention time, ``personal_until``)."""
    account = viewer.account
    role = viewer.role
    dispatcher = role is Role.DISPATCHER and account is not None and account.community_code == row.community_code
    me = account.id if account is not None and role is Role.VOLUNTEER else None
    holder = me is not None and row.taken_by == me
    taking_now = holder and row.state == TaskState.TAKEN.value
    may_take = me is not None and row.state == TaskState.DISPATCHED.value and row.offered_to in (None, me)
    personal = not gone and (dispatcher or taking_now)
    community_sees = not gone and (dispatcher or holder or may_take)
    involved = dispatcher or holder or role is Role.RESIDENT

    def shown(account_id: int | None) -> str | None:
        return None if account_id is None else people[account_id].shown_name

    def who(event) -> str | None:  # noqa: ANN001
        if dispatcher:  # the community's dispatchers see every account and staff name
            return people[event.actor_id].name if event.actor_id else event.actor_name
        if event.actor_role == Role.VOLUNTEER.value and event.actor_id:
            return shown(event.actor_id)  # the name the volunteer chose to show
        return None

    lines = tuple(EventLine(TaskState(e.to_state), as_utc(e.at), Role(e.actor_role), who(e), e.reason)
                  for e in events) if involved else ()
    return TaskCard(
        code=row.code if (involved or may_take or role is Role.STAFF) else None,
        category=TaskCategory(row.category), community_code=row.community_code, state=TaskState(row.state),
        window_start=as_utc(row.window_start), window_end=as_utc(row.window_end), created_at=as_utc(row.created_at),
        place_source=PlaceSource(row.place_source),
        note=row.note if community_sees else None,
        contact=row.contact if personal else None,
        lonlat=(row.lon, row.lat) if personal and row.lon is not None else None,
        area=(row.area_lon, row.area_lat) if community_sees and row.area_lon is not None else None,
        offered_to=shown(row.offered_to) if dispatcher else None,
        offered_to_me=me is not None and row.offered_to == me,
        open_to_all=row.state == TaskState.DISPATCHED.value and row.offered_to is None,
        volunteer=shown(row.taken_by) if involved else None,
        mine=holder,
        has_contact=row.contact is not None and (dispatcher or role is Role.RESIDENT or taking_now),
        done_note=row.done_note if involved and not gone else None,
        photo=row.done_photo if involved and not gone else None,
        stars=row.stars if involved else None,
        rating_words=row.rating_words if involved and not gone else None,
        points=(row.points or 0) + (row.bonus_points or 0) if (holder or dispatcher) and row.points is not None
        else None,
        cancel_reason=row.cancel_reason if involved else None,
        personal_until=personal_until if involved else None,
        personal_deleted=gone if involved else False,
        events=lines,
    )


def done_at(card: TaskCard) -> datetime:
    """When the task of ``card`` was done (its creation, for a card without that event)."""
    return next((e.at for e in reversed(card.events) if e.to_state is TaskState.DONE), card.created_at)
