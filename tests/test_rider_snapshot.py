"""The register snapshot the light page and the API serve: the whole-register measure and the
KD-tree give the same exact answer; a changed file is a new version; records are plain JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import geo.rider.snapshot as snapshot_module
from geo.register.model import StationType
from geo.rider.snapshot import load_snapshot

ROOT = Path(__file__).resolve().parents[1]


def test_measuring_every_station_and_the_kd_tree_give_the_same_answer(monkeypatch):
    snapshot = load_snapshot()
    rng = np.random.default_rng(5)
    points = np.column_stack([rng.uniform(116.70, 117.0, 300), rng.uniform(30.6, 30.85, 300)])
    masks = [np.ones(len(snapshot), dtype=bool), snapshot.station_types == StationType.RED.value,
             snapshot.qualifying(amenities=["charger", "toilet"], amenities_match="any")]
    whole = [[snapshot.nearest_rows(mask, lon, lat, k) for mask in masks for k in (1, 3, 10)] for lon, lat in points]
    monkeypatch.setattr(snapshot_module, "BRUTE_FORCE_MAX_STATIONS", 0)
    tree = [[snapshot.nearest_rows(mask, lon, lat, k) for mask in masks for k in (1, 3, 10)] for lon, lat in points]
    for by_whole, by_tree in zip(whole, tree):
        for (found_a, distance_a, rows_a), (found_b, distance_b, rows_b) in zip(by_whole, by_tree):
            assert found_a.tolist() == found_b.tolist() and np.array_equal(rows_a, rows_b)
            assert distance_a.tolist() == distance_b.tolist()


def test_a_changed_register_file_is_a_new_version(tmp_path):
    register = tmp_path / "stations.geojson"
    shutil.copy(ROOT / "data" / "stations.geojson", register)
    first = load_snapshot(register)
    assert load_snapshot(register) is first  # loaded once per version
    doc = json.loads(register.read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["name_zh"] = "党群服务中心(新名)"
    register.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    second = load_snapshot(register)
    assert second.version != first.version and second.records[0]["name_zh"] == "党群服务中心(新名)"


def test_records_are_plain_json_with_missing_values_as_null():
    snapshot = load_snapshot()
    text = json.dumps(snapshot.records, allow_nan=False, ensure_ascii=False)
    assert json.loads(text)[0]["phone"] is None
    assert all(isinstance(r["amenities"], list) and isinstance(r["lon"], float) for r in snapshot.records)
    with pytest.raises(KeyError):
        snapshot.records[0]["geometry"]
