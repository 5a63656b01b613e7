"""Import plans: what a station list (Excel, CSV, KML, GeoJSON) would do to the register, row
by row, before anything is written.

:func:`build_import_plan` reads the cells through the column mapping, turns what people write
into the register's vocabulary (:mod:`geo.register.normalise`), converts positions to WGS-84, geocodes
addresses when a geocoder is given, matches each row to a station (by id, else by normalised and
fuzzy name) and checks the result with the register's own rules. :func:`apply_import_plan` makes
the new register from the rows that are ready; the data page and ``python -m geo import`` both
use these two, and nothing else.

What a sheet does not say stays unknown, or is taken from what the row does say: a new
station's type from its name (红色驿站 -> red, 停放点 -> parking ...) and its village/community
from an address that names one (金星社区金星花园内). The planner may set a type per row
(``row_types``) or a value for the whole file (``station_type="red"``) for what is still
missing; otherwise new stations get unknown hours (``"unknown"``), no community, no amenities,
and stations without any position get a stand-in point with ``location_status="needs_position"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Mapping

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz

from geo.errors import GeocodingError, GeoDataError, Problem
from geo.i18n import DEFAULT_LANGUAGE, Term, label_of, labels_of, t
from geo.place.datum import Datum, convert
from geo.place.geocode import GeocodedPlace
from geo.place.geodesy import ellipsoidal_distance_m
from geo.readers import out_of_range_key, parse_coordinate, parse_lonlat
from geo.register.geojson import stations_from_features, stations_to_feature_collection
from geo.register.model import (
    COUNTY_SEAT_LONLAT,
    REQUIRED_PROPERTIES,
    STATION_TYPES,
    UNKNOWN_HOURS,
    HoursStatus,
    LocationStatus,
    StationType,
)
from geo.register.normalise import (
    IMPORT_FIELDS,
    CommunityIndex,
    NameNormaliser,
    datum_hint,
    guess_columns,
    name_numbers,
    normalise_phone,
    parse_amenities,
    parse_opening_hours,
    parse_station_type,
    station_type_from_name,
)
from geo.register.sheets import SheetTable
from geo.register.store import ChangeSummary
from geo.register.validate import PlaceChecker, TownExtent, station_property_problems

MATCH_MODES = ("auto", "id", "name")
IMPORT_MODES = ("merge", "replace")
#: Names this similar (rapidfuzz ratio of the normalised names, 0-100) are the same station.
DEFAULT_MIN_SCORE = 80.0
#: A second candidate this close to the best makes the match ambiguous: the planner chooses.
AMBIGUITY_MARGIN = 5.0
#: Moves longer than this are flagged: a wrong datum, swapped columns or a typo is likelier
#: than a station that moved across town.
FAR_MOVE_M = 2_000.0
#: A position that moved less than this is the same position (datum round trips, rounding).
SAME_POSITION_M = 1.0
#: The answer for a row whose ambiguous match should become a new station.
CHOOSE_NEW = "new"

#: What a row will do: update a station, add one, nothing (same as the register), wait for the
#: planner to choose between candidates, or nothing because the row has problems.
ACTIONS = ("update", "new", "unchanged", "choose", "invalid")


@dataclass(frozen=True)
class ImportSettings:
    """Choices made once for the whole file in the mapping step."""

    #: Datum of the file's coordinates (a ``datum`` column, or a GeoJSON's declared datum, wins).
    datum: Datum = Datum.WGS84
    #: Field -> sheet column; ``None``: guessed from the headers.
    columns: Mapping[str, str] | None = None
    #: Values for rows whose sheet says nothing of them (``None``: unknown, or kept on update).
    station_type: str | None = None
    community_code: str | None = None
    operator: str | None = None
    #: As people write it (``8:00-20:00``) or OSM syntax.
    opening_hours: str | None = None
    amenities: tuple[str, ...] | None = None
    match: str = "auto"
    min_score: float = DEFAULT_MIN_SCORE
    mode: str = "merge"
    #: Sheet row -> station id (or :data:`CHOOSE_NEW`) for rows whose name matched ambiguously.
    choices: Mapping[int, str] = field(default_factory=dict)
    #: Sheet row -> station type the planner set for that row (wins over the sheet and the name).
    row_types: Mapping[int, str] = field(default_factory=dict)
    #: Apply moves over :data:`FAR_MOVE_M` too (they are flagged, and left out unless accepted).
    accept_far_moves: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "datum", Datum(self.datum))
        if isinstance(self.station_type, StationType):
            object.__setattr__(self, "station_type", self.station_type.value)
        if self.match not in MATCH_MODES:
            raise ValueError(f"`match` was {self.match!r} but is expected to be one of {MATCH_MODES}")
        if self.mode not in IMPORT_MODES:
            raise ValueError(f"`mode` was {self.mode!r} but is expected to be one of {IMPORT_MODES}")
        types = {t.value for t in StationType}
        if self.station_type is not None and self.station_type not in types:
            raise ValueError(f"`station_type` was {self.station_type!r} but is expected to be a StationType value")
        if any(kind not in types for kind in self.row_types.values()):
            raise ValueError(f"`row_types` was {dict(self.row_types)!r} but its values are expected to be StationType values")


@dataclass(frozen=True)
class Candidate:
    station_id: str
    name_zh: str
    score: float


@dataclass
class PlanRow:
    """One row of the sheet and what it would do."""

    row: int
    name: str
    action: str
    station_id: str | None = None
    #: "id", "name", "choice" or None (new station / no match).
    matched_by: str | None = None
    score: float | None = None
    candidates: tuple[Candidate, ...] = ()
    #: WGS-84 (lon, lat) before and after.
    old_lonlat: tuple[float, float] | None = None
    new_lonlat: tuple[float, float] | None = None
    #: The position the sheet gives, as written (lon, lat) and the datum it was read in; kept for
    #: rows whose position is refused too, so the preview can show what the file says.
    sheet_lonlat: tuple[float, float] | None = None
    sheet_datum: Datum | None = None
    #: The sheet's position in WGS-84 when it was refused (outside the town): shown, never applied.
    refused_lonlat: tuple[float, float] | None = None
    move_m: float | None = None
    far_move: bool = False
    position_from: str = "none"
    location_status: str | None = None
    #: The station's properties after the import (all of them for a new station).
    properties: dict[str, Any] = field(default_factory=dict)
    #: Properties that change (``geometry`` for a move).
    changed: tuple[str, ...] = ()
    #: Errors: the row is left out.
    problems: list[Problem] = field(default_factory=list)
    #: Notes the planner should read; the row is applied.
    warnings: list[Problem] = field(default_factory=list)
    #: What the geocoder was asked for this row's address, if it was.
    geocode_query: str | None = None

    def ready(self, accept_far_moves: bool) -> bool:
        """Whether applying the plan applies this row."""
        return (not self.problems and self.action in ("update", "new", "unchanged")
                and (not self.far_move or accept_far_moves))


@dataclass
class ImportPlan:
    """Every row of a station list with what it would do, and the file's own problems."""

    source: str
    unit: str
    settings: ImportSettings
    #: Field -> sheet column actually used.
    columns: dict[str, str]
    rows: list[PlanRow]
    encoding: str | None = None
    sheet_name: str | None = None
    #: Stations a replace would remove (not named by any row).
    removed: list[str] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    file_warnings: list[Problem] = field(default_factory=list)
    #: The datum the positions were read in (after a GeoJSON's declaration).
    datum: Datum = Datum.WGS84
    geocoder: str | None = None

    @property
    def valid(self) -> bool:
        """Every row is ready: applying it leaves nothing out."""
        return not self.file_problems and all(r.ready(self.settings.accept_far_moves) for r in self.rows)

    def ready_rows(self) -> list[PlanRow]:
        return [] if self.file_problems else [r for r in self.rows if r.ready(self.settings.accept_far_moves)]

    def left_out_rows(self) -> list[PlanRow]:
        return [r for r in self.rows if self.file_problems or not r.ready(self.settings.accept_far_moves)]

    def counts(self) -> dict[str, int]:
        """Rows by action, plus ``far_move``, ``needs_position``, ``geocoded`` and ``ready``."""
        counts = {action: sum(r.action == action for r in self.rows) for action in ACTIONS}
        counts["far_move"] = sum(r.far_move for r in self.rows)
        counts["needs_position"] = len(self.needs_position())
        counts["geocoded"] = sum(r.position_from == "geocoded" for r in self.rows)
        counts["ready"] = len(self.ready_rows())
        counts["removed"] = len(self.removed)
        return counts

    def needs_position(self) -> list[PlanRow]:
        """Rows whose station has no real position yet (address not geocoded): listed, kept."""
        return [r for r in self.rows if r.position_from in ("none", "kept") and not r.problems
                and r.location_status in (LocationStatus.NEEDS_POSITION.value, LocationStatus.UNVERIFIED.value)]

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The plan as JSON-ready data (positions WGS-84, rounded to 1e-7 degrees)."""
        def lonlat(value: tuple[float, float] | None) -> dict[str, float] | None:
            return None if value is None else {"lon": round(value[0], 7), "lat": round(value[1], 7)}

        return {
            "file": self.source, "sheet": self.sheet_name, "encoding": self.encoding, "datum": self.datum.value,
            "mode": self.settings.mode, "match": self.settings.match, "geocoder": self.geocoder,
            "columns": self.columns, "valid": self.valid, "counts": self.counts(),
            "file_problems": [p.to_dict(lang) for p in self.file_problems],
            "file_warnings": [p.to_dict(lang) for p in self.file_warnings],
            "rows": [
                {"row": r.row, "unit": self.unit, "name": r.name, "action": r.action, "station_id": r.station_id,
                 "matched_by": r.matched_by, "score": None if r.score is None else round(r.score, 1),
                 "candidates": [{"id": c.station_id, "name_zh": c.name_zh, "score": round(c.score, 1)} for c in r.candidates],
                 "old": lonlat(r.old_lonlat), "new": lonlat(r.new_lonlat),
                 "move_m": None if r.move_m is None else round(r.move_m, 1), "far_move": r.far_move,
                 "position_from": r.position_from, "location_status": r.location_status, "changed": list(r.changed),
                 "station_type": r.properties.get("station_type"), "community_code": r.properties.get("community_code"),
                 "ready": r.ready(self.settings.accept_far_moves),
                 "problems": [p.to_dict(lang) for p in r.problems], "warnings": [p.to_dict(lang) for p in r.warnings]}
                for r in self.rows
            ],
            "removed": self.removed,
        }


@dataclass(frozen=True)
class ImportOutcome:
    """The register after applying a plan, and which rows went in."""

    stations: gpd.GeoDataFrame
    applied_rows: tuple[int, ...]
    left_out_rows: tuple[int, ...]
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]

    def summary(self, source: str) -> ChangeSummary:
        """One line for the change log."""
        return ChangeSummary("log_imported", {"source": source, "added": len(self.added), "updated": len(self.updated),
                                              "removed": len(self.removed), "left": len(self.left_out_rows)})


# --- building the plan -------------------------------------------------------------------------

@dataclass
class _Context:
    table: SheetTable
    settings: ImportSettings
    columns: dict[str, str]
    register: dict[str, dict]  # id -> feature
    communities: CommunityIndex
    community_codes: set[str]
    normalise: NameNormaliser
    #: id -> (normalised name, its numbers, the villages/communities it names)
    register_names: dict[str, tuple[str, tuple[int, ...], frozenset[str]]]
    checker: PlaceChecker
    town: TownExtent
    today: str
    datum: Datum


def _cell(ctx: _Context, record: dict[str, str], field_name: str) -> str:
    column = ctx.columns.get(field_name)
    return record.get(column, "").strip() if column else ""


def _where(ctx: _Context, row: int, field_name: str | None) -> dict[str, Any]:
    """Where a problem is: the row, and the sheet column of the field (when the sheet has one)."""
    return {"row": row, "unit": ctx.table.unit, "field": ctx.columns.get(field_name) if field_name else None}


def _name_key(normalise: NameNormaliser, name: str) -> tuple[str, tuple[int, ...], frozenset[str]]:
    key = normalise(name)
    return key, name_numbers(key), normalise.places_in(key)


def _match_by_name(ctx: _Context, name: str) -> list[Candidate]:
    """Register stations whose normalised name scores at least the threshold, best first.
    Names that differ in their numbers (党群驿站 06, 党群驿站 07) or in the village/community
    they name (金星党群驿站, 金塘党群驿站) never match."""
    wanted = ctx.normalise(name)
    if not wanted:
        return []
    numbers, places = name_numbers(wanted), ctx.normalise.places_in(wanted)
    found = []
    for station_id, (known, known_numbers, known_places) in ctx.register_names.items():
        if known_numbers != numbers:
            continue
        if places and known_places and places != known_places:
            continue
        score = 100.0 if known == wanted else float(fuzz.ratio(wanted, known))
        if score >= ctx.settings.min_score:
            found.append(Candidate(station_id, ctx.register[station_id]["properties"]["name_zh"], score))
    return sorted(found, key=lambda c: (-c.score, c.station_id))


def _match(ctx: _Context, plan_row: PlanRow, station_id: str, name: str) -> None:
    """Set the row's station: by id, by name, or by the planner's choice; else a new one."""
    settings = ctx.settings
    if settings.match in ("auto", "id") and station_id:
        if station_id in ctx.register:
            plan_row.station_id, plan_row.matched_by, plan_row.action = station_id, "id", "update"
            return
        plan_row.station_id, plan_row.action = station_id, "new"
        if name and (same := _match_by_name(ctx, name)) and same[0].score >= 100:
            plan_row.warnings.append(Problem("warn_import_new_id_same_name", {"id": same[0].station_id},
                                             **_where(ctx, plan_row.row, "id")))
        return
    if settings.match == "id" or not name:
        plan_row.action = "new"
        return
    candidates = _match_by_name(ctx, name)
    choice = settings.choices.get(plan_row.row)
    if choice is not None and (choice == CHOOSE_NEW or choice in ctx.register):
        plan_row.candidates = tuple(candidates)
        if choice == CHOOSE_NEW:
            plan_row.action, plan_row.matched_by = "new", "choice"
        else:
            plan_row.station_id, plan_row.matched_by, plan_row.action = choice, "choice", "update"
            plan_row.score = next((c.score for c in candidates if c.station_id == choice), None)
        return
    if not candidates:
        plan_row.action = "new"
        return
    if len(candidates) > 1 and candidates[0].score - candidates[1].score < AMBIGUITY_MARGIN:
        plan_row.action, plan_row.candidates = "choose", tuple(candidates)
        return
    best = candidates[0]
    plan_row.station_id, plan_row.matched_by, plan_row.score, plan_row.action = best.station_id, "name", best.score, "update"
    plan_row.candidates = tuple(candidates)


def _read_position(ctx: _Context, plan_row: PlanRow, record: dict[str, str]) -> tuple[float, float] | None:
    """The row's WGS-84 position from its coordinate cells, or None; problems are added."""
    where = plan_row.row
    lon_text, lat_text, pair_text = _cell(ctx, record, "lon"), _cell(ctx, record, "lat"), _cell(ctx, record, "lonlat")
    if pair_text and not (lon_text or lat_text):
        pair = parse_lonlat(pair_text)
        if pair is None:
            plan_row.problems.append(Problem("err_import_bad_lonlat_cell", {"value": pair_text}, **_where(ctx, where, "lonlat")))
            return None
        lon, lat = pair
    elif lon_text or lat_text:
        lon, lat = parse_coordinate(lon_text), parse_coordinate(lat_text)
        if lon is None or lat is None:
            plan_row.problems.append(Problem("err_lonlat_not_numbers", {"lon": lon_text, "lat": lat_text},
                                             **_where(ctx, where, "lon" if lon is None else "lat")))
            return None
    else:
        return None
    datum = ctx.datum
    if (datum_text := _cell(ctx, record, "datum")):
        try:
            datum = Datum(datum_text.lower().replace("-", ""))
        except ValueError:
            plan_row.problems.append(Problem("err_import_bad_datum", {"value": datum_text}, **_where(ctx, where, "datum")))
            return None
    plan_row.sheet_lonlat, plan_row.sheet_datum = (lon, lat), datum
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        plan_row.problems.append(Problem(out_of_range_key(lon, lat), {"lon": lon, "lat": lat}, **_where(ctx, where, "lon")))
        return None
    wgs_lon, wgs_lat = (float(v) for v in convert(lon, lat, source=datum, target=Datum.WGS84))
    if found := ctx.checker.problem(wgs_lon, wgs_lat):
        plan_row.refused_lonlat = (wgs_lon, wgs_lat)
        plan_row.problems.append(Problem(found[0], found[1], row=where, unit=ctx.table.unit,
                                         field=_wrong_coordinate_columns(ctx, wgs_lon, wgs_lat)))
        return None
    return wgs_lon, wgs_lat


