"""Exact maximal covering on large instances: bound reduction, then a small MILP (HiGHS).

Works on plain arrays: a sparse 0/1 matrix ``covers`` (demand rows x candidate columns) and the
row weights. The steps, each of which keeps every optimum (or, for dropped candidates, at least
one):

1. rows covered by exactly the same candidates are merged (weights summed);
2. the greedy solution gives a lower bound ``LB``;
3. Lagrangian relaxation of "a row counts only when a chosen candidate covers it" with
   multipliers ``u`` (0 <= u_i <= w_i) bounds every solution:
   ``L(u) = sum_i (w_i - u_i) + (sum of the p largest c_j)``, ``c = covers.T @ u``; with
   ``u = w`` this is "the p largest single gains". Subgradient steps tighten it towards the LP
   bound. For each candidate the same bound with ``x_j`` forced to 1 (or 0) shows whether it can
   be in (or can be left out of) a solution reaching ``LB``: those that cannot are dropped (or
   fixed open);
4. what is left (rows merged again) is solved by HiGHS, started from the greedy solution, so its
   answer is never worse than greedy. A time limit returns the best solution found with the
   certified upper bound: the smaller of the Lagrangian bound and HiGHS' dual bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

#: Relative slack for comparisons of float sums of weights (bounds are compared to ``LB``).
_TOLERANCE = 1e-9
#: Absolute optimality gap HiGHS is asked for (weights are counts of people or points).
_ABS_GAP = 1e-6

#: Subgradient iterations of the Lagrangian bound, and how many without improvement halve the step.
_LAGRANGE_ITERATIONS = 400
_LAGRANGE_PATIENCE = 15
#: Share of the time limit the Lagrangian bound may use; the MILP gets the rest.
_LAGRANGE_SHARE = 0.4


def merge_identical_rows(covers: sparse.csr_matrix, weight: NDArray) -> tuple[sparse.csr_matrix, NDArray]:
    """Rows with exactly the same set of columns merged into one, weights summed (exact: rows
    are compared as padded index arrays, no hashing). Row order: by pattern."""
    covers = sparse.csr_matrix(covers)
    covers.sort_indices()
    n = covers.shape[0]
    if n == 0:
        return covers, np.asarray(weight, dtype=float)
    lengths = np.diff(covers.indptr)
    width = int(lengths.max()) + 1
    padded = np.full((n, width), -1, dtype=np.int32)
    padded[:, 0] = lengths
    within_row = np.arange(covers.nnz) - np.repeat(covers.indptr[:-1], lengths)
    padded[np.repeat(np.arange(n), lengths), 1 + within_row] = covers.indices
    keys = np.ascontiguousarray(padded).view(np.dtype((np.void, 4 * width))).ravel()
    _, first, group = np.unique(keys, return_index=True, return_inverse=True)
    weights = np.bincount(group.ravel(), weights=np.asarray(weight, dtype=float), minlength=len(first))
    return covers[first], weights


def greedy_picks(columns: sparse.csc_matrix, weight: NDArray, p: int, *, until: float = np.inf
                 ) -> tuple[list[int], list[float]]:
    """Greedy covering (every row starts uncovered): repeatedly the column with the largest
    uncovered weight (ties: lowest index), up to ``p`` columns, until nothing more can be
    gained, or until the covered weight reaches ``until``."""
    columns = sparse.csc_matrix(columns, dtype=np.float64)
    uncovered = np.asarray(weight, dtype=float).copy()
    picks: list[int] = []
    gains: list[float] = []
    for _ in range(min(p, columns.shape[1])):
        gain = columns.T @ uncovered
        gain[picks] = -1.0
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        picks.append(best)
        gains.append(float(gain[best]))
        uncovered[columns.indices[columns.indptr[best]:columns.indptr[best + 1]]] = 0.0
        if sum(gains) >= until:
            break
    return picks, gains


@dataclass(frozen=True)
class LagrangeBound:
    """An upper bound on the weight any ``p`` columns can cover, and candidates it decides."""

    upper_bound: float
    dropped: NDArray[np.bool_]  # cannot be in a solution reaching the lower bound
    fixed_open: NDArray[np.bool_]  # in every solution reaching the lower bound
    iterations: int


def _top(values: NDArray, p: int) -> NDArray:
    """Indices of the p largest values (unordered)."""
    if p >= len(values):
        return np.arange(len(values))
    return np.argpartition(values, len(values) - p)[len(values) - p:]


def lagrange_bound(covers: sparse.csr_matrix, weight: NDArray, p: int, lower_bound: float,
                   *, iterations: int = _LAGRANGE_ITERATIONS, deadline: float = np.inf) -> LagrangeBound:
    """Subgradient optimisation of the Lagrangian bound of MCLP (see the module docstring),
    with fixing by the bound at every iterate (each iterate gives a valid bound)."""
    n_rows, n_columns = covers.shape
    # float matrices: products with boolean ones upcast on every call (4x slower)
    transposed = sparse.csr_matrix(covers.T, dtype=np.float64)
    columns = sparse.csc_matrix(covers)
    w = np.asarray(weight, dtype=float)
    u = w.copy()
    dropped = np.zeros(n_columns, dtype=bool)
    fixed_open = np.zeros(n_columns, dtype=bool)
    best = np.inf
    slack = _TOLERANCE * max(1.0, abs(lower_bound))
    step_scale, stale = 2.0, 0
    done = 0
    for done in range(1, iterations + 1):
        c = transposed @ u
        top = _top(c, p)
        value = float((w - u).sum() + c[top].sum())
        p_th = c[top].min()
        next_c = np.partition(c, n_columns - p - 1)[n_columns - p - 1] if p < n_columns else 0.0
        chosen = np.zeros(n_columns, dtype=bool)
        chosen[top] = True
        # x_j = 1 forced: swap j for the p-th largest; x_j = 0 forced: swap j for the (p+1)-th
        dropped |= ~chosen & (value - p_th + c < lower_bound - slack)
        fixed_open |= chosen & (value - c + next_c < lower_bound - slack)
        if value < best - slack:
            best, stale = value, 0
        else:
            stale += 1
            if stale >= _LAGRANGE_PATIENCE:
                step_scale, stale = step_scale / 2, 0
        if best - lower_bound <= slack or step_scale < 1e-4 or time.perf_counter() > deadline:
            break
        hits = np.bincount(np.concatenate([columns.indices[columns.indptr[j]:columns.indptr[j + 1]] for j in top]),
                           minlength=n_rows).astype(float)
        # y_i = 1 where it pays (u_i < w_i); where u_i = w_i any y in [0, 1] is optimal: take min(1, hits)
        y = np.where(u < w, 1.0, np.minimum(hits, 1.0))
        subgradient = hits - y
        norm = float(subgradient @ subgradient)
        if norm == 0:
            break
        u = np.clip(u - step_scale * (value - lower_bound) / norm * subgradient, 0.0, w)
    return LagrangeBound(min(best, float(w.sum())), dropped, fixed_open & ~dropped, done)


@dataclass(frozen=True)
class CoveringSolution:
    """Chosen columns of a maximal covering problem with the weight they cover and a certified
    upper bound on what any ``p`` columns could cover."""

    chosen: list[int]
    covered: float
    upper_bound: float
    proven: bool
    method: str  # "milp" or "greedy"
    stats: dict
    #: with a target: proven that no ``p`` columns reach it (``upper_bound`` is then the target)
    below_target: bool = False

    @property
    def gap(self) -> float:
        """(upper bound - covered) / upper bound: the share of the best possible that may be missing."""
        return 0.0 if self.upper_bound <= 0 else max(0.0, (self.upper_bound - self.covered) / self.upper_bound)


def covered_by(columns: sparse.csc_matrix, weight: NDArray, chosen) -> float:
    """Weight of the rows covered by at least one chosen column."""
    hit = np.zeros(columns.shape[0], dtype=bool)
    for j in chosen:
        hit[columns.indices[columns.indptr[j]:columns.indptr[j + 1]]] = True
    return float(np.asarray(weight)[hit].sum())


def solve_max_covering(covers: sparse.csr_matrix, weight: NDArray, p: int, *, time_limit_s: float = 60.0,
                       mip_rel_gap: float = 0.0, target: float | None = None) -> CoveringSolution:
    """Choose at most ``p`` columns covering the most row weight (every row counts once).

    ``target``: stop as soon as a solution covering at least this weight is found, and prune
    with it (used by set covering to ask "can ``p`` columns reach the target?").
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    covers, weight = merge_identical_rows(covers, weight)
    keep_rows = np.diff(covers.indptr) > 0
    covers, weight = covers[keep_rows], weight[keep_rows]
    columns = sparse.csc_matrix(covers)
    n_columns = covers.shape[1]
    stats: dict = {"rows": int(len(weight)), "candidates": int(n_columns)}
    greedy, _ = greedy_picks(columns, weight, p)
    greedy_value = covered_by(columns, weight, greedy)
    stats["greedy"] = greedy_value
    if p <= 0 or len(weight) == 0:
        return CoveringSolution([], 0.0, 0.0, True, "milp", stats)
    if len(greedy) < p:  # greedy stopped: its columns already cover every coverable row
        return CoveringSolution(greedy, greedy_value, float(weight.sum()), True, "milp", stats)
    lower = greedy_value if target is None else max(greedy_value, target)
    bound = lagrange_bound(covers, weight, p, lower, deadline=started + _LAGRANGE_SHARE * time_limit_s)
    upper = bound.upper_bound
    stats.update(lagrange_bound=upper, lagrange_iterations=bound.iterations, dropped=int(bound.dropped.sum()),
                 fixed_open=int(bound.fixed_open.sum()), lagrange_s=time.perf_counter() - started)
    if target is not None and upper < target - _TOLERANCE * max(1.0, target):
        return CoveringSolution(greedy, greedy_value, upper, True, "milp", stats, below_target=True)
    if upper - greedy_value <= _TOLERANCE * max(1.0, greedy_value):
        return CoveringSolution(greedy, greedy_value, greedy_value, True, "milp", stats)

    # the reduced problem: fixed columns open, dropped ones gone, rows they decide removed
    fixed = np.flatnonzero(bound.fixed_open)
    free = np.flatnonzero(~bound.dropped & ~bound.fixed_open)
    fixed_hit = np.asarray(covers[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else np.zeros(len(weight), bool)
    fixed_value = float(weight[fixed_hit].sum())
    if fixed.size or free.size < n_columns:
        rest, rest_weight = merge_identical_rows(covers[~fixed_hit][:, free], weight[~fixed_hit])
    else:
        rest, rest_weight = covers, weight
    nonempty = np.diff(rest.indptr) > 0
    rest, rest_weight = rest[nonempty], rest_weight[nonempty]
    p_rest = p - len(fixed)
    stats.update(reduced_rows=int(len(rest_weight)), reduced_candidates=int(len(free)))
    free_set = set(free.tolist())
    start = [int(np.searchsorted(free, j)) for j in greedy if j in free_set]
    solved = _highs_max_covering(rest, rest_weight, p_rest, start, deadline - time.perf_counter(), mip_rel_gap,
                                 None if target is None else target - fixed_value)
    stats.update(solver_status=solved["status"], solver_s=solved["seconds"])
    chosen = [int(j) for j in fixed] + [int(free[j]) for j in solved["chosen"]]
    value = covered_by(columns, weight, chosen)
    if target is not None and solved["bound"] is not None and fixed_value + solved["bound"] < target - _TOLERANCE * max(1.0, target):
        # what was left cannot reach the target, and dropped candidates provably could not either
        return CoveringSolution(chosen, covered_by(columns, weight, chosen), target, True, "milp", stats, below_target=True)
    if solved["bound"] is not None:
        upper = min(upper, max(fixed_value + solved["bound"], lower))
    if value < greedy_value:
        chosen, value = greedy, greedy_value
    upper = max(upper, value)
    proven = upper - value <= _TOLERANCE * max(1.0, value) + _ABS_GAP
    method = "greedy" if not proven and sorted(chosen) == sorted(greedy) else "milp"
    stats["total_s"] = time.perf_counter() - started
    return CoveringSolution(chosen, value, upper, proven, method, stats)


def _highs_max_covering(covers: sparse.csr_matrix, weight: NDArray, p: int, start: list[int], time_limit_s: float,
                        mip_rel_gap: float, target: float | None) -> dict:
    """max sum w_i y_i  s.t.  y_i <= sum_j a_ij x_j,  sum_j x_j <= p,  x binary, 0 <= y <= 1."""
    import highspy

    started = time.perf_counter()
    n_rows, n_columns = covers.shape
    if n_columns == 0 or p <= 0 or n_rows == 0:
        return {"chosen": [], "bound": 0.0, "proven": True, "status": "empty", "seconds": 0.0}
    # rows: y_i - sum_j a_ij x_j <= 0 (n_rows), then sum_j x_j <= p
    link = sparse.hstack([-covers.astype(float), sparse.identity(n_rows, format="csr")], format="csr")
    count = sparse.hstack([sparse.csr_matrix(np.ones((1, n_columns))), sparse.csr_matrix((1, n_rows))], format="csr")
    matrix = sparse.csc_matrix(sparse.vstack([link, count], format="csr"))
    lp = highspy.HighsLp()
    lp.num_col_ = n_columns + n_rows
    lp.num_row_ = n_rows + 1
    lp.col_cost_ = np.concatenate([np.zeros(n_columns), weight])
    lp.col_lower_ = np.zeros(lp.num_col_)
    lp.col_upper_ = np.ones(lp.num_col_)
    lp.row_lower_ = np.full(n_rows + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(n_rows), [float(p)]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_columns + [highspy.HighsVarType.kContinuous] * n_rows
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    # its own limit leaves room for its late checks; the interrupt below is the hard stop
    solver.setOptionValue("time_limit", max(0.1, 0.7 * float(time_limit_s)))
    solver.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    solver.setOptionValue("mip_abs_gap", _ABS_GAP)
    if target is not None:
        solver.setOptionValue("objective_target", float(target) - 1e-9 * max(1.0, abs(target)))
    solver.passModel(lp)
    if start:
        x = np.zeros(n_columns)
        x[start] = 1.0
        y = np.minimum(covers @ x, 1.0)
        solution = highspy.HighsSolution()
        solution.col_value = list(np.concatenate([x, y]))
        solution.value_valid = True
        solver.setSolution(solution)
    # HiGHS checks its time limit too rarely on large models (presolve, the first LP): the
    # deadline is enforced from here through its interrupt callbacks as well
    solver.HandleUserInterrupt = True
    solver.startSolve()
    finished, _ = solver.wait(max(0.1, float(time_limit_s)))
    if not finished:
        solver.cancelSolve()
        solver.wait()
    status = solver.getModelStatus()
    info = solver.getInfo()
    values = np.asarray(solver.getSolution().col_value) if info.primal_solution_status else np.zeros(0)
    chosen = np.flatnonzero(values[:n_columns] > 0.5).tolist() if values.size else []
    bound = info.mip_dual_bound if np.isfinite(info.mip_dual_bound) else None
    name = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kTimeLimit: "time limit",
            highspy.HighsModelStatus.kObjectiveTarget: "target reached",
            highspy.HighsModelStatus.kInfeasible: "infeasible"}.get(status, solver.modelStatusToString(status))
    return {"chosen": chosen, "bound": bound, "proven": status == highspy.HighsModelStatus.kOptimal,
            "status": name, "seconds": time.perf_counter() - started}
