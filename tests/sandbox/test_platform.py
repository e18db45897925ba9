"""The sandbox FSM: a platform behind the connector protocol whose technicians play the day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connectors.errors import (
    NotFoundError,
    RequestRejectedError,
    WebhookVerificationError,
    WriteConflictError,
)
from connectors.protocol import Connector
from connectors.records import Lifecycle, StatusEvent, TimeWindow
from connectors.sandbox import SimulationError, parse_scenario
from connectors.sandbox.platform import SandboxFSM
from connectors.sandbox.travel import TrueTravel

DAY = """
name: small
timezone: America/Denver
date: 2026-12-01
travel: {circuity: 1.35, speed_kmh: 38, noise_pct: 15}
technicians:
  - {id: T1, name: Ann, home: {lat: 39.70, lon: -105.00}, shift: {start: "08:00", end: "17:00"},
     lunch: {earliest: "11:30", latest: "13:30", minutes: 30}, skills: [epa_608],
     truth: {speed_factor: 1.1}}
  - {id: T2, name: Bo, home: {lat: 39.80, lon: -105.10}, shift: {start: "08:00", end: "12:00"}}
customers: [{id: C1}, {id: C2}, {id: C3}, {id: C4}]
jobs:
  - {id: J1, customer: C1, location: {lat: 39.72, lon: -105.02}, summary: Furnace out,
     booked_window: {start: "09:00", end: "11:00"},
     truth: {job_type: hvac.no_heat, duration_minutes: 80}}
  - {id: J2, customer: C2, location: {lat: 39.75, lon: -105.05}, summary: Drip,
     truth: {job_type: plumbing.leak, duration_minutes: 40, customer_home: false}}
  - {id: J3, customer: C3, location: {lat: 39.78, lon: -105.08}, summary: Toilet,
     truth: {job_type: plumbing.fixture_install, duration_minutes: 60}}
events:
  - {at: "10:00", type: new_job, job: {id: J4, customer: C4, location: {lat: 39.7, lon: -105.1},
     summary: Smell gas, truth: {job_type: plumbing.gas_leak, duration_minutes: 50}}}
  - {at: "10:30", type: overrun, job: J1, extra_minutes: 45}
  - {at: "09:30", type: cancel, job: J3}
  - {at: "09:00", type: tech_unavailable, technician: T2, until: "11:00"}
"""


@pytest.fixture
def fsm() -> SandboxFSM:
    """A two-technician day with a booked job, a no-show, a cancellation and a new ticket."""
    return SandboxFSM(parse_scenario(DAY), webhook_secret=b"k")


async def _all(pages) -> list:
    return [r async for page in pages for r in page]


def _at(fsm: SandboxFSM, clock: str) -> datetime:
    h, m = map(int, clock.split(":"))
    return fsm.start.replace(hour=h, minute=m)


def _trail(fsm: SandboxFSM, appointment: str) -> list[tuple[Lifecycle, str | None, datetime]]:
    return [
        (e.status, e.technician_id, e.occurred_at)
        for e in fsm.status_events()
        if e.subject_id == appointment
    ]


async def test_it_is_a_connector_and_serves_no_truth(fsm: SandboxFSM) -> None:
    """The protocol holds; no record carries true durations, job types or who is home."""
    assert isinstance(fsm, Connector)
    jobs = await _all(fsm.fetch_jobs(None))
    assert {j.external_id for j in jobs} == {"J1", "J2", "J3"}  # J4 has not arrived yet
    dumped = " ".join(j.model_dump_json() for j in jobs)
    for secret in ("duration_minutes", "customer_home", "hvac.no_heat", "speed_factor"):
        assert secret not in dumped
    assert all(j.classification is None and j.urgency is None for j in jobs)
    with pytest.raises(NotFoundError):
        await fsm.fetch_job("J4")


async def _assign(fsm: SandboxFSM, appointment: str, techs: list[str]) -> None:
    current = await fsm.fetch_appointment(appointment)
    await fsm.write_assignment(appointment, techs, expected=current)


async def test_an_assigned_visit_runs_dispatched_en_route_on_site_completed(
    fsm: SandboxFSM,
) -> None:
    """T1 leaves to arrive for 09:00, drives the true minutes, works 80 + 45 overrun minutes."""
    await _assign(fsm, "J1-1", ["T1"])
    fsm.advance_to(_at(fsm, "13:00"))
    trail = _trail(fsm, "J1-1")
    assert [s for s, _, _ in trail] == [
        Lifecycle.DISPATCHED,
        Lifecycle.EN_ROUTE,
        Lifecycle.ON_SITE,
        Lifecycle.COMPLETED,
    ]
    assert {t for _, t, _ in trail} == {"T1"}
    _, _, dispatched = trail[0]
    _, _, left = trail[1]
    _, _, arrived = trail[2]
    _, _, done = trail[3]
    assert dispatched == _at(fsm, "08:00")
    drive = TrueTravel(parse_scenario(DAY).travel, "small").minutes(
        "T1", 1.1, (39.70, -105.00), (39.72, -105.02), 1
    )
    assert arrived == max(left + timedelta(minutes=drive), _at(fsm, "09:00"))
    assert left > dispatched  # waited at home so as to arrive at the window
    assert done - arrived == timedelta(minutes=80 + 45)
    assert (await fsm.fetch_job("J1")).status is Lifecycle.COMPLETED


async def test_nobody_home_ends_on_hold_after_ten_minutes(fsm: SandboxFSM) -> None:
    """J2's customer is out: the visit is on hold ten minutes after the knock."""
    await _assign(fsm, "J2-1", ["T1"])
    fsm.advance_to(_at(fsm, "12:00"))
    trail = _trail(fsm, "J2-1")
    assert trail[-1][0] is Lifecycle.ON_HOLD
    assert trail[-1][2] - trail[-2][2] == timedelta(minutes=10)


