"""``python -m geo rider / roads / tiles``: the rider's answer and the deployment's files."""

from __future__ import annotations

import json

from road_fixtures import RIDER, write_geojson, write_register
from tile_fixtures import ZOOMS, write_mbtiles

from geo.cli.main import main


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_at_night_the_rider_command_gives_what_is_open_and_what_opens_first(capsys):
    code, out = run(capsys, "rider", "--lon", "116.8236", "--lat", "30.73744", "--at", "2026-11-28T23:30", "--json")
    assert code == 0 and out["results"] == [] and out["empty_reason"] == "open_now"
    assert [r["opening_hours"] for r in out["open_now"]] == ["24/7"] * 3
    assert out["next_opening"]["opens_at"] == "2026-11-29T08:00" and out["route_kind"] == "straight"


def test_the_rider_command_takes_gcj02_input(capsys):
    from geo.place.datum import wgs84_to_gcj02

    gcj = wgs84_to_gcj02(116.8236, 30.73744)
    _, wgs = run(capsys, "rider", "--lon", "116.8236", "--lat", "30.73744", "--at", "2026-11-28T10:00", "--json")
    _, shifted = run(capsys, "rider", "--lon", str(gcj[0]), "--lat", str(gcj[1]), "--datum", "gcj02",
                     "--at", "2026-11-28T10:00", "--json")
    assert [r["id"] for r in wgs["results"]] == [r["id"] for r in shifted["results"]]
    assert abs(wgs["results"][0]["distance_m"] - shifted["results"][0]["distance_m"]) < 0.5


def test_roads_builds_the_network_and_rider_uses_it(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GAOHE_CACHE_DIR", str(tmp_path / "cache"))
    roads = write_geojson(tmp_path / "roads.geojson")
    code, out = run(capsys, "roads", str(roads), "--json")
    assert code == 0 and out["nodes"] > 100 and 17.5 < out["length_km"] < 18.0  # 81 blocks of ~96 m, 90 of ~111 m
    register = write_register(tmp_path / "stations.geojson")
    args = ("rider", "--lon", str(RIDER[0]), "--lat", str(RIDER[1]), "--file", str(register), "--json")
    _, straight = run(capsys, *args)
    code, by_road = run(capsys, *args, "--roads", str(roads))
    assert code == 0 and straight["route_kind"] == "straight" and by_road["route_kind"] == "road"
    assert [r["name_zh"] for r in straight["results"]] == ["对岸驿站", "同岸驿站"]
    assert [r["name_zh"] for r in by_road["results"]] == ["同岸驿站", "对岸驿站"]


def test_tiles_describes_a_tile_set_and_refuses_a_bad_one(capsys, tmp_path):
    code, out = run(capsys, "tiles", str(write_mbtiles(tmp_path / "t.mbtiles")), "--json")
    assert code == 0 and out["kind"] == "mbtiles" and (out["min_zoom"], out["max_zoom"]) == (min(ZOOMS), max(ZOOMS))
    (tmp_path / "bad.pmtiles").write_bytes(b"nope" * 40)
    code, out = run(capsys, "tiles", str(tmp_path / "bad.pmtiles"), "--json")
    assert code == 1 and "Cannot read the tile set" in out["error"]
