"""Stored records of a day become the optimizer's problem, and its plan becomes assignments."""

from __future__ import annotations

import warnings
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from connectors.records import (
    Appointment,
    Certification,
    Classification,
    Customer,
    GeoPoint,
    Job,
    Lifecycle,
    Location,
    Shift,
    Sla,
    SlaTier,
    StatusEvent,
    Technician,
    TimeOff,
    TimeWindow,
    Urgency,
)
from optimizer import Break, OfflineTravel, Point, Problem, Window, check_plan, solve
from orchestrator.planning import (
    DayFrame,
    PlanningInput,
    TechnicianPosition,
    build_problem,
    plan_assignments,
    technician_positions,
)
from orchestrator.settings import ObjectiveWeights, PlanningSettings

ZONE = ZoneInfo("America/Denver")
DAY = date(2026, 12, 1)
FRAME = DayFrame(DAY, ZONE)
KEY = {"platform": "sandbox", "account": "demo"}


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, hour, minute, tzinfo=ZONE)


def _tech(tech_id: str, **extra: object) -> Technician:
    fields: dict[str, object] = {
        "name": tech_id,
        "home": GeoPoint(lat=39.74, lon=-104.99),
        "shifts": (Shift(start=_at(8), end=_at(17)),),
        "skills": frozenset({"epa_608"}),
    }
    return Technician(**KEY, external_id=tech_id, **(fields | extra))  # type: ignore[arg-type]


def _job(job_id: str, **extra: object) -> Job:
    fields: dict[str, object] = {
        "customer_id": "C1",
        "location_id": job_id,
        "status": Lifecycle.SCHEDULED,
    }
    return Job(**KEY, external_id=job_id, **(fields | extra))  # type: ignore[arg-type]


def _inputs(
    techs: list[Technician], jobs: list[Job], appointments: list[Appointment]
) -> PlanningInput:
    locations = {
        j.external_id: Location(
            **KEY, external_id=j.external_id, point=GeoPoint(lat=39.70 + 0.01 * k, lon=-104.95)
        )
        for k, j in enumerate(jobs)
    }
    customer = Customer(**KEY, external_id="C1", preferred_technicians=("T2",))
    return PlanningInput(techs, jobs, appointments, {"C1": customer}, locations)


def _durations(job: Job, tech: Technician) -> int:
    return 60 if tech.external_id != "T2" else 45


def test_minutes_are_counted_from_local_midnight_across_daylight_saving() -> None:
    assert FRAME.minutes(_at(8, 30)) == 510
    assert FRAME.at(510) == _at(8, 30)
    spring = DayFrame(date(2027, 3, 14), ZONE)  # clocks jump 02:00 → 03:00
    assert spring.minutes(datetime(2027, 3, 14, 8, 0, tzinfo=ZONE)) == 420


def test_a_day_becomes_a_problem_with_windows_skills_urgency_and_preferences() -> None:
    window = TimeWindow(start=_at(8), end=_at(10))
    jobs = [
        _job(
            "J1",
            classification=Classification(
                trade="hvac",
                job_type="hvac.no_heat",
                urgency=Urgency.EMERGENCY,
                skills=frozenset({"gas_fitter"}),
            ),
            sla=Sla(tier=SlaTier.GOLD),
        ),
        _job("J2"),
        _job("J3", status=Lifecycle.CANCELED),
    ]
    appointments = [
        Appointment(**KEY, external_id="A2", job_id="J2", window=window, arrival_window=window)
    ]
    problem = build_problem(
        _inputs([_tech("T1"), _tech("T2")], jobs, appointments),
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
    )
    by_id = {j.id: j for j in problem.jobs}
    assert set(by_id) == {"J1", "J2"}  # the canceled job is not planned
    assert by_id["J1"].urgency == "emergency" and by_id["J1"].skills == {"gas_fitter"}
    assert by_id["J1"].priority == 2
    assert by_id["J2"].windows[0].start == 480 and by_id["J2"].windows[0].end == 600
    assert by_id["J2"].told_window is not None
    assert by_id["J2"].preferred == {"T2"}
    assert by_id["J2"].service_minutes_by_technician == {"T1": 60, "T2": 45}


