"""Dispatch KPIs computed from recorded canonical records, so real accounts report the same way.

Inputs are what the store keeps of a day: jobs (with the classification that says what each job
needed, and its urgency), every recorded version of each appointment, the platform's status
events, technicians (shifts, time off, skills) and customers (preferred technicians).

Definitions
- jobs_total: jobs that existed; jobs_completed: jobs with a *completed* visit; jobs_canceled,
  jobs_no_show (a visit ended *on hold*); jobs_unqualified: jobs not completed, canceled or on
  hold that no technician on shift that day held every skill and piece of equipment for, or
  whose customer's designated technician (the only one allowed) was off or lacked some (see
  `missed.py`, which lists every job not completed with its outcome).
- visit: an appointment's *on_site* event and the *completed* / *on_hold* event after it.
- utilization: on-site minutes ÷ shift minutes (shifts minus time off).
- drive_minutes: from *en_route* to *on_site*, summed over visits.
- on_time_rate: arrivals inside the first arrival window promised to the customer (the window of
  the first recorded appointment version that had one; moving it later does not make a late
  arrival on time), over the arrivals that had a promise. `promised_not_visited` counts promises
  never kept by any arrival (canceled jobs excluded).
- emergency_response_minutes: from the ticket's creation to the first arrival, for jobs whose
  urgency is *emergency*; p50, p90 and the count never reached.
- overtime_minutes: for each shift, how long after its end the technician's last visit ended.
- preferred_tech_kept_rate: completed visits to customers with preferred technicians made by
  one of them, over all such visits.
- preferred_tech_kept_when_qualified_rate: the same, over the visits whose first preferred
  technician held every skill and piece of equipment the job needed that day: a dispatcher
  who completes a job the preferred technician could not do is not counted as breaking it.
- wrong_skill_dispatches / wrong_equipment_dispatches: technician × appointment pairs that went
  at least *dispatched*, where the technician lacked a skill (certifications valid that day; a
  master electrician covers journeyman work) or equipment the job needed.
- double_bookings: technician × appointment pairs that, at the end of some instant, were both
  assigned to the same technician, not yet started, with overlapping scheduled windows; plus
  pairs of visits of one technician that overlapped in time; plus appointments two technicians
  went to at once.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from connectors.records import (
    Appointment,
    Customer,
    Job,
    Lifecycle,
    StatusEvent,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.analytics.arrivals import promised_arrivals
from orchestrator.analytics.missed import day_outcomes, missed_jobs
from orchestrator.analytics.qualified import held_on, open_minutes
from orchestrator.analytics.visits import Visit, recorded_order, visits_from_events

__all__ = [
    "Kpis",
    "PreferredVisit",
    "compute_kpis",
    "preferred_visits",
]

_LIVE = (Lifecycle.DISPATCHED, Lifecycle.EN_ROUTE, Lifecycle.ON_SITE)


@dataclass(frozen=True, slots=True)
class PreferredVisit:
    """A completed visit to a customer who prefers some technicians."""

    job_id: str
    preferred: tuple[str, ...]
    technician_id: str
    lacking: tuple[str, ...] = ()
    """What the first preferred technician lacked of the job's skills and equipment that day
    (empty if they had it all, or are unknown)."""

    @property
    def kept(self) -> bool:
        return self.technician_id in self.preferred


@dataclass(frozen=True, slots=True)
class Kpis:
    """One day (or period) of dispatch, measured. Rates are fractions in [0, 1] or None."""

    jobs_total: int
    jobs_completed: int
    jobs_canceled: int
    jobs_no_show: int
    jobs_unqualified: int
    """Jobs not completed that no technician on shift that day was qualified for."""
    utilization: float
    on_site_minutes: float
    shift_minutes: float
    drive_minutes: float
    on_time_rate: float | None
    on_time_arrivals: int
    promised_arrivals: int
    promised_not_visited: int
    emergency_jobs: int
    emergency_response_minutes_p50: float | None
    emergency_response_minutes_p90: float | None
    emergencies_unreached: int
    overtime_minutes: float
    preferred_tech_kept_rate: float | None
    preferred_tech_kept_when_qualified_rate: float | None
    wrong_skill_dispatches: int
    wrong_equipment_dispatches: int
    double_bookings: int

    def to_json(self) -> dict[str, float | int | None]:
        """Plain JSON values; floats rounded to 4 decimals."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _percentile(values: Sequence[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _overlap(a: TimeWindow, b: TimeWindow) -> bool:
    return a.start < b.end and b.start < a.end


