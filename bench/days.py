"""Simulated days, coordinator against fsm-dispatch: the product's targets, measured in one run.

    fsm-dispatch bench days --techs 40 --jobs 160 --seeds 1-10 --json out.json
    fsm-dispatch bench days --scenario ../shared/scenarios/seed-day-12x47.yaml

Each day is played twice on the sandbox FSM, by the coordinator baseline and by fsm-dispatch
with the settings file's rules, as `simulate --dispatcher both` plays it. A row per day, then
the summary the targets are judged on: jobs completed against the baseline (pooled over the
days), the utilization lift (mean of the days' lifts), the lowest day's on-time rate, and the
wrong-skill dispatches and double bookings (which must be 0). Beside the lift, two ceilings:
the lift with every doable job done (`work_on_offer`), and with only what the able
technicians' hours can hold (`work_within_reach`); no dispatcher can lift utilization much
past them. Each run also counts the doable work it left undone, canceled jobs aside
(`undone_work`): where the ceiling was missed. Days are played one after the other: the
planner's search is timed, and two days sharing the cores would each plan worse than alone.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from connectors.records import Lifecycle
from connectors.sandbox import Scenario
from connectors.sandbox.workload import undone_work, work_on_offer, work_within_reach
from orchestrator.analytics import compute_kpis
from orchestrator.settings import Settings
from orchestrator.simulation import run_simulation
from orchestrator.simulation.registry import dispatcher_named

__all__ = [
    "COMPLETED_LIFT",
    "ON_TIME",
    "UTILIZATION_LIFT",
    "DayResult",
    "DaysSummary",
    "parse_seeds",
    "play_day",
    "run_days_bench",
    "summarize",
]

COMPLETED_LIFT = 0.15
"""fsm-dispatch completes at least this share more jobs than the coordinator."""
UTILIZATION_LIFT = 0.12
"""…and lifts utilization by at least this much (12 points)."""
ON_TIME = 0.89
"""…while every day keeps at least this on-time rate."""

_ROUNDING = 1e-9
"""A target met exactly is met, whatever the floating point of 115 / 100 - 1."""

BASELINE = "baseline"
OURS = "fsm-dispatch"

Progress = Callable[[str, str, float, str], None]
"""Called with the day's name, the dispatcher, the share of its day played and the clock."""


@dataclass(frozen=True, slots=True)
class DayResult:
    """One day played by both dispatchers."""

    name: str
    technicians: int
    baseline: dict[str, Any]
    fsm_dispatch: dict[str, Any]
    work_on_offer: float | None
    work_within_reach: float | None

    @property
    def completed_lift(self) -> float | None:
        before = self.baseline["jobs_completed"]
        return self.fsm_dispatch["jobs_completed"] / before - 1 if before else None

    @property
    def utilization_lift(self) -> float:
        return float(self.fsm_dispatch["utilization"] - self.baseline["utilization"])

    def ceiling(self, work: float | None) -> float | None:
        """The utilization lift with `work` (a share of shift minutes) done."""
        return None if work is None else work - float(self.baseline["utilization"])

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["completed_lift"] = self.completed_lift
        row["utilization_lift"] = round(self.utilization_lift, 4)
        return row


@dataclass(frozen=True, slots=True)
class DaysSummary:
    """The days together, as the targets judge them."""

    days: int
    completed_baseline: int
    completed_fsm_dispatch: int
    completed_lift: float | None
    """Pooled: all the days' completions against all the baseline's."""
    utilization_lift: float
    """Mean of the days' lifts (fractions: 0.12 is 12 points)."""
    utilization_lift_on_offer: float | None
    """Mean lift with every doable job done: a ceiling."""
    utilization_lift_within_reach: float | None
    """Mean lift with what the able technicians' hours can hold done: a tighter ceiling."""
    lowest_on_time: float | None
    lowest_on_time_day: str | None
    mean_on_time: float | None
    wrong_skill_dispatches: int
    double_bookings: int
    undone_minutes_baseline: int
    """True minutes of doable jobs, not canceled, the coordinator left undone (all days)."""
    undone_minutes_fsm_dispatch: int
    undone_long_minutes_fsm_dispatch: int
    """Of fsm-dispatch's, in jobs of `LONG_JOB_MINUTES` or more."""

    @property
    def targets(self) -> dict[str, bool]:
        """Each target, met or not."""
        return {
            "completed_lift": self.completed_lift is not None
            and self.completed_lift >= COMPLETED_LIFT - _ROUNDING,
            "utilization_lift": self.utilization_lift >= UTILIZATION_LIFT - _ROUNDING,
            "on_time_every_day": self.lowest_on_time is not None and self.lowest_on_time >= ON_TIME,
            "no_wrong_skill": self.wrong_skill_dispatches == 0,
            "no_double_booking": self.double_bookings == 0,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "targets": self.targets}


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if len(known) == len(values) and known else None


