"""Verification on the spot: which stations still need someone to stand at them, recording a
verified position (when, how, how far the old one was off), and the survey team's to-do list
(progress by type is :func:`geo.register.counts.count_by_type`).

Who verified a station is not a property of the register (the public sees "verified on
2026-11-28"); it goes into the change log with the save, which only signed-in editors see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.errors import GeoDataError
from geo.i18n import DEFAULT_LANGUAGE, label_of, names_in, t
from geo.place.datum import Datum, convert
from geo.place.geodesy import ellipsoidal_distance_m
from geo.place.reference import community_names
from geo.register.model import HoursStatus, LocationStatus, StationType
from geo.register.store import ChangeSummary

#: A phone position less precise than this (metres, the browser's 68 % radius) needs the
#: surveyor to wait for a better fix or to say why it is good enough.
ACCURACY_LIMIT_M = 30.0
MAP_CLICK_METHOD = "map click"
#: A planner confirmed the recorded position on the map without moving it.
CONFIRMED_ON_MAP_METHOD = "confirmed on the map"


def gps_method(accuracy_m: float) -> str:
    """How a phone position is recorded: ``gps ±8 m``."""
    return f"gps ±{accuracy_m:.0f} m"


_DATUM_NAMES = {Datum.WGS84: "WGS-84", Datum.GCJ02: "GCJ-02", Datum.BD09: "BD-09"}


def pasted_method(datum: Datum | str) -> str:
    """How pasted coordinates are recorded: ``pasted GCJ-02``."""
    return f"pasted {_DATUM_NAMES[Datum(datum)]}"


def needs_reason(accuracy_m: float | None) -> bool:
    """Whether a position this precise needs a reason to be accepted."""
    return accuracy_m is not None and accuracy_m > ACCURACY_LIMIT_M


def stations_to_verify(stations: gpd.GeoDataFrame, lon: float | None = None, lat: float | None = None) -> pd.DataFrame:
    """Stations whose position is not verified, nearest first from ``lon``/``lat`` (WGS-84) with
    ``distance_m`` (geodesic, metres); without a position, by type and id (``distance_m`` NaN).
    Distances to stations that have only a placeholder are distances to the placeholder;
    stations with no known position at all (``needs_position``: drawn at a stand-in point) get
    no distance and come last, by type and id."""
    todo = stations[stations["location_status"] != LocationStatus.VERIFIED.value]
    frame = pd.DataFrame(todo.drop(columns="geometry")).assign(lon=todo.geometry.x.to_numpy(), lat=todo.geometry.y.to_numpy())
    if lon is None or lat is None or frame.empty:
        order = frame["station_type"].map({t.value: i for i, t in enumerate(StationType)})
        return frame.assign(distance_m=np.nan, _order=order).sort_values(["_order", "id"]).drop(columns="_order")
    distance = np.atleast_1d(ellipsoidal_distance_m(np.full(len(frame), lon), np.full(len(frame), lat),
                                                     frame["lon"].to_numpy(), frame["lat"].to_numpy()))
    distance = np.where(frame["location_status"].to_numpy() == LocationStatus.NEEDS_POSITION.value, np.nan, distance)
    order = frame["station_type"].map({t.value: i for i, t in enumerate(StationType)})
    return (frame.assign(distance_m=distance, _order=order)
            .sort_values(["distance_m", "_order", "id"], kind="stable", na_position="last").drop(columns="_order"))


@dataclass(frozen=True)
class Verification:
    """What a surveyor (or a planner) found at a station. ``None`` leaves a field as it is;
    ``""`` for phone/operator clears it."""

    station_id: str
    #: WGS-84 (lon, lat).
    lonlat: tuple[float, float]
    #: ``gps ±8 m``, ``map click``, ``pasted GCJ-02``...
    method: str
    person: str
    on: date
    accuracy_m: float | None = None
    reason: str | None = None
    amenities: tuple[str, ...] | None = None
    #: OSM ``opening_hours``.
    opening_hours: str | None = None
    hours_checked: bool = False
    phone: str | None = None
    operator: str | None = None


@dataclass(frozen=True)
class VerificationResult:
    stations: gpd.GeoDataFrame
    #: How far the recorded position was from the one found, metres.
    moved_m: float
    #: For the change log (who is its ``user``).
    summary: ChangeSummary


def verify_station(stations: gpd.GeoDataFrame, found: Verification) -> VerificationResult:
    """The register with one station's position verified as ``found``; nothing is saved here.

    Raises :class:`GeoDataError` when the station is unknown, or when the position is less
    precise than :data:`ACCURACY_LIMIT_M` and no reason is given.
    """
    if found.station_id not in set(stations["id"]):
        raise GeoDataError("err_survey_unknown_station", id=found.station_id)
    if not found.person.strip():
        raise GeoDataError("err_survey_needs_person")
    if needs_reason(found.accuracy_m) and not (found.reason or "").strip():
        raise GeoDataError("err_survey_needs_reason", accuracy_m=found.accuracy_m, limit_m=ACCURACY_LIMIT_M)
    changed = stations.copy()
    row = changed.index[changed["id"] == found.station_id][0]
    old = changed.at[row, "geometry"]
    moved_m = float(ellipsoidal_distance_m(old.x, old.y, *found.lonlat))
    method = found.method if not (found.reason or "").strip() else f"{found.method} ({found.reason.strip()})"
    for column in ("verified_on", "verification_method"):
        if column not in changed.columns:
            changed.insert(len(changed.columns) - 1, column, None)
    changed.at[row, "geometry"] = Point(*found.lonlat)
    changed.at[row, "location_status"] = LocationStatus.VERIFIED.value
    changed.at[row, "verified_on"] = found.on.isoformat()
    changed.at[row, "verification_method"] = method
    changed.at[row, "source"] = f"{changed.at[row, 'source']}; {t('source_verified', DEFAULT_LANGUAGE, day=found.on.isoformat())}"
    if found.amenities is not None:
        changed.at[row, "amenities"] = list(found.amenities)
    if found.opening_hours is not None:
        changed.at[row, "opening_hours"] = found.opening_hours
    if found.hours_checked:
        changed.at[row, "hours_status"] = HoursStatus.VERIFIED.value
    for column, value in (("phone", found.phone), ("operator", found.operator)):
        if value is not None:
            changed.at[row, column] = value.strip() or None
    summary = ChangeSummary("log_verified", {"id": found.station_id, "method": method, "moved_m": round(moved_m)})
    return VerificationResult(changed, moved_m, summary)


def survey_todo(stations: gpd.GeoDataFrame, communities: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The survey team's list: every station not yet verified, by village/community, with its
    address, what is known of its position (GCJ-02, for Amap on their phones) and empty columns
    to write the position found; headers in ``lang``. Filled in, it imports back by id."""
    todo = stations[stations["location_status"] != LocationStatus.VERIFIED.value]
    names = community_names(communities, lang)
    order = {code: i for i, code in enumerate(communities["code"])}
    lon, lat = convert(todo.geometry.x.to_numpy(), todo.geometry.y.to_numpy(), source=Datum.WGS84, target=Datum.GCJ02)
    table = pd.DataFrame({
        t("todo_id", lang): todo["id"].to_numpy(),
        t("todo_type", lang): [label_of("station_type", v, lang) for v in todo["station_type"]],
        t("todo_name", lang): names_in(todo, lang).to_numpy(),
        # unknown stays empty: the filled-in list imports back, and "unknown" is no address
        t("todo_community", lang): [names.get(c, "") if isinstance(c, str) else "" for c in todo["community_code"]],
        t("todo_address", lang): [a if isinstance(a, str) else "" for a in todo["address"]],
        t("todo_status", lang): [t(f"location_{s}", lang) for s in todo["location_status"]],
        t("todo_known_lon", lang): np.round(np.atleast_1d(lon), 6),
        t("todo_known_lat", lang): np.round(np.atleast_1d(lat), 6),
        t("todo_found_lon", lang): "",
        t("todo_found_lat", lang): "",
        t("todo_notes", lang): "",
        "_order": [order.get(c, len(order)) if isinstance(c, str) else len(order) for c in todo["community_code"]],
    })
    return table.sort_values(["_order", t("todo_id", lang)], kind="stable").drop(columns="_order").reset_index(drop=True)