def test_expired_certifications_and_time_off_shape_the_technicians() -> None:
    expired = _tech(
        "T1",
        certifications=(Certification(name="gas_fitter", expires_on=date(2026, 11, 30)),),
        skills=frozenset({"epa_608", "gas_fitter"}),
    )
    off_all_day = _tech("T2", time_off=(TimeOff(start=_at(0), end=_at(23, 59)),))
    off_morning = _tech("T3", time_off=(TimeOff(start=_at(8), end=_at(12)),))
    problem = build_problem(
        _inputs([expired, off_all_day, off_morning], [], []),
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
    )
    techs = {t.id: t for t in problem.technicians}
    assert set(techs) == {"T1", "T3"}
    assert techs["T1"].skills == {"epa_608"}
    assert techs["T3"].shift_start == 12 * 60


def test_stops_under_way_shape_the_day_and_nothing_starts_in_the_past() -> None:
    """On site: the technician is busy there until then. En route: pinned first. Rest: after now."""
    on_site = Appointment(
        **KEY,
        external_id="A1",
        job_id="J1",
        technician_ids=("T1",),
        status=Lifecycle.ON_SITE,
        window=TimeWindow(start=_at(9), end=_at(10)),
    )
    en_route = Appointment(
        **KEY,
        external_id="A2",
        job_id="J2",
        technician_ids=("T2",),
        status=Lifecycle.EN_ROUTE,
        window=TimeWindow(start=_at(9), end=_at(10)),
    )
    data = _inputs(
        [_tech("T1"), _tech("T2")], [_job("J1"), _job("J2"), _job("J3")], [on_site, en_route]
    )
    data = PlanningInput(
        data.technicians,
        data.jobs,
        data.appointments,
        data.customers,
        data.locations,
        positions={"T1": TechnicianPosition(GeoPoint(lat=39.70, lon=-104.95), _at(10, 15))},
    )
    problem = build_problem(
        data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=_at(9, 30)
    )
    by_id = {j.id: j for j in problem.jobs}
    assert "J1" not in by_id  # under way, not re-planned
    t1 = problem.technician("T1")
    assert t1.shift_start == 615 and t1.start.lat == 39.70  # free at 10:15 where J1 is
    assert by_id["J2"].pin is not None and by_id["J2"].pin.technician == "T2"
    assert by_id["J2"].pin.sequence == 0
    assert all(w.start >= 570 for j in by_id.values() for w in j.windows)
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    assignments = plan_assignments(plan, FRAME, [on_site, en_route])
    assert next(a for a in assignments if a.job_external_id == "J2").technician_external_id == "T2"
    assert all(a.planned_start >= _at(9, 30) for a in assignments)
    assert all(a.planned_start.tzinfo is not None for a in assignments)


def test_only_the_visit_being_driven_to_stays_next_and_dispatched_ones_keep_their_window() -> None:
    """A visit the technician drives to stays their next stop; visits only loaded on their app
    stay with them, keep their promised window (soft: late beats dropped) and may wait behind
    an emergency."""

    def sent(
        appointment_id: str, job_id: str, tech: str, hour: int, status: Lifecycle
    ) -> Appointment:
        return Appointment(
            **KEY,
            external_id=appointment_id,
            job_id=job_id,
            technician_ids=(tech,),
            status=status,
            window=TimeWindow(start=_at(hour), end=_at(hour + 1)),
            arrival_window=TimeWindow(start=_at(hour), end=_at(hour + 2)),
        )

    appointments = [
        sent("A1", "J1", "T1", 11, Lifecycle.DISPATCHED),
        sent("A2", "J2", "T1", 10, Lifecycle.DISPATCHED),
        sent("A3", "J3", "T2", 9, Lifecycle.DISPATCHED),
        sent("A4", "J4", "T2", 12, Lifecycle.EN_ROUTE),
    ]
    jobs = [_job(f"J{k}") for k in range(1, 5)]
    emergency = _job("J5", urgency=Urgency.EMERGENCY, status=Lifecycle.UNSCHEDULED)
    data = _inputs([_tech("T1"), _tech("T2")], [*jobs, emergency], appointments)
    problem = build_problem(
        data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=_at(8, 30)
    )
    by_id = {j.id: j for j in problem.jobs}
    pins = {k: (j.pin.technician, j.pin.sequence) for k, j in by_id.items() if j.pin is not None}
    assert pins == {"J1": ("T1", None), "J2": ("T1", None), "J3": ("T2", None), "J4": ("T2", 0)}
    # Dispatched: the promised window, soft; driving there: whenever the drive ends.
    assert [(w.start, w.end, w.hard) for w in by_id["J2"].windows] == [(600, 720, False)]
    assert by_id["J4"].windows[0].start == 8 * 60 + 30 and by_id["J4"].windows[0].hard
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    routes = {r.technician_id: [s.job_id for s in r.stops] for r in plan.routes}
    assert routes["T2"][0] == "J4"
    assert set(routes["T1"]) >= {"J1", "J2"} and set(routes["T2"]) >= {"J3", "J4"}
    # The emergency goes first to a technician not driving anywhere, ahead of loaded visits.
    assert routes["T1"][0] == "J5"


