"""The plan: routes of timed stops, unassigned jobs with reasons, the cost broken into terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Plan", "Route", "Stop", "UnassignedJob"]

UnassignedReason = Literal[
    "no_qualified_technician",
    "no_room_in_window",
    "no_room_in_shift",
    "pinned_infeasible",
]


@dataclass(frozen=True, slots=True)
class Stop:
    job_id: str
    arrive: int
    start: int
    end: int
    travel_minutes: int
    """Driving from the previous stop (or the start location)."""
    explanation: str = ""

    @property
    def wait(self) -> int:
        return self.start - self.arrive


@dataclass(frozen=True, slots=True)
class Route:
    technician_id: str
    stops: tuple[Stop, ...]
    start: int
    """When the technician leaves the start location."""
    end: int
    """When the technician is back at the end location."""
    return_minutes: int
    lunch_start: int | None = None
    lunch_minutes: int = 0

    @property
    def drive_minutes(self) -> int:
        return sum(s.travel_minutes for s in self.stops) + self.return_minutes

    @property
    def work_minutes(self) -> int:
        return sum(s.end - s.start for s in self.stops)


@dataclass(frozen=True, slots=True)
class UnassignedJob:
    job_id: str
    reason: UnassignedReason
    detail: str = ""


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[UnassignedJob, ...]
    cost: dict[str, float] = field(default_factory=dict)
    """The objective broken into its terms (same weights as the problem)."""
    solver_status: str = ""
    solve_seconds: float = 0.0

    @property
    def objective(self) -> float:
        return sum(self.cost.values())

    def route_of(self, technician_id: str) -> Route | None:
        for route in self.routes:
            if route.technician_id == technician_id:
                return route
        return None

    def assignment(self) -> dict[str, str]:
        """Job id → technician id."""
        return {s.job_id: r.technician_id for r in self.routes for s in r.stops}

    def is_feasible(self) -> bool:
        """True when the solver reported a solution (check_plan verifies it independently)."""
        return self.solver_status in ("optimal", "feasible", "construction")

    def summary(self) -> str:
        jobs = sum(len(r.stops) for r in self.routes)
        drive = sum(r.drive_minutes for r in self.routes)
        used = sum(1 for r in self.routes if r.stops)
        return (
            f"{jobs} jobs on {used} routes, {len(self.unassigned)} unassigned, "
            f"{drive} drive minutes, objective {self.objective:,.0f}"
        )
