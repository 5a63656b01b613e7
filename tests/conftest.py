"""Shared test settings: property tests are derandomised under CI so a run is reproducible;
locally they explore new examples on every run. Shared fixtures: the embedded register and its
default study area."""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def stations():
    """The embedded station register (EPSG:4326)."""
    from geo.register import load_stations

    return load_stations()


@pytest.fixture(scope="session")
def study(stations):
    """The default study area around the embedded register."""
    from geo.coverage import default_study_area
    from geo.reference import load_county_boundary

    return default_study_area(stations, load_county_boundary())
