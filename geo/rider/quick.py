"""The rider's never-empty answer (:func:`geo.rider.answer.answer_rider`, straight-line
distances) made from a :class:`geo.rider.snapshot.RegisterSnapshot` in about a millisecond: the
snapshot keeps each station's values and a search index per filter, so no table is built per
answer. Same rules, same rows, same JSON as :func:`geo.rider.serialise.answer_payload`
(``tests/test_rider_quick.py`` checks it against ``answer_rider`` itself); with a road network
the page and the API use ``answer_rider``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from geo.analysis.nearest import DETOUR_FACTOR, EBIKE_SPEED_KMH, WALK_SPEED_KMH
from geo.hours import opening_state, to_local_time
from geo.rider.answer import PARKING_TYPES, REST_TYPES
from geo.rider.serialise import minute_text
from geo.rider.snapshot import RegisterSnapshot


def _states(snapshot: RegisterSnapshot, moment: datetime) -> list[tuple[bool, datetime | None, bool]]:
    """(is_open, next_change, is_unknown) of every station at ``moment`` (each distinct hours once)."""
    local = to_local_time(moment)
    by_hours = {}
    for hours in set(snapshot.opening_hours):
        state = opening_state(hours, local)
        by_hours[hours] = (state.is_open, state.next_change, state.is_unknown)
    return [by_hours[hours] for hours in snapshot.opening_hours]


def _measure(snapshot: RegisterSnapshot, mask: np.ndarray, lon: float, lat: float, k: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Register rows of the k nearest stations of ``mask`` (nearest first, ties by register order)
    and their ellipsoidal distances (metres)."""
    found, distance_m, rows = snapshot.nearest_rows(mask, lon, lat, max(1, k))
    return rows[found], distance_m


def _rows(snapshot: RegisterSnapshot, rows: np.ndarray, distance_m: np.ndarray, states, moment: datetime
          ) -> list[dict[str, Any]]:
    answer = []
    for rank, (row, distance) in enumerate(zip(rows.tolist(), distance_m.tolist()), start=1):
        record = snapshot.records[row]
        is_open, change, unknown = states[row]
        route = distance * DETOUR_FACTOR
        answer.append({
            "rank": rank, "id": record["id"], "station_type": record["station_type"], "name_zh": record["name_zh"],
            "name_en": record["name_en"], "location_status": record["location_status"],
            "opening_hours": record["opening_hours"], "is_open": bool(is_open),
            "lon": round(float(snapshot.lon[row]), 7), "lat": round(float(snapshot.lat[row]), 7),
            "distance_m": round(distance, 1), "route_m": round(route, 1), "route_kind": "straight",
            "ebike_s": round(route / (EBIKE_SPEED_KMH / 3.6)), "walk_s": round(route / (WALK_SPEED_KMH / 3.6)),
            "opening": {"state": "unknown" if unknown else ("open" if is_open else "closed"),
                        "next_change": None if change is None else minute_text(change)},
        })
    return answer


def quick_answer(snapshot: RegisterSnapshot, lon: float, lat: float, *, mode: str, amenities: list[str],
                 open_now: bool, k: int, moment: datetime) -> dict[str, Any]:
    """:func:`geo.rider.serialise.answer_payload` of ``answer_rider`` (no road network) for a rider
    at WGS-84 ``lon``/``lat`` looking for rest stops (``mode="rest"``) or parking, with any of
    ``amenities``, open at ``moment`` if ``open_now``."""
    station_types = PARKING_TYPES if mode == "parking" else REST_TYPES
    states = _states(snapshot, moment)
    is_open = np.fromiter((state[0] for state in states), dtype=bool, count=len(states))
    of_type = np.isin(snapshot.station_types, list(station_types))
    wanted = frozenset(amenities)
    has = np.fromiter((not wanted or bool(wanted & have) for have in snapshot.amenity_sets), dtype=bool,
                      count=len(states))
    with_amenities = of_type & has
    chosen = with_amenities & is_open if open_now else with_amenities
    payload: dict[str, Any] = {
        "moment": minute_text(moment),
        "position": {"lon": round(float(lon), 7), "lat": round(float(lat), 7)},
        "query": {"mode": mode, "amenities": list(amenities), "amenities_match": "any", "open_now": bool(open_now),
                  "k": int(k)},
        "register_version": snapshot.version, "route_kind": "straight", "results": [], "empty_reason": None,
        "open_now": None, "next_opening": None,
    }
    if chosen.any():
        payload["results"] = _rows(snapshot, *_measure(snapshot, chosen, lon, lat, k), states, moment)
        return payload
    if len(snapshot) == 0:
        payload["empty_reason"] = "no_stations"
        return payload
    reason = "types" if not of_type.any() else ("amenities" if not with_amenities.any() else "open_now")
    payload["empty_reason"] = reason
    if is_open.any():
        payload["open_now"] = _rows(snapshot, *_measure(snapshot, is_open, lon, lat, k), states, moment)
    if reason == "open_now":
        pool = with_amenities if with_amenities.any() else of_type
        rows, distance_m = _measure(snapshot, pool, lon, lat, int(pool.sum()))
        best = None
        for order, (row, distance) in enumerate(zip(rows.tolist(), distance_m.tolist())):
            open_here, change, _unknown = states[row]
            if open_here or change is None:
                continue
            key = (change, distance, order)
            if best is None or key < best[0]:
                best = (key, row)
        if best is not None:
            record = snapshot.records[best[1]]
            payload["next_opening"] = {"id": record["id"], "name_zh": record["name_zh"], "name_en": record["name_en"],
                                       "opens_at": minute_text(best[0][0]), "distance_m": round(best[0][1], 1)}
    return payload
