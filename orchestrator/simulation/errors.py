"""Errors of the simulation.

SimulationSetupError     the requested dispatcher cannot run (unknown, or not built yet)
"""

from __future__ import annotations

__all__ = ["SimulationSetupError"]


class SimulationSetupError(ValueError):
    """The simulation cannot start as asked; the message says why and what to do."""
