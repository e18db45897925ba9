"""`check_plan`: every hard rule, verified from the problem and the plan alone.

Written without the solver's model, the construction or the scheduling code, so a bug there
cannot hide here. Travel times come from the provider the plan was made with.

Rules: every job routed once or listed unassigned; skills, certifications and equipment;
designations; pins (technician, start, position, never dropped); hard windows; service
minutes; no stop before the technician can reach it; the lunch in its window, in one gap
between activities with room for the drive too (or on site, inside a visit long enough to host
it, delaying the drive after it); shifts with their overtime allowance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.plan import Plan, Route
from optimizer.problem import Job, Problem, Technician
from optimizer.travel import OfflineTravel, TravelTimes

__all__ = ["Violation", "check_plan"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken hard rule."""

    rule: str
    detail: str
    job_id: str | None = None
    technician_id: str | None = None

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def check_plan(problem: Problem, plan: Plan, travel: TravelTimes | None = None) -> list[Violation]:
    """Every hard rule `plan` breaks (empty when it is valid).

    Args:
        problem: What was planned.
        plan: The plan to verify.
        travel: The travel-time provider the plan was made with (offline by default).
    """
    provider = travel or OfflineTravel()
    out: list[Violation] = []
    jobs = {job.id: job for job in problem.jobs}
    techs = {tech.id: tech for tech in problem.technicians}
    seen: dict[str, str] = {}
    routed_techs: set[str] = set()
    for route in plan.routes:
        tech = techs.get(route.technician_id)
        if tech is None:
            out.append(
                Violation(
                    "unknown_technician", route.technician_id, technician_id=route.technician_id
                )
            )
            continue
        if tech.id in routed_techs:
            out.append(Violation("duplicate", f"{tech.id} has two routes", technician_id=tech.id))
        routed_techs.add(tech.id)
        known = []
        for stop in route.stops:
            if stop.job_id not in jobs:
                out.append(Violation("unknown_job", stop.job_id, job_id=stop.job_id))
            else:
                known.append(stop)
        if len(known) != len(route.stops):
            continue
        for k, stop in enumerate(route.stops):
            job = jobs[stop.job_id]
            if stop.job_id in seen:
                out.append(Violation("duplicate", f"{job.id} served twice", job.id, tech.id))
            seen[stop.job_id] = tech.id
            out.extend(_stop_rules(job, tech, k, stop.start, stop.end))
        if route.stops:
            out.extend(_timeline(problem, tech, route, provider))

    listed: set[str] = set()
    for item in plan.unassigned:
        if item.job_id in listed:
            out.append(
                Violation("duplicate", f"{item.job_id} listed unassigned twice", item.job_id)
            )
        listed.add(item.job_id)
        if item.job_id not in jobs:
            out.append(Violation("unknown_job", item.job_id, job_id=item.job_id))
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


def _stop_rules(job: Job, tech: Technician, k: int, start: int, end: int) -> list[Violation]:
    out = []
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
            Violation("designation", f"{job.id} is designated to {job.designated}", job.id, tech.id)
        )
    pin = job.pin
    if pin is not None:
        if pin.technician != tech.id:
            out.append(Violation("pin", f"{job.id} pinned to {pin.technician}", job.id, tech.id))
        if pin.start is not None and start != pin.start:
            out.append(
                Violation(
                    "pin",
                    f"{job.id} pinned to start at {pin.start}, starts at {start}",
                    job.id,
                    tech.id,
                )
            )
        if pin.sequence is not None and k != pin.sequence:
            out.append(
                Violation(
                    "pin", f"{job.id} pinned to position {pin.sequence}, is at {k}", job.id, tech.id
                )
            )
    hard = [w for w in job.windows if w.hard]
    # A pinned start is a fact, not a choice: it is not held to the windows.
    pinned_start = pin is not None and pin.start is not None
    if hard and not pinned_start and not any(w.start <= start <= w.end for w in hard):
        out.append(
            Violation("window", f"{job.id} starts at {start} outside its windows", job.id, tech.id)
        )
    if job.windows and not hard and start < min(w.start for w in job.windows):
        out.append(
            Violation(
                "window", f"{job.id} starts at {start} before its window opens", job.id, tech.id
            )
        )
    needed = job.service_minutes_by_technician.get(tech.id)
    if needed is None:
        needed = round(job.service_minutes * tech.speed_factor)
    if end - start != needed:
        out.append(
            Violation(
                "duration", f"{job.id} lasts {end - start} min, needs {needed}", job.id, tech.id
            )
        )
    return out


