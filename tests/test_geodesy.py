"""Vectorised distances against pyproj.Geod (geographiclib), the exact reference."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.place.geodesy import (
    ELLIPSOID_TO_SPHERE_MAX,
    ELLIPSOID_TO_SPHERE_MIN,
    LOCAL_BOUNDS_MAX_M,
    chord_to_great_circle_m,
    ellipsoidal_distance_m,
    great_circle_to_chord,
    local_ellipsoid_ratio_bounds,
    unit_vectors,
)

WGS84 = Geod(ellps="WGS84")
SPHERE = Geod(a=6_371_008.8, f=0)

lon = st.floats(min_value=-179.9, max_value=179.9)
lat = st.floats(min_value=-85.0, max_value=85.0)
step = st.floats(min_value=-0.5, max_value=0.5)


@settings(max_examples=500, deadline=None)
@given(lon, lat, step, step)
@example(0.0, 70.0, 0.5, 0.0)  # an east-west line far north bows poleward: the short-line formula must not be used
def test_ellipsoidal_distance_is_within_2_mm_per_km_of_the_exact_geodesic(lon1, lat1, dlon, dlat):
    lon2, lat2 = lon1 + dlon, max(-89.0, min(89.0, lat1 + dlat))
    exact = WGS84.inv(lon1, lat1, lon2, lat2)[2]
    assert abs(float(ellipsoidal_distance_m(lon1, lat1, lon2, lat2)) - exact) <= 2e-6 * exact + 1e-6


def test_the_same_point_is_zero_metres_away():
    assert ellipsoidal_distance_m(116.8, 30.7, 116.8, 30.7) == 0.0


def test_a_hand_computed_case_one_degree_of_longitude_on_the_equator():
    # on the equator a degree of longitude is a * pi / 180 exactly
    assert float(ellipsoidal_distance_m(0, 0, 1, 0)) == __import__("pytest").approx(6378137.0 * np.pi / 180, abs=0.01)


@settings(max_examples=300, deadline=None)
@given(lon, lat, lon, lat)
def test_chords_give_great_circle_distances_on_the_sphere(lon1, lat1, lon2, lat2):
    chord = np.linalg.norm(unit_vectors(lon1, lat1) - unit_vectors(lon2, lat2))
    exact = SPHERE.inv(lon1, lat1, lon2, lat2)[2]
    assert float(chord_to_great_circle_m(chord)) == __import__("pytest").approx(exact, abs=1e-3, rel=1e-9)
    assert float(great_circle_to_chord(chord_to_great_circle_m(chord))) == __import__("pytest").approx(chord, abs=1e-12)


@settings(max_examples=500, deadline=None)
@given(lon, lat, lon, lat)
def test_the_global_ratio_bounds_hold(lon1, lat1, lon2, lat2):
    sphere = SPHERE.inv(lon1, lat1, lon2, lat2)[2]
    if sphere < 1.0 or sphere > 19_000_000:  # near-antipodal lines are not geodesics we rank by
        return
    ratio = WGS84.inv(lon1, lat1, lon2, lat2)[2] / sphere
    assert ELLIPSOID_TO_SPHERE_MIN <= ratio <= ELLIPSOID_TO_SPHERE_MAX


@settings(max_examples=500, deadline=None)
@given(lon, st.floats(min_value=-80, max_value=80), st.floats(min_value=0, max_value=360),
       st.floats(min_value=1.0, max_value=LOCAL_BOUNDS_MAX_M))
def test_the_local_ratio_bounds_hold_for_short_lines(lon1, lat1, azimuth, length_m):
    lon2, lat2, _ = WGS84.fwd(lon1, lat1, azimuth, length_m)
    ratio = length_m / SPHERE.inv(lon1, lat1, lon2, lat2)[2]
    low, high = local_ellipsoid_ratio_bounds(lat1)
    assert low <= ratio <= high


def test_every_array_shape_and_memory_layout_gives_the_same_distances():
    """Rows against columns, transposed (Fortran-ordered) gathers and scalars: short lines and
    long ones (which take Lambert's formula) alike match the exact geodesic."""
    rng = np.random.default_rng(11)
    lon, lat = rng.uniform(40, 50, 30), rng.uniform(-35, -25, 30)  # southern, up to ~1,000 km apart
    to_lon, to_lat = lon[:, None] + rng.uniform(-5, 5, (30, 4)), lat[:, None] + rng.uniform(-5, 5, (30, 4))
    to_lon[:, 0], to_lat[:, 0] = lon + 0.01, lat - 0.01  # a short line in every row
    exact = WGS84.inv(np.repeat(lon, 4), np.repeat(lat, 4), to_lon.ravel(), to_lat.ravel())[2].reshape(30, 4)
    layouts = {
        "column against rows": ellipsoidal_distance_m(lon[:, None], lat[:, None], to_lon, to_lat),
        "row against columns": ellipsoidal_distance_m(lon[None, :], lat[None, :], to_lon.T, to_lat.T).T,
        "fortran-ordered": ellipsoidal_distance_m(lon[None, :], lat[None, :], np.asfortranarray(to_lon.T),
                                                  np.asfortranarray(to_lat.T)).T,
        "reversed ends": ellipsoidal_distance_m(to_lon, to_lat, lon[:, None], lat[:, None]),
    }
    for name, found in layouts.items():
        assert found.shape == (30, 4), name
        np.testing.assert_allclose(found, exact, rtol=2e-6, err_msg=name)
    one = ellipsoidal_distance_m(lon[0], lat[0], to_lon[0, 1], to_lat[0, 1])
    assert np.ndim(one) == 0 and float(one) == np.float64(layouts["column against rows"][0, 1])
