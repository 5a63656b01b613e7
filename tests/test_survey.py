"""Verification on the spot: nearest-first order against a brute-force pyproj oracle, what a
verification records (and what it refuses), progress by type, and a to-do list that the survey
team fills in and imports back."""

from __future__ import annotations

import shutil
from datetime import date

import eviltransform
import pandas as pd
import pytest
from pyproj import Geod

from geo.errors import GeoDataError
from geo.place.reference import DEFAULT_STATIONS_PATH, load_communities, load_county_boundary
from geo.register.geojson import load_stations
from geo.register.import_plan import ImportSettings, apply_import_plan, build_import_plan
from geo.register.sheets import read_station_table
from geo.register.store import StationStore
from geo.register.survey import (
    ACCURACY_LIMIT_M,
    Verification,
    gps_method,
    pasted_method,
    stations_to_verify,
    survey_todo,
    verify_station,
)
from geo.register.validate import PlaceChecker
from geo.tables import csv_bytes, xlsx_bytes

GEOD = Geod(ellps="WGS84")
SURVEYOR_AT = (116.8300, 30.7400)


@pytest.fixture
def register():
    return load_stations()


def test_unverified_stations_come_nearest_first(register):
    register.loc[register.id == "PM-02", "location_status"] = "verified"
    todo = stations_to_verify(register, *SURVEYOR_AT)
    assert "PM-02" not in set(todo["id"]) and len(todo) == len(register) - 1
    brute = sorted((GEOD.inv(*SURVEYOR_AT, p.x, p.y)[2], i) for i, p, s in
                   zip(register["id"], register.geometry, register["location_status"]) if s != "verified")
    assert list(todo["id"]) == [i for _, i in brute]
    assert list(todo["distance_m"]) == pytest.approx([d for d, _ in brute], abs=0.01)
    unordered = stations_to_verify(register)
    assert list(unordered["id"][:2]) == ["HUB-01", "PM-01"] and unordered["distance_m"].isna().all()


def test_a_verification_records_position_date_and_method_not_the_person(register):
    found = Verification("RS-02", (116.8301, 30.7402), gps_method(8.4), "李核实", date(2026, 11, 28), accuracy_m=8.4,
                         amenities=("seating", "hot_water"), opening_hours="Mo-Su 08:00-21:00", hours_checked=True,
                         phone="0556-5212345", operator="")
    old = register.set_index("id").loc["RS-02"].geometry
    result = verify_station(register, found)
    station = result.stations.set_index("id").loc["RS-02"]
    assert (station.geometry.x, station.geometry.y) == (116.8301, 30.7402)
    assert (station.location_status, station.verified_on, station.verification_method) == ("verified", "2026-11-28", "gps ±8 m")
    assert (station.hours_status, station.opening_hours, station.phone) == ("verified", "Mo-Su 08:00-21:00", "0556-5212345")
    assert pd.isna(station.operator)  # "" clears it
    assert station.amenities == ["seating", "hot_water"]
    assert result.moved_m == pytest.approx(GEOD.inv(old.x, old.y, 116.8301, 30.7402)[2], abs=0.01)
    assert "李核实" not in str(station.to_dict())  # the person goes to the change log only
    assert "verified RS-02: gps ±8 m," in str(result.summary)
    assert result.summary.text("zh").startswith("核实 RS-02:gps ±8 m")
    assert (register.set_index("id").loc["RS-02", "location_status"]) == "unverified"  # the input is not changed


def test_a_poor_fix_needs_a_reason(register):
    poor = Verification("PM-01", (116.8201, 30.7351), gps_method(45), "李核实", date(2026, 11, 28), accuracy_m=45)
    with pytest.raises(GeoDataError, match=f"worse than {ACCURACY_LIMIT_M:.0f} m"):
        verify_station(register, poor)
    reasoned = verify_station(register, Verification(**{**poor.__dict__, "reason": "室内信号差,已对照门牌"}))
    assert reasoned.stations.set_index("id").at["PM-01", "verification_method"] == "gps ±45 m (室内信号差,已对照门牌)"
    with pytest.raises(GeoDataError, match="no station has the id XX-1"):
        verify_station(register, Verification("XX-1", (116.82, 30.73), "map click", "李", date(2026, 11, 28)))


