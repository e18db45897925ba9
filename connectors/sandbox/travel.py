"""The true travel model of a scenario: how long a drive really takes in the simulation."""

from __future__ import annotations

import hashlib
import math

from connectors.sandbox.scenario import TravelModel

__all__ = ["EARTH_RADIUS_KM", "TrueTravel", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class TrueTravel:
    """Haversine × circuity ÷ speed × the technician's speed factor, ± deterministic noise.

    The noise of one leg depends only on the seed, the technician, the two points and the leg's
    ordinal in the technician's day, so a replay of the same decisions drives the same minutes
    while a different route meets different traffic.
    """

    def __init__(self, model: TravelModel, seed: str = "") -> None:
        self._model = model
        self._seed = seed

    @property
    def model(self) -> TravelModel:
        return self._model

    def base_minutes(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        km = haversine_km(a[0], a[1], b[0], b[1])
        return km * self._model.circuity / self._model.speed_kmh * 60.0

    def minutes(
        self,
        technician_id: str,
        speed_factor: float,
        a: tuple[float, float],
        b: tuple[float, float],
        leg: int,
    ) -> int:
        """True whole minutes of one drive; 0 only when the two points coincide."""
        base = self.base_minutes(a, b) * speed_factor
        if base == 0:
            return 0
        key = f"{self._seed}|{technician_id}|{a[0]:.5f},{a[1]:.5f}|{b[0]:.5f},{b[1]:.5f}|{leg}"
        digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
        unit = int.from_bytes(digest, "big") / 2**64
        factor = 1.0 + self._model.noise_pct / 100.0 * (2.0 * unit - 1.0)
        return max(1, round(base * factor))
