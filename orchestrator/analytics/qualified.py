"""Who could have done a job: a technician's qualifications on a day, and the technicians on
shift that day holding everything a job needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.records import Appointment, Job, Shift, Technician

__all__ = ["Qualified", "held_on", "job_moment", "open_minutes", "qualified_for"]

_IMPLIED = {"master_electrician": frozenset({"journeyman_electrician"})}
"""A qualification that covers another's work."""


@dataclass(frozen=True, slots=True)
class Qualified:
    """The technicians on shift who held all a job needed, and what no one on shift held."""

    technicians: tuple[str, ...]
    unmet: tuple[str, ...]
    needs: tuple[str, ...]


def held_on(tech: Technician, moment: datetime) -> frozenset[str]:
    """Skills and certifications valid on `moment`'s day, with what they cover."""
    held = set(tech.qualifications_on(moment.date()))
    for skill in list(held):
        held |= _IMPLIED.get(skill, frozenset())
    return frozenset(held)


def job_moment(job: Job, appointments: Sequence[Appointment]) -> datetime | None:
    """When the job was to be done: its earliest promised or scheduled start, else its
    ticket's creation."""
    starts = [
        w.start
        for a in appointments
        if a.job_id == job.external_id
        for w in (a.arrival_window, a.window)
        if w is not None
    ]
    return min(starts) if starts else job.created_at


def qualified_for(
    job: Job, technicians: Sequence[Technician], moment: datetime
) -> Qualified | None:
    """Who, on shift on `moment`'s day, held every skill and piece of equipment the job needed
    (None when the job was never classified, so its needs are unknown)."""
    if job.classification is None:
        return None
    skills, equipment = job.classification.skills, job.classification.equipment
    working = [t for t in technicians if t.active and _works_on(t, moment)]
    able = tuple(
        t.external_id for t in working if skills <= held_on(t, moment) and equipment <= t.equipment
    )
    anyone = frozenset().union(*(held_on(t, moment) | t.equipment for t in working))
    return Qualified(
        able, tuple(sorted((skills | equipment) - anyone)), tuple(sorted(skills | equipment))
    )


def _works_on(tech: Technician, moment: datetime) -> bool:
    """A shift starts on `moment`'s day (in its time zone) and time off does not take all of it."""
    zone = moment.tzinfo
    return any(
        shift.start.astimezone(zone).date() == moment.date() and open_minutes(tech, shift) > 0
        for shift in tech.shifts
    )


def open_minutes(tech: Technician, shift: Shift) -> float:
    minutes = shift.minutes
    for off in tech.time_off:
        start, end = max(shift.start, off.start), min(shift.end, off.end)
        if end > start:
            minutes -= (end - start).total_seconds() / 60
    return minutes
