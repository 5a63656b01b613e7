"""Positions described for people, against pyproj.Geod: a place put at a known azimuth and
distance from a reference is described by that reference, that direction and that distance."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from geo.place.describe import SECTORS, locate, reference_places, sector, where_text
from geo.register.geojson import load_stations

GEOD = Geod(ellps="WGS84")
NS21 = ("小区党群服务站 21", "Neighbourhood Service Station 21", 116.8120, 30.7300)
REFERENCES = pd.DataFrame([NS21, ("陶亭社区党群驿站", "Taoting Community Station", 116.8400, 30.7300)],
                          columns=["name_zh", "name_en", "lon", "lat"])


def place(azimuth_deg: float, distance_m: float, origin=NS21) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(origin[2], origin[3], azimuth_deg, distance_m)
    return lon, lat


def describe(lon, lat, lang="zh") -> str:
    return where_text(next(locate([lon], [lat], REFERENCES).itertuples()), lang)


def test_west_of_a_station_reads_as_the_issue_asks():
    assert describe(*place(270.0, 1300.0)) == "小区党群服务站 21 以西约 1.3 公里"
    assert describe(*place(270.0, 1300.0), "en") == "about 1.3 km west of Neighbourhood Service Station 21"


def test_intercardinal_directions_and_metres_below_a_kilometre():
    assert describe(*place(45.0, 800.0)) == "小区党群服务站 21 东北方向约 800 米"
    assert describe(*place(200.0, 347.0)) == "小区党群服务站 21 以南约 350 米"
    assert describe(*place(120.0, 20.0)) == "紧邻小区党群服务站 21"


def test_the_nearest_reference_is_chosen():
    lon, lat = place(90.0, 1900.0)  # 1.9 km east of NS 21 is ~0.8 km west of Taoting
    assert describe(lon, lat).startswith("陶亭社区党群驿站 以西约")


@given(st.floats(min_value=0.0, max_value=359.99), st.floats(min_value=100.0, max_value=5000.0))
def test_distance_and_direction_match_geodesics(azimuth, distance):
    lon, lat = place(azimuth, distance)
    row = locate([lon], [lat], REFERENCES.head(1)).iloc[0]
    assert row.ref_distance_m == pytest.approx(distance, rel=1e-9, abs=1e-6)
    assert sector(row.ref_azimuth_deg) == SECTORS[round(azimuth / 45) % 8] or abs((azimuth % 45) - 22.5) < 1e-6


def test_rows_without_a_reference_describe_nothing():
    assert where_text(pd.Series({"lon": 1.0}), "zh") == ""
    assert locate([], [], REFERENCES).empty


def test_references_are_the_landmarks_and_only_verified_stations():
    from geo.place.describe import LANDMARKS_PATH

    stations = load_stations()
    landmarks = pd.read_csv(LANDMARKS_PATH)
    assert (stations["location_status"] != "verified").all()  # the embedded register: placeholders only
    references = reference_places(stations)
    # landmarks at one position count once (高河镇 is the county seat's point)
    assert len(references) == len(landmarks.drop_duplicates(subset=["lon", "lat"]))
    assert set(references["name_zh"]) <= set(landmarks["name_zh"]) and "怀宁县人民政府" in set(references["name_zh"])

    verified = stations.copy()
    verified.loc[verified.index[3], "location_status"] = "verified"
    with_one = reference_places(verified)
    assert list(with_one["name_zh"]) == [*references["name_zh"], stations["name_zh"].iloc[3]]


def test_a_place_beside_a_placeholder_station_is_described_by_a_landmark():
    stations = load_stations()
    station = stations.iloc[0]
    lon, lat = place(270.0, 300.0, (station.name_zh, station.name_en, station.geometry.x, station.geometry.y))
    text = where_text(next(locate([lon], [lat], reference_places(stations)).itertuples()), "zh")
    assert station.name_zh not in text
    # the oracle: the geodesic distance to the county seat's point, by pyproj
    _, _, distance_m = GEOD.inv(116.823601, 30.73744, lon, lat)
    assert text.startswith("怀宁县人民政府")
    assert (f"约 {distance_m / 1000:.1f} 公里" if distance_m >= 1000 else f"约 {round(distance_m, -1):.0f} 米") in text
