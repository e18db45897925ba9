"""The baseline: a competent human coordinator with a whiteboard, written down precisely.

This is the dispatcher fsm-dispatch must beat, so it is written to be good at what people do
well, and it sees only what a person at the dispatch desk sees (the FSM's jobs, appointments,
technicians, customers, past visits and status changes; never the simulator's truth).

Reading tickets
    Each ticket is read with `reading.read_ticket` (a human's keyword knowledge: furnace → HVAC,
    gas smell → gas fitter and an emergency, walk-in full of product → emergency...). That gives
    the required skills and equipment and the urgency.

Durations and drives
    A visit is planned at the median of past visits of that job type (rounded up to the quarter
    hour), or a typical figure when there is no history. A drive is estimated by the rule of thumb
    "straight-line km × 1.3 at 35 km/h, plus 3 minutes to park".

Qualified technicians only
    A technician qualifies when they hold every required skill on the day (expired certifications
    do not count; a master electrician covers journeyman work), carry the required equipment, are
    not off, and, for a customer with a designated technician, are that technician.

Morning plan, by area
    1. The jobs are split into as many areas as there are technicians on shift (k-means on the
       map, started from spread-out jobs) and each area is given to the technician living
       nearest to it, one area each.
    2. Jobs are placed one at a time: booked jobs in order of their window, then unbooked ones,
       emergencies first, then same-day, then scheduled, higher SLA tiers first within a tier.
    3. For each job the candidates are the qualified technicians, the customer's preferred
       technician first, then by distance from the job to the technician's area. The job goes
       to the first candidate whose day still works with it: booked windows are kept in their
       order, the gaps are filled nearest-neighbour first (never so late that the next booked
       window would be missed by the 30-minute margin a coordinator keeps), a lunch break fits,
       every promised arrival window is met, and the day ends within the shift.
    4. A job nobody can take today is left unscheduled (the customer is called for another day).
    5. Everything is written to the FSM: the technician, the scheduled time, and for jobs that
       had no booked window, a two-hour arrival window centred on the planned arrival.

During the day
    - Emergency ticket: it goes to the nearest qualified technician free soonest (earliest
      estimated arrival, counting the visit they are on), as their next stop; their later
      stops shift by the delay, which is written to the FSM.
    - Other new ticket: squeezed into the qualified technician's day where it adds the least
      driving, when every promise still holds; otherwise left for another day.
    - Overrun: when a visit has run 15 minutes past its estimate, the technician's later stops
      are pushed (the coordinator assumes 30 more minutes and checks again each quarter hour).
      Nothing is reassigned.
    - Cancellation and no-show: the gap is left as it is.
    - Technician called away: their stops not yet started are squeezed into other
      technicians' days one by one, as new tickets are; those that fit nowhere wait.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from connectors.records import (
    Appointment,
    Job,
    Lifecycle,
    SlaTier,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.simulation.events import (
    DispatchEvent,
    JobArrived,
    StatusChanged,
    TechnicianChanged,
    Tick,
)
from orchestrator.simulation.reading import TicketReading, read_ticket
from orchestrator.simulation.view import DispatchView

__all__ = ["BaselineCoordinator"]

Point = tuple[float, float]

_TYPICAL_MINUTES: dict[str, int] = {
    "hvac.install": 300, "electrical.panel_upgrade": 300, "plumbing.water_heater_install": 210,
    "electrical.ev_charger_install": 150, "hvac.refrigerant_leak": 120,
    "plumbing.sewer_backup": 120, "refrigeration.commercial": 120, "general.estimate": 45,
    "hvac.thermostat": 45, "hvac.maintenance": 60, "appliance.repair": 60,
}  # fmt: skip
_DEFAULT_MINUTES = 90
_URGENCY_ORDER = {Urgency.EMERGENCY: 0, Urgency.SAME_DAY: 1, Urgency.SCHEDULED: 2}
_TIER_ORDER = {SlaTier.PLATINUM: 0, SlaTier.GOLD: 1, SlaTier.STANDARD: 2}
_MARGIN = timedelta(minutes=30)
_LUNCH = (time(11, 30), time(13, 30), 30)
_OVERRUN_GRACE = timedelta(minutes=15)
_OVERRUN_GUESS = timedelta(minutes=30)
_IMPLIED = {"master_electrician": {"journeyman_electrician"}}


def _km(a: Point, b: Point) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _centre(points: list[Point]) -> Point:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def drive_estimate(a: Point, b: Point) -> timedelta:
    """The coordinator's rule of thumb for a drive."""
    km = _km(a, b)
    if km < 0.05:
        return timedelta(0)
    return timedelta(minutes=round(km * 1.3 / 35 * 60) + 3)


