"""A search of the day in which promises broken by hours may not be broken.

A stop served hours outside the window its customer was told can sit in a deep basin: to
bring it back, its technician's morning must be emptied and the stops there handed round
three or four other routes, each step dearer than the last. On a 12 × 47 day (seed 7) one
search served such a stop at 780 against a told 480-600 for 20-30 s (3,600 of a 6,200
objective), where a plan at 3,450 keeps the promise. A search in which those stops must start
inside their told window, the rest of the day as it is, finds that plan in about a second in
two runs of three: the promise becomes a constraint, as a coordinator would treat it, and the
other stops make room. Its plan is valid for the real day (its windows only narrow), so the
real objective decides whether it is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from optimizer.assemble import timed_outcome
from optimizer.matrices import ModelArrays
from optimizer.problem import Window

__all__ = ["BROKEN_MINUTES", "Probe", "broken_promises", "keeping_promises", "probe_of"]

BROKEN_MINUTES = 60
"""Minutes past the told window (past its due minute) from which a promise counts as broken
by hours rather than missed by a little; a smaller miss is left to the ordinary search."""


def broken_promises(arrays: ModelArrays, routes: Sequence[Sequence[int]]) -> list[int]:
    """Jobs in `routes` whose service starts `BROKEN_MINUTES` or more past their told window's
    due minute, timed with each technician's own minutes (the model never starts one before
    its told window opens). Pinned jobs are not counted: where they stand is not the search's
    to choose."""
    jobs = arrays.problem.jobs
    params = arrays.problem.params
    told = [job.told_window if job.pin is None else None for job in jobs]
    if not any(told[j] is not None for route in routes for j in route):
        return []
    outcome = timed_outcome(arrays, routes)
    broken: list[int] = []
    for stops in outcome.routes.values():
        for j, start in stops:
            window = told[j]
            if window is None:
                continue
            due = params.told_due(window)
            if start >= due + BROKEN_MINUTES:
                broken.append(j)
    return sorted(broken)


def keeping_promises(arrays: ModelArrays, jobs: Sequence[int]) -> tuple[ModelArrays, list[int]]:
    """The model with each of `jobs` allowed to start only inside its told window (from the
    window's opening to its due minute), within the windows the model already enforces, and
    the jobs so narrowed. A promise that cannot be kept is left as it is: one whose hard
    windows miss its told window entirely, or whose due minute no qualified technician can
    reach (a re-plan late in the day, its window long past)."""
    windows = list(arrays.windows)
    params = arrays.problem.params
    techs = arrays.problem.technicians
    narrowed: list[int] = []
    for j in jobs:
        told = arrays.problem.jobs[j].told_window
        if told is None:
            raise ValueError(f"job {arrays.problem.jobs[j].id} has no told window")
        due = params.told_due(told)
        reached = min(
            (
                techs[v].shift_start + int(arrays.drive[arrays.start_node(v), j])
                for v in arrays.allowed[j]
            ),
            default=None,
        )
        if reached is None or reached > due:
            continue
        inside = tuple(
            Window(max(w.start, told.start), min(w.end, due))
            for w in windows[j]
            if w.start <= due and w.end >= told.start
        )
        if not inside and (not windows[j] or not windows[j][0].hard):
            inside = (Window(told.start, due),)
        if inside:
            windows[j] = inside
            narrowed.append(j)
    return replace(arrays, windows=tuple(windows)), narrowed


@dataclass(frozen=True, slots=True)
class Probe:
    """A search to run instead of the day as it is: the narrowed model, the routes without the
    stops whose promises it keeps, and those stops."""

    arrays: ModelArrays
    routes: list[list[int]]
    kept: frozenset[int]


def probe_of(arrays: ModelArrays, routes: Sequence[Sequence[int]]) -> Probe | None:
    """The search that keeps the promises `routes` break by hours, or None if they break none
    that any window allows to keep."""
    broken = broken_promises(arrays, routes)
    if not broken:
        return None
    narrowed_arrays, narrowed = keeping_promises(arrays, broken)
    if not narrowed:
        return None
    kept = frozenset(narrowed)
    return Probe(narrowed_arrays, [[j for j in route if j not in kept] for route in routes], kept)
