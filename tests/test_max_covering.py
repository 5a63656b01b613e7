"""Exact maximal covering on reduced problems, against brute force over every choice of sites
and against spopt + CBC on an instance large enough for the reduction and the MILP to work."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

import geo.analysis.max_covering as siting
from geo.analysis.max_covering import covered_by, greedy_picks, lagrange_bound, merge_identical_rows, solve_max_covering


def random_instance(seed: int, n_rows: int = 30, n_columns: int = 8, density: float = 0.25):
    rng = np.random.default_rng(seed)
    covers = sparse.csr_matrix(rng.random((n_rows, n_columns)) < density)
    weight = rng.integers(1, 6, n_rows).astype(float)
    return covers, weight


def brute_force(covers, weight, p):
    columns = sparse.csc_matrix(covers)
    return max((covered_by(columns, weight, combo), combo) for combo in itertools.combinations(range(covers.shape[1]), p))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 4), density=st.sampled_from([0.1, 0.3, 0.6]))
def test_the_exact_solution_equals_brute_force_and_its_bound_holds(seed, p, density):
    covers, weight = random_instance(seed, density=density)
    best, _ = brute_force(covers, weight, p)
    solution = solve_max_covering(covers, weight, p)
    assert solution.proven and solution.gap == 0.0
    assert solution.covered == pytest.approx(best)
    assert covered_by(sparse.csc_matrix(covers), weight, solution.chosen) == pytest.approx(best)
    assert len(solution.chosen) <= p


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 3), iterations=st.integers(1, 60))
def test_lagrangian_bound_and_fixing_never_cut_off_a_good_solution(seed, p, iterations):
    covers, weight = random_instance(seed, n_rows=25, n_columns=7, density=0.3)
    columns = sparse.csc_matrix(covers)
    picks, _ = greedy_picks(columns, weight, p)
    lower = covered_by(columns, weight, picks)
    bound = lagrange_bound(covers, weight, p, lower, iterations=iterations)
    best, _ = brute_force(covers, weight, p)
    assert bound.upper_bound >= best - 1e-9
    for combo in itertools.combinations(range(covers.shape[1]), p):
        value = covered_by(columns, weight, combo)
        if value >= lower:  # a solution reaching the lower bound uses no dropped site, every fixed one
            assert not bound.dropped[list(combo)].any()
            assert set(np.flatnonzero(bound.fixed_open)) <= set(combo)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000))
def test_merged_rows_keep_one_row_per_pattern_with_summed_weight(seed):
    rng = np.random.default_rng(seed)
    covers = sparse.csr_matrix(rng.random((60, 5)) < 0.3)  # few columns: many repeated patterns
    weight = rng.random(60)
    merged, merged_weight = merge_identical_rows(covers, weight)
    expected: dict[tuple, float] = {}
    for row in range(60):
        key = tuple(np.flatnonzero(covers[row].toarray().ravel()))
        expected[key] = expected.get(key, 0.0) + weight[row]
    got = {tuple(np.flatnonzero(merged[row].toarray().ravel())): merged_weight[row] for row in range(merged.shape[0])}
    assert got.keys() == expected.keys()
    assert all(got[key] == pytest.approx(expected[key]) for key in expected)


def test_a_solver_without_an_answer_gives_greedy_with_its_certified_gap(monkeypatch):
    covers, weight = random_instance(3, n_rows=200, n_columns=14, density=0.25)
    p = 4
    monkeypatch.setattr(siting, "_highs_max_covering",
                        lambda *args, **kwargs: {"chosen": [], "bound": None, "proven": False, "status": "time limit",
                                                 "seconds": 0.0})
    monkeypatch.setattr(siting, "_LAGRANGE_ITERATIONS", 1)  # keep the bound loose so the solver is needed
    solution = solve_max_covering(covers, weight, p)
    columns = sparse.csc_matrix(covers)
    greedy, _ = greedy_picks(columns, weight, p)
    best, _ = brute_force(covers, weight, p)
    assert solution.covered == pytest.approx(covered_by(columns, weight, greedy))
    if solution.covered < best:
        assert solution.method == "greedy" and not solution.proven
    assert solution.upper_bound >= best - 1e-9
    assert 0.0 <= solution.gap == pytest.approx((solution.upper_bound - solution.covered) / solution.upper_bound)


def test_a_target_is_reported_reachable_or_proven_out_of_reach():
    covers, weight = random_instance(5, n_rows=40, n_columns=9, density=0.25)
    for p in (1, 2, 3):
        best, _ = brute_force(covers, weight, p)
        reachable = solve_max_covering(covers, weight, p, target=best)
        assert not reachable.below_target and reachable.covered >= best - 1e-9
        beyond = solve_max_covering(covers, weight, p, target=best + 0.5)
        assert beyond.below_target


def test_a_mid_size_instance_equals_spopt_with_cbc():
    """Large enough that the Lagrangian reduction and the MILP on the rest both run."""
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    rng = np.random.default_rng(14)
    n_demand, n_candidates, p = 1500, 120, 8
    demand = rng.uniform(0, 10, (n_demand, 2))
    candidates = rng.uniform(0, 10, (n_candidates, 2))
    weight = rng.integers(1, 10, n_demand).astype(float)
    cost = np.linalg.norm(demand[:, None, :] - candidates[None, :, :], axis=2)
    radius = 1.6
    ours = solve_max_covering(sparse.csr_matrix(cost <= radius), weight, p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, weight, radius, p_facilities=p).solve(pulp.PULP_CBC_CMD(msg=False))
    opened = [j for j, clients in enumerate(model.fac2cli) if clients]
    assert ours.proven
    assert ours.covered == pytest.approx(float(weight[(cost[:, opened] <= radius).any(axis=1)].sum()))
