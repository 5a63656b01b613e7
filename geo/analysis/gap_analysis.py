"""A gap analysis: how much demand the stations leave out, where it clusters, and which new
sites would cover most of it, as results the gap screen, its exports and the CLI all read.

Two steps, so that a screen can keep the first while a planner changes the number of sites:
:func:`prepare_gaps` (everything that depends on the stations, the demand, the candidate sites and
the radius: coverage matrix, shares, accessibility, clusters) and :func:`plan_sites` (the ``p``
best new sites). The computing is :mod:`geo.analysis.siting` and :mod:`geo.analysis.coverage`; shares are fractions
(0..1), distances metres, positions WGS-84.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.analysis.accessibility import DEFAULT_E2SFCA_ZONES, station_capacity, two_step_fca, underserved_clusters
from geo.analysis.coverage import DEFAULT_HEX_RESOLUTION, cover_points, coverage_table, hex_grid
from geo.analysis.demand import DemandPoints, DemandSource
from geo.analysis.siting import (
    CoverageMatrix,
    SitingResult,
    build_coverage_matrix,
    coverage_curve,
    greedy_mclp,
    solve_lscp,
    solve_mclp,
)
from geo.errors import GeoDataError
from geo.place.describe import locate
from geo.readers import find_column

METHODS = ("milp", "greedy")
#: Columns that name a candidate site in a file, in order of preference.
LABEL_COLUMNS = ("label", "name", "名称", "站址", "地点", "name_zh")
#: The accessibility score is capacity per unit of demand; shown per this many units.
ACCESS_PER_DEMAND = 100
#: The largest target a planner is offered first (then lower, to what the candidates can reach).
PREFERRED_TARGET_SHARE = 0.95


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


def frame_digest(frame: gpd.GeoDataFrame) -> str:
    """A short digest of a (small) GeoDataFrame's content: every attribute and the exact geometry."""
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).to_json(orient="split", default_handler=str)
    return _digest(attributes, frame.crs, b"".join(shapely.to_wkb(frame.geometry.to_numpy())).hex())


