"""Committed visits a technician can no longer fit go to someone who can, instead of nobody.

A visit only loaded on a technician's app (dispatched, not yet driven to) stays with that
technician: the re-plan pins it there. When an overrun or a late emergency leaves them no room
for it, the optimizer can only report it `pinned_infeasible`, and the customer would be dropped.
On a generated 12 × 47 day an emergency was, exactly so: dispatched at 13:59, never reached,
where the baseline's coordinator handed it on. Such visits are planned again with their pin
released, so any qualified technician may take them.

The other way round, a visit loaded on the only gas fitter's app (a four-hour water heater
install) kept a gas leak waiting until the install was done. When an emergency is left out, the
dispatched visits of the technicians who could take it are released too, and that plan is kept
if it reaches more emergencies: the coordinator's "pull the install, send them to the leak".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import optimizer as opt
from connectors.records import Appointment, Lifecycle

__all__ = ["only_dispatched", "solve_handing_on"]


def only_dispatched(appointments: Iterable[Appointment]) -> set[str]:
    """Job ids whose visit is loaded on a technician's app but not yet driven to."""
    return {a.job_id for a in appointments if a.status is Lifecycle.DISPATCHED and a.technician_ids}


def solve_handing_on(
    problem: opt.Problem,
    movable: set[str],
    *,
    time_limit: float,
    initial: Mapping[str, Sequence[str]] | None = None,
    params: opt.SolveParams | None = None,
    travel: opt.TravelTimes | None = None,
) -> opt.Plan:
    """`opt.solve`; then, if visits in `movable` are stuck or in an emergency's way, again
    with them unpinned.

    Stuck: pinned to a technician who can no longer fit them. In the way: loaded on the app of
    a technician qualified for an emergency the plan left out. The second search starts from
    the first plan and gets half the time again; the visits keep their windows, and the churn
    weight still prefers their technician. Releasing visits only in an emergency's way is kept
    only when more emergencies are reached.
    """
    plan = opt.solve(problem, time_limit=time_limit, initial=initial, params=params, travel=travel)
    stuck = {
        u.job_id for u in plan.unassigned if u.reason == "pinned_infeasible" and u.job_id in movable
    }
    jobs_by_id = {job.id: job for job in problem.jobs}
    wanted = stuck | _in_an_emergencys_way(problem, jobs_by_id, plan, movable)
    release = {job_id for job_id in wanted if _releasable(jobs_by_id[job_id].pin)}
    if not release:
        return plan
    jobs = tuple(replace(job, pin=None) if job.id in release else job for job in problem.jobs)
    previous = dict(problem.previous)
    for job in problem.jobs:
        if job.id in release and job.pin is not None:
            previous.setdefault(job.id, job.pin.technician)
    second = opt.solve(
        replace(problem, jobs=jobs, previous=previous),
        time_limit=max(0.5, time_limit / 2),
        initial={r.technician_id: [s.job_id for s in r.stops] for r in plan.routes},
        params=params,
        travel=travel,
    )
    fewer_waiting = _emergencies_left(jobs_by_id, second) < _emergencies_left(jobs_by_id, plan)
    return second if release & stuck or fewer_waiting else plan


def _in_an_emergencys_way(
    problem: opt.Problem, jobs_by_id: Mapping[str, opt.Job], plan: opt.Plan, movable: set[str]
) -> set[str]:
    """Movable visits pinned to a technician qualified for an emergency the plan left out."""
    waiting = [
        jobs_by_id[u.job_id]
        for u in plan.unassigned
        if u.reason != "no_qualified_technician" and jobs_by_id[u.job_id].urgency == "emergency"
    ]
    able = {t.id for t in problem.technicians for job in waiting if job.qualified(t)}
    pins = {job_id: jobs_by_id[job_id].pin for job_id in movable & jobs_by_id.keys()}
    return {job_id for job_id, pin in pins.items() if pin is not None and pin.technician in able}


def _emergencies_left(jobs_by_id: Mapping[str, opt.Job], plan: opt.Plan) -> int:
    return sum(jobs_by_id[u.job_id].urgency == "emergency" for u in plan.unassigned)


def _releasable(pin: opt.Pin | None) -> bool:
    """A pin with no fixed start or position: the visit has not begun."""
    return pin is not None and pin.start is None and pin.sequence is None
