"""Errors of the sandbox platform.

ValueError
└── ScenarioError       a scenario file breaks FORMAT.md; lists every problem with its YAML path
ConnectorError (connectors.errors)
└── SimulationError     the simulated clock was asked to go backwards, or the day is over
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.errors import ConnectorError

__all__ = ["ScenarioError", "SimulationError"]


class ScenarioError(ValueError):
    """A scenario cannot be loaded; `problems` holds one `path: reason` line per fault."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        listing = "\n".join(f"  {line}" for line in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{listing}")


class SimulationError(ConnectorError):
    """The simulation was driven in a way that cannot happen (time going backwards)."""