@dataclass(frozen=True, eq=False)
class CandidateSites:
    """Where new stations could go (WGS-84), each with a label."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    label: NDArray[np.object_]
    #: "hex" (centres of the study area's H3 cells) or "file" (a planner's list, ``name``)
    source: str
    name: str = ""
    #: sites of the file that lie outside the study area and were left out
    outside: int = 0
    fingerprint: str = ""

    def __len__(self) -> int:
        return len(self.lon)


def _study_polygon(study_area: gpd.GeoDataFrame):
    return study_area.to_crs(4326).union_all()


def hex_candidates(study_area: gpd.GeoDataFrame, resolution: int = DEFAULT_HEX_RESOLUTION) -> CandidateSites:
    """The centres of the H3 cells whose centre lies in the study area (labels: H3 ids)."""
    grid = hex_grid(study_area, resolution)
    return CandidateSites(grid["lon"].to_numpy(), grid["lat"].to_numpy(), grid["cell"].to_numpy(dtype=object), "hex",
                          fingerprint=_digest("hex", resolution, frame_digest(study_area)))


def file_candidates(points: pd.DataFrame, name: str, study_area: gpd.GeoDataFrame, *, digest: str = "") -> CandidateSites:
    """Candidate sites from a planner's table (``lon``/``lat`` WGS-84, see
    :func:`geo.readers.read_point_table`): labelled by their label/name column, else numbered
    from 1 as the file lists them; sites outside the study area are left out (and counted)."""
    if points.empty:
        raise GeoDataError("err_no_candidates", name=name)
    column = find_column(points.columns, LABEL_COLUMNS)
    labels = (points[column].astype(str).to_numpy(dtype=object) if column is not None
              else np.array([str(i) for i in range(1, len(points) + 1)], dtype=object))
    lon, lat = points["lon"].to_numpy(float), points["lat"].to_numpy(float)
    inside = shapely.contains_xy(_study_polygon(study_area), lon, lat)
    if not inside.any():
        raise GeoDataError("err_candidates_outside", name=name, n=len(points))
    return CandidateSites(lon[inside], lat[inside], labels[inside], "file", name, int((~inside).sum()),
                          fingerprint=_digest("file", digest or _digest(lon.tobytes(), lat.tobytes()), name,
                                              frame_digest(study_area)))


@dataclass(frozen=True, eq=False)
class GapProblem:
    """What does not depend on how many new sites are asked for."""

    radius_m: float
    demand: DemandSource
    candidates: CandidateSites
    #: the stations of the scenario (the register with what-if changes), EPSG:4326
    stations: gpd.GeoDataFrame
    study_area: gpd.GeoDataFrame
    matrix: CoverageMatrix
    #: share of the demand within reach of the register's stations, of the scenario's stations,
    #: and of the scenario's stations plus every candidate site (0..1)
    register_share: float
    scenario_share: float
    reachable_share: float
    #: H3 cells with demand: ``demand``, ``uncovered`` (by the scenario), ``points``,
    #: ``access`` (E2SFCA: station capacity per :data:`ACCESS_PER_DEMAND` demand units)
    cells: gpd.GeoDataFrame
    #: neighbouring cells with uncovered demand: ``demand``, ``cells``, ``lon``/``lat`` and
    #: where they are (:data:`geo.place.describe.WHERE_COLUMNS`), largest first
    clusters: pd.DataFrame
    #: places known to people (stations, landmarks) that sites and clusters are described by
    references: pd.DataFrame
    fingerprint: str


    def suggested_target_share(self) -> float:
        """A target the candidates can reach: 95 %, or less in steps of 5 % (of 1 % below 5 %)."""
        if self.reachable_share >= PREFERRED_TARGET_SHARE:
            return PREFERRED_TARGET_SHARE
        step = 0.05 if self.reachable_share >= 0.05 else 0.01
        return math.floor(self.reachable_share / step + 1e-9) * step


def prepare_gaps(
    register: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    demand: DemandPoints,
    candidates: CandidateSites,
    study_area: gpd.GeoDataFrame,
    radius_m: float,
    *,
    references: pd.DataFrame,
    resolution: int = DEFAULT_HEX_RESOLUTION,
) -> GapProblem:
    """The siting problem for ``stations`` (the register as a what-if scenario changed it)
    against ``demand`` within ``radius_m``; ``references`` (see
    :func:`geo.place.describe.reference_places`) name where the clusters are."""
    register_share = float(coverage_table(cover_points(register, demand.lon, demand.lat, radius_m, with_nearest=False),
                                          demand.weight).iloc[0]["share_covered"])
    matrix = build_coverage_matrix(demand.lon, demand.lat, demand.weight, candidates.lon, candidates.lat, radius_m,
                                   existing=stations)
    total = matrix.total_weight
    cells = demand.cells(resolution).with_uncovered(matrix.already_covered)
    access = two_step_fca(cells["lon"], cells["lat"], cells["demand"], stations.geometry.x, stations.geometry.y,
                          station_capacity(stations), zones=DEFAULT_E2SFCA_ZONES)
    cells = cells.assign(access=access * ACCESS_PER_DEMAND)
    clusters = underserved_clusters(cells, stations)[["cluster", "demand", "cells", "lon", "lat"]].reset_index(drop=True)
    clusters = pd.concat([clusters, locate(clusters["lon"], clusters["lat"], references)], axis=1)
    reachable = matrix.covered_weight(range(len(candidates))) if len(candidates) else matrix.fixed_weight
    return GapProblem(
        radius_m=float(radius_m), demand=demand.source, candidates=candidates, stations=stations, study_area=study_area,
        matrix=matrix, register_share=register_share,
        scenario_share=matrix.fixed_weight / total if total > 0 else float("nan"),
        reachable_share=reachable / total if total > 0 else float("nan"),
        cells=cells, clusters=clusters, references=references,
        fingerprint=_digest(frame_digest(register), frame_digest(stations), demand.fingerprint, candidates.fingerprint,
                            frame_digest(study_area), float(radius_m), resolution),
    )


@dataclass(frozen=True)
class SitePlan:
    """The best ``p`` new sites of a problem."""

    p: int
    method: str
    result: SitingResult
    #: ``rank``, ``label``, ``lon``/``lat`` (WGS-84), ``gain`` (demand weight it adds),
    #: ``gain_share`` and ``covered_share`` (after this and the earlier picks, 0..1), and where
    #: it is (:data:`geo.place.describe.WHERE_COLUMNS`)
    picks: pd.DataFrame


def plan_sites(problem: GapProblem, p: int, method: str = "milp", *, time_limit_s: float = 60.0) -> SitePlan:
    """The ``p`` new sites covering the most demand: proven optimal (``milp``, HiGHS; when
    ``time_limit_s`` runs out, the best answer found with its certified gap) or a greedy preview
    (``greedy``); each described by its nearest reference place."""
    if method not in METHODS:
        raise GeoDataError("err_unknown_method", method=method, allowed=", ".join(METHODS))
    result = (solve_mclp(problem.matrix, p, time_limit_s=time_limit_s) if method == "milp"
              else greedy_mclp(problem.matrix, p))
    return SitePlan(p, method, result, _picks_table(problem, result.chosen, result.marginal_gain))


def _picks_table(problem: GapProblem, chosen: list[int], gains: list[float]) -> pd.DataFrame:
    total = problem.matrix.total_weight
    chosen_index = np.asarray(chosen, dtype=int)
    lon, lat = problem.candidates.lon[chosen_index], problem.candidates.lat[chosen_index]
    gain = np.asarray(gains, dtype=float)
    picks = pd.DataFrame({
        "rank": np.arange(1, len(chosen_index) + 1),
        "label": problem.candidates.label[chosen_index],
        "lon": lon,
        "lat": lat,
        "gain": gain,
        "gain_share": gain / total if total > 0 else np.nan,
        "covered_share": (problem.matrix.fixed_weight + np.cumsum(gain)) / total if total > 0 else np.nan,
    })
    return pd.concat([picks, locate(lon, lat, problem.references)], axis=1)


def curve(problem: GapProblem, max_new: int, method: str = "milp", *, time_limit_s: float = 60.0) -> pd.DataFrame:
    """Covered share for 0..``max_new`` new sites (``new_stations``, ``covered_share``, ``method``;
    each point solved within ``time_limit_s``, its best answer when not proven)."""
    if method not in METHODS:
        raise GeoDataError("err_unknown_method", method=method, allowed=", ".join(METHODS))
    return coverage_curve(problem.matrix, max_new, method=method, time_limit_s=time_limit_s)


def fewest_sites(problem: GapProblem, target_share: float, *, time_limit_s: float = 60.0) -> SitePlan:
    """The fewest new sites that bring coverage to ``target_share`` (0..1; LSCP, HiGHS).
    Raises :class:`geo.analysis.siting.SitingError` when even every candidate cannot reach it."""
    result = solve_lscp(problem.matrix, target_share, time_limit_s=time_limit_s)
    return SitePlan(len(result.chosen), "lscp", result, _picks_table(problem, result.chosen, result.marginal_gain))
