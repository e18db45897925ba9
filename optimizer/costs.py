"""The objective of a plan, term by term, computed from the plan itself (not the solver)."""

from __future__ import annotations

from collections.abc import Mapping

from optimizer.plan import Plan, Route
from optimizer.problem import Job, Problem, Technician
from optimizer.skill_reserve import reserve_cost, skill_loads

__all__ = ["TERMS", "balance_targets", "plan_cost", "route_terms", "told_room_short"]

TERMS = (
    "drive",
    "compactness",
    "unassigned",
    "lateness",
    "overtime",
    "preferred_broken",
    "churn",
    "skill_reserve",
    "told_window",
    "emergency_wait",
    "long_job_start",
    "balance",
)


def balance_targets(problem: Problem) -> list[int]:
    """Each technician's fair share of the day's work, in minutes of driving and service.

    The fleet's utilisation (all service minutes over all shift minutes, at most 1) times the
    technician's shift length. Work beyond it is charged at `ObjectiveParams.balance`.
    """
    shifts = [t.shift_end - t.shift_start for t in problem.technicians]
    service = sum(job.service_minutes for job in problem.jobs)
    share = min(1.0, service / sum(shifts)) if shifts else 0.0
    return [round(share * length) for length in shifts]


def plan_cost(problem: Problem, plan: Plan) -> dict[str, float]:
    """The objective of `plan` by term, with the problem's weights (same units as the model)."""
    w = problem.params
    jobs = {job.id: job for job in problem.jobs}
    techs = {tech.id: tech for tech in problem.technicians}
    terms = dict.fromkeys(TERMS, 0.0)
    targets = dict(zip((t.id for t in problem.technicians), balance_targets(problem), strict=True))
    day_opens = problem.day_opens
    loads = skill_loads(problem)
    for route in plan.routes:
        tech = techs[route.technician_id]
        for name, value in route_terms(
            problem, tech, route, targets[tech.id], day_opens, jobs, loads
        ).items():
            terms[name] += value
    served = {s.job_id for r in plan.routes for s in r.stops}
    terms["unassigned"] = sum(
        w.unassigned_penalty(job) for job in problem.jobs if job.id not in served
    )
    return terms


def route_terms(
    problem: Problem,
    tech: Technician,
    route: Route,
    target: int,
    day_opens: int,
    jobs: Mapping[str, Job],
    loads: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """What one technician's route costs, by term (all but "unassigned").

    Args:
        target: The technician's balance target (`balance_targets`).
        day_opens: The earliest shift start of the day (an emergency or a long job without a
            window waits from then).
        jobs: The problem's jobs by id.
        loads: `skill_loads(problem)`, when the caller has it.
    """
    loads = skill_loads(problem) if loads is None else loads
    w = problem.params
    terms = dict.fromkeys(TERMS, 0.0)
    legs = [s.travel_minutes for s in route.stops] + ([route.return_minutes] if route.stops else [])
    terms["drive"] = w.drive_minute * sum(legs)
    terms["compactness"] = w.compactness * sum(max(leg - 10, 0) ** 2 / 10 for leg in legs)
    if route.stops:
        terms["overtime"] = w.overtime(tech, route.end, route.return_minutes)
        load = route.work_minutes + sum(legs)
        terms["balance"] = w.balance * max(0, load - target)
    # The overrun of the visit before (at first, of the one under way when the route starts),
    # which the next told window keeps room for.
    room = tech.start_room
    for stop in route.stops:
        job = jobs[stop.job_id]
        soft = [win for win in job.windows if not win.hard]
        if soft:
            terms["lateness"] += w.lateness_minute * max(0, stop.start - max(x.end for x in soft))
        if job.told_window is not None:
            told, due = job.told_window, w.told_due(job.told_window)
            terms["told_window"] += w.told_window_minute * (
                max(0, stop.start - due)
                + max(0, told.start - stop.start)
                + told_room_short(stop.start, due, room)
            )
        room = job.overrun_minutes
        if job.preferred and tech.id not in job.preferred and job.pin is None:
            terms["preferred_broken"] += w.preferred_tech_broken
        previous = problem.previous.get(job.id)
        if previous is not None and previous != tech.id and job.pin is None:
            terms["churn"] += w.churn_moved_stop
        terms["skill_reserve"] += reserve_cost(problem, loads, job, tech)
        rate = w.start_rate(job)
        if rate > 0:
            opens = job.opens(day_opens)
            term = "emergency_wait" if job.urgency == "emergency" else "long_job_start"
            terms[term] += rate * max(0, stop.start - opens)
    return terms


def told_room_short(start: int, due: int, room: int) -> int:
    """Minutes of `room` (the overrun of the visit before, or of the one under way when the
    route starts) that a start at `start` leaves short of the told window's `due`: 0 with
    that much to spare, at most `room`."""
    return min(room, max(0, start + room - due))
