"""A technician stays late for an emergency, as a coordinator would ask them to.

Every technician's day ends within their overtime allowance (`planning.overtime_minutes`), and
for ordinary work that is the rule. An emergency is the exception. On the seed day a panel
buzzing warm was called in at 09:15; the one electrician free until noon had a five-and-a-half
hour boiler job after it that already ran into overtime, and reaching the panel first would have
ended that job seven minutes past the allowance. The plan sent a busier electrician at 11:37;
the coordinator sent the free one, who was there at 09:18.

- `stay_late_for_waiting_emergencies`: when a plan makes an emergency wait (more than `WAITING`
  minutes past when it could first start), the technicians qualified for it may stay later by
  its minutes and the day is searched again from that plan. The new plan is kept when it reaches
  the emergencies sooner at a lower cost; should a technician who does not take one use the
  stretch for other work, the stretch is given only to those who do, and searched once more.
- `held_emergency_minutes`: a technician holding an emergency today (sent, on the way, on site
  or done) keeps the stretch for the rest of the day, so the work it displaced still fits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

import optimizer as opt
from connectors.records import Appointment, Job, Lifecycle, Technician, Urgency

__all__ = ["WAITING", "held_emergency_minutes", "stay_late_for_waiting_emergencies"]

WAITING = 30
"""Minutes past when it could first start after which an emergency is waiting: beyond a drive
across a neighbourhood, someone nearer may be held only by their overtime allowance."""

Resolve = Callable[[opt.Problem, opt.Plan], opt.Plan]
"""Searches a problem again from a plan."""


def held_emergency_minutes(
    appointments: Iterable[Appointment],
    jobs: Mapping[str, Job],
    technicians: Mapping[str, Technician],
    day: tuple[datetime, datetime],
    durations: Callable[[Job, Technician], int],
    urgency: Callable[[Job], Urgency],
) -> dict[str, int]:
    """Technician id → the minutes of the emergencies they hold today: assigned to them and
    not canceled, with a window or arrival window starting in `day` ([start, end) datetimes)."""
    begins, ends = day
    held: dict[str, int] = {}
    for appointment in appointments:
        if appointment.deleted or appointment.status is Lifecycle.CANCELED:
            continue
        if not appointment.technician_ids:
            continue
        job = jobs.get(appointment.job_id)
        if job is None or urgency(job) is not Urgency.EMERGENCY:
            continue
        window = appointment.arrival_window or appointment.window
        if window is None or not begins <= window.start < ends:
            continue
        tech_id = appointment.technician_ids[0]
        tech = technicians.get(tech_id)
        if tech is not None:
            held[tech_id] = held.get(tech_id, 0) + max(1, durations(job, tech))
    return held


def stay_late_for_waiting_emergencies(
    problem: opt.Problem, plan: opt.Plan, resolve: Resolve
) -> tuple[opt.Problem, opt.Plan]:
    """`(problem, plan)`, or a problem whose technicians may stay late for the emergencies
    `plan` makes wait, with the plan it gave, when that plan reaches them sooner at a lower
    cost (see the module)."""
    jobs = {job.id: job for job in problem.jobs}
    waiting = _waiting(problem, plan, jobs)
    if not waiting:
        return problem, plan
    stretch = {
        tech.id: max(job.minutes_for(tech) for job in able)
        for tech in problem.technicians
        if (able := [job for job in waiting if job.qualified(tech)])
    }
    if not stretch:
        return problem, plan
    stretched = _stretched(problem, stretch)
    second = resolve(stretched, plan)
    if not _better(jobs, plan, second):
        return problem, plan
    waiting_ids = {job.id for job in waiting}
    holders = {
        route.technician_id
        for route in second.routes
        if any(stop.job_id in waiting_ids for stop in route.stops)
    }
    if not _uses_stretch(problem, second, set(stretch) - holders):
        return stretched, second
    narrowed = _stretched(problem, {t: m for t, m in stretch.items() if t in holders})
    third = resolve(narrowed, second)
    if _better(jobs, plan, third):
        return narrowed, third
    return problem, plan


def _waiting(problem: opt.Problem, plan: opt.Plan, jobs: Mapping[str, opt.Job]) -> list[opt.Job]:
    """Emergencies the plan starts more than `WAITING` minutes after they could, or leaves out
    though someone is qualified."""
    waiting = [
        jobs[u.job_id]
        for u in plan.unassigned
        if jobs[u.job_id].urgency == "emergency" and u.reason != "no_qualified_technician"
    ]
    for route in plan.routes:
        tech = problem.technician(route.technician_id)
        for stop in route.stops:
            job = jobs[stop.job_id]
            if job.urgency == "emergency" and stop.start - _opens(job, tech) > WAITING:
                waiting.append(job)
    return waiting


def _opens(job: opt.Job, tech: opt.Technician) -> int:
    """When the emergency could first start (one without a window: its technician's shift)."""
    return job.windows[0].start if job.windows else tech.shift_start


def _wait(plan: opt.Plan, jobs: Mapping[str, opt.Job]) -> tuple[int, float]:
    """(emergencies left out, the objective's cost of the emergencies' waits)."""
    left = sum(jobs[u.job_id].urgency == "emergency" for u in plan.unassigned)
    return left, plan.cost.get("emergency_wait", 0.0)


def _better(jobs: Mapping[str, opt.Job], first: opt.Plan, second: opt.Plan) -> bool:
    return _wait(second, jobs) < _wait(first, jobs) and second.objective < first.objective


def _uses_stretch(problem: opt.Problem, plan: opt.Plan, techs: set[str]) -> bool:
    """Whether any of `techs` ends their day past their own overtime allowance in `plan`."""
    for route in plan.routes:
        if route.technician_id not in techs or not route.stops:
            continue
        tech = problem.technician(route.technician_id)
        if tech.day_ends(route.end, route.return_minutes) > tech.shift_end + tech.overtime_minutes:
            return True
    return False


def _stretched(problem: opt.Problem, stretch: Mapping[str, int]) -> opt.Problem:
    techs = tuple(
        replace(
            tech,
            overtime_minutes=min(
                tech.overtime_minutes + stretch[tech.id], opt.DAY_LIMIT - tech.shift_end
            ),
        )
        if tech.id in stretch
        else tech
        for tech in problem.technicians
    )
    return replace(problem, technicians=techs)
