"""Planning: canonical records of one day → an optimizer Problem → a Plan → assignments.

This is the one place that knows both worlds. Times become minutes from local midnight of the
service day; skills become what each technician holds *on that day* (expired certifications
drop out); jobs already under way are pinned; a window the customer was told is kept soft-hard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import optimizer as opt
from connectors.records import (
    Appointment,
    Customer,
    GeoPoint,
    Job,
    Lifecycle,
    Location,
    SlaTier,
    StatusEvent,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.settings import ObjectiveWeights
from orchestrator.sooner import SOONER_MARGIN
from orchestrator.staying_late import held_emergency_minutes
from orchestrator.store import PlannedAssignment

__all__ = [
    "DESIGNATED",
    "DayFrame",
    "TechnicianPosition",
    "DurationFn",
    "LunchRule",
    "PlanningInput",
    "build_problem",
    "plan_assignments",
    "preferences_passed_over",
    "technician_positions",
    "urgency_of",
    "weights_to_params",
]

DurationFn = Callable[[Job, Technician], int]
"""Routing minutes of a job for a technician (the duration model's quantile)."""

_SLA_PRIORITY = {SlaTier.PLATINUM: 4, SlaTier.GOLD: 2, SlaTier.STANDARD: 1}

DESIGNATED = "designated:"
"""Prefix of the skill that stands for a designated technician off shift: nobody holds it."""


@dataclass(frozen=True, slots=True)
class LunchRule:
    earliest: time = time(11, 30)
    latest: time = time(13, 30)
    minutes: int = 30


@dataclass(frozen=True, slots=True)
class DayFrame:
    """Converts between aware datetimes and the optimizer's minutes of one local day."""

    day: date
    zone: ZoneInfo

    @property
    def origin(self) -> datetime:
        return datetime.combine(self.day, time(0, 0), self.zone)

    def minutes(self, moment: datetime) -> int:
        # Elapsed minutes, through UTC: subtracting two times of one zone would ignore a
        # daylight-saving jump in between, and driving takes real minutes.
        elapsed = moment.astimezone(UTC) - self.origin.astimezone(UTC)
        return int(elapsed.total_seconds() // 60)

    def at(self, minutes: int) -> datetime:
        return (self.origin.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.zone)

    def clock(self, value: time) -> int:
        return value.hour * 60 + value.minute

    def current(self, window: TimeWindow | None) -> TimeWindow | None:
        """`window` unless it ended before this day began (an earlier day's, now spent)."""
        return window if window is not None and window.end >= self.origin else None


STILL_TO_GO = 0.25
"""A visit on site past its estimate is not about to end: it is expected to need this share of
the time already spent there again. (For durations spread like a lognormal of sigma 0.5, the
median time left once a visit has run 1.3 to 2 times its median is 0.3 to 0.2 of the time
spent.) Taking it as ending in ten minutes, re-plan after re-plan, kept an emergency waiting
for hours behind a visit running long rather than sending another technician."""


@dataclass(frozen=True, slots=True)
class TechnicianPosition:
    """Where a technician is during the day and when they are free to drive on."""

    point: GeoPoint
    free_at: datetime
    on_site: tuple[str, datetime] | None = None
    """(job id, since when) of the visit they are on, when they are on site."""
    idle: tuple[tuple[datetime, datetime], ...] = ()
    """Stretches of today when they were neither driving nor on site, up to now: from the end
    of a visit (or from the start of the day) to the next departure. A stretch as long as a
    lunch inside the lunch window is where they ate."""


def technician_positions(
    events: Iterable[StatusEvent],
    data: PlanningInput,
    on_site_minutes: Callable[[Job, Technician | None], float],
    *,
    now: datetime,
    zone: ZoneInfo,
) -> dict[str, TechnicianPosition]:
    """Where each technician is at `now` and when they are free, from today's status events.

    On site: there, free when `on_site_minutes` says the visit ends, and not sooner than
    `STILL_TO_GO` of the time already on site from now (at least ten minutes). After a visit
    (completed, on hold, canceled): there, free now. Driving to a visit: where they set out
    from (their last visit, or home), free since they left, so the drive is counted from
    then and not restarted at each re-plan; turned back by a cancellation: there, free now;
    reported done with no arrival seen: at that visit, free now.
    Technicians with no event today are absent: their day starts from home.
    Each position also holds the technician's idle stretches so far today (`idle`).
    """
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, time(0), zone)
    free_since: dict[str, datetime] = {}  # technician -> when their idle stretch began
    idle: dict[str, list[tuple[datetime, datetime]]] = {}
    appointments = {a.external_id: a for a in data.appointments}
    jobs = {j.external_id: j for j in data.jobs}
    techs = {t.external_id: t for t in data.technicians}
    out: dict[str, TechnicianPosition] = {}
    driving_to: dict[str, str] = {}  # technician -> the appointment they set out for
    for event in sorted(events, key=lambda e: e.occurred_at):  # the last one per technician wins
        if event.occurred_at > now or event.occurred_at.astimezone(zone).date() != today:
            continue  # each day starts from home
        tech_id = event.technician_id
        appointment = appointments.get(event.subject_id)
        if tech_id is None or appointment is None:
            continue
        job = jobs.get(appointment.job_id)
        location = data.locations.get(job.location_id or "") if job else None
        if job is None or location is None or location.point is None:
            continue
        if event.status is Lifecycle.EN_ROUTE:
            since = free_since.pop(tech_id, None if tech_id in out else day_start)
            if since is not None:
                idle.setdefault(tech_id, []).append((since, event.occurred_at))
            tech = techs.get(tech_id)
            here = out[tech_id].point if tech_id in out else tech.home if tech else None
            if here is not None:
                out[tech_id] = TechnicianPosition(here, event.occurred_at)
                driving_to[tech_id] = event.subject_id
        elif event.status is Lifecycle.ON_SITE:
            driving_to.pop(tech_id, None)
            free_since.pop(tech_id, None)  # got there unseen leaving: that stretch had a drive
            minutes = on_site_minutes(job, techs.get(tech_id))
            still = max(timedelta(minutes=10), (now - event.occurred_at) * STILL_TO_GO)
            free = max(event.occurred_at + timedelta(minutes=minutes), now + still)
            there = (job.external_id, event.occurred_at)
            out[tech_id] = TechnicianPosition(location.point, free, there)
        elif event.status in (Lifecycle.COMPLETED, Lifecycle.ON_HOLD, Lifecycle.CANCELED):
            setting_out = driving_to.get(tech_id)
            if setting_out is not None:
                if event.status is not Lifecycle.CANCELED:  # got there, unreported: there
                    del driving_to[tech_id]
                    out[tech_id] = TechnicianPosition(location.point, now)
                    free_since[tech_id] = event.occurred_at
                elif setting_out == event.subject_id:  # turned back: where they left, now
                    del driving_to[tech_id]
                    out[tech_id] = TechnicianPosition(out[tech_id].point, now)
                    free_since[tech_id] = event.occurred_at
                continue  # another of their visits canceled: still on the road
            if tech_id in out and out[tech_id].point != location.point:
                continue  # canceled elsewhere while here
            out[tech_id] = TechnicianPosition(location.point, now)
            free_since.setdefault(tech_id, event.occurred_at)  # idle already: since then
    for tech_id, since in free_since.items():
        idle.setdefault(tech_id, []).append((since, now))
    return {
        tech_id: replace(position, idle=tuple(idle.get(tech_id, ())))
        for tech_id, position in out.items()
    }


@dataclass(frozen=True, slots=True)
class PlanningInput:
    technicians: Sequence[Technician]
    jobs: Sequence[Job]
    appointments: Sequence[Appointment]
    customers: Mapping[str, Customer]
    locations: Mapping[str, Location]
    positions: Mapping[str, TechnicianPosition] = field(default_factory=dict)
    """During the day: technicians' current positions (the rest start from home)."""


def weights_to_params(weights: ObjectiveWeights) -> opt.ObjectiveParams:
    return opt.ObjectiveParams(
        drive_minute=weights.drive_minute,
        unassigned_emergency=weights.unassigned_emergency,
        unassigned_same_day=weights.unassigned_same_day,
        unassigned_scheduled=weights.unassigned_scheduled,
        unassigned_work_minute=weights.unassigned_work_minute,
        balance=weights.balance,
        lateness_minute=weights.lateness_minute,
        emergency_start_minute=weights.emergency_start_minute,
        preferred_tech_broken=weights.preferred_tech_broken,
        compactness=weights.compactness,
        overtime_minute=weights.overtime_minute,
        churn_moved_stop=weights.churn_moved_stop,
        skill_reserve_minute=weights.skill_reserve_minute,
        long_job_start_minute=weights.long_job_start_minute,
        long_job_minutes=weights.long_job_minutes,
    )


def _shift_minutes(tech: Technician, frame: DayFrame) -> tuple[int, int] | None:
    """The technician's working span that day, less time off; None when not working."""
    day_start, day_end = frame.origin, frame.origin + timedelta(days=1)
    spans = [s for s in tech.shifts if s.start < day_end and s.end > day_start]
    if not spans:
        return None
    start = max(min(s.start for s in spans), day_start)
    end = min(max(s.end for s in spans), day_end)
    for off in tech.time_off:
        if off.start <= start and off.end >= end:
            return None
        if off.start <= start < off.end:
            start = off.end
        elif off.start < end <= off.end:
            end = off.start
    if end <= start:
        return None
    return frame.minutes(start), frame.minutes(end)


def shift_left(technicians: Iterable[Technician], frame: DayFrame, now: datetime) -> bool:
    """Whether any active technician still has working time on the frame's day after `now`."""
    now_minute = frame.minutes(now)
    for tech in technicians:
        span = _shift_minutes(tech, frame) if tech.active else None
        if span is not None and span[1] > now_minute:
            return True
    return False


def urgency_of(job: Job) -> Urgency:
    """The job's urgency: its classification's, else the platform's, else scheduled."""
    if job.classification is not None:
        return job.classification.urgency
    return job.urgency or Urgency.SCHEDULED


def _window(window: TimeWindow, frame: DayFrame, *, hard: bool) -> opt.Window:
    return opt.Window(frame.minutes(window.start), frame.minutes(window.end), hard=hard)


def _lunch_break(
    lunch: LunchRule,
    frame: DayFrame,
    position: TechnicianPosition | None,
    *,
    on_shift: int,
    start: int,
    now_minute: int | None,
    driving: bool,
    last: int,
) -> opt.Break | None:
    """The lunch still ahead of a technician on shift from minute `on_shift` and free from
    `start`, if any.

    Planned ahead of the day: in the lunch window. During it, from what they did so far:
    - an idle stretch of lunch length inside the window (or after it): they ate, none is left;
    - on the road: they eat after the visit they drive to, even past the window's end;
    - busy through the whole window (a visit running long): they eat as soon as they are free,
      before the next drive, as a technician owed a meal break does;
    - not seen today and the window behind them: none is planned.
    """
    earliest, latest = frame.clock(lunch.earliest), frame.clock(lunch.latest)
    if now_minute is None:
        return opt.Break(earliest, latest, lunch.minutes)
    opens = max(earliest, on_shift)
    if position is not None and _ate(position.idle, frame, opens, lunch.minutes):
        return None
    if driving:
        earliest = max(earliest, now_minute + 1)
        return opt.Break(earliest, max(latest, last, earliest), lunch.minutes)
    free = max(start, now_minute)
    if latest < free:
        return None if position is None else opt.Break(free, free, lunch.minutes)
    return opt.Break(earliest, latest, lunch.minutes)


def _with_room(lunch: opt.Break | None, start: int, last: int) -> opt.Break | None:
    """`lunch`, or None when it cannot fall between `start` and `last`: a shift cut short (time
    off from mid-morning, say) or a drive that ends the day leaves none to plan (the optimizer
    would warn and ignore it)."""
    if lunch is None or lunch.latest < start or lunch.earliest + lunch.minutes > last:
        return None
    return lunch


def _ate(
    stretches: Iterable[tuple[datetime, datetime]], frame: DayFrame, opens: int, minutes: int
) -> bool:
    """Whether one of the idle stretches holds a lunch: `minutes` from minute `opens` on."""
    return any(
        frame.minutes(until) - max(frame.minutes(since), opens) >= minutes
        for since, until in stretches
    )


def build_problem(
    data: PlanningInput,
    *,
    frame: DayFrame,
    weights: ObjectiveWeights,
    durations: DurationFn,
    now: datetime | None = None,
    lunch: LunchRule = LunchRule(),
    overtime_minutes: int = 60,
    drive_home_in_shift: bool = False,
    previous: Mapping[str, str] | None = None,
    promised_windows_hard: bool = True,
    leave_after_shift: bool = True,
    emergencies_sooner: bool = True,
    arrival_margin_minutes: int = 0,
) -> opt.Problem:
    """The day's problem: active technicians on shift, open jobs with their constraints.

    Technicians start and end the day at home. Unless `drive_home_in_shift`, the drive home is
    their commute: the shift and `overtime_minutes` bound the end of the last visit. Without
    `leave_after_shift`, nobody sets out for a visit after their shift ends: overtime finishes
    the visit at hand.

    With `promised_windows_hard=False` a promised arrival window may be missed at the lateness
    cost: late beats never during the day, when a visit already ran long.

    With `emergencies_sooner` an emergency booked into a later window may be reached before it
    during the day (`orchestrator/sooner.py`); without, it waits for the window like any visit.

    With `arrival_margin_minutes`, a start in the last minutes of a promised window already costs
    what a start outside it does (`told_window_minute`, not lateness): of two plans that keep a
    promise, the one that leaves room for the visits before it to run long is cheaper.
    """
    now_minute = frame.minutes(now) if now is not None else None
    driving = {
        tech_id
        for a in data.appointments
        if a.status is Lifecycle.EN_ROUTE and not a.deleted
        for tech_id in a.technician_ids
    }
    # Who took an emergency today may stay late by its minutes (`staying_late.py`).
    held = held_emergency_minutes(
        data.appointments,
        {job.external_id: job for job in data.jobs},
        {tech.external_id: tech for tech in data.technicians},
        (frame.origin, frame.origin + timedelta(days=1)),
        durations,
        urgency_of,
    )
    techs: list[opt.Technician] = []
    by_id: dict[str, Technician] = {}
    for tech in data.technicians:
        allowance = overtime_minutes + held.get(tech.external_id, 0)
        span = _shift_minutes(tech, frame)
        if not tech.active or span is None or tech.home is None:
            continue
        start, end = span
        if now_minute is not None and end <= now_minute:
            continue
        # Unless they may, nobody sets out for another visit once the shift has ended (at
        # its last minute, they are not leaving): overtime finishes the visit at hand.
        last_departure = None if leave_after_shift else end - 1
        home = opt.Point(tech.home.lat, tech.home.lon)
        here = home
        position = data.positions.get(tech.external_id)
        if position is not None:
            here = opt.Point(position.point.lat, position.point.lon)
            start = max(start, frame.minutes(position.free_at))
            if start >= end + allowance:
                continue
            end = max(end, start + 1)
        elif now_minute is not None and tech.external_id not in driving:
            # Not seen anywhere today and not on the road: they leave home now at the earliest.
            start = max(start, now_minute)
        lunch_break = _with_room(
            _lunch_break(
                lunch,
                frame,
                position,
                on_shift=span[0],
                start=start,
                now_minute=now_minute,
                driving=tech.external_id in driving,
                last=end + allowance,
            ),
            start,
            end + allowance,
        )
        techs.append(
            opt.Technician(
                id=tech.external_id,
                start=here,
                end=home,
                shift_start=start,
                shift_end=end,
                skills=tech.qualifications_on(frame.day),
                equipment=tech.equipment,
                lunch=lunch_break,
                overtime_minutes=allowance,
                commute_home=not drive_home_in_shift,
                last_departure=last_departure,
            )
        )
        by_id[tech.external_id] = tech
    appointments: dict[str, Appointment] = {}
    finished: set[str] = set()
    for appointment in data.appointments:
        if appointment.deleted:
            continue
        if appointment.status is Lifecycle.COMPLETED:
            # The visit is done even if the job record has not caught up yet.
            finished.add(appointment.job_id)
        elif appointment.status is not Lifecycle.CANCELED:
            appointments.setdefault(appointment.job_id, appointment)
    heads = _heads(appointments.values())
    jobs: list[opt.Job] = []
    for job in data.jobs:
        if job.deleted or job.status.is_terminal or job.status is Lifecycle.ON_HOLD:
            continue
        if job.external_id in finished:
            continue
        booked_now = appointments.get(job.external_id)
        if booked_now is not None and booked_now.status is Lifecycle.ON_SITE:
            continue  # under way: its technician's position and free time account for it
        location = data.locations.get(job.location_id or "")
        if location is None or location.point is None:
            continue
        booked = appointments.get(job.external_id)
        converted = _job(
            job,
            booked,
            location,
            data.customers.get(job.customer_id or ""),
            frame,
            durations,
            by_id,
            now_minute,
            promised_windows_hard,
            head=booked is not None and booked.external_id in heads,
            sooner=emergencies_sooner,
        )
        if converted is not None:
            jobs.append(converted)
    known = {t.id for t in techs}
    jobs = [_drop_unknown_refs(j, known) for j in jobs]
    return opt.Problem(
        technicians=tuple(techs),
        jobs=tuple(jobs),
        params=replace(weights_to_params(weights), told_margin_minutes=arrival_margin_minutes),
        previous={k: v for k, v in (previous or {}).items() if v in known},
    )


def _heads(appointments: Iterable[Appointment]) -> set[str]:
    """Per technician, the appointment they are driving to (the earliest scheduled, should the
    platform show two)."""
    best: dict[str, tuple[datetime, str]] = {}
    for a in appointments:
        if a.status is not Lifecycle.EN_ROUTE or not a.technician_ids:
            continue
        rank = (
            a.window.start if a.window is not None else datetime.max.replace(tzinfo=UTC),
            a.external_id,
        )
        tech = a.technician_ids[0]
        if tech not in best or rank < best[tech]:
            best[tech] = rank
    return {rank[1] for rank in best.values()}


def _job(
    job: Job,
    appointment: Appointment | None,
    location: Location,
    customer: Customer | None,
    frame: DayFrame,
    durations: DurationFn,
    techs: Mapping[str, Technician],
    now_minute: int | None,
    promised_hard: bool = True,
    *,
    head: bool = False,
    sooner: bool = True,
) -> opt.Job | None:
    assert location.point is not None
    classification = job.classification
    skills = classification.skills if classification else frozenset()
    equipment = classification.equipment if classification else frozenset()
    minutes_by_tech = {tech_id: max(1, durations(job, tech)) for tech_id, tech in techs.items()}
    typical = sorted(minutes_by_tech.values())[len(minutes_by_tech) // 2] if minutes_by_tech else 60
    windows: tuple[opt.Window, ...] = ()
    told: opt.Window | None = None
    pin: opt.Pin | None = None
    anytime = False  # reached whenever the technician gets there: no window to keep
    if appointment is not None:
        arrival = frame.current(appointment.arrival_window)
        promised = arrival or frame.current(appointment.window)
        # A visit booked for an earlier day that never happened is booked again: no window,
        # and nobody is committed to it any more.
        missed = promised is None and (appointment.arrival_window or appointment.window)
        if promised is not None:
            if promised.start >= frame.origin + timedelta(days=1):
                return None  # a later day's appointment
            windows = (_window(promised, frame, hard=promised_hard),)
            told = _window(promised, frame, hard=False) if arrival else None
        status = appointment.status
        if status.is_started and appointment.technician_ids and not missed:
            # Dispatched or driving there: it stays with its technician. The one they are
            # driving to stays their next stop and is reached whenever the drive ends; one only
            # loaded on their app keeps its window and may wait behind an emergency.
            pin = opt.Pin(appointment.technician_ids[0], sequence=0 if head else None)
            if head or status is not Lifecycle.DISPATCHED:
                anytime = True
                windows = ()
                if now_minute is not None:
                    windows = (opt.Window(now_minute, now_minute + 24 * 60, hard=True),)
            else:  # committed: better late than dropped
                windows = tuple(opt.Window(w.start, w.end, hard=False) for w in windows)
    if sooner and now_minute is not None and not anytime and urgency_of(job) is Urgency.EMERGENCY:
        # An emergency is reached as soon as possible, even before the window it was booked
        # into: reached early enough, its promise is brought forward and the customer told
        # (`sooner`); a few minutes early, the technician would only wait at the door.
        margin = int(SOONER_MARGIN.total_seconds() // 60)
        windows = tuple(
            w
            for window in windows
            for w in (
                (opt.Window(now_minute, window.start - margin, window.hard), window)
                if window.start - margin > now_minute
                else (window,)
            )
        )
        if told is not None and told.end >= now_minute:
            told = opt.Window(min(told.start, now_minute), told.end, hard=False)
    if now_minute is not None and not anytime:
        # Nothing not yet started can start in the past.
        windows = tuple(
            opt.Window(max(w.start, now_minute), w.end, w.hard)
            for w in windows
            if w.end >= now_minute
        ) or ((opt.Window(now_minute, now_minute + 24 * 60, hard=True),) if not windows else ())
        if not windows:
            # Its promised window is already over: still serve it, as early as possible.
            windows = (opt.Window(now_minute, now_minute + 24 * 60, hard=False),)
    designated = customer.designated_technician if customer else None
    preferred = frozenset(customer.preferred_technicians) if customer else frozenset()
    return opt.Job(
        id=job.external_id,
        location=opt.Point(location.point.lat, location.point.lon),
        service_minutes=typical,
        windows=windows,
        skills=frozenset(skills),
        equipment=frozenset(equipment),
        urgency=urgency_of(job).value,
        priority=_SLA_PRIORITY[job.sla.tier],
        designated=designated,
        preferred=preferred,
        pin=pin,
        told_window=told,
        service_minutes_by_technician=minutes_by_tech,
    )


def _drop_unknown_refs(job: opt.Job, known: set[str]) -> opt.Job:
    """A preferred technician who is off today is no preference; a designated one still binds."""
    from dataclasses import replace

    preferred = frozenset(t for t in job.preferred if t in known)
    pin = job.pin if job.pin is None or job.pin.technician in known else None
    designated = job.designated if job.designated in known else None
    if job.designated is not None and designated is None:
        # Keep the job but nobody may serve it: the plan reports it unassigned with that reason.
        return replace(
            job,
            preferred=preferred,
            pin=pin,
            designated=None,
            skills=job.skills | {DESIGNATED + job.designated},
        )
    return replace(job, preferred=preferred, pin=pin, designated=designated)


def plan_assignments(
    plan: opt.Plan, frame: DayFrame, appointments: Iterable[Appointment] = ()
) -> list[PlannedAssignment]:
    """The plan's stops as store assignments, with aware times."""
    by_job = {a.job_id: a.external_id for a in appointments}
    out = []
    for route in plan.routes:
        for sequence, stop in enumerate(route.stops):
            out.append(
                PlannedAssignment(
                    job_external_id=stop.job_id,
                    technician_external_id=route.technician_id,
                    sequence=sequence,
                    planned_start=frame.at(stop.start),
                    planned_end=frame.at(stop.end),
                    appointment_external_id=by_job.get(stop.job_id),
                )
            )
    return out


def preferences_passed_over(
    plan: opt.Plan, problem: opt.Problem
) -> list[tuple[str, str, str, str]]:
    """(job, preferred technicians, planned technician, why) for every planned job whose
    customer's preferred technician does not do it: the calls a coordinator may want to make."""
    jobs = {job.id: job for job in problem.jobs}
    rows = []
    for route in plan.routes:
        for stop in route.stops:
            job = jobs.get(stop.job_id)
            if job is None or not job.preferred or route.technician_id in job.preferred:
                continue
            why = next(
                (p for p in stop.explanation.split("; ") if p.startswith("preferred technician")),
                "",
            )
            rows.append((job.id, ", ".join(sorted(job.preferred)), route.technician_id, why))
    return rows
