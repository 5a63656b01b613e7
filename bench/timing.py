"""Side-by-side timing for the benchmarks on a shared machine."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def interleaved(functions: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[float, object]]:
    """Median seconds and last result of each function, run in turn ``repeat`` times (round
    robin, after one untimed warm-up round): drift in the machine's load then hits every
    contender alike instead of whichever happened to run during it."""
    for function in functions.values():
        function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            results[name] = function()
            times[name].append(time.perf_counter() - start)
    return {name: (statistics.median(times[name]), results[name]) for name in functions}