async def test_writes_check_for_conflicts_and_are_idempotent(fsm: SandboxFSM) -> None:
    """A stale read is refused; the same write twice changes nothing; bad writes are rejected."""
    stale = await fsm.fetch_appointment("J3-1")
    first = await fsm.write_assignment("J3-1", ["T1"], expected=stale)
    assert first.changed and first.appointment.status is Lifecycle.SCHEDULED
    with pytest.raises(WriteConflictError):
        await fsm.write_assignment("J3-1", ["T2"], expected=stale)
    again = await fsm.write_assignment("J3-1", ["T1"], expected=first.appointment)
    assert not again.changed
    with pytest.raises(RequestRejectedError, match="unknown technician"):
        await fsm.write_assignment("J3-1", ["T9"], expected=first.appointment)
    window = TimeWindow(start=_at(fsm, "13:00"), end=_at(fsm, "14:00"))
    moved = await fsm.write_window("J3-1", window, window, expected=first.appointment)
    assert moved.changed and moved.appointment.window == window


async def test_a_canceled_job_turns_the_driving_technician_back(fsm: SandboxFSM) -> None:
    """J3 is canceled at 09:30 while T1 drives there: no arrival, appointment canceled."""
    window = TimeWindow(start=_at(fsm, "09:45"), end=_at(fsm, "10:45"))
    current = await fsm.fetch_appointment("J3-1")
    result = await fsm.write_window("J3-1", window, window, expected=current)
    await fsm.write_assignment("J3-1", ["T1"], expected=result.appointment)
    fsm.advance_to(_at(fsm, "12:00"))
    drives = [a for a in fsm.activities() if a.kind == "drive" and a.appointment_id == "J3-1"]
    assert len(drives) == 1 and drives[0].end == _at(fsm, "09:30")
    assert drives[0].start < _at(fsm, "09:30")
    statuses = [s for s, _, _ in _trail(fsm, "J3-1")]
    assert statuses[-1] is Lifecycle.CANCELED
    assert Lifecycle.ON_SITE not in statuses
    with pytest.raises(RequestRejectedError):
        await _assign(fsm, "J3-1", ["T2"])


