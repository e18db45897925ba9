"""The simulated day: dispatchers under test against the sandbox FSM; the baseline coordinator."""

from orchestrator.simulation.baseline import BaselineCoordinator
from orchestrator.simulation.errors import SimulationSetupError
from orchestrator.simulation.events import (
    DispatchEvent,
    JobArrived,
    StatusChanged,
    TechnicianChanged,
    Tick,
)
from orchestrator.simulation.loop import SimulationRecord, run_simulation
from orchestrator.simulation.protocol import Dispatcher
from orchestrator.simulation.view import DispatchView, PastVisit

__all__ = [
    "BaselineCoordinator",
    "DispatchEvent",
    "DispatchView",
    "Dispatcher",
    "JobArrived",
    "PastVisit",
    "SimulationRecord",
    "SimulationSetupError",
    "StatusChanged",
    "TechnicianChanged",
    "Tick",
    "run_simulation",
]
