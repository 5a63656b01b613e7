"""What-if scenarios: stations added, moved or removed in a planner's session, never in the
stored register. A scenario is a small JSON document that can be saved, reloaded and compared."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.errors import GeoDataError
from geo.model import StationType

SCENARIO_VERSION = 1


class ScenarioError(GeoDataError):
    """A scenario file is unreadable or refers to stations that do not exist."""


@dataclass
class Scenario:
    name: str = "方案 A"
    #: new stations: {"id", "station_type", "name_zh", "lon", "lat"} (WGS-84)
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
    def from_json(cls, text: str | bytes) -> "Scenario":
        try:
            doc = json.loads(text)
            if doc.get("version") != SCENARIO_VERSION:
                raise ScenarioError("err_scenario_version", version=repr(doc.get("version")), expected=SCENARIO_VERSION)
            scenario = cls(name=str(doc.get("name", "")), added=list(doc.get("added", [])),
                           moved={str(k): [float(v[0]), float(v[1])] for k, v in dict(doc.get("moved", {})).items()},
                           removed=[str(r) for r in doc.get("removed", [])])
        except (ValueError, TypeError, AttributeError, IndexError, KeyError) as err:
            raise ScenarioError("err_scenario_unreadable", reason=str(err)) from err
        types = {t.value for t in StationType}
        for added in scenario.added:
            if not {"id", "lon", "lat", "station_type"} <= set(added) or added["station_type"] not in types:
                raise ScenarioError("err_scenario_added", station=repr(added))
        return scenario


def apply_scenario(stations: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """The register as the scenario would change it (EPSG:4326); the input is not modified."""
    unknown = sorted((set(scenario.removed) | set(scenario.moved)) - set(stations["id"]))
    if unknown:
        raise ScenarioError("err_scenario_unknown_ids", ids=", ".join(unknown))
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
