"""Forward timing of one technician's route: when each stop is reached, started and finished.

Used to turn a stop order into times (after solving, and for insertion what-ifs). The lunch is a
block placed at its earliest start that does not cut a job in two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.problem import Job, Technician, Window

__all__ = ["TimedStop", "earliest_start", "time_route"]


@dataclass(frozen=True, slots=True)
class TimedStop:
    job: Job
    arrive: int
    start: int
    end: int
    travel: int
    late: int
    """Minutes past the end of the window the stop should have started in."""


def earliest_start(windows: Sequence[Window], arrive: int) -> tuple[int, int]:
    """(start, lateness) for arriving at `arrive`: wait for the next window, else be late."""
    if not windows:
        return arrive, 0
    for window in sorted(windows, key=lambda w: w.start):
        if arrive <= window.end:
            return max(arrive, window.start), 0
    last = max(windows, key=lambda w: w.end)
    return arrive, arrive - last.end


def time_route(
    tech: Technician,
    jobs: Sequence[Job],
    travel: Sequence[Sequence[int]],
    nodes: Sequence[int],
    start_node: int,
    end_node: int,
    *,
    depart: int | None = None,
    fixed_starts: dict[str, int] | None = None,
    lunch_taken: bool = False,
) -> tuple[list[TimedStop], int, int | None, int]:
    """Time a route. Returns (stops, end time, lunch start or None, return drive minutes).

    `nodes[k]` is the matrix index of `jobs[k]`. The technician leaves at `depart` (default:
    the shift start, or later so as not to wait at the first stop). Lunch is taken between two
    stops, as soon as the technician is free after its earliest time, or before a stop that
    would otherwise push it past its latest start.
    """
    fixed = fixed_starts or {}
    lunch = None if lunch_taken else tech.lunch
    lunch_start: int | None = None
    clock = tech.shift_start if depart is None else depart
    prev = start_node
    stops: list[TimedStop] = []
    for k, (job, node) in enumerate(zip(jobs, nodes, strict=True)):
        drive = travel[prev][node]
        minutes = job.minutes_for(tech)
        if k == 0 and depart is None and job.windows and job.id not in fixed:
            # Leave home just in time rather than wait on the customer's doorstep.
            clock = max(clock, min(w.start for w in job.windows) - drive)
        if lunch is not None and lunch_start is None:
            start_without, _ = earliest_start(job.windows, clock + drive)
            if clock >= lunch.earliest or start_without + minutes > lunch.latest:
                lunch_start = max(clock, lunch.earliest)
                clock = lunch_start + lunch.minutes
        arrive = clock + drive
        start, late = earliest_start(job.windows, arrive)
        if job.id in fixed:
            start, late = max(arrive, fixed[job.id]), 0
        end = start + minutes
        stops.append(TimedStop(job, arrive, start, end, drive, late))
        clock = end
        prev = node
    if lunch is not None and lunch_start is None:
        lunch_start = max(clock, lunch.earliest)
        clock = lunch_start + lunch.minutes
    back = travel[prev][end_node]
    return stops, clock + back, lunch_start, back
