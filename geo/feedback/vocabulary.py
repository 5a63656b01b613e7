"""What a rider can report and the states a report goes through.

Codes are stored in the database; their words in each language (the town's own 隐患直报/随手拍
categories and triage states) are the ``[report_kind]``, ``[hazard_category]``,
``[station_issue]``, ``[place_source]`` and ``[report_state]`` tables of the catalogues.
"""

from __future__ import annotations

from enum import Enum

from geo.i18n import LANGUAGES, label_of


class ReportKind(str, Enum):
    HAZARD = "hazard"  # 隐患直报/随手拍: a problem at a place
    STATION = "station"  # feedback about one station of the register


class HazardCategory(str, Enum):
    SANITATION = "sanitation"
    FIRE_SAFETY = "fire_safety"
    ROAD_TRAFFIC = "road_traffic"
    PARKING = "parking"
    OTHER = "other"


class StationIssue(str, Enum):
    NOT_HERE = "not_here"
    CLOSED = "closed"
    AMENITY_MISSING = "amenity_missing"
    WRONG_HOURS = "wrong_hours"
    OTHER = "other"


class PlaceSource(str, Enum):
    """Where a report's place comes from."""

    REPORTER = "reporter"  # the reporter tapped it (a hazard; the true place of a station)
    REGISTER = "register"  # the station's position in the register when the feedback was filed


class ReportState(str, Enum):
    NEW = "new"
    VERIFIED = "verified"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    REJECTED = "rejected"


#: States a report may move to from each state. Work goes forward (steps may be skipped: a
#: planner who fixes a station's hours at once resolves a new report); 不予处理 is possible from
#: any open state; a closed report can be reopened as 已核实 when the problem comes back.
ALLOWED_TRANSITIONS: dict[ReportState, frozenset[ReportState]] = {
    ReportState.NEW: frozenset({ReportState.VERIFIED, ReportState.DISPATCHED, ReportState.RESOLVED, ReportState.REJECTED}),
    ReportState.VERIFIED: frozenset({ReportState.DISPATCHED, ReportState.RESOLVED, ReportState.REJECTED}),
    ReportState.DISPATCHED: frozenset({ReportState.RESOLVED, ReportState.REJECTED}),
    ReportState.RESOLVED: frozenset({ReportState.VERIFIED}),
    ReportState.REJECTED: frozenset({ReportState.VERIFIED}),
}

OPEN_STATES: frozenset[ReportState] = frozenset({ReportState.NEW, ReportState.VERIFIED, ReportState.DISPATCHED})


def parse_state(text: str) -> ReportState:
    """A state from its code (``resolved``) or its word in any language (``已解决``, ``Resolved``)."""
    wanted = text.strip().casefold()
    for state in ReportState:
        if wanted == state.value or any(wanted == label_of("report_state", state, lang).casefold() for lang in LANGUAGES):
            return state
    allowed = [f"{s.value} ({label_of('report_state', s, 'zh')})" for s in ReportState]
    msg = f"`state` was {text!r} but is expected to be one of {allowed}"
    raise ValueError(msg)


def subject_label(kind: str, subject: str, lang: str) -> str:
    """The category of a hazard or the issue of a station report, in ``lang``."""
    return label_of("hazard_category" if kind == ReportKind.HAZARD.value else "station_issue", subject, lang)