def test_a_verified_register_saves_and_loads(tmp_path, register):
    path = tmp_path / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, path)
    store = StationStore(path)
    stations, version = store.read()
    result = verify_station(stations, Verification("PM-01", (116.8201, 30.7351), pasted_method("gcj02"), "王规划",
                                                   date(2026, 11, 28)))
    store.save(result.stations, expected_version=version, user="王规划", summary=result.summary)
    again = load_stations(path).set_index("id")
    assert again.at["PM-01", "verification_method"] == "pasted GCJ-02" and again.at["PM-01", "verified_on"] == "2026-11-28"
    assert store.changes()[0]["user"] == "王规划"


def test_the_todo_list_lists_unverified_stations_by_community_with_gcj02_positions(register):
    register.loc[register.id == "PM-01", "location_status"] = "verified"
    todo = survey_todo(register, load_communities(), "zh")
    assert list(todo.columns[:5]) == ["编号", "类型", "名称", "村(社区)", "地址"]
    assert "PM-01" not in set(todo["编号"]) and len(todo) == len(register) - 1
    order = {code: i for i, code in enumerate(load_communities()["code"])}
    codes = register.set_index("id").loc[list(todo["编号"]), "community_code"]
    assert list(codes.map(order)) == sorted(codes.map(order))
    first = register.set_index("id").loc[todo["编号"].iloc[0]].geometry
    lat, lon = eviltransform.wgs2gcj(first.y, first.x)
    assert (todo["占位经度(GCJ-02)"].iloc[0], todo["占位纬度(GCJ-02)"].iloc[0]) == pytest.approx((lon, lat), abs=2e-6)
    assert set(todo["当前位置状态"]) == {"位置待核实"}


@pytest.mark.parametrize(("lang", "file_format"), [("zh", "xlsx"), ("en", "csv")])
def test_a_filled_in_todo_list_imports_back_by_id(tmp_path, register, lang, file_format):
    todo = survey_todo(register, load_communities(), lang)
    found_lon, found_lat = ("经度(GCJ-02)", "纬度(GCJ-02)") if lang == "zh" else ("lon (GCJ-02)", "lat (GCJ-02)")
    station_id = todo.iloc[3, 0]
    found_wgs = (116.8310, 30.7390)
    lat, lon = eviltransform.wgs2gcj(found_wgs[1], found_wgs[0])
    todo.loc[3, [found_lon, found_lat]] = [f"{lon:.7f}", f"{lat:.7f}"]
    path = tmp_path / f"todo.{file_format}"
    path.write_bytes(csv_bytes(todo) if file_format == "csv" else xlsx_bytes({"todo": todo}))
    plan = build_import_plan(read_station_table(path), register, ImportSettings(datum="gcj02"),
                             communities=load_communities(), checker=PlaceChecker(load_county_boundary()))
    assert plan.valid and plan.file_warnings == [], [str(p) for p in plan.file_warnings]
    changed = [r for r in plan.rows if r.action != "unchanged"]
    assert [(r.station_id, r.changed) for r in changed] == [(station_id, ("source", "geometry"))]
    moved = apply_import_plan(plan, register).stations.set_index("id").loc[station_id].geometry
    assert GEOD.inv(moved.x, moved.y, *found_wgs)[2] < 0.5


def test_stations_with_no_known_position_come_last_without_a_distance(register):
    stations = register.copy()
    unknown = ["PM-02", "NS-10"]
    stations.loc[stations.id.isin(unknown), "location_status"] = "needs_position"
    stations.loc[stations.id == "RS-01", "location_status"] = "verified"
    here = (116.8300, 30.7400)
    todo = stations_to_verify(stations, *here)
    geod = Geod(ellps="WGS84")
    placed = stations[~stations.id.isin(unknown) & (stations.location_status != "verified")]
    # brute force: every station with a position, by geodesic distance, then the unknown ones by type order
    expected = sorted(placed.itertuples(), key=lambda s: (geod.inv(*here, s.geometry.x, s.geometry.y)[2], s.id))
    assert list(todo.id) == [s.id for s in expected] + ["PM-02", "NS-10"]
    assert todo.set_index("id").loc[unknown, "distance_m"].isna().all()
    assert todo.set_index("id").loc[expected[0].id, "distance_m"] == pytest.approx(
        geod.inv(*here, expected[0].geometry.x, expected[0].geometry.y)[2], abs=0.01)