def _wrong_coordinate_columns(ctx: _Context, lon: float, lat: float) -> str | None:
    """The sheet column(s) that put a position outside the town: the latitude column when only
    the latitude is beyond the town's extent (a typo in one cell), the longitude column when only
    the longitude is, both (or the one lon/lat column) otherwise."""
    if "lonlat" in ctx.columns and not ("lon" in ctx.columns and "lat" in ctx.columns):
        return ctx.columns["lonlat"]
    west, south, east, north = ctx.town.extent_lonlat
    margin_deg = ctx.town.margin_m / 111_320.0  # metres per degree of latitude; a longitude degree is shorter: generous
    lon_out = not (west - 2 * margin_deg <= lon <= east + 2 * margin_deg)
    lat_out = not (south - margin_deg <= lat <= north + margin_deg)
    wrong = [ctx.columns[f] for f, out in (("lon", lon_out), ("lat", lat_out)) if out and f in ctx.columns]
    return ", ".join(wrong or [ctx.columns[f] for f in ("lon", "lat") if f in ctx.columns]) or None


def _stand_in_point(ctx: _Context, community_code: str | None) -> tuple[float, float]:
    """Where a station with no known position is drawn: the centre of its community's stations,
    else the county seat in the town centre."""
    points = [f["geometry"]["coordinates"] for f in ctx.register.values()
              if community_code and f["properties"].get("community_code") == community_code]
    if points:
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    return COUNTY_SEAT_LONLAT