def _urgency(job: Job) -> Urgency | None:
    if job.urgency is not None:
        return job.urgency
    return job.classification.urgency if job.classification else None


def _shift_minutes(tech: Technician) -> float:
    return sum(max(0.0, open_minutes(tech, shift)) for shift in tech.shifts)


def _double_bookings(appointments: Sequence[Appointment], visits: Sequence[Visit]) -> int:
    pairs: set[tuple[str, str, str]] = set()
    current: dict[str, Appointment] = {}
    ordered = recorded_order(appointments)
    for i, version in enumerate(ordered):
        current[version.external_id] = version
        instant_over = i + 1 == len(ordered) or ordered[i + 1].modified_at != version.modified_at
        if not instant_over:
            continue
        by_tech: dict[str, list[Appointment]] = defaultdict(list)
        for a in current.values():
            if a.window is not None and a.status in (Lifecycle.SCHEDULED, Lifecycle.DISPATCHED):
                for tid in a.technician_ids:
                    by_tech[tid].append(a)
        for tid, booked in by_tech.items():
            booked.sort(key=lambda a: a.window.start)  # type: ignore[union-attr]
            for j, a in enumerate(booked):
                for b in booked[j + 1 :]:
                    if b.window.start >= a.window.end:  # type: ignore[union-attr]
                        break
                    pairs.add((tid, *sorted((a.external_id, b.external_id))))  # type: ignore[arg-type]
    by_tech_visits: dict[str, list[Visit]] = defaultdict(list)
    for v in visits:
        by_tech_visits[v.technician_id].append(v)
    for tid, own in by_tech_visits.items():
        for j, first in enumerate(own):
            for second in own[j + 1 :]:
                if first.ended_at is None or second.arrived_at < first.ended_at:
                    x, y = sorted((first.appointment_id, second.appointment_id))
                    pairs.add((tid, x, y))
    by_appointment: dict[str, list[Visit]] = defaultdict(list)
    for v in visits:
        by_appointment[v.appointment_id].append(v)
    for appointment_id, crew in by_appointment.items():
        for j, first in enumerate(crew):
            for second in crew[j + 1 :]:
                if first.ended_at is None or second.arrived_at < first.ended_at:
                    pairs.add(
                        ("*", appointment_id, f"{first.technician_id}+{second.technician_id}")
                    )
    return len(pairs)


def preferred_visits(
    jobs: Sequence[Job],
    appointments: Sequence[Appointment],
    events: Sequence[StatusEvent],
    technicians: Sequence[Technician],
    customers: Sequence[Customer],
) -> list[PreferredVisit]:
    """The completed visits behind `preferred_tech_kept_rate`, in order of arrival: a report
    lists the ones not kept beside the rate."""
    job_of = {a.external_id: a.job_id for a in appointments}
    return _preferred_visits(
        visits_from_events(events),
        job_of,
        {j.external_id: j for j in jobs},
        {t.external_id: t for t in technicians},
        {c.external_id: c for c in customers},
    )


def _preferred_visits(
    visits: Sequence[Visit],
    job_of: dict[str, str],
    jobs: dict[str, Job],
    techs: dict[str, Technician],
    customers: dict[str, Customer],
) -> list[PreferredVisit]:
    out = []
    for v in visits:
        if v.outcome is not Lifecycle.COMPLETED:
            continue
        job = jobs.get(job_of.get(v.appointment_id, ""))
        customer = customers.get(job.customer_id or "") if job else None
        if job is None or customer is None or not customer.preferred_technicians:
            continue
        preferred = tuple(customer.preferred_technicians)
        first = techs.get(preferred[0])
        lacking: tuple[str, ...] = ()
        if (
            first is not None
            and job.classification is not None
            and v.technician_id not in preferred
        ):
            needs = job.classification.skills | job.classification.equipment
            lacking = tuple(sorted(needs - held_on(first, v.arrived_at) - first.equipment))
        out.append(PreferredVisit(job.external_id, preferred, v.technician_id, lacking))
    return out


