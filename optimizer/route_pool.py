"""Routes a search has held, recombined: the cheapest day made of any of them.

A day's cost is its routes' costs added up (`_anneal_kernel._route_value`: drive, balance
against the technician's own target, windows, preferences, each route on its own) plus the
penalties of the jobs no route serves. So any choice of one seen route per technician that
serves no job twice is a valid day with a known cost, and the cheapest such choice is a set
partitioning problem: CP-SAT solves one of a few thousand routes in tens of milliseconds
(through OR-Tools' linear solver wrapper, which does not load pandas as `cp_model` does).

String moves settle into basins: on 12 × 47 days the day two seconds in often differed from
the best known in four to six routes, each of which the search had held at some point in
another state. Recombining finds those days without the chain of moves between them.
Measured on 12 × 47 days 1, 2, 8 and 9, twelve construction seeds each, ruin and recreate
alone for 2.2 s: within 0.5 % of the best day known by 2 s in 33 of 48 runs with the pool
(every 0.25 s), 16 of 48 without.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

__all__ = ["POOL_LIMIT", "RoutePool"]

POOL_LIMIT = 3000
"""Routes kept; beyond, the least recently seen go first. A 10 s search of a 12 × 47 day
held about 1,200 distinct routes."""


class RoutePool:
    """Distinct routes per technician, each with its cost, most recently seen last."""

    def __init__(self, n_techs: int, limit: int = POOL_LIMIT) -> None:
        self.n_techs = n_techs
        self.limit = limit
        self._routes: list[dict[bytes, tuple[list[int], float]]] = [{} for _ in range(n_techs)]
        self._size = 0
        self.added = 0
        """Routes ever added that were not in the pool (a recombination is worth trying again
        only once this grew)."""

    def __len__(self) -> int:
        return self._size

    def add(
        self,
        routes: npt.NDArray[np.int64],
        lengths: npt.NDArray[np.int64],
        values: npt.NDArray[np.float64],
    ) -> None:
        """Add a day held as a search holds it: route `v` is `routes[v, :lengths[v]]`, costing
        `values[v]`."""
        for v in range(self.n_techs):
            route = routes[v, : lengths[v]]
            key = route.tobytes()
            seen = self._routes[v]
            known = seen.pop(key, None)
            seen[key] = known if known is not None else (route.tolist(), float(values[v]))
            if known is None:
                self._size += 1
                self.added += 1
        while self._size > self.limit:
            self._forget_oldest()

    def cheapest_day(
        self, hint: Sequence[Sequence[int]], *, seconds: float, deterministic: bool = False
    ) -> tuple[list[list[int]], float] | None:
        """The cheapest day of pooled routes (one per technician, no job twice) and the sum of
        its route costs, or None if CP-SAT found none in `seconds` (in deterministic time
        units with `deterministic`, so the answer does not depend on the machine's speed).
        `hint`, a day of pooled routes, is where the solver starts."""
        solver = pywraplp.Solver.CreateSolver("SAT")
        if solver is None:
            return None
        # The LP relaxation of set partitioning is tight: with it CP-SAT solves a pool of a
        # thousand routes in ~15 ms, without it in over a second.
        limit = f"max_deterministic_time:{seconds}" if deterministic else ""
        # CP-SAT catches Ctrl-C while it solves and then sets SIGINT to its default, which would
        # kill this process outright at the next Ctrl-C: no cleanup, no graceful shutdown.
        solver.SetSolverSpecificParametersAsString(
            f"linearization_level:2 num_workers:1 catch_sigint_signal:false {limit}"
        )
        if not deterministic:
            solver.SetTimeLimit(max(1, int(seconds * 1000)))
        objective = solver.Objective()
        chosen: list[tuple[int, list[int], float, pywraplp.Variable]] = []
        by_job: dict[int, list[pywraplp.Variable]] = {}
        hinted: list[pywraplp.Variable] = []
        for v, seen in enumerate(self._routes):
            if not seen:
                return None
            one = solver.Constraint(1, 1)
            wanted = list(hint[v])
            for route, value in seen.values():
                x = solver.BoolVar("")
                one.SetCoefficient(x, 1)
                objective.SetCoefficient(x, value)
                chosen.append((v, route, value, x))
                if route == wanted:
                    hinted.append(x)
                for j in route:
                    by_job.setdefault(j, []).append(x)
        for serving in by_job.values():
            if len(serving) > 1:
                once = solver.Constraint(0, 1)
                for x in serving:
                    once.SetCoefficient(x, 1)
        objective.SetMinimization()
        if hinted:
            solver.SetHint(hinted, [1.0] * len(hinted))
        if solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        day: list[list[int]] = [[] for _ in range(self.n_techs)]
        total = 0.0
        for v, route, value, x in chosen:
            if x.solution_value() > 0.5:
                day[v] = list(route)
                total += value
        return day, total

    def _forget_oldest(self) -> None:
        """Drop the least recently seen route of the technician with the most routes."""
        seen = max(self._routes, key=len)
        del seen[next(iter(seen))]
        self._size -= 1
