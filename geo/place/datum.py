"""Conversions between WGS-84 and China's GCJ-02 (Amap, Tencent) and BD-09 (Baidu) datums.

GCJ-02 is an obfuscation of WGS-84 defined by a published formula on the Krasovsky ellipsoid;
BD-09 is a further rotation/offset of GCJ-02. Forward transforms are closed-form; the inverse of
GCJ-02 has no closed form and is solved by fixed-point iteration to well under 1 mm.

All functions take and return longitude/latitude in degrees, as scalars or NumPy arrays of equal
shape. Outside mainland China (a bounding box test, as every published implementation does) the
offsets are not applied and points pass through unchanged.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0

#: Convergence threshold of the GCJ-02 inverse, in degrees (~1e-5 m).
_INVERSE_TOLERANCE_DEG = 1e-10
_INVERSE_MAX_ITERATIONS = 30

FloatArray = NDArray[np.float64]


class Datum(str, Enum):
    """Coordinate datums met in Chinese map data."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def is_outside_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where GCJ-02 leaves points untouched (the conventional mainland bounding box)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj02_offset_deg(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    d_lon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = is_outside_china(lon, lat)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a, lat_a


def _like_input(lon: ArrayLike, out: FloatArray) -> FloatArray | float:
    return float(out) if np.ndim(lon) == 0 and out.ndim == 0 else out


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    """WGS-84 lon/lat (degrees) to GCJ-02 lon/lat (degrees)."""
    lon_a, lat_a = _as_arrays(lon, lat)
    d_lon, d_lat = _gcj02_offset_deg(lon_a, lat_a)
    return _like_input(lon, lon_a + d_lon), _like_input(lon, lat_a + d_lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    """GCJ-02 lon/lat to WGS-84 lon/lat (degrees), iterated until the forward transform of the
    answer reproduces the input to ~1e-10 degrees (about 10 micrometres)."""
    gcj_lon, gcj_lat = _as_arrays(lon, lat)
    wgs_lon, wgs_lat = gcj_lon.copy(), gcj_lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        d_lon, d_lat = _gcj02_offset_deg(wgs_lon, wgs_lat)
        err_lon = wgs_lon + d_lon - gcj_lon
        err_lat = wgs_lat + d_lat - gcj_lat
        wgs_lon = wgs_lon - err_lon
        wgs_lat = wgs_lat - err_lat
        if np.all(np.abs(err_lon) < _INVERSE_TOLERANCE_DEG) and np.all(np.abs(err_lat) < _INVERSE_TOLERANCE_DEG):
            break
    return _like_input(lon, wgs_lon), _like_input(lon, wgs_lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    """GCJ-02 lon/lat to Baidu BD-09 lon/lat (degrees)."""
    x, y = _as_arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return _like_input(lon, z * np.cos(theta) + 0.0065), _like_input(lon, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    """Baidu BD-09 lon/lat to GCJ-02 lon/lat (degrees)."""
    lon_a, lat_a = _as_arrays(lon, lat)
    x = lon_a - 0.0065
    y = lat_a - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return _like_input(lon, z * np.cos(theta)), _like_input(lon, z * np.sin(theta))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    """WGS-84 lon/lat to Baidu BD-09 lon/lat (degrees)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    """Baidu BD-09 lon/lat to WGS-84 lon/lat (degrees)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray | float, FloatArray | float]:
    lon_a, lat_a = _as_arrays(lon, lat)
    return _like_input(lon, lon_a), _like_input(lon, lat_a)


_TO_WGS84: dict[Datum, Callable] = {
    Datum.WGS84: _identity,
    Datum.GCJ02: gcj02_to_wgs84,
    Datum.BD09: bd09_to_wgs84,
}
_FROM_WGS84: dict[Datum, Callable] = {
    Datum.WGS84: _identity,
    Datum.GCJ02: wgs84_to_gcj02,
    Datum.BD09: wgs84_to_bd09,
}


def convert(
    lon: ArrayLike, lat: ArrayLike, *, source: Datum | str, target: Datum | str
) -> tuple[FloatArray | float, FloatArray | float]:
    """Convert lon/lat degrees from datum ``source`` to datum ``target`` (via WGS-84)."""
    source, target = Datum(source), Datum(target)
    if source == target:
        return _identity(lon, lat)
    return _FROM_WGS84[target](*_TO_WGS84[source](lon, lat))


def convert_geometry(geometry: BaseGeometry, *, source: Datum | str, target: Datum | str) -> BaseGeometry:
    """A shapely geometry (lon/lat degrees) with every vertex converted between datums."""

    def _convert_xy(coords: FloatArray) -> FloatArray:
        lon, lat = convert(coords[:, 0], coords[:, 1], source=source, target=target)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, _convert_xy)
