"""Near-duplicate groups against a brute-force oracle (pyproj.Geod, scipy connected components),
counts by state, category and local month, and formula-guarded exports."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.feedback.analysis import count_reports, export_reports, group_near_duplicates, reports_table
from geo.feedback.store import EVENT_COLUMNS, REPORT_COLUMNS

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


def _frame(rows: list[dict]) -> pd.DataFrame:
    defaults = {"reference": "GH-0000-0000", "kind": "hazard", "subject": "sanitation", "amenity": None,
                "station_id": None, "lon": 116.83, "lat": 30.74, "place_source": "reporter", "note": None, "photo": None,
                "state": "new", "created_at": T0, "updated_at": T0}
    frame = pd.DataFrame([{**defaults, "id": n + 1, **row} for n, row in enumerate(rows)], columns=list(REPORT_COLUMNS))
    for column in ("created_at", "updated_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def test_hazards_49_m_apart_group_and_51_m_apart_do_not():
    geod = Geod(ellps="WGS84")
    lon49, lat49, _ = geod.fwd(116.83, 30.74, 60, 49.0)
    lon51, lat51, _ = geod.fwd(116.83, 30.74, 240, 51.0)
    frame = _frame([{}, {"lon": lon49, "lat": lat49}, {"lon": lon51, "lat": lat51}])
    assert group_near_duplicates(frame).tolist() == [1, 1, 3]


def test_hazards_group_only_within_24_hours_and_the_same_category():
    frame = _frame([{}, {"created_at": T0 + timedelta(hours=23, minutes=59)}, {"created_at": T0 + timedelta(hours=48)},
                    {"subject": "fire_safety"}])
    assert group_near_duplicates(frame).tolist() == [1, 1, 3, 4]


def test_station_reports_group_by_station_issue_and_amenity_at_any_time():
    frame = _frame([
        {"kind": "station", "subject": "closed", "station_id": "RS-01"},
        {"kind": "station", "subject": "closed", "station_id": "RS-01", "created_at": T0 + timedelta(days=30)},
        {"kind": "station", "subject": "closed", "station_id": "RS-02"},
        {"kind": "station", "subject": "amenity_missing", "amenity": "charger", "station_id": "RS-01"},
        {"kind": "station", "subject": "amenity_missing", "amenity": "microwave", "station_id": "RS-01"},
        {"kind": "station", "subject": "amenity_missing", "amenity": "charger", "station_id": "RS-01"},
        {"kind": "hazard", "subject": "other"},
    ])
    assert group_near_duplicates(frame).tolist() == [1, 1, 3, 4, 5, 4, 7]


def test_groups_match_a_brute_force_geodesic_oracle():
    rng = np.random.default_rng(13)
    n = 300
    lon = 116.83 + rng.normal(0, 0.0008, n)
    lat = 30.74 + rng.normal(0, 0.0008, n)
    hours = rng.uniform(0, 72, n)
    subject = rng.choice(["sanitation", "fire_safety"], n)
    frame = _frame([{"lon": x, "lat": y, "subject": s, "created_at": T0 + timedelta(hours=h)}
                    for x, y, s, h in zip(lon, lat, subject, hours)])
    geod = Geod(ellps="WGS84")
    i, j = np.triu_indices(n, 1)
    _, _, distance = geod.inv(lon[i], lat[i], lon[j], lat[j])
    linked = (distance <= 50.0) & (subject[i] == subject[j]) & (np.abs(hours[i] - hours[j]) <= 24)
    count, labels = connected_components(coo_matrix((np.ones(linked.sum()), (i[linked], j[linked])), shape=(n, n)),
                                         directed=False)
    expected = pd.Series(np.arange(1, n + 1)).groupby(labels).transform("min").tolist()
    found = group_near_duplicates(frame).tolist()
    assert found == expected and 10 < count < n  # the sample really has groups, and not just one


def test_counts_by_state_category_and_local_month():
    frame = _frame([
        {"created_at": datetime(2026, 10, 31, 15, 59, tzinfo=timezone.utc)},  # 23:59 on 31 Oct in Gaohe
        {"created_at": datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc), "state": "resolved"},  # 00:00 on 1 Nov
        {"kind": "station", "subject": "closed", "station_id": "PM-01", "state": "resolved"},
        {"subject": "fire_safety", "state": "rejected"},
    ])
    counts = count_reports(frame)
    assert counts.total == 4 and counts.resolved == 2
    assert counts.by_state == {"new": 1, "verified": 0, "dispatched": 0, "resolved": 2, "rejected": 1}
    assert counts.by_category == {"hazard/fire_safety": 1, "hazard/sanitation": 2, "station/closed": 1}
    assert counts.by_month == {"2026-10": 1, "2026-11": 3}
    empty = count_reports(_frame([]).iloc[0:0])
    assert empty.total == 0 and empty.by_month == {} and empty.by_state["new"] == 0


def _read_export(content: bytes, file_format: str) -> pd.DataFrame:
    if file_format == "csv":
        return pd.read_csv(io.BytesIO(content), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    rows = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame([["" if value is None else str(value) for value in row] for row in rows[1:]], columns=rows[0])


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_exports_guard_formulas_and_keep_chinese_text(file_format):
    frame = _frame([{"note": '=HYPERLINK("http://x.example","点我")'}, {"note": "@SUM(1)"}, {"note": "路灯坏了 -2 盏"}])
    table = reports_table(frame, "zh")
    read = _read_export(export_reports(table, file_format), file_format)
    assert read["说明"].tolist() == ['\'=HYPERLINK("http://x.example","点我")', "'@SUM(1)", "路灯坏了 -2 盏"]
    assert table["subject_label"].tolist() == ["环境卫生"] * 3 and table["created_local"][0] == "2026-11-01 10:00"
    with pytest.raises(ValueError, match="file_format"):
        export_reports(table, "pdf")


def _history() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = _frame([{"reference": "GH-AAAA-0001"},
                    {"reference": "GH-AAAA-0002", "kind": "station", "subject": "not_here", "station_id": "PM-01",
                     "place_source": "register", "state": "resolved"},
                    {"reference": "GH-AAAA-0003", "lon": 116.9}])
    events = pd.DataFrame([
        (1, None, "new", None, T0, None), (2, None, "new", None, T0, None), (3, None, "new", None, T0, None),
        (2, "new", "verified", "王规划", T0 + timedelta(hours=1), "收到"),
        (2, "verified", "resolved", "李城管", T0 + timedelta(hours=2), "已搬到新址,登记已更正"),
        (1, "new", "verified", "王规划", T0 + timedelta(hours=3), ""),
    ], columns=list(EVENT_COLUMNS))
    events["at"] = pd.to_datetime(events["at"], utc=True)
    return frame, events


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_export_is_headed_in_the_page_language_with_the_latest_answer(file_format):
    frame, events = _history()
    table = reports_table(frame, "zh", events)
    read = _read_export(export_reports(table, file_format, "zh"), file_format)
    assert list(read.columns[:4]) == ["查询码", "状态", "种类", "类别/问题"]
    assert "处理人" not in read.columns  # planners' names only in a signed-in planner's export
    assert read["最新答复"].tolist() == ["", "已搬到新址,登记已更正", ""]
    assert read["地点来源"].tolist() == ["报告人标出", "站点登记位置", "报告人标出"]
    assert read["种类"].tolist() == ["隐患", "站点反馈", "隐患"]
    signed_in = _read_export(export_reports(table, file_format, "zh", with_planners=True), file_format)
    assert signed_in["处理人"].tolist() == ["王规划", "王规划, 李城管", ""]
    english = _read_export(export_reports(reports_table(frame, "en", events), file_format, "en"), file_format)
    assert list(english.columns[:4]) == ["Reference", "State", "Kind", "Category / problem"]
    assert english["State"].tolist() == ["New", "Resolved", "New"]


def test_near_duplicate_groups_are_named_by_their_first_report():
    frame = _frame([{"reference": "GH-AAAA-0001"}, {"reference": "GH-AAAA-0002", "lat": 30.7401},
                    {"reference": "GH-AAAA-0003", "lon": 116.9}])
    table = reports_table(frame, "zh")
    assert table["group_size"].tolist() == [2, 2, 1]
    assert table["group_reference"].tolist() == ["GH-AAAA-0001", "GH-AAAA-0001", "GH-AAAA-0003"]
