"""Scarce skills kept for the work that needs them.

A plan that fits the whole morning can give an estimate to the one EV-charger installer as
readily as to anyone else; an hour later an overrun or a new ticket leaves the charger install
with nowhere to go. A coordinator keeps the few who can do the scarce work on it. The objective
does the same: a technician doing a job that does not need a skill they hold costs
`ObjectiveParams.skill_reserve_minute` per service minute, times how booked that skill is:
nothing while its work fills less than `FREE_LOAD` of its holders' shifts, all of it from
`FULL_LOAD`, in proportion between. On a day without such work the cost is nil.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from optimizer.problem import Job, Problem, Technician

__all__ = ["FREE_LOAD", "FULL_LOAD", "booked", "reserve_cost", "reserve_costs", "skill_loads"]

FREE_LOAD = 0.35
"""Below this load a skill's holders have room for other work: a skill most of the fleet holds
(EPA 608, say) is rarely this booked, and is not held back."""
FULL_LOAD = 0.75
"""From this load a skill's holders are fully booked: about the share of a shift left for work
once the drives between visits are taken."""


def skill_loads(problem: Problem, also: Sequence[Job] = ()) -> dict[str, float]:
    """Each skill's load: service minutes of the jobs needing it (the problem's and `also`)
    over the shift minutes (less lunch) of the technicians holding it; skills nobody holds are
    left out."""
    supply: dict[str, int] = {}
    for tech in problem.technicians:
        lunch = tech.lunch.minutes if tech.lunch else 0
        minutes = max(0, tech.shift_end - tech.shift_start - lunch)
        for skill in tech.skills:
            supply[skill] = supply.get(skill, 0) + minutes
    demand: dict[str, int] = {}
    for job in (*problem.jobs, *also):
        for skill in job.skills:
            demand[skill] = demand.get(skill, 0) + job.service_minutes
    return {s: demand.get(s, 0) / held for s, held in supply.items() if held > 0}


def booked(load: float) -> float:
    """How booked a skill of `load` is, 0-1: 0 up to `FREE_LOAD`, 1 from `FULL_LOAD`."""
    return min(1.0, max(0.0, (load - FREE_LOAD) / (FULL_LOAD - FREE_LOAD)))


def reserve_cost(problem: Problem, loads: Mapping[str, float], job: Job, tech: Technician) -> float:
    """What `tech` doing `job` costs in scarce skills left idle (0 for a pinned job)."""
    weight = problem.params.skill_reserve_minute
    if weight <= 0 or job.pin is not None:
        return 0.0
    return weight * job.service_minutes * _idle_share(tech.skills, job.skills, loads)


def reserve_costs(
    problem: Problem, loads: Mapping[str, float] | None = None
) -> npt.NDArray[np.float64]:
    """`reserve_cost` of every (technician, job), in the problem's order."""
    techs: Sequence[Technician] = problem.technicians
    out = np.zeros((len(techs), len(problem.jobs)), dtype=np.float64)
    weight = problem.params.skill_reserve_minute
    if weight <= 0:
        return out
    loads = skill_loads(problem) if loads is None else loads
    # A fleet's jobs need a handful of skill sets: one share per technician and set, not per
    # job (a 180 x 800 day would otherwise take a sizeable part of a second on each build).
    minutes = np.zeros(len(problem.jobs), dtype=np.float64)
    by_needs: dict[frozenset[str], list[int]] = {}
    for j, job in enumerate(problem.jobs):
        if job.pin is None:
            minutes[j] = weight * job.service_minutes
            by_needs.setdefault(job.skills, []).append(j)
    for needs, columns in by_needs.items():
        for v, tech in enumerate(techs):
            share = _idle_share(tech.skills, needs, loads)
            if share > 0:
                out[v, columns] = minutes[columns] * share
    return out


def _idle_share(held: frozenset[str], needs: frozenset[str], loads: Mapping[str, float]) -> float:
    """How booked the fullest skill held and not needed is (0 when none is)."""
    spare = [loads.get(skill, 0.0) for skill in held - needs]
    return booked(max(spare)) if spare else 0.0