@dataclass
class _Stop:
    appointment_id: str
    job_id: str
    point: Point
    minutes: int
    promised: TimeWindow | None
    """The arrival window the customer holds (booked, or told by us)."""
    booked: bool
    urgency: Urgency
    eta: datetime | None = None


def _promised(stop: _Stop) -> TimeWindow:
    if stop.promised is None:
        raise ValueError(f"stop {stop.appointment_id} has no promised window")
    return stop.promised


@dataclass
class _Crew:
    technician: Technician
    shift: TimeWindow
    area: Point | None = None
    stops: list[_Stop] = field(default_factory=list)
    """Stops not started yet, in the planned order."""
    current: _Stop | None = None
    current_since: datetime | None = None
    current_status: Lifecycle | None = None
    position: Point = (0.0, 0.0)
    free_from: datetime | None = None
    away_until: datetime | None = None


class BaselineCoordinator:
    """A competent human coordinator (see the module docstring for the exact rules)."""

    name = "baseline"

    def __init__(self) -> None:
        self._crews: dict[str, _Crew] = {}
        self._readings: dict[str, TicketReading] = {}
        self._minutes: dict[str, int] = {}
        self._done: set[str] = set()

    # -- knowledge -----------------------------------------------------------------------------
    def _reading(self, view: DispatchView, job: Job) -> TicketReading:
        if job.external_id not in self._readings:
            self._readings[job.external_id] = read_ticket(
                job, view.customer_of(job), view.outdoor_temp_f, view.today.month
            )
        return self._readings[job.external_id]

    def _estimate(self, view: DispatchView, job_type: str) -> int:
        if job_type not in self._minutes:
            past = [v.minutes for v in view.history if v.job_type == job_type]
            median = (
                statistics.median(past)
                if past
                else _TYPICAL_MINUTES.get(job_type, _DEFAULT_MINUTES)
            )
            self._minutes[job_type] = int(math.ceil(median / 15) * 15)
        return self._minutes[job_type]

    def _qualified(self, view: DispatchView, crew: _Crew, job: Job, reading: TicketReading) -> bool:
        tech = crew.technician
        if not tech.active:
            return False
        customer = view.customer_of(job)
        if (
            customer
            and customer.designated_technician
            and customer.designated_technician != tech.external_id
        ):
            return False
        held = set(tech.qualifications_on(view.today))
        for skill in list(held):
            held |= _IMPLIED.get(skill, set())
        return reading.skills <= held and reading.equipment <= tech.equipment

    def _stop(self, view: DispatchView, job: Job, appointment: Appointment) -> _Stop | None:
        location = view.location_of(job)
        if location is None or location.point is None:
            return None
        reading = self._reading(view, job)
        return _Stop(
            appointment_id=appointment.external_id,
            job_id=job.external_id,
            point=(location.point.lat, location.point.lon),
            minutes=self._estimate(view, reading.job_type),
            promised=appointment.arrival_window,
            booked=appointment.arrival_window is not None,
            urgency=reading.urgency,
        )

    def _crew_table(self, view: DispatchView) -> None:
        day = view.today
        self._crews = {}
        for tech in view.technicians.values():
            shift = next(
                (s for s in tech.shifts if s.start.astimezone(view.zone).date() == day), None
            )
            if shift is None or not tech.active or tech.home is None:
                continue
            crew = _Crew(tech, TimeWindow(start=shift.start, end=shift.end))
            crew.position = (tech.home.lat, tech.home.lon)
            crew.free_from = shift.start
            for off in tech.time_off:
                if off.start <= shift.start and off.end >= shift.end:
                    break
            else:
                self._crews[tech.external_id] = crew

    # -- a day on the whiteboard ---------------------------------------------------------------
    def _lunch(self, crew: _Crew) -> tuple[datetime, datetime, timedelta]:
        day = crew.shift.start.astimezone(crew.shift.start.tzinfo).date()
        zone = crew.shift.start.tzinfo
        earliest, latest, minutes = _LUNCH
        return (
            datetime.combine(day, earliest, zone),
            datetime.combine(day, latest, zone),
            timedelta(minutes=minutes),
        )

    def _timeline(
        self, crew: _Crew, stops: list[_Stop], start: datetime, position: Point, *, strict: bool
    ) -> list[datetime] | None:
        """Estimated arrival at each stop in order; None when a promise or the shift breaks."""
        earliest, latest, lunch = self._lunch(crew)
        lunched = start >= latest
        t, here, etas = start, position, []
        for stop in stops:
            arrive = t + drive_estimate(here, stop.point)
            if stop.promised is not None and arrive < stop.promised.start:
                arrive = stop.promised.start
            if (
                not lunched
                and arrive - (t + drive_estimate(here, stop.point)) >= lunch
                and t >= earliest - lunch
            ):
                lunched = True  # lunch in the wait before a window opens
            if strict and stop.promised is not None and arrive > stop.promised.end:
                return None
            etas.append(arrive)
            t = arrive + timedelta(minutes=stop.minutes)
            here = stop.point
            if not lunched and t >= earliest:
                t = max(t, earliest) + lunch
                lunched = True
        if strict and t > crew.shift.end:
            return None
        return etas

    def _sequence(self, stops: list[_Stop], start: datetime, position: Point) -> list[_Stop]:
        """Booked windows in their order; the gaps filled nearest-neighbour first."""
        booked = sorted((s for s in stops if s.booked), key=lambda s: _promised(s).start)
        loose = [s for s in stops if not s.booked]
        # Emergencies go first, whatever their distance.
        route = sorted(
            (s for s in loose if s.urgency is Urgency.EMERGENCY),
            key=lambda s: _km(position, s.point),
        )
        loose = [s for s in loose if s.urgency is not Urgency.EMERGENCY]
        t, here = start, position
        for s in route:
            t = t + drive_estimate(here, s.point) + timedelta(minutes=s.minutes)
            here = s.point
        while booked or loose:
            nxt = booked[0] if booked else None
            chosen: _Stop | None = None
            for candidate in sorted(loose, key=lambda s: _km(here, s.point)):
                done = (
                    t + drive_estimate(here, candidate.point) + timedelta(minutes=candidate.minutes)
                )
                if (
                    nxt is None
                    or done + drive_estimate(candidate.point, nxt.point)
                    <= _promised(nxt).end - _MARGIN
                ):
                    chosen = candidate
                    break
            if nxt is not None and (
                chosen is None or t + drive_estimate(here, nxt.point) >= _promised(nxt).start
            ):
                chosen = booked.pop(0)
            elif chosen is not None:
                loose.remove(chosen)
            else:  # pragma: no cover - nxt is None implies a candidate was found
                break
            arrive = t + drive_estimate(here, chosen.point)
            if chosen.promised is not None:
                arrive = max(arrive, chosen.promised.start)
            t, here = arrive + timedelta(minutes=chosen.minutes), chosen.point
            route.append(chosen)
        return route

    def _start_of(self, crew: _Crew, now: datetime) -> tuple[datetime, Point] | None:
        """When and where the technician will next be free, as the coordinator estimates it."""
        if crew.away_until is not None and now < crew.away_until:
            return None
        start = max(now, crew.shift.start, crew.free_from or now)
        if crew.current is not None and crew.current_since is not None:
            if crew.current_status is Lifecycle.ON_SITE:
                end = crew.current_since + timedelta(minutes=crew.current.minutes)
                if end < now + timedelta(minutes=5):
                    end = (
                        now + _OVERRUN_GUESS
                        if end + _OVERRUN_GRACE < now
                        else now + timedelta(minutes=5)
                    )
            else:
                arrive = crew.current_since + drive_estimate(crew.position, crew.current.point)
                if crew.current.eta is not None:
                    arrive = max(arrive, crew.current.eta)  # leaves to arrive as planned
                elif crew.current.promised is not None:
                    arrive = max(arrive, crew.current.promised.start)
                end = max(arrive, now) + timedelta(minutes=crew.current.minutes)
            return max(start, end), crew.current.point
        return start, crew.position

    # -- writes --------------------------------------------------------------------------------
    async def _write_route(self, view: DispatchView, crew: _Crew, *, only_changed: bool) -> None:
        origin = self._start_of(crew, view.now)
        if origin is None:
            return
        etas = self._timeline(crew, crew.stops, origin[0], origin[1], strict=False) or []
        for stop, eta in zip(crew.stops, etas, strict=True):
            previous, stop.eta = stop.eta, eta
            appointment = view.appointments[stop.appointment_id]
            if appointment.status.is_terminal or appointment.status in (
                Lifecycle.ON_SITE,
                Lifecycle.ON_HOLD,
            ):
                continue
            if appointment.technician_ids != (crew.technician.external_id,):
                await view.assign(stop.appointment_id, [crew.technician.external_id])
            if stop.promised is None and stop.urgency is not Urgency.EMERGENCY:
                stop.promised = self._promise(eta, view.now)
            moved = previous is None or abs((eta - previous).total_seconds()) >= 300
            if moved or not only_changed or appointment.window is None:
                window = TimeWindow(start=eta, end=eta + timedelta(minutes=stop.minutes))
                await view.schedule(stop.appointment_id, window, stop.promised)

    @staticmethod
    def _promise(eta: datetime, now: datetime) -> TimeWindow:
        # A two-hour window centred on the planned arrival, on the half hour.
        start = eta - timedelta(hours=1)
        start = start.replace(minute=0 if start.minute < 30 else 30, second=0, microsecond=0)
        start = max(start, now.replace(second=0, microsecond=0))
        return TimeWindow(start=start, end=start + timedelta(hours=2))

    # -- morning -------------------------------------------------------------------------------
    async def morning_plan(self, view: DispatchView) -> None:
        self._crew_table(view)
        open_jobs: list[tuple[Job, Appointment]] = []
        for job in view.jobs.values():
            if (
                job.status.is_terminal
                or job.status is Lifecycle.ON_HOLD
                or job.external_id in self._done
            ):
                continue
            for appointment in view.appointments_of(job.external_id):
                if not appointment.status.is_terminal:
                    open_jobs.append((job, appointment))
        stops: dict[str, _Stop] = {}
        for job, appointment in open_jobs:
            stop = self._stop(view, job, appointment)
            if stop is not None:
                if stop.promised is not None and stop.promised.end <= view.now:
                    stop.promised, stop.booked = None, False  # a past day's promise
                stops[appointment.external_id] = stop
        self._areas([s.point for s in stops.values()])

        def order(item: tuple[Job, Appointment]) -> tuple[int, float, int, int]:
            job, appointment = item
            stop = stops.get(appointment.external_id)
            if stop is not None and stop.booked and stop.promised is not None:
                return (0, stop.promised.start.timestamp(), _TIER_ORDER[job.sla.tier], 0)
            reading = self._reading(view, job)
            return (1, float(_URGENCY_ORDER[reading.urgency]), _TIER_ORDER[job.sla.tier], 0)

        for job, appointment in sorted(open_jobs, key=order):
            stop = stops.get(appointment.external_id)
            if stop is None:
                continue
            for crew in self._candidates(view, job, stop):
                trial = self._sequence([*crew.stops, stop], crew.shift.start, crew.position)
                if (
                    self._timeline(crew, trial, crew.shift.start, crew.position, strict=True)
                    is not None
                ):
                    crew.stops = trial
                    break
        for crew in self._crews.values():
            await self._write_route(view, crew, only_changed=False)

    def _areas(self, points: list[Point]) -> None:
        crews = list(self._crews.values())
        if not crews or not points:
            return
        k = min(len(crews), len(points))
        centres = [points[0]]
        while len(centres) < k:  # spread-out starting centres
            centres.append(max(points, key=lambda p: min(_km(p, c) for c in centres)))
        for _ in range(20):
            groups: dict[int, list[Point]] = defaultdict(list)
            for p in points:
                groups[min(range(k), key=lambda i: _km(p, centres[i]))].append(p)
            centres = [_centre(groups[i]) if groups[i] else centres[i] for i in range(k)]
        free = list(range(k))
        pairs = sorted(
            ((_km(c.position, centres[i]), n, i) for n, c in enumerate(crews) for i in range(k)),
        )
        taken: set[int] = set()
        for _, n, i in pairs:
            if n in taken or i not in free:
                continue
            crews[n].area = centres[i]
            taken.add(n)
            free.remove(i)
        for crew in crews:
            if crew.area is None:
                crew.area = crew.position

    def _candidates(self, view: DispatchView, job: Job, stop: _Stop) -> list[_Crew]:
        reading = self._reading(view, job)
        customer = view.customer_of(job)
        preferred = set(customer.preferred_technicians) if customer else set()
        able = [c for c in self._crews.values() if self._qualified(view, c, job, reading)]
        return sorted(
            able,
            key=lambda c: (
                c.technician.external_id not in preferred,
                _km(c.area or c.position, stop.point),
            ),
        )

    # -- during the day ------------------------------------------------------------------------
    async def on_event(self, view: DispatchView, event: DispatchEvent) -> None:
        if isinstance(event, StatusChanged):
            self._observe(view, event)
        elif isinstance(event, JobArrived):
            await self._new_ticket(view, event.job)
        elif isinstance(event, TechnicianChanged):
            await self._technician_changed(view, event.technician)
        elif isinstance(event, Tick):
            await self._check_overruns(view)

    def _find(self, appointment_id: str) -> tuple[_Crew, _Stop] | None:
        for crew in self._crews.values():
            if crew.current is not None and crew.current.appointment_id == appointment_id:
                return crew, crew.current
            for stop in crew.stops:
                if stop.appointment_id == appointment_id:
                    return crew, stop
        return None

    def _observe(self, view: DispatchView, change: StatusChanged) -> None:
        event, found = change.event, self._find(change.event.subject_id)
        if found is None:
            return
        crew, stop = found
        if event.status is Lifecycle.DISPATCHED:
            return  # loaded on the technician's app; still movable until they drive
        if event.status in (Lifecycle.EN_ROUTE, Lifecycle.ON_SITE):
            if crew.current is not stop:
                if crew.current is not None and crew.current not in crew.stops:
                    crew.stops.insert(0, crew.current)  # dispatched, then passed over
                if stop in crew.stops:
                    crew.stops.remove(stop)
                crew.current = stop
            crew.current_status = event.status
            crew.current_since = event.occurred_at
            if event.status is Lifecycle.ON_SITE:
                crew.position = stop.point
        elif event.status in (Lifecycle.COMPLETED, Lifecycle.ON_HOLD, Lifecycle.CANCELED):
            # A cancellation leaves its gap: nothing moves up on the whiteboard.
            self._done.add(stop.job_id)
            if crew.current is stop:
                crew.current, crew.current_since, crew.current_status = None, None, None
                if event.status is not Lifecycle.CANCELED:
                    crew.position, crew.free_from = stop.point, event.occurred_at
            elif stop in crew.stops:
                crew.stops.remove(stop)
        elif event.status is Lifecycle.SCHEDULED and crew.current is stop:
            crew.current, crew.current_since, crew.current_status = None, None, None
            crew.stops.insert(0, stop)

    async def _new_ticket(self, view: DispatchView, job: Job) -> None:
        appointments = [
            a for a in view.appointments_of(job.external_id) if not a.status.is_terminal
        ]
        if not appointments:
            return
        stop = self._stop(view, job, appointments[0])
        if stop is None:
            return
        if stop.urgency is Urgency.EMERGENCY:
            await self._emergency(view, job, stop)
        else:
            await self._fit_in(view, job, stop)

    async def _emergency(self, view: DispatchView, job: Job, stop: _Stop) -> None:
        reading = self._reading(view, job)
        best: tuple[datetime, _Crew] | None = None
        for crew in self._crews.values():
            if not self._qualified(view, crew, job, reading):
                continue
            origin = self._start_of(crew, view.now)
            if origin is None or origin[0] >= crew.shift.end:
                continue
            eta = origin[0] + drive_estimate(origin[1], stop.point)
            if best is None or eta < best[0]:
                best = (eta, crew)
        if best is None:
            return
        crew = best[1]
        crew.stops.insert(0, stop)  # next stop; the later ones shift
        await self._write_route(view, crew, only_changed=True)

    async def _fit_in(self, view: DispatchView, job: Job, stop: _Stop) -> bool:
        reading = self._reading(view, job)
        best: tuple[float, _Crew, list[_Stop]] | None = None
        for crew in self._crews.values():
            if not self._qualified(view, crew, job, reading):
                continue
            origin = self._start_of(crew, view.now)
            if origin is None:
                continue
            trial = self._sequence([*crew.stops, stop], *origin)
            if self._timeline(crew, trial, *origin, strict=True) is None:
                continue
            added = self._drive(trial, origin[1]) - self._drive(crew.stops, origin[1])
            if best is None or added < best[0]:
                best = (added, crew, trial)
        if best is None:
            return False
        _, crew, trial = best
        crew.stops = trial
        await self._write_route(view, crew, only_changed=True)
        return True

    @staticmethod
    def _drive(stops: list[_Stop], start: Point) -> float:
        total, here = 0.0, start
        for stop in stops:
            total += drive_estimate(here, stop.point).total_seconds()
            here = stop.point
        return total

    async def _technician_changed(self, view: DispatchView, tech: Technician) -> None:
        crew = self._crews.get(tech.external_id)
        if crew is None:
            return
        crew.technician = tech
        away = [o for o in tech.time_off if o.start <= view.now < o.end]
        if not away:
            return
        crew.away_until = max(o.end for o in away)
        orphans, crew.stops = crew.stops, []
        if crew.current is not None and crew.current_status is not Lifecycle.ON_SITE:
            orphans.insert(0, crew.current)
            crew.current = None
        for stop in orphans:
            job = view.jobs[stop.job_id]
            if not await self._fit_in(view, job, stop):
                # Fits nowhere today: take it off the technician so it does not wait for them.
                appointment = view.appointments[stop.appointment_id]
                if (
                    not appointment.status.is_terminal
                    and appointment.status is not Lifecycle.ON_SITE
                ):
                    await view.assign(stop.appointment_id, [])

    async def _check_overruns(self, view: DispatchView) -> None:
        for crew in self._crews.values():
            if crew.current is None or crew.current_status is not Lifecycle.ON_SITE:
                continue
            if crew.current_since is None:
                continue
            planned_end = crew.current_since + timedelta(minutes=crew.current.minutes)
            if view.now >= planned_end + _OVERRUN_GRACE and crew.stops:
                await self._write_route(view, crew, only_changed=True)
