"""Datum conversions against published reference pairs and an independent implementation."""

from __future__ import annotations

import eviltransform
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Polygon

from geo.place.datum import (
    Datum,
    bd09_to_wgs84,
    convert,
    convert_geometry,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# Mainland China, away from the bounding-box edge where implementations may disagree.
china_lon = st.floats(min_value=75.0, max_value=134.0)
china_lat = st.floats(min_value=18.0, max_value=53.0)


def metres_between(lon1, lat1, lon2, lat2) -> float:
    return float(np.max(GEOD.inv(lon1, lat1, lon2, lat2)[2]))


def test_amap_county_seat_converts_to_the_published_wgs84_point():
    # DataV/Amap centre of adcode 340822 in GCJ-02, and its WGS-84 value as published in
    # shared/data/raw/gaohe_reference_points.csv (converted there with eviltransform).
    lon, lat = gcj02_to_wgs84(116.828664, 30.734994)
    assert metres_between(lon, lat, 116.823601, 30.73744) < 0.5


def test_baidu_county_point_converts_close_to_the_published_wgs84_point():
    # The published value used eviltransform.bd2wgs, an approximate (non-iterated) inverse that
    # is off by up to a few metres; ours is exact, so agreement is within that approximation.
    lon, lat = bd09_to_wgs84(116.83659258051, 30.739399674607)
    assert metres_between(lon, lat, 116.824949, 30.736159) < 3.0


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_forward_gcj02_agrees_with_eviltransform(lon, lat):
    their_lat, their_lon = eviltransform.wgs2gcj(lat, lon)
    ours = wgs84_to_gcj02(lon, lat)
    assert metres_between(*ours, their_lon, their_lat) < 0.05


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_inverse_is_what_the_independent_forward_maps_onto_the_input(lon, lat):
    ours = gcj02_to_wgs84(lon, lat)
    their_lat, their_lon = eviltransform.wgs2gcj(ours[1], ours[0])
    assert metres_between(their_lon, their_lat, lon, lat) < 0.05


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_inverse_agrees_with_eviltransform_exact_where_that_converges(lon, lat):
    their_lat, their_lon = eviltransform.gcj2wgs_exact(lat, lon)
    # gcj2wgs_exact stops after a fixed number of steps and can end ~1 m off (e.g. at
    # 113.32421875, 35.875): compare only where its own answer maps back onto the input
    back_lat, back_lon = eviltransform.wgs2gcj(their_lat, their_lon)
    if metres_between(back_lon, back_lat, lon, lat) < 0.05:
        assert metres_between(*gcj02_to_wgs84(lon, lat), their_lon, their_lat) < 0.5


def test_gcj02_inverse_is_exact_where_eviltransform_exact_stops_short():
    lon, lat = 113.32421875, 35.875
    ours = gcj02_to_wgs84(lon, lat)
    assert metres_between(*wgs84_to_gcj02(*ours), lon, lat) < 0.01
    their_lat, their_lon = eviltransform.wgs2gcj(ours[1], ours[0])
    assert metres_between(their_lon, their_lat, lon, lat) < 0.05


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_forward_bd09_agrees_with_eviltransform(lon, lat):
    their_lat, their_lon = eviltransform.wgs2bd(lat, lon)
    assert metres_between(*wgs84_to_bd09(lon, lat), their_lon, their_lat) < 0.05


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat, st.sampled_from([Datum.GCJ02, Datum.BD09]))
def test_round_trip_returns_to_the_start_within_half_a_metre(lon, lat, datum):
    there = convert(lon, lat, source=Datum.WGS84, target=datum)
    back = convert(*there, source=datum, target=Datum.WGS84)
    assert metres_between(lon, lat, *back) < 0.5


def test_the_shift_near_gaohe_is_hundreds_of_metres():
    lon, lat = 116.8236, 30.7374
    assert 400 < metres_between(lon, lat, *wgs84_to_gcj02(lon, lat)) < 800
    assert 800 < metres_between(lon, lat, *wgs84_to_bd09(lon, lat)) < 1500


def test_points_outside_china_are_not_shifted():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


def test_arrays_are_converted_elementwise_and_keep_their_shape():
    lon = np.array([116.8, 116.9, 117.0])
    lat = np.array([30.7, 30.8, 30.9])
    out_lon, out_lat = wgs84_to_gcj02(lon, lat)
    assert out_lon.shape == (3,) and out_lat.shape == (3,)
    for i in range(3):
        assert (out_lon[i], out_lat[i]) == pytest.approx(wgs84_to_gcj02(float(lon[i]), float(lat[i])))


def test_scalars_come_back_as_floats():
    lon, lat = convert(116.8, 30.7, source="wgs84", target="gcj02")
    assert isinstance(lon, float) and isinstance(lat, float)


def test_converting_to_the_same_datum_changes_nothing():
    assert convert(116.8, 30.7, source="bd09", target="bd09") == (116.8, 30.7)


def test_an_unknown_datum_is_refused():
    with pytest.raises(ValueError, match="epsg3857"):
        convert(116.8, 30.7, source="epsg3857", target="wgs84")


def test_geometry_conversion_moves_every_vertex():
    square = Polygon([(116.8, 30.7), (116.9, 30.7), (116.9, 30.8), (116.8, 30.8)])
    moved = convert_geometry(square, source="wgs84", target="gcj02")
    for (x0, y0), (x1, y1) in zip(square.exterior.coords, moved.exterior.coords):
        assert (x1, y1) == pytest.approx(wgs84_to_gcj02(x0, y0))
