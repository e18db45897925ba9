"""What keeping a passed-over preference would take, in the explanation of the stop.

The search weighs a preferred technician against everything else in the objective; a
coordinator reading "passed over" wants to know whether the preferred technician could still
take the job and at what price, or whether their day is simply full. That is worked out once, on
the final plan, with the model's own travel times and rules: the job put at its cheapest
feasible place in the preferred technician's route, every other stop kept.
"""

from __future__ import annotations

from dataclasses import replace

from optimizer.construct import Reinserter
from optimizer.matrices import ModelArrays
from optimizer.plan import Plan, Route, Stop
from optimizer.problem import Job
from optimizer.schedule import RouteTiming

__all__ = ["explain_passed_over"]

_PREFERENCE = "preferred technician"


def explain_passed_over(arrays: ModelArrays, plan: Plan) -> Plan:
    """`plan` with each stop whose qualified preferred technician was passed over saying
    whether that technician's day could fit the job, and at what price: more driving, how
    many of their stops later, and the minutes the objective weighs beyond driving
    (emergencies reached later, lateness, told windows missed, overtime)."""
    problem = arrays.problem
    job_index = {job.id: j for j, job in enumerate(problem.jobs)}
    tech_index = {tech.id: v for v, tech in enumerate(problem.technicians)}
    routes: list[list[int]] = [[] for _ in problem.technicians]
    for route in plan.routes:
        routes[tech_index[route.technician_id]] = [job_index[s.job_id] for s in route.stops]
    reinserter: Reinserter | None = None
    changed = False
    revised: list[Route] = []
    for route in plan.routes:
        stops: list[Stop] = []
        for stop in route.stops:
            j = job_index[stop.job_id]
            job = problem.jobs[j]
            if job.pin is None and job.preferred and route.technician_id not in job.preferred:
                # Qualified preferred technicians are always among the allowed ones.
                able = [v for v in arrays.allowed[j] if problem.technicians[v].id in job.preferred]
                if able:
                    reinserter = reinserter or Reinserter(arrays)
                    note = _fit_note(arrays, reinserter, routes, min(able), j, stop.start)
                    stop = replace(stop, explanation=_with_note(stop.explanation, note))
                    changed = True
            stops.append(stop)
        revised.append(replace(route, stops=tuple(stops)))
    return replace(plan, routes=tuple(revised)) if changed else plan


def _fit_note(
    arrays: ModelArrays,
    reinserter: Reinserter,
    routes: list[list[int]],
    v: int,
    j: int,
    planned_start: int,
) -> str:
    """`planned_start`: when job `j` starts in the plan."""
    name = arrays.problem.technicians[v].id
    route = routes[v]
    with_j = reinserter.fit(route, v, j)
    if with_j is None:
        return f"{_PREFERENCE} {name} has no room for it"
    before = reinserter.timing(v, route)
    after = reinserter.timing(v, with_j)
    extra = _driving(after) - (_driving(before) if route else 0)
    starts = {k: s.start for k, s in zip(route, before.stops, strict=True)}
    later = sum(
        1 for k, s in zip(with_j, after.stops, strict=True) if s.start > starts.get(k, s.start)
    )
    note = f"{_PREFERENCE} {name} could fit it: {extra:+d} min drive"
    if later:
        note += f", {later} of their stops later"
    starts[j] = planned_start
    moved = {k: s.start for k, s in zip(with_j, after.stops, strict=True)}
    return ", ".join([note, *_price(arrays, v, starts, moved, (before, after))])


def _price(
    arrays: ModelArrays,
    v: int,
    starts: dict[int, int],
    moved: dict[int, int],
    timings: tuple[RouteTiming, RouteTiming],
) -> list[str]:
    """What moving the job would cost beyond driving, in the minutes a coordinator weighs
    ("+1 min drive" reads as free when it makes an emergency wait an hour): the job and the
    preferred technician's stops, started at `moved` instead of `starts`, and their overtime."""
    jobs = arrays.problem.jobs
    was = [_waits(jobs[k], start) for k, start in starts.items()]
    now = [_waits(jobs[k], start) for k, start in moved.items()]
    late, told, emergency = (sum(w[t] for w in now) - sum(w[t] for w in was) for t in range(3))
    delayed = sum(
        1 for k, start in moved.items() if jobs[k].urgency == "emergency" and start > starts[k]
    )
    tech = arrays.problem.technicians[v]
    before, after = (max(0, tech.day_ends(t.end, t.back) - tech.shift_end) for t in timings)
    overtime = after - before
    price = []
    if emergency > 0:
        what = "1 emergency" if delayed == 1 else f"{delayed} emergencies"
        price.append(f"{what} reached {emergency} min later")
    if late > 0:
        price.append(f"{late} min more late on windows")
    if told > 0:
        price.append(f"{told} min more outside told windows")
    if overtime > 0:
        price.append(f"{overtime} min more overtime")
    return price


def _waits(job: Job, start: int) -> tuple[int, int, int]:
    """Minutes a stop of `job` starting at `start` is late on its soft windows, outside its
    told window, and (an emergency) after the day began: the minutes behind the objective's
    lateness, told-window and emergency terms."""
    soft = [w.end for w in job.windows if not w.hard]
    late = max(0, start - max(soft)) if soft else 0
    told = job.told_window
    outside = max(0, start - told.end, told.start - start) if told is not None else 0
    return late, outside, start if job.urgency == "emergency" else 0


def _driving(timing: RouteTiming) -> int:
    return sum(stop.travel for stop in timing.stops) + timing.back


def _with_note(explanation: str, note: str) -> str:
    parts = [note if p.startswith(_PREFERENCE) else p for p in explanation.split("; ")]
    if note not in parts:
        parts.append(note)
    return "; ".join(parts)
