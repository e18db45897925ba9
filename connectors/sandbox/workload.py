"""How much work a scenario offers: the utilization of a day on which every doable job is done.

Utilization is on-site minutes over shift minutes, so no dispatcher can exceed the true minutes
of the jobs that can be done: those whose customer is at home, that someone on the fleet holds
the skills and equipment for (the designated technician, when the customer has one), and that
are not canceled before anyone could begin them (the platform ignores a cancel once the
technician is on site, so a visit begun before it is done in full). A lift in utilization
reads against this: on a day whose work fills 70 % of the shift minutes, a coordinator at 62 %
leaves at most 8 points to gain. It is a ceiling, not a target: driving, windows and who can do
what leave some of it out of reach. Who can do what, with each technician's hours, is taken
into account by `work_within_reach`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import time

from ortools.graph.python import max_flow

from connectors.sandbox.scenario import (
    CancelEvent,
    OverrunEvent,
    Scenario,
    ScenarioJob,
    TechUnavailableEvent,
)
from connectors.sandbox.truth import can_do

__all__ = [
    "LONG_JOB_MINUTES",
    "DoableJob",
    "UndoneWork",
    "doable_jobs",
    "shift_minutes",
    "undone_work",
    "work_on_offer",
    "work_within_reach",
]

LONG_JOB_MINUTES = 240
"""A job of this many true minutes or more is long: pushed out of a full day, it rarely finds
another technician with the hours left."""


@dataclass(frozen=True, slots=True)
class DoableJob:
    """A job some technician on the fleet can do, with its true minutes (overruns included)."""

    job: ScenarioJob
    minutes: int
    able: tuple[str, ...]
    """Who can do it: those on shift before its cancel, when it is canceled."""
    canceled_at: time | None = None


def work_on_offer(scenario: Scenario) -> float | None:
    """True minutes of the doable jobs (overruns included) over the fleet's shift minutes on
    the scenario's days, less time called away; None when the fleet has no shift minutes."""
    shift = _shift_minutes(scenario, _away_minutes(scenario))
    work = sum(d.minutes for d in doable_jobs(scenario))
    return work / shift if shift > 0 else None


def work_within_reach(scenario: Scenario, overtime_minutes: int = 60) -> float | None:
    """The most of the doable work the fleet's hours can hold, given who can do what, over
    the same shift minutes as `work_on_offer`; None when the fleet has no shift minutes.

    Each job's true minutes flow to the technicians able to do it, each technician holding
    their shifts plus `overtime_minutes` a day, less lunch and time called away (a maximum
    flow; a job may be split, and driving and windows are ignored). Below `work_on_offer`
    when the work needing a scarce skill outgrows its holders' days.
    """
    away = _away_minutes(scenario)
    shift = _shift_minutes(scenario, away)
    if shift <= 0:
        return None
    techs = scenario.technicians
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    index = {t.id: 2 + k for k, t in enumerate(techs)}
    for tech in techs:
        lunch = tech.lunch.minutes if tech.lunch else 0
        daily = _minutes(tech.shift.start, tech.shift.end) + overtime_minutes - lunch
        hours = max(0, scenario.days * daily - away.get(tech.id, 0))
        flow.add_arc_with_capacity(index[tech.id], sink, hours)
    node = 2 + len(techs)
    for doable in doable_jobs(scenario):
        flow.add_arc_with_capacity(source, node, doable.minutes)
        for tech_id in doable.able:
            flow.add_arc_with_capacity(node, index[tech_id], doable.minutes)
        node += 1
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise RuntimeError("work_within_reach: the maximum flow did not solve")
    return int(flow.optimal_flow()) / shift


def doable_jobs(scenario: Scenario) -> list[DoableJob]:
    """Each job that can be done: its customer at home, someone (the designated technician,
    if any) able, and, if canceled, the cancel after its booked window opens and after one of
    them starts their shift."""
    canceled = {e.job: e.at for e in scenario.events if isinstance(e, CancelEvent)}
    extra: dict[str, int] = {}
    for event in scenario.events:
        if isinstance(event, OverrunEvent):
            extra[event.job] = extra.get(event.job, 0) + event.extra_minutes
    customers = {c.id: c for c in scenario.customers}
    out: list[DoableJob] = []
    for job in scenario.all_jobs():
        if not job.truth.customer_home:
            continue
        customer = customers.get(job.customer)
        designated = customer.designated_tech if customer else None
        able = [
            t
            for t in scenario.technicians
            if (designated is None or t.id == designated) and can_do(t, job, scenario.day)
        ]
        cancel = canceled.get(job.id)
        if cancel is not None:
            opens = job.booked_window.start if job.booked_window else time(0)
            able = [t for t in able if t.shift.start < cancel] if opens < cancel else []
        if able:
            minutes = job.truth.duration_minutes + extra.get(job.id, 0)
            out.append(DoableJob(job, minutes, tuple(t.id for t in able), cancel))
    return out


@dataclass(frozen=True, slots=True)
class UndoneWork:
    """The doable work a dispatcher's day left undone (canceled jobs aside), in true minutes."""

    minutes: int
    long_minutes: int
    """Of it, in jobs of `LONG_JOB_MINUTES` or more."""
    jobs: int


def undone_work(scenario: Scenario, completed: Collection[str]) -> UndoneWork:
    """What the doable jobs not canceled and not in `completed` (job ids) would have taken: the
    part of the ceiling a run missed that no cancel explains."""
    minutes = long_minutes = jobs = 0
    for doable in doable_jobs(scenario):
        if doable.canceled_at is not None or doable.job.id in completed:
            continue
        minutes += doable.minutes
        jobs += 1
        if doable.minutes >= LONG_JOB_MINUTES:
            long_minutes += doable.minutes
    return UndoneWork(minutes, long_minutes, jobs)


def shift_minutes(scenario: Scenario) -> int:
    """The fleet's shift minutes on the scenario's days, less time called away: what the
    ceilings (and the KPI's utilization) are read against."""
    return _shift_minutes(scenario, _away_minutes(scenario))


def _away_minutes(scenario: Scenario) -> dict[str, int]:
    """Shift minutes each technician is called away (`tech_unavailable` events)."""
    by_id = {t.id: t for t in scenario.technicians}
    away: dict[str, int] = {}
    for event in scenario.events:
        if isinstance(event, TechUnavailableEvent) and event.technician in by_id:
            tech = by_id[event.technician]
            start, end = max(event.at, tech.shift.start), min(event.until, tech.shift.end)
            away[tech.id] = away.get(tech.id, 0) + max(0, _minutes(start, end))
    return away


def _shift_minutes(scenario: Scenario, away: dict[str, int]) -> int:
    """The fleet's shift minutes on the scenario's days, less the time `away`."""
    shift = scenario.days * sum(_minutes(t.shift.start, t.shift.end) for t in scenario.technicians)
    return shift - sum(away.values())


def _minutes(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
