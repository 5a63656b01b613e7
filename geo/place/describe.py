"""Positions described for people: "怀宁县人民政府以西约 3.2 公里" rather than an H3 id or
a pair of coordinates. The reference is the nearest place people can find: a landmark, or a
station whose position was verified on site (geodesic distance on the WGS-84 ellipsoid); the
direction is one of eight compass sectors, from the reference to the place.

Stations at placeholder positions are never references: "300 m west of station 21" sends people
to a spot where station 21 may not be. Villages and communities are not references either: the
reference data name them (NBS codes) but give no position or outline for them.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pyproj import Geod

from geo.i18n import name_in, t
from geo.place.reference import DATA_DIR

GEOD = Geod(ellps="WGS84")
LANDMARKS_PATH = DATA_DIR / "landmarks.csv"

#: Compass sectors, clockwise from north, 45° each.
SECTORS = ("n", "ne", "e", "se", "s", "sw", "w", "nw")
#: Closer than this, a place is "next to" its reference (no direction).
NEXT_TO_M = 60.0

#: Columns a description adds: the reference's names, the distance (m) and azimuth (degrees
#: clockwise from north, from the reference to the place).
WHERE_COLUMNS = ("ref_name_zh", "ref_name_en", "ref_distance_m", "ref_azimuth_deg")


def reference_places(stations: gpd.GeoDataFrame, *, landmarks_path: Path | str = LANDMARKS_PATH) -> pd.DataFrame:
    """Places people know, to describe other positions by: the landmarks list first, then the
    stations (EPSG:4326) whose ``location_status`` is ``verified``; ``name_zh``, ``name_en``,
    ``lon``, ``lat``. Of references at the same position the first is kept."""
    landmarks = pd.read_csv(landmarks_path, usecols=["name_zh", "name_en", "lon", "lat"])
    if "location_status" in stations.columns:
        stations = stations[(stations["location_status"] == "verified").to_numpy()]
    else:
        stations = stations.iloc[:0]
    own = pd.DataFrame({"name_zh": stations["name_zh"].to_numpy(), "name_en": stations["name_en"].to_numpy(),
                        "lon": stations.geometry.x.to_numpy(), "lat": stations.geometry.y.to_numpy()})
    places = pd.concat([landmarks, own], ignore_index=True)
    return places.drop_duplicates(subset=["lon", "lat"], keep="first").reset_index(drop=True)


def locate(lon: ArrayLike, lat: ArrayLike, references: pd.DataFrame) -> pd.DataFrame:
    """For each place (WGS-84 lon/lat), its nearest reference (ellipsoidal distance) and the
    direction from it: the :data:`WHERE_COLUMNS`, one row per place."""
    lon, lat = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
    if len(lon) == 0 or references.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c.startswith("ref_name") else float) for c in WHERE_COLUMNS})
    ref_lon, ref_lat = references["lon"].to_numpy(float), references["lat"].to_numpy(float)
    # every pair: a handful of places against a few hundred references
    rows, cols = np.repeat(np.arange(len(lon)), len(ref_lon)), np.tile(np.arange(len(ref_lon)), len(lon))
    azimuth, _, distance = GEOD.inv(ref_lon[cols], ref_lat[cols], lon[rows], lat[rows])
    distance = np.asarray(distance).reshape(len(lon), len(ref_lon))
    nearest = np.argmin(distance, axis=1)
    picked = np.arange(len(lon)) * len(ref_lon) + nearest
    return pd.DataFrame({
        "ref_name_zh": references["name_zh"].to_numpy()[nearest],
        "ref_name_en": references["name_en"].to_numpy()[nearest],
        "ref_distance_m": distance[np.arange(len(lon)), nearest],
        "ref_azimuth_deg": np.mod(np.asarray(azimuth)[picked], 360.0),
    })


def sector(azimuth_deg: float) -> str:
    """The compass sector ("n", "ne", ...) of an azimuth in degrees."""
    return SECTORS[int(np.round(np.mod(azimuth_deg, 360.0) / 45.0)) % 8]


def distance_text(distance_m: float, lang: str) -> str:
    """"1.3 公里" / "1.3 km" from a kilometre up, "350 米" / "350 m" (to 10 m) below."""
    if distance_m >= 1000:
        return t("distance_km", lang, km=distance_m / 1000)
    return t("distance_m", lang, m=max(10.0, round(distance_m, -1)))


def where_text(row: object, lang: str) -> str:
    """The description of one place from a row with the :data:`WHERE_COLUMNS` ("" for a row
    without them, or without a reference)."""
    name = name_in(row, lang, field="ref_name")
    distance_m = float(getattr(row, "ref_distance_m", np.nan))
    if not name or not np.isfinite(distance_m):
        return ""
    if distance_m < NEXT_TO_M:
        return t("where_next_to", lang, place=name)
    return t("where_from", lang, place=name, direction=t(f"direction_{sector(float(getattr(row, 'ref_azimuth_deg')))}", lang),
             distance=distance_text(distance_m, lang))