async def test_a_technician_called_away_stops_until_back(fsm: SandboxFSM) -> None:
    """T2 is away 09:00–11:00: time off appears on the record and no visit starts meanwhile."""
    window = TimeWindow(start=_at(fsm, "09:30"), end=_at(fsm, "10:30"))
    current = await fsm.fetch_appointment("J3-1")
    result = await fsm.write_window("J3-1", window, None, expected=current)
    await fsm.write_assignment("J3-1", ["T2"], expected=result.appointment)
    fsm.advance_to(_at(fsm, "09:10"))
    (t2,) = [t for t in await _all(fsm.fetch_technicians()) if t.external_id == "T2"]
    assert t2.time_off and t2.time_off[0].end == _at(fsm, "11:00")
    fsm.advance_to(_at(fsm, "11:00"))
    assert all(s is not Lifecycle.ON_SITE for s, _, _ in _trail(fsm, "J3-1"))


async def test_a_new_ticket_appears_at_its_time(fsm: SandboxFSM) -> None:
    """J4 exists from 10:00, created then, unscheduled."""
    fsm.advance_to(_at(fsm, "09:59"))
    assert "J4" not in {j.external_id for j in await _all(fsm.fetch_jobs(None))}
    fsm.advance_to(_at(fsm, "10:00"))
    job = await fsm.fetch_job("J4")
    assert job.created_at == _at(fsm, "10:00") and job.status is Lifecycle.UNSCHEDULED
    changed = await _all(fsm.fetch_jobs(_at(fsm, "10:00")))
    assert [j.external_id for j in changed] == ["J4"]


async def test_lunch_is_taken_in_the_rule_and_no_drive_starts_after_the_shift(
    fsm: SandboxFSM,
) -> None:
    """An idle T1 eats at 11:30; a job scheduled after 17:00 is not started."""
    late = TimeWindow(start=_at(fsm, "17:30"), end=_at(fsm, "18:30"))
    current = await fsm.fetch_appointment("J2-1")
    result = await fsm.write_window("J2-1", late, late, expected=current)
    await fsm.write_assignment("J2-1", ["T1"], expected=result.appointment)
    fsm.advance_to(_at(fsm, "23:00"))
    lunches = [a for a in fsm.activities() if a.kind == "lunch" and a.technician_id == "T1"]
    assert [(a.start, a.end - a.start) for a in lunches] == [
        (_at(fsm, "11:30"), timedelta(minutes=30))
    ]
    assert all(s not in (Lifecycle.EN_ROUTE, Lifecycle.ON_SITE) for s, _, _ in _trail(fsm, "J2-1"))


def test_the_clock_never_goes_back(fsm: SandboxFSM) -> None:
    """Advancing to an earlier time is an error."""
    fsm.advance_to(_at(fsm, "09:00"))
    with pytest.raises(SimulationError, match="cannot go back"):
        fsm.advance_to(_at(fsm, "08:00"))


async def test_webhooks_are_signed_fresh_and_parse_into_hints(fsm: SandboxFSM) -> None:
    """Each change is a signed delivery; tampering or replaying later fails verification."""
    await _assign(fsm, "J1-1", ["T1"])
    delivery = fsm.drain_webhooks()[-1]
    fsm.verify_webhook(delivery.headers, delivery.body, fsm.now)
    (hint,) = fsm.parse_webhook(delivery.headers, delivery.body)
    assert (hint.resource, hint.external_id, hint.action) == ("appointment", "J1-1", "updated")
    with pytest.raises(WebhookVerificationError, match="signature"):
        fsm.verify_webhook(delivery.headers, delivery.body.replace(b"J1", b"J2"), fsm.now)
    with pytest.raises(WebhookVerificationError, match="replay"):
        fsm.verify_webhook(delivery.headers, delivery.body, fsm.now + timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="missing"):
        fsm.verify_webhook({}, delivery.body, fsm.now)


async def test_status_events_are_readable_since_a_time(fsm: SandboxFSM) -> None:
    """fetch_status_events returns the events at or after `since`."""
    await _assign(fsm, "J1-1", ["T1"])
    fsm.advance_to(_at(fsm, "12:00"))
    everything: list[StatusEvent] = await _all(fsm.fetch_status_events(None))
    later = await _all(fsm.fetch_status_events(_at(fsm, "09:00")))
    assert later and all(e.occurred_at >= _at(fsm, "09:00") for e in later)
    assert len(later) < len(everything)
