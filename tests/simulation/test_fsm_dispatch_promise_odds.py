"""The simulated dispatcher gives each window it newly promises the plan's chance of keeping it,
as the service does; an account that wants sure promises gets the shaky ones opened later."""

from __future__ import annotations

from connectors.records import Appointment
from connectors.sandbox.scenario import parse_scenario
from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher
from orchestrator.simulation.loop import run_simulation

UNBOOKED = """
name: one-truck-unbooked
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T01, name: Ann Lee, home: {lat: 39.70, lon: -105.00},
     shift: {start: "08:00", end: "17:00"}}
customers:
  - {id: C1, phone: "+13035550101"}
  - {id: C2, phone: "+13035550102"}
  - {id: C3, phone: "+13035550103"}
jobs:
  - {id: J1, customer: C1, location: {lat: 39.701, lon: -105.001}, summary: Leaky faucet,
     description: kitchen faucet drips, truth: {job_type: plumbing.leak, duration_minutes: 75}}
  - {id: J2, customer: C2, location: {lat: 39.720, lon: -104.985}, summary: Dripping tub,
     description: bathtub spout drips all night,
     truth: {job_type: plumbing.leak, duration_minutes: 60}}
  - {id: J3, customer: C3, location: {lat: 39.702, lon: -105.003}, summary: Leaky valve,
     description: the valve under the sink leaks,
     truth: {job_type: plumbing.leak, duration_minutes: 60}}
history:
  - {job_type: plumbing.leak, technician: T01, minutes: 40, date: "2026-11-18"}
  - {job_type: plumbing.leak, technician: T01, minutes: 55, date: "2026-11-19"}
  - {job_type: plumbing.leak, technician: T01, minutes: 70, date: "2026-11-20"}
  - {job_type: plumbing.leak, technician: T01, minutes: 95, date: "2026-11-21"}
  - {job_type: plumbing.leak, technician: T01, minutes: 150, date: "2026-11-22"}
"""


def _first_promises(appointments: list[Appointment]) -> dict[str, Appointment]:
    first: dict[str, Appointment] = {}
    for a in appointments:
        if a.arrival_window is not None:
            first.setdefault(a.job_id, a)
    return first


async def test_each_new_window_comes_with_a_chance_and_sure_promises_open_later() -> None:
    scenario = parse_scenario(UNBOOKED)
    usual = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)
    usual_record = await run_simulation(scenario, usual)
    usual_first = _first_promises(usual_record.appointments)
    assert set(usual_first) == {"J1", "J2", "J3"}
    chances = {usual_first[j].external_id: j for j in usual_first}
    assert set(usual.promise_chances) == set(chances)
    by_job = {chances[a]: chance for a, chance in usual.promise_chances.items()}
    # The first visit of the day leaves home as planned; the later ones wait on spread visits.
    ordered = sorted(by_job, key=lambda j: usual_first[j].arrival_window.start)  # type: ignore[union-attr]
    assert by_job[ordered[0]] == 1.0
    assert by_job[ordered[-1]] < 0.95

    sure = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0, promise_confidence=0.95)
    sure_record = await run_simulation(scenario, sure)
    sure_first = _first_promises(sure_record.appointments)
    last = ordered[-1]
    assert sure_first[last].arrival_window.start > usual_first[last].arrival_window.start  # type: ignore[union-attr]
    assert min(sure.promise_chances.values()) > min(usual.promise_chances.values())
