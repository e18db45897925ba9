"""The baseline coordinator plays a day honestly: qualified techs, promises kept, as written."""

from __future__ import annotations

import ast
import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.records import Customer, CustomerFlag, Job, Lifecycle, Urgency
from connectors.sandbox import load_scenario, parse_scenario
from orchestrator.analytics import compute_kpis
from orchestrator.simulation import (
    BaselineCoordinator,
    Dispatcher,
    SimulationRecord,
    run_simulation,
)
from orchestrator.simulation.reading import read_ticket

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "connectors" / "sandbox" / "data" / "seed-day-12x47.yaml"


@pytest.fixture(scope="module")
def seed_run() -> SimulationRecord:
    """The bundled 12×47 day played by the baseline."""
    return asyncio.run(run_simulation(load_scenario(BUNDLED), BaselineCoordinator()))


def test_the_baseline_is_a_dispatcher() -> None:
    assert isinstance(BaselineCoordinator(), Dispatcher)


def test_the_baseline_never_imports_the_simulator_or_its_truth() -> None:
    """Only the records a dispatcher sees: no import from connectors.sandbox."""
    for name in ("baseline.py", "reading.py"):
        tree = ast.parse((REPO / "orchestrator" / "simulation" / name).read_text())
        imported = {
            n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
        } | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m.startswith("connectors.sandbox") for m in imported), imported


async def test_the_seed_day_is_dispatched_cleanly(seed_run: SimulationRecord) -> None:
    """No wrong skills, no double bookings, most jobs done, most promises kept."""
    kpis = compute_kpis(
        seed_run.jobs,
        seed_run.appointments,
        seed_run.status_events,
        seed_run.technicians,
        seed_run.customers,
    )
    assert kpis.jobs_total == 49
    assert kpis.wrong_skill_dispatches == 0
    assert kpis.double_bookings == 0
    assert 30 <= kpis.jobs_completed <= 45
    assert kpis.on_time_rate is not None and kpis.on_time_rate >= 0.7
    assert kpis.emergency_jobs >= 2 and kpis.emergencies_unreached == 0
    assert seed_run.conflicts == 0


async def test_booked_windows_stay_the_promise(seed_run: SimulationRecord) -> None:
    """A job booked before the day keeps its booked window as the arrival window."""
    scenario = load_scenario(BUNDLED)
    booked = {j.id: j.booked_window for j in scenario.jobs if j.booked_window}
    last = {a.external_id: a for a in seed_run.appointments}
    for job_id, window in booked.items():
        arrival = last[f"{job_id}-1"].arrival_window
        assert arrival is not None
        assert arrival.start.time() == window.start and arrival.end.time() == window.end


EMERGENCY_DAY = """
name: emergency
timezone: America/Denver
date: 2026-12-01
weather: {outdoor_temp_f: 20}
technicians:
  - {id: NEAR, name: Near, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "17:00"},
     skills: [gas_fitter], equipment: [pipe_threader]}
  - {id: FAR, name: Far, home: {lat: 39.95, lon: -105.30}, shift: {start: "08:00", end: "17:00"},
     skills: [gas_fitter], equipment: [pipe_threader]}
  - {id: CLOSE_UNQUALIFIED, name: Close, home: {lat: 39.701, lon: -105.001},
     shift: {start: "08:00", end: "17:00"}}
customers: [{id: C1}, {id: C2}, {id: C3}]
jobs:
  - {id: J1, customer: C1, location: {lat: 39.71, lon: -105.01}, summary: Toilet install,
     description: new toilet, booked_window: {start: "08:00", end: "10:00"},
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
  - {id: J2, customer: C2, location: {lat: 39.72, lon: -105.02}, summary: Faucet replace,
     description: kitchen faucet, booked_window: {start: "12:00", end: "16:00"},
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
events:
  - {at: "08:30", type: new_job, job: {id: J3, customer: C3, location: {lat: 39.705, lon: -105.005},
     summary: Smell gas, description: strong gas smell in basement,
     truth: {job_type: plumbing.gas_leak, duration_minutes: 45}}}
  - {at: "09:00", type: overrun, job: J1, extra_minutes: 120}
"""


