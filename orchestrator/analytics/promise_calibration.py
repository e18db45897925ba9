"""Whether the chances given with new promises were right: promised at 90 %, kept nine in ten?

Each window promised to a visit that had none came with the plan's chance of keeping it
(`orchestrator.promise_odds`). Against the arrivals recorded since, the promises given a high
chance should be kept more often than those given a low one, and as often as they said.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from orchestrator.analytics.arrivals import PromisedArrival

__all__ = ["SURE", "PromiseCalibration", "promise_calibration"]

SURE = 0.8
"""Promises given at least this chance are counted apart from the shakier ones."""


@dataclass(frozen=True, slots=True)
class PromiseCalibration:
    promises: int
    """New promises that came with a chance and whose visit was reached."""
    expected: float
    """The chances summed: how many of them the plans expected to keep."""
    kept: int
    """How many were kept (the arrival inside the window)."""
    sure: int
    """Promises given at least `SURE`."""
    sure_kept: int
    shaky: int
    """Promises given less than `SURE`."""
    shaky_kept: int

    def to_json(self) -> dict[str, float | int | None]:
        return {
            "new_promises": self.promises,
            "new_promises_expected_kept_rate": _rate(self.expected, self.promises),
            "new_promises_kept_rate": _rate(self.kept, self.promises),
            "new_promises_sure": self.sure,
            "new_promises_sure_kept_rate": _rate(self.sure_kept, self.sure),
            "new_promises_shaky": self.shaky,
            "new_promises_shaky_kept_rate": _rate(self.shaky_kept, self.shaky),
        }


def _rate(part: float, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def promise_calibration(
    arrivals: Sequence[PromisedArrival], chances: Mapping[str, float]
) -> PromiseCalibration:
    """Judge `chances` (appointment id → the chance given with its new promise) against the
    recorded arrivals; promises whose visit was never reached are left out."""
    promises = kept = sure = sure_kept = shaky = shaky_kept = 0
    expected = 0.0
    for arrival in arrivals:
        chance = chances.get(arrival.appointment_id)
        if chance is None:
            continue
        promises += 1
        expected += chance
        on_time = arrival.visit.arrived_at <= arrival.promise.end
        kept += on_time
        if chance >= SURE:
            sure += 1
            sure_kept += on_time
        else:
            shaky += 1
            shaky_kept += on_time
    return PromiseCalibration(promises, expected, kept, sure, sure_kept, shaky, shaky_kept)