def _plan_row(ctx: _Context, row: int, record: dict[str, str], seen_ids: dict[str, int]) -> tuple[PlanRow, dict]:
    """The row's plan (matching, values, problems) and the values it gives (before positions)."""
    settings = ctx.settings
    name = _cell(ctx, record, "name_zh")
    station_id = _cell(ctx, record, "id") if settings.match != "name" else ""
    plan_row = PlanRow(row=row, name=name or station_id, action="new")
    if station_id:
        if station_id in seen_ids:
            plan_row.problems.append(Problem("err_import_duplicate_id", {"id": station_id, "first": seen_ids[station_id]},
                                             **_where(ctx, row, "id")))
        else:
            seen_ids[station_id] = row
    _match(ctx, plan_row, station_id, name)
    given: dict[str, Any] = {}
    if name:
        given["name_zh"] = name
    if (name_en := _cell(ctx, record, "name_en")):
        given["name_en"] = name_en
    type_text = _cell(ctx, record, "station_type")
    if row in settings.row_types:
        given["station_type"] = settings.row_types[row]
    elif type_text:
        kind = parse_station_type(type_text)
        if kind is None:
            plan_row.problems.append(Problem("err_import_bad_type", {"value": type_text,
                                             "allowed": "、".join(labels_of("station_type", "zh").values())},
                                             **_where(ctx, row, "station_type")))
        else:
            given["station_type"] = kind.value
    else:
        if (named := station_type_from_name(name)) is not None:
            given.setdefault(_INFERRED, {})["station_type"] = named.value
        if settings.station_type:
            given.setdefault(_DEFAULTED, {})["station_type"] = settings.station_type
    community_text = _cell(ctx, record, "community")
    if community_text:
        code = ctx.communities.find(community_text)
        if code is None:
            plan_row.problems.append(Problem("err_import_bad_community", {"value": community_text,
                                             "allowed": "、".join(ctx.communities.names)}, **_where(ctx, row, "community")))
        else:
            given["community_code"] = code
    elif settings.community_code:
        given.setdefault(_DEFAULTED, {})["community_code"] = settings.community_code
    amenities_text = _cell(ctx, record, "amenities")
    if amenities_text:
        amenities, unknown = parse_amenities(amenities_text)
        given["amenities"] = amenities
        if unknown:
            plan_row.warnings.append(Problem("warn_import_unknown_amenities", {"words": "、".join(unknown)},
                                             **_where(ctx, row, "amenities")))
    elif settings.amenities is not None:
        given.setdefault(_DEFAULTED, {})["amenities"] = list(settings.amenities)
    hours_text = _cell(ctx, record, "opening_hours")
    if hours_text:
        hours = parse_opening_hours(hours_text)
        if hours is None:
            plan_row.problems.append(Problem("err_import_bad_hours", {"value": hours_text}, **_where(ctx, row, "opening_hours")))
        else:
            given["opening_hours"] = hours
    elif settings.opening_hours and (hours := parse_opening_hours(settings.opening_hours)):
        given.setdefault(_DEFAULTED, {})["opening_hours"] = hours
    phone_text = _cell(ctx, record, "phone")
    if phone_text:
        phone = normalise_phone(phone_text)
        if phone is None:
            plan_row.problems.append(Problem("err_bad_phone", {"value": repr(phone_text)}, **_where(ctx, row, "phone")))
        else:
            given["phone"] = phone
    if (operator := _cell(ctx, record, "operator")):
        given["operator"] = operator
    elif (settings.operator or "").strip():
        given.setdefault(_DEFAULTED, {})["operator"] = settings.operator.strip()
    if (address := _cell(ctx, record, "address")):
        given["address"] = address
        if not community_text and (code := ctx.communities.named_in(address)) is not None:
            given.setdefault(_INFERRED, {})["community_code"] = code
    for key in ("location_status", "hours_status", "source", "verified_on", "verification_method"):
        if (value := _cell(ctx, record, key)):
            given[key] = value
    return plan_row, given


