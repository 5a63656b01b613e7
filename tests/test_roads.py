"""Road distances: a grid with a river and one bridge, from GeoJSON and OSM XML, against
networkx + pyproj.Geod (and osmnx as a peer reader of the same OSM file)."""

from __future__ import annotations

import os

import networkx as nx
import numpy as np
import pytest
from road_fixtures import (
    ACROSS_RIVER,
    BRIDGE_ROW,
    RIDER,
    RIVER_WEST,
    SAME_BANK,
    geodesic_m,
    node,
    oracle_graph,
    write_geojson,
    write_osm,
)

import geo.place.roads
from geo.errors import RoadNetworkError
from geo.place.roads import (
    MAX_SNAP_M,
    NODE_SPACING_M,
    cache_path,
    load_road_network,
    nearest_nodes,
    network_from_lines,
    road_distances_m,
)


@pytest.fixture
def geojson_network(tmp_path):
    return load_road_network(write_geojson(tmp_path / "roads.geojson"), cache_dir=tmp_path / "cache")


def oracle_m(origin_cell: tuple[int, int], origin: tuple[float, float], target_cell: tuple[int, int]) -> float:
    """Walk to the crossing, then the shortest path through the grid (networkx, Geod lengths)."""
    along = nx.shortest_path_length(oracle_graph(), origin_cell, target_cell, weight="length")
    return geodesic_m(origin, node(*origin_cell)) + along


def test_the_straight_line_nearest_across_the_river_is_far_by_road(geojson_network):
    across, same_bank = road_distances_m(geojson_network, *RIDER, [ACROSS_RIVER[0], SAME_BANK[0]],
                                         [ACROSS_RIVER[1], SAME_BANK[1]])
    assert geodesic_m(RIDER, ACROSS_RIVER) < geodesic_m(RIDER, SAME_BANK)  # the trap the grid sets
    assert across == pytest.approx(oracle_m((RIVER_WEST, 8), RIDER, (RIVER_WEST + 1, 8)), abs=0.5)
    assert same_bank == pytest.approx(oracle_m((RIVER_WEST, 8), RIDER, (RIVER_WEST, 4)), abs=0.5)
    assert same_bank < across
    # by hand: 8 blocks south to the bridge, across, 8 blocks north: about 1.9 km
    assert 1800 < across < 1950 and 440 < same_bank < 460


def test_every_crossing_to_every_other_matches_networkx_on_geod_lengths(geojson_network):
    graph = oracle_graph()
    origin_cell = (2, 3)
    origin = node(*origin_cell)
    cells = sorted(graph.nodes)
    expected = nx.single_source_dijkstra_path_length(graph, origin_cell, weight="length")
    lon = [node(*c)[0] for c in cells]
    lat = [node(*c)[1] for c in cells]
    measured = road_distances_m(geojson_network, *origin, lon, lat)
    np.testing.assert_allclose(measured, [expected[c] for c in cells], atol=0.5)


def test_osm_xml_gives_the_same_network_and_osmnx_agrees(tmp_path, geojson_network):
    import osmnx

    path = write_osm(tmp_path / "town.osm")
    from_osm = load_road_network(path, cache_dir=tmp_path / "cache")
    assert from_osm.node_count == geojson_network.node_count
    assert from_osm.length_km == pytest.approx(geojson_network.length_km, rel=1e-9)
    # osmnx reads the same file on its own; its lengths are great-circle (a sphere), ours ellipsoidal
    peer = osmnx.graph_from_xml(path, simplify=False, retain_all=True)
    start = 1000 + RIVER_WEST * 10 + 8
    end = 1000 + (RIVER_WEST + 1) * 10 + 8
    peer_m = nx.shortest_path_length(peer.to_undirected(), start, end, weight="length")
    (ours_m,) = road_distances_m(from_osm, *node(RIVER_WEST, 8), [ACROSS_RIVER[0]], [ACROSS_RIVER[1]])
    assert ours_m == pytest.approx(peer_m, rel=5e-3)


def test_expressways_and_private_ways_are_not_roads_for_riders(tmp_path):
    # a motorway and a private lane straight across the river: neither may be used
    shortcut = (
        '<way id="9001" version="1"><nd ref="1048"/><nd ref="1058"/><tag k="highway" v="motorway"/></way>'
        '<way id="9002" version="1"><nd ref="1048"/><nd ref="1058"/><tag k="highway" v="service"/>'
        '<tag k="access" v="private"/></way>'
    )
    network = load_road_network(write_osm(tmp_path / "town.osm", extra_ways=shortcut), cache_dir=tmp_path)
    (across,) = road_distances_m(network, *node(RIVER_WEST, 8), [ACROSS_RIVER[0]], [ACROSS_RIVER[1]])
    assert across > 1800


