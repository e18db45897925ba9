"""What fsm-dispatch tells customers: booked windows kept as promised (an emergency's may be
brought forward), others a two-hour window that opens a little before the planned start, so a
plan that slips a little stays on time."""

from __future__ import annotations

import asyncio

import pytest

from connectors.records import Lifecycle, TimeWindow
from connectors.sandbox.generate import GenerateParams, generate_scenario
from orchestrator.analytics.kpis import compute_kpis
from orchestrator.simulation.fsm_dispatch import PROMISE_WIDTH, FsmDispatchDispatcher
from orchestrator.simulation.loop import SimulationRecord, run_simulation


@pytest.fixture(scope="module")
def played() -> tuple[SimulationRecord, dict[str, TimeWindow], FsmDispatchDispatcher]:
    scenario = generate_scenario(GenerateParams(4, 14, seed=3))
    dispatcher = FsmDispatchDispatcher(morning_seconds=1.0, max_seconds=1.0)
    record = asyncio.run(run_simulation(scenario, dispatcher))
    booked = {
        j.id: TimeWindow(
            start=scenario.at(j.booked_window.start), end=scenario.at(j.booked_window.end)
        )
        for j in scenario.all_jobs()
        if j.booked_window is not None
    }
    return record, booked, dispatcher


@pytest.mark.slow
def test_unbooked_jobs_are_promised_two_hours_opening_shortly_before_the_planned_start(
    played: tuple[SimulationRecord, dict[str, TimeWindow], FsmDispatchDispatcher],
) -> None:
    record, booked, dispatcher = played
    first: dict[str, tuple[str, TimeWindow, TimeWindow | None]] = {}
    for version in record.appointments:  # oldest first
        if version.arrival_window is not None and version.external_id not in first:
            first[version.external_id] = (version.job_id, version.arrival_window, version.window)
    ours = [(w, s) for job, w, s in first.values() if job not in booked]
    assert ours, "the day has unbooked jobs"
    for promise, scheduled in ours:
        assert promise.end - promise.start == PROMISE_WIDTH
        # Scheduled inside the promise, at most the lead after it opens.
        assert scheduled is not None
        assert promise.start <= scheduled.start <= promise.start + dispatcher.promise_lead


@pytest.mark.slow
def test_booked_windows_are_the_promise_and_the_day_has_no_double_booking(
    played: tuple[SimulationRecord, dict[str, TimeWindow], FsmDispatchDispatcher],
) -> None:
    record, booked, dispatcher = played
    assert booked, "the day has booked jobs"
    moved = {a.job_id for a in record.appointments if a.external_id in dispatcher.sooner_notices}
    for version in record.appointments:
        if version.job_id in moved:
            # An emergency brought forward: an earlier start, the booked end.
            assert version.arrival_window is not None
            assert version.arrival_window.start <= booked[version.job_id].start
            assert version.arrival_window.end == booked[version.job_id].end
        elif version.job_id in booked:
            assert version.arrival_window == booked[version.job_id]
    kpis = compute_kpis(record.jobs, record.appointments, record.status_events, record.technicians)
    assert kpis.double_bookings == 0 and kpis.wrong_skill_dispatches == 0
    assert any(e.status is Lifecycle.COMPLETED for e in record.status_events)
