"""Ctrl-C during a solve interrupts it, as Python would anywhere else: never lost, never a kill.

OR-Tools gets in the way twice: it swallows an exception raised inside a callback it calls
(the at-solution callback, the stall limit) and searches on; and CP-SAT, left to catch Ctrl-C
itself, sets SIGINT to its default once it has solved, so the next Ctrl-C kills the process
with no cleanup. Each case runs in a child process that interrupts itself.
"""

from __future__ import annotations

import subprocess
import sys
import time as clock
from pathlib import Path

import pytest

from optimizer import Problem, SolveParams
from optimizer._routing import solve_routing
from tests.optimizer.conftest import constructed

ROOT = Path(__file__).resolve().parents[2]

INTERRUPTED_AFTER_RECOMBINING = """
import os, signal, time
import numpy as np
from optimizer.route_pool import RoutePool

pool = RoutePool(2)
pool.add(np.array([[0, 1], [2, 0]]), np.array([2, 1]), np.array([-10.0, -5.0]))
assert pool.cheapest_day([[0, 1], [2]], seconds=1.0) is not None
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
except KeyboardInterrupt:
    print("interrupted, cleaning up")
"""

INTERRUPTED_WHILE_SEARCHING = """
import os, signal, threading, time
from bench.field import generate_day
from optimizer import SolveParams
from optimizer._routing import solve_routing
from tests.optimizer.conftest import constructed

arrays, routes = constructed(generate_day(12, 47, 1), SolveParams())
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
began = time.perf_counter()
try:
    # A guided local search with a stall limit far off: it calls back into Python at every step.
    far = SolveParams(stall_solutions=10**9)
    solve_routing(arrays, time_limit=20.0, params=far, initial=routes)
    print("searched on for", round(time.perf_counter() - began, 1), "s")
except KeyboardInterrupt:
    print("interrupted after", round(time.perf_counter() - began, 1), "s")
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_ctrl_c_after_a_recombination_still_interrupts_rather_than_kills() -> None:
    done = _run(INTERRUPTED_AFTER_RECOMBINING)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    assert done.stdout.strip() == "interrupted, cleaning up"


def test_ctrl_c_inside_the_routing_search_ends_it_and_is_raised() -> None:
    done = _run(INTERRUPTED_WHILE_SEARCHING)
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])
    said = done.stdout.split()
    assert said[0] == "interrupted", done.stdout
    assert float(said[2]) < 5.0, "the search ended soon after the Ctrl-C, not at its limit"


def test_an_interrupt_raised_in_a_progress_callback_is_not_swallowed(day_12x47: Problem) -> None:
    arrays, routes = constructed(day_12x47, SolveParams())
    calls: list[float] = []

    def progress(at: float, value: float) -> None:
        calls.append(value)
        raise KeyboardInterrupt

    began = clock.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        solve_routing(
            arrays, time_limit=10.0, params=SolveParams(), initial=routes, progress=progress
        )
    assert len(calls) <= 3, "the search finished at the first callback, or the one after"
    assert clock.perf_counter() - began < 5.0
