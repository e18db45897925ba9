"""Who could have done a job: a technician's qualifications on a day, and the technicians on
shift that day holding everything a job needed (only the customer's designated technician, when
the customer has one)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.records import Appointment, Job, Shift, Technician

__all__ = ["Qualified", "held_on", "job_moment", "open_minutes", "qualified_for"]

NEAR_SHIFT = timedelta(hours=6)
"""How far outside a shift a job's time may fall and still be that shift's work (an evening
window after the shift, an early ticket before it)."""

_IMPLIED = {"master_electrician": frozenset({"journeyman_electrician"})}
"""A qualification that covers another's work."""


@dataclass(frozen=True, slots=True)
class Qualified:
    """The technicians on shift who held all a job needed and were allowed to do it, and what
    no one on shift held."""

    technicians: tuple[str, ...]
    unmet: tuple[str, ...]
    needs: tuple[str, ...]
    designated: str | None = None
    """The only technician the customer allows, if any."""
    designated_lacks: tuple[str, ...] | None = None
    """What the designated technician lacked that day; None if they were not on shift."""


def held_on(tech: Technician, moment: datetime) -> frozenset[str]:
    """Skills and certifications valid on `moment`'s day, with what they cover."""
    held = set(tech.qualifications_on(moment.date()))
    for skill in list(held):
        held |= _IMPLIED.get(skill, frozenset())
    return frozenset(held)


def job_moment(job: Job, appointments: Sequence[Appointment]) -> datetime | None:
    """When the job was to be done: its earliest promised or scheduled start (of those of
    `appointments` that are the job's), else its ticket's creation."""
    starts = [
        w.start
        for a in appointments
        if a.job_id == job.external_id
        for w in (a.arrival_window, a.window)
        if w is not None
    ]
    return min(starts) if starts else job.created_at


def qualified_for(
    job: Job,
    technicians: Sequence[Technician],
    moment: datetime,
    designated: str | None = None,
) -> Qualified | None:
    """Who, on shift on `moment`'s day, held every skill and piece of equipment the job needed
    (of them, only `designated` when the customer allows no one else); None when the job was
    never classified, so its needs are unknown."""
    if job.classification is None:
        return None
    skills, equipment = job.classification.skills, job.classification.equipment
    needs = skills | equipment
    working = [t for t in technicians if t.active and _works_on(t, moment)]
    lacks = {t.external_id: needs - held_on(t, moment) - t.equipment for t in working}
    able = tuple(t.external_id for t in working if not lacks[t.external_id])
    anyone = frozenset().union(*(held_on(t, moment) | t.equipment for t in working))
    unmet = tuple(sorted(needs - anyone))
    if designated is None:
        return Qualified(able, unmet, tuple(sorted(needs)))
    own = lacks.get(designated)
    return Qualified(
        tuple(t for t in able if t == designated),
        unmet,
        tuple(sorted(needs)),
        designated,
        tuple(sorted(own)) if own is not None else None,
    )


def _works_on(tech: Technician, moment: datetime) -> bool:
    """A shift around `moment` (it may come up to `NEAR_SHIFT` before or after it), not all of
    it taken by time off. Intervals, not dates: records may carry UTC times, whose dates split
    an evening in two."""
    return any(
        shift.start - NEAR_SHIFT <= moment <= shift.end + NEAR_SHIFT
        and open_minutes(tech, shift) > 0
        for shift in tech.shifts
    )


def open_minutes(tech: Technician, shift: Shift) -> float:
    minutes = shift.minutes
    for off in tech.time_off:
        start, end = max(shift.start, off.start), min(shift.end, off.end)
        if end > start:
            minutes -= (end - start).total_seconds() / 60
    return minutes
