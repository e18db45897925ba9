"""The day planned in hindsight: what a planner that knew everything at dawn would reach.

    python -m bench.hindsight --techs 40 --jobs 160 --seeds 1-10 --seconds 20 --json out.json

Each generated day is planned once, in the morning, with what no dispatcher knows then: every
true duration with its overruns, every ticket that will arrive (from its arrival, not before),
who is called away, and which customers cancel when (a visit begun before the cancel is done,
as the platform ignores a cancel once the technician is on site); drives take the scenario's
true minutes at the fleet's speed (each technician's own drive factor, a few per cent either
way, and the noise left out). Booked windows are soft, as lateness is for the dispatchers;
jobs nobody can do and customers who are out are left out. The utilization of that plan is
set beside the coordinator's (played on the sandbox), with the ceilings `work_on_offer` and
`work_within_reach`, which ignore driving, windows and time: the lift in hindsight says how
much of those ceilings any dispatcher could turn into on-site minutes.
It is a search, not a bound: a longer search may find a little more. A dispatcher may also
pass it on a day where it waits at the door of a customer who is out, or keeps a technician
past the overtime allowance for an emergency, both of which add on-site minutes the hindsight
plan does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import warnings
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.days import parse_seeds
from connectors.sandbox import Scenario
from connectors.sandbox.generate import GenerateParams, generate_scenario
from connectors.sandbox.scenario import (
    CancelEvent,
    NewJobEvent,
    ScenarioTechnician,
    TechUnavailableEvent,
)
from connectors.sandbox.workload import (
    doable_jobs,
    shift_minutes,
    work_on_offer,
    work_within_reach,
)
from optimizer import (
    Break,
    Job,
    ObjectiveParams,
    OfflineTravel,
    Point,
    Problem,
    SuspiciousInputWarning,
    Technician,
    Window,
    solve,
)
from orchestrator.analytics import compute_kpis
from orchestrator.simulation import run_simulation
from orchestrator.simulation.baseline import BaselineCoordinator

__all__ = [
    "hindsight_problem",
    "hindsight_shares",
    "hindsight_utilization",
    "run_hindsight_bench",
]

WORK_MINUTE = 200.0
"""What a minute of work left out costs the hindsight plan: far above a minute of driving or
lateness, so the plan holds as much work as the day allows."""


def hindsight_problem(scenario: Scenario, overtime_minutes: int = 60) -> Problem:
    """The scenario's first day as one plan with everything known (see the module)."""
    arrives = {e.job.id: _minute(e.at) for e in scenario.events if isinstance(e, NewJobEvent)}
    # Called away for the rest of the shift (as generated days are): the shift ends then.
    shift_end = {t.id: _minute(t.shift.end) for t in scenario.technicians}
    away = {
        e.technician: _minute(e.at)
        for e in scenario.events
        if isinstance(e, TechUnavailableEvent)
        and e.technician in shift_end
        and _minute(e.until) >= shift_end[e.technician]
    }
    # Who can do a job (skills, certifications still valid, equipment, the designated
    # technician) is put to the optimizer as one token per group of able technicians.
    groups: dict[frozenset[str], str] = {}
    tokens: dict[str, set[str]] = {t.id: set() for t in scenario.technicians}
    jobs: list[Job] = []
    for doable in doable_jobs(scenario):
        job = doable.job
        token = groups.setdefault(frozenset(doable.able), f"able-{len(groups)}")
        for tech_id in doable.able:
            tokens[tech_id].add(token)
        if job.id in arrives:  # not before the call comes in
            windows: tuple[Window, ...] = (Window(arrives[job.id], 24 * 60 - 1, hard=True),)
        elif doable.canceled_at is not None:  # done only if begun before the customer cancels
            opens = _minute(job.booked_window.start) if job.booked_window else 0
            windows = (Window(opens, _minute(doable.canceled_at) - 1, hard=True),)
        elif job.booked_window is not None:
            booked = job.booked_window
            windows = (Window(_minute(booked.start), _minute(booked.end), hard=False),)
        else:
            windows = ()
        jobs.append(
            Job(
                id=job.id,
                location=Point(job.location.lat, job.location.lon),
                service_minutes=doable.minutes,
                windows=windows,
                skills=frozenset({token}),
            )
        )
    with warnings.catch_warnings():
        # A technician called away before lunch has none to plan, and a job canceled before
        # anyone could reach it no window: the optimizer warns of both, for a live account.
        warnings.simplefilter("ignore", SuspiciousInputWarning)
        techs = [_technician(t, away, tokens[t.id], overtime_minutes) for t in scenario.technicians]
        return Problem(
            tuple(t for t in techs if t is not None),
            tuple(jobs),
            ObjectiveParams(unassigned_work_minute=WORK_MINUTE),
        )


