"""The sandbox FSM: a simulated platform behind the connector protocol, with its own clock.

It serves a scenario's technicians, customers, locations, jobs and appointments as canonical
records, accepts assignments and window changes (with the same conflict check a real platform
makes), and plays the day when its clock is advanced:

- a technician works the appointments assigned to them in order of scheduled start. When free,
  they take the next one (status *dispatched*), leave so as to arrive at its scheduled start
  (*en_route*), drive the true travel time, wait at the curb if early for the promised arrival
  window, and knock (*on_site*); the visit lasts its true duration, overrun included
  (*completed*), or ten minutes when nobody is home (*on_hold*);
- lunch is taken between its earliest and latest time, in a gap when there is one, otherwise
  as soon as the technician is free after the latest time;
- no new drive starts at or after the end of the shift; work in progress is finished;
- scenario events appear at their clock time: new tickets, cancellations (a technician driving
  to a canceled job turns back), technicians called away (they finish the visit in progress).

Every change is announced by a signed webhook delivery (see `connectors.sandbox.webhooks`), and
every transition is a `StatusEvent`. What only the simulator knows (true durations, who is home,
each technician's true position and activities) stays in this object; the referee reads it
through `truth_jobs()` and `activities()`, never through the connector protocol.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from connectors.errors import NotFoundError, RequestRejectedError, WriteConflictError
from connectors.protocol import ChangeHint, WriteResult
from connectors.records import (
    Appointment,
    Certification,
    Customer,
    GeoPoint,
    Job,
    Lifecycle,
    Location,
    Record,
    Shift,
    Sla,
    StatusEvent,
    Technician,
    TimeOff,
    TimeWindow,
)
from connectors.sandbox import webhooks
from connectors.sandbox.errors import SimulationError
from connectors.sandbox.scenario import (
    CancelEvent,
    LunchRule,
    NewJobEvent,
    OverrunEvent,
    Scenario,
    ScenarioJob,
    TechUnavailableEvent,
)
from connectors.sandbox.travel import TrueTravel
from connectors.sandbox.truth import true_classification

__all__ = ["Activity", "Delivery", "SandboxFSM"]

R = TypeVar("R", bound=Record)
NO_SHOW_WAIT = timedelta(minutes=10)
PAGE_SIZE = 50

ActivityKind = Literal["drive", "wait", "work", "no_show", "lunch", "unavailable", "home"]


@dataclass(frozen=True, slots=True)
class Activity:
    """One stretch of a technician's real day, as the simulator played it."""

    technician_id: str
    kind: ActivityKind
    start: datetime
    end: datetime
    appointment_id: str | None = None
    origin: tuple[float, float] | None = None
    destination: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outgoing webhook: headers and raw body, as the platform would POST them."""

    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class _Crew:
    id: str
    speed_factor: float
    home: tuple[float, float]
    position: tuple[float, float]
    state: str = "off"  # off, idle, waiting, driving, on_site, lunch, unavailable, home
    appointment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    origin: tuple[float, float] | None = None
    token: int = 0
    legs: int = 0
    lunched: set[int] = field(default_factory=set)
    unavailable_until: datetime | None = None


class SandboxFSM:
    """A simulated field-service platform for one scenario; implements `Connector`.

    Args:
        scenario: the day to simulate.
        account: the account name its records carry.
        webhook_secret: key of the webhook signatures (read from the environment by callers).
    """

    platform = "sandbox"

    def __init__(
        self, scenario: Scenario, *, account: str = "sandbox", webhook_secret: bytes = b""
    ) -> None:
        self.account = account
        self._scenario = scenario
        self._secret = webhook_secret
        self._travel = TrueTravel(scenario.travel, seed=scenario.name)
        self._zone = scenario.zone
        first_shift = min(t.shift.start for t in scenario.technicians)
        self._start = scenario.at(first_shift) - timedelta(minutes=30)
        self._now = self._start
        self._seq = itertools.count()
        self._event_seq = itertools.count(1)
        self._timers: list[tuple[datetime, int, str, str, int]] = []
        self._technicians: dict[str, Technician] = {}
        self._customers: dict[str, Customer] = {}
        self._locations: dict[str, Location] = {}
        self._jobs: dict[str, Job] = {}
        self._appointments: dict[str, Appointment] = {}
        self._appointment_versions: list[Appointment] = []
        self._events: list[StatusEvent] = []
        self._outbox: list[Delivery] = []
        self._activities: list[Activity] = []
        self._scenario_jobs: dict[str, ScenarioJob] = {j.id: j for j in scenario.all_jobs()}
        self._extra: dict[str, int] = {}
        self._ignored: list[str] = []
        self._profiles = {t.id: t for t in scenario.technicians}
        self._crews = {
            t.id: _Crew(
                t.id, t.truth.speed_factor, (t.home.lat, t.home.lon), (t.home.lat, t.home.lon)
            )
            for t in scenario.technicians
        }
        self._load()

    # -- set-up --------------------------------------------------------------------------------
    def _keys(self, external_id: str) -> dict[str, str]:
        return {"platform": self.platform, "account": self.account, "external_id": external_id}

    def _load(self) -> None:
        s = self._scenario
        for t in s.technicians:
            self._technicians[t.id] = Technician(
                **self._keys(t.id),
                modified_at=self._now,
                name=t.name,
                phone=t.phone,
                skills=frozenset(t.skills),
                certifications=tuple(
                    Certification(name=n, expires_on=d) for n, d in t.certifications_expire.items()
                ),
                equipment=frozenset(t.equipment),
                home=GeoPoint(lat=t.home.lat, lon=t.home.lon),
                shifts=tuple(
                    Shift(start=s.at(t.shift.start, d), end=s.at(t.shift.end, d))
                    for d in range(s.days)
                ),
            )
            self._timer(s.at(t.shift.start), "decide", t.id)
        for c in s.customers:
            self._customers[c.id] = Customer(
                **self._keys(c.id),
                modified_at=self._now,
                name=c.name,
                phone=c.phone,
                flags=frozenset(c.flags),
                preferred_technicians=(c.preferred_tech,) if c.preferred_tech else (),
                designated_technician=c.designated_tech,
            )
        for job in s.jobs:
            self._add_job(job, self._now)
        for index, event in enumerate(s.events):
            self._timer(s.at(event.at), "scenario", str(index))
            if isinstance(event, OverrunEvent):
                # The overrun is part of what really happens on that visit; nobody sees it
                # until the visit runs past its estimate.
                self._extra[event.job] = self._extra.get(event.job, 0) + event.extra_minutes

    def _add_job(self, job: ScenarioJob, at: datetime) -> None:
        s = self._scenario
        location_id = f"L-{job.id}"
        self._locations[location_id] = Location(
            **self._keys(location_id),
            modified_at=at,
            address=job.location.address,
            point=GeoPoint(lat=job.location.lat, lon=job.location.lon),
            customer_id=job.customer,
        )
        window = (
            TimeWindow(start=s.at(job.booked_window.start), end=s.at(job.booked_window.end))
            if job.booked_window
            else None
        )
        status = Lifecycle.SCHEDULED if window else Lifecycle.UNSCHEDULED
        self._jobs[job.id] = Job(
            **self._keys(job.id),
            modified_at=at,
            customer_id=job.customer,
            location_id=location_id,
            summary=job.summary,
            description=job.description,
            source=job.source,
            sla=Sla(
                tier=job.sla.tier,
                respond_by=s.at(job.sla.respond_by) if job.sla.respond_by else None,
                penalty_usd=job.sla.penalty_usd,
            ),
            status=status,
            vendor_status=status.value,
            created_at=at,
        )
        appointment = Appointment(
            **self._keys(self.appointment_id(job.id)),
            modified_at=at,
            job_id=job.id,
            window=window,
            arrival_window=window,
            status=status,
            vendor_status=status.value,
        )
        self._store_appointment(appointment)
        self._announce("job", job.id, "created", at)
        self._announce("appointment", appointment.external_id, "created", at)

    @staticmethod
    def appointment_id(job_id: str) -> str:
        """The sandbox gives every job one appointment, named after it."""
        return f"{job_id}-1"

    # -- clock ---------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self._now

    @property
    def start(self) -> datetime:
        """Half an hour before the first shift of the first day: when the morning plan is made."""
        return self._start

    @property
    def scenario_name(self) -> str:
        return self._scenario.name

    def day_start(self, day_index: int) -> datetime:
        first = min(t.shift.start for t in self._scenario.technicians)
        return self._scenario.at(first, day_index) - timedelta(minutes=30)

    def next_change_at(self) -> datetime | None:
        """When the simulation will next change by itself, if ever."""
        while self._timers and self._stale(self._timers[0]):
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def advance_to(self, moment: datetime) -> None:
        """Play the day up to `moment` (inclusive).

        Raises:
            SimulationError: `moment` is before the current clock.
        """
        if moment < self._now:
            raise SimulationError(f"cannot go back from {self._now} to {moment}")
        while self._timers and self._timers[0][0] <= moment:
            when, _, kind, subject, token = heapq.heappop(self._timers)
            if self._stale((when, 0, kind, subject, token)):
                continue
            self._now = max(self._now, when)
            self._fire(kind, subject)
        self._now = moment

    def _timer(self, when: datetime, kind: str, subject: str) -> None:
        token = self._crews[subject].token if subject in self._crews else 0
        heapq.heappush(self._timers, (when, next(self._seq), kind, subject, token))

    def _stale(self, timer: tuple[datetime, int, str, str, int]) -> bool:
        _, _, kind, subject, token = timer
        return kind != "scenario" and subject in self._crews and self._crews[subject].token != token

    def _fire(self, kind: str, subject: str) -> None:
        if kind == "scenario":
            self._scenario_event(int(subject))
            return
        crew = self._crews[subject]
        if kind == "decide":
            self._decide(crew)
        elif kind == "arrive":
            self._arrive(crew)
        elif kind == "knock":
            self._knock(crew)
        elif kind == "finish":
            self._finish(crew)

    # -- scenario events -------------------------------------------------------------------------
    def _scenario_event(self, index: int) -> None:
        event = self._scenario.events[index]
        if isinstance(event, NewJobEvent):
            self._add_job(event.job, self._now)
        elif isinstance(event, CancelEvent):
            self._cancel(event.job)
        elif isinstance(event, TechUnavailableEvent):
            self._call_away(event.technician, self._scenario.at(event.until, self._day(self._now)))

    def _cancel(self, job_id: str) -> None:
        appointment = self._appointments[self.appointment_id(job_id)]
        if appointment.status in (Lifecycle.ON_SITE, Lifecycle.COMPLETED, Lifecycle.ON_HOLD):
            self._ignored.append(f"{self._now:%H:%M} cancel {job_id}: already {appointment.status}")
            return
        for crew in self._crews.values():
            if crew.appointment == appointment.external_id:
                self._turn_back(crew)
        self._set_status(appointment, Lifecycle.CANCELED, None)

    def _call_away(self, technician_id: str, until: datetime) -> None:
        crew = self._crews[technician_id]
        tech = self._technicians[technician_id]
        self._technicians[technician_id] = tech.model_copy(
            update={
                "time_off": (
                    *tech.time_off,
                    TimeOff(start=self._now, end=until, reason="called away"),
                ),
                "modified_at": self._now,
            }
        )
        self._announce("technician", technician_id, "updated", self._now)
        crew.unavailable_until = until
        if crew.state in ("driving", "waiting", "idle", "off"):
            if crew.appointment:
                appointment = self._appointments[crew.appointment]
                self._turn_back(crew)
                self._set_status(appointment, Lifecycle.SCHEDULED, None)
            self._decide(crew)

    # -- technicians -----------------------------------------------------------------------------
    def _day(self, moment: datetime) -> int:
        return (moment.astimezone(self._zone).date() - self._scenario.day).days

    def _shift(self, crew: _Crew, day: int) -> Shift | None:
        shifts = self._technicians[crew.id].shifts
        return shifts[day] if 0 <= day < len(shifts) else None

    def _log(
        self, crew: _Crew, kind: ActivityKind, start: datetime, end: datetime, **kw: object
    ) -> None:
        if end > start or kind == "no_show":
            self._activities.append(Activity(crew.id, kind, start, end, **kw))  # type: ignore[arg-type]

    def _next_for(self, crew: _Crew) -> Appointment | None:
        candidates = [
            a
            for a in self._appointments.values()
            if crew.id in a.technician_ids
            and a.status in (Lifecycle.SCHEDULED, Lifecycle.DISPATCHED)
        ]
        if not candidates:
            return None
        far = self._now + timedelta(days=3650)
        return min(candidates, key=lambda a: (a.window.start if a.window else far, a.external_id))

    def _estimate(self, a: tuple[float, float], b: tuple[float, float]) -> timedelta:
        # What the technician expects the drive to take: no traffic knowledge, average speed.
        return timedelta(minutes=math.ceil(self._travel.base_minutes(a, b)))

    def _point(self, appointment: Appointment) -> tuple[float, float]:
        job = self._scenario_jobs[appointment.job_id]
        return (job.location.lat, job.location.lon)

    def _decide(self, crew: _Crew) -> None:
        """A free technician chooses what to do next."""
        crew.token += 1
        now = self._now
        if crew.unavailable_until is not None:
            if now < crew.unavailable_until:
                if crew.state != "unavailable":
                    self._log(crew, "unavailable", now, crew.unavailable_until)
                crew.state = "unavailable"
                self._timer(crew.unavailable_until, "decide", crew.id)
                return
            crew.unavailable_until = None
        day = self._day(now)
        shift = self._shift(crew, day)
        if shift is None or now >= shift.end:
            self._go_home(crew, day)
            return
        if now < shift.start:
            crew.state = "off"
            self._timer(shift.start, "decide", crew.id)
            return
        lunch = self._lunch_rule(crew)
        lunch_due = lunch is not None and day not in crew.lunched
        upcoming = self._next_for(crew)
        if upcoming is None:
            crew.state, crew.appointment = "idle", None
            self._timer(shift.end, "decide", crew.id)
            if lunch_due and lunch is not None:
                lunch_start = self._scenario.at(lunch.earliest, day)
                if now >= lunch_start:
                    self._take_lunch(crew, day, lunch.minutes)
                else:
                    self._timer(lunch_start, "decide", crew.id)
            return
        if upcoming.status is not Lifecycle.DISPATCHED:
            if crew.appointment and crew.appointment != upcoming.external_id:
                previous = self._appointments[crew.appointment]
                if previous.status is Lifecycle.DISPATCHED:
                    self._set_status(previous, Lifecycle.SCHEDULED, None)
            self._set_status(upcoming, Lifecycle.DISPATCHED, crew.id)
        crew.appointment = upcoming.external_id
        target = self._point(upcoming)
        depart = now
        if upcoming.window is not None:
            depart = max(now, upcoming.window.start - self._estimate(crew.position, target))
        if lunch_due and lunch is not None:
            earliest = self._scenario.at(lunch.earliest, day)
            latest = self._scenario.at(lunch.latest, day)
            minutes = timedelta(minutes=lunch.minutes)
            if now >= latest or (now >= earliest and now + minutes <= depart):
                self._take_lunch(crew, day, lunch.minutes)
                return
            if now < earliest and earliest + minutes <= depart:
                crew.state = "waiting"
                self._timer(earliest, "decide", crew.id)
                return
        if depart >= shift.end:
            # Nothing more today: no drive starts after the shift; go home when it ends.
            crew.state = "idle"
            self._timer(shift.end, "decide", crew.id)
            return
        if depart > now:
            crew.state = "waiting"
            self._timer(depart, "decide", crew.id)
            return
        self._depart(crew, upcoming, target)

    def _lunch_rule(self, crew: _Crew) -> LunchRule | None:
        return self._profiles[crew.id].lunch

    def _take_lunch(self, crew: _Crew, day: int, minutes: int) -> None:
        crew.lunched.add(day)
        crew.state = "lunch"
        end = self._now + timedelta(minutes=minutes)
        self._log(crew, "lunch", self._now, end, origin=crew.position)
        self._timer(end, "decide", crew.id)

    def _depart(self, crew: _Crew, appointment: Appointment, target: tuple[float, float]) -> None:
        self._set_status(appointment, Lifecycle.EN_ROUTE, crew.id)
        crew.legs += 1
        minutes = self._travel.minutes(crew.id, crew.speed_factor, crew.position, target, crew.legs)
        crew.state, crew.since, crew.origin = "driving", self._now, crew.position
        crew.until = self._now + timedelta(minutes=minutes)
        self._timer(crew.until, "arrive", crew.id)

    def _turn_back(self, crew: _Crew) -> None:
        """The appointment is off: a driving technician stops where they are."""
        if crew.state == "driving" and crew.since and crew.until and crew.origin:
            total = (crew.until - crew.since).total_seconds()
            done = (self._now - crew.since).total_seconds()
            share = min(1.0, done / total) if total > 0 else 1.0
            target = self._point(self._appointments[crew.appointment or ""])
            here = (
                crew.origin[0] + (target[0] - crew.origin[0]) * share,
                crew.origin[1] + (target[1] - crew.origin[1]) * share,
            )
            self._log(
                crew,
                "drive",
                crew.since,
                self._now,
                appointment_id=crew.appointment,
                origin=crew.origin,
                destination=here,
            )
            crew.position = here
        crew.appointment = None
        crew.state = "idle"
        crew.token += 1
        self._timer(self._now, "decide", crew.id)

    def _arrive(self, crew: _Crew) -> None:
        appointment = self._appointments[crew.appointment or ""]
        target = self._point(appointment)
        self._log(
            crew,
            "drive",
            crew.since or self._now,
            self._now,
            appointment_id=appointment.external_id,
            origin=crew.origin,
            destination=target,
        )
        crew.position = target
        promised = appointment.arrival_window
        if promised is not None and self._now < promised.start:
            # Early: wait at the curb until the window the customer was given opens.
            crew.state = "at_door"
            self._log(
                crew,
                "wait",
                self._now,
                promised.start,
                appointment_id=appointment.external_id,
                origin=target,
            )
            self._timer(promised.start, "knock", crew.id)
            return
        self._knock(crew)

    def _knock(self, crew: _Crew) -> None:
        appointment = self._appointments[crew.appointment or ""]
        self._set_status(appointment, Lifecycle.ON_SITE, crew.id)
        job = self._scenario_jobs[appointment.job_id]
        crew.state, crew.since = "on_site", self._now
        if not job.truth.customer_home:
            crew.until = self._now + NO_SHOW_WAIT
        else:
            minutes = job.truth.duration_minutes + self._extra.get(job.id, 0)
            crew.until = self._now + timedelta(minutes=minutes)
        self._timer(crew.until, "finish", crew.id)

    def _finish(self, crew: _Crew) -> None:
        appointment = self._appointments[crew.appointment or ""]
        job = self._scenario_jobs[appointment.job_id]
        kind: ActivityKind = "work" if job.truth.customer_home else "no_show"
        self._log(
            crew,
            kind,
            crew.since or self._now,
            self._now,
            appointment_id=appointment.external_id,
            origin=crew.position,
        )
        status = Lifecycle.COMPLETED if job.truth.customer_home else Lifecycle.ON_HOLD
        self._set_status(appointment, status, crew.id)
        crew.appointment, crew.state = None, "idle"
        self._decide(crew)

    def _go_home(self, crew: _Crew, day: int) -> None:
        if crew.state != "home" and crew.position != crew.home:
            crew.legs += 1
            minutes = self._travel.minutes(
                crew.id, crew.speed_factor, crew.position, crew.home, crew.legs
            )
            self._log(
                crew,
                "home",
                self._now,
                self._now + timedelta(minutes=minutes),
                origin=crew.position,
                destination=crew.home,
            )
            crew.position = crew.home
        crew.state, crew.appointment = "home", None
        following = self._shift(crew, day + 1)
        if following is not None:
            self._timer(following.start, "decide", crew.id)

    def _poke(self, technician_ids: Iterable[str]) -> None:
        """Assignments changed: technicians with nothing under way reconsider now."""
        for tid in technician_ids:
            crew = self._crews.get(tid)
            if crew is not None and crew.state in ("idle", "waiting", "home", "off"):
                crew.token += 1
                self._timer(self._now, "decide", crew.id)

    # -- records -------------------------------------------------------------------------------
    def _store_appointment(self, appointment: Appointment) -> None:
        self._appointments[appointment.external_id] = appointment
        self._appointment_versions.append(appointment)

    def _set_status(
        self, appointment: Appointment, status: Lifecycle, technician: str | None
    ) -> None:
        updated = appointment.model_copy(
            update={"status": status, "vendor_status": status.value, "modified_at": self._now}
        )
        self._store_appointment(updated)
        job = self._jobs[appointment.job_id]
        self._jobs[job.external_id] = job.model_copy(
            update={"status": status, "vendor_status": status.value, "modified_at": self._now}
        )
        event_id = f"S{next(self._event_seq):06d}"
        self._events.append(
            StatusEvent(
                **self._keys(event_id),
                modified_at=self._now,
                subject="appointment",
                subject_id=appointment.external_id,
                status=status,
                occurred_at=self._now,
                technician_id=technician,
                vendor_status=status.value,
            )
        )
        self._announce("appointment", appointment.external_id, "status_changed", self._now)

    def _announce(self, resource: str, external_id: str, action: str, at: datetime) -> None:
        event_id = f"evt-{next(self._seq):07d}"
        body = json.dumps(
            {
                "event_id": event_id,
                "resource": resource,
                "id": external_id,
                "action": action,
                "occurred_at": at.isoformat(),
            }
        ).encode()
        headers = (
            webhooks.sign_webhook(self._secret, event_id, body, at)
            if self._secret
            else {"X-Sandbox-Event-Id": event_id}
        )
        self._outbox.append(Delivery(headers, body))

    def drain_webhooks(self) -> list[Delivery]:
        """The webhook deliveries made since the last call, oldest first."""
        out, self._outbox = self._outbox, []
        return out

    # -- Connector: reads ------------------------------------------------------------------------
    async def _pages(self, records: Sequence[R]) -> AsyncIterator[Sequence[R]]:
        for i in range(0, len(records), PAGE_SIZE):
            yield records[i : i + PAGE_SIZE]

    @staticmethod
    def _since(records: Iterable[R], since: datetime | None) -> list[R]:
        return [r for r in records if since is None or (r.modified_at and r.modified_at >= since)]

    def fetch_technicians(self) -> AsyncIterator[Sequence[Technician]]:
        return self._pages(list(self._technicians.values()))

    def fetch_jobs(self, modified_since: datetime | None) -> AsyncIterator[Sequence[Job]]:
        return self._pages(self._since(self._jobs.values(), modified_since))

    def fetch_appointments(
        self, modified_since: datetime | None
    ) -> AsyncIterator[Sequence[Appointment]]:
        return self._pages(self._since(self._appointments.values(), modified_since))

    def fetch_status_events(self, since: datetime | None) -> AsyncIterator[Sequence[StatusEvent]]:
        return self._pages([e for e in self._events if since is None or e.occurred_at >= since])

    async def fetch_job(self, external_id: str) -> Job:
        return self._get(self._jobs, "job", external_id)

    async def fetch_appointment(self, external_id: str) -> Appointment:
        return self._get(self._appointments, "appointment", external_id)

    async def fetch_customer(self, external_id: str) -> Customer:
        return self._get(self._customers, "customer", external_id)

    async def fetch_location(self, external_id: str) -> Location:
        return self._get(self._locations, "location", external_id)

    async def fetch_technician(self, external_id: str) -> Technician:
        return self._get(self._technicians, "technician", external_id)

    @staticmethod
    def _get(table: Mapping[str, R], kind: str, external_id: str) -> R:
        try:
            return table[external_id]
        except KeyError:
            raise NotFoundError(f"sandbox has no {kind} {external_id!r}") from None

    # -- Connector: writes -----------------------------------------------------------------------
    def _check(self, appointment_id: str, expected: Appointment) -> Appointment:
        current = self._get(self._appointments, "appointment", appointment_id)
        if current != expected:
            raise WriteConflictError(
                f"appointment {appointment_id} changed at {current.modified_at} since the read"
                f" of {expected.modified_at}"
            )
        if current.status.is_terminal or current.status is Lifecycle.ON_SITE:
            raise RequestRejectedError(
                f"appointment {appointment_id} is {current.status.value}; it cannot be changed", 409
            )
        return current

    async def write_assignment(
        self, appointment_id: str, technician_ids: Sequence[str], *, expected: Appointment
    ) -> WriteResult:
        """Make `technician_ids` exactly the assigned technicians of the appointment.

        Raises:
            WriteConflictError: the appointment changed since `expected` was read.
            RequestRejectedError: unknown technician, or the visit is under way or over.
            NotFoundError: no such appointment.
        """
        current = self._check(appointment_id, expected)
        unknown = [t for t in technician_ids if t not in self._technicians]
        if unknown:
            raise RequestRejectedError(f"unknown technician(s) {', '.join(unknown)}", 400)
        wanted = tuple(dict.fromkeys(technician_ids))
        if wanted == current.technician_ids:
            return WriteResult(appointment=current, changed=False)
        removed = set(current.technician_ids) - set(wanted)
        status = current.status
        if status is Lifecycle.UNSCHEDULED and wanted:
            status = Lifecycle.SCHEDULED
        elif status.is_started and removed:
            status = Lifecycle.SCHEDULED
            for crew in self._crews.values():
                if crew.appointment == appointment_id and crew.id in removed:
                    self._turn_back(crew)
        elif not wanted and current.window is None:
            status = Lifecycle.UNSCHEDULED
        updated = current.model_copy(
            update={
                "technician_ids": wanted,
                "status": status,
                "vendor_status": status.value,
                "modified_at": self._now,
            }
        )
        self._store_appointment(updated)
        self._announce("appointment", appointment_id, "updated", self._now)
        self._poke(set(wanted) | removed)
        return WriteResult(appointment=updated, changed=True)

    async def write_window(
        self,
        appointment_id: str,
        window: TimeWindow,
        arrival_window: TimeWindow | None,
        *,
        expected: Appointment,
    ) -> WriteResult:
        """Set when the work is scheduled and the arrival window the customer is told.

        Raises:
            WriteConflictError: the appointment changed since `expected` was read.
            RequestRejectedError: the visit is under way or over.
        """
        current = self._check(appointment_id, expected)
        if current.window == window and current.arrival_window == arrival_window:
            return WriteResult(appointment=current, changed=False)
        status = Lifecycle.SCHEDULED if current.status is Lifecycle.UNSCHEDULED else current.status
        updated = current.model_copy(
            update={
                "window": window,
                "arrival_window": arrival_window,
                "status": status,
                "vendor_status": status.value,
                "modified_at": self._now,
            }
        )
        self._store_appointment(updated)
        self._announce("appointment", appointment_id, "updated", self._now)
        self._poke(updated.technician_ids)
        return WriteResult(appointment=updated, changed=True)

    # -- Connector: webhooks ---------------------------------------------------------------------
    def verify_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> None:
        webhooks.verify_webhook(self._secret, headers, body, now)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ChangeHint]:
        return webhooks.parse_webhook(self.platform, self.account, headers, body)

    # -- referee ---------------------------------------------------------------------------------
    def truth_jobs(self) -> list[Job]:
        """Every job that has appeared, with its true classification and urgency filled in."""
        customers = {c.id: c for c in self._scenario.customers}
        out = []
        for job in self._jobs.values():
            truth = self._scenario_jobs[job.external_id]
            classification = true_classification(
                truth,
                customers.get(truth.customer),
                self._scenario.outdoor_temp_f,
                self._scenario.day,
            )
            out.append(
                job.model_copy(
                    update={
                        "classification": classification,
                        "urgency": classification.urgency,
                        "job_type": classification.job_type,
                    }
                )
            )
        return out

    def technicians(self) -> list[Technician]:
        return list(self._technicians.values())

    def customers(self) -> list[Customer]:
        return list(self._customers.values())

    def appointment_versions(self) -> list[Appointment]:
        """Every version of every appointment, in the order they were written."""
        return list(self._appointment_versions)

    def status_events(self) -> list[StatusEvent]:
        return list(self._events)

    def activities(self) -> list[Activity]:
        """What each technician really did, drive by drive (the simulator's own record)."""
        return sorted(self._activities, key=lambda a: (a.technician_id, a.start))

    def ignored_events(self) -> list[str]:
        """Scenario events that came too late to matter (a cancel after the visit began)."""
        return list(self._ignored)

    def all_idle(self) -> bool:
        """No technician is driving, waiting for a window, on site or at lunch."""
        return all(c.state in ("idle", "home", "off", "unavailable") for c in self._crews.values())
