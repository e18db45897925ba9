"""Dispatchers by the name the command line uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.simulation.baseline import BaselineCoordinator
from orchestrator.simulation.errors import SimulationSetupError
from orchestrator.simulation.protocol import Dispatcher

if TYPE_CHECKING:
    from orchestrator.settings import Settings

__all__ = ["DISPATCHER_NAMES", "dispatcher_named"]

DISPATCHER_NAMES = ("baseline", "fsm-dispatch")


def dispatcher_named(name: str, settings: Settings | None = None) -> Dispatcher:
    """A fresh dispatcher for one run; fsm-dispatch plays `settings` when given (else the
    defaults), the baseline coordinator has no settings.

    Raises:
        SimulationSetupError: the name is unknown, or that dispatcher is not available.
    """
    if name == "baseline":
        return BaselineCoordinator()
    if name == "fsm-dispatch":
        from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher

        if settings is None:
            return FsmDispatchDispatcher()
        return FsmDispatchDispatcher.from_settings(settings)
    raise SimulationSetupError(
        f"unknown dispatcher {name!r}; choose one of {', '.join(DISPATCHER_NAMES)}"
    )
