"""Two customers promised the same early hour, one technician: the plan knows from the morning
that the second will be reached late, and that customer is told so before their window closes;
a third, late as well, has no number to text."""

from __future__ import annotations

from datetime import datetime

from connectors.sandbox.scenario import parse_scenario
from orchestrator.analytics.arrivals import promised_arrivals
from orchestrator.analytics.delay_notices import delay_notice_outcome
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation

ONE_TRUCK = """
name: one-truck
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T01, name: Ann Lee, home: {lat: 39.70, lon: -105.00},
     shift: {start: "08:00", end: "17:00"}}
customers:
  - {id: C1, phone: "+13035550101"}
  - {id: C2, phone: "+13035550102"}
  - {id: C3}
jobs:
  - {id: J1, customer: C1, location: {lat: 39.701, lon: -105.001}, summary: Leaky faucet,
     description: kitchen faucet drips, booked_window: {start: "08:00", end: "09:00"},
     truth: {job_type: plumbing.leak, duration_minutes: 75}}
  - {id: J2, customer: C2, location: {lat: 39.720, lon: -104.985}, summary: Dripping tub,
     description: bathtub spout drips all night, booked_window: {start: "08:00", end: "09:00"},
     truth: {job_type: plumbing.leak, duration_minutes: 60}}
  # Late too, but with no number to text.
  - {id: J3, customer: C3, location: {lat: 39.702, lon: -105.003}, summary: Leaky valve,
     description: the valve under the sink leaks, booked_window: {start: "09:00", end: "10:00"},
     truth: {job_type: plumbing.leak, duration_minutes: 60}}
history:
  - {job_type: plumbing.leak, technician: T01, minutes: 75, date: "2026-11-20"}
  - {job_type: plumbing.leak, technician: T01, minutes: 70, date: "2026-11-21"}
  - {job_type: plumbing.leak, technician: T01, minutes: 80, date: "2026-11-22"}
"""


async def test_a_customer_the_plan_will_reach_late_is_told_before_their_window_closes() -> None:
    scenario = parse_scenario(ONE_TRUCK)
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)
    record = await run_simulation(scenario, dispatcher)
    arrivals = promised_arrivals(record.appointments, record.status_events)
    job_of = {a.appointment_id: a.job_id for a in arrivals}
    late = {a.job_id for a in arrivals if a.visit.arrived_at > a.promise.end}
    assert len(arrivals) == 3 and len(late) == 2  # one truck, three 08:00-09:00 promises
    told = dispatcher.first_delay_notices()
    # Everyone late with a number was told, nobody else; J3's customer has no number.
    assert {job_of[a] for a in told} == late - {"J3"}
    promise_end = {a.appointment_id: a.promise.end for a in arrivals}
    assert all(at <= promise_end[a] for a, at in told.items())
    # Never before the quiet hours end at 08:00.
    assert all(at.astimezone(scenario.zone).hour >= 8 for at in told.values())
    outcome = delay_notice_outcome(arrivals, told, len(dispatcher.delay_notices))
    assert (outcome.late, outcome.warned, outcome.told_after, outcome.needless) == (
        2,
        len(late - {"J3"}),
        0,
        0,
    )
    assert isinstance(next(iter(told.values())), datetime)