def test_a_usable_shortcut_changes_the_answer(tmp_path):
    footbridge = [{"type": "Feature", "properties": {},
                   "geometry": {"type": "LineString", "coordinates": [node(RIVER_WEST, 8), node(RIVER_WEST + 1, 8)]}}]
    network = load_road_network(write_geojson(tmp_path / "roads.geojson", extra=footbridge), cache_dir=tmp_path)
    (across,) = road_distances_m(network, *RIDER, [ACROSS_RIVER[0]], [ACROSS_RIVER[1]])
    assert across == pytest.approx(geodesic_m(RIDER, node(RIVER_WEST, 8)) + geodesic_m(node(RIVER_WEST, 8), ACROSS_RIVER),
                                   abs=0.5)


def test_long_segments_get_nodes_so_a_point_snaps_to_the_road_beside_it(geojson_network):
    # halfway along a 111 m block: the nearest node is within half the node spacing
    lon, lat = node(1, 2)[0], node(1, 2)[1] + 0.0005
    _, snapped_m = nearest_nodes(geojson_network, lon, lat)
    assert snapped_m[0] <= NODE_SPACING_M / 2 + 0.01


def test_points_far_from_every_road_are_not_given_a_road_distance(geojson_network):
    far = (node(0, 0)[0] - 0.01, node(0, 0)[1])  # ~950 m west of the grid
    assert geodesic_m(far, node(0, 0)) > MAX_SNAP_M
    assert np.isinf(road_distances_m(geojson_network, *far, [SAME_BANK[0]], [SAME_BANK[1]])).all()
    assert np.isinf(road_distances_m(geojson_network, *RIDER, [far[0]], [far[1]])).all()


def test_only_the_largest_connected_part_is_kept():
    main = [np.array([[116.8, 30.73], [116.81, 30.73]])]
    island = [np.array([[116.9, 30.8], [116.9001, 30.8]])]
    network = network_from_lines(main + island)
    assert network.node_lon.max() < 116.85


def test_the_graph_is_cached_on_disk_and_rebuilt_when_the_file_changes(tmp_path, monkeypatch):
    path = write_geojson(tmp_path / "roads.geojson")
    first = load_road_network(path, cache_dir=tmp_path / "cache")
    cached = cache_path(path, tmp_path / "cache")
    assert cached.is_file()

    def no_reading(_path):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(geo.place.roads, "read_road_lines", no_reading)
    again = load_road_network(path, cache_dir=tmp_path / "cache")
    assert again.node_count == first.node_count and again.length_km == pytest.approx(first.length_km)
    monkeypatch.undo()

    os.utime(path, ns=(1, 1))  # the file "changed": a new cache key, a rebuild
    assert cache_path(path, tmp_path / "cache") != cached
    assert load_road_network(path, cache_dir=tmp_path / "cache").node_count == first.node_count


def test_a_torn_cache_file_is_rebuilt(tmp_path):
    path = write_geojson(tmp_path / "roads.geojson")
    cached = cache_path(path, tmp_path)
    cached.write_bytes(b"PK\x03\x04 not really a zip")
    assert load_road_network(path, cache_dir=tmp_path).node_count > 100


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        ("roads.geojson", '{"type": "FeatureCollection", "features": []}', "err_roads_empty"),
        ("roads.geojson", "{not json", "err_roads_unreadable"),
        ("roads.osm", "<osm><broken", "err_roads_unreadable"),
        ("roads.shp.zip", "PK", "err_roads_format"),
    ],
)
def test_unusable_files_get_a_clear_error(tmp_path, name, content, key):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RoadNetworkError) as caught:
        load_road_network(path, cache_dir=tmp_path / "cache")
    assert caught.value.key == key
    assert str(path) in caught.value.localized("zh")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(RoadNetworkError, match="not found"):
        load_road_network(tmp_path / "nowhere.osm.pbf")


def test_the_bridge_is_the_only_way_across(geojson_network):
    # south of the bridge row nothing exists: row 0 is the bridge itself
    assert BRIDGE_ROW == 0
    west, east = node(RIVER_WEST, 0), node(RIVER_WEST + 1, 0)
    (across_at_bridge,) = road_distances_m(geojson_network, *west, [east[0]], [east[1]])
    assert across_at_bridge == pytest.approx(geodesic_m(west, east), abs=0.5)
