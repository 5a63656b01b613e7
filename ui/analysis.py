"""The planner pages' analyses, cached on what they are computed from.

Keys are cheap to compute on every rerun: a demand or candidate file by the SHA-256 of its bytes
(its ``fingerprint``), a small GeoDataFrame (register, study area) by a digest of its content, a
gap problem by the fingerprint of its inputs. So a download, an export-datum or basemap switch,
an expander or a language switch reruns the page in well under a second and never re-solves,
while a new radius or number of sites computes only what depends on it.
"""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from geo.analysis.coverage import RadiusSpec, cover_points, coverage_table
from geo.analysis.coverage_result import CoverageSummary, summarise_coverage
from geo.analysis.demand import DemandPoints
from geo.analysis.gap_analysis import (
    CandidateSites,
    GapProblem,
    SitePlan,
    curve,
    fewest_sites,
    frame_digest,
    plan_sites,
    prepare_gaps,
)
from geo.place.describe import reference_places

HASH_FUNCS = {
    DemandPoints: lambda demand: demand.fingerprint,
    CandidateSites: lambda candidates: candidates.fingerprint,
    GapProblem: lambda problem: problem.fingerprint,
    gpd.GeoDataFrame: frame_digest,
}


@st.cache_data(hash_funcs=HASH_FUNCS, max_entries=16, show_spinner=False)
def coverage_summary(stations: gpd.GeoDataFrame, study_area: gpd.GeoDataFrame, radius: RadiusSpec,
                     demand: DemandPoints | None, resolution: int) -> CoverageSummary:
    return summarise_coverage(stations, study_area, radius, demand, resolution=resolution)


@st.cache_resource(hash_funcs=HASH_FUNCS, max_entries=6, show_spinner=False)
def gap_problem(register: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, demand: DemandPoints,
                candidates: CandidateSites, study_area: gpd.GeoDataFrame, radius_m: float) -> GapProblem:
    # a resource, not data: the coverage matrix is a read-only index of 10^6+ pairs, not copied per rerun
    return prepare_gaps(register, stations, demand, candidates, study_area, radius_m,
                        references=reference_places(register))


#: How long a page lets the exact solver search (seconds) before it shows the best answer found
#: with its certified gap: a planner changing the number of sites should not wait a minute
#: (``python -m geo gaps --time-limit-s`` searches as long as asked).
PAGE_TIME_LIMIT_S = 5.0


@st.cache_data(hash_funcs=HASH_FUNCS, max_entries=64, show_spinner=False)
def site_plan(problem: GapProblem, p: int, method: str) -> SitePlan:
    return plan_sites(problem, p, method, time_limit_s=PAGE_TIME_LIMIT_S)


@st.cache_data(hash_funcs=HASH_FUNCS, max_entries=16, show_spinner=False)
def coverage_curve(problem: GapProblem, max_new: int, method: str):
    return curve(problem, max_new, method, time_limit_s=PAGE_TIME_LIMIT_S)


@st.cache_data(hash_funcs=HASH_FUNCS, max_entries=32, show_spinner=False)
def fewest(problem: GapProblem, target_share: float) -> SitePlan:
    return fewest_sites(problem, target_share)


@st.cache_data(hash_funcs=HASH_FUNCS, max_entries=32, show_spinner=False)
def share_covered(stations: gpd.GeoDataFrame, demand: DemandPoints, radius_m: float) -> float:
    """Share of the demand within ``radius_m`` of ``stations`` (to compare scenarios)."""
    coverage = cover_points(stations, demand.lon, demand.lat, radius_m, with_nearest=False)
    return float(coverage_table(coverage, demand.weight).iloc[0]["share_covered"])
