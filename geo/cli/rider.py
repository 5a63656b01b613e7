"""Command line for riders' answers and what a deployment serves them with:

- ``python -m geo rider --lon .. --lat ..``: the rider page's answer (never empty: what is open
  now and what opens first when nothing fits), by road with ``--roads`` (or ``GAOHE_ROADS``);
- ``python -m geo roads FILE``: build (and cache) a road network, print its size;
- ``python -m geo tiles PATH``: check a local tile set (folder, MBTiles, PMTiles).
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from geo.cli.common import print_payload, report_error
from geo.errors import GeoDataError, StationDataError
from geo.hours import now_local
from geo.maps.tiles import open_tile_source
from geo.place.datum import Datum, convert
from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.place.roads import cache_path, load_road_network
from geo.register.geojson import load_stations
from geo.register.model import AMENITIES
from geo.rider.answer import PARKING_TYPES, REST_TYPES, answer_rider

_ROW_COLUMNS = ("rank", "id", "station_type", "name_zh", "name_en", "location_status", "opening_hours", "is_open")


def _rows(frame) -> list[dict]:
    return [
        {**{c: (bool(row[c]) if c == "is_open" else row[c]) for c in _ROW_COLUMNS}, "rank": int(row["rank"]),
         "lon": round(float(row.geometry.x), 7), "lat": round(float(row.geometry.y), 7),
         "distance_m": round(float(row["distance_m"]), 1), "route_m": round(float(row["route_m"]), 1),
         "route_kind": row["route_kind"], "ebike_s": round(float(row["ebike_s"])), "walk_s": round(float(row["walk_s"]))}
        for _, row in frame.iterrows()
    ]


def _cmd_rider(args: argparse.Namespace) -> int:
    try:
        stations = load_stations(args.file)
    except StationDataError as err:
        return report_error(err, args.json)
    try:
        lon, lat = (float(v) for v in convert(args.lon, args.lat, source=Datum(args.datum), target=Datum.WGS84))
        moment = datetime.fromisoformat(args.at) if args.at else now_local()
        roads_path = args.roads or os.environ.get("GAOHE_ROADS") or None
        roads = load_road_network(roads_path) if roads_path else None
        answer = answer_rider(stations, lon, lat, station_types=PARKING_TYPES if args.parking else REST_TYPES,
                              amenities=args.amenity or [], open_now=not args.any_hours, moment=moment, k=args.k,
                              roads=roads)
    except (GeoDataError, ValueError) as err:
        return report_error(err, args.json)
    first = answer.next_opening
    print_payload({
        "moment": moment.isoformat(timespec="minutes"),
        "route_kind": answer.route_kind,
        "results": _rows(answer.results),
        "empty_reason": answer.empty_reason,
        "open_now": _rows(answer.open_now) if answer.open_now is not None else None,
        "next_opening": None if first is None else {"id": first.station_id, "name_zh": first.name_zh,
                                                     "name_en": first.name_en,
                                                     "opens_at": first.opens_at.isoformat(timespec="minutes"),
                                                     "distance_m": round(first.distance_m, 1)},
    }, args.json)
    return 0


def _cmd_roads(args: argparse.Namespace) -> int:
    try:
        network = load_road_network(args.file)
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload({"file": str(args.file), "nodes": network.node_count, "edges": network.edge_count,
            "length_km": round(network.length_km, 3), "cache": str(cache_path(args.file))}, args.json)
    return 0


def _cmd_tiles(args: argparse.Namespace) -> int:
    try:
        source = open_tile_source(args.path)
    except GeoDataError as err:
        return report_error(err, args.json)
    print_payload({"path": str(args.path), "kind": source.kind, "min_zoom": source.min_zoom, "max_zoom": source.max_zoom,
            "served_at": "/tiles/{z}/{x}/{y}"}, args.json)
    return 0


def register_rider_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``rider``, ``roads`` and ``tiles`` to the ``python -m geo`` commands."""
    rider = commands.add_parser("rider", help="the rider page's answer for a point: never empty, by road if configured")
    rider.add_argument("--lon", type=float, required=True, help="longitude (degrees)")
    rider.add_argument("--lat", type=float, required=True, help="latitude (degrees)")
    rider.add_argument("--datum", choices=[d.value for d in Datum], default="wgs84")
    rider.add_argument("--parking", action="store_true", help="e-bike parking points instead of rest stops")
    rider.add_argument("--amenity", action="append", choices=[a for a in AMENITIES if a != "parking"],
                       help="wanted amenity (repeatable; any one of them will do, as on the rider pages)")
    rider.add_argument("--at", help="the moment, ISO (naive = Asia/Shanghai); default now")
    rider.add_argument("--any-hours", action="store_true", help="closed places too")
    rider.add_argument("-k", type=int, default=3)
    rider.add_argument("--roads", type=Path, help="road network (.osm, .osm.pbf, .geojson); default $GAOHE_ROADS")
    rider.add_argument("--file", type=Path, default=DEFAULT_STATIONS_PATH, help="station register")
    rider.add_argument("--json", action="store_true", help="machine-readable output")
    rider.set_defaults(run=_cmd_rider)

    roads = commands.add_parser("roads", help="build and cache a road network; print its size")
    roads.add_argument("file", type=Path)
    roads.add_argument("--json", action="store_true", help="machine-readable output")
    roads.set_defaults(run=_cmd_roads)

    tiles = commands.add_parser("tiles", help="check a local tile set (z/x/y folder, .mbtiles, .pmtiles)")
    tiles.add_argument("path", type=Path)
    tiles.add_argument("--json", action="store_true", help="machine-readable output")
    tiles.set_defaults(run=_cmd_tiles)