def compute_kpis(
    jobs: Sequence[Job],
    appointments: Sequence[Appointment],
    events: Sequence[StatusEvent],
    technicians: Sequence[Technician],
    customers: Sequence[Customer] = (),
) -> Kpis:
    """Measure a day from its records (see the module docstring for each definition).

    `appointments` may hold several versions of one appointment; the latest by `modified_at`
    (then by position) is its final state, the earliest with an arrival window is the promise.
    """
    techs = {t.external_id: t for t in technicians}
    jobs_by_id = {j.external_id: j for j in jobs}
    customer_by_id = {c.external_id: c for c in customers}
    versions = recorded_order(appointments)
    promise = {a.external_id for a in versions if a.arrival_window is not None}
    day = day_outcomes(jobs, versions, events)
    job_of, visits = day.job_of, day.visits
    canceled_jobs, canceled_appointments = day.canceled, day.canceled_appointments
    missed = missed_jobs(jobs, versions, events, technicians, customers, day)

    arrivals = promised_arrivals(versions, events, visits)
    on_time = sum(a.on_time for a in arrivals)
    first_arrival = {v.appointment_id for v in visits}
    not_visited = sum(
        1 for a in promise if a not in first_arrival and a not in canceled_appointments
        and job_of.get(a) not in canceled_jobs
    )  # fmt: skip

    job_first_arrival: dict[str, datetime] = {}
    for v in visits:
        job_id = job_of.get(v.appointment_id)
        if job_id is not None:
            job_first_arrival.setdefault(job_id, v.arrived_at)
    emergencies = [j for j in jobs if _urgency(j) is Urgency.EMERGENCY]
    responses = [
        (job_first_arrival[j.external_id] - j.created_at).total_seconds() / 60
        for j in emergencies
        if j.external_id in job_first_arrival and j.created_at is not None
    ]
    unreached = sum(
        1
        for j in emergencies
        if j.external_id not in job_first_arrival and j.external_id not in canceled_jobs
    )

    overtime = 0.0
    last_end: dict[str, list[datetime]] = defaultdict(list)
    for v in visits:
        if v.ended_at is not None:
            last_end[v.technician_id].append(v.ended_at)
    for tid, ends in last_end.items():
        tech = techs.get(tid)
        if tech is None:
            continue
        for shift in tech.shifts:
            same_day = [e for e in ends if shift.start <= e < shift.start + timedelta(hours=24)]
            if same_day:
                overtime += max(0.0, (max(same_day) - shift.end).total_seconds() / 60)

    preferring = _preferred_visits(visits, job_of, jobs_by_id, techs, customer_by_id)
    with_preference, kept = len(preferring), sum(v.kept for v in preferring)
    keepable = sum(not v.lacking for v in preferring)

    wrong_skill = wrong_equipment = 0
    dispatched: dict[tuple[str, str], datetime] = {}
    for e in events:
        if e.subject == "appointment" and e.technician_id and e.status in _LIVE:
            dispatched.setdefault((e.subject_id, e.technician_id), e.occurred_at)
    for (appointment_id, tid), moment in dispatched.items():
        job = jobs_by_id.get(job_of.get(appointment_id, ""))
        tech = techs.get(tid)
        if job is None or tech is None or job.classification is None:
            continue
        wrong_skill += not job.classification.skills <= held_on(tech, moment)
        wrong_equipment += not job.classification.equipment <= tech.equipment

    on_site = sum(v.on_site_minutes for v in visits)
    shift_minutes = sum(_shift_minutes(t) for t in technicians)
    return Kpis(
        jobs_total=len(jobs),
        jobs_completed=len(day.completed),
        jobs_canceled=len(canceled_jobs),
        jobs_no_show=len(day.no_show),
        jobs_unqualified=sum(m.outcome == "unqualified" for m in missed),
        utilization=on_site / shift_minutes if shift_minutes else 0.0,
        on_site_minutes=on_site,
        shift_minutes=shift_minutes,
        drive_minutes=sum(v.drive_minutes for v in visits),
        on_time_rate=on_time / len(arrivals) if arrivals else None,
        on_time_arrivals=on_time,
        promised_arrivals=len(arrivals),
        promised_not_visited=not_visited,
        emergency_jobs=len(emergencies),
        emergency_response_minutes_p50=statistics.median(responses) if responses else None,
        emergency_response_minutes_p90=_percentile(responses, 0.9),
        emergencies_unreached=unreached,
        overtime_minutes=overtime,
        preferred_tech_kept_rate=kept / with_preference if with_preference else None,
        preferred_tech_kept_when_qualified_rate=kept / keepable if keepable else None,
        wrong_skill_dispatches=wrong_skill,
        wrong_equipment_dispatches=wrong_equipment,
        double_bookings=_double_bookings(versions, visits),
    )
