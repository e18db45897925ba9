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


def skill_loads(problem: Problem) -> dict[str, float]:
    """Each skill's load: service minutes of the jobs needing it over the shift minutes (less
    lunch) of the technicians holding it; skills nobody holds are left out."""
    supply: dict[str, int] = {}
    for tech in problem.technicians:
        lunch = tech.lunch.minutes if tech.lunch else 0
        minutes = max(0, tech.shift_end - tech.shift_start - lunch)
        for skill in tech.skills:
            supply[skill] = supply.get(skill, 0) + minutes
    demand: dict[str, int] = {}
    for job in problem.jobs:
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
    spare = [loads.get(skill, 0.0) for skill in tech.skills - job.skills]
    if not spare:
        return 0.0
    return weight * job.service_minutes * booked(max(spare))


def reserve_costs(
    problem: Problem, loads: Mapping[str, float] | None = None
) -> npt.NDArray[np.float64]:
    """`reserve_cost` of every (technician, job), in the problem's order."""
    techs: Sequence[Technician] = problem.technicians
    out = np.zeros((len(techs), len(problem.jobs)), dtype=np.float64)
    if problem.params.skill_reserve_minute <= 0:
        return out
    loads = skill_loads(problem) if loads is None else loads
    for j, job in enumerate(problem.jobs):
        for v, tech in enumerate(techs):
            out[v, j] = reserve_cost(problem, loads, job, tech)
    return out
