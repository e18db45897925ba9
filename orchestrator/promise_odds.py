"""How sure a plan is of the windows it promises: each visit's chance of arriving in its window.

The plan times every visit with the routing quantile; the visits before a promise may run long,
and the one a technician is on may already have. `promise_odds` samples each technician's
route with every job's spread from the duration model (`optimizer.arrival_odds`) and returns,
per promised visit, the share of sampled days on which its technician arrives by the window's
end. The same-day lane gives a customer a window and this chance with it: a coordinator sees
which promises are shaky, and the chance is saved with the plan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from statistics import NormalDist

import numpy as np

import optimizer as opt
from connectors.records import Appointment, Job, Technician, TimeWindow
from optimizer.arrival_odds import OnSite, arrival_draws, arrival_odds
from orchestrator.planning import DayFrame, TechnicianPosition

__all__ = [
    "DurationSpread",
    "SpreadFn",
    "awaiting_promise",
    "keep_room_for_overruns",
    "keep_room_for_visits_under_way",
    "promise_odds",
    "promise_reach",
    "told_windows",
]


@dataclass(frozen=True, slots=True)
class DurationSpread:
    """How long a job takes a technician: its median minutes and the spread of its log."""

    median: float
    sigma: float


SpreadFn = Callable[[Job, Technician | None], DurationSpread]


def keep_room_for_overruns(
    problem: opt.Problem,
    jobs: Mapping[str, Job],
    spread: SpreadFn,
    quantile: float,
    routing_quantile: float = 0.5,
) -> opt.Problem:
    """`problem` with each job's `overrun_minutes`: how far past its planned minutes (the
    routing quantile) it runs at `quantile` of its duration's spread. A told window after it
    keeps that much room, so a plan does not put a promise right behind a visit likely to run
    long. A quantile at or below the routing quantile keeps no room."""
    if quantile <= routing_quantile:
        return problem
    normal = NormalDist()
    beyond = normal.inv_cdf(quantile) - normal.inv_cdf(routing_quantile)
    planned = []
    for job in problem.jobs:
        record = jobs.get(job.id)
        if record is None:
            planned.append(job)
            continue
        sigma = spread(record, None).sigma
        room = round(job.service_minutes * (math.exp(sigma * beyond) - 1))
        planned.append(replace(job, overrun_minutes=max(0, room)))
    return problem.replace(jobs=tuple(planned))


def keep_room_for_visits_under_way(
    problem: opt.Problem,
    jobs: Mapping[str, Job],
    technicians: Mapping[str, Technician],
    spread: SpreadFn,
    positions: Mapping[str, TechnicianPosition],
    now: datetime,
    frame: DayFrame,
    quantile: float,
    routing_quantile: float = 0.5,
) -> opt.Problem:
    """`problem` with each technician on site given a `start_room`: how far past the planned
    end (the technician's `shift_start`) the visit under way runs at `quantile` of its end,
    given how long it has lasted. The first told window on their route keeps that much room,
    as one after a planned visit keeps its `overrun_minutes` (`keep_room_for_overruns`), so a
    promise is not left right behind a visit that may run long while someone else could keep
    it. A quantile at or below the routing quantile keeps no room."""
    if quantile <= routing_quantile:
        return problem
    at = frame.minutes(now)
    techs = []
    for tech in problem.technicians:
        visit = _under_way(
            positions.get(tech.id), technicians.get(tech.id), jobs, spread, now, frame
        )
        if visit is None:
            techs.append(tech)
            continue
        room = math.ceil(at + visit.remaining_at(quantile) - tech.shift_start)
        techs.append(replace(tech, start_room=max(0, room)))
    return problem.replace(technicians=tuple(techs))


def told_windows(appointments: Iterable[Appointment], frame: DayFrame) -> dict[str, TimeWindow]:
    """Job id → the window its customer holds for the day (none spent on an earlier day)."""
    return {
        a.job_id: window
        for a in appointments
        if (window := frame.current(a.arrival_window)) is not None
    }


def awaiting_promise(
    appointments: Iterable[Appointment], told: Mapping[str, TimeWindow]
) -> set[str]:
    """Job ids of the visits a plan will promise a window to: none told, not under way or over."""
    return {
        a.job_id
        for a in appointments
        if a.job_id not in told and not a.status.is_started and not a.status.is_terminal
    }


def promise_odds(
    plan: opt.Plan,
    promises: Mapping[str, TimeWindow],
    *,
    frame: DayFrame,
    jobs: Mapping[str, Job],
    technicians: Mapping[str, Technician],
    spread: SpreadFn,
    told: Mapping[str, TimeWindow] | None = None,
    positions: Mapping[str, TechnicianPosition] | None = None,
    now: datetime | None = None,
    routing_quantile: float = 0.5,
) -> dict[str, float]:
    """Job id → the chance (0-1) of arriving inside its promise, for the planned jobs in
    `promises` (job id → the window promised). `told` holds the other windows already promised
    on the same routes.

    A technician on site at `now` (their position says which visit, since when) leaves when
    that visit ends, drawn given the time already spent there. An early arrival waits for the
    window to open, so only arriving after its end breaks a promise.
    """
    deadlines = {j: frame.minutes(w.end) for j, w in promises.items()}
    opens = {j: frame.minutes(w.start) for j, w in {**(told or {}), **promises}.items()}
    odds: dict[str, float] = {}
    for route, sigmas, on_site in _routes_holding(
        plan, promises, jobs, technicians, spread, positions, now, frame
    ):
        odds.update(
            arrival_odds(
                route,
                deadlines,
                sigmas,
                opens=opens,
                on_site=on_site,
                routing_quantile=routing_quantile,
            )
        )
    return odds


def promise_reach(
    plan: opt.Plan,
    job_ids: Collection[str],
    confidence: float,
    *,
    frame: DayFrame,
    jobs: Mapping[str, Job],
    technicians: Mapping[str, Technician],
    spread: SpreadFn,
    told: Mapping[str, TimeWindow] | None = None,
    positions: Mapping[str, TechnicianPosition] | None = None,
    now: datetime | None = None,
    routing_quantile: float = 0.5,
) -> dict[str, datetime]:
    """Job id → the time by which its technician arrives with chance `confidence`, for the
    planned jobs in `job_ids`: a window promised to them should not close before it.

    `told` holds the windows already promised on the same routes (an early arrival waits for
    them to open).
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be within (0, 1), got {confidence}")
    reach: dict[str, datetime] = {}
    opens = {j: frame.minutes(w.start) for j, w in (told or {}).items()}
    for route, sigmas, on_site in _routes_holding(
        plan, job_ids, jobs, technicians, spread, positions, now, frame
    ):
        draws = arrival_draws(
            route,
            job_ids,
            sigmas,
            opens=opens,
            on_site=on_site,
            routing_quantile=routing_quantile,
        )
        for job_id, arrive in draws.items():
            minute = math.ceil(float(np.quantile(arrive, confidence)))
            reach[job_id] = frame.at(minute)
    return reach


def _routes_holding(
    plan: opt.Plan,
    job_ids: Collection[str],
    jobs: Mapping[str, Job],
    technicians: Mapping[str, Technician],
    spread: SpreadFn,
    positions: Mapping[str, TechnicianPosition] | None,
    now: datetime | None,
    frame: DayFrame,
) -> Iterator[tuple[opt.Route, dict[str, float], OnSite | None]]:
    """The plan's routes with a stop in `job_ids`, each with its stops' spreads and the visit
    its technician is on at `now` (`_route_spread`)."""
    for route in plan.routes:
        if any(s.job_id in job_ids for s in route.stops):
            yield route, *_route_spread(route, jobs, technicians, spread, positions, now, frame)


def _route_spread(
    route: opt.Route,
    jobs: Mapping[str, Job],
    technicians: Mapping[str, Technician],
    spread: SpreadFn,
    positions: Mapping[str, TechnicianPosition] | None,
    now: datetime | None,
    frame: DayFrame,
) -> tuple[dict[str, float], OnSite | None]:
    """Each stop's spread on `route`, and the visit its technician is on at `now`, if any."""
    tech = technicians.get(route.technician_id)
    sigmas = {s.job_id: spread(jobs[s.job_id], tech).sigma for s in route.stops if s.job_id in jobs}
    position = (positions or {}).get(route.technician_id)
    return sigmas, _under_way(position, tech, jobs, spread, now, frame)


def _under_way(
    position: TechnicianPosition | None,
    tech: Technician | None,
    jobs: Mapping[str, Job],
    spread: SpreadFn,
    now: datetime | None,
    frame: DayFrame,
) -> OnSite | None:
    """The visit a technician at `position` is on at `now`, with its spread, if any."""
    if now is None or position is None or position.on_site is None:
        return None
    job_id, since = position.on_site
    job = jobs.get(job_id)
    if job is None:
        return None
    there = spread(job, tech)
    return OnSite(
        now=frame.minutes(now),
        elapsed=max(0.0, (now - since).total_seconds() / 60),
        median=there.median,
        sigma=there.sigma,
    )
