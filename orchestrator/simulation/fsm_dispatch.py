"""fsm-dispatch as a dispatcher under test: the real pipeline, fed by what the FSM shows.

Morning: classify every ticket (offline engine, the day's weather), estimate durations from the
account's history (the routing quantile, per technician), plan the whole fleet with the
optimizer, and write each assignment, scheduled time and promised arrival window back.
During the day: re-plan the rest of the day, with stops already started pinned and the current
plan as warm start, whenever something changes what the plan assumed — a new ticket, a
cancellation or no-show, a technician called away, a visit finishing far from its estimate, one
running past `overrun_threshold` × its estimate, or one still under way well after the end the
last plan expected (a long overrun keeps the rest of that technician's day waiting: each plan
expects it to end soon, and when it does not, the next stops go to someone else).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import structlog

import optimizer as opt
from connectors.records import (
    Appointment,
    Classification,
    Job,
    Lifecycle,
    Technician,
    TimeWindow,
    Urgency,
)
from optimizer.durations import DEFAULT_SIGMA, DurationModel, DurationSample, fit_durations
from orchestrator.classification.taxonomy import Taxonomy
from orchestrator.committed import only_dispatched, solve_handing_on
from orchestrator.customer_texts import QuietHours, plan_texts
from orchestrator.drive_speed import DriveSpeed
from orchestrator.durations_fit import duration_params
from orchestrator.fitted_durations import model_spread
from orchestrator.off_shift import name_off_shift
from orchestrator.planning import (
    DayFrame,
    PlanningInput,
    TechnicianPosition,
    build_problem,
    plan_assignments,
    preferences_passed_over,
    technician_positions,
)
from orchestrator.promise_odds import (
    DurationSpread,
    awaiting_promise,
    keep_room_for_overruns,
    keep_room_for_visits_under_way,
    promise_odds,
    promise_reach,
    told_windows,
)
from orchestrator.promises import PROMISE_LEAD, new_promise
from orchestrator.settings import ObjectiveWeights, PlanningSettings, Settings
from orchestrator.simulation.events import (
    DispatchEvent,
    JobArrived,
    StatusChanged,
    TechnicianChanged,
    Tick,
)
from orchestrator.simulation.view import DispatchView
from orchestrator.sooner import brought_forward
from orchestrator.ticket_classifier import OfflineTicketClassifier, ticket_hash

__all__ = ["FsmDispatchDispatcher"]

log = structlog.get_logger(__name__)

PROMISE_WIDTH = timedelta(minutes=PlanningSettings().promise_window_minutes)
"""An unbooked job is promised a two-hour arrival window containing its planned start."""


@dataclass
class FsmDispatchDispatcher:
    name: str = "fsm-dispatch"
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    routing_quantile: float = PlanningSettings().routing_quantile
    overrun_threshold: float = 1.3
    overtime_minutes: int = PlanningSettings().overtime_minutes
    drive_home_in_shift: bool = PlanningSettings().drive_home_in_shift
    leave_after_shift: bool = PlanningSettings().leave_after_shift
    emergencies_sooner: bool = PlanningSettings().emergencies_sooner
    arrival_margin_minutes: int = PlanningSettings().arrival_margin_minutes
    learn_drive_speed: bool = PlanningSettings().learn_drive_speed
    overrun_room_quantile: float = PlanningSettings().overrun_room_quantile
    promise_confidence: float = PlanningSettings().promise_confidence
    finish_tolerance: timedelta = timedelta(minutes=20)
    seconds_per_job: float = 0.03
    """Search budget of a re-plan: this much per open job, within [min_seconds, max_seconds]."""
    min_seconds: float = 1.0
    max_seconds: float = 5.0
    morning_seconds: float = 5.0
    replan_idle_seconds: float | None = 0.25
    """A re-plan (not the morning plan) ends once its search has gone this long without a
    cheaper day. Starting from the plan of minutes ago, it is settled in a few hundredths of
    a second nearly every time. Measured on captured re-plans, against the full budget: 126
    of three 12 × 47 days, 38 % of the time, 0.07 % dearer on average; 26 of a 40 × 160 day,
    52 % of the time, 0.03 % dearer. A new emergency's re-plan searches its whole budget:
    after an emergency on the 12 × 47 bench day of seed 7, a search ended when idle kept four
    visits behind it, late on their told windows, where 2.6 s of search handed them to other
    technicians."""
    solve_params: opt.SolveParams = field(default_factory=opt.SolveParams)
    promise_lead: timedelta = PROMISE_LEAD
    """How far before its planned start an unbooked job's promised window opens."""
    plans: int = 0
    _classified: dict[str, tuple[str, Classification]] = field(default_factory=dict)
    _durations: DurationModel | None = None
    _drive_speed: DriveSpeed = field(default_factory=DriveSpeed)
    drive_factor: float = 1.0
    """The last plan's driving factor (`drive_speed.py`), for reports."""
    _planned_end: dict[str, datetime] = field(default_factory=dict)
    _scheduled: dict[str, datetime] = field(default_factory=dict)
    _overruns_seen: set[str] = field(default_factory=set)
    _expected_end: dict[str, datetime] = field(default_factory=dict)
    """Appointment id → when the last plan expected the visit under way there to end."""
    _last_plan: opt.Plan | None = None
    _planned_for: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Job id → technician and start minute of the last plan that placed it."""
    morning: tuple[opt.Problem, opt.Plan] | None = None
    """The morning's problem and plan, for reports."""
    passed_over: dict[str, str] = field(default_factory=dict)
    """Job id → why its customer's preferred technician does not do it, as the last plan that
    placed it said (a started visit keeps the reason it was dispatched with), for reports."""
    left_out: dict[str, str] = field(default_factory=dict)
    """Job id → why the last plan that saw the job left it out, for reports (gone once a
    plan places it)."""
    quiet_hours: QuietHours = field(default_factory=lambda: QuietHours.parse(("21:00", "08:00")))
    delay_notices: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    """Idempotency key → (appointment id, when) of each customer delay notice the plans
    decided, as the running service would send them (`customer_texts.py`, the same rules)."""
    sooner_notices: dict[str, datetime] = field(default_factory=dict)
    """Appointment id → when its customer was first told an emergency comes sooner."""
    promise_chances: dict[str, float] = field(default_factory=dict)
    """Appointment id → the chance of keeping it the plan gave the window it first promised."""
    taxonomy: Taxonomy | None = None
    """Typical minutes for types the history lacks; the default taxonomy's when None."""

    @classmethod
    def from_settings(cls, settings: Settings) -> FsmDispatchDispatcher:
        """The dispatcher an account's settings describe: its objective weights, routing
        quantile, overtime allowance, drive home, departures after the shift, emergency and
        overrun rules and quiet hours.
        The search budgets stay the simulation's own (a re-plan per event, not per schedule)."""
        planning = settings.planning
        return cls(
            weights=planning.weights,
            routing_quantile=planning.routing_quantile,
            overrun_threshold=settings.lanes.overrun_threshold,
            overtime_minutes=planning.overtime_minutes,
            drive_home_in_shift=planning.drive_home_in_shift,
            leave_after_shift=planning.leave_after_shift,
            emergencies_sooner=planning.emergencies_sooner,
            arrival_margin_minutes=planning.arrival_margin_minutes,
            learn_drive_speed=planning.learn_drive_speed,
            overrun_room_quantile=planning.overrun_room_quantile,
            promise_confidence=planning.promise_confidence,
            quiet_hours=QuietHours.parse(settings.notifications.sms.quiet_hours),
            taxonomy=settings.classification.taxonomy(),
        )

    async def morning_plan(self, view: DispatchView) -> None:
        if self._durations is None:
            samples = [
                DurationSample(v.job_type, v.minutes, v.technician_id, v.day) for v in view.history
            ]
            self._durations = fit_durations(
                samples, duration_params(self.routing_quantile, self.taxonomy)
            )
        # Each morning plans afresh: yesterday's routes are no warm start, and moving a visit
        # off yesterday's technician is no churn.
        self._last_plan = None
        await self._replan(view, reason="morning plan")

    async def on_event(self, view: DispatchView, event: DispatchEvent) -> None:
        reason = self._reason_to_replan(view, event)
        if reason is not None:
            # An emergency is fitted into a full day by handing visits round several routes,
            # which the search can take seconds to find: it gets its whole budget, as every
            # re-plan of the service does.
            emergency = (
                isinstance(event, JobArrived)
                and self._classification(view, event.job).urgency is Urgency.EMERGENCY
            )
            await self._replan(view, reason=reason, settle_early=not emergency)
        elif isinstance(event, Tick) and self._last_plan is not None:
            # The service re-plans every few minutes and texts what its plan then says; here
            # the plan stands until an event, so the clock alone may bring a notice due.
            self._note_delays(view, self._last_plan, DayFrame(view.today, view.zone))

    # -- when to re-plan -----------------------------------------------------------------------

    def _reason_to_replan(self, view: DispatchView, event: DispatchEvent) -> str | None:
        if isinstance(event, JobArrived):
            return f"new ticket {event.job.external_id}"
        if isinstance(event, TechnicianChanged):
            return f"technician {event.technician.external_id} changed"
        if isinstance(event, StatusChanged):
            status, appointment = event.event.status, event.appointment
            if status in (Lifecycle.CANCELED, Lifecycle.ON_HOLD):
                return f"{appointment.job_id} {status.value}"
            if status is Lifecycle.COMPLETED:
                planned = self._planned_end.get(appointment.job_id)
                if (
                    planned is not None
                    and abs(event.event.occurred_at - planned) > self.finish_tolerance
                ):
                    return f"{appointment.job_id} finished off plan"
            return None
        if isinstance(event, Tick):
            return self._overrun(view, event.at)
        return None

    def _overrun(self, view: DispatchView, now: datetime) -> str | None:
        """A visit on site longer than the threshold times its estimate (noticed once), or
        still on site `finish_tolerance` after the end the last plan expected."""
        for appointment in view.appointments.values():
            if appointment.status is not Lifecycle.ON_SITE or not appointment.technician_ids:
                continue
            tech_id = appointment.technician_ids[0]
            expected = self._expected_end.get(appointment.external_id)
            if expected is not None and now - expected > self.finish_tolerance:
                del self._expected_end[appointment.external_id]
                return f"{appointment.job_id} still on site"
            if appointment.job_id in self._overruns_seen:
                continue
            started = self._on_site_since(view, appointment)
            if started is None:
                continue
            estimate = self._minutes(
                view.jobs.get(appointment.job_id), view.technicians.get(tech_id), p50=True
            )
            if now - started > timedelta(minutes=estimate * self.overrun_threshold):
                self._overruns_seen.add(appointment.job_id)
                return f"{appointment.job_id} running long"
        return None

    @staticmethod
    def _on_site_since(view: DispatchView, appointment: Appointment) -> datetime | None:
        for event in reversed(view.status_events):
            if event.subject_id == appointment.external_id and event.status is Lifecycle.ON_SITE:
                return event.occurred_at
        return None

    # -- planning ------------------------------------------------------------------------------

    def _classification(self, view: DispatchView, job: Job) -> Classification:
        digest = ticket_hash(job)
        cached = self._classified.get(job.external_id)
        if cached is not None and cached[0] == digest:
            return cached[1]
        classifier = OfflineTicketClassifier(weather=lambda _: view.outdoor_temp_f)
        result = classifier(job, view.customer_of(job), view.now)
        self._classified[job.external_id] = (digest, result)
        return result

    def _minutes(self, job: Job | None, tech: Technician | None, *, p50: bool = False) -> int:
        if job is None or self._durations is None:
            return 60
        classification = self._classified.get(job.external_id)
        job_type = classification[1].job_type if classification else "general.estimate"
        estimate = self._durations.estimate(job_type, tech.external_id if tech else None)
        return max(10, round(estimate.p50 if p50 else estimate.routing))

    async def _replan(self, view: DispatchView, *, reason: str, settle_early: bool = True) -> None:
        """Plan the rest of the day. With `settle_early`, a re-plan (not the morning plan)
        ends once its search has gone `replan_idle_seconds` without a cheaper day."""
        classified = [
            job.model_copy(update={"classification": self._classification(view, job)})
            for job in view.jobs.values()
        ]
        jobs = [job for job in classified if not job.status.is_terminal]
        frame = DayFrame(view.today, view.zone)
        positions = self._positions(view)
        self._expected_end = {
            a.external_id: positions[a.technician_ids[0]].free_at
            for a in view.appointments.values()
            if a.status is Lifecycle.ON_SITE
            and a.technician_ids
            and a.technician_ids[0] in positions
        }
        data = PlanningInput(
            technicians=list(view.technicians.values()),
            jobs=classified,  # done ones too: an emergency done today lets its technician stay late
            appointments=list(view.appointments.values()),
            customers=view.customers,
            locations=view.locations,
            positions=positions,
        )
        previous = self._last_plan.assignment() if self._last_plan else {}
        problem = build_problem(
            data,
            frame=frame,
            weights=self.weights,
            durations=lambda job, tech: self._minutes(job, tech),
            now=view.now,
            previous=previous,
            promised_windows_hard=False,
            overtime_minutes=self.overtime_minutes,
            drive_home_in_shift=self.drive_home_in_shift,
            leave_after_shift=self.leave_after_shift,
            emergencies_sooner=self.emergencies_sooner,
            arrival_margin_minutes=self.arrival_margin_minutes,
        )
        by_id = {job.external_id: job for job in jobs}
        problem = keep_room_for_overruns(
            problem, by_id, self._spread, self.overrun_room_quantile, self.routing_quantile
        )
        problem = keep_room_for_visits_under_way(
            problem,
            by_id,
            view.technicians,
            self._spread,
            positions,
            view.now,
            frame,
            self.overrun_room_quantile,
            self.routing_quantile,
        )
        budget = min(
            self.max_seconds, max(self.min_seconds, self.seconds_per_job * len(problem.jobs))
        )
        params = self.solve_params
        if self._last_plan is None:
            budget = max(budget, self.morning_seconds)
        elif settle_early:
            params = replace(params, idle_seconds=self.replan_idle_seconds)
        initial = (
            {r.technician_id: [s.job_id for s in r.stops] for r in self._last_plan.routes}
            if self._last_plan
            else None
        )
        travel = None
        if self.learn_drive_speed:
            drives = self._drive_speed.drives(
                view.status_events,
                view.appointments,
                view.jobs,
                view.locations,
                view.technicians,
                view.zone,
            )
            self.drive_factor = self._drive_speed.factor(drives)
            travel = self._drive_speed.travel_at(self.drive_factor)
        began = time.perf_counter()
        plan = solve_handing_on(
            problem,
            only_dispatched(data.appointments),
            time_limit=budget,
            initial=initial,
            params=params,
            travel=travel,
        )
        plan = name_off_shift(plan, problem, data.technicians, frame.day)
        if self.morning is None:
            self.morning = (problem, plan)
        self._last_plan = plan
        self.plans += 1
        self._note_reasons(problem, plan, frame)
        emergencies = {
            job.id
            for job in problem.jobs
            if self.emergencies_sooner and job.urgency == Urgency.EMERGENCY.value
        }
        reach = self._reach(view, plan, frame, positions, jobs)
        fresh = await self._write(view, plan, frame, emergencies, reach)
        self._note_chances(view, plan, frame, fresh, positions, jobs)
        self._note_delays(view, plan, frame)
        log.info(
            "re-planned",
            reason=reason,
            unassigned=len(plan.unassigned),
            budget_seconds=round(budget, 1),
            # A re-plan may settle well inside its budget (`replan_idle_seconds`).
            seconds=round(time.perf_counter() - began, 2),
            drive_factor=self.drive_factor,
        )

    def _note_chances(
        self,
        view: DispatchView,
        plan: opt.Plan,
        frame: DayFrame,
        fresh: Mapping[str, tuple[str, TimeWindow]],
        positions: Mapping[str, TechnicianPosition],
        jobs: Sequence[Job],
    ) -> None:
        """The chance the plan gives each window it newly promised, as the service computes
        it (`promise_odds`); only a visit's first promise counts."""
        if not fresh:
            return
        odds = promise_odds(
            plan,
            {job_id: promise for job_id, (_, promise) in fresh.items()},
            frame=frame,
            jobs={j.external_id: j for j in jobs},
            technicians=view.technicians,
            spread=self._spread,
            told=told_windows(view.appointments.values(), frame),
            positions=positions,
            now=view.now,
            routing_quantile=self.routing_quantile,
        )
        for job_id, chance in odds.items():
            self.promise_chances.setdefault(fresh[job_id][0], chance)

    def _reach(
        self,
        view: DispatchView,
        plan: opt.Plan,
        frame: DayFrame,
        positions: Mapping[str, TechnicianPosition],
        jobs: Sequence[Job],
    ) -> dict[str, datetime]:
        """Job id → when the plan arrives with `promise_confidence`, for the visits still
        without a promise (as the service places their windows)."""
        if not self.promise_confidence:
            return {}
        told = told_windows(view.appointments.values(), frame)
        return promise_reach(
            plan,
            awaiting_promise(view.appointments.values(), told),
            self.promise_confidence,
            frame=frame,
            jobs={j.external_id: j for j in jobs},
            technicians=view.technicians,
            spread=self._spread,
            told=told,
            positions=positions,
            now=view.now,
            routing_quantile=self.routing_quantile,
        )

    def _spread(self, job: Job, tech: Technician | None) -> DurationSpread:
        if self._durations is None:
            return DurationSpread(60, DEFAULT_SIGMA)
        return model_spread(self._durations, job, tech)

    def _note_delays(self, view: DispatchView, plan: opt.Plan, frame: DayFrame) -> None:
        """The delay notices this plan calls for, as the service would queue them."""
        appointments = list(view.appointments.values())
        texts = plan_texts(
            account="simulation",
            platform="sandbox",
            company="fsm-dispatch",
            today=True,
            assignments=plan_assignments(plan, frame, appointments),
            appointments=appointments,
            jobs=view.jobs,
            customers=view.customers,
            technicians=view.technicians,
            zone=view.zone,
            quiet=self.quiet_hours,
            now=view.now,
        )
        for text in texts:
            self.delay_notices.setdefault(
                text.idempotency_key, (text.appointment_id, text.available_at)
            )

    def first_delay_notices(self) -> dict[str, datetime]:
        """Appointment id → when its customer was first told of a delay."""
        first: dict[str, datetime] = {}
        for appointment, at in self.delay_notices.values():
            first[appointment] = min(at, first.get(appointment, at))
        return first

    def _note_reasons(self, problem: opt.Problem, plan: opt.Plan, frame: DayFrame) -> None:
        for unassigned in plan.unassigned:
            job_id = unassigned.job_id
            reason = unassigned.reason.replace("_", " ")
            why = f"{reason}: {unassigned.detail}" if unassigned.detail else reason
            if unassigned.reason == "no_qualified_technician":
                if job_id in self.left_out:
                    # The qualified technicians' shifts are over (a plan only has those still
                    # on shift): why the job was left out while they worked still stands.
                    continue
                if job_id in self._planned_for:
                    tech, start = self._planned_for[job_id]
                    why = f"last planned for {tech} at {frame.at(start):%H:%M}; then {why}"
            self.left_out[job_id] = why
        pinned = {job.id for job in problem.jobs if job.pin is not None}
        why_passed = {row[0]: row[3] for row in preferences_passed_over(plan, problem)}
        for route in plan.routes:
            for stop in route.stops:
                self.left_out.pop(stop.job_id, None)
                self._planned_for[stop.job_id] = (route.technician_id, stop.start)
                if stop.job_id in pinned:
                    continue
                if stop.job_id in why_passed:
                    self.passed_over[stop.job_id] = why_passed[stop.job_id]
                else:
                    self.passed_over.pop(stop.job_id, None)

    def _positions(self, view: DispatchView) -> dict[str, TechnicianPosition]:
        """Where each technician is now, from the status events: on site, or after a visit."""
        data = PlanningInput(
            technicians=list(view.technicians.values()),
            jobs=list(view.jobs.values()),
            appointments=list(view.appointments.values()),
            customers=view.customers,
            locations=view.locations,
        )
        return technician_positions(
            view.status_events,
            data,
            lambda job, tech: self._minutes(job, tech, p50=True),
            now=view.now,
            zone=view.zone,
        )

    @staticmethod
    def _committed_elsewhere(
        view: DispatchView, route: opt.Route, planned: set[str]
    ) -> list[datetime]:
        """Ends of the visits this technician is committed to that the plan left out of every
        route (a pinned visit nobody could fit): nothing new may be booked over them. A visit
        the plan handed on to another technician (in `planned`) no longer holds this one."""
        return [
            a.window.end
            for a in view.appointments.values()
            if a.status in (Lifecycle.DISPATCHED, Lifecycle.EN_ROUTE)
            and route.technician_id in a.technician_ids
            and a.job_id not in planned
            and a.window is not None
        ]

    async def _write(
        self,
        view: DispatchView,
        plan: opt.Plan,
        frame: DayFrame,
        emergencies: set[str],
        reach: Mapping[str, datetime],
    ) -> dict[str, tuple[str, TimeWindow]]:
        """Assignments, scheduled times and promises, as the FSM's board shows them.

        A technician works their visits in order of scheduled start and heads out to arrive at
        it, so each visit is scheduled at the earliest moment its promise allows while keeping
        the plan's order: early arrival inside the promised window is welcome, and a visit
        that finishes off its estimate triggers a re-plan. An emergency the plan reaches well
        before its promised window has its promise brought forward (`sooner`).
        Returns job id → (appointment id, window) of the promises given for the first time.
        """
        fresh: dict[str, tuple[str, TimeWindow]] = {}
        served = {stop.job_id for route in plan.routes for stop in route.stops}
        for route in plan.routes:
            todo: list[tuple[opt.Stop, Appointment, TimeWindow]] = []
            floor = max([view.now, *self._committed_elsewhere(view, route, served)])
            for stop in route.stops:
                appointments = [
                    a
                    for a in view.appointments_of(stop.job_id)
                    if a.status is not Lifecycle.CANCELED
                ]
                if not appointments:
                    continue
                appointment = appointments[0]
                start = frame.at(stop.start)
                self._planned_end[stop.job_id] = frame.at(stop.end)
                if appointment.status in (Lifecycle.EN_ROUTE, Lifecycle.ON_SITE) or (
                    appointment.status.is_terminal
                ):
                    floor = max(floor, frame.at(stop.end))
                    continue
                # A promise for an earlier day is spent: the customer is given a new one, as
                # the service gives one (`promises.py`).
                promise = frame.current(appointment.arrival_window)
                first_promise = promise is None
                if promise is None:
                    promise = new_promise(
                        start,
                        now=view.now,
                        width=PROMISE_WIDTH,
                        lead=self.promise_lead,
                        reach=reach.get(stop.job_id),
                    )
                sooner = (
                    brought_forward(promise, start, now=view.now, lead=self.promise_lead)
                    if stop.job_id in emergencies
                    else None
                )
                if sooner is not None:
                    promise = sooner
                    self.sooner_notices.setdefault(appointment.external_id, view.now)
                if first_promise:
                    fresh[stop.job_id] = (appointment.external_id, promise)
                after = floor + timedelta(minutes=1)
                # Never before the slot in front of it, even when the plan says earlier (behind
                # a committed visit the plan could not fit): slots of one technician never overlap.
                scheduled = max(after, min(start, max(promise.start, after)))
                floor = scheduled
                todo.append((stop, appointment, promise))
                self._scheduled[stop.job_id] = scheduled
            for k, (stop, appointment, promise) in enumerate(todo):
                scheduled = self._scheduled[stop.job_id]
                # The scheduled slot ends where the next one starts, so slots never overlap.
                limit = self._scheduled[todo[k + 1][0].job_id] if k + 1 < len(todo) else None
                end = scheduled + timedelta(minutes=stop.end - stop.start)
                if limit is not None:
                    end = min(end, limit)
                window = TimeWindow(start=scheduled, end=max(end, scheduled + timedelta(minutes=1)))
                # A dispatched visit keeps its crew, unless the plan handed it on to another
                # technician: then it moves too.
                if (
                    route.technician_id not in appointment.technician_ids
                    if appointment.status is Lifecycle.DISPATCHED
                    else tuple(appointment.technician_ids) != (route.technician_id,)
                ):
                    appointment = await view.assign(appointment.external_id, [route.technician_id])
                if (
                    appointment.window is None
                    or appointment.window != window
                    or appointment.arrival_window != promise
                ):
                    await view.schedule(appointment.external_id, window, promise)
        for appointment in list(view.appointments.values()):
            if (
                appointment.job_id not in served
                and appointment.technician_ids
                and not appointment.status.is_started
                and not appointment.status.is_terminal
            ):
                await view.assign(appointment.external_id, [])
        return fresh
