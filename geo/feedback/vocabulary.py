"""What a rider can report and the states a report goes through.

Codes are stored in the database; the Chinese and English labels are domain words (the town's
own 隐患直报/随手拍 categories and triage states), kept here beside the codes like the station
types in :mod:`geo.register.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


KIND_LABELS: dict[ReportKind, Label] = {
    ReportKind.HAZARD: Label("隐患", "Hazard"),
    ReportKind.STATION: Label("站点反馈", "Station feedback"),
}

PLACE_SOURCES: dict[PlaceSource, Label] = {
    PlaceSource.REPORTER: Label("报告人标出", "Marked by the reporter"),
    PlaceSource.REGISTER: Label("站点登记位置", "Station's registered position"),
}

HAZARD_CATEGORIES: dict[HazardCategory, Label] = {
    HazardCategory.SANITATION: Label("环境卫生", "Sanitation"),
    HazardCategory.FIRE_SAFETY: Label("消防安全", "Fire safety"),
    HazardCategory.ROAD_TRAFFIC: Label("道路交通", "Road traffic"),
    HazardCategory.PARKING: Label("占道/停车", "Obstruction / parking"),
    HazardCategory.OTHER: Label("其他", "Other"),
}

STATION_ISSUES: dict[StationIssue, Label] = {
    StationIssue.NOT_HERE: Label("不在这里", "Not here"),
    StationIssue.CLOSED: Label("没开门", "Not open"),
    StationIssue.AMENITY_MISSING: Label("设施缺失", "Amenity missing"),
    StationIssue.WRONG_HOURS: Label("时间不对", "Wrong opening hours"),
    StationIssue.OTHER: Label("其他", "Other"),
}

REPORT_STATES: dict[ReportState, Label] = {
    ReportState.NEW: Label("新", "New"),
    ReportState.VERIFIED: Label("已核实", "Verified"),
    ReportState.DISPATCHED: Label("已派单", "Dispatched"),
    ReportState.RESOLVED: Label("已解决", "Resolved"),
    ReportState.REJECTED: Label("不予处理", "Not acted on"),
}

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
    """A state from its code (``resolved``) or its Chinese or English label (``已解决``)."""
    wanted = text.strip()
    for state, label in REPORT_STATES.items():
        if wanted in (state.value, label.zh) or wanted.casefold() == label.en.casefold():
            return state
    allowed = [f"{s.value} ({label.zh})" for s, label in REPORT_STATES.items()]
    msg = f"`state` was {text!r} but is expected to be one of {allowed}"
    raise ValueError(msg)


def subject_label(kind: str, subject: str, lang: str) -> str:
    """The category of a hazard or the issue of a station report, in ``lang``."""
    if kind == ReportKind.HAZARD.value:
        return HAZARD_CATEGORIES[HazardCategory(subject)](lang)
    return STATION_ISSUES[StationIssue(subject)](lang)
