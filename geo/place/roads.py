"""Road distances over a town's street network, for riders' ETAs.

A network comes from an OpenStreetMap extract (``.osm`` XML or ``.osm.pbf``, read with pyosmium)
or a GeoJSON of road lines (read with pyogrio). Lines that share a vertex are connected; lines
that only cross (a bridge over a street) are not. Long segments are split every
:data:`NODE_SPACING_M` so that a point snaps to the road near it, and only the largest connected
part is kept (stray fragments would make whole answers unreachable). Streets are taken as
two-way: riders push e-bikes and walk, and one-way tags in a town extract are rarely complete.

The graph is built once and cached to disk as ``.npz`` (node positions and edge lengths), keyed
by the source file's size and modification time; answers use one Dijkstra (``scipy.sparse.csgraph``)
from the rider's nearest node. Distances are metres on the WGS-84 ellipsoid.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.errors import RoadNetworkError
from geo.place.geodesy import ellipsoidal_distance_m, unit_vectors
from geo.tables import write_bytes_atomic

#: Longest stretch of road without a node: a point snaps to a node at most half this far along.
NODE_SPACING_M = 25.0
#: A rider or station further than this from every road is answered by straight line.
MAX_SNAP_M = 300.0
#: OSM ``highway`` values riders cannot use (expressways) or that are not roads yet.
EXCLUDED_HIGHWAYS = frozenset(
    {"motorway", "motorway_link", "construction", "proposed", "abandoned", "razed", "platform", "raceway",
     "bus_guideway", "escape", "elevator"}
)
#: Bumped when the cache format or the building rules change, so old caches are rebuilt.
CACHE_VERSION = 1
ROAD_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".geojson", ".json")



@dataclass(frozen=True)
class RoadNetwork:
    """An undirected street graph: node positions (WGS-84 degrees) and edge lengths (metres)."""

    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    #: Symmetric sparse matrix of edge lengths in metres.
    graph: csr_matrix
    tree: cKDTree
    #: The file the network was built from.
    source: str

    @property
    def node_count(self) -> int:
        return len(self.node_lon)

    @property
    def edge_count(self) -> int:
        return self.graph.nnz // 2

    @property
    def length_km(self) -> float:
        return float(self.graph.sum() / 2 / 1000)


def network_from_lines(lines: list[NDArray[np.float64]], *, source: str = "") -> RoadNetwork:
    """A network from polylines, each an ``(n, 2)`` array of lon/lat (WGS-84) vertices."""
    lines = [np.asarray(line, dtype=float).reshape(-1, 2) for line in lines if len(line) >= 2]
    if not lines:
        raise RoadNetworkError("err_roads_empty", path=source)
    starts, ends = [], []
    for line in lines:
        dense = _densify(line)
        starts.append(dense[:-1])
        ends.append(dense[1:])
    start, end = np.concatenate(starts), np.concatenate(ends)
    # vertices within ~1 cm are one node: that is how lines that share a vertex connect
    keys = np.round(np.concatenate([start, end]) * 1e7).astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    u, v = inverse[: len(start)], inverse[len(start):]
    node = unique / 1e7
    keep = u != v
    u, v = u[keep], v[keep]
    length = ellipsoidal_distance_m(node[u, 0], node[u, 1], node[v, 0], node[v, 1])
    return _largest_part(node[:, 0], node[:, 1], u, v, length, source)


def _densify(line: NDArray[np.float64]) -> NDArray[np.float64]:
    """The polyline with extra vertices so that no segment is longer than NODE_SPACING_M."""
    seg_m = ellipsoidal_distance_m(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1])
    pieces = np.maximum(1, np.ceil(seg_m / NODE_SPACING_M).astype(int))
    if (pieces == 1).all():
        return line
    out = []
    for a, b, n in zip(line[:-1], line[1:], pieces):
        # linear in degrees: over tens of metres the difference from the geodesic is sub-millimetre
        out.append(a + (b - a) * (np.arange(n)[:, None] / n))
    out.append(line[-1:])
    return np.concatenate(out)


def _largest_part(lon: NDArray, lat: NDArray, u: NDArray, v: NDArray, length: NDArray, source: str) -> RoadNetwork:
    n = len(lon)
    # two lines over the same stretch would add up their lengths in a sparse sum: keep the shortest
    pairs = coo_matrix((np.concatenate([length, length]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    order = np.lexsort((pairs.data, pairs.col, pairs.row))
    row, col, data = pairs.row[order], pairs.col[order], pairs.data[order]
    first = np.ones(len(row), dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    matrix = csr_matrix((data[first], (row[first], col[first])), shape=(n, n))
    _, labels = connected_components(matrix, directed=False)
    biggest = np.bincount(labels).argmax()
    kept = np.flatnonzero(labels == biggest)
    matrix = matrix[kept][:, kept].tocsr()
    lon, lat = lon[kept], lat[kept]
    return RoadNetwork(lon, lat, matrix, cKDTree(unit_vectors(lon, lat)), source)


# --- reading -------------------------------------------------------------------------------


def _lines_from_geojson(path: Path) -> list[NDArray[np.float64]]:
    """Road lines of an RFC 7946 GeoJSON file (WGS-84 lon/lat by definition)."""
    import json

    import shapely

    from geo.readers import geojson_geometries

    try:
        geometries = geojson_geometries(json.loads(path.read_text(encoding="utf-8")))
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError included
        raise RoadNetworkError("err_roads_unreadable", path=str(path), reason=str(err) or type(err).__name__) from None
    return [shapely.get_coordinates(part) for geometry in geometries for part in shapely.get_parts(geometry)
            if part.geom_type == "LineString"]


def _lines_from_osm(path: Path) -> list[NDArray[np.float64]]:
    import osmium

    lines = []
    try:
        # nodes must be read too: the location cache fills from them
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        for way in processor:
            if not way.is_way():
                continue
            highway = way.tags.get("highway")
            if highway is None or highway in EXCLUDED_HIGHWAYS or way.tags.get("area") == "yes":
                continue
            if way.tags.get("access") in ("no", "private"):
                continue
            coords = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
            if len(coords) >= 2:
                lines.append(np.array(coords, dtype=float))
    except (RuntimeError, osmium.InvalidLocationError) as err:
        raise RoadNetworkError("err_roads_unreadable", path=str(path), reason=str(err)) from None
    return lines


def read_road_lines(path: Path | str) -> list[NDArray[np.float64]]:
    """The road polylines of an OSM extract or a GeoJSON file, lon/lat (WGS-84)."""
    path = Path(path)
    if not path.is_file():
        raise RoadNetworkError("err_roads_missing", path=str(path))
    name = path.name.lower()
    if name.endswith((".osm", ".osm.pbf", ".pbf")):
        return _lines_from_osm(path)
    if name.endswith((".geojson", ".json")):
        return _lines_from_geojson(path)
    raise RoadNetworkError("err_roads_format", path=str(path), allowed=", ".join(ROAD_SUFFIXES))


# --- cache -----------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    """``$GAOHE_CACHE_DIR``, else ``$XDG_CACHE_HOME/gaohe-station-map`` (``~/.cache/...``)."""
    if os.environ.get("GAOHE_CACHE_DIR"):
        return Path(os.environ["GAOHE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gaohe-station-map"


def cache_path(path: Path | str, cache_dir: Path | str | None = None) -> Path:
    """Where the graph of ``path`` is cached: named by the file's path, size and modification time."""
    path = Path(path).resolve()
    stat = path.stat()
    fingerprint = f"{CACHE_VERSION}|{path}|{stat.st_size}|{stat.st_mtime_ns}|{NODE_SPACING_M}"
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:20]
    return Path(cache_dir or default_cache_dir()) / f"roads-{digest}.npz"


