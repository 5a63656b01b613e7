"""The command line, run as a user would: ``python -m geo ...``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from geo.io import DEFAULT_STATIONS_PATH, load_stations


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, timeout=120)


def test_validate_accepts_the_embedded_dataset():
    result = run("validate", str(DEFAULT_STATIONS_PATH), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["stations"] == len(load_stations())


def test_validate_lists_every_problem_and_exits_1(tmp_path):
    doc = json.loads(DEFAULT_STATIONS_PATH.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["station_type"] = "cafe"
    doc["features"][2]["geometry"]["coordinates"].reverse()
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("validate", str(path), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [(p["row"], p["field"]) for p in report["problems"]] == [(1, "station_type"), (3, "geometry")]
    plain = run("validate", str(path))
    assert plain.returncode == 1 and "2 problem(s) found" in plain.stderr


def test_stations_counts_by_type():
    result = run("stations", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    expected = Counter(load_stations()["station_type"])
    assert report["by_type"] == {key: expected.get(key, 0) for key in report["by_type"]}
    assert report["total"] == sum(expected.values())


def test_wrong_usage_exits_2():
    assert run("frobnicate").returncode == 2
