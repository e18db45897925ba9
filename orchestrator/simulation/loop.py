"""The simulation loop: the sandbox FSM plays the day, the dispatcher under test reacts.

The loop is the only place that touches both sides. Toward the dispatcher it behaves like the
running service: it receives the platform's signed webhooks, verifies them, re-reads the named
records through the connector and passes typed events on. Toward the referee it keeps what the
platform recorded (status events, appointment versions) and what only the simulator knows (true
requirements of each job, each technician's real activities).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from connectors.protocol import ChangeHint
from connectors.records import Appointment, Customer, Job, StatusEvent, Technician
from connectors.sandbox.platform import Activity, SandboxFSM
from connectors.sandbox.scenario import Scenario
from orchestrator.simulation.events import Tick
from orchestrator.simulation.protocol import Dispatcher
from orchestrator.simulation.view import DispatchView, PastVisit

__all__ = ["SimulationRecord", "run_simulation"]

TICK = timedelta(minutes=15)
AFTER_SHIFTS = timedelta(hours=6)
"""How long after the last shift ends the day is still played (overtime, late drives)."""

Progress = Callable[[float, str], None]
"""Called with the share of the day played (0–1) and a short note."""


@dataclass
class SimulationRecord:
    """Everything a KPI or a report needs about one simulated day of one dispatcher."""

    scenario: str
    dispatcher: str
    timezone: str
    jobs: list[Job]
    """Jobs with their true classification (what they really needed)."""
    appointments: list[Appointment]
    """Every version of every appointment, oldest first."""
    status_events: list[StatusEvent]
    technicians: list[Technician]
    customers: list[Customer]
    activities: list[Activity]
    writes: int = 0
    conflicts: int = 0
    ignored_events: list[str] = field(default_factory=list)


async def run_simulation(
    scenario: Scenario,
    dispatcher: Dispatcher,
    *,
    webhook_secret: bytes = b"simulation",
    progress: Progress | None = None,
) -> SimulationRecord:
    """Play every day of `scenario` with `dispatcher` deciding; return the record."""
    fsm = SandboxFSM(scenario, webhook_secret=webhook_secret)
    view = DispatchView(
        connector=fsm,
        zone=scenario.zone,
        now=fsm.now,
        history=tuple(
            PastVisit(h.job_type, h.technician, h.minutes, h.day) for h in scenario.history
        ),
        outdoor_temp_f=scenario.outdoor_temp_f,
    )
    await view.load()
    fsm.drain_webhooks()
    first = min(t.shift.start for t in scenario.technicians)
    last = max(t.shift.end for t in scenario.technicians)
    for day in range(scenario.days):
        begin = fsm.day_start(day)
        end = scenario.at(last, day) + AFTER_SHIFTS
        fsm.advance_to(max(fsm.now, begin))
        view.now = fsm.now
        await _deliver(fsm, view, dispatcher)
        await dispatcher.morning_plan(view)
        await _deliver(fsm, view, dispatcher)
        next_tick = scenario.at(first, day)
        while True:
            # The awaits below finish without suspending: this one lets the event loop deliver
            # a Ctrl-C (asyncio turns it into cancelling this task) at each step of the day.
            await asyncio.sleep(0)
            upcoming = fsm.next_change_at()
            moment = min(t for t in (upcoming, next_tick) if t is not None)
            if moment > end or (upcoming is None and next_tick > scenario.at(last, day)):
                break
            fsm.advance_to(moment)
            view.now = fsm.now
            await _deliver(fsm, view, dispatcher)
            if moment >= next_tick:
                if next_tick <= scenario.at(last, day) + timedelta(hours=2):
                    await dispatcher.on_event(view, Tick(moment))
                    await _deliver(fsm, view, dispatcher)
                next_tick += TICK
            if progress is not None:
                span = (end - begin).total_seconds() * scenario.days
                done = (moment - fsm.day_start(0)).total_seconds()
                progress(min(1.0, done / span), f"{moment:%H:%M}")
        fsm.advance_to(max(fsm.now, end))
    if progress is not None:
        progress(1.0, "done")
    return SimulationRecord(
        scenario=scenario.name,
        dispatcher=dispatcher.name,
        timezone=scenario.timezone,
        jobs=fsm.truth_jobs(),
        appointments=fsm.appointment_versions(),
        status_events=fsm.status_events(),
        technicians=fsm.technicians(),
        customers=fsm.customers(),
        activities=fsm.activities(),
        writes=view.writes,
        conflicts=view.conflicts,
        ignored_events=fsm.ignored_events(),
    )


async def _deliver(fsm: SandboxFSM, view: DispatchView, dispatcher: Dispatcher) -> None:
    # Writes may trigger further changes at the same instant; deliver until quiet.
    fsm.advance_to(view.now)  # same instant: technicians react to the writes just made
    for _ in range(50):
        deliveries = fsm.drain_webhooks()
        if not deliveries:
            return
        hints: list[ChangeHint] = []
        for delivery in deliveries:
            fsm.verify_webhook(delivery.headers, delivery.body, view.now)
            hints.extend(fsm.parse_webhook(delivery.headers, delivery.body))
        for event in await view.apply(hints):
            await dispatcher.on_event(view, event)
        fsm.advance_to(view.now)  # same instant: lets technicians react to the writes
