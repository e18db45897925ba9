"""The problem as integer arrays: the single source of costs and times for the model and the
construction heuristic, so a route one of them accepts the other accepts too.

Node layout: jobs 0..J-1, then each technician's start node, then each one's end node.
Costs are integers: every weight is multiplied by SCALE so fractional weights survive.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from optimizer.costs import balance_targets
from optimizer.params import SolveParams
from optimizer.problem import DAY_LIMIT, Job, Problem, Window
from optimizer.skill_reserve import reserve_costs, skill_loads
from optimizer.travel import TravelMatrix

__all__ = ["COMPACT_FREE_MINUTES", "SCALE", "ModelArrays", "compactness_units", "scaled"]

SCALE = 10
COMPACT_FREE_MINUTES = 10
"""Drive legs up to this long are not charged for compactness."""

IntArray = npt.NDArray[np.int64]


def scaled(weight: float) -> int:
    """A weight as the model's integer cost unit."""
    return int(round(weight * SCALE))


def compactness_units(drive: IntArray | int) -> IntArray | float:
    """(minutes beyond the free ones)² / 10: long hops cost more than their minutes."""
    excess = np.maximum(np.asarray(drive) - COMPACT_FREE_MINUTES, 0)
    return excess.astype(np.float64) ** 2 / 10.0  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ModelArrays:
    """Everything the model needs, as arrays indexed by node and vehicle.

    Attributes:
        drive: Driving minutes between nodes.
        cost: Arc cost (drive and compactness), scaled.
        service: Service minutes per vehicle and node as the model sees them (a group's
            slowest member), zero on start and end nodes.
        groups: Vehicles sharing one service profile.
        allowed: For each job, the vehicles that may serve it.
        penalty: For each job, the scaled cost of leaving it out.
        affinity: Scaled cost of vehicle v serving job j (preferences broken, churn, scarce
            skills left idle).
        balance_targets: Per vehicle, the working minutes beyond which balance is charged.
        windows: Per job, the windows the model enforces: the job's own, with nothing
            starting before the window the customer was told.
        own_minutes: Service minutes per vehicle and node for that technician alone (not its
            group's), zero on start and end nodes: what a route really takes.
        skill_loads: `skill_loads` of the whole day (a part keeps the whole's).
    """

    problem: Problem
    drive: IntArray
    cost: IntArray
    service: IntArray
    groups: tuple[tuple[int, ...], ...]
    allowed: tuple[tuple[int, ...], ...]
    penalty: tuple[int, ...]
    affinity: IntArray
    balance_targets: tuple[int, ...]
    windows: tuple[tuple[Window, ...], ...]
    own_minutes: IntArray
    skill_loads: dict[str, float]

    @property
    def n_jobs(self) -> int:
        return len(self.problem.jobs)

    @property
    def n_techs(self) -> int:
        return len(self.problem.technicians)

    @cached_property
    def qualified_counts(self) -> tuple[int, ...]:
        """Per job, how many of the day's technicians are qualified for it (explanations).

        Computed once: a big day's plan is assembled hundreds of times while it is improved.
        """
        techs = self.problem.technicians
        return tuple(sum(job.qualified(t) for t in techs) for job in self.problem.jobs)

    def start_node(self, v: int) -> int:
        return self.n_jobs + v

    def end_node(self, v: int) -> int:
        return self.n_jobs + self.n_techs + v

    @classmethod
    def build(cls, problem: Problem, drive: TravelMatrix, params: SolveParams) -> ModelArrays:
        """Derive every array from the problem, its travel matrix and the search settings."""
        techs, jobs = problem.technicians, problem.jobs
        n_jobs, n_techs = len(jobs), len(techs)
        n = n_jobs + 2 * n_techs
        drive = np.asarray(drive, dtype=np.int64)
        if drive.shape != (n, n):
            raise ValueError(f"travel matrix is {drive.shape}, expected {(n, n)}")
        w = problem.params
        cost = np.rint(
            SCALE * (w.drive_minute * drive + w.compactness * compactness_units(drive))
        ).astype(np.int64)
        own, service, groups = _service(problem, n, params.max_service_profiles)
        allowed = _allowed(problem, drive, params.max_candidates)
        penalty = tuple(
            scaled(w.unassigned_penalty(job)) if job.pin is None else scaled(1e9) for job in jobs
        )
        loads = skill_loads(problem)
        affinity = np.zeros((n_techs, n), dtype=np.int64)
        affinity[:, :n_jobs] = np.rint(SCALE * reserve_costs(problem, loads)).astype(np.int64)
        index = {t.id: v for v, t in enumerate(techs)}
        for j, job in enumerate(jobs):
            if job.pin is not None:
                continue
            if job.preferred and w.preferred_tech_broken > 0:
                affinity[:, j] += scaled(w.preferred_tech_broken)
                for tech_id in job.preferred:
                    if tech_id in index:
                        affinity[index[tech_id], j] -= scaled(w.preferred_tech_broken)
            previous = problem.previous.get(job.id)
            if previous in index and w.churn_moved_stop > 0:
                affinity[:, j] += scaled(w.churn_moved_stop)
                affinity[index[previous], j] -= scaled(w.churn_moved_stop)
        windows = tuple(model_windows(job) for job in jobs)
        targets = tuple(balance_targets(problem))
        return cls(
            problem,
            drive,
            cost,
            service,
            groups,
            allowed,
            penalty,
            affinity,
            targets,
            windows,
            own,
            loads,
        )

    def subset(self, vehicles: Sequence[int], jobs: Sequence[int]) -> ModelArrays:
        """The same model restricted to some vehicles and jobs (for solving by parts).

        Jobs keep only the listed vehicles among their allowed ones; the costs, targets and
        service minutes are the full model's, so a part's objective is the whole's, restricted.
        """
        problem = self.problem
        n_jobs, n_techs = self.n_jobs, self.n_techs
        nodes = [*jobs, *(n_jobs + v for v in vehicles), *(n_jobs + n_techs + v for v in vehicles)]
        grid = np.ix_(nodes, nodes)
        local = {v: k for k, v in enumerate(vehicles)}
        techs = tuple(problem.technicians[v] for v in vehicles)
        tech_ids = {t.id for t in techs}
        sub_jobs = tuple(problem.jobs[j] for j in jobs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sub = Problem(
                techs,
                sub_jobs,
                problem.params,
                {k: t for k, t in problem.previous.items() if t in tech_ids},
            )
        service = self.service[np.ix_(list(vehicles), nodes)]
        profiles: dict[bytes, list[int]] = {}
        for k in range(len(vehicles)):
            profiles.setdefault(service[k].tobytes(), []).append(k)
        return ModelArrays(
            sub,
            self.drive[grid],
            self.cost[grid],
            service,
            tuple(tuple(g) for g in profiles.values()),
            tuple(tuple(local[v] for v in self.allowed[j] if v in local) for j in jobs),
            tuple(self.penalty[j] for j in jobs),
            self.affinity[np.ix_(list(vehicles), nodes)],
            tuple(self.balance_targets[v] for v in vehicles),
            tuple(self.windows[j] for j in jobs),
            self.own_minutes[np.ix_(list(vehicles), nodes)],
            self.skill_loads,
        )


def model_windows(job: Job) -> tuple[Window, ...]:
    """The windows the model enforces: nothing starts before the told window opens."""
    told = job.told_window
    if told is None:
        return job.windows
    if job.hard_windows:
        clipped = tuple(
            Window(max(w.start, told.start), w.end) for w in job.windows if w.end >= told.start
        )
        return clipped or job.windows
    if job.windows:
        first, last = job.windows[0], job.windows[-1]
        return (Window(max(first.start, told.start), max(last.end, told.start), hard=False),)
    return (Window(told.start, DAY_LIMIT, hard=False),)


def _service(
    problem: Problem, n: int, max_profiles: int
) -> tuple[IntArray, IntArray, tuple[tuple[int, ...], ...]]:
    """Each technician's own service minutes, and the minutes the model uses: technicians with
    equal (or grouped) profiles share one."""
    techs, jobs = problem.technicians, problem.jobs
    exact = np.zeros((len(techs), n), dtype=np.int64)
    for v, tech in enumerate(techs):
        exact[v, : len(jobs)] = [job.minutes_for(tech) for job in jobs]
    profiles: dict[bytes, list[int]] = {}
    for v in range(len(techs)):
        profiles.setdefault(exact[v].tobytes(), []).append(v)
    groups = [tuple(vs) for vs in profiles.values()]
    if len(groups) > max_profiles:
        # Too many profiles for one transit matrix each: group technicians of similar overall
        # speed and let each group use its slowest member's minutes, job by job. Plans stay
        # feasible for every member (finishing early never breaks a rule).
        order = sorted(range(len(techs)), key=lambda v: int(exact[v].sum()))
        chunks = np.array_split(np.asarray(order), max_profiles)
        groups = [tuple(int(v) for v in chunk) for chunk in chunks if len(chunk)]
    service = np.zeros_like(exact)
    for group in groups:
        members = list(group)
        service[members] = exact[members].max(axis=0)
    return exact, service, tuple(groups)


def _allowed(
    problem: Problem, drive: IntArray, max_candidates: int | None
) -> tuple[tuple[int, ...], ...]:
    techs, jobs = problem.technicians, problem.jobs
    n_jobs, n_techs = len(jobs), len(techs)
    index = {t.id: v for v, t in enumerate(techs)}
    starts = np.arange(n_techs) + n_jobs
    ends = starts + n_techs
    out = []
    for j, job in enumerate(jobs):
        qualified = [v for v, tech in enumerate(techs) if job.qualified(tech)]
        if max_candidates is not None and len(qualified) > max_candidates:
            keep = {index[t] for t in job.preferred if t in index}
            previous = problem.previous.get(job.id)
            if previous in index:
                keep.add(index[previous])
            keep &= set(qualified)
            near = np.asarray(qualified)
            distance = drive[starts[near], j] + drive[j, ends[near]]
            ranked = near[np.argsort(distance, kind="stable")]
            for v in ranked:
                if len(keep) >= max_candidates:
                    break
                keep.add(int(v))
            qualified = sorted(keep)
        out.append(tuple(qualified))
    return tuple(out)
