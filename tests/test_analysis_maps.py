"""The coverage and gap-analysis maps: every layer in the legend, colours that mean what the
legend says, positions in the basemap's datum, and a standalone file that needs no server."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from geo.analysis.coverage_result import summarise_coverage
from geo.analysis.demand import demo_demand
from geo.analysis.gap_analysis import hex_candidates, plan_sites, prepare_gaps
from geo.maps.analysis_layers import DISTANCE_COLOURS
from geo.maps.base import DataLayer, standalone_html
from geo.maps.coverage import build_coverage_map
from geo.maps.gaps import build_gaps_map
from geo.place.datum import wgs84_to_gcj02
from geo.place.describe import reference_places


def coverage_map(stations, summary, **options):
    return build_coverage_map(stations, areas_by_type=summary.areas_by_type, overlap=summary.overlap,
                              study_area=summary.study_area, distance_hexes=summary.distance_hexes,
                              demand_hexes=summary.demand_hexes, radius_m=summary.headline_radius_m,
                              **{"lang": "zh", **options})


def data_layers(fmap) -> dict[str, dict]:
    return {child.layer_name: json.loads(child.data_json) for child in fmap._children.values()
            if isinstance(child, DataLayer)}


def legend_html(fmap) -> str:
    return next(child.legend_html for child in fmap._children.values() if type(child).__name__ == "Legend")


def test_distance_colours_follow_multiples_of_the_radius_as_the_legend_says(stations, study):
    summary = summarise_coverage(stations, study, 400.0)
    fmap = coverage_map(stations, summary)
    layer = data_layers(fmap)["到最近站点距离(六边形)"]
    bounds = np.array([200.0, 400.0, 600.0, 800.0, 1200.0])  # r/2, r, 1.5r, 2r, 3r
    for feature, nearest in zip(layer["features"], summary.distance_hexes["nearest_m"]):
        expected = DISTANCE_COLOURS[int(np.sum(nearest > bounds))]
        assert feature["properties"]["style"]["fillColor"] == expected
    legend = legend_html(fmap)
    for label in ("≤ 200 m", "200 m – 400 m", "800 m – 1,200 m", "&gt; 1,200 m", "研究区", "重叠覆盖(2+)",
                  "红色驿站 (6)", "站点与服务范围(半径 400 米)"):
        assert label in legend, label


def test_demand_layer_is_shown_with_its_legend_and_distance_can_be_switched_on(stations, study):
    fmap = coverage_map(stations, summarise_coverage(stations, study, 500.0, demo_demand()))
    html = fmap.get_root().render()
    assert 'data-legend=\\"demand\\"' in html or 'data-legend=\\u0022demand' in html or "demand" in legend_html(fmap)
    layers = {child.layer_name: child for child in fmap._children.values() if isinstance(child, DataLayer)}
    assert layers["需求热力(六边形)"].show and not layers["到最近站点距离(六边形)"].show
    # the legend script shows a section only while its layer is on the map
    assert 'map.on("overlayadd overlayremove", sync)' in html and "ghLegend(map_" in html


def test_amap_maps_draw_hexagons_in_gcj02(stations, study):
    summary = summarise_coverage(stations, study, 500.0)
    wgs = data_layers(coverage_map(stations, summary, basemap="osm"))["到最近站点距离(六边形)"]
    gcj = data_layers(coverage_map(stations, summary, basemap="amap"))["到最近站点距离(六边形)"]
    lon, lat = wgs["features"][0]["geometry"]["coordinates"][0][0]
    assert gcj["features"][0]["geometry"]["coordinates"][0][0] == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-9)


def test_the_gap_map_numbers_the_sites_describes_them_and_rings_what_if_stations(stations, study):
    from geo.analysis.scenario import Scenario, apply_scenario

    scenario = Scenario()
    scenario.add_station(116.81, 30.73, "red")
    with_whatif = apply_scenario(stations, scenario)
    problem = prepare_gaps(stations, with_whatif, demo_demand(), hex_candidates(study), study, 1000.0,
                           references=reference_places(stations))
    plan = plan_sites(problem, 3)
    fmap = build_gaps_map(with_whatif, picks=plan.picks, clusters=problem.clusters, access_hexes=problem.cells,
                          study_area=study, lang="zh")
    layers = data_layers(fmap)
    picks = layers["推荐新站"]["features"]
    assert [re.search(r"★(\d+)", f["properties"]["icon"]["html"]).group(1) for f in picks] == ["1", "2", "3"]
    assert all(("以" in f["properties"]["tip"] or "方向" in f["properties"]["tip"]) for f in picks)
    rings = [f for f in layers["站点"]["features"] if "gh-whatif" in f["properties"]["icon"]["html"]]
    assert len(rings) == 1
    legend = legend_html(fmap)
    for label in ("推荐新站(数字 = 顺序)", "假设新增站点", "1.5 公里内无站点", "可达性:每 100 需求单位可用站位"):
        assert label in legend


def test_the_standalone_file_inlines_leaflet_and_its_images(stations, study):
    page = standalone_html(coverage_map(stations, summarise_coverage(stations, study, 500.0)))
    assert re.findall(r'(?:src|href)="/app/static', page) == []  # every file inlined
    assert "/app/static" not in page
    assert "https://cdn" not in page and 'src="http' not in page
    assert "Leaflet 1.9.3" in page  # the library itself is inside
    urls = re.findall(r"url\(([^)]*)\)", page)
    assert urls and all(u.startswith("data:image/png;base64,") or u == "#default#VML" for u in urls)
    assert 'ghMapStyle(map_' in page and '{"imagePath": "", "icon": {"iconUrl": "data:image/png;base64,' in page