#: Key in a row's values of the values chosen for the whole file (not written in the row).
_DEFAULTED = "_defaulted"
#: Key in a row's values of what the row says indirectly (a type in the name, a community in the
#: address): fills only what the station does not know yet, before the file-wide values.
_INFERRED = "_inferred"
#: Register values that say "not known": a value chosen for the whole file may fill them.
_UNKNOWN_VALUES = (None, [], UNKNOWN_HOURS, "")


def _with_file_values(ctx: _Context, plan_row: PlanRow, given: dict[str, Any], old_props: dict[str, Any]) -> dict[str, Any]:
    """The row's values plus those chosen for the whole file: for a new station all of them;
    for a station in the register only where it does not know the value yet (a file-wide
    type never re-types a station: a different one is pointed out)."""
    given = dict(given)
    chosen = given.pop(_DEFAULTED, {})
    for key, value in given.pop(_INFERRED, {}).items():
        if key not in given and (not old_props or old_props.get(key) in _UNKNOWN_VALUES):
            given[key] = value
            if key == "station_type":
                plan_row.warnings.append(Problem("warn_import_type_from_name", {"type": Term("station_type", value)},
                                                 **_where(ctx, plan_row.row, "name_zh")))
                if chosen.get(key, value) != value:
                    chosen.pop(key)  # the name says more about this row than the file-wide choice
    for key, value in chosen.items():
        if not old_props or old_props.get(key) in _UNKNOWN_VALUES:
            given.setdefault(key, value)
        elif key == "station_type" and value != old_props.get("station_type"):
            plan_row.warnings.append(Problem("warn_import_file_type_differs", {"file": Term("station_type", value),
                                             "station": Term("station_type", old_props["station_type"])},
                                             **_where(ctx, plan_row.row, None)))
    return given


