"""A rider's answer (:class:`geo.rider.answer.RiderAnswer`) as JSON values: what the open API's
``/api/v1/rider`` returns and what the light page (``/m``) renders, on the server and, after a
tap or offline, in the browser from the same shape.

Rows carry the fields ``python -m geo rider --json`` prints, plus the station's opening state at
the moment of the answer (``opening``: ``open``/``closed``/``unknown`` and the next change), so
that a page can say "营业中 · 21:00 关闭" without an ``opening_hours`` parser of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import geopandas as gpd

from geo.hours import opening_state, to_local_time
from geo.rider.answer import RiderAnswer

#: Fields of a result row, in order (the CLI's, then the opening state).
ROW_FIELDS = ("rank", "id", "station_type", "name_zh", "name_en", "location_status", "opening_hours", "is_open",
              "lon", "lat", "distance_m", "route_m", "route_kind", "ebike_s", "walk_s", "opening")


def minute_text(moment: datetime) -> str:
    """``2026-11-28T23:30``: a local wall-clock time to the minute, as every payload writes it."""
    return to_local_time(moment).isoformat(timespec="minutes")


def opening_payload(expression: str, moment: datetime) -> dict[str, Any]:
    """``{"state": "open" | "closed" | "unknown", "next_change": "2026-11-29T08:00" | None}``."""
    state = opening_state(expression, moment)
    name = "unknown" if state.is_unknown else ("open" if state.is_open else "closed")
    return {"state": name, "next_change": None if state.next_change is None else minute_text(state.next_change)}


def answer_rows(frame: gpd.GeoDataFrame | None, moment: datetime) -> list[dict[str, Any]] | None:
    """The rows of one part of an answer (``None`` stays ``None``)."""
    if frame is None:
        return None
    rows = []
    for row in frame.itertuples(index=False):
        rows.append({
            "rank": int(row.rank), "id": str(row.id), "station_type": str(row.station_type),
            "name_zh": str(row.name_zh), "name_en": str(row.name_en), "location_status": str(row.location_status),
            "opening_hours": str(row.opening_hours), "is_open": bool(row.is_open),
            "lon": round(float(row.geometry.x), 7), "lat": round(float(row.geometry.y), 7),
            "distance_m": round(float(row.distance_m), 1), "route_m": round(float(row.route_m), 1),
            "route_kind": str(row.route_kind), "ebike_s": round(float(row.ebike_s)), "walk_s": round(float(row.walk_s)),
            "opening": opening_payload(str(row.opening_hours), moment),
        })
    return rows


def answer_payload(answer: RiderAnswer, *, lon: float, lat: float, moment: datetime, mode: str,
                   amenities: list[str], open_now: bool, k: int, register_version: str) -> dict[str, Any]:
    """The whole answer: the query it answers, the results, and when they are empty why, what is
    open now and what opens first (the keys of ``python -m geo rider --json`` and more)."""
    first = answer.next_opening
    return {
        "moment": minute_text(moment),
        "position": {"lon": round(float(lon), 7), "lat": round(float(lat), 7)},
        "query": {"mode": mode, "amenities": list(amenities), "amenities_match": "any", "open_now": bool(open_now),
                  "k": int(k)},
        "register_version": register_version,
        "route_kind": answer.route_kind,
        "results": answer_rows(answer.results, moment),
        "empty_reason": answer.empty_reason,
        "open_now": answer_rows(answer.open_now, moment),
        "next_opening": None if first is None else {
            "id": first.station_id, "name_zh": first.name_zh, "name_en": first.name_en,
            "opens_at": minute_text(first.opens_at), "distance_m": round(float(first.distance_m), 1)},
    }
