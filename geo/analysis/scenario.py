"""What-if scenarios: stations added, moved or removed in a planner's session, never in the
stored register. A scenario is a small JSON document that can be saved, reloaded and compared.

A scenario file comes from outside (anyone can load one on the gap-analysis page), so it is
validated like a register file: every problem listed at once, positions checked against the
county, names checked as plain text, sizes bounded.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.errors import Problem, ScenarioError
from geo.readers import parse_json_bytes
from geo.register.model import StationType
from geo.register.validate import default_place_checker, text_problem

SCENARIO_VERSION = 1
#: A scenario file larger than this, or with more stations than this, is refused.
MAX_SCENARIO_BYTES = 1024 * 1024
MAX_SCENARIO_STATIONS = 1_000



@dataclass
class Scenario:
    name: str = "方案 A"
    #: new stations: {"id", "station_type", "name_zh", "name_en", "lon", "lat"} (WGS-84)
    added: list[dict] = field(default_factory=list)
    #: station id -> [lon, lat] (WGS-84)
    moved: dict[str, list[float]] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)

    def add_station(self, lon: float, lat: float, station_type: str = StationType.PARTY_MASS.value) -> str:
        new_id = f"NEW-{len(self.added) + 1:02d}"
        while any(a["id"] == new_id for a in self.added):
            new_id += "b"
        self.added.append({"id": new_id, "station_type": station_type, "name_zh": f"新增站点 {new_id[4:]}",
                           "name_en": f"New station {new_id[4:]}", "lon": float(lon), "lat": float(lat)})
        return new_id

    def to_json(self) -> str:
        return json.dumps({"version": SCENARIO_VERSION, **asdict(self)}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "scenario.json") -> "Scenario":
        """A scenario from a file's content; raises :class:`ScenarioError` listing every problem."""
        content = text.encode("utf-8") if isinstance(text, str) else text
        if len(content) > MAX_SCENARIO_BYTES:
            raise ScenarioError(source, [Problem("err_file_too_large", {"mb": len(content) / 1e6,
                                                                        "limit_mb": MAX_SCENARIO_BYTES / 1e6})])
        problems: list[Problem] = []
        doc = parse_json_bytes(content, problems)
        if problems:
            raise ScenarioError(source, problems)
        scenario = _scenario_from_document(doc, problems)
        if problems or scenario is None:
            raise ScenarioError(source, problems)
        return scenario


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _position_problem(lon: Any, lat: Any) -> tuple[str, dict[str, Any]] | None:
    x, y = _number(lon), _number(lat)
    if x is None or y is None:
        return "err_bad_coordinates", {"value": repr([lon, lat])[:80]}
    return default_place_checker().problem(x, y)


def _scenario_from_document(doc: Any, problems: list[Problem]) -> Scenario | None:
    if not isinstance(doc, dict):
        problems.append(Problem("err_not_a_scenario", {"kind": type(doc).__name__}))
        return None
    if doc.get("version") != SCENARIO_VERSION:
        problems.append(Problem("err_scenario_version", {"found": repr(doc.get("version"))[:20], "expected": SCENARIO_VERSION}))
        return None
    name = doc.get("name") or ""
    if name and (found := text_problem(name, max_chars=80)):
        problems.append(Problem(found[0], found[1], field="name"))
    added, moved, removed = doc.get("added", []), doc.get("moved", {}), doc.get("removed", [])
    if not isinstance(added, list) or not isinstance(moved, dict) or not isinstance(removed, list):
        problems.append(Problem("err_scenario_shape"))
        return None
    if len(added) + len(moved) + len(removed) > MAX_SCENARIO_STATIONS:
        problems.append(Problem("err_scenario_too_many", {"limit": MAX_SCENARIO_STATIONS}))
        return None
    types = {t.value for t in StationType}
    clean_added = []
    for number, station in enumerate(added, start=1):
        where = {"row": number, "unit": "feature"}
        if not isinstance(station, dict):
            problems.append(Problem("err_not_feature", **where))
            continue
        station_id = station.get("id")
        if found := text_problem(station_id, max_chars=40):
            problems.append(Problem(found[0], found[1], field="id", **where))
        if station.get("station_type") not in types:
            problems.append(Problem("err_bad_station_type", {"value": str(station.get("station_type"))[:40],
                                                             "allowed": ", ".join(sorted(types))}, field="station_type", **where))
        for key in ("name_zh", "name_en"):
            if key in station and (found := text_problem(station[key])):
                problems.append(Problem(found[0], found[1], field=key, **where))
        if found := _position_problem(station.get("lon"), station.get("lat")):
            problems.append(Problem(found[0], found[1], field="lon, lat", **where))
        clean_added.append({k: station[k] for k in ("id", "station_type", "name_zh", "name_en", "lon", "lat") if k in station})
    clean_moved = {}
    for station_id, position in moved.items():
        if not (isinstance(position, list) and len(position) == 2):
            problems.append(Problem("err_bad_coordinates", {"value": repr(position)[:80]}, station_id=str(station_id)[:40]))
        elif found := _position_problem(*position):
            problems.append(Problem(found[0], found[1], station_id=str(station_id)[:40]))
        else:
            clean_moved[str(station_id)] = [float(position[0]), float(position[1])]
    if not all(isinstance(r, str) for r in removed):
        problems.append(Problem("err_scenario_shape"))
    if problems:
        return None
    return Scenario(name=name or "", added=clean_added, moved=clean_moved, removed=list(removed))


def apply_scenario(stations: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """The register as the scenario would change it (EPSG:4326); the input is not modified."""
    unknown = sorted((set(scenario.removed) | set(scenario.moved)) - set(stations["id"]))
    if unknown:
        raise ScenarioError(scenario.name or "scenario", [Problem("err_scenario_unknown_stations", {"ids": ", ".join(unknown)[:200]})])
    result = stations[~stations["id"].isin(scenario.removed)].copy()
    for station_id, (lon, lat) in scenario.moved.items():
        result.loc[result["id"] == station_id, "geometry"] = Point(lon, lat)
    if scenario.added:
        rows = pd.DataFrame(scenario.added)
        new = gpd.GeoDataFrame(
            rows.drop(columns=["lon", "lat"]).assign(amenities=[[] for _ in range(len(rows))],
                                                     location_status="unverified", opening_hours="24/7",
                                                     hours_status="unverified", source="what-if scenario"),
            geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=stations.crs,
        )
        result = gpd.GeoDataFrame(pd.concat([result, new], ignore_index=True), crs=stations.crs)
    return result.reset_index(drop=True)