async def test_an_emergency_goes_to_the_nearest_qualified_technician_free_soonest() -> None:
    """The gas leak goes to NEAR (qualified), not the closer unqualified tech nor FAR."""
    record = await run_simulation(parse_scenario(EMERGENCY_DAY), BaselineCoordinator())
    visits = [
        (e.subject_id, e.technician_id)
        for e in record.status_events
        if e.status is Lifecycle.ON_SITE
    ]
    assert ("J3-1", "NEAR") in visits


OVERRUN_DAY = """
name: overrun
timezone: America/Denver
date: 2026-12-01
technicians:
  - {id: T, name: Tess, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "17:00"}}
  - {id: U, name: Uma, home: {lat: 39.75, lon: -105.05}, shift: {start: "08:00", end: "17:00"}}
customers: [{id: C1, preferred_tech: T}, {id: C2, preferred_tech: T}]
jobs:
  - {id: J1, customer: C1, location: {lat: 39.71, lon: -105.01}, summary: Toilet install,
     description: new toilet, booked_window: {start: "08:00", end: "10:00"},
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
  - {id: J2, customer: C2, location: {lat: 39.72, lon: -105.02}, summary: Faucet replace,
     description: kitchen faucet, booked_window: {start: "10:00", end: "14:00"},
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
events:
  - {at: "09:00", type: overrun, job: J1, extra_minutes: 120}
"""


async def test_an_overrun_pushes_the_later_stops_without_reassigning() -> None:
    """J1 runs two hours long; T's later stop J2 is re-timed later and stays with T."""
    record = await run_simulation(parse_scenario(OVERRUN_DAY), BaselineCoordinator())
    j2 = [a for a in record.appointments if a.external_id == "J2-1" and a.technician_ids]
    assert {a.technician_ids for a in j2} == {("T",)}
    assert j2[-1].window.start - j2[0].window.start >= timedelta(minutes=60)
    arrived = [
        e for e in record.status_events if e.subject_id == "J2-1" and e.status is Lifecycle.ON_SITE
    ]
    assert arrived and arrived[0].technician_id == "T"


@pytest.mark.parametrize(
    ("summary", "description", "flags", "temp", "job_type", "skills", "urgency"),
    [
        (
            "Furnace acting up",
            "no rush, house at 58",
            [],
            18,
            "hvac.no_heat",
            set(),
            Urgency.EMERGENCY,
        ),
        (
            "Furnace acting up",
            "no rush, house at 64",
            [],
            55,
            "hvac.no_heat",
            set(),
            Urgency.SAME_DAY,
        ),
        (
            "Smell gas",
            "rotten egg smell by dryer",
            [],
            50,
            "plumbing.gas_leak",
            {"gas_fitter"},
            Urgency.EMERGENCY,
        ),
        (
            "Walk-in warm",
            "walk-in at 47F and climbing, full of product",
            ["commercial"],
            50,
            "refrigeration.commercial",
            {"commercial_refrigeration", "epa_608"},
            Urgency.EMERGENCY,
        ),
        (
            "EV charger install",
            "new Tesla, want level 2 in garage",
            [],
            50,
            "electrical.ev_charger_install",
            {"journeyman_electrician", "ev_charger"},
            Urgency.SCHEDULED,
        ),
        (
            "Estimate - AC replacement",
            "want pricing",
            [],
            50,
            "general.estimate",
            set(),
            Urgency.SCHEDULED,
        ),
    ],
)
def test_the_coordinator_reads_tickets_as_a_person_does(
    summary: str,
    description: str,
    flags: list[str],
    temp: float,
    job_type: str,
    skills: set[str],
    urgency: Urgency,
) -> None:
    """Trade words, hazards and the weather decide type, skills and urgency."""
    job = Job(platform="p", account="a", external_id="J", summary=summary, description=description)
    customer = Customer(
        platform="p", account="a", external_id="C", flags=frozenset(CustomerFlag(f) for f in flags)
    )
    reading = read_ticket(job, customer, temp, 12)
    assert (reading.job_type, set(reading.skills), reading.urgency) == (job_type, skills, urgency)
