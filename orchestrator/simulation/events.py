"""What a dispatcher is told during the day: typed, canonical, platform-neutral."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connectors.records import Appointment, Job, StatusEvent, Technician

__all__ = ["DispatchEvent", "JobArrived", "StatusChanged", "TechnicianChanged", "Tick"]


@dataclass(frozen=True, slots=True)
class JobArrived:
    """A ticket appeared in the FSM."""

    job: Job


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """A visit changed status (dispatched, en route, on site, completed, on hold, canceled)."""

    event: StatusEvent
    appointment: Appointment


@dataclass(frozen=True, slots=True)
class TechnicianChanged:
    """A technician record changed (for example time off added: called away)."""

    technician: Technician


@dataclass(frozen=True, slots=True)
class Tick:
    """The clock moved; lets a dispatcher notice what no event announces (a visit running long)."""

    at: datetime


DispatchEvent = JobArrived | StatusChanged | TechnicianChanged | Tick