def test_soft_promises_let_a_late_visit_happen_rather_than_none() -> None:
    late = Appointment(
        **KEY,
        external_id="A1",
        job_id="J1",
        arrival_window=TimeWindow(start=_at(8), end=_at(9)),
        window=TimeWindow(start=_at(8), end=_at(9)),
    )
    data = _inputs([_tech("T1")], [_job("J1")], [late])
    hard = build_problem(data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations)
    soft = build_problem(
        data,
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        promised_windows_hard=False,
    )
    assert hard.job("J1").windows[0].hard and not soft.job("J1").windows[0].hard


def test_a_visit_missed_on_an_earlier_day_is_planned_again_and_a_later_days_is_not() -> None:
    """Yesterday's window is spent: the job is planned today with no window and no technician
    bound to it, where it used to be skipped as another day's appointment for ever after."""
    yesterday = TimeWindow(start=_at(10) - timedelta(days=1), end=_at(12) - timedelta(days=1))
    tomorrow = TimeWindow(start=_at(10) + timedelta(days=1), end=_at(12) + timedelta(days=1))
    appointments = [
        Appointment(
            **KEY,
            external_id="A1",
            job_id="J1",
            technician_ids=("T1",),
            status=Lifecycle.DISPATCHED,
            window=yesterday,
            arrival_window=yesterday,
        ),
        Appointment(**KEY, external_id="A2", job_id="J2", window=tomorrow, arrival_window=tomorrow),
    ]
    data = _inputs([_tech("T1"), _tech("T2")], [_job("J1"), _job("J2")], appointments)
    problem = build_problem(data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations)
    assert [j.id for j in problem.jobs] == ["J1"]
    missed = problem.job("J1")
    assert missed.windows == () and missed.pin is None and missed.told_window is None
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == [] and not plan.unassigned


def test_a_designated_technician_who_is_off_leaves_the_job_unassigned_not_reassigned() -> None:
    customer = Customer(**KEY, external_id="C1", designated_technician="T9")
    data = _inputs([_tech("T1")], [_job("J1")], [])
    data = PlanningInput(data.technicians, data.jobs, (), {"C1": customer}, data.locations)
    problem = build_problem(data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations)
    plan = solve(problem, time_limit=1)
    assert [u.job_id for u in plan.unassigned] == ["J1"]
    assert plan.unassigned[0].reason == "no_qualified_technician"


