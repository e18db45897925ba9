"""The planning problem: technicians, jobs and objective weights, validated when built.

Times are integer minutes from the day's origin (the caller picks it, usually local midnight),
so the optimizer never handles time zones. Everything is immutable; `replace()` makes what-ifs.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "Break",
    "Job",
    "ObjectiveParams",
    "Pin",
    "Point",
    "Problem",
    "SuspiciousInputWarning",
    "Technician",
    "Window",
    "replace",
]

Urgency = Literal["emergency", "same_day", "scheduled"]


class SuspiciousInputWarning(UserWarning):
    """Legal input that is probably a mistake (a window outside every shift, say)."""


@dataclass(frozen=True, slots=True)
class Point:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"coordinates out of range: ({self.lat}, {self.lon})")


@dataclass(frozen=True, slots=True)
class Window:
    """Service may start in [start, end]. A soft window may be missed at a lateness cost."""

    start: int
    end: int
    hard: bool = True

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True, slots=True)
class Break:
    """A lunch of `minutes`, starting between `earliest` and `latest`."""

    earliest: int
    latest: int
    minutes: int

    def __post_init__(self) -> None:
        if self.latest < self.earliest or self.minutes <= 0:
            raise ValueError(
                f"invalid break: earliest {self.earliest}, latest {self.latest}, "
                f"minutes {self.minutes}"
            )


@dataclass(frozen=True, slots=True)
class Technician:
    id: str
    start: Point
    shift_start: int
    shift_end: int
    end: Point | None = None
    """Where the day ends; the start location when None."""
    skills: frozenset[str] = frozenset()
    """Skills and certifications valid on the planned day."""
    equipment: frozenset[str] = frozenset()
    lunch: Break | None = None
    overtime_minutes: int = 0
    """How far past `shift_end` the day may run, at the overtime cost."""
    speed_factor: float = 1.0
    """Multiplies service minutes: < 1 is faster than the fleet."""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("technician id must not be empty")
        if self.shift_end <= self.shift_start:
            raise ValueError(f"technician {self.id}: shift ends before it starts")
        if self.overtime_minutes < 0:
            raise ValueError(f"technician {self.id}: overtime_minutes must be >= 0")
        if not 0.2 <= self.speed_factor <= 5:
            raise ValueError(
                f"technician {self.id}: speed_factor {self.speed_factor} not in [0.2, 5]"
            )

    @property
    def end_point(self) -> Point:
        return self.end or self.start


@dataclass(frozen=True, slots=True)
class Pin:
    """A job that must stay with `technician` (in progress, dispatched, or committed)."""

    technician: str
    start: int | None = None
    """Fixed service start, e.g. for a job already under way."""
    sequence: int | None = None
    """Fixed position in the route (0 = first), for stops already driven to."""


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    location: Point
    service_minutes: int
    windows: tuple[Window, ...] = ()
    """When service may start; empty means any time within the shift."""
    skills: frozenset[str] = frozenset()
    equipment: frozenset[str] = frozenset()
    urgency: Urgency = "scheduled"
    priority: int = 1
    """Weight of leaving it unassigned, on top of the urgency's penalty (e.g. SLA tier)."""
    designated: str | None = None
    """Only this technician may do the job (hard)."""
    preferred: frozenset[str] = frozenset()
    """Technicians the customer prefers (soft)."""
    pin: Pin | None = None
    told_window: Window | None = None
    """The arrival window the customer was already told; moving outside it costs."""
    service_minutes_by_technician: Mapping[str, int] = field(default_factory=dict)
    """Per-technician service minutes (from the duration model); overrides speed_factor."""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("job id must not be empty")
        if self.service_minutes < 0:
            raise ValueError(f"job {self.id}: service_minutes must be >= 0")
        if self.priority < 0:
            raise ValueError(f"job {self.id}: priority must be >= 0")
        ordered = sorted(self.windows, key=lambda w: w.start)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b.start <= a.end:
                raise ValueError(f"job {self.id}: windows overlap")
        if len({w.hard for w in self.windows}) > 1:
            raise ValueError(f"job {self.id}: mix of hard and soft windows")

    def minutes_for(self, tech: Technician) -> int:
        if tech.id in self.service_minutes_by_technician:
            return int(self.service_minutes_by_technician[tech.id])
        return round(self.service_minutes * tech.speed_factor)

    def qualified(self, tech: Technician) -> bool:
        if self.designated is not None and tech.id != self.designated:
            return False
        if self.pin is not None and tech.id != self.pin.technician:
            return False
        return self.skills <= tech.skills and self.equipment <= tech.equipment


@dataclass(frozen=True, slots=True)
class ObjectiveParams:
    """Weights of the one objective; each is a cost per unit named."""

    drive_minute: float = 1.0
    unassigned_emergency: float = 100_000
    unassigned_same_day: float = 20_000
    unassigned_scheduled: float = 5_000
    balance: float = 0.5
    lateness_minute: float = 50
    emergency_start_minute: float = 5
    preferred_tech_broken: float = 60
    compactness: float = 0.2
    overtime_minute: float = 3
    churn_moved_stop: float = 30
    told_window_minute: float = 20

    def unassigned_penalty(self, job: Job) -> float:
        base = {
            "emergency": self.unassigned_emergency,
            "same_day": self.unassigned_same_day,
            "scheduled": self.unassigned_scheduled,
        }[job.urgency]
        return base * max(job.priority, 1)


@dataclass(frozen=True, slots=True)
class Problem:
    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]
    params: ObjectiveParams = ObjectiveParams()
    previous: Mapping[str, str] = field(default_factory=dict)
    """Job id → technician id in the plan being revised (for the churn cost)."""

    def __post_init__(self) -> None:
        tech_ids = [t.id for t in self.technicians]
        if len(set(tech_ids)) != len(tech_ids):
            raise ValueError("technician ids must be unique")
        job_ids = [j.id for j in self.jobs]
        if len(set(job_ids)) != len(job_ids):
            raise ValueError("job ids must be unique")
        known = set(tech_ids)
        for job in self.jobs:
            if job.designated is not None and job.designated not in known:
                raise ValueError(f"job {job.id}: designated technician {job.designated!r} unknown")
            if job.pin is not None and job.pin.technician not in known:
                raise ValueError(
                    f"job {job.id}: pinned to unknown technician {job.pin.technician!r}"
                )
            if job.windows and self.technicians:
                earliest = min(t.shift_start for t in self.technicians)
                latest = max(t.shift_end + t.overtime_minutes for t in self.technicians)
                if all(w.end < earliest or w.start > latest for w in job.windows):
                    warnings.warn(
                        f"job {job.id}: no window overlaps any shift",
                        SuspiciousInputWarning,
                        stacklevel=2,
                    )

    def technician(self, tech_id: str) -> Technician:
        for tech in self.technicians:
            if tech.id == tech_id:
                return tech
        raise KeyError(tech_id)

    def job(self, job_id: str) -> Job:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    def replace(self, **changes: object) -> Problem:
        return replace(self, **changes)  # type: ignore[arg-type]