def summarize(results: Sequence[DayResult]) -> DaysSummary:
    """The summary of `results` (at least one day)."""
    if not results:
        raise ValueError("no days to summarize")
    before = sum(int(r.baseline["jobs_completed"]) for r in results)
    after = sum(int(r.fsm_dispatch["jobs_completed"]) for r in results)
    on_time = [
        (float(r.fsm_dispatch["on_time_rate"]), r.name)
        for r in results
        if r.fsm_dispatch.get("on_time_rate") is not None
    ]
    lowest = min(on_time) if on_time else None
    return DaysSummary(
        days=len(results),
        completed_baseline=before,
        completed_fsm_dispatch=after,
        completed_lift=after / before - 1 if before else None,
        utilization_lift=statistics.fmean(r.utilization_lift for r in results),
        utilization_lift_on_offer=_mean([r.ceiling(r.work_on_offer) for r in results]),
        utilization_lift_within_reach=_mean([r.ceiling(r.work_within_reach) for r in results]),
        lowest_on_time=lowest[0] if lowest else None,
        lowest_on_time_day=lowest[1] if lowest else None,
        mean_on_time=statistics.fmean(v for v, _ in on_time) if on_time else None,
        wrong_skill_dispatches=sum(int(r.fsm_dispatch["wrong_skill_dispatches"]) for r in results),
        double_bookings=sum(int(r.fsm_dispatch["double_bookings"]) for r in results),
        undone_minutes_baseline=sum(r.baseline["doable_minutes_undone"] for r in results),
        undone_minutes_fsm_dispatch=sum(r.fsm_dispatch["doable_minutes_undone"] for r in results),
        undone_long_minutes_fsm_dispatch=sum(
            r.fsm_dispatch["doable_long_minutes_undone"] for r in results
        ),
    )


def play_day(scenario: Scenario, settings: Settings, progress: Progress | None = None) -> DayResult:
    """Play `scenario` with the baseline, then with fsm-dispatch playing `settings`."""
    runs: dict[str, dict[str, Any]] = {}
    for name in (BASELINE, OURS):
        dispatcher = dispatcher_named(name, settings)

        def report(share: float, clock: str, name: str = name) -> None:
            if progress is not None:
                progress(scenario.name, name, share, clock)

        record = asyncio.run(run_simulation(scenario, dispatcher, progress=report))
        kpis = compute_kpis(
            record.jobs,
            record.appointments,
            record.status_events,
            record.technicians,
            record.customers,
        )
        runs[name] = kpis.to_json()
        # Where the ceiling was missed: doable work not done, canceled jobs aside.
        undone = undone_work(
            scenario, {j.external_id for j in record.jobs if j.status is Lifecycle.COMPLETED}
        )
        runs[name]["doable_jobs_undone"] = undone.jobs
        runs[name]["doable_minutes_undone"] = undone.minutes
        runs[name]["doable_long_minutes_undone"] = undone.long_minutes
    return DayResult(
        name=scenario.name,
        technicians=len(scenario.technicians),
        baseline=runs[BASELINE],
        fsm_dispatch=runs[OURS],
        work_on_offer=work_on_offer(scenario),
        work_within_reach=work_within_reach(scenario, settings.planning.overtime_minutes),
    )


def run_days_bench(
    scenarios: Iterable[Scenario],
    settings: Settings,
    *,
    progress: Progress | None = None,
    on_day: Callable[[DayResult], None] | None = None,
) -> tuple[list[DayResult], DaysSummary]:
    """Play each day in turn (`on_day` sees each as it ends); the rows and their summary."""
    results: list[DayResult] = []
    for scenario in scenarios:
        result = play_day(scenario, settings, progress)
        results.append(result)
        if on_day is not None:
            on_day(result)
    return results, summarize(results)


def parse_seeds(text: str) -> list[int]:
    """Seeds written as `1-10`, `1,4,7` or a mix (`1-3,8`), in order, without repeats."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise ValueError(f"seeds: {part!r} is not a number or a range like 1-10") from None
        if last < first:
            raise ValueError(f"seeds: the range {part!r} runs backwards")
        seeds.extend(s for s in range(first, last + 1) if s not in seeds)
    if not seeds:
        raise ValueError("seeds: none given")
    return seeds
