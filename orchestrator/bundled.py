"""Paths of the data files that ship inside the package."""

from pathlib import Path

__all__ = ["BUNDLED_SCENARIO"]

BUNDLED_SCENARIO = (
    Path(__file__).resolve().parents[1] / "connectors" / "sandbox" / "data" / "seed-day-12x47.yaml"
)
"""The 12-technician, 47-job demonstration day."""