def _geocode_query(address: str) -> str:
    """The address as a geocoder should get it: scoped to Gaohe town unless it already is."""
    if "高河" in address:
        return address if "怀宁" in address else f"安徽省安庆市怀宁县{address}"
    return f"安徽省安庆市怀宁县高河镇{address}"


def _row_position(ctx: _Context, plan_row: PlanRow, given: dict[str, Any], props: dict[str, Any],
                  old_props: dict[str, Any] | None, position: tuple[float, float] | None,
                  geocoded: GeocodedPlace | None) -> tuple[float, float] | None:
    """Where the row's station will be, and how that is known (``position_from``, the location
    status and a note in ``source``): the sheet's position, the geocoder's, the one the station
    had, or a stand-in for a new station with none. ``old_props``: the matched station's, if any."""
    today = ctx.today
    stated_status = given.get("location_status")
    if position is not None:
        plan_row.position_from = "sheet"
        moved = (float(ellipsoidal_distance_m(*plan_row.old_lonlat, *position)) if plan_row.old_lonlat else None)
        if stated_status is None:
            props["location_status"] = (old_props["location_status"] if moved is not None and moved < SAME_POSITION_M
                                        else LocationStatus.UNVERIFIED.value)
        if "source" not in given and (moved is None or moved >= SAME_POSITION_M) and old_props is not None:
            note = t("source_position_from", DEFAULT_LANGUAGE, file=ctx.table.source, day=today)
            props["source"] = f"{old_props['source']}; {note}"
    elif geocoded is not None:
        plan_row.position_from = "geocoded"
        position = (geocoded.lon, geocoded.lat)
        props["location_status"] = LocationStatus.GEOCODED.value
        note = t("source_geocoded", DEFAULT_LANGUAGE, provider=geocoded.provider, day=today)
        props["source"] = f"{props['source']}; {note}" if old_props is not None or "source" in given else note
    elif plan_row.sheet_lonlat is not None:
        # the sheet gives a position, but a wrong one: shown as the file gives it (never applied),
        # neither the old position nor a stand-in hides that
        position = plan_row.refused_lonlat
        plan_row.position_from = "sheet" if position is not None else "none"
    elif old_props is not None:
        plan_row.position_from = "kept"
        position = plan_row.old_lonlat
    else:
        plan_row.position_from = "none"
        position = _stand_in_point(ctx, props.get("community_code"))
        props["location_status"] = LocationStatus.NEEDS_POSITION.value
        props["source"] = f"{props['source']}; {t('source_stand_in', DEFAULT_LANGUAGE)}"
    return position


