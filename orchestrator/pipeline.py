"""The dispatch pipeline of one account and day: classify → plan → queue write-backs.

Sync brings the platform's records in; this turns them into a plan. Each run:
1. classifies jobs whose ticket text is new or changed (overrides survive, see overrides.py);
2. builds the day's problem from the store, with started stops pinned and the previous plan
   as warm start and churn reference;
3. solves, stores the plan, and queues a write-back for every appointment whose technicians
   or scheduled times change, and the customer texts the plan calls for (a delay notice, a
   next-day reminder; `customer_texts.py`) — in the same transaction, so nothing is lost or
   written or sent twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import structlog
from sqlmodel import Session

import optimizer as opt
from connectors.records import (
    Appointment,
    Classification,
    Customer,
    Job,
    Lifecycle,
    Location,
    RecordKey,
    StatusEvent,
    Technician,
    TimeWindow,
    Urgency,
)
from optimizer.durations import DEFAULT_SIGMA
from orchestrator.approvals import ProposedChange, request_approval
from orchestrator.change_review import decided_pins, moves, pin_jobs, proposed_change, verdict
from orchestrator.committed import only_dispatched, solve_handing_on
from orchestrator.customer_texts import QuietHours, declined_texts, plan_texts, queue_texts
from orchestrator.drive_speed import DRIVE_DAYS, Drive, DriveSpeed
from orchestrator.emergency_review import (
    asked_about,
    emergency_answers,
    emergency_question,
    new_emergencies,
)
from orchestrator.log import bind_correlation
from orchestrator.off_shift import name_off_shift
from orchestrator.planning import (
    DayFrame,
    DurationFn,
    PlanningInput,
    build_problem,
    plan_assignments,
    shift_left,
    technician_positions,
)
from orchestrator.promise_odds import (
    DurationSpread,
    SpreadFn,
    awaiting_promise,
    keep_room_for_overruns,
    keep_room_for_visits_under_way,
    promise_odds,
    promise_reach,
    told_windows,
)
from orchestrator.promises import new_promise
from orchestrator.settings import Settings
from orchestrator.sooner import brought_forward
from orchestrator.store import ApprovalRow, PlannedAssignment, Store
from orchestrator.ticket_classifier import ticket_hash
from orchestrator.writeback import queue_assignment, queue_window

__all__ = ["Classifier", "DayResult", "DispatchPipeline"]

log = structlog.get_logger(__name__)


class Classifier(Protocol):
    def __call__(self, job: Job, customer: Customer | None, now: datetime) -> Classification: ...


@dataclass
class DayResult:
    plan: opt.Plan
    problem: opt.Problem
    plan_id: int
    writes_queued: int
    classified: int
    unassigned: list[str] = field(default_factory=list)
    texts_queued: int = 0
    promised: dict[str, tuple[TimeWindow, float]] = field(default_factory=dict)
    """Appointment id → the window this plan promised a visit that had none, and the chance
    of arriving inside it."""
    drive_factor: float = 1.0
    """The plan's driving minutes over the travel estimate's (`drive_speed.py`)."""


@dataclass
class DispatchPipeline:
    store: Store
    settings: Settings
    account: str
    platform: str
    classify: Classifier
    durations: DurationFn
    spread: SpreadFn | None = None
    """Median and spread of a job's minutes, for the chance of keeping a promise; None takes
    the routing minutes as the median, with the usual spread of field visits."""
    travel: opt.TravelTimes | None = None
    time_limit: float | None = None
    solve_params: opt.SolveParams | None = None
    on_plan: Callable[[opt.Plan], None] | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    """When a plan laid out without `now` (a later day) is made: its reminders' send time."""
    _drive_speed: DriveSpeed | None = field(default=None, init=False, repr=False)
    _past_drives: dict[date, list[Drive]] = field(default_factory=dict, init=False, repr=False)

    def zone(self) -> ZoneInfo:
        """The account's time zone (the settings' default when the account names none)."""
        return self.settings.zone(self.account)

    def classify_new(self, now: datetime) -> int:
        """Classify jobs whose ticket text changed since their last classification."""
        jobs = self.store.list(Job, account=self.account, platform=self.platform)
        customers = {
            c.external_id: c
            for c in self.store.list(Customer, account=self.account, platform=self.platform)
        }
        done = 0
        for job in jobs:
            if job.deleted or job.status.is_terminal:
                continue
            digest = ticket_hash(job)
            found = self.store.get_classification(job.key)
            if found is not None and found[1].content_hash == digest:
                continue
            result = self.classify(job, customers.get(job.customer_id or ""), now)
            review = result.confidence < self.settings.classification.review_below_confidence
            self.store.save_classification(
                job.key, result, needs_review=review, content_hash=digest
            )
            done += 1
        return done

    def plan_day(
        self, day: date, *, now: datetime | None = None, kind: str = "replan"
    ) -> DayResult:
        with bind_correlation("plan", account=self.account, day=day.isoformat()) as correlation_id:
            classified = self.classify_new(
                now or datetime.combine(day, datetime.min.time(), self.zone())
            )
            frame = DayFrame(day, self.zone())
            data = self._inputs()
            events = (
                self.store.status_events(
                    self.account,
                    self.platform,
                    since=frame.origin,
                    until=frame.origin + timedelta(days=1),
                )
                if now is not None or self.settings.planning.learn_drive_speed
                else []
            )
            travel, drive_factor = self._learned_travel(data, frame, events)
            if now is not None:
                # During the day each technician goes on from where they are, when they are free.
                data = replace(
                    data,
                    positions=technician_positions(
                        events, data, self._minutes, now=now, zone=frame.zone
                    ),
                )
            width = timedelta(minutes=self.settings.planning.promise_window_minutes)
            if width:
                # A promise queued but not yet on the platform binds this plan as one shown there.
                queued = self.store.queued_promises(
                    self.account,
                    self.platform,
                    (
                        a.external_id
                        for a in data.appointments
                        if not frame.current(a.arrival_window)
                    ),
                    since=frame.origin - timedelta(days=1),
                )
                data = replace(data, appointments=_with_queued(data.appointments, queued, frame))
            previous_row = self.store.current_plan(self.account, day)
            previous = (
                {a.job_external_id: a.technician_external_id for a in previous_row[1]}
                if previous_row
                else {}
            )
            problem = build_problem(
                data,
                frame=frame,
                weights=self.settings.planning.weights,
                durations=self.durations,
                now=now,
                overtime_minutes=self.settings.planning.overtime_minutes,
                drive_home_in_shift=self.settings.planning.drive_home_in_shift,
                leave_after_shift=self.settings.planning.leave_after_shift,
                emergencies_sooner=self.settings.planning.emergencies_sooner,
                arrival_margin_minutes=self.settings.planning.arrival_margin_minutes,
                previous=previous,
                # During the day a promise that can no longer be kept is kept late (and the
                # customer told), not dropped; a day laid out ahead keeps every promise.
                promised_windows_hard=now is None,
            )
            by_id = {job.external_id: job for job in data.jobs}
            planning = self.settings.planning
            problem = keep_room_for_overruns(
                problem,
                by_id,
                self._spread,
                planning.overrun_room_quantile,
                planning.routing_quantile,
            )
            if now is not None:
                problem = keep_room_for_visits_under_way(
                    problem,
                    by_id,
                    {t.external_id: t for t in data.technicians},
                    self._spread,
                    data.positions,
                    now,
                    frame,
                    planning.overrun_room_quantile,
                    planning.routing_quantile,
                )
            initial: dict[str, list[str]] | None = None
            if previous_row:
                initial = {}
                for a in previous_row[1]:
                    initial.setdefault(a.technician_external_id, []).append(a.job_external_id)
            reviewed = self._reviews_moves(now)
            asked = self.store.approvals(self.account, since=frame.origin) if reviewed else []
            emergency = emergency_answers(asked)
            if emergency.declined:
                problem = problem.replace(
                    jobs=tuple(j for j in problem.jobs if j.id not in emergency.declined)
                )
                if initial is not None:
                    initial = {
                        t: [j for j in jobs if j not in emergency.declined]
                        for t, jobs in initial.items()
                    }
            answered = {**decided_pins(asked, data.appointments), **emergency.pins}
            if answered:
                problem = pin_jobs(problem, answered)
            plan = self._solve(problem, data, initial, set(answered), travel)
            if reviewed and now is not None:
                waiting = self._ask_about_moves(
                    problem,
                    plan,
                    data,
                    frame,
                    asked,
                    now,
                    chosen=set(emergency.pins),
                    travel=travel,
                )
                if waiting:
                    # The visits stay where the board has them while a coordinator decides.
                    problem = pin_jobs(problem, waiting)
                    plan = self._solve(
                        problem, data, _routes_of(plan), {*answered, *waiting}, travel
                    )
                self._tell_about_emergencies(problem, plan, data, frame, asked, now, travel)
            plan = name_off_shift(plan, problem, data.technicians, day)
            assignments = plan_assignments(plan, frame, data.appointments)
            writes = 0
            with self.store.transaction() as session:
                plan_id = self.store.save_plan(
                    account=self.account,
                    platform=self.platform,
                    service_date=day,
                    kind=kind,
                    assignments=assignments,
                    objective=plan.objective,
                    data={"cost": plan.cost, "unassigned": [u.job_id for u in plan.unassigned]},
                    correlation_id=correlation_id,
                    session=session,
                )
                by_job = {a.job_id: a for a in data.appointments}
                reach = self._promise_reach(plan, frame, data, now) if width else {}
                # Appointment id → the promise this plan gives a visit that had none.
                promised: dict[str, TimeWindow] = {}
                promised_jobs: dict[str, str] = {}  # job id → appointment id
                urgent = (
                    {j.id for j in problem.jobs if j.urgency == Urgency.EMERGENCY.value}
                    if self.settings.planning.emergencies_sooner
                    else set()
                )
                for planned in assignments:
                    appointment = by_job.get(planned.job_external_id)
                    if appointment is None:
                        continue  # an unbooked job needs a booking first
                    # Visits under way stay put; a dispatched one moves only when the plan
                    # handed it on to someone not on its crew.
                    handed_on = (
                        appointment.status is Lifecycle.DISPATCHED
                        and planned.technician_external_id not in appointment.technician_ids
                    )
                    if appointment.status.is_started and not handed_on:
                        continue
                    if tuple(appointment.technician_ids) != (planned.technician_external_id,):
                        writes += queue_assignment(
                            self.store,
                            account=self.account,
                            platform=self.platform,
                            appointment_id=appointment.external_id,
                            technician_ids=[planned.technician_external_id],
                            plan_id=plan_id,
                            reason=f"{kind} plan",
                            available_at=now,
                            session=session,
                        )
                    scheduled = TimeWindow(start=planned.planned_start, end=planned.planned_end)
                    # An earlier day's promise is spent; it is not written back.
                    told = frame.current(appointment.arrival_window)
                    promise = told
                    if told is None and width and not appointment.status.is_terminal:
                        promise = new_promise(
                            planned.planned_start,
                            now=now,
                            width=width,
                            reach=reach.get(planned.job_external_id),
                        )
                        promised[appointment.external_id] = promise
                        promised_jobs[planned.job_external_id] = appointment.external_id
                    if now is not None and told is not None and planned.job_external_id in urgent:
                        promise = brought_forward(told, planned.planned_start, now=now) or told
                    if (
                        appointment.window is None
                        or _moved(appointment.window, scheduled)
                        or promise != told
                    ):
                        writes += queue_window(
                            self.store,
                            account=self.account,
                            platform=self.platform,
                            appointment_id=appointment.external_id,
                            window=scheduled,
                            arrival_window=promise,
                            plan_id=plan_id,
                            reason=f"{kind} plan",
                            available_at=now,
                            session=session,
                        )
                for job_id in sorted(emergency.declined):
                    declined = by_job.get(job_id)
                    if declined is None or not declined.technician_ids:
                        continue
                    if declined.status.is_started or declined.status.is_terminal:
                        continue  # under way: the technician and the coordinator settle it
                    writes += queue_assignment(
                        self.store,
                        account=self.account,
                        platform=self.platform,
                        appointment_id=declined.external_id,
                        technician_ids=[],
                        plan_id=plan_id,
                        reason="emergency declined by a coordinator",
                        available_at=now,
                        session=session,
                    )
                odds = self._promise_odds(plan, frame, data, promised, promised_jobs, now)
                if odds:
                    self.store.annotate_plan(
                        plan_id,
                        {
                            "promises": {
                                a: {"start": w.start.isoformat(), "end": w.end.isoformat(),
                                    "chance": round(odds[a], 3)}
                                for a, w in promised.items() if a in odds
                            }
                        },
                        session=session,
                    )  # fmt: skip
                texts = self._queue_texts(data, assignments, kind, now, session, promised)
                if emergency.declined and now is not None:
                    texts += self._queue_declined_texts(data, emergency.declined, now, session)
            if self.on_plan is not None:
                self.on_plan(plan)
            log.info(
                "day planned",
                jobs=len(problem.jobs),
                unassigned=len(plan.unassigned),
                writes=writes,
                texts=texts,
                objective=round(plan.objective),
                promises=len(odds),
                least_sure_promise=round(min(odds.values()), 2) if odds else None,
            )
            return DayResult(
                plan,
                problem,
                plan_id,
                writes,
                classified,
                [u.job_id for u in plan.unassigned],
                texts,
                {a: (promised[a], chance) for a, chance in odds.items()},
                drive_factor,
            )

    def _solve(
        self,
        problem: opt.Problem,
        data: PlanningInput,
        initial: Mapping[str, Sequence[str]] | None,
        decided: set[str] | None = None,
        travel: opt.TravelTimes | None = None,
    ) -> opt.Plan:
        """Solve, handing on loaded visits their technician can no longer fit, except those a
        coordinator holds (`decided`): they stay, in overtime if need be."""
        return solve_handing_on(
            problem,
            only_dispatched(data.appointments) - (decided or set()),
            time_limit=self.time_limit or self.settings.planning.time_limit_seconds,
            params=self.solve_params,
            initial=initial,
            travel=travel,
        )

    def _learned_travel(
        self, data: PlanningInput, frame: DayFrame, events: Sequence[StatusEvent]
    ) -> tuple[opt.TravelTimes | None, float]:
        """`travel` at the speed the fleet's drives of the last `DRIVE_DAYS` were timed at, and
        that factor; `events` are the planned day's own."""
        if not self.settings.planning.learn_drive_speed:
            return self.travel, 1.0
        if self._drive_speed is None:
            self._drive_speed = DriveSpeed(self.travel or opt.OfflineTravel())
        speed = self._drive_speed

        def drives_in(events: Iterable[StatusEvent]) -> list[Drive]:
            return speed.drives(
                events,
                {a.external_id: a for a in data.appointments},
                {j.external_id: j for j in data.jobs},
                data.locations,
                {t.external_id: t for t in data.technicians},
                frame.zone,
            )

        # The days before are read once per day planned (today's, and tomorrow's after
        # `next_day_from`); only the planned day's own drives are read again at each run.
        if frame.day not in self._past_drives:
            if len(self._past_drives) >= 2:
                self._past_drives.pop(min(self._past_drives))
            start = frame.origin - timedelta(days=DRIVE_DAYS)
            before = self.store.status_events(
                self.account, self.platform, since=start, until=frame.origin
            )
            self._past_drives[frame.day] = drives_in(before)
        drives = self._past_drives[frame.day] + drives_in(events)
        factor = speed.factor(drives)
        if drives:
            log.info("drive speed", drives=len(drives), factor=factor)
        return speed.travel_at(factor), factor

    def _reviews_moves(self, now: datetime | None) -> bool:
        """Whether moves may wait for a coordinator: a re-plan of today, with Slack to ask in."""
        slack = self.settings.notifications.slack
        return now is not None and slack.enabled and bool(slack.channel)

    def _ask_about_moves(
        self,
        problem: opt.Problem,
        plan: opt.Plan,
        data: PlanningInput,
        frame: DayFrame,
        asked: Sequence[ApprovalRow],
        now: datetime,
        *,
        chosen: set[str],
        travel: opt.TravelTimes | None,
    ) -> dict[str, str]:
        """Ask a coordinator about each new move of an assigned visit the approvals policy
        holds back (`change_review.py`); job id → the board's technician, for those asked.
        Visits a coordinator already chose a technician for (`chosen`) are not asked about."""
        channel = self.settings.notifications.slack.channel
        assert channel is not None
        assignments = plan_assignments(plan, frame, data.appointments)
        planned = {a.job_external_id: a for a in assignments}
        jobs = {j.external_id: j for j in data.jobs}
        names = {t.external_id: t.name or t.external_id for t in data.technicians}
        waiting: dict[str, str] = {}
        roster = [t.id for t in problem.technicians]
        for move in moves(assignments, data.appointments, roster):
            if verdict(move, asked) is not None or move.job_id in chosen:
                continue  # asked already: the answer (or the wait) is in the pins
            if move.job_id not in jobs:
                continue
            job = jobs[move.job_id]
            change = proposed_change(
                move,
                job=job,
                customer=data.customers.get(job.customer_id or ""),
                planned=planned,
                knock_on=opt.knock_on_of(
                    problem, plan, move.job_id, now=frame.minutes(now), travel=travel
                ),
                names=names,
                zone=frame.zone,
            )
            approval = self._ask(change, channel, now, frame)
            if approval is not None:
                log.info("move waits for a coordinator", job=move.job_id, approval=approval)
                waiting[move.job_id] = move.from_technician
        return waiting

    def _ask(
        self, change: ProposedChange, channel: str, now: datetime, frame: DayFrame
    ) -> int | None:
        """Put `change` to a coordinator when the approvals policy says so; its id, else None."""
        return request_approval(
            self.store,
            account=self.account,
            change=change,
            policy=self.settings.approvals,
            channel=channel,
            now=now,
            zone=frame.zone,
        )

    def _tell_about_emergencies(
        self,
        problem: opt.Problem,
        plan: opt.Plan,
        data: PlanningInput,
        frame: DayFrame,
        asked: Sequence[ApprovalRow],
        now: datetime,
        travel: opt.TravelTimes | None,
    ) -> None:
        """Tell a coordinator of each emergency this plan sends someone to, with its cascade
        and alternatives, when the approvals policy says so (`emergency_review.py`). The
        technician goes at once; an answer changes the next plans."""
        channel = self.settings.notifications.slack.channel
        assert channel is not None
        told = asked_about(asked)
        jobs = {j.external_id: j for j in data.jobs}
        names = {t.external_id: t.name or t.external_id for t in data.technicians}
        for job_id in new_emergencies(plan, problem, data.appointments):
            if job_id in told or job_id not in jobs:
                continue
            change = emergency_question(
                job_id,
                problem=problem,
                plan=plan,
                job=jobs[job_id],
                names=names,
                origin=frame.origin,
                zone=frame.zone,
                now_minute=frame.minutes(now),
                travel=travel,
            )
            approval = self._ask(change, channel, now, frame)
            if approval is not None:
                log.info("emergency sent; coordinator told", job=job_id, approval=approval)

    def _queue_texts(
        self,
        data: PlanningInput,
        assignments: list[PlannedAssignment],
        kind: str,
        now: datetime | None,
        session: Session,
        promised: Mapping[str, TimeWindow],
    ) -> int:
        """Queue the customer texts of a plan, when the settings enable SMS: delay notices
        for a re-plan of today (`now` given), reminders for the next-day plan."""
        sms = self.settings.notifications.sms
        if not sms.enabled or (now is None and kind != "next_day"):
            return 0
        account = self.settings.account(self.account)
        texts = plan_texts(
            account=self.account,
            platform=self.platform,
            company=account.name or self.account,
            today=now is not None,
            assignments=assignments,
            appointments=data.appointments,
            jobs={job.external_id: job for job in data.jobs},
            customers=data.customers,
            technicians={t.external_id: t for t in data.technicians},
            zone=self.zone(),
            quiet=QuietHours.parse(sms.quiet_hours),
            now=now or self.clock(),
            new_promises=promised,
        )
        return queue_texts(self.store, texts, account=self.account, session=session)

    def _queue_declined_texts(
        self, data: PlanningInput, declined: Iterable[str], now: datetime, session: Session
    ) -> int:
        """Tell each customer whose emergency a coordinator declined that nobody comes today,
        when the settings enable SMS (once a day: the key carries the day)."""
        sms = self.settings.notifications.sms
        if not sms.enabled:
            return 0
        texts = declined_texts(
            account=self.account,
            platform=self.platform,
            company=self.settings.account(self.account).name or self.account,
            declined=declined,
            appointments=data.appointments,
            jobs={job.external_id: job for job in data.jobs},
            customers=data.customers,
            zone=self.zone(),
            quiet=QuietHours.parse(sms.quiet_hours),
            now=now,
        )
        return queue_texts(self.store, texts, account=self.account, session=session)

    def shift_left(self, day: date, now: datetime) -> bool:
        """Whether anyone is still on shift on `day` after `now`: a re-plan has work to do."""
        technicians = self.store.list(Technician, account=self.account, platform=self.platform)
        return shift_left(technicians, DayFrame(day, self.zone()), now)

    def running_long(self, now: datetime) -> dict[str, str]:
        """Visits on site today for longer than `lanes.overrun_threshold` × their estimate:
        appointment id → job id. Their technician's next stops are at risk, so the day is worth
        planning again before the schedule comes round (DESIGN: an overrun starts a re-plan)."""
        frame = DayFrame(now.astimezone(self.zone()).date(), self.zone())
        events = self.store.status_events(
            self.account, self.platform, since=frame.origin, until=now + timedelta(seconds=1)
        )
        arrived = {
            e.subject_id: e
            for e in events
            if e.subject == "appointment" and e.status is Lifecycle.ON_SITE
        }
        threshold = self.settings.lanes.overrun_threshold
        out: dict[str, str] = {}
        for appointment_id, event in arrived.items():
            visit = self.store.get(Appointment, self.job_key(appointment_id))
            if visit is None or visit.status is not Lifecycle.ON_SITE:
                continue
            job = self.store.get(Job, self.job_key(visit.job_id))
            tech_id = event.technician_id or next(iter(visit.technician_ids), None)
            tech = self.store.get(Technician, self.job_key(tech_id)) if tech_id else None
            if job is None:
                continue
            found = self.store.get_classification(job.key)
            job = job.model_copy(update={"classification": found[0] if found else None})
            estimate = timedelta(minutes=self._minutes(job, tech) * threshold)
            if now - event.occurred_at > estimate:
                out[appointment_id] = visit.job_id
        return out

    def _promise_odds(
        self,
        plan: opt.Plan,
        frame: DayFrame,
        data: PlanningInput,
        promised: Mapping[str, TimeWindow],
        promised_jobs: Mapping[str, str],
        now: datetime | None,
    ) -> dict[str, float]:
        """Appointment id → the chance of arriving inside the window this plan promised it."""
        if not promised_jobs:
            return {}
        by_job = promise_odds(
            plan,
            {job: promised[appointment] for job, appointment in promised_jobs.items()},
            frame=frame,
            jobs={j.external_id: j for j in data.jobs},
            technicians={t.external_id: t for t in data.technicians},
            spread=self._spread,
            told=told_windows(data.appointments, frame),
            positions=data.positions,
            now=now,
            routing_quantile=self.settings.planning.routing_quantile,
        )
        return {promised_jobs[job]: chance for job, chance in by_job.items()}

    def _promise_reach(
        self, plan: opt.Plan, frame: DayFrame, data: PlanningInput, now: datetime | None
    ) -> dict[str, datetime]:
        """Job id → when the plan arrives with `planning.promise_confidence`, for the visits it
        will promise a window to (none when that setting is off)."""
        confidence = self.settings.planning.promise_confidence
        if not confidence:
            return {}
        told = told_windows(data.appointments, frame)
        return promise_reach(
            plan,
            awaiting_promise(data.appointments, told),
            confidence,
            frame=frame,
            jobs={j.external_id: j for j in data.jobs},
            technicians={t.external_id: t for t in data.technicians},
            spread=self._spread,
            told=told,
            positions=data.positions,
            now=now,
            routing_quantile=self.settings.planning.routing_quantile,
        )

    def _spread(self, job: Job, tech: Technician | None) -> DurationSpread:
        if self.spread is not None:
            return self.spread(job, tech)
        return DurationSpread(self._minutes(job, tech), DEFAULT_SIGMA)

    def _minutes(self, job: Job, tech: Technician | None) -> float:
        return self.durations(job, tech) if tech is not None else 60

    def _inputs(self) -> PlanningInput:
        account, platform = self.account, self.platform
        classifications = self.store.classifications(account, platform)
        jobs = [
            job.model_copy(update={"classification": classifications.get(job.external_id)})
            for job in self.store.list(Job, account=account, platform=platform)
        ]
        return PlanningInput(
            technicians=self.store.list(Technician, account=account, platform=platform),
            jobs=jobs,
            appointments=self.store.list(Appointment, account=account, platform=platform),
            customers={
                c.external_id: c
                for c in self.store.list(Customer, account=account, platform=platform)
            },
            locations={
                loc.external_id: loc
                for loc in self.store.list(Location, account=account, platform=platform)
            },
        )

    def job_key(self, external_id: str) -> RecordKey:
        return RecordKey(platform=self.platform, account=self.account, external_id=external_id)


def _with_queued(
    appointments: Sequence[Appointment], queued: Mapping[str, TimeWindow], frame: DayFrame
) -> list[Appointment]:
    """`appointments` with each promise queued for the day filled in where the platform shows
    none for it yet."""
    out = []
    for appointment in appointments:
        promise = frame.current(queued.get(appointment.external_id))
        if promise is not None and frame.current(appointment.arrival_window) is None:
            appointment = appointment.model_copy(update={"arrival_window": promise})
        out.append(appointment)
    return out


def _routes_of(plan: opt.Plan) -> dict[str, list[str]]:
    return {r.technician_id: [s.job_id for s in r.stops] for r in plan.routes}


def _moved(
    current: TimeWindow, planned: TimeWindow, tolerance: timedelta = timedelta(minutes=5)
) -> bool:
    return (
        abs(current.start - planned.start) > tolerance or abs(current.end - planned.end) > tolerance
    )
