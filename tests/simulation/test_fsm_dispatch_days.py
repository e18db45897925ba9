"""A scenario of several days: what one day could not do is planned the next morning, from home,
with a new promise to the customer."""

from __future__ import annotations

from datetime import date

from connectors.records import Lifecycle
from connectors.sandbox.scenario import parse_scenario
from orchestrator.analytics.kpis import compute_kpis
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation

TWO_DAYS = """
name: two-days
timezone: America/Denver
date: 2026-12-01
days: 2
technicians:
  - {id: T, name: Tess, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "14:00"},
     skills: [gas_fitter], equipment: [pipe_threader]}
customers: [{id: C1}, {id: C2}]
jobs:
  - {id: J1, customer: C1, location: {lat: 39.71, lon: -105.01}, summary: New water heater,
     description: install a 50 gallon water heater,
     booked_window: {start: "08:00", end: "10:00"},
     truth: {job_type: plumbing.water_heater_install, duration_minutes: 240}}
  - {id: J2, customer: C2, location: {lat: 39.72, lon: -105.02}, summary: New water heater,
     description: replace the old water heater, booked_window: {start: "08:00", end: "12:00"},
     truth: {job_type: plumbing.water_heater_install, duration_minutes: 240}}
"""


async def test_what_the_first_day_could_not_do_is_done_the_next_morning() -> None:
    """One six-hour shift holds one of the two four-hour jobs; the other is done on day two."""
    scenario = parse_scenario(TWO_DAYS)
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)
    record = await run_simulation(scenario, dispatcher)
    zone = scenario.zone
    done = {
        e.subject_id.split("-")[0]: e.occurred_at.astimezone(zone).date()
        for e in record.status_events
        if e.status is Lifecycle.COMPLETED
    }
    assert set(done) == {"J1", "J2"}
    assert sorted(done.values()) == [date(2026, 12, 1), date(2026, 12, 2)]
    second = next(job for job, day in done.items() if day == date(2026, 12, 2))
    # The second day starts from home, and its customer is told a window on that day.
    drives = [
        e.occurred_at.astimezone(zone)
        for e in record.status_events
        if e.status is Lifecycle.EN_ROUTE
    ]
    assert [d.hour for d in drives if d.date() == date(2026, 12, 2)] == [8]
    last = [a for a in record.appointments if a.job_id == second][-1]
    assert last.arrival_window is not None
    assert last.arrival_window.start.astimezone(zone).date() == date(2026, 12, 2)
    kpis = compute_kpis(record.jobs, record.appointments, record.status_events, record.technicians)
    assert kpis.jobs_completed == 2 and kpis.double_bookings == 0