def _finish_row(ctx: _Context, plan_row: PlanRow, given: dict[str, Any], position: tuple[float, float] | None,
                geocoded: GeocodedPlace | None) -> None:
    """Position, status and the station's properties after the import; checked like the register."""
    old = ctx.register.get(plan_row.station_id) if plan_row.action == "update" else None
    old_props = dict(old["properties"]) if old else {}
    given = _with_file_values(ctx, plan_row, given, old_props)
    if old:
        plan_row.old_lonlat = tuple(old["geometry"]["coordinates"][:2])
        if plan_row.matched_by in ("name", "choice") and "name_zh" in given:
            # a variant spelling found the station; the register keeps its own spelling
            sheet_name = given.pop("name_zh")
            if sheet_name != old_props["name_zh"]:
                plan_row.warnings.append(Problem("warn_import_name_kept", {"sheet": sheet_name, "kept": old_props["name_zh"]},
                                                 **_where(ctx, plan_row.row, "name_zh")))
    props: dict[str, Any] = {**old_props, **given}
    today = ctx.today
    if not old:
        props.setdefault("name_en", props.get("name_zh"))
        props.setdefault("community_code", None)
        props.setdefault("amenities", [])
        props.setdefault("opening_hours", UNKNOWN_HOURS)
        for key in ("address", "operator", "phone"):
            props.setdefault(key, None)
        props.setdefault("hours_status", HoursStatus.UNVERIFIED.value)
        props.setdefault("source", t("source_imported", DEFAULT_LANGUAGE, file=ctx.table.source, day=today))
        if "station_type" not in props:
            plan_row.problems.append(Problem("err_import_type_unknown", **_where(ctx, plan_row.row, "station_type")))
        if not props.get("name_zh"):
            plan_row.problems.append(Problem("err_import_new_needs_name", **_where(ctx, plan_row.row, "name_zh")))
    elif "station_type" in given and given["station_type"] != old_props.get("station_type"):
        plan_row.warnings.append(Problem("warn_import_type_changes", {"old": Term("station_type", old_props["station_type"]),
                                         "new": Term("station_type", given["station_type"])}, **_where(ctx, plan_row.row, "station_type")))
    if "hours_status" not in given and "opening_hours" in given and given["opening_hours"] != old_props.get("opening_hours"):
        props["hours_status"] = HoursStatus.UNVERIFIED.value
    position = _row_position(ctx, plan_row, given, props, old_props if old else None, position, geocoded)
    props.setdefault("location_status", LocationStatus.UNVERIFIED.value)
    plan_row.location_status = props["location_status"]
    if position is not None:
        plan_row.new_lonlat = (float(position[0]), float(position[1]))
    if plan_row.old_lonlat is not None and plan_row.new_lonlat is not None:
        plan_row.move_m = float(ellipsoidal_distance_m(*plan_row.old_lonlat, *plan_row.new_lonlat))
        plan_row.far_move = plan_row.move_m > FAR_MOVE_M
    props["id"] = plan_row.station_id
    ordered = {key: props.get(key) for key in REQUIRED_PROPERTIES}
    ordered.update({key: value for key, value in props.items() if key not in ordered})
    plan_row.properties = ordered
    for key, message_key, params in station_property_problems(ordered, ctx.community_codes):
        if ((key == "id" and plan_row.station_id is None)
                or (key == "name_en" and (not ordered.get("name_zh") or ordered["name_en"] == ordered["name_zh"]))
                or (key == "station_type" and ordered.get("station_type") is None)):
            continue  # a new station's id is given after every row is read; a missing value is said once
        plan_row.problems.append(Problem(message_key, params, **_where(ctx, plan_row.row, _FIELD_OF.get(key, key))))
    if plan_row.problems:
        plan_row.action = "invalid"
        return
    if old:
        plan_row.changed = tuple(k for k in ordered if ordered[k] != old_props.get(k))
        if plan_row.move_m is not None and plan_row.move_m >= SAME_POSITION_M:
            plan_row.changed += ("geometry",)
        if not plan_row.changed:
            plan_row.action = "unchanged"


#: Register property -> import field, where they are named differently.
_FIELD_OF = {"community_code": "community"}


def _assign_new_ids(ctx: _Context, rows: list[PlanRow]) -> None:
    """``PREFIX-NN`` for new stations without an id: the next free number of their type."""
    taken = set(ctx.register) | {r.station_id for r in rows if r.station_id}
    next_number: dict[str, int] = {}
    for info in STATION_TYPES.values():
        numbers = [int(m.group(1)) for i in taken if (m := re.fullmatch(rf"{info.id_prefix}-(\d+)", i))]
        next_number[info.id_prefix] = max(numbers, default=0) + 1
    for plan_row in rows:
        if plan_row.action != "new" or plan_row.station_id \
                or plan_row.properties.get("station_type") not in {t.value for t in StationType}:
            continue
        prefix = STATION_TYPES[StationType(plan_row.properties["station_type"])].id_prefix
        while f"{prefix}-{next_number[prefix]:02d}" in taken:
            next_number[prefix] += 1
        plan_row.station_id = f"{prefix}-{next_number[prefix]:02d}"
        taken.add(plan_row.station_id)
    for plan_row in rows:
        if plan_row.station_id:
            plan_row.properties["id"] = plan_row.station_id


def stated_datum(table: SheetTable, columns: Mapping[str, str] | None = None) -> Datum | None:
    """The datum the file itself states for its coordinates: declared inside it (GeoJSON, KML),
    or named in a coordinate header (``经度(高德)`` -> GCJ-02); ``None`` when it says nothing."""
    if table.declared_datum is not None:
        return table.declared_datum
    columns = guess_columns(table.headers) if columns is None else columns
    return next((hint for f in ("lon", "lat", "lonlat") if f in columns and (hint := datum_hint(columns[f]))), None)


def sheet_gives_coordinates(table: SheetTable, columns: Mapping[str, str] | None = None) -> bool:
    """Whether some row has coordinates that no per-row datum column qualifies: read in a datum
    nobody stated, they would be wrong by hundreds of metres without any error."""
    columns = guess_columns(table.headers) if columns is None else columns
    wanted = [columns[f] for f in ("lon", "lat", "lonlat") if f in columns]
    datum_column = columns.get("datum")
    return any(any(record.get(c, "").strip() for c in wanted) and not (datum_column and record.get(datum_column, "").strip())
               for _, record in table.records())


