"""Who is underserved: accessibility by the two-step floating catchment area method (2SFCA and
its enhanced, distance-decayed form), and clusters of neighbouring H3 cells with uncovered demand.
Distances are geodesic on the WGS-84 ellipsoid (:func:`geo.analysis.siting.pairs_within`)."""

from __future__ import annotations

from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from geo.analysis.nearest import build_station_index
from geo.analysis.siting import pairs_within
from geo.register.model import StationType

#: Riders a station can host at once, by type, when the register has no ``capacity``: an
#: assumption for the accessibility score (the source article gives no capacities).
DEFAULT_CAPACITY: dict[str, float] = {
    StationType.HUB.value: 20.0,
    StationType.PARTY_MASS.value: 10.0,
    StationType.RED.value: 6.0,
    StationType.NEIGHBOURHOOD.value: 4.0,
    StationType.PARKING.value: 15.0,
}

#: Enhanced 2SFCA distance-decay zones (upper bound m, weight): Gaussian-like steps as in Luo &
#: Qi (2009), scaled to a 1.5 km catchment.
DEFAULT_E2SFCA_ZONES: tuple[tuple[float, float], ...] = ((500.0, 1.0), (1000.0, 0.68), (1500.0, 0.22))


def station_capacity(stations: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Capacity per station: its ``capacity`` property where given, else the type default."""
    default = stations["station_type"].map(DEFAULT_CAPACITY).to_numpy(dtype=float)
    if "capacity" in stations.columns:
        given = pd.to_numeric(stations["capacity"], errors="coerce").to_numpy(dtype=float)
        return np.where(np.isfinite(given) & (given >= 0), given, default)
    return default


def two_step_fca(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    demand: ArrayLike,
    supply_lon: ArrayLike,
    supply_lat: ArrayLike,
    capacity: ArrayLike,
    *,
    max_distance_m: float = 1000.0,
    zones: Sequence[tuple[float, float]] | None = None,
) -> NDArray[np.float64]:
    """Accessibility score per demand location (capacity per unit of demand within reach).

    Plain 2SFCA (Luo & Wang 2003) with ``zones=None``: weight 1 within ``max_distance_m``.
    Enhanced 2SFCA (Luo & Qi 2009) with ``zones`` = [(upper_m, weight), ...]: the weight of the
    first zone whose upper bound is >= the distance; beyond the last zone, 0.
    """
    demand = np.asarray(demand, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    reach_m = max(z[0] for z in zones) if zones else max_distance_m
    rows, cols, distances = pairs_within(demand_lon, demand_lat, supply_lon, supply_lat, reach_m)
    if zones:
        bounds = np.array([z[0] for z in zones])
        weights = np.array([z[1] for z in zones])
        decay = weights[np.searchsorted(bounds, distances, side="left")]
    else:
        decay = np.ones(len(distances))
    demand_near = np.bincount(cols, weights=demand[rows] * decay, minlength=len(capacity))
    ratio = np.divide(capacity, demand_near, out=np.zeros(len(capacity)), where=demand_near > 0)
    return np.bincount(rows, weights=ratio[cols] * decay, minlength=len(demand))


# --- underserved places ----------------------------------------------------------------------

_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def underserved_clusters(hexes: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, *, column: str = "uncovered") -> pd.DataFrame:
    """Group neighbouring H3 cells with uncovered demand into clusters, largest first:
    ``cluster``, ``demand`` (uncovered weight), ``cells``, centre ``lon``/``lat`` (demand-
    weighted), the ``nearest_station`` (id and name), ``nearest_m`` and the ``bearing``
    (compass code N, NE ..., from that station to the cluster)."""
    import h3

    chosen = hexes[hexes[column] > 0]
    cells = set(chosen["cell"])
    label: dict[str, int] = {}
    clusters = 0
    for cell in sorted(cells):
        if cell in label:
            continue
        label[cell] = clusters
        clusters += 1
        stack = [cell]
        while stack:
            for neighbour in h3.grid_disk(stack.pop(), 1):
                if neighbour in cells and neighbour not in label:
                    label[neighbour] = label[cell]
                    stack.append(neighbour)
    frame = chosen.assign(cluster=chosen["cell"].map(label), w=chosen[column])
    rows = []
    for cluster, part in frame.groupby("cluster"):
        demand = float(part["w"].sum())
        lon = float(np.average(part["lon"], weights=part["w"]))
        lat = float(np.average(part["lat"], weights=part["w"]))
        rows.append({"cluster": int(cluster), "demand": demand, "cells": len(part), "lon": lon, "lat": lat})
    table = pd.DataFrame(rows, columns=["cluster", "demand", "cells", "lon", "lat"])
    if table.empty or stations.empty:
        return table.assign(nearest_station="", nearest_name_zh="", nearest_name_en="", nearest_m=np.nan, bearing="")
    from geo.analysis.nearest import query_nearest

    found = query_nearest(build_station_index(stations), table["lon"], table["lat"], k=1)
    nearest = stations.iloc[found["station_index"].to_numpy()]
    from pyproj import Geod

    azimuth = Geod(ellps="WGS84").inv(nearest.geometry.x.to_numpy(), nearest.geometry.y.to_numpy(),
                                      table["lon"].to_numpy(), table["lat"].to_numpy())[0]
    sector = (np.round(np.mod(azimuth, 360) / 45).astype(int)) % 8
    table = table.assign(
        nearest_station=nearest["id"].to_numpy(), nearest_name_zh=nearest["name_zh"].to_numpy(),
        nearest_name_en=nearest["name_en"].to_numpy(), nearest_m=found["distance_m"].to_numpy(),
        bearing=[_COMPASS[s] for s in sector],
    )
    return table.sort_values(["demand", "cluster"], ascending=[False, True]).reset_index(drop=True)
