"""Reading many reports at once: near-duplicate groups, counts, exports.

Functions take the table of :meth:`geo.reports.store.ReportStore.reports_frame` (WGS-84
lon/lat degrees, aware UTC times) and return plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import DisjointSet
from scipy.spatial import cKDTree

from geo.geodesy import ELLIPSOID_TO_SPHERE_MIN, ellipsoidal_distance_m, great_circle_to_chord, unit_vectors
from geo.model import LOCAL_TIMEZONE, amenity_label
from geo.tables import csv_bytes, xlsx_bytes
from geo.reports.vocabulary import REPORT_STATES, ReportKind, ReportState, subject_label

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


def reports_table(reports: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The reports as a planner reads them: labels in ``lang`` beside the codes, local times,
    and the near-duplicate group."""
    table = pd.DataFrame({
        "reference": reports["reference"],
        "kind": reports["kind"],
        "subject": reports["subject"],
        "subject_label": [subject_label(k, s, lang) for k, s in zip(reports["kind"], reports["subject"])],
        "amenity": reports["amenity"],
        "amenity_label": [amenity_label(a, lang) if isinstance(a, str) else None for a in reports["amenity"]],
        "station_id": reports["station_id"],
        "lon": reports["lon"].round(7),
        "lat": reports["lat"].round(7),
        "datum": "wgs84",
        "note": reports["note"],
        "photo": reports["photo"],
        "state": reports["state"],
        "state_label": [REPORT_STATES[ReportState(s)](lang) for s in reports["state"]],
        "created_local": reports["created_at"].dt.tz_convert(LOCAL_TIMEZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "updated_local": reports["updated_at"].dt.tz_convert(LOCAL_TIMEZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "group_id": group_near_duplicates(reports),
        "id": reports["id"],
    })
    return table.reset_index(drop=True)


def export_reports(table: pd.DataFrame, file_format: str) -> bytes:
    """``table`` (from :func:`reports_table`) as CSV (UTF-8 with BOM, for Excel) or .xlsx; text
    that a spreadsheet would run as a formula is guarded."""
    if file_format == "csv":
        return csv_bytes(table)
    if file_format == "xlsx":
        return xlsx_bytes({"reports": table})
    msg = f"`file_format` was {file_format!r} but is expected to be one of {EXPORT_FORMATS}"
    raise ValueError(msg)