def build_import_plan(
    table: SheetTable,
    register: gpd.GeoDataFrame,
    settings: ImportSettings = ImportSettings(),
    *,
    communities: pd.DataFrame,
    checker: PlaceChecker,
    geocode: Callable[[str], list[GeocodedPlace]] | None = None,
    geocoder_name: str | None = None,
    today: date | None = None,
) -> ImportPlan:
    """What importing ``table`` into ``register`` would do, row by row; nothing is written.

    ``geocode`` (``query -> places in WGS-84``, e.g. :func:`geo.place.geocode.address_geocoder`)
    places rows that give an address but no coordinates; without it, or when it fails, such
    rows are kept with no position and listed.
    """
    today_text = (today or date.today()).isoformat()
    columns = dict(settings.columns) if settings.columns is not None else guess_columns(table.headers)
    plan = ImportPlan(table.source, table.unit, settings, columns, [], encoding=table.encoding,
                      sheet_name=table.sheet_name, geocoder=geocoder_name if geocode else None)
    unknown_columns = [c for c in columns.values() if c not in table.headers]
    if unknown_columns or set(columns) - set(IMPORT_FIELDS):
        raise ValueError(f"`columns` names {unknown_columns or sorted(set(columns) - set(IMPORT_FIELDS))}, "
                         f"which are not columns of the sheet / import fields")
    datum = table.declared_datum or settings.datum
    plan.datum = datum
    for field_name in ("lon", "lat", "lonlat"):
        hint = datum_hint(columns[field_name]) if field_name in columns else None
        if hint is not None and hint is not datum:
            plan.file_warnings.append(Problem("warn_import_header_names_datum", {"column": columns[field_name],
                                              "hint": hint.value, "datum": datum.value}))
            break
    if "name_zh" not in columns and "id" not in columns:
        plan.file_problems.append(Problem("err_import_no_name_column", {"found": ", ".join(table.headers)}))
        return plan
    features = stations_to_feature_collection(register)["features"]
    normalise = NameNormaliser.from_table(communities)
    ctx = _Context(table, settings, columns, {f["properties"]["id"]: f for f in features},
                   CommunityIndex.from_table(communities), set(communities["code"]), normalise,
                   {f["properties"]["id"]: _name_key(normalise, f["properties"]["name_zh"]) for f in features},
                   checker, checker.town, today_text, datum)
    seen_ids: dict[str, int] = {}
    staged: list[tuple[PlanRow, dict, tuple[float, float] | None]] = []
    for row, record in table.records():
        plan_row, given = _plan_row(ctx, row, record, seen_ids)
        staged.append((plan_row, given, _read_position(ctx, plan_row, record)))
    geocoded = _geocode_rows(ctx, plan, staged, geocode)
    matched_rows: dict[str, int] = {}
    for plan_row, given, position in staged:
        if plan_row.action == "choose":
            plan_row.problems.append(Problem("err_import_choose", {"ids": ", ".join(c.station_id for c in plan_row.candidates)},
                                             **_where(ctx, plan_row.row, "name_zh")))
        else:
            _finish_row(ctx, plan_row, given, position, geocoded.get(plan_row.row))
        if plan_row.action in ("update", "unchanged"):
            if plan_row.station_id in matched_rows:
                plan_row.problems.append(Problem("err_import_same_station", {"id": plan_row.station_id,
                                                 "first": matched_rows[plan_row.station_id]}, **_where(ctx, plan_row.row, None)))
                plan_row.action = "invalid"
            else:
                matched_rows[plan_row.station_id] = plan_row.row
        plan.rows.append(plan_row)
    _assign_new_ids(ctx, plan.rows)
    if (likely := likely_datum(plan.rows, datum)) is not None:
        plan.file_warnings.insert(0, Problem("warn_import_likely_datum", likely))
    if plan.rows and all(r.problems for r in plan.rows) and not any(c in columns for c in ("lon", "lat", "lonlat", "address")):
        plan.file_warnings.append(Problem("warn_import_no_position_columns", {"found": ", ".join(table.headers)}))
    if settings.mode == "replace":
        named = {r.station_id for r in plan.rows if r.station_id} | {c.station_id for r in plan.rows for c in r.candidates}
        plan.removed = sorted(set(ctx.register) - named)
    return plan


#: The datum check needs this many rows matched to stations the sheet moves...
DATUM_CHECK_MIN_ROWS = 3
#: ...by a median of at least this much (GCJ-02 is 300-700 m off WGS-84 in China)...
DATUM_CHECK_MIN_MOVE_M = 200.0
#: ...and reading them in another datum must bring the median move down to this share.
DATUM_CHECK_SHARE = 0.3


def likely_datum(rows: list[PlanRow], datum: Datum) -> dict[str, Any] | None:
    """Whether the rows' coordinates look read in the wrong datum: the stations they match all
    move by a few hundred metres and would hardly move had the file been read in another datum
    (GCJ-02 read as WGS-84 moves every row ~550 m the same way). ``None`` when they do not, or
    when too few rows are matched to say; else the message parameters. The register's positions
    may be placeholders: an honest warning, not a correction."""
    compared = [r for r in rows if r.old_lonlat is not None and r.sheet_lonlat is not None and r.sheet_datum is datum
                and (r.new_lonlat if r.position_from == "sheet" else None) is not None]
    if len(compared) < DATUM_CHECK_MIN_ROWS:
        return None
    old = [r.old_lonlat for r in compared]
    moved = [float(ellipsoidal_distance_m(*o, *r.new_lonlat)) for o, r in zip(old, compared)]
    median_m = float(pd.Series(moved).median())
    if median_m < DATUM_CHECK_MIN_MOVE_M:
        return None
    best = None
    for other in Datum:
        if other is datum:
            continue
        read = [tuple(float(v) for v in convert(*r.sheet_lonlat, source=other, target=Datum.WGS84)) for r in compared]
        other_moves = [float(ellipsoidal_distance_m(*o, *p)) for o, p in zip(old, read)]
        other_median_m = float(pd.Series(other_moves).median())
        closer = sum(a < b for a, b in zip(other_moves, moved))
        if other_median_m <= DATUM_CHECK_SHARE * median_m and closer >= 0.8 * len(compared) \
                and (best is None or other_median_m < best["other_m"]):
            best = {"datum": datum.value, "likely": other.value, "n": len(compared), "median_m": median_m,
                    "other_m": other_median_m}
    return best


