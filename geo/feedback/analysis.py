"""Reading many reports at once: near-duplicate groups, counts, exports.

Functions take the table of :meth:`geo.feedback.store.ReportStore.reports_frame` (WGS-84
lon/lat degrees, aware UTC times) and return plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree

from geo.feedback.vocabulary import (
    ReportKind,
    ReportState,
    subject_label,
)
from geo.i18n import label_of, t
from geo.place.geodesy import ELLIPSOID_TO_SPHERE_MIN, ellipsoidal_distance_m, great_circle_to_chord, unit_vectors
from geo.register.model import LOCAL_TIMEZONE
from geo.tables import csv_bytes, xlsx_bytes

#: Hazards of one category this close (geodesic, metres) ...
DUPLICATE_RADIUS_M = 50.0
#: ... and this close in time are the same problem reported twice.
DUPLICATE_WINDOW = timedelta(hours=24)

EXPORT_FORMATS = ("csv", "xlsx")


def group_near_duplicates(reports: pd.DataFrame, *, radius_m: float = DUPLICATE_RADIUS_M,
                          window: timedelta = DUPLICATE_WINDOW) -> pd.Series:
    """For each report, the id of its near-duplicate group: the smallest report id in it.

    Two hazards are near-duplicates when they share the category, lie within ``radius_m``
    (geodesic on WGS-84) and were filed within ``window`` of each other; two station reports
    when they name the same station, issue and amenity. Groups are the connected components of
    that relation (A~B and B~C put A, B and C together). A report alone is its own group."""
    groups = DisjointSet(reports["id"].tolist())
    hazards = reports[reports["kind"] == ReportKind.HAZARD.value]
    if len(hazards) > 1:
        # Chord radius on the sphere that surely includes every pair within radius_m on the
        # ellipsoid; the exact geodesic test follows.
        tree = cKDTree(unit_vectors(hazards["lon"].to_numpy(), hazards["lat"].to_numpy()))
        pairs = tree.query_pairs(float(great_circle_to_chord(radius_m / ELLIPSOID_TO_SPHERE_MIN)), output_type="ndarray")
        if len(pairs):
            i, j = pairs[:, 0], pairs[:, 1]
            lon, lat = hazards["lon"].to_numpy(), hazards["lat"].to_numpy()
            subject = hazards["subject"].to_numpy()
            created = hazards["created_at"].to_numpy()
            close = ellipsoidal_distance_m(lon[i], lat[i], lon[j], lat[j]) <= radius_m
            same = subject[i] == subject[j]
            recent = np.abs(created[i] - created[j]) <= np.timedelta64(window)
            ids = hazards["id"].to_numpy()
            for a, b in zip(ids[i[close & same & recent]], ids[j[close & same & recent]]):
                groups.merge(a, b)
    stations = reports[reports["kind"] == ReportKind.STATION.value]
    for _, same_issue in stations.groupby([stations["station_id"], stations["subject"],
                                           stations["amenity"].fillna("")], sort=False):
        first = same_issue["id"].iloc[0]
        for other in same_issue["id"].iloc[1:]:
            groups.merge(first, other)
    return pd.Series([min(groups.subset(i)) for i in reports["id"]], index=reports.index, name="group_id",
                     dtype="int64")


@dataclass(frozen=True)
class ReportCounts:
    """Counts of reports; months are local (Asia/Shanghai) ``YYYY-MM`` of filing."""

    total: int
    resolved: int
    by_state: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_month: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"total": self.total, "resolved": self.resolved, "by_state": self.by_state,
                "by_category": self.by_category, "by_month": self.by_month}


def count_reports(reports: pd.DataFrame) -> ReportCounts:
    """Reports by state (every state listed, zeros included), by category (``kind/subject``,
    e.g. ``hazard/fire_safety``) and by month of filing."""
    by_state = {state.value: int((reports["state"] == state.value).sum()) for state in ReportState}
    category = reports["kind"] + "/" + reports["subject"]
    months = reports["created_at"].dt.tz_convert(LOCAL_TIMEZONE).dt.strftime("%Y-%m")
    return ReportCounts(
        total=len(reports),
        resolved=by_state[ReportState.RESOLVED.value],
        by_state=by_state,
        by_category={str(k): int(v) for k, v in category.value_counts().sort_index().items()},
        by_month={str(k): int(v) for k, v in months.value_counts().sort_index().items()},
    )


def latest_answers(events: pd.DataFrame) -> pd.DataFrame:
    """Per report (index ``report_id``): its latest answer to the reporter (``answer``, ``None``
    if none) and the planners who changed its state, in order, comma-joined (``planners``).
    ``events``: the table of :meth:`geo.feedback.store.ReportStore.events_frame`."""
    answered = events[events["answer"].notna() & (events["answer"] != "")]
    answer = answered.groupby("report_id")["answer"].last()
    acted = events[events["actor"].notna()]
    planners = acted.groupby("report_id")["actor"].agg(lambda names: ", ".join(dict.fromkeys(names)))
    return pd.DataFrame({"answer": answer, "planners": planners})


def reports_table(reports: pd.DataFrame, lang: str = "zh", events: pd.DataFrame | None = None) -> pd.DataFrame:
    """The reports as a planner reads them: labels in ``lang`` beside the codes, local times,
    the near-duplicate group (``group_id``: its first report's id; ``group_size``;
    ``group_reference``: its first report's reference code) and, given ``events`` (the store's
    ``events_frame``), the latest answer and the planners who handled each report."""
    groups = group_near_duplicates(reports)
    references = dict(zip(reports["id"], reports["reference"]))
    sizes = groups.map(groups.value_counts())
    table = pd.DataFrame({
        "reference": reports["reference"],
        "kind": reports["kind"],
        "kind_label": [label_of("report_kind", k, lang) for k in reports["kind"]],
        "subject": reports["subject"],
        "subject_label": [subject_label(k, s, lang) for k, s in zip(reports["kind"], reports["subject"])],
        "amenity": reports["amenity"],
        "amenity_label": [label_of("amenity", a, lang) if isinstance(a, str) else None for a in reports["amenity"]],
        "station_id": reports["station_id"],
        "lon": reports["lon"].round(7),
        "lat": reports["lat"].round(7),
        "datum": "wgs84",
        "place_source": reports["place_source"],
        "place_label": [label_of("place_source", p, lang) for p in reports["place_source"]],
        "note": reports["note"],
        "photo": reports["photo"],
        "has_photo": reports["photo"].notna() & (reports["photo"] != ""),
        "state": reports["state"],
        "state_label": [label_of("report_state", s, lang) for s in reports["state"]],
        "created_local": reports["created_at"].dt.tz_convert(LOCAL_TIMEZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "updated_local": reports["updated_at"].dt.tz_convert(LOCAL_TIMEZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "group_id": groups,
        "group_size": sizes.astype("int64"),
        "group_reference": [references[g] for g in groups],
        "id": reports["id"],
    })
    if events is not None:
        answers = latest_answers(events)
        for column in ("answer", "planners"):
            known = answers[column].dropna().to_dict()
            table[column] = pd.Series([known.get(i) for i in reports["id"]], dtype=object)
    return table.reset_index(drop=True)


#: Columns of an export, in order, with the catalogue key of each header.
EXPORT_HEADERS: dict[str, str] = {
    "reference": "col_report_reference",
    "state_label": "col_report_state",
    "kind_label": "col_report_kind",
    "subject_label": "col_report_subject",
    "amenity_label": "col_report_amenity",
    "station_id": "col_report_station",
    "lon": "col_report_lon",
    "lat": "col_report_lat",
    "datum": "col_report_datum",
    "place_label": "col_report_place_source",
    "note": "col_report_note",
    "photo": "col_report_photo_file",
    "created_local": "col_report_created",
    "updated_local": "col_report_updated",
    "group_reference": "col_report_group",
    "group_size": "col_report_group_size",
    "answer": "col_report_answer",
    "planners": "col_report_actor",
}


def export_frame(table: pd.DataFrame, lang: str = "zh", *, with_planners: bool = False) -> pd.DataFrame:
    """``table`` (from :func:`reports_table`) as exported: the columns of
    :data:`EXPORT_HEADERS` it has, headed in ``lang``; the planners' names only when
    ``with_planners`` (a signed-in planner's export, never a public one)."""
    columns = [c for c in EXPORT_HEADERS if c in table.columns and (with_planners or c != "planners")]
    return table[columns].rename(columns={c: t(EXPORT_HEADERS[c], lang) for c in columns})


def export_reports(table: pd.DataFrame, file_format: str, lang: str = "zh", *, with_planners: bool = False) -> bytes:
    """``table`` (from :func:`reports_table`) as CSV (UTF-8 with BOM, for Excel) or .xlsx, headed
    in ``lang`` (see :func:`export_frame`); text that a spreadsheet would run as a formula is
    guarded."""
    frame = export_frame(table, lang, with_planners=with_planners)
    if file_format == "csv":
        return csv_bytes(frame)
    if file_format == "xlsx":
        return xlsx_bytes({t("export_sheet_reports", lang): frame})
    msg = f"`file_format` was {file_format!r} but is expected to be one of {EXPORT_FORMATS}"
    raise ValueError(msg)
