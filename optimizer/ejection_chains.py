"""A descent by ejection chains: the most improving chain of stops (one, or two of one
route) handed round several routes (`_chain_kernel.py`), applied, until none improves.

Ruin and recreate runs it on its best day when it is new (`recreate.py`), on days of up to
`recreate.CHAIN_TECHS` technicians. On the 12 × 47 day of seed 7 (4 s solves, value at 2 s),
12 runs came within 0.5 % of the best plan known in 9 runs with it and 4 without; on days
1-10, six runs each, in 54 of 60 and 52 of 60.

Run on each walker's day between its batches as well, the chains take walks out of basins
the string moves hold for seconds: on seed 7's day, 74 of 80 runs within 0.5 % at 2 s
against 28 of 60 on the best day alone (every one of 80 within it at 4 s, against 49 of 60);
on seed 8's, 46 of 80 against 34 of 60; on days 1-6, 9 and 10 (six runs each) 46 of 48
against 47.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from optimizer._anneal_kernel import FieldAnnealer
from optimizer._chain_kernel import CYCLE, INSERTED, best_chain, best_insertion
from optimizer.matrices import ModelArrays

__all__ = ["CHAIN_ROUTES", "ChainSearch", "compile_chains"]

CHAIN_ROUTES = 5
"""Most routes one chain changes. Seed 7's 12 × 47 day needs four."""
SPAN = 2
"""Two stops of one route at most this many places apart move together as one unit. On the
12 × 47 day of seed 8 (4 s solves, value at 2 s, 80 runs), 56 came within 0.5 % of the best
plan known with pairs and 46 with single stops alone; on seed 7's, 73 and 74; on days 1-6, 9
and 10 (six runs each), 46 of 48 both ways."""
NEIGHBOURS = 80
"""Jobs, nearest first, whose stops are considered for the place of each stop."""
PAIR_NEIGHBOURS = 20
"""The same where a pair of stops would take the place or be put in it."""
EXPANSIONS = 5000
"""Chain extensions explored from each first job, so that a day with many cheap steps (an
unassigned job worth more than any stop) does not explode the search."""
ROUNDS = 10
"""Most chains applied in one descent."""


