"""Side-by-side timing for the benchmarks on a shared machine."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Timing:
    runs_s: list[float]
    result: object

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)


def interleaved(functions: dict[str, Callable[[], object]], repeat: int) -> dict[str, Timing]:
    """Seconds per run and the last result of each function, run in turn ``repeat`` times
    (round robin, after one untimed warm-up round): drift in the machine's load then hits every
    contender alike instead of whichever happened to run during it."""
    for function in functions.values():
        function()
    runs: dict[str, list[float]] = {name: [] for name in functions}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            results[name] = function()
            runs[name].append(time.perf_counter() - start)
    return {name: Timing(runs[name], results[name]) for name in functions}


def ratio(numerator: Timing, denominator: Timing) -> str:
    """Median of the per-round ratios (runs of one round share the machine's state), with
    their range: '1.21x (1.15-1.30)'."""
    ratios = sorted(a / b for a, b in zip(numerator.runs_s, denominator.runs_s))
    return f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"