def _technician(
    tech: ScenarioTechnician, away: dict[str, int], skills: set[str], overtime_minutes: int
) -> Technician | None:
    """`tech` on the optimizer's clock, the shift ending when called away (None: no shift)."""
    start, end = _minute(tech.shift.start), _minute(tech.shift.end)
    end = min(end, away.get(tech.id, end))
    if end <= start:
        return None
    lunch = tech.lunch
    return Technician(
        id=tech.id,
        start=Point(tech.home.lat, tech.home.lon),
        shift_start=start,
        shift_end=end,
        skills=frozenset(skills),
        lunch=Break(_minute(lunch.earliest), _minute(lunch.latest), lunch.minutes)
        if lunch
        else None,
        overtime_minutes=overtime_minutes,
        commute_home=True,
    )


def hindsight_utilization(
    scenario: Scenario, overtime_minutes: int = 60, seconds: float = 20.0, seed: int = 0
) -> float | None:
    """On-site minutes of the hindsight plan over the shift minutes less time called away
    (the KPI's utilization); None when the fleet has no shift minutes."""
    shares = hindsight_shares(scenario, overtime_minutes, seconds, seed)
    return None if shares is None else shares[0]


def hindsight_shares(
    scenario: Scenario, overtime_minutes: int = 60, seconds: float = 20.0, seed: int = 0
) -> tuple[float, float] | None:
    """The hindsight plan's utilization, and the part of it in visits begun before their
    customer cancels; None when the fleet has no shift minutes."""
    if scenario.days != 1:
        raise ValueError(f"hindsight plans one day; {scenario.name} has {scenario.days}")
    problem = hindsight_problem(scenario, overtime_minutes)
    shift = shift_minutes(scenario)
    if shift <= 0:
        return None
    model = scenario.travel  # the true drives, without their noise
    travel = OfflineTravel(circuity=model.circuity, speed_kmh=model.speed_kmh, hourly_speed={})
    plan = solve(problem, time_limit=seconds, seed=seed, travel=travel)
    minutes = {j.id: j.service_minutes for j in problem.jobs}
    canceled = {e.job for e in scenario.events if isinstance(e, CancelEvent)}
    done = [s.job_id for r in plan.routes for s in r.stops]
    return (
        sum(minutes[j] for j in done) / shift,
        sum(minutes[j] for j in done if j in canceled) / shift,
    )


def run_hindsight_bench(
    techs: int, jobs: int, seeds: list[int], seconds: float = 20.0
) -> dict[str, Any]:
    """A row per generated day, then the means (utilizations as fractions)."""
    rows: list[dict[str, Any]] = []
    for seed in seeds:
        scenario = generate_scenario(GenerateParams(techs, jobs, seed=seed))
        record = asyncio.run(run_simulation(scenario, BaselineCoordinator()))
        baseline = compute_kpis(
            record.jobs,
            record.appointments,
            record.status_events,
            record.technicians,
            record.customers,
        ).utilization
        shares = hindsight_shares(scenario, seconds=seconds, seed=seed)
        rows.append(
            {
                "name": scenario.name,
                "baseline": round(baseline, 4),
                "hindsight": _rounded(shares[0] if shares else None),
                "hindsight_canceled": _rounded(shares[1] if shares else None),
                "on_offer": _rounded(work_on_offer(scenario)),
                "within_reach": _rounded(work_within_reach(scenario)),
            }
        )
        print(_row(rows[-1]), flush=True)
    means = {
        key: round(statistics.fmean(r[key] - r["baseline"] for r in rows), 4)
        for key in ("hindsight", "on_offer", "within_reach")
        if all(r[key] is not None for r in rows)
    }
    canceled = [r["hindsight_canceled"] for r in rows]
    return {
        "techs": techs,
        "jobs": jobs,
        "seconds": seconds,
        "days": rows,
        "mean_lift": means,
        "mean_hindsight_canceled": (
            round(statistics.fmean(canceled), 4) if rows and None not in canceled else None
        ),
    }


def _row(row: dict[str, Any]) -> str:
    lifts = "  ".join(
        f"{key} {100 * (row[key] - row['baseline']):+.1f}"
        for key in ("hindsight", "on_offer", "within_reach")
        if row[key] is not None
    )
    canceled = row["hindsight_canceled"]
    of_it = (
        "" if canceled is None else f" (of it, visits begun before a cancel {100 * canceled:.1f})"
    )
    return (
        f"{row['name']}: coordinator {100 * row['baseline']:.1f} %, lift in points: {lifts}{of_it}"
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _minute(clock: Any) -> int:
    return int(clock.hour) * 60 + int(clock.minute)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--techs", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=160)
    parser.add_argument("--seeds", default="1-10")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = run_hindsight_bench(args.techs, args.jobs, parse_seeds(args.seeds), args.seconds)
    lifts = ", ".join(f"{k} {100 * v:+.2f}" for k, v in result["mean_lift"].items())
    print(f"mean lift over the coordinator, points: {lifts}")
    if result["mean_hindsight_canceled"] is not None:
        share = 100 * result["mean_hindsight_canceled"]
        print(f"of the hindsight plan's utilization, visits begun before a cancel: {share:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