def _geocode_rows(ctx: _Context, plan: ImportPlan, staged: list[tuple[PlanRow, dict, Any]],
                  geocode: Callable[[str], list[GeocodedPlace]] | None) -> dict[int, GeocodedPlace]:
    """Geocode the rows that give an address and no coordinates: new stations, and stations
    whose position is a placeholder when the sheet gives them a new address (never over a
    verified position)."""
    wanted: list[tuple[PlanRow, str]] = []
    for plan_row, given, position in staged:
        if position is not None or plan_row.problems or not given.get("address") or plan_row.action == "choose":
            continue
        old = ctx.register.get(plan_row.station_id) if plan_row.action == "update" else None
        if old:
            status, address = old["properties"]["location_status"], old["properties"].get("address")
            # a verified or geocoded position is not replaced by an answer for the same address
            if status == LocationStatus.VERIFIED.value or (address == given["address"] and status != LocationStatus.NEEDS_POSITION.value):
                continue
        plan_row.geocode_query = _geocode_query(given["address"])
        wanted.append((plan_row, plan_row.geocode_query))
    found: dict[int, GeocodedPlace] = {}
    if not wanted:
        return found
    if geocode is None:
        plan.file_warnings.append(Problem("warn_import_no_geocoder", {"n": len(wanted)}))
        return found
    answers: dict[str, list[GeocodedPlace]] = {}
    for plan_row, query in wanted:
        if query not in answers:
            try:
                answers[query] = geocode(query)
            except GeocodingError as err:
                plan.file_warnings.append(Problem(err.key if err.key else "err_literal", err.params or {"text": str(err)}))
                plan.file_warnings.append(Problem("warn_import_geocoding_stopped", {"n": len(wanted)}))
                return found
        inside = [p for p in answers[query] if ctx.town.contains(p.lon, p.lat)]
        if inside:
            found[plan_row.row] = inside[0]
        else:
            key = "warn_import_geocoded_outside" if answers[query] else "warn_import_geocoded_nothing"
            plan_row.warnings.append(Problem(key, {"address": query}, **_where(ctx, plan_row.row, "address")))
    return found


# --- applying it -------------------------------------------------------------------------------

def apply_import_plan(plan: ImportPlan, register: gpd.GeoDataFrame, *, partial: bool = False) -> ImportOutcome:
    """The register with the plan's ready rows applied (and, in replace mode, the stations no
    row names removed). Unless ``partial``, a plan with any row left out is refused: applying
    only the good rows is a choice the planner makes explicitly."""
    if plan.file_problems:
        raise GeoDataError("err_import_file_unusable", source=plan.source)
    left_out = plan.left_out_rows()
    if left_out and not partial:
        raise GeoDataError("err_import_rows_left_out", n=len(left_out))
    features = stations_to_feature_collection(register)["features"]
    position = {f["properties"]["id"]: i for i, f in enumerate(features)}
    added, updated = [], []
    for plan_row in plan.ready_rows():
        feature = {"type": "Feature", "properties": dict(plan_row.properties),
                   "geometry": {"type": "Point", "coordinates": list(plan_row.new_lonlat)}}
        if plan_row.action == "new":
            features.append(feature)
            added.append(plan_row.station_id)
        elif plan_row.action == "update":
            features[position[plan_row.station_id]] = feature
            updated.append(plan_row.station_id)
    removed = tuple(plan.removed)
    features = [f for f in features if f["properties"]["id"] not in removed]
    return ImportOutcome(stations_from_features(features), tuple(r.row for r in plan.ready_rows()),
                         tuple(r.row for r in left_out), tuple(added), tuple(updated), removed)


def plan_preview_table(plan: ImportPlan, lang: str, community_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One line per sheet row, as the preview shows it, headers and values in ``lang``:
    row, name, outcome, station, type, village/community, amenities and hours as they will be
    stored, how it was matched, old and new WGS-84 position (for a refused position: where the
    file puts it), move (m), where the position comes from, and what is wrong or worth knowing."""

    community_names = community_names or {}
    def lonlat(value: tuple[float, float] | None) -> str:
        return "" if value is None else f"{value[1]:.6f}, {value[0]:.6f}"

    def matched(row: PlanRow) -> str:
        if row.matched_by == "name":
            return t("import_matched_name", lang, score=row.score)
        return t(f"import_matched_{row.matched_by}", lang) if row.matched_by else ""

    accept = plan.settings.accept_far_moves
    records = []
    for row in plan.rows:
        outcome = t(f"import_action_{row.action}", lang)
        if row.action in ("update", "new", "unchanged") and not row.ready(accept):
            outcome = t("import_action_held", lang)
        notes = [replace(p, row=None).text(lang) for p in [*row.problems, *row.warnings]]  # the row has its column
        props = row.properties
        if row.far_move:
            notes.insert(0, t("import_far_move", lang, km=FAR_MOVE_M / 1000))
        records.append({
            t("import_col_row", lang): row.row,
            t("import_col_name", lang): row.name,
            t("import_col_outcome", lang): outcome,
            t("import_col_station", lang): row.station_id or "",
            t("import_col_type", lang): label_of("station_type", kind, lang) if (kind := props.get("station_type")) else "",
            t("import_col_community", lang): community_names.get(code, code) if (code := props.get("community_code")) else "",
            t("import_col_amenities", lang): "、".join(label_of("amenity", a, lang) for a in props.get("amenities") or []),
            t("import_col_hours", lang): props.get("opening_hours") or "",
            t("import_col_matched", lang): matched(row),
            t("import_col_old", lang): lonlat(row.old_lonlat),
            t("import_col_new", lang): lonlat(row.new_lonlat),
            t("import_col_move_m", lang): "" if row.move_m is None else f"{row.move_m:,.0f}",
            t("import_col_position", lang): t(f"import_position_{row.position_from}", lang) if row.new_lonlat else "",
            t("import_col_notes", lang): "; ".join(notes),
        })
    # what the planner acts on first: outcome, move and notes; positions after
    return pd.DataFrame.from_records(records, columns=[t(k, lang) for k in (
        "import_col_row", "import_col_name", "import_col_outcome", "import_col_station", "import_col_type",
        "import_col_move_m", "import_col_notes", "import_col_community", "import_col_amenities", "import_col_hours",
        "import_col_matched", "import_col_old", "import_col_new", "import_col_position")])
