"""The sandbox FSM: a simulated platform behind the connector protocol, and its scenario files."""

from connectors.sandbox.errors import ScenarioError, SimulationError
from connectors.sandbox.scenario import Scenario, dump_scenario, load_scenario, parse_scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
]
