"""A rider's answer: the nearest places that fit, and never nothing.

When the search finds nothing the answer says why (which filter left nothing) and offers what
there is: the nearest places open now of any kind (e-bike parking points are open 24/7) and the
place of the kind asked for that opens first, with its time. Distances are by road when a road
network is given (``geo.place.roads``), else straight line x :data:`geo.analysis.nearest.DETOUR_FACTOR`, and
every row says which (``route_kind``: ``"road"`` or ``"straight"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import geopandas as gpd
import numpy as np

from geo.analysis.nearest import EBIKE_SPEED_KMH, WALK_SPEED_KMH, filter_stations, nearest_stations, travel_time_s
from geo.hours import opening_state, to_local_time
from geo.place.roads import RoadNetwork, road_distances_m
from geo.register.model import StationType

REST_TYPES: tuple[str, ...] = tuple(t.value for t in StationType if t is not StationType.PARKING)
PARKING_TYPES: tuple[str, ...] = (StationType.PARKING.value,)

#: Why a search found nothing, in the order they are checked.
EMPTY_REASONS = ("no_stations", "types", "amenities", "open_now")


@dataclass(frozen=True)
class NextOpening:
    """The first place (of the kind asked for) to open after the moment of the search."""

    station_id: str
    name_zh: str
    name_en: str
    #: Asia/Shanghai wall-clock time (naive).
    opens_at: datetime
    distance_m: float


@dataclass(frozen=True)
class RiderAnswer:
    """What the rider page shows for one position and one search."""

    #: The k nearest qualifying stations (register columns + ``rank``, ``distance_m`` straight,
    #: ``route_m``, ``route_kind``, ``ebike_s``, ``walk_s``, ``is_open``).
    results: gpd.GeoDataFrame
    #: When ``results`` is empty: the filter that left nothing (one of :data:`EMPTY_REASONS`).
    empty_reason: str | None = None
    #: When nothing of the kind is open: the nearest places of any kind open now.
    open_now: gpd.GeoDataFrame | None = None
    #: When nothing of the kind is open: the one that opens first.
    next_opening: NextOpening | None = None
    #: ``"road"`` when a road network measured the distances, else ``"straight"``.
    route_kind: str = "straight"
    #: Stations the answer was drawn from (the map's dots); ``None``: none given.
    context: gpd.GeoDataFrame | None = None


def _with_trips(rows: gpd.GeoDataFrame, lon: float, lat: float, roads: RoadNetwork | None, k: int,
                moment: datetime) -> gpd.GeoDataFrame:
    """Rank ``rows`` (all measured by straight line) by road when a network is given; keep k."""
    rows = rows.copy()
    rows["route_kind"] = "straight"
    if roads is not None and len(rows):
        by_road = road_distances_m(roads, lon, lat, rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy())
        reachable = np.isfinite(by_road)
        rows.loc[reachable, "route_m"] = by_road[reachable]
        rows.loc[reachable, "route_kind"] = "road"
        # unreachable rows keep their straight estimate and rank after every reachable one
        order = np.lexsort((rows["route_m"].to_numpy(), ~reachable))
        rows = rows.iloc[order]
    rows = rows.head(k).reset_index(drop=True)
    rows["rank"] = np.arange(1, len(rows) + 1)
    rows["ebike_s"] = travel_time_s(rows["route_m"], speed_kmh=EBIKE_SPEED_KMH)
    rows["walk_s"] = travel_time_s(rows["route_m"], speed_kmh=WALK_SPEED_KMH)
    rows["is_open"] = [opening_state(hours, moment).is_open for hours in rows["opening_hours"]]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=rows.crs)


def _nearest(stations: gpd.GeoDataFrame, lon: float, lat: float, k: int, roads: RoadNetwork | None,
             moment: datetime) -> gpd.GeoDataFrame:
    # by road every station is a candidate: a straight-line neighbour across a river can be the
    # furthest by road, and one Dijkstra measures them all at once
    reach = len(stations) if roads is not None else k
    found = nearest_stations(stations, lon, lat, k=max(1, min(reach, len(stations))))
    return _with_trips(found, lon, lat, roads, k, moment)


def answer_rider(
    stations: gpd.GeoDataFrame,
    lon: float,
    lat: float,
    *,
    station_types: Iterable[str],
    amenities: Iterable[str] = (),
    open_now: bool = True,
    moment: datetime,
    k: int = 3,
    roads: RoadNetwork | None = None,
    amenities_match: str = "any",
) -> RiderAnswer:
    """The answer for a rider at WGS-84 ``lon``/``lat`` looking for ``station_types`` with any of
    ``amenities`` (a rider who picks hot water and a charger is helped by either; ``amenities_match
    ="all"`` asks for every one), open at ``moment`` if ``open_now`` (aware, or naive Asia/Shanghai time)."""
    station_types, amenities = list(station_types), list(amenities)
    route_kind = "road" if roads is not None else "straight"
    chosen = filter_stations(stations, station_types=station_types, amenities=amenities,
                             open_at=moment if open_now else None, amenities_match=amenities_match)
    if len(chosen):
        results = _nearest(chosen, lon, lat, k, roads, moment)
        kind = "road" if (results["route_kind"] == "road").any() else "straight"
        return RiderAnswer(results, route_kind=kind, context=chosen)

    of_type = filter_stations(stations, station_types=station_types)
    with_amenities = filter_stations(of_type, amenities=amenities, amenities_match=amenities_match)
    empty = stations.head(0)
    nothing = _nearest(empty, lon, lat, k, None, moment)
    if len(stations) == 0:
        return RiderAnswer(nothing, "no_stations", route_kind=route_kind, context=empty)
    if len(of_type) == 0:
        reason = "types"
    elif len(with_amenities) == 0:
        reason = "amenities"
    else:
        reason = "open_now"
    open_anything = filter_stations(stations, open_at=moment)
    alternatives = _nearest(open_anything, lon, lat, k, roads, moment) if len(open_anything) else None
    wanted = with_amenities if len(with_amenities) else of_type
    return RiderAnswer(
        nothing,
        reason,
        open_now=alternatives,
        next_opening=first_to_open(wanted, lon, lat, moment) if reason == "open_now" else None,
        route_kind=route_kind,
        context=open_anything if len(open_anything) else wanted,
    )


def first_to_open(stations: gpd.GeoDataFrame, lon: float, lat: float, moment: datetime) -> NextOpening | None:
    """Of the closed ``stations``, the one that opens first after ``moment`` (ties: the nearest)."""
    best: tuple[datetime, float, int] | None = None
    local = to_local_time(moment)
    if len(stations) == 0:
        return None
    measured = nearest_stations(stations, lon, lat, k=len(stations))
    for row, (hours, distance_m) in enumerate(zip(measured["opening_hours"], measured["distance_m"])):
        state = opening_state(hours, local)
        if state.is_open or state.next_change is None:
            continue
        key = (state.next_change, float(distance_m), row)
        if best is None or key < best:
            best = key
    if best is None:
        return None
    station = measured.iloc[best[2]]
    return NextOpening(station["id"], station["name_zh"], station["name_en"], best[0], best[1])