def load_road_network(path: Path | str, *, cache_dir: Path | str | None = None) -> RoadNetwork:
    """The network of ``path``, from the disk cache when the file has not changed since."""
    path = Path(path)
    if not path.is_file():
        raise RoadNetworkError("err_roads_missing", path=str(path))
    cached = cache_path(path, cache_dir)
    if cached.is_file():
        try:
            return _read_cache(cached, str(path))
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # a torn or foreign cache file is rebuilt below
    network = network_from_lines(read_road_lines(path), source=str(path))
    try:
        _write_cache(network, cached)
    except OSError:
        pass  # a read-only cache folder costs a rebuild next start, nothing else
    return network


def _write_cache(network: RoadNetwork, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    coo = network.graph.tocoo()
    half = coo.row < coo.col
    packed = io.BytesIO()
    np.savez_compressed(packed, lon=network.node_lon, lat=network.node_lat, u=coo.row[half], v=coo.col[half],
                        length=coo.data[half], version=np.array([CACHE_VERSION]))
    write_bytes_atomic(packed.getvalue(), target)


def _read_cache(cached: Path, source: str) -> RoadNetwork:
    with cached.open("rb") as handle, np.load(handle, allow_pickle=False) as stored:
        if int(stored["version"][0]) != CACHE_VERSION:
            raise ValueError("old cache")
        lon, lat, u, v, length = (stored[k] for k in ("lon", "lat", "u", "v", "length"))
    n = len(lon)
    graph = csr_matrix((np.concatenate([length, length]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    return RoadNetwork(lon, lat, graph, cKDTree(unit_vectors(lon, lat)), source)


# --- distances -------------------------------------------------------------------------------


def nearest_nodes(network: RoadNetwork, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The nearest node of each point and its distance in metres (ellipsoidal)."""
    lon_a, lat_a = np.atleast_1d(np.asarray(lon, dtype=float)), np.atleast_1d(np.asarray(lat, dtype=float))
    _, node = network.tree.query(unit_vectors(lon_a, lat_a))
    node = np.asarray(node, dtype=np.int64)
    return node, ellipsoidal_distance_m(lon_a, lat_a, network.node_lon[node], network.node_lat[node])


def road_distances_m(network: RoadNetwork, lon: float, lat: float, to_lon: ArrayLike, to_lat: ArrayLike) -> NDArray[np.float64]:
    """Metres by road from one point to each destination: the walk to the nearest node, the
    shortest path, the walk from the last node. ``inf`` where the origin or a destination is more
    than :data:`MAX_SNAP_M` from every road."""
    to_lon_a = np.atleast_1d(np.asarray(to_lon, dtype=float))
    to_lat_a = np.atleast_1d(np.asarray(to_lat, dtype=float))
    result = np.full(len(to_lon_a), np.inf)
    if len(to_lon_a) == 0:
        return result
    (origin,), (origin_m,) = nearest_nodes(network, lon, lat)
    if origin_m > MAX_SNAP_M:
        return result
    ends, end_m = nearest_nodes(network, to_lon_a, to_lat_a)
    along = dijkstra(network.graph, directed=False, indices=int(origin))
    total = origin_m + along[ends] + end_m
    usable = end_m <= MAX_SNAP_M
    result[usable] = total[usable]
    return result