def _timeline(
    problem: Problem, tech: Technician, route: Route, provider: TravelTimes
) -> list[Violation]:
    """Reachability, lunch and shift along one non-empty route."""
    out: list[Violation] = []
    jobs = {job.id: job for job in problem.jobs}
    points = [tech.start, *(jobs[s.job_id].location for s in route.stops), tech.end_point]
    m = provider.matrix(points)
    legs: Sequence[int] = [int(m[k][k + 1]) for k in range(len(points) - 1)]
    lunch = tech.lunch
    lunch_at = route.lunch_start
    if route.start < tech.shift_start:
        out.append(
            Violation(
                "shift",
                f"{tech.id} leaves at {route.start}, before the shift starts at {tech.shift_start}",
                technician_id=tech.id,
            )
        )
    # Gaps: before departure, between consecutive activities, after the last stop.
    lunch_gap: int | None = None
    if lunch is not None:
        if lunch_at is None:
            out.append(Violation("lunch", f"{tech.id} has no lunch", technician_id=tech.id))
        else:
            if not lunch.earliest <= lunch_at <= lunch.latest:
                out.append(
                    Violation(
                        "lunch",
                        f"{tech.id}'s lunch at {lunch_at} outside "
                        f"[{lunch.earliest}, {lunch.latest}]",
                        technician_id=tech.id,
                    )
                )
            if route.lunch_minutes != lunch.minutes:
                out.append(
                    Violation(
                        "lunch",
                        f"{tech.id}'s lunch lasts {route.lunch_minutes}, not {lunch.minutes}",
                        technician_id=tech.id,
                    )
                )
            lunch_end = lunch_at + lunch.minutes
            if lunch_at >= tech.shift_start and lunch_end <= route.start:
                lunch_gap = -1
            for k, stop in enumerate(route.stops):
                free = route.start if k == 0 else route.stops[k - 1].end
                if free <= lunch_at and lunch_end <= stop.start:
                    lunch_gap = k
                if (
                    lunch.hosted_by(stop.end - stop.start)
                    and stop.start <= lunch_at < stop.end
                    and lunch_end <= stop.end + lunch.minutes
                ):
                    lunch_gap = k + 1  # eaten on site: it delays the drive after this visit
                elif lunch_at < stop.end and stop.start < lunch_end:
                    out.append(
                        Violation(
                            "lunch",
                            f"{tech.id}'s lunch overlaps {stop.job_id}",
                            stop.job_id,
                            tech.id,
                        )
                    )
            if lunch_at >= route.stops[-1].end:
                lunch_gap = len(route.stops)
            if lunch_gap is None:
                out.append(
                    Violation(
                        "lunch",
                        f"{tech.id}'s lunch at {lunch_at} is not between activities",
                        technician_id=tech.id,
                    )
                )
    lunch_minutes = lunch.minutes if lunch is not None else 0
    free = route.start
    for k, stop in enumerate(route.stops):
        if tech.last_departure is not None and free > tech.last_departure:
            out.append(
                Violation(
                    "shift",
                    f"{tech.id} leaves for {stop.job_id} at {free}, after their last "
                    f"departure {tech.last_departure}",
                    stop.job_id,
                    tech.id,
                )
            )
        earliest = free + legs[k] + (lunch_minutes if lunch_gap == k else 0)
        if stop.start < earliest:
            out.append(
                Violation(
                    "travel",
                    f"{stop.job_id} starts at {stop.start}, cannot be reached before {earliest}",
                    stop.job_id,
                    tech.id,
                )
            )
        free = stop.end
    finish = free + legs[-1] + (lunch_minutes if lunch_gap == len(route.stops) else 0)
    if lunch_gap == len(route.stops) and lunch_at is not None:
        finish = max(finish, lunch_at + lunch_minutes + legs[-1])
    limit = tech.shift_end + tech.overtime_minutes
    ended = tech.day_ends(finish, legs[-1])
    if ended > limit:
        done = "done" if tech.commute_home else "back"
        out.append(
            Violation(
                "shift",
                f"{tech.id} is {done} at {ended}, after shift end "
                f"{tech.shift_end} + {tech.overtime_minutes} overtime",
                technician_id=tech.id,
            )
        )
    if route.end < finish:
        out.append(
            Violation(
                "shift",
                f"{tech.id}'s route ends at {route.end}, but the "
                f"technician is back at {finish} at the earliest",
                technician_id=tech.id,
            )
        )
    return out
