"""Where a task is, as much as each person may know: the exact place (dispatcher, the volunteer
who has it), a coarse area of about 500 m (to sort the open tasks by distance for the volunteers
of the community), or only the community (everyone else).

The villages and communities have no boundaries here; a community's centre is the centre of its
stations (an approximation, as in the gazetteer), unknown for a community without any.
"""

from __future__ import annotations

import math
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InvalidTaskError
from geo.place.geodesy import ellipsoidal_distance_m
from geo.place.reference import load_communities
from geo.register.normalise import CommunityIndex

#: Side of the grid cells the coarse area snaps to, degrees (~480 m north-south, ~430 m east-west
#: at 30.7°N).
AREA_STEP_DEG = 0.005
#: Distances to a coarse area are shown to this many metres.
APPROXIMATE_STEP_M = 100


def coarse_area(lon: float, lat: float) -> tuple[float, float]:
    """The centre of the grid cell (:data:`AREA_STEP_DEG`) holding ``(lon, lat)``."""
    def snap(value: float) -> float:
        return round((math.floor(value / AREA_STEP_DEG) + 0.5) * AREA_STEP_DEG, 6)

    return snap(lon), snap(lat)


def community_centres(stations: gpd.GeoDataFrame, communities: pd.DataFrame) -> pd.DataFrame:
    """One row per village/community: ``code``, ``name_zh``, ``name_en`` and ``lon``/``lat``, the
    centre of its stations (WGS-84; NaN for a community with none)."""
    centres = (stations.assign(lon=stations.geometry.x, lat=stations.geometry.y)
               .groupby("community_code")[["lon", "lat"]].mean())
    table = communities[["code", "name_zh", "name_en"]].copy()
    return table.join(centres, on="code").reset_index(drop=True)


def nearest_community(centres: pd.DataFrame, lon: float, lat: float) -> str | None:
    """The code of the community whose centre is nearest to ``(lon, lat)`` (a first guess the
    resident confirms), or ``None`` when no centre is known."""
    known = centres.dropna(subset=["lon", "lat"])
    if known.empty:
        return None
    distances = ellipsoidal_distance_m(np.full(len(known), lon), np.full(len(known), lat),
                                       known["lon"].to_numpy(float), known["lat"].to_numpy(float))
    return str(known["code"].iloc[int(np.argmin(distances))])


def distance_m(from_lonlat: tuple[float, float], to_lonlat: tuple[float, float] | None) -> float | None:
    """Metres on the WGS-84 ellipsoid, or ``None`` when the destination is unknown."""
    if to_lonlat is None or any(v is None or not math.isfinite(v) for v in to_lonlat):
        return None
    return float(ellipsoidal_distance_m(from_lonlat[0], from_lonlat[1], to_lonlat[0], to_lonlat[1]))


def approximate_m(distance: float) -> int:
    """A distance to a coarse area, rounded to :data:`APPROXIMATE_STEP_M` (at least one step)."""
    return max(APPROXIMATE_STEP_M, int(round(distance / APPROXIMATE_STEP_M)) * APPROXIMATE_STEP_M)


def find_community(text: str, communities: pd.DataFrame) -> str | None:
    """The NBS code of the village/community ``text`` names (its code, official, short or
    English name, pinyin; with or without 社区/村/居委会), as an import reads it; else ``None``."""
    return CommunityIndex.from_table(communities).find(text)


@cache
def community_codes() -> frozenset[str]:
    """The 12-digit NBS codes of the town's 24 villages and communities."""
    return frozenset(load_communities()["code"])


def check_community(code: str) -> str:
    """``code`` if it is one of the town's villages/communities, else :class:`InvalidTaskError`."""
    code = (code or "").strip()
    if code not in community_codes():
        raise InvalidTaskError("task_error_community", code=code[:20])
    return code