class ChainSearch:
    """Ejection chains over one day's compiled arrays (those of `annealer`)."""

    def __init__(self, arrays: ModelArrays, annealer: FieldAnnealer) -> None:
        self.annealer = annealer
        self.timing, self.costs, self.near, self.movable = annealer.compiled()
        n_techs, n_jobs = arrays.n_techs, arrays.n_jobs
        self.n_techs, self.n_jobs = n_techs, n_jobs
        self.allowed = np.zeros((max(n_techs, 1), max(n_jobs, 1)), dtype=np.bool_)
        for j, vehicles in enumerate(arrays.allowed[:n_jobs]):
            self.allowed[list(vehicles), j] = True
        jobs = arrays.problem.jobs
        self.sequenced = [job.pin is not None and job.pin.sequence is not None for job in jobs]
        self.routes = np.zeros((max(n_techs, 1), max(n_jobs, 1) + 1), dtype=np.int64)
        self.units = np.zeros((max(n_jobs, 1) * (SPAN + 1), 5), dtype=np.int64)
        self.chain = np.zeros((CHAIN_ROUTES + 1, 5), dtype=np.int64)
        self.trial = np.zeros(max(n_jobs, 1) + 2, dtype=np.int64)
        self.starts = np.zeros(max(n_jobs, 1) + 3, dtype=np.int64)

    def descend(self, routes: Sequence[Sequence[int]]) -> tuple[list[list[int]], float] | None:
        """`routes` with improving chains applied until none is left (at most `ROUNDS`), and
        the day's change in value; None if no chain improves the day."""
        day = [list(route) for route in routes]
        saved = 0.0
        for _ in range(ROUNDS):
            found = self._best(day)
            if found is None:
                break
            day, change = found
            saved += change
        return (day, saved) if saved < 0.0 else None

    def _best(self, day: list[list[int]]) -> tuple[list[list[int]], float] | None:
        """The day with its most improving chain applied, and the chain's change in value."""
        n_techs = self.n_techs
        lengths = np.zeros(max(n_techs, 1), dtype=np.int64)
        values = np.zeros(max(n_techs, 1))
        heads = np.zeros(max(n_techs, 1), dtype=np.int64)
        where = np.full(max(self.n_jobs, 1), -1, dtype=np.int64)
        allowed = self.allowed
        for v, route in enumerate(day):
            lengths[v] = len(route)
            self.routes[v, : len(route)] = route
            where[route] = v
            value = self.annealer.route_value(v, route)
            while heads[v] < len(route) and self.sequenced[route[heads[v]]]:
                heads[v] += 1
            if value is None:
                # A route that cannot be timed as it is (a pinned visit running past the
                # shift, say) takes no part: no stop leaves it, none is put into it.
                heads[v] = len(route)
                if allowed is self.allowed:
                    allowed = self.allowed.copy()
                allowed[v] = False
            values[v] = 0.0 if value is None else value
        change, length, kind, into = best_chain(
            self.routes, lengths, values, where, heads, self.movable, allowed, self.near,
            NEIGHBOURS, PAIR_NEIGHBOURS, SPAN, CHAIN_ROUTES, EXPANSIONS, self.timing,
            self.costs, self.units, self.chain,
        )  # fmt: skip
        if length == 0:
            return None
        # Each unit: (first job, second job or -1, route or -1, their positions in it).
        chain = [tuple(row) for row in self.chain[:length].tolist()]
        changed = [list(route) for route in day]
        moves = list(zip(chain, chain[1:], strict=False))
        if kind == CYCLE:
            moves.append((chain[-1], chain[0]))
        elif chain[0][2] >= 0:
            home = chain[0][2]
            changed[home] = [j for j in day[home] if j not in chain[0][:2]]
        for x, y in moves:
            changed[y[2]] = self._inserted(y[2], lengths, heads, y[3:], x[:2])
        if kind == INSERTED:
            changed[into] = self._inserted(into, lengths, heads, (-1, -1), chain[-1][:2])
        return changed, float(change)

    def _inserted(
        self,
        v: int,
        lengths: np.ndarray,
        heads: np.ndarray,
        skip: tuple[int, ...],
        jobs: tuple[int, ...],
    ) -> list[int]:
        """Route `v` as held in `self.routes`, without the stops at the positions `skip`
        (-1: none), with `jobs` (one, or two side by side) at their cheapest place."""
        _, at, turned = best_insertion(
            v, self.routes[v], int(lengths[v]), skip[0], skip[1], jobs[0], jobs[1],
            int(heads[v]), self.trial, self.starts, self.timing, self.costs,
        )  # fmt: skip
        held = self.routes[v, : lengths[v]].tolist()
        route = [j for k, j in enumerate(held) if k not in skip]
        string = [j for j in jobs if j >= 0]
        route[at:at] = string[::-1] if turned else string
        return route


def compile_chains() -> None:
    """Compile the chain kernels (or load them from numba's disk cache), on a tiny day."""
    from optimizer.params import SolveParams
    from optimizer.problem import Job, Point, Problem, Technician
    from optimizer.travel import OfflineTravel

    home, near, far = Point(39.74, -104.99), Point(39.75, -104.98), Point(39.70, -105.05)
    crew = tuple(
        Technician(id=f"T{k}", start=home, shift_start=480, shift_end=1020) for k in range(2)
    )
    jobs = (
        Job(id="A", location=near, service_minutes=30),
        Job(id="B", location=far, service_minutes=30),
    )
    problem = Problem(crew, jobs)
    matrix = np.asarray(OfflineTravel().matrix([near, far, home, home, home, home]), dtype=np.int64)
    arrays = ModelArrays.build(problem, matrix, SolveParams())
    annealer = FieldAnnealer(arrays)
    ChainSearch(arrays, annealer).descend([[0, 1], []])
