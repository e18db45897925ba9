"""Dispatchers by the name the command line uses."""

from __future__ import annotations

from orchestrator.simulation.baseline import BaselineCoordinator
from orchestrator.simulation.errors import SimulationSetupError
from orchestrator.simulation.protocol import Dispatcher

__all__ = ["DISPATCHER_NAMES", "dispatcher_named"]

DISPATCHER_NAMES = ("baseline", "fsm-dispatch")


def dispatcher_named(name: str) -> Dispatcher:
    """A fresh dispatcher for one run.

    Raises:
        SimulationSetupError: the name is unknown, or that dispatcher is not available.
    """
    if name == "baseline":
        return BaselineCoordinator()
    if name == "fsm-dispatch":
        from orchestrator.simulation.fsm_dispatch import FsmDispatchDispatcher

        return FsmDispatchDispatcher()
    raise SimulationSetupError(
        f"unknown dispatcher {name!r}; choose one of {', '.join(DISPATCHER_NAMES)}"
    )
