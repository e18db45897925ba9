"""`check_plan`: every hard rule, verified from the problem and the plan alone.

Written without the solver's model or the scheduling code, so a bug there cannot hide here.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.plan import Plan
from optimizer.problem import Point, Problem
from optimizer.travel import OfflineTravel, TravelTimes

__all__ = ["Violation", "check_plan"]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    detail: str
    job_id: str | None = None
    technician_id: str | None = None

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def check_plan(problem: Problem, plan: Plan, travel: TravelTimes | None = None) -> list[Violation]:
    provider = travel or OfflineTravel()
    out: list[Violation] = []
    jobs = {job.id: job for job in problem.jobs}
    techs = {tech.id: tech for tech in problem.technicians}
    seen: dict[str, str] = {}

    for route in plan.routes:
        tech = techs.get(route.technician_id)
        if tech is None:
            out.append(
                Violation(
                    "unknown_technician", route.technician_id, technician_id=route.technician_id
                )
            )
            continue
        points: list[Point] = [tech.start] + [
            jobs[s.job_id].location for s in route.stops if s.job_id in jobs
        ]
        points.append(tech.end_point)
        legs = provider.matrix(points)
        clock = route.start
        lunch_done = tech.lunch is None or not route.stops
        if tech.lunch is not None and route.lunch_start is not None:
            lunch = tech.lunch
            if not lunch.earliest <= route.lunch_start <= lunch.latest:
                out.append(
                    Violation(
                        "lunch",
                        f"{tech.id} lunch at {route.lunch_start} outside "
                        f"[{lunch.earliest}, {lunch.latest}]",
                        technician_id=tech.id,
                    )
                )
        elif tech.lunch is not None and route.stops:
            out.append(Violation("lunch", f"{tech.id} has no lunch", technician_id=tech.id))
        if route.start < tech.shift_start:
            out.append(
                Violation(
                    "shift",
                    f"{tech.id} leaves at {route.start} before the shift",
                    technician_id=tech.id,
                )
            )
        for k, stop in enumerate(route.stops):
            job = jobs.get(stop.job_id)
            if job is None:
                out.append(Violation("unknown_job", stop.job_id, job_id=stop.job_id))
                continue
            if stop.job_id in seen:
                out.append(
                    Violation("duplicate", f"{stop.job_id} served twice", job_id=stop.job_id)
                )
            seen[stop.job_id] = tech.id
            if not job.skills <= tech.skills:
                out.append(
                    Violation(
                        "skills",
                        f"{tech.id} lacks {sorted(job.skills - tech.skills)} for {job.id}",
                        job.id,
                        tech.id,
                    )
                )
            if not job.equipment <= tech.equipment:
                out.append(
                    Violation(
                        "equipment",
                        f"{tech.id} lacks {sorted(job.equipment - tech.equipment)} for {job.id}",
                        job.id,
                        tech.id,
                    )
                )
            if job.designated is not None and job.designated != tech.id:
                out.append(
                    Violation(
                        "designation",
                        f"{job.id} is designated to {job.designated}",
                        job.id,
                        tech.id,
                    )
                )
            if job.pin is not None:
                if job.pin.technician != tech.id:
                    out.append(
                        Violation(
                            "pin", f"{job.id} pinned to {job.pin.technician}", job.id, tech.id
                        )
                    )
                if job.pin.start is not None and stop.start != job.pin.start:
                    out.append(
                        Violation(
                            "pin", f"{job.id} pinned to start at {job.pin.start}", job.id, tech.id
                        )
                    )
                if job.pin.sequence is not None and k != job.pin.sequence:
                    out.append(
                        Violation(
                            "pin",
                            f"{job.id} pinned to position {job.pin.sequence}",
                            job.id,
                            tech.id,
                        )
                    )
            hard = [w for w in job.windows if w.hard]
            if hard and not any(w.start <= stop.start <= w.end for w in hard):
                if job.pin is None or job.pin.start is None:
                    out.append(
                        Violation(
                            "window",
                            f"{job.id} starts at {stop.start} outside its windows",
                            job.id,
                            tech.id,
                        )
                    )
            needed = job.minutes_for(tech)
            if stop.end - stop.start != needed:
                out.append(
                    Violation(
                        "duration",
                        f"{job.id} lasts {stop.end - stop.start}, needs {needed}",
                        job.id,
                        tech.id,
                    )
                )
            earliest = clock + legs[k][k + 1]
            lunch_here = (
                tech.lunch is not None
                and route.lunch_start is not None
                and clock <= route.lunch_start < stop.start
            )
            if lunch_here:
                assert tech.lunch is not None and route.lunch_start is not None
                earliest += tech.lunch.minutes
                lunch_done = True
            if stop.start < earliest:
                out.append(
                    Violation(
                        "travel",
                        f"{job.id} starts at {stop.start}, cannot be reached before {earliest}",
                        job.id,
                        tech.id,
                    )
                )
            if tech.lunch is not None and route.lunch_start is not None:
                lunch_end = route.lunch_start + tech.lunch.minutes
                if route.lunch_start < stop.end and stop.start < lunch_end:
                    out.append(
                        Violation("lunch", f"{tech.id}'s lunch overlaps {job.id}", job.id, tech.id)
                    )
            clock = stop.end
        if route.stops:
            back = legs[len(route.stops)][len(route.stops) + 1]
            finish = clock + back
            if (
                tech.lunch is not None
                and route.lunch_start is not None
                and route.lunch_start >= clock
            ):
                finish = max(finish, route.lunch_start + tech.lunch.minutes)
                lunch_done = True
            if finish > tech.shift_end + tech.overtime_minutes:
                out.append(
                    Violation(
                        "shift",
                        f"{tech.id} is back at {finish}, after shift end "
                        f"{tech.shift_end} + {tech.overtime_minutes} overtime",
                        technician_id=tech.id,
                    )
                )
        if not lunch_done:
            out.append(
                Violation("lunch", f"{tech.id}'s lunch is not between stops", technician_id=tech.id)
            )

    listed = {u.job_id for u in plan.unassigned}
    for job in problem.jobs:
        if job.id not in seen and job.id not in listed:
            out.append(
                Violation("missing", f"{job.id} neither routed nor listed unassigned", job.id)
            )
        if job.id in seen and job.id in listed:
            out.append(Violation("duplicate", f"{job.id} routed and listed unassigned", job.id))
        if job.pin is not None and job.id not in seen:
            out.append(
                Violation("pin", f"pinned job {job.id} was dropped", job.id, job.pin.technician)
            )
    return out
