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

A loaded visit its technician would now reach past the window its customer was told (the
visit before it ran long, an emergency went first) is offered to the others too: the day is
searched again with it unpinned, and that plan is kept when it costs less, the late minutes
weighed against moving a visit off an app and a preferred technician. The coordinator's "Pat
is free, send Pat to the water heater" rather than a customer kept waiting.

And a committed visit nobody else can fit is not dropped from the plan while its technician
drives to it anyway. On the seed day an install of five and a half hours, loaded on the app of
a technician whose morning ran long, could no longer end inside their overtime; the plan left
it out and gave them an emergency at 11:33, which their board then put after the install, at
17:33. Such visits stay on their technician's day, with just the overtime they need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import optimizer as opt
from connectors.records import Appointment, Lifecycle
from orchestrator.customer_texts import DELAY_GRACE
from orchestrator.staying_late import stay_late_for_waiting_emergencies

__all__ = ["only_dispatched", "solve_handing_on"]

LATE_GRACE = int(DELAY_GRACE.total_seconds() // 60)
"""Minutes past its told window a loaded visit may be planned before it is offered to the
other technicians: as late as a customer is let be before being texted of a delay
(`customer_texts.DELAY_GRACE`), so the two cannot drift apart."""

ROUNDING = 5
"""Minutes of overtime stretched beyond a held visit's estimated end, should the search time a
leg a little longer. Too short for any other visit (ten minutes at least, plus a drive)."""


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
    """`opt.solve`; then, if visits in `movable` are stuck, in an emergency's way or late on
    their told window, again with them unpinned; then, if an emergency still waits, again with
    the technicians qualified for it allowed to stay late (`staying_late.py`); then, if
    committed visits are still in no route, again with them kept on their technicians in
    overtime.

    Stuck: pinned to a technician who can no longer fit them. In the way: loaded on the app of
    a technician qualified for an emergency the plan left out. The second search starts from
    the first plan and gets half the time again; the visits keep their windows, and the churn
    weight still prefers their technician. Releasing visits only in an emergency's way is kept
    only when more emergencies are reached; releasing only late ones, when the day costs less.

    A committed visit nobody can fit (the one its technician is driving to, or a loaded one no
    other technician has room for) is still done by its technician: the platform shows it on
    their day, and they go. A plan without it would give that technician other work in the
    same hours, which they never reach. So it is planned with them, and their overtime
    stretched just enough to hold it (`_room_for`).
    """
    plan = opt.solve(problem, time_limit=time_limit, initial=initial, params=params, travel=travel)
    stuck = {
        u.job_id for u in plan.unassigned if u.reason == "pinned_infeasible" and u.job_id in movable
    }
    jobs_by_id = {job.id: job for job in problem.jobs}
    late = _late_on_their_promise(jobs_by_id, plan, movable)
    wanted = stuck | late | _in_an_emergencys_way(problem, jobs_by_id, plan, movable)
    release = {job_id for job_id in wanted if _releasable(jobs_by_id[job_id].pin)}
    solved = problem
    if release:
        jobs = tuple(replace(job, pin=None) if job.id in release else job for job in problem.jobs)
        previous = dict(problem.previous)
        for job in problem.jobs:
            if job.id in release and job.pin is not None:
                previous.setdefault(job.id, job.pin.technician)
        released = replace(problem, jobs=jobs, previous=previous)
        second = opt.solve(
            released,
            time_limit=max(0.5, time_limit / 2),
            initial=_routes(plan),
            params=params,
            travel=travel,
        )
        fewer_waiting = _emergencies_left(jobs_by_id, second) < _emergencies_left(jobs_by_id, plan)
        cheaper = not (release - late) and second.objective < plan.objective
        if release & stuck or fewer_waiting or cheaper:
            plan, solved = second, released

    def resolve(again: opt.Problem, start: opt.Plan) -> opt.Plan:
        return opt.solve(
            again, time_limit=max(0.5, time_limit / 2), initial=start, params=params, travel=travel
        )

    solved, plan = stay_late_for_waiting_emergencies(solved, plan, resolve)
    on_shift = {tech.id for tech in problem.technicians}
    held = {
        u.job_id
        for u in plan.unassigned
        if (u.reason == "pinned_infeasible" or u.job_id in release)
        and (pin := jobs_by_id[u.job_id].pin) is not None
        and pin.technician in on_shift
    }
    if not held:
        return plan
    jobs = tuple(jobs_by_id[job.id] if job.id in held else job for job in solved.jobs)
    kept = _room_for(replace(solved, jobs=jobs), held, travel or opt.OfflineTravel())
    return opt.solve(
        kept,
        time_limit=max(0.5, time_limit / 2),
        initial=_routes(plan),
        params=params,
        travel=travel,
    )


def _routes(plan: opt.Plan) -> dict[str, list[str]]:
    return {r.technician_id: [s.job_id for s in r.stops] for r in plan.routes}


def _room_for(problem: opt.Problem, held: set[str], travel: opt.TravelTimes) -> opt.Problem:
    """`problem` with each technician's overtime stretched to finish their `held` (pinned)
    visits, done in order of their windows straight from where the technician is. Only just
    enough: no other work fits in the stretch without pushing a held visit past it."""
    pinned: dict[str, list[opt.Job]] = {}
    for job in problem.jobs:
        if job.id in held and job.pin is not None:
            pinned.setdefault(job.pin.technician, []).append(job)
    techs = []
    for tech in problem.technicians:
        visits = sorted(pinned.get(tech.id, ()), key=_earliest)
        if not visits:
            techs.append(tech)
            continue
        points = [tech.start, *(job.location for job in visits), tech.end_point]
        drive = travel.matrix(points)  # as the search times the day: one matrix for all
        clock, here = tech.shift_start, 0
        for k, job in enumerate(visits, start=1):
            clock = max(clock + int(drive[here][k]), _earliest(job)) + job.minutes_for(tech)
            here = k
        if tech.lunch is not None:
            # Eaten before, between or (after a long visit) on site: it adds its minutes.
            clock += tech.lunch.minutes
        if not tech.commute_home:
            clock += int(drive[here][len(points) - 1])
        needed = min(clock + ROUNDING - tech.shift_end, opt.DAY_LIMIT - tech.shift_end)
        techs.append(
            replace(tech, overtime_minutes=needed) if needed > tech.overtime_minutes else tech
        )
    return replace(problem, technicians=tuple(techs))


def _earliest(job: opt.Job) -> int:
    return min((w.start for w in job.windows), default=0)


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


def _late_on_their_promise(
    jobs_by_id: Mapping[str, opt.Job], plan: opt.Plan, movable: set[str]
) -> set[str]:
    """Movable visits the plan starts more than `LATE_GRACE` minutes past their told window."""
    return {
        stop.job_id
        for route in plan.routes
        for stop in route.stops
        if stop.job_id in movable
        and (told := jobs_by_id[stop.job_id].told_window) is not None
        and stop.start > told.end + LATE_GRACE
    }


def _emergencies_left(jobs_by_id: Mapping[str, opt.Job], plan: opt.Plan) -> int:
    return sum(jobs_by_id[u.job_id].urgency == "emergency" for u in plan.unassigned)


def _releasable(pin: opt.Pin | None) -> bool:
    """A pin with no fixed start or position: the visit has not begun."""
    return pin is not None and pin.start is None and pin.sequence is None
