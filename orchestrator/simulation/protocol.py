"""The seam every dispatcher under test plugs into: a morning plan, then one call per event."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from orchestrator.simulation.events import DispatchEvent
from orchestrator.simulation.view import DispatchView

__all__ = ["Dispatcher"]


@runtime_checkable
class Dispatcher(Protocol):
    """A dispatcher sees the FSM through `view` and acts only by writing through it.

    `view` carries the jobs with their ticket texts, the technicians with skills, shifts and time
    off, customers and locations, past visits, the weather and the clock. The simulated clock
    stands still during a call, so a dispatcher may take the time it needs.
    """

    name: str

    async def morning_plan(self, view: DispatchView) -> None:
        """Plan the day before the first shift starts (called at the start of each day)."""
        ...

    async def on_event(self, view: DispatchView, event: DispatchEvent) -> None:
        """React to one event: a new ticket, a status change, a technician change, a tick."""
        ...
