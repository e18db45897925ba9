"""A visit loaded on a technician's app moves to another technician when it must: the FSM's
board shows the move, and no technician is booked twice at once."""

from __future__ import annotations

from connectors.records import Lifecycle
from connectors.sandbox.scenario import parse_scenario
from orchestrator.analytics.kpis import compute_kpis
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation
from tests.simulation.timeline import status_times

LEAK_DAY = """
name: leak-day
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T01, name: Gus, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "15:30"},
     skills: [gas_fitter], equipment: [pipe_threader]}
  - {id: T02, name: Pat, home: {lat: 39.80, lon: -105.10}, shift: {start: "08:00", end: "16:00"},
     skills: [], equipment: [pipe_threader]}
customers: [{id: C1, designated_tech: T01}, {id: C2, preferred_tech: T01}, {id: C3}]
jobs:
  - {id: J1, customer: C1, location: {lat: 39.705, lon: -105.005}, summary: Leaky faucet,
     description: kitchen faucet drips, booked_window: {start: "08:00", end: "09:00"},
     truth: {job_type: plumbing.leak, duration_minutes: 40}}
  - {id: J2, customer: C2, location: {lat: 39.71, lon: -105.01}, summary: New water heater,
     description: replace the old electric water heater,
     booked_window: {start: "09:30", end: "10:00"},
     truth: {job_type: plumbing.water_heater_install, duration_minutes: 180}}
events:
  - {at: "08:45", type: new_job, job: {id: J3, customer: C3, location: {lat: 39.70, lon: -105.01},
     summary: Gas smell, description: strong gas smell by the furnace,
     truth: {job_type: plumbing.gas_leak, duration_minutes: 90}}}
"""


async def test_the_only_gas_fitter_goes_to_the_leak_and_the_install_loaded_on_his_app_moves() -> (
    None
):
    scenario = parse_scenario(LEAK_DAY)
    # No flat margin before promises: the install's promise is half an hour wide, and with the
    # default 20 minutes of margin the morning plan would send Pat, free, from the start.
    record = await run_simulation(
        scenario,
        FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0, arrival_margin_minutes=0),
    )
    zone = scenario.zone

    def events(job: str, status: Lifecycle) -> list[tuple[str, str | None]]:
        return status_times(record, zone, job, status)

    # The install was on T01's app when the leak came in at 08:45. After the leak T01 would
    # reach it past its 09:30-10:00 promise; Pat, free, keeps it.
    assert events("J2", Lifecycle.DISPATCHED)[0] == ("08:41", "T01")
    [(arrived, fitter)] = events("J3", Lifecycle.ON_SITE)
    assert fitter == "T01" and arrived < "09:00"
    assert [tech for _, tech in events("J2", Lifecycle.COMPLETED)] == ["T02"]
    kpis = compute_kpis(record.jobs, record.appointments, record.status_events, record.technicians)
    assert kpis.jobs_completed == 3
    assert kpis.double_bookings == 0 and kpis.wrong_skill_dispatches == 0
