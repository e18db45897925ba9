"""A visit that runs hours past every estimate: each plan expects it to end soon, and when it
still has not, the next customer goes to a technician who can keep their promise."""

from __future__ import annotations

from connectors.records import Lifecycle
from connectors.sandbox.scenario import parse_scenario
from orchestrator.analytics.kpis import compute_kpis
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation
from tests.simulation.timeline import status_times

STUCK_DAY = """
name: stuck-day
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T01, name: Ann, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "17:00"}}
  - {id: T02, name: Bo, home: {lat: 39.74, lon: -105.00}, shift: {start: "08:00", end: "17:00"}}
customers: [{id: C1}, {id: C2}, {id: C3}]
jobs:
  # Estimated at about an hour from history; really takes six.
  - {id: J1, customer: C1, location: {lat: 39.701, lon: -105.001}, summary: Leaky faucet,
     description: kitchen faucet drips, booked_window: {start: "08:00", end: "09:00"},
     truth: {job_type: plumbing.leak, duration_minutes: 360}}
  - {id: J2, customer: C2, location: {lat: 39.705, lon: -105.004}, summary: Dripping tub,
     description: bathtub spout drips all night, booked_window: {start: "12:00", end: "13:30"},
     truth: {job_type: plumbing.leak, duration_minutes: 45}}
  - {id: J3, customer: C3, location: {lat: 39.745, lon: -105.002}, summary: Leaky valve,
     description: the valve under the sink leaks, booked_window: {start: "08:00", end: "09:00"},
     truth: {job_type: plumbing.leak, duration_minutes: 60}}
history:
  - {job_type: plumbing.leak, technician: T01, minutes: 60, date: "2026-11-20"}
  - {job_type: plumbing.leak, technician: T01, minutes: 55, date: "2026-11-21"}
  - {job_type: plumbing.leak, technician: T02, minutes: 65, date: "2026-11-22"}
  - {job_type: plumbing.leak, technician: T02, minutes: 60, date: "2026-11-23"}
"""


async def test_the_visit_after_a_six_hour_overrun_is_handed_on_and_kept_on_time() -> None:
    scenario = parse_scenario(STUCK_DAY)
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)
    record = await run_simulation(scenario, dispatcher)
    zone = scenario.zone

    def events(job: str, status: Lifecycle) -> list[tuple[str, str | None]]:
        return status_times(record, zone, job, status)

    # The morning plan gives each technician the job next to their home; J2, by T01's, after J1.
    assert events("J1", Lifecycle.ON_SITE)[0][1] == "T01"
    assert [tech for _, tech in events("J3", Lifecycle.ON_SITE)] == ["T02"]
    # T01 is still at J1 well past noon: J2 went to T02, inside its promise.
    [(arrived, tech)] = events("J2", Lifecycle.ON_SITE)
    assert tech == "T02" and "12:00" <= arrived <= "13:30"
    kpis = compute_kpis(record.jobs, record.appointments, record.status_events, record.technicians)
    assert kpis.jobs_completed == 3 and kpis.on_time_rate == 1.0
    assert kpis.double_bookings == 0
