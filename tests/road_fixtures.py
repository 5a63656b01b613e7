"""A small town the tests build: a street grid split by a river that one bridge crosses.

Columns of streets ~95 m apart, rows ~111 m apart (0.001 degrees each way). The river runs
north-south between column ``RIVER_WEST`` and ``RIVER_WEST + 1``; only row 0 (the south end)
crosses it. A rider on the west bank at row 8 sees a station straight across the river (~95 m)
that is nearly 2 km away by road, and one 444 m down their own bank.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from pyproj import Geod

LON0, LAT0 = 116.800, 30.730
STEP = 0.001
COLUMNS, ROWS = 10, 10
RIVER_WEST = 4
BRIDGE_ROW = 0
GEOD = Geod(ellps="WGS84")


def node(column: int, row: int) -> tuple[float, float]:
    return round(LON0 + column * STEP, 6), round(LAT0 + row * STEP, 6)


def grid_edges() -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Street segments between neighbouring crossings, the river crossed only at the bridge."""
    edges = []
    for column in range(COLUMNS):
        for row in range(ROWS):
            if column + 1 < COLUMNS and (column != RIVER_WEST or row == BRIDGE_ROW):
                edges.append(((column, row), (column + 1, row)))
            if row + 1 < ROWS:
                edges.append(((column, row), (column, row + 1)))
    return edges


#: The rider, a few metres east of the west bank's street at row 8.
RIDER = (LON0 + RIVER_WEST * STEP + 0.00005, LAT0 + 8 * STEP)
#: Straight across the river: nearest by straight line.
ACROSS_RIVER = node(RIVER_WEST + 1, 8)
#: Down the west bank: nearest by road.
SAME_BANK = node(RIVER_WEST, 4)


def write_geojson(path: Path, *, extra: list[dict] | None = None) -> Path:
    features = [
        {"type": "Feature", "properties": {"highway": "residential"},
         "geometry": {"type": "LineString", "coordinates": [node(*a), node(*b)]}}
        for a, b in grid_edges()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features + (extra or [])}), encoding="utf-8")
    return path


def write_osm(path: Path, *, extra_ways: str = "") -> Path:
    """The same grid as OpenStreetMap XML: one way per segment, nodes shared at crossings."""
    ids = {(c, r): 1000 + c * ROWS + r for c in range(COLUMNS) for r in range(ROWS)}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="gaohe-tests">']
    for (c, r), osm_id in ids.items():
        lon, lat = node(c, r)
        lines.append(f'  <node id="{osm_id}" version="1" lat="{lat}" lon="{lon}"/>')
    for number, (a, b) in enumerate(grid_edges()):
        lines.append(f'  <way id="{5000 + number}" version="1"><nd ref="{ids[a]}"/><nd ref="{ids[b]}"/>'
                     '<tag k="highway" v="residential"/></way>')
    lines.append(extra_ways)
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def oracle_graph() -> nx.Graph:
    """The grid as a networkx graph with pyproj.Geod lengths: an independent oracle."""
    graph = nx.Graph()
    for a, b in grid_edges():
        (lon1, lat1), (lon2, lat2) = node(*a), node(*b)
        graph.add_edge(a, b, length=GEOD.inv(lon1, lat1, lon2, lat2)[2])
    return graph


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def write_register(path: Path) -> Path:
    """A valid register of two party-mass stations, open 24/7: one across the river from the
    rider, one down the same bank."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.register.geojson import document_bytes, load_stations, stations_to_feature_collection

    everything = load_stations()
    two = everything[everything.station_type == "party_mass"].iloc[:2].copy()
    two["opening_hours"] = "24/7"
    two["name_zh"] = ["对岸驿站", "同岸驿站"]
    two = gpd.GeoDataFrame(two, geometry=[Point(*ACROSS_RIVER), Point(*SAME_BANK)], crs="EPSG:4326")
    path.write_bytes(document_bytes(stations_to_feature_collection(two)))
    return path
