"""Where new stations should go: maximal covering (MCLP, the ``p`` best new sites) and set
covering (LSCP, the fewest sites for a target share) over a coverage matrix of demand and
candidate sites.

Coverage between demand and candidate sites is exact on the WGS-84 ellipsoid (a pair counts
when its geodesic distance is at most the radius). Siting problems are solved exactly by
:mod:`geo.analysis.max_covering` (greedy lower bound, Lagrangian bound reduction, a small HiGHS
MILP): proven optimal, or with a certified gap when the time limit ends the search; a greedy
heuristic is offered as a fast preview and is labelled so. Existing stations stay fixed: demand
they already cover counts as covered and earns nothing more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from geo.analysis.max_covering import greedy_picks, solve_max_covering
from geo.analysis.nearest import build_station_index, count_within
from geo.errors import SitingError
from geo.place.geodesy import ELLIPSOID_TO_SPHERE_MIN, ellipsoidal_distance_m, great_circle_to_chord, unit_vectors


def pairs_within(
    from_lon: ArrayLike, from_lat: ArrayLike, to_lon: ArrayLike, to_lat: ArrayLike, max_distance_m: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """All (from, to) index pairs at most ``max_distance_m`` apart (ellipsoidal metres), with
    their distances: a sphere radius search bounded by the ellipsoid ratio, then exact checks."""
    from_lon, from_lat = np.asarray(from_lon, float), np.asarray(from_lat, float)
    to_lon, to_lat = np.asarray(to_lon, float), np.asarray(to_lat, float)
    empty = np.empty(0, dtype=np.int64)
    if len(from_lon) == 0 or len(to_lon) == 0:
        return empty, empty, np.empty(0)
    index = build_station_index(lon=to_lon, lat=to_lat)
    reach = great_circle_to_chord(max_distance_m / ELLIPSOID_TO_SPHERE_MIN) * (1 + 1e-9)
    found = index.tree.query_ball_point(unit_vectors(from_lon, from_lat), r=reach, workers=-1)
    lengths = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
    rows = np.repeat(np.arange(len(from_lon)), lengths)
    cols = np.fromiter((j for f in found for j in f), dtype=np.int64, count=int(lengths.sum()))
    distances = ellipsoidal_distance_m(from_lon[rows], from_lat[rows], to_lon[cols], to_lat[cols])
    keep = distances <= max_distance_m
    return rows[keep], cols[keep], distances[keep]


# --- coverage matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageMatrix:
    """Which candidate sites would cover which demand points, within ``radius_m``."""

    weight: NDArray[np.float64]
    #: demand already within reach of an existing station
    already_covered: NDArray[np.bool_]
    #: (demand x candidate) sparse boolean matrix
    covers: sparse.csr_matrix
    radius_m: float

    @property
    def total_weight(self) -> float:
        return float(self.weight.sum())

    @property
    def fixed_weight(self) -> float:
        return float(self.weight[self.already_covered].sum())

    def covered_weight(self, chosen: Sequence[int]) -> float:
        """Weight covered by the existing stations plus the chosen candidates."""
        hit = np.asarray(self.covers[:, list(chosen)].sum(axis=1)).ravel() > 0 if len(chosen) else np.zeros(len(self.weight), bool)
        return float(self.weight[hit | self.already_covered].sum())


def build_coverage_matrix(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    weight: ArrayLike,
    candidate_lon: ArrayLike,
    candidate_lat: ArrayLike,
    radius_m: float,
    *,
    existing: gpd.GeoDataFrame | None = None,
) -> CoverageMatrix:
    """The coverage matrix of a siting problem; ``existing`` stations (EPSG:4326) stay fixed."""
    weight = np.asarray(weight, dtype=float)
    if radius_m <= 0:
        raise SitingError("err_radius_positive", radius_m=radius_m)
    if (weight < 0).any():
        raise SitingError("err_negative_weights")
    rows, cols, _ = pairs_within(demand_lon, demand_lat, candidate_lon, candidate_lat, radius_m)
    covers = sparse.csr_matrix(
        (np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(weight), len(np.atleast_1d(candidate_lon)))
    )
    if existing is not None and len(existing):
        already = count_within(build_station_index(existing), demand_lon, demand_lat, radius_m, cap=1) > 0
    else:
        already = np.zeros(len(weight), dtype=bool)
    return CoverageMatrix(weight, already, covers, float(radius_m))


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitingResult:
    """New sites in pick order (candidate indices) with each pick's marginal gain (weight).

    ``bound_weight`` is a certified upper bound on the weight any solution of the same problem
    could cover (existing stations included); ``gap`` is the share of the best possible *new*
    coverage that this answer may miss (0 when ``optimal``)."""

    chosen: list[int]
    marginal_gain: list[float]
    covered_weight: float
    total_weight: float
    method: str  # "milp" (exact: bound reduction + MILP), or "greedy" (preview, or fallback with its gap)
    optimal: bool
    message: str = ""
    extra: dict = field(default_factory=dict)
    bound_weight: float = float("nan")
    fixed_weight: float = 0.0

    @property
    def covered_share(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else float("nan")

    @property
    def gap(self) -> float:
        if self.optimal:
            return 0.0
        possible_gain = self.bound_weight - self.fixed_weight
        return float("nan") if not possible_gain > 0 else (self.bound_weight - self.covered_weight) / possible_gain


def _pick_order(matrix: CoverageMatrix, chosen: Sequence[int]) -> tuple[list[int], list[float]]:
    """Order chosen sites by greedy marginal gain (deterministic: ties by index)."""
    remaining = sorted(int(j) for j in chosen)
    covered = matrix.already_covered.copy()
    order, gains = [], []
    columns = matrix.covers.tocsc()
    while remaining:
        best_j, best_gain = remaining[0], -1.0
        for j in remaining:
            rows = columns.indices[columns.indptr[j]:columns.indptr[j + 1]]
            gain = float(matrix.weight[rows[~covered[rows]]].sum())
            if gain > best_gain:
                best_j, best_gain = j, gain
        rows = columns.indices[columns.indptr[best_j]:columns.indptr[best_j + 1]]
        covered[rows] = True
        order.append(best_j)
        gains.append(best_gain)
        remaining.remove(best_j)
    return order, gains


def _open_rows(matrix: CoverageMatrix) -> tuple[sparse.csr_matrix, NDArray]:
    """Demand rows the new sites compete for: not yet covered by an existing station."""
    rows = np.flatnonzero(~matrix.already_covered)
    return matrix.covers[rows], matrix.weight[rows]


def _result(matrix: CoverageMatrix, chosen: Sequence[int], method: str, optimal: bool, bound_gain: float,
            message: str = "", extra: dict | None = None) -> SitingResult:
    order, gains = _pick_order(matrix, chosen)
    covered = matrix.covered_weight(order)
    bound = max(matrix.fixed_weight + bound_gain, covered)
    return SitingResult(order, gains, covered, matrix.total_weight, method, optimal, message, extra or {},
                        covered if optimal else bound, matrix.fixed_weight)


def greedy_mclp(matrix: CoverageMatrix, p: int) -> SitingResult:
    """Greedy preview of MCLP: repeatedly add the site covering the most uncovered weight.
    Not optimal in general (within 1 - 1/e of the optimum); its bound is the sum of the ``p``
    largest single-site gains."""
    if p < 0:
        raise SitingError("err_p_negative", p=p)
    covers, weight = _open_rows(matrix)
    picks, _ = greedy_picks(covers, weight, p)
    single_gains = np.sort(np.asarray(covers.T.astype(float) @ weight).ravel())[::-1]
    return _result(matrix, picks, "greedy", False, float(single_gains[:p].sum()))


def solve_mclp(matrix: CoverageMatrix, p: int, *, time_limit_s: float = 60.0, mip_rel_gap: float = 0.0) -> SitingResult:
    """Maximal covering: choose ``p`` new sites maximising covered demand weight.

    Exact (:func:`geo.analysis.max_covering.solve_max_covering`): greedy lower bound, Lagrangian bound
    reduction, then a HiGHS MILP on what is left. Proven optimal, or, when ``time_limit_s``
    runs out, the best solution found (never worse than greedy) with its certified ``gap``.
    Fewer than ``p`` sites are returned only when they already cover every coverable point.
    """
    if p < 0:
        raise SitingError("err_p_negative", p=p)
    covers, weight = _open_rows(matrix)
    solution = solve_max_covering(covers, weight, min(p, covers.shape[1]), time_limit_s=time_limit_s,
                                  mip_rel_gap=mip_rel_gap)
    message = "proven optimal" if solution.proven else (
        f"time limit: best found {'(greedy) ' if solution.method == 'greedy' else ''}within {solution.gap:.2%} of the optimum")
    return _result(matrix, solution.chosen, solution.method, solution.proven, solution.upper_bound, message,
                   solution.stats)


def solve_lscp(matrix: CoverageMatrix, target_share: float, *, time_limit_s: float = 60.0) -> SitingResult:
    """Set covering to a target: the fewest new sites so that at least ``target_share`` of all
    demand weight is covered. Raises :class:`SitingError` when even every candidate cannot
    reach the target.

    A ladder of maximal-covering questions: from a lower bound on the count (the fewest sites
    whose single gains could add up to the need) up to the greedy count, "can ``p`` sites reach
    the target?" is answered exactly (:func:`geo.analysis.max_covering.solve_max_covering` with a target). When
    time runs out the greedy answer is returned, labelled with the proven lower bound on the count.
    """
    if not 0 < target_share <= 1:
        raise SitingError("err_target_share", target=target_share)
    need = target_share * matrix.total_weight - matrix.fixed_weight
    n_candidates = matrix.covers.shape[1]
    if need <= 1e-9:
        return _result(matrix, [], "milp", True, 0.0, "the existing stations already reach the target")
    reachable = matrix.covered_weight(range(n_candidates))
    slack = 1e-9 * max(1.0, need)
    if reachable < target_share * matrix.total_weight - slack:
        raise SitingError("err_target_unreachable", n=n_candidates, reachable=reachable / matrix.total_weight,
                          target=target_share)
    started = time.perf_counter()
    covers, weight = _open_rows(matrix)
    greedy, greedy_gains = greedy_picks(covers, weight, n_candidates, until=need - slack)
    greedy_count = int(np.searchsorted(np.cumsum(greedy_gains), need - slack) + 1)
    single_gains = np.sort(np.asarray(covers.T.astype(float) @ weight).ravel())[::-1]
    fewest_possible = int(np.searchsorted(np.cumsum(single_gains), need - slack) + 1)
    for p in range(fewest_possible, greedy_count):
        remaining_s = time_limit_s - (time.perf_counter() - started)
        if remaining_s <= 0:
            break
        solution = solve_max_covering(covers, weight, p, time_limit_s=remaining_s, target=need)
        if solution.covered >= need - slack:
            return _result(matrix, solution.chosen, "milp", True, solution.covered,
                           f"{p} sites reach the target; {p - 1} cannot", {"fewest_possible": p})
        if not solution.below_target:  # undecided: time ran out
            break
        fewest_possible = p + 1
    else:
        return _result(matrix, greedy[:greedy_count], "milp", True, 0.0,
                       f"{greedy_count} sites reach the target; {greedy_count - 1} cannot", {"fewest_possible": greedy_count})
    return _result(matrix, greedy[:greedy_count], "greedy", False, 0.0,
                   f"time limit: greedy uses {greedy_count} sites; at least {fewest_possible} are needed",
                   {"fewest_possible": fewest_possible})


def coverage_curve(matrix: CoverageMatrix, max_new: int, *, method: str = "milp",
                   time_limit_s: float = 60.0) -> pd.DataFrame:
    """Covered share for 0..``max_new`` new stations (``new_stations``, ``covered_share``,
    ``method``): optimal for each p with ``milp`` (each within ``time_limit_s``: the best found
    when not proven), one greedy run with ``greedy``."""
    if method == "greedy":
        result = greedy_mclp(matrix, max_new)
        shares = [matrix.covered_weight(result.chosen[:p]) / matrix.total_weight for p in range(len(result.chosen) + 1)]
        shares += [shares[-1]] * (max_new + 1 - len(shares))
    else:
        shares = [solve_mclp(matrix, p, time_limit_s=time_limit_s).covered_share for p in range(max_new + 1)]
    return pd.DataFrame({"new_stations": range(max_new + 1), "covered_share": shares, "method": method})
