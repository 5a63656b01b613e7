"""What a resident can ask for, the states a volunteer task goes through, who may move it, and
why a task may be cancelled.

Only codes live here; their words (送药 / Medicine...) are the ``[task_category]``,
``[task_state]``, ``[task_reason]``, ``[task_place]`` and ``[task_role]`` tables of
``geo/locales/<lang>/tasks.toml`` (:func:`geo.i18n.label_of`).
"""

from __future__ import annotations

from enum import Enum

from geo.i18n import LANGUAGES, label_of


class TaskCategory(str, Enum):
    MEAL = "meal"  # 送餐
    MEDICINE = "medicine"  # 送药
    SHOPPING = "shopping"  # 代购
    COMPANY = "company"  # 陪伴
    RIDE = "ride"  # 出行
    REPAIR = "repair"  # 维修
    OTHER = "other"  # 其他


class TaskState(str, Enum):
    NEW = "new"  # 新: asked, nobody dispatched it yet
    DISPATCHED = "dispatched"  # 已派单: offered to a named volunteer, or open to all of the community
    TAKEN = "taken"  # 已接单: one volunteer has it
    DONE = "done"  # 已完成
    RATED = "rated"  # 已评价
    CANCELLED = "cancelled"  # 已取消


class PlaceSource(str, Enum):
    """Where a task's place comes from."""

    MAP = "map"  # the resident tapped it on the map
    PHONE = "phone"  # the resident's phone position
    COMMUNITY = "community"  # only the community: the volunteer calls first


class Role(str, Enum):
    RESIDENT = "resident"  # no account: holds the task's code
    DISPATCHER = "dispatcher"  # community party-organisation staff, signed in for their community
    VOLUNTEER = "volunteer"  # a rider registered by the community
    STAFF = "staff"  # the town's staff and scripts on the command line
    SYSTEM = "system"  # the app itself (retention)


class CancelReason(str, Enum):
    """Why a task was cancelled: a choice, never free text (a reason stays in the history for
    good, so it must carry nothing personal)."""

    RESIDENT_WITHDREW = "resident_withdrew"
    NO_VOLUNTEER = "no_volunteer"
    DUPLICATE = "duplicate"
    NOT_A_VOLUNTEER_TASK = "not_a_volunteer_task"
    OTHER = "other"


class ReleaseReason(str, Enum):
    """Why a volunteer hands a task back."""

    CANNOT_MAKE_IT = "cannot_make_it"
    CANNOT_REACH = "cannot_reach"
    OTHER = "other"


#: Which state change each role may make. The dispatcher may send a task out again while it is
#: dispatched (to another volunteer, or to all); a volunteer declines an offer or hands a taken
#: task back (it returns to 新 for the dispatcher); a done task is rated only by its resident.
ALLOWED_TRANSITIONS: dict[TaskState, dict[TaskState, frozenset[Role]]] = {
    TaskState.NEW: {TaskState.DISPATCHED: frozenset({Role.DISPATCHER, Role.STAFF}),
                    TaskState.CANCELLED: frozenset({Role.DISPATCHER, Role.STAFF, Role.RESIDENT})},
    TaskState.DISPATCHED: {TaskState.DISPATCHED: frozenset({Role.DISPATCHER, Role.STAFF}),
                           TaskState.TAKEN: frozenset({Role.VOLUNTEER}),
                           TaskState.NEW: frozenset({Role.VOLUNTEER, Role.DISPATCHER, Role.STAFF}),
                           TaskState.CANCELLED: frozenset({Role.DISPATCHER, Role.STAFF, Role.RESIDENT})},
    TaskState.TAKEN: {TaskState.DONE: frozenset({Role.VOLUNTEER}),
                      TaskState.NEW: frozenset({Role.VOLUNTEER, Role.DISPATCHER, Role.STAFF}),
                      TaskState.CANCELLED: frozenset({Role.DISPATCHER, Role.STAFF, Role.RESIDENT})},
    TaskState.DONE: {TaskState.RATED: frozenset({Role.RESIDENT})},
    TaskState.RATED: {},
    TaskState.CANCELLED: {},
}

#: States in which a task still waits for someone to act.
OPEN_STATES: frozenset[TaskState] = frozenset({TaskState.NEW, TaskState.DISPATCHED, TaskState.TAKEN})
#: States of a finished task (it counts for points and the month's figures).
FINISHED_STATES: frozenset[TaskState] = frozenset({TaskState.DONE, TaskState.RATED})


def label(kind: str, code: str, lang: str) -> str:
    """The word for ``code`` of ``kind`` ("category", "state", "reason", "place", "role") in ``lang``."""
    return label_of(f"task_{kind}", code, lang)


def parse_choice(enum: type[Enum], kind: str, text: str) -> Enum:
    """A member of ``enum`` from its code (``medicine``) or its word in any language (``送药``,
    ``Medicine``); ``ValueError`` naming what is allowed otherwise."""
    wanted = (text or "").strip()
    for member in enum:
        words = {member.value} | {label(kind, member.value, lang) for lang in LANGUAGES}
        if wanted in words or wanted.casefold() in {w.casefold() for w in words}:
            return member
    allowed = [f"{m.value} ({label(kind, m.value, 'zh')})" for m in enum]
    msg = f"`{kind}` was {text!r} but is expected to be one of {allowed}"
    raise ValueError(msg)
