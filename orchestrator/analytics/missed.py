"""The jobs a day did not complete, each with what stood in its way, from the records.

A KPI says how many jobs were completed; whoever reads it asks about the rest. Each job without
a completed visit gets one outcome, the first that applies:

- canceled: the job, or its appointment, was canceled;
- no_show: a technician arrived and the visit ended on hold (nobody home, no access);
- unqualified: no technician on shift that day held everything it needed (skills and
  certifications valid that day, equipment), or the customer's designated technician, the only
  one allowed, was off or lacked some of it; `unmet` names what nobody on shift held;
- not_reached: someone on shift could have done it and nobody completed it (no room in the
  qualified technicians' days, or the day ended first). A dispatcher may say more.

The unqualified ones bound any dispatcher: no plan could have completed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from connectors.records import Appointment, Customer, Job, Lifecycle, StatusEvent, Technician
from orchestrator.analytics.qualified import Qualified, job_moment, qualified_for
from orchestrator.analytics.visits import Visit, visits_from_events

__all__ = ["DayOutcomes", "MissedJob", "Outcome", "day_outcomes", "missed_jobs"]

Outcome = Literal["canceled", "no_show", "unqualified", "not_reached"]


@dataclass(frozen=True, slots=True)
class DayOutcomes:
    """Which jobs were completed, ended on hold, or canceled, from the records."""

    job_of: dict[str, str]
    """Appointment id → job id."""
    visits: list[Visit]
    completed: frozenset[str]
    no_show: frozenset[str]
    """Jobs whose visit ended on hold and that no later visit completed."""
    canceled: frozenset[str]
    canceled_appointments: frozenset[str]


@dataclass(frozen=True, slots=True)
class MissedJob:
    job_id: str
    job_type: str | None
    outcome: Outcome
    who: Qualified | None = None
    """Who could have done it that day (None when canceled, on hold, or never classified)."""

    @property
    def qualified(self) -> tuple[str, ...]:
        """Technicians on shift that day who held everything it needed (and were allowed)."""
        return self.who.technicians if self.who else ()

    @property
    def unmet(self) -> tuple[str, ...]:
        """What it needed that no technician on shift held."""
        return self.who.unmet if self.who else ()

    @property
    def needs(self) -> tuple[str, ...]:
        return self.who.needs if self.who else ()

    @property
    def designated(self) -> str | None:
        """The only technician the customer allows, if any."""
        return self.who.designated if self.who else None

    @property
    def designated_lacks(self) -> tuple[str, ...] | None:
        """What the designated technician lacked that day; None if they were not on shift."""
        return self.who.designated_lacks if self.who else None


def day_outcomes(
    jobs: Sequence[Job], appointments: Sequence[Appointment], events: Sequence[StatusEvent]
) -> DayOutcomes:
    """Completed, on-hold and canceled jobs (`appointments` may hold several versions)."""
    job_of = {a.external_id: a.job_id for a in appointments}
    visits = visits_from_events(events)
    completed = {
        job_of[v.appointment_id]
        for v in visits
        if v.outcome is Lifecycle.COMPLETED and v.appointment_id in job_of
    }
    held = {
        job_of[v.appointment_id]
        for v in visits
        if v.outcome is Lifecycle.ON_HOLD and v.appointment_id in job_of
    }
    canceled_appointments = frozenset(
        e.subject_id
        for e in events
        if e.status is Lifecycle.CANCELED and e.subject == "appointment"
    )
    canceled = {j.external_id for j in jobs if j.status is Lifecycle.CANCELED} | {
        job_of[a] for a in canceled_appointments if a in job_of
    }
    return DayOutcomes(
        job_of,
        visits,
        frozenset(completed),
        frozenset(held - completed),
        frozenset(canceled),
        canceled_appointments,
    )


def missed_jobs(
    jobs: Sequence[Job],
    appointments: Sequence[Appointment],
    events: Sequence[StatusEvent],
    technicians: Sequence[Technician],
    customers: Sequence[Customer] = (),
    outcomes: DayOutcomes | None = None,
) -> list[MissedJob]:
    """Every job without a completed visit, in the records' order, with its outcome."""
    day = outcomes or day_outcomes(jobs, appointments, events)
    designated = {c.external_id: c.designated_technician for c in customers}
    by_job: dict[str, list[Appointment]] = {}
    for a in appointments:
        by_job.setdefault(a.job_id, []).append(a)
    out: list[MissedJob] = []
    for job in jobs:
        jid = job.external_id
        if jid in day.completed:
            continue
        kind = job.classification.job_type if job.classification else None
        if jid in day.canceled:
            out.append(MissedJob(jid, kind, "canceled"))
            continue
        if jid in day.no_show:
            out.append(MissedJob(jid, kind, "no_show"))
            continue
        moment = job_moment(job, by_job.get(jid, ()))
        only = designated.get(job.customer_id or "")
        who = qualified_for(job, technicians, moment, only) if moment is not None else None
        outcome: Outcome = (
            "unqualified" if who is not None and not who.technicians else "not_reached"
        )
        out.append(MissedJob(jid, kind, outcome, who))
    return out
