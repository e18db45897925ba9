"""The planning problem: technicians, jobs and objective weights, validated when built.

Times are integer minutes from the day's origin (the caller picks it, usually local midnight),
so the optimizer never handles time zones. Everything is immutable; `replace()` makes what-ifs.
"""

from __future__ import annotations

import copyreg
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Literal

from optimizer.errors import SuspiciousInputWarning

__all__ = [
    "Break",
    "Job",
    "ObjectiveParams",
    "Pin",
    "Point",
    "Problem",
    "SuspiciousInputWarning",
    "Technician",
    "Urgency",
    "Window",
]


def _read_only(items: dict[str, object]) -> MappingProxyType[str, object]:
    return MappingProxyType(items)


def _reduce_mapping_proxy(
    proxy: MappingProxyType[str, object],
) -> tuple[Callable[[dict[str, object]], MappingProxyType[str, object]], tuple[dict[str, object]]]:
    return _read_only, (dict(proxy),)


# Problems cross process boundaries (big days are solved part by part in worker processes),
# and their read-only mappings must pickle.
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)

Urgency = Literal["emergency", "same_day", "scheduled"]
URGENCIES: tuple[Urgency, ...] = ("emergency", "same_day", "scheduled")
DAY_LIMIT = 48 * 60
"""Latest minute the model represents: a day plus a night of overtime is plenty."""


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 coordinate."""

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
        if self.start < 0 or self.end > DAY_LIMIT:
            raise ValueError(f"window [{self.start}, {self.end}] outside [0, {DAY_LIMIT}]")


@dataclass(frozen=True, slots=True)
class Break:
    """A lunch of `minutes`, starting between `earliest` and `latest`.

    When `on_site` is set, a visit of at least `on_site_after` minutes may contain the lunch:
    the technician eats on site (or straight after it), and the visit's end plus `minutes` is
    when they drive on. `on_site_after` defaults to the lunch window's length: a visit that
    long can span the whole window, leaving no gap for lunch around it. A wait before a visit
    that can hold the lunch holds it instead: eaten there, it delays nothing after.
    """

    earliest: int
    latest: int
    minutes: int
    on_site: bool = True
    on_site_after: int | None = None

    def __post_init__(self) -> None:
        if self.latest < self.earliest or self.minutes <= 0:
            raise ValueError(
                f"invalid break: earliest {self.earliest}, latest {self.latest}, "
                f"minutes {self.minutes}"
            )
        if self.on_site_after is not None and self.on_site_after <= 0:
            raise ValueError(f"invalid break: on_site_after {self.on_site_after}")

    def hosted_by(self, service_minutes: int) -> bool:
        """Whether a visit this long may contain the lunch."""
        if not self.on_site:
            return False
        least = self.on_site_after
        if least is None:
            least = max(self.latest - self.earliest, self.minutes)
        return service_minutes >= least


@dataclass(frozen=True, slots=True)
class Technician:
    """One technician's day: where and when they work, what they can do and carry.

    Attributes:
        id: Unique id (the FSM's).
        start: Where the day starts (home or depot).
        shift_start: First minute of the shift; the technician leaves `start` no earlier.
        shift_end: Last minute of the regular shift, back at `end` (or, with
            `commute_home`, done with the last visit).
        end: Where the day ends; the start location when None.
        skills: Skills and certifications valid on the planned day.
        equipment: Equipment on the truck.
        lunch: The lunch break, if any.
        overtime_minutes: How far past `shift_end` the day may run.
        overtime_cost: Cost per overtime minute for this technician; None uses the
            problem's `ObjectiveParams.overtime_minute`.
        speed_factor: Multiplies service minutes (< 1 is faster than the fleet), unless the
            job gives this technician's minutes explicitly.
        commute_home: The drive back to `end` is the technician's commute (a take-home
            truck), not work: the shift and its overtime bound the end of the last visit (and
            of a lunch after it), and the drive home is still costed as driving. False for a
            depot, where bringing the van back is part of the shift.
        start_room: How far past `shift_start` the day may in fact start: the technician is
            on a visit planned to end then, which may run long. The first stop's told window
            keeps that much room, as a told window after a job keeps its `overrun_minutes`.
        last_departure: The last minute the technician leaves for a visit, or None for no
            such limit. Overtime is for finishing the visit at hand: a technician whose shift
            is over goes home rather than to the next customer, so a stop they would leave
            for later does not fit their route.
    """

    id: str
    start: Point
    shift_start: int
    shift_end: int
    end: Point | None = None
    skills: frozenset[str] = frozenset()
    equipment: frozenset[str] = frozenset()
    lunch: Break | None = None
    overtime_minutes: int = 0
    overtime_cost: float | None = None
    speed_factor: float = 1.0
    commute_home: bool = False
    start_room: int = 0
    last_departure: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("technician id must not be empty")
        if self.last_departure is not None and not 0 <= self.last_departure <= DAY_LIMIT:
            raise ValueError(f"technician {self.id}: last_departure outside [0, {DAY_LIMIT}]")
        if self.start_room < 0:
            raise ValueError(f"technician {self.id}: start_room must be >= 0")
        if self.shift_start < 0 or self.shift_end > DAY_LIMIT:
            raise ValueError(f"technician {self.id}: shift outside [0, {DAY_LIMIT}]")
        if self.shift_end <= self.shift_start:
            raise ValueError(f"technician {self.id}: shift ends before it starts")
        if self.overtime_minutes < 0:
            raise ValueError(f"technician {self.id}: overtime_minutes must be >= 0")
        if self.shift_end + self.overtime_minutes > DAY_LIMIT:
            raise ValueError(f"technician {self.id}: overtime runs past minute {DAY_LIMIT}")
        if self.overtime_cost is not None and self.overtime_cost < 0:
            raise ValueError(f"technician {self.id}: overtime_cost must be >= 0")
        if not 0.2 <= self.speed_factor <= 5:
            raise ValueError(
                f"technician {self.id}: speed_factor {self.speed_factor} not in [0.2, 5]"
            )
        if self.lunch is not None and (
            self.lunch.latest < self.shift_start
            or self.lunch.earliest + self.lunch.minutes > self.shift_end + self.overtime_minutes
        ):
            # A day shift's default lunch on an evening shift, say: there is no lunch to plan.
            warnings.warn(
                f"technician {self.id}: lunch falls outside the shift and is ignored",
                SuspiciousInputWarning,
                stacklevel=3,
            )
            object.__setattr__(self, "lunch", None)
        elif self.lunch is not None and self.lunch.earliest < self.shift_start:
            # A day that starts late (on site until then, say): lunch comes after the start.
            object.__setattr__(self, "lunch", replace(self.lunch, earliest=self.shift_start))

    @property
    def end_point(self) -> Point:
        """Where the day ends."""
        return self.end or self.start

    def day_ends(self, back_at: int, drive_back: int) -> int:
        """When the shift clock stops for a route back at `end` at `back_at`, after a last
        drive of `drive_back` minutes: on arrival, or when that drive begins with
        `commute_home`."""
        return back_at - drive_back if self.commute_home else back_at


@dataclass(frozen=True, slots=True)
class Pin:
    """A job that must stay with `technician` (in progress, dispatched, or committed)."""

    technician: str
    start: int | None = None
    """Fixed service start, e.g. for a job already under way."""
    sequence: int | None = None
    """Fixed position in the route (0 = first), for stops already driven to."""

    def __post_init__(self) -> None:
        if not self.technician:
            raise ValueError("pin technician must not be empty")
        if self.sequence is not None and self.sequence < 0:
            raise ValueError(f"pin sequence must be >= 0, got {self.sequence}")


@dataclass(frozen=True, slots=True)
class Job:
    """One visit to plan.

    Attributes:
        id: Unique id (the FSM's).
        location: Where the work is.
        service_minutes: Minutes on site for a technician of speed factor 1.
        windows: When service may start; empty means any time within the shift. Hard
            windows must be met. Soft windows may be missed at `lateness_minute` per minute
            past the last one's end (service never starts before the first one opens).
        skills: Skills and certifications the job needs.
        equipment: Equipment the job needs.
        urgency: Emergency, same-day or scheduled: sets the cost of leaving it out.
        priority: Multiplies that cost (e.g. an SLA tier).
        designated: Only this technician may do the job (hard).
        preferred: Technicians the customer prefers (soft).
        pin: Keeps the job with one technician (and optionally a start or a position).
        told_window: The arrival window the customer was already told; moving out costs.
        service_minutes_by_technician: Per-technician minutes (the duration model's
            routing quantile); overrides `speed_factor`.
        overrun_minutes: How far the visit may run past its planned minutes (the duration
            model's spread). The next stop's told window keeps that much room: a start that
            close to the window's end already costs `told_window_minute` a minute.
    """

    id: str
    location: Point
    service_minutes: int
    windows: tuple[Window, ...] = ()
    skills: frozenset[str] = frozenset()
    equipment: frozenset[str] = frozenset()
    urgency: Urgency = "scheduled"
    priority: int = 1
    designated: str | None = None
    preferred: frozenset[str] = frozenset()
    pin: Pin | None = None
    told_window: Window | None = None
    service_minutes_by_technician: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({})
    )
    overrun_minutes: int = 0

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("job id must not be empty")
        if self.overrun_minutes < 0:
            raise ValueError(f"job {self.id}: overrun_minutes must be >= 0")
        if self.service_minutes < 0:
            raise ValueError(f"job {self.id}: service_minutes must be >= 0")
        if self.priority < 0:
            raise ValueError(f"job {self.id}: priority must be >= 0")
        if self.urgency not in URGENCIES:
            raise ValueError(f"job {self.id}: urgency {self.urgency!r} not in {URGENCIES}")
        ordered = sorted(self.windows, key=lambda w: w.start)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b.start <= a.end:
                raise ValueError(f"job {self.id}: windows overlap")
        if len({w.hard for w in self.windows}) > 1:
            raise ValueError(f"job {self.id}: mix of hard and soft windows")
        for tech_id, minutes in self.service_minutes_by_technician.items():
            if minutes < 0:
                raise ValueError(f"job {self.id}: service minutes for {tech_id} must be >= 0")
        # Frozen dataclass: keep the windows sorted and the mapping read-only.
        object.__setattr__(self, "windows", tuple(ordered))
        object.__setattr__(
            self,
            "service_minutes_by_technician",
            MappingProxyType(dict(self.service_minutes_by_technician)),
        )

    @property
    def hard_windows(self) -> bool:
        """True when the job has windows and they are hard."""
        return bool(self.windows) and self.windows[0].hard

    def opens(self, day_opens: int) -> int:
        """When the job could first start: its first window's opening, else the day's
        (`Problem.day_opens`); a late start is counted from here (`ObjectiveParams.start_rate`)."""
        return self.windows[0].start if self.windows else day_opens

    def minutes_for(self, tech: Technician) -> int:
        """Service minutes when `tech` does the job."""
        if tech.id in self.service_minutes_by_technician:
            return int(self.service_minutes_by_technician[tech.id])
        return round(self.service_minutes * tech.speed_factor)

    def qualified(self, tech: Technician) -> bool:
        """Whether `tech` may do the job: skills, equipment, designation and pin."""
        if self.designated is not None and tech.id != self.designated:
            return False
        if self.pin is not None and tech.id != self.pin.technician:
            return False
        return self.skills <= tech.skills and self.equipment <= tech.equipment


@dataclass(frozen=True, slots=True)
class ObjectiveParams:
    """Weights of the one objective; each is a cost per unit named (all >= 0)."""

    drive_minute: float = 1.0
    unassigned_emergency: float = 100_000
    unassigned_same_day: float = 20_000
    unassigned_scheduled: float = 5_000
    balance: float = 0.5
    """Per minute a technician works (drives and serves) beyond a fair share of the day."""
    lateness_minute: float = 50
    emergency_start_minute: float = 5
    """Per minute an emergency starts after it could first start (earlier is better)."""
    preferred_tech_broken: float = 60
    compactness: float = 0.2
    """Per (minutes beyond 10)² / 10 of each drive leg: long criss-crossing hops cost more."""
    overtime_minute: float = 3
    churn_moved_stop: float = 30
    """Per job moved to another technician than in the previous plan."""
    told_window_minute: float = 20
    """Per minute outside the arrival window the customer was told (and inside its last
    `told_margin_minutes`)."""
    unassigned_work_minute: float = 0
    """Per minute of work (the job's typical service minutes) left unassigned, on top of its
    urgency's cost: the billable hours a day loses."""
    skill_reserve_minute: float = 0
    """Per service minute a technician spends on a job that does not need a skill they hold,
    times how booked that skill's holders are (`skill_reserve.py`): the few who can do the
    scarce work are kept for it."""
    long_job_start_minute: float = 0
    """Per minute a long job starts after it could first start (its first window's opening, or
    the day's), for each hour of its service minutes past `long_job_minutes`: a day's long
    installs go early, where the overruns of the visits before them cannot push them out of
    the day, and the short visits go last, where a technician with an hour left can take one."""
    long_job_minutes: int = 120
    told_margin_minutes: int = 0
    """Minutes before a told window ends from which a start already costs `told_window_minute`
    a minute: a plan that leaves no room for the work before a visit to run long pays a little
    for it, and a plan that keeps the promise with room to spare pays nothing."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"objective weight {item.name} must be finite and >= 0")

    def unassigned_penalty(self, job: Job) -> float:
        """What leaving `job` unassigned costs."""
        base = {
            "emergency": self.unassigned_emergency,
            "same_day": self.unassigned_same_day,
            "scheduled": self.unassigned_scheduled,
        }[job.urgency]
        return base * max(job.priority, 1) + self.unassigned_work_minute * job.service_minutes

    def start_rate(self, job: Job) -> float:
        """What each minute `job` starts after it could first start costs: an emergency's
        wait (`emergency_start_minute`), or a long job's (`long_job_start_minute`)."""
        if job.urgency == "emergency":
            return self.emergency_start_minute
        beyond = max(0, job.service_minutes - self.long_job_minutes)
        return self.long_job_start_minute * beyond / 60

    def told_due(self, told: Window) -> int:
        """The minute from which a start costs `told_window_minute` a minute on the late side
        of `told` (its end less `told_margin_minutes`, never before it opens)."""
        return max(told.start, told.end - self.told_margin_minutes)

    def overtime_rate(self, tech: Technician) -> float:
        """What one overtime minute of `tech` costs."""
        return tech.overtime_cost if tech.overtime_cost is not None else self.overtime_minute

    def overtime(self, tech: Technician, back_at: int, drive_back: int) -> float:
        """The overtime cost of a route that is back at its end point at `back_at`, after a
        last drive of `drive_back` minutes (a commute home does not count: `day_ends`)."""
        ended = tech.day_ends(back_at, drive_back)
        return self.overtime_rate(tech) * max(0, ended - tech.shift_end)


@dataclass(frozen=True, slots=True)
class Problem:
    """A day to plan.

    Attributes:
        technicians: The fleet on shift.
        jobs: Every job to place (pinned ones included).
        params: The objective's weights.
        previous: Job id → technician id in the plan being revised (for the churn cost).
    """

    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]
    params: ObjectiveParams = ObjectiveParams()
    previous: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def day_opens(self) -> int:
        """The earliest shift start of the day (0 without technicians)."""
        return min((t.shift_start for t in self.technicians), default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "technicians", tuple(self.technicians))
        object.__setattr__(self, "jobs", tuple(self.jobs))
        object.__setattr__(self, "previous", MappingProxyType(dict(self.previous)))
        tech_ids = [t.id for t in self.technicians]
        if len(set(tech_ids)) != len(tech_ids):
            raise ValueError("technician ids must be unique")
        job_ids = [j.id for j in self.jobs]
        if len(set(job_ids)) != len(job_ids):
            raise ValueError("job ids must be unique")
        techs = {t.id: t for t in self.technicians}
        sequences: set[tuple[str, int]] = set()
        for job in self.jobs:
            if job.designated is not None and job.designated not in techs:
                raise ValueError(f"job {job.id}: designated technician {job.designated!r} unknown")
            if job.pin is not None:
                self._check_pin(job, techs, sequences)
            if job.windows and self.technicians:
                earliest = min(t.shift_start for t in self.technicians)
                latest = max(t.shift_end + t.overtime_minutes for t in self.technicians)
                # A soft window that closed before anyone is free is lateness (a re-plan
                # of a day running late), not a mistake; one opening after every shift is.
                if all((w.hard and w.end < earliest) or w.start > latest for w in job.windows):
                    warnings.warn(
                        f"job {job.id}: no window overlaps any shift",
                        SuspiciousInputWarning,
                        stacklevel=3,
                    )
        for job_id, tech_id in self.previous.items():
            if tech_id not in techs:
                raise ValueError(f"previous plan: job {job_id} on unknown technician {tech_id!r}")

    @staticmethod
    def _check_pin(job: Job, techs: Mapping[str, Technician], seen: set[tuple[str, int]]) -> None:
        assert job.pin is not None
        tech = techs.get(job.pin.technician)
        if tech is None:
            raise ValueError(f"job {job.id}: pinned to unknown technician {job.pin.technician!r}")
        if job.designated is not None and job.designated != tech.id:
            raise ValueError(f"job {job.id}: pinned to {tech.id} but designated {job.designated}")
        if not (job.skills <= tech.skills and job.equipment <= tech.equipment):
            missing = sorted((job.skills - tech.skills) | (job.equipment - tech.equipment))
            raise ValueError(f"job {job.id}: pinned to {tech.id}, who lacks {missing}")
        if job.pin.sequence is not None:
            key = (tech.id, job.pin.sequence)
            if key in seen:
                raise ValueError(
                    f"job {job.id}: two jobs pinned to position {job.pin.sequence} of {tech.id}"
                )
            seen.add(key)
        if job.pin.start is not None and not (
            tech.shift_start <= job.pin.start <= tech.shift_end + tech.overtime_minutes
        ):
            raise ValueError(f"job {job.id}: pinned start {job.pin.start} outside {tech.id}'s day")

    def technician(self, tech_id: str) -> Technician:
        """The technician with this id (KeyError when unknown)."""
        for tech in self.technicians:
            if tech.id == tech_id:
                return tech
        raise KeyError(tech_id)

    def job(self, job_id: str) -> Job:
        """The job with this id (KeyError when unknown)."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    def replace(self, **changes: object) -> Problem:
        """A copy with some fields changed, validated again."""
        return replace(self, **changes)  # type: ignore[arg-type]
