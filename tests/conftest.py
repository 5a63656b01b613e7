"""Shared test settings: property tests are derandomised under CI so a run is reproducible;
locally they explore new examples on every run. Shared fixtures: the embedded register and its
default study area; ``editable_register``: a copy of the register the app edits, with one editor
(wang / secret-pw)."""

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def editable_register(tmp_path, monkeypatch):
    from geo.auth import hash_password
    from ui.auth import _throttle

    path = tmp_path / "stations.geojson"
    shutil.copy(Path(__file__).resolve().parents[1] / "data" / "stations.geojson", path)
    monkeypatch.setenv("GAOHE_STATIONS", str(path))
    monkeypatch.setenv("GAOHE_EDITORS", f"wang:{hash_password('secret-pw', iterations=1000)}")
    _throttle.clear()  # the sign-in throttle lives as long as the server: start each test afresh
    return path


@pytest.fixture(scope="session")
def stations():
    """The embedded station register (EPSG:4326)."""
    from geo.register.geojson import load_stations

    return load_stations()


@pytest.fixture(scope="session")
def study(stations):
    """The default study area around the embedded register."""
    from geo.analysis.coverage import default_study_area
    from geo.place.reference import load_county_boundary

    return default_study_area(stations, load_county_boundary())
