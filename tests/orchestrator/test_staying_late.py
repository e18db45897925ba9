"""A technician stays late for an emergency rather than leave it waiting behind their day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import optimizer as opt
from connectors.records import (
    Appointment,
    GeoPoint,
    Job,
    Lifecycle,
    Shift,
    Technician,
    TimeWindow,
    Urgency,
)
from orchestrator.planning import DayFrame, PlanningInput, build_problem, urgency_of
from orchestrator.settings import ObjectiveWeights
from orchestrator.staying_late import held_emergency_minutes, stay_late_for_waiting_emergencies

HERE = opt.Point(39.74, -104.99)
NEAR = opt.Point(39.75, -104.98)
QUICK = opt.SolveParams(stall_solutions=500)
ELECTRICIAN = frozenset({"journeyman_electrician"})


def _resolve(problem: opt.Problem, start: opt.Plan) -> opt.Plan:
    return opt.solve(problem, time_limit=3, initial=start, params=QUICK)


def _panel_day(t1_work: tuple[opt.Job, ...] = ()) -> opt.Problem:
    """The seed day's morning: T0, free now, has an eight-hour boiler job that must start by
    10:00 and ends just inside their 30 minutes of overtime; T1, the other electrician, starts
    at noon. A buzzing panel is called in at 08:00."""
    t0 = opt.Technician("T0", HERE, 480, 1020, skills=ELECTRICIAN, overtime_minutes=30)
    t1 = opt.Technician("T1", HERE, 720, 1020, skills=ELECTRICIAN, overtime_minutes=30)
    boiler = opt.Job("BOILER", NEAR, 480, windows=(opt.Window(560, 600),), pin=opt.Pin("T0"))
    # From now on, as the day's problem has it for a ticket called in now.
    now = (opt.Window(480, 480 + 24 * 60),)
    panel = opt.Job("PANEL", NEAR, 90, windows=now, skills=ELECTRICIAN, urgency="emergency")
    return opt.Problem((t0, t1), (boiler, panel, *t1_work))


def _start(plan: opt.Plan, job_id: str) -> tuple[str, int] | None:
    return next(
        ((r.technician_id, s.start) for r in plan.routes for s in r.stops if s.job_id == job_id),
        None,
    )


def _overtime(problem: opt.Problem) -> dict[str, int]:
    return {t.id: t.overtime_minutes for t in problem.technicians}


def test_the_free_technician_stays_late_rather_than_the_emergency_wait_for_noon() -> None:
    problem = _panel_day()
    first = opt.solve(problem, time_limit=3, params=QUICK)
    # Within the allowance the panel waits for T1's shift: reaching it first would push the
    # boiler job's end past T0's overtime.
    waited = _start(first, "PANEL")
    assert waited is None or waited[1] >= 720
    solved, plan = stay_late_for_waiting_emergencies(problem, first, _resolve)
    tech, start = _start(plan, "PANEL")  # type: ignore[misc]
    assert tech == "T0" and start < 480 + 30
    assert _start(plan, "BOILER") is not None and plan.unassigned == ()
    # Stretched by the panel's minutes: only the allowance the plan needs to be valid.
    assert _overtime(solved)["T0"] == 30 + 90
    assert opt.check_plan(solved, plan) == []
    assert opt.check_plan(problem, plan) != []  # not valid without the stretch


def test_no_stretch_when_no_emergency_waits() -> None:
    problem = _panel_day()
    calm = opt.Problem(problem.technicians, problem.jobs[:1])
    first = opt.solve(calm, time_limit=3, params=QUICK)
    solved, plan = stay_late_for_waiting_emergencies(calm, first, _resolve)
    assert solved is calm and plan is first


def test_a_technician_who_does_not_take_the_emergency_gets_no_stretch_for_other_work() -> None:
    # T1 has two long jobs that only fit together with more overtime than 30 minutes: the
    # stretch meant for the panel must not be spent on them.
    work = (opt.Job("W1", NEAR, 170), opt.Job("W2", NEAR, 170))
    problem = _panel_day(work)
    first = opt.solve(problem, time_limit=3, params=QUICK)
    assert len([u for u in first.unassigned if u.job_id in {"W1", "W2"}]) == 1
    solved, plan = stay_late_for_waiting_emergencies(problem, first, _resolve)
    assert _start(plan, "PANEL")[0] == "T0"  # type: ignore[index]
    assert _overtime(solved) == {"T0": 30 + 90, "T1": 30}
    assert len([u for u in plan.unassigned if u.job_id in {"W1", "W2"}]) == 1
    assert opt.check_plan(solved, plan) == []


ZONE = ZoneInfo("America/Denver")
DAY = date(2026, 12, 1)
KEY = {"platform": "sandbox", "account": "demo"}


def _at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


def _appointment(n: int, status: Lifecycle, techs: tuple[str, ...], *, day: int = 1) -> Appointment:
    window = TimeWindow(start=_at(9, day=day), end=_at(11, day=day))
    return Appointment(
        **KEY,
        external_id=f"A{n}",
        job_id=f"J{n}",
        window=window,
        technician_ids=techs,
        status=status,
    )


def _job(n: int, urgency: Urgency) -> Job:
    status = Lifecycle.SCHEDULED
    return Job(**KEY, external_id=f"J{n}", urgency=urgency, status=status, location_id="L")


def _tech(tech_id: str) -> Technician:
    return Technician(
        **KEY,
        external_id=tech_id,
        name=tech_id,
        home=GeoPoint(lat=39.74, lon=-104.99),
        shifts=(Shift(start=_at(8), end=_at(17)),),
    )


def test_whoever_holds_an_emergency_today_keeps_its_minutes_of_overtime() -> None:
    appointments = [
        _appointment(1, Lifecycle.COMPLETED, ("T1",)),  # done today: counts
        _appointment(2, Lifecycle.DISPATCHED, ("T1",)),  # sent: counts too
        _appointment(3, Lifecycle.CANCELED, ("T2",)),
        _appointment(4, Lifecycle.COMPLETED, ("T2",), day=2),  # another day's
        _appointment(5, Lifecycle.SCHEDULED, ()),  # nobody holds it
        _appointment(6, Lifecycle.ON_SITE, ("T2",)),  # not an emergency
    ]
    jobs = {f"J{n}": _job(n, Urgency.EMERGENCY) for n in range(1, 6)}
    jobs["J6"] = _job(6, Urgency.SAME_DAY)
    techs = {t: _tech(t) for t in ("T1", "T2")}
    frame = DayFrame(DAY, ZONE)

    def minutes(job: Job, tech: Technician) -> int:
        return 40 + int(job.external_id[1:])

    held = held_emergency_minutes(
        appointments,
        jobs,
        techs,
        (frame.origin, frame.origin + timedelta(days=1)),
        minutes,
        urgency_of,
    )
    assert held == {"T1": 41 + 42}


def test_the_problem_gives_the_holder_of_an_emergency_more_overtime() -> None:
    frame = DayFrame(DAY, ZONE)
    done = _appointment(1, Lifecycle.COMPLETED, ("T1",))
    data = PlanningInput(
        [_tech("T1"), _tech("T2")],
        [_job(1, Urgency.EMERGENCY).model_copy(update={"status": Lifecycle.COMPLETED})],
        [done],
        {},
        {},
    )
    problem = build_problem(
        data,
        frame=frame,
        weights=ObjectiveWeights(),
        durations=lambda job, tech: 75,
        now=_at(12),
        overtime_minutes=60,
    )
    assert _overtime(problem) == {"T1": 60 + 75, "T2": 60}
