"""The objective of a plan, term by term, computed from the plan itself (not the solver)."""

from __future__ import annotations

from optimizer.plan import Plan
from optimizer.problem import Problem

__all__ = ["plan_cost"]


def plan_cost(problem: Problem, plan: Plan) -> dict[str, float]:
    w = problem.params
    jobs = {job.id: job for job in problem.jobs}
    techs = {tech.id: tech for tech in problem.technicians}
    terms = dict.fromkeys(
        (
            "drive",
            "compactness",
            "unassigned",
            "lateness",
            "overtime",
            "preferred_broken",
            "churn",
            "told_window",
            "emergency_wait",
            "balance",
        ),
        0.0,
    )
    loads = []
    day_opens = min((t.shift_start for t in problem.technicians), default=0)
    for route in plan.routes:
        tech = techs[route.technician_id]
        legs = [s.travel_minutes for s in route.stops] + (
            [route.return_minutes] if route.stops else []
        )
        terms["drive"] += w.drive_minute * sum(legs)
        terms["compactness"] += w.compactness * sum(max(leg - 10, 0) ** 2 / 10 for leg in legs)
        if route.stops:
            terms["overtime"] += w.overtime_minute * max(0, route.end - tech.shift_end)
        loads.append(route.work_minutes + sum(legs))
        for stop in route.stops:
            job = jobs[stop.job_id]
            soft = [win for win in job.windows if not win.hard]
            if soft:
                terms["lateness"] += w.lateness_minute * max(
                    0, stop.start - max(x.end for x in soft)
                )
            if job.told_window is not None:
                told = job.told_window
                terms["told_window"] += w.told_window_minute * (
                    max(0, stop.start - told.end) + max(0, told.start - stop.start)
                )
            if job.preferred and tech.id not in job.preferred and job.pin is None:
                terms["preferred_broken"] += w.preferred_tech_broken
            previous = problem.previous.get(job.id)
            if previous is not None and previous != tech.id and job.pin is None:
                terms["churn"] += w.churn_moved_stop
            if job.urgency == "emergency":
                opens = min((x.start for x in job.windows), default=day_opens)
                terms["emergency_wait"] += w.emergency_start_minute * max(0, stop.start - opens)
    served = {s.job_id for r in plan.routes for s in r.stops}
    terms["unassigned"] = sum(
        w.unassigned_penalty(job) for job in problem.jobs if job.id not in served
    )
    if len(loads) > 1:
        terms["balance"] = w.balance * max(loads)
    return terms