def test_after_the_lunch_window_a_re_plan_plans_no_lunch_and_warns_of_nothing() -> None:
    data = _inputs([_tech("T1")], [_job("J1")], [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a passed lunch window is not suspicious input
        afternoon = build_problem(
            data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=_at(14)
        )
    morning = build_problem(
        data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=_at(9)
    )
    assert afternoon.technician("T1").lunch is None
    assert morning.technician("T1").lunch is not None


def test_a_shift_cut_short_before_lunch_plans_no_lunch_and_warns_of_nothing() -> None:
    """Called away from 09:00 (time off for the rest of the day), the morning plan has no lunch
    for them, rather than one the optimizer warns of and ignores."""
    away = _tech("T1", time_off=(TimeOff(start=_at(9), end=_at(23)),))
    data = _inputs([away, _tech("T2")], [_job("J1")], [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problem = build_problem(data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations)
    assert problem.technician("T1").shift_end <= 9 * 60
    assert problem.technician("T1").lunch is None
    assert problem.technician("T2").lunch is not None


def test_an_emergency_goes_ahead_of_a_booked_visit_it_makes_half_an_hour_late() -> None:
    """A coordinator sends the one technician to the burst pipe first and calls the booked
    customer: a minute an emergency waits outweighs a minute a promise is missed."""
    booked = Appointment(
        **KEY,
        external_id="A1",
        job_id="J1",
        arrival_window=TimeWindow(start=_at(8), end=_at(8, 45)),
        window=TimeWindow(start=_at(8), end=_at(8, 45)),
    )
    emergency = _job("J2", urgency=Urgency.EMERGENCY, status=Lifecycle.UNSCHEDULED)
    data = _inputs([_tech("T1")], [_job("J1"), emergency], [booked])
    problem = build_problem(
        data,
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        now=_at(8),
        promised_windows_hard=False,
    )
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    (route,) = plan.routes
    assert [s.job_id for s in route.stops] == ["J2", "J1"]
    # Not a free choice: the booked customer is seen late, and the emergency within minutes.
    assert route.stops[0].start <= 8 * 60 + 20 and route.stops[1].start > 8 * 60 + 45


def test_an_emergency_booked_into_a_later_window_is_planned_from_now() -> None:
    """A walk-in cooler booked into the portal's noon slot at 06:30: the plan goes now (the
    promise is brought forward and the customer told), a scheduled visit booked alike waits."""

    def booked(job_id: str) -> Appointment:
        noon = TimeWindow(start=_at(12), end=_at(14))
        return Appointment(
            **KEY, external_id=f"A{job_id}", job_id=job_id, arrival_window=noon, window=noon
        )

    def first_start(urgency: Urgency, *, sooner: bool = True) -> tuple[int, float]:
        data = _inputs([_tech("T1")], [_job("J1", urgency=urgency)], [booked("J1")])
        problem = build_problem(
            data,
            frame=FRAME,
            weights=ObjectiveWeights(),
            durations=_durations,
            now=_at(9),
            promised_windows_hard=False,
            emergencies_sooner=sooner,
        )
        plan = solve(problem, time_limit=1)
        assert check_plan(problem, plan) == []
        (job,) = problem.jobs
        if urgency is Urgency.EMERGENCY and sooner:
            # From now to half an hour before the promise (brought forward), or in it; no
            # arrival before its end breaks the promise.
            assert [(w.start, w.end) for w in job.windows] == [
                (9 * 60, 11 * 60 + 30),
                (12 * 60, 14 * 60),
            ]
            assert job.told_window is not None and job.told_window.start == 9 * 60
        return plan.routes[0].stops[0].start, plan.cost.get("told_window", 0.0)

    start, told_cost = first_start(Urgency.EMERGENCY)
    assert start < 10 * 60 and told_cost == 0
    assert first_start(Urgency.SCHEDULED)[0] == 12 * 60
    # An account that keeps every booked window as booked (planning.emergencies_sooner: false).
    assert first_start(Urgency.EMERGENCY, sooner=False)[0] == 12 * 60


def test_an_emergency_only_reachable_in_the_afternoon_is_still_planned() -> None:
    """The one technician is out until 14:30: six and a half hours of waiting cost a lot, but
    leaving the emergency for tomorrow must cost more."""
    away = _tech("T1", time_off=(TimeOff(start=_at(7), end=_at(14, 30)),))
    emergency = _job("J1", urgency=Urgency.EMERGENCY, status=Lifecycle.UNSCHEDULED)
    problem = build_problem(
        _inputs([away], [emergency], []),
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        now=_at(8),
    )
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    assert plan.assignment() == {"J1": "T1"}
    assert plan.routes[0].stops[0].start >= 14 * 60 + 30


def _on_site_since(since: datetime) -> tuple[Appointment, StatusEvent]:
    appointment = Appointment(
        **KEY, external_id="A1", job_id="J1", technician_ids=("T1",), status=Lifecycle.ON_SITE
    )
    event = StatusEvent(
        **KEY,
        external_id="S1",
        subject="appointment",
        subject_id="A1",
        status=Lifecycle.ON_SITE,
        occurred_at=since,
        technician_id="T1",
    )
    return appointment, event


def test_a_visit_running_long_is_not_taken_to_end_in_ten_minutes() -> None:
    appointment, event = _on_site_since(_at(8))
    data = _inputs([_tech("T1")], [_job("J1")], [appointment])

    def free_at(now: datetime) -> datetime:
        positions = technician_positions([event], data, _durations, now=now, zone=ZONE)
        return positions["T1"].free_at

    assert free_at(_at(8, 20)) == _at(9)  # within its hour: ends when estimated
    assert free_at(_at(8, 56)) == _at(9, 10)  # near its end: a quarter of its time again
    assert free_at(_at(10)) == _at(10, 30)  # two hours on site: another half hour
    assert free_at(_at(12)) == _at(13)


def test_an_emergency_goes_to_a_farther_technician_rather_than_wait_behind_a_long_visit() -> None:
    """T1 has been three hours on a one-hour visit next door to the emergency; T2 is free,
    twenty-odd minutes away. A coordinator sends T2."""
    appointment, event = _on_site_since(_at(8))
    far = _tech("T2", home=GeoPoint(lat=39.80, lon=-104.95))
    emergency = _job("J9", urgency=Urgency.EMERGENCY, status=Lifecycle.UNSCHEDULED)
    data = _inputs([_tech("T1"), far], [emergency, _job("J1")], [appointment])
    now = _at(11)
    positions = technician_positions([event], data, _durations, now=now, zone=ZONE)
    data = replace(data, positions=positions)
    problem = build_problem(
        data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=now
    )
    # Not seen today: T2 leaves home now, not at the start of the shift.
    assert problem.technician("T2").shift_start == 11 * 60
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    assert plan.assignment() == {"J9": "T2"}
    (route,) = [r for r in plan.routes if r.stops]
    assert route.stops[0].arrive > 11 * 60 + 15  # from home, twenty-odd minutes away


def test_the_accounts_weights_reach_the_objective() -> None:
    data = _inputs([_tech("T1")], [_job("J2")], [])
    weights = ObjectiveWeights(skill_reserve_minute=1.25, churn_moved_stop=7)
    problem = build_problem(data, frame=FRAME, weights=weights, durations=_durations)
    assert (problem.params.skill_reserve_minute, problem.params.churn_moved_stop) == (1.25, 7)
    default = build_problem(data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations)
    assert default.params.skill_reserve_minute == ObjectiveWeights().skill_reserve_minute > 0


def test_the_drive_home_is_a_commute_unless_the_account_says_vans_go_back_in_the_shift() -> None:
    data = _inputs([_tech("T1")], [_job("J2")], [])
    kept = build_problem(data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations)
    assert [(t.commute_home, t.overtime_minutes) for t in kept.technicians] == [(True, 60)]
    assert kept.params.unassigned_work_minute == ObjectiveWeights().unassigned_work_minute > 0
    depot = build_problem(
        data,
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        overtime_minutes=30,
        drive_home_in_shift=True,
    )
    assert [(t.commute_home, t.overtime_minutes) for t in depot.technicians] == [(False, 30)]


def test_where_overtime_only_finishes_a_visit_nobody_sets_out_after_the_shift() -> None:
    """16:50: T1 is on site until 17:10, past their shift; T2 is free. Twenty-minute visits
    J2 and J3 are left: with an hour of overtime T2 could do both, or T1 one, but where
    technicians set out for no visit after 17:00, one visit is left for another day."""
    on_site = Appointment(
        **KEY, external_id="A1", job_id="J1", technician_ids=("T1",), status=Lifecycle.ON_SITE
    )
    data = _inputs([_tech("T1"), _tech("T2")], [_job("J1"), _job("J2"), _job("J3")], [on_site])
    data = replace(
        data,
        positions={"T1": TechnicianPosition(GeoPoint(lat=39.70, lon=-104.95), _at(17, 10))},
    )

    def plan(**rule: bool) -> tuple[Problem, dict[str, str]]:
        problem = build_problem(
            data,
            frame=FRAME,
            weights=ObjectiveWeights(),
            durations=lambda job, tech: 20,
            now=_at(16, 50),
            **rule,
        )
        found = solve(problem, time_limit=1)
        assert check_plan(problem, found) == []
        return problem, found.assignment()

    problem, assigned = plan(leave_after_shift=False)
    t1 = problem.technician("T1")
    assert t1.last_departure == 17 * 60 - 1 < t1.shift_start  # free only after the shift
    assert list(assigned.values()) == ["T2"]
    anyway, both = plan()  # the default: overtime may start new visits
    assert {t.last_departure for t in anyway.technicians} == {None}
    assert set(both) == {"J2", "J3"}
    # In the morning, the same shifts set out for their last visits before 17:00.
    morning = build_problem(
        data,
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        leave_after_shift=False,
    )
    assert {t.last_departure for t in morning.technicians} == {17 * 60 - 1}


def _event(event_id: str, appointment_id: str, status: Lifecycle, at: datetime) -> StatusEvent:
    return StatusEvent(
        **KEY,
        external_id=event_id,
        subject="appointment",
        subject_id=appointment_id,
        status=status,
        occurred_at=at,
        technician_id="T1",
    )


def _driving_day() -> tuple[PlanningInput, list[StatusEvent]]:
    """T1 finished J1 at 11:50 and set out for J2, some twenty minutes away, at 12:00."""
    jobs = [_job("J1"), _job("J2"), _job("J3")]
    statuses = (Lifecycle.COMPLETED, Lifecycle.EN_ROUTE, Lifecycle.SCHEDULED)
    appointments = [
        Appointment(
            **KEY, external_id=f"A{k}", job_id=f"J{k}", technician_ids=("T1",), status=status
        )
        for k, status in enumerate(statuses, start=1)
    ]
    data = _inputs([_tech("T1")], jobs, appointments)
    far = Location(**KEY, external_id="J2", point=GeoPoint(lat=39.83, lon=-104.95))
    data = replace(data, locations={**data.locations, "J2": far})
    events = [
        _event("S1", "A1", Lifecycle.COMPLETED, _at(11, 50)),
        _event("S2", "A2", Lifecycle.EN_ROUTE, _at(12)),
    ]
    return data, events


def test_a_technician_on_the_road_is_counted_from_when_they_set_out() -> None:
    """Re-planning at 12:20 must not put them back at J1's door about to leave: each re-plan
    would push their arrival (and every stop after it) later than it will be."""
    data, events = _driving_day()
    left_from = data.locations["J1"].point
    assert left_from is not None

    def position(events: list[StatusEvent], now: datetime) -> TechnicianPosition:
        found = technician_positions(events, data, _durations, now=now, zone=ZONE)["T1"]
        return replace(found, idle=())  # where and when free; idle stretches: tested below

    assert position(events, _at(12, 20)) == TechnicianPosition(left_from, _at(12))
    # Setting out from home: home.
    first = [_event("S0", "A2", Lifecycle.EN_ROUTE, _at(8))]
    assert position(first, _at(8, 10)) == TechnicianPosition(_tech("T1").home, _at(8))  # type: ignore[arg-type]
    # Another of their visits canceled meanwhile: still on the road.
    other = _event("S3", "A3", Lifecycle.CANCELED, _at(12, 10))
    assert position([*events, other], _at(12, 20)) == TechnicianPosition(left_from, _at(12))
    # The visit they drive to canceled: turned back, free now.
    turned = _event("S3", "A2", Lifecycle.CANCELED, _at(12, 10))
    assert position([*events, turned], _at(12, 20)) == TechnicianPosition(left_from, _at(12, 20))
    # Completed with no arrival reported: they got there.
    there = data.locations["J2"].point
    done = _event("S3", "A2", Lifecycle.COMPLETED, _at(13))
    assert position([*events, done], _at(13, 5)) == TechnicianPosition(there, _at(13, 5))  # type: ignore[arg-type]


def test_a_technician_on_the_road_at_lunchtime_arrives_first_and_eats_after_the_visit() -> None:
    data, events = _driving_day()
    now = _at(12, 20)
    data = replace(
        data, positions=technician_positions(events, data, _durations, now=now, zone=ZONE)
    )
    problem = build_problem(
        data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=now
    )
    points = [data.locations[j].point for j in ("J1", "J2")]
    drive = OfflineTravel().matrix([Point(p.lat, p.lon) for p in points if p is not None])[0][1]
    assert drive > 20
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    route = plan.route_of("T1")
    assert route is not None and route.stops[0].job_id == "J2"
    # Left at 12:00: there when the drive ends (not at 12:20 + lunch + the whole drive).
    assert route.stops[0].start == max(12 * 60 + drive, 12 * 60 + 20)
    assert route.lunch_start is not None and route.lunch_start >= route.stops[0].end


def test_idle_stretches_run_from_each_visit_end_to_the_next_departure() -> None:
    data, events = _driving_day()  # J1 done 11:50, on the road to J2 at 12:00
    positions = technician_positions(events, data, _durations, now=_at(12, 20), zone=ZONE)
    assert positions["T1"].idle == ((_at(11, 50), _at(12)),)
    # Done at J2 at 13:00 and not gone since: idle until now.
    done = _event("S3", "A2", Lifecycle.COMPLETED, _at(13))
    positions = technician_positions([*events, done], data, _durations, now=_at(13, 40), zone=ZONE)
    assert positions["T1"].idle == ((_at(11, 50), _at(12)), (_at(13), _at(13, 40)))
    # Leaving home first thing: the stretch before it runs from the start of the day.
    first = [_event("S0", "A2", Lifecycle.EN_ROUTE, _at(8))]
    positions = technician_positions(first, data, _durations, now=_at(8, 10), zone=ZONE)
    assert positions["T1"].idle == ((datetime.combine(DAY, datetime.min.time(), ZONE), _at(8)),)


def _day_in(*statuses: Lifecycle) -> PlanningInput:
    """`_driving_day` with T1's visits A1-A3 in `statuses`."""
    data, _ = _driving_day()
    appointments = [
        a.model_copy(update={"status": status})
        for a, status in zip(data.appointments, statuses, strict=True)
    ]
    return replace(data, appointments=appointments)


def _problem_at(now: datetime, events: list[StatusEvent], data: PlanningInput) -> Problem:
    positions = technician_positions(events, data, _durations, now=now, zone=ZONE)
    return build_problem(
        replace(data, positions=positions),
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        now=now,
    )


def _lunch_at(now: datetime, events: list[StatusEvent], *statuses: Lifecycle) -> Break | None:
    return _problem_at(now, events, _day_in(*statuses)).technician("T1").lunch


def test_a_technician_busy_through_the_lunch_window_eats_as_soon_as_free() -> None:
    """On site at J1 from 10:30 to an expected 14:00 (three hours past its estimate by 13:30):
    they eat when done, before driving on, as the platform's technicians do; a plan without
    that lunch promises the next customer half an hour too soon."""
    events = [
        _event("S0", "A1", Lifecycle.EN_ROUTE, _at(10)),
        _event("S1", "A1", Lifecycle.ON_SITE, _at(10, 30)),
    ]
    on_site = (Lifecycle.ON_SITE, Lifecycle.SCHEDULED, Lifecycle.SCHEDULED)
    # 13:20, 170 minutes into a 60-minute visit: free a quarter of that later, at 14:02.
    lunch = _lunch_at(_at(13, 20), events, *on_site)
    assert lunch is not None
    assert (lunch.earliest, lunch.latest, lunch.minutes) == (14 * 60 + 2, 14 * 60 + 2, 30)
    # Expected free inside the window: the usual window.
    early = _lunch_at(_at(10, 40), events, *on_site)
    assert early is not None and (early.earliest, early.latest) == (11 * 60 + 30, 13 * 60 + 30)
    # And the plan: lunch at 14:02, then the drive to J2.
    problem = _problem_at(_at(13, 20), events, _day_in(*on_site))
    plan = solve(problem, time_limit=1)
    assert check_plan(problem, plan) == []
    route = plan.route_of("T1")
    assert route is not None and route.lunch_start == 14 * 60 + 2
    assert route.stops[0].arrive >= 14 * 60 + 32 + route.stops[0].travel_minutes


def test_a_technician_who_had_a_lunch_length_gap_in_the_window_is_planned_none() -> None:
    gap = [
        _event("S0", "A1", Lifecycle.ON_SITE, _at(10)),
        _event("S1", "A1", Lifecycle.COMPLETED, _at(11, 40)),
        _event("S2", "A2", Lifecycle.EN_ROUTE, _at(12, 15)),
    ]
    after = (Lifecycle.COMPLETED, Lifecycle.EN_ROUTE, Lifecycle.SCHEDULED)
    assert _lunch_at(_at(12, 30), gap, *after) is None
    # The same gap before the window opened was no lunch: still ahead, after this visit.
    morning = [
        _event("S0", "A1", Lifecycle.ON_SITE, _at(9)),
        _event("S1", "A1", Lifecycle.COMPLETED, _at(10, 40)),
        _event("S2", "A2", Lifecycle.EN_ROUTE, _at(11, 15)),
    ]
    lunch = _lunch_at(_at(11, 20), morning, *after)
    assert lunch is not None and lunch.earliest == 11 * 60 + 30
    # Twenty minutes idle in the window is not a lunch either.
    short = [*gap[:2], _event("S2", "A2", Lifecycle.EN_ROUTE, _at(11, 55))]
    assert _lunch_at(_at(12, 5), short, *after) is not None


def _promised_twice(promise: TimeWindow) -> PlanningInput:
    """J1 and J2 next door to each other, both promised `promise`; T1 lives ten minutes away,
    T3 across town (the customer's preferred T2 is off)."""
    appointments = [
        Appointment(
            **KEY, external_id=f"A{k}", job_id=f"J{k}", window=promise, arrival_window=promise
        )
        for k in (1, 2)
    ]
    across_town = _tech("T3", home=GeoPoint(lat=39.85, lon=-104.95))
    return _inputs([_tech("T1"), across_town], [_job("J1"), _job("J2")], appointments)


def test_a_margin_makes_the_last_minutes_of_a_promise_cost_what_missing_it_does() -> None:
    """The told-window cost of a start (20 a minute) runs from 30 minutes before the promise
    closes; lateness (100 a minute) still only from its end."""
    data = _promised_twice(TimeWindow(start=_at(8), end=_at(9, 30)))
    problem = build_problem(
        data,
        frame=FRAME,
        weights=ObjectiveWeights(),
        durations=_durations,
        now=_at(8),
        promised_windows_hard=False,
        arrival_margin_minutes=30,
    )
    params, job = problem.params, problem.job("J1")
    assert job.told_window is not None and job.told_window.end == 9 * 60 + 30
    assert [(w.start, w.end) for w in job.windows] == [(480, 570)]  # the promise as it is
    assert params.told_margin_minutes == 30 and params.told_due(job.told_window) == 540
    # A promise shorter than the margin costs from when it opens.
    assert params.told_due(Window(540, 560, hard=False)) == 540
    plain = build_problem(
        data, frame=FRAME, weights=ObjectiveWeights(), durations=_durations, now=_at(8)
    )
    assert plain.params.told_margin_minutes == 0 and plain.params.told_due(job.told_window) == 570


def test_with_a_margin_a_second_technician_goes_rather_than_cut_a_promise_close() -> None:
    """One technician can do both visits, reaching the second at about 09:15 for a promise
    that closes at 09:30: on time if the first visit runs to its estimate, late if it runs
    long. With a 30-minute margin the plan sends a second technician from across town, who
    reaches it well before 09:00."""
    data = _promised_twice(TimeWindow(start=_at(8), end=_at(9, 30)))

    def planned(margin: int) -> tuple[dict[str, str], float]:
        """The plan's assignment, and what its starts cost on the promises."""
        problem = build_problem(
            data,
            frame=FRAME,
            weights=ObjectiveWeights(),
            durations=_durations,
            now=_at(8),
            promised_windows_hard=False,
            arrival_margin_minutes=margin,
        )
        plan = solve(problem, time_limit=1)
        assert check_plan(problem, plan) == []
        return plan.assignment(), plan.cost["lateness"] + plan.cost["told_window"]

    together, cost = planned(0)
    assert together == {"J1": "T1", "J2": "T1"} and cost == 0
    apart, cost = planned(30)
    assert sorted(apart.values()) == ["T1", "T3"]
    assert cost == 0  # the drive across town costs less than a quarter hour in the margin
    # The default margin (20 minutes) is only 5 minutes into it: the drive costs more.
    assert planned(PlanningSettings().arrival_margin_minutes)[0] == together
