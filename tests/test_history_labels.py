"""History versions know when they were saved (the data page shows it in Asia/Shanghai minutes)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

from geo.place.reference import DEFAULT_STATIONS_PATH
from geo.register.geojson import load_stations
from geo.register.store import StationStore


def test_a_versions_time_stamp_is_read_back_in_utc(tmp_path):
    path = tmp_path / "stations.geojson"
    shutil.copy(DEFAULT_STATIONS_PATH, path)
    store = StationStore(path)
    before = datetime.now(timezone.utc)
    store.save(load_stations(path), expected_version=store.read()[1], user="王规划", summary="测试")
    (version,) = store.versions()
    saved = version.saved_at_utc()
    assert before - timedelta(seconds=1) <= saved <= datetime.now(timezone.utc) + timedelta(seconds=1)
