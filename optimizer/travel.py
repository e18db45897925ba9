"""Travel times between points: an offline estimate by default, an OSRM server when configured.

A provider returns a square matrix of whole driving minutes. Matrices are cached by their
points, so re-planning after each event does not recompute (or re-request) them.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from optimizer.problem import Point

__all__ = [
    "CachedTravel",
    "OfflineTravel",
    "OsrmTravel",
    "TravelError",
    "TravelTimes",
    "haversine_km",
]

EARTH_RADIUS_KM = 6371.0088


class TravelError(RuntimeError):
    """The travel-time source failed or answered something unusable."""


class TravelTimes(Protocol):
    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> list[list[int]]:
        """Driving minutes from each point to each other point (diagonal 0)."""
        ...


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class OfflineTravel:
    """Great-circle distance × circuity ÷ speed, scaled by a per-hour speed factor.

    `hourly_speed` maps an hour of the day (0-23) to a multiplier of `speed_kmh`; rush hours
    below 1. The matrix for a plan uses the factor of `depart_minute`'s hour (the day's average
    when not given), because the solver needs one matrix per day.
    """

    circuity: float = 1.35
    speed_kmh: float = 38.0
    hourly_speed: Mapping[int, float] = field(
        default_factory=lambda: {7: 0.85, 8: 0.8, 9: 0.9, 16: 0.85, 17: 0.8, 18: 0.9}
    )

    def __post_init__(self) -> None:
        if self.circuity < 1 or self.speed_kmh <= 0:
            raise ValueError("circuity must be >= 1 and speed_kmh > 0")

    def factor(self, depart_minute: int | None) -> float:
        if depart_minute is None:
            daytime = [self.hourly_speed.get(hour, 1.0) for hour in range(7, 18)]
            return sum(daytime) / len(daytime)
        return self.hourly_speed.get((depart_minute // 60) % 24, 1.0)

    def minutes(self, a: Point, b: Point, depart_minute: int | None = None) -> int:
        km = haversine_km(a, b) * self.circuity
        return math.ceil(km / (self.speed_kmh * self.factor(depart_minute)) * 60)

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> list[list[int]]:
        speed = self.speed_kmh * self.factor(depart_minute)
        scale = self.circuity / speed * 60
        rad = [(math.radians(p.lat), math.radians(p.lon)) for p in points]
        cos = [math.cos(lat) for lat, _ in rad]
        out = []
        for i, (lat1, lon1) in enumerate(rad):
            row = []
            for j, (lat2, lon2) in enumerate(rad):
                if i == j:
                    row.append(0)
                    continue
                h = (
                    math.sin((lat2 - lat1) / 2) ** 2
                    + cos[i] * cos[j] * math.sin((lon2 - lon1) / 2) ** 2
                )
                km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
                row.append(math.ceil(km * scale))
            out.append(row)
        return out


class OsrmTravel:
    """Durations from an OSRM server's `/table/v1/driving` service (annotations=duration)."""

    def __init__(
        self, base_url: str, *, client: httpx.Client | None = None, timeout: float = 10
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout)

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> list[list[int]]:
        if not points:
            return []
        coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        try:
            response = self._client.get(
                f"{self._base}/table/v1/driving/{coords}", params={"annotations": "duration"}
            )
        except httpx.HTTPError as exc:
            raise TravelError(f"OSRM unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise TravelError(f"OSRM answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise TravelError("OSRM answered malformed JSON") from exc
        if body.get("code") != "Ok":
            raise TravelError(
                f"OSRM refused the table: {body.get('code')}: {body.get('message', '')}"
            )
        durations = body.get("durations")
        if not isinstance(durations, list) or len(durations) != len(points):
            raise TravelError("OSRM table has the wrong shape")
        out = []
        for i, row in enumerate(durations):
            if len(row) != len(points):
                raise TravelError("OSRM table has the wrong shape")
            # null means no route between the two points: make it prohibitively long.
            out.append(
                [
                    0 if i == j else (math.ceil(s / 60) if s is not None else 24 * 60)
                    for j, s in enumerate(row)
                ]
            )
        return out


class CachedTravel:
    """Keeps the last `size` matrices of another provider, keyed by points and departure hour."""

    def __init__(self, inner: TravelTimes, size: int = 16) -> None:
        self._inner = inner
        self._size = size
        self._cache: OrderedDict[tuple[tuple[Point, ...], int | None], list[list[int]]] = (
            OrderedDict()
        )
        self.hits = 0

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> list[list[int]]:
        hour = None if depart_minute is None else depart_minute // 60
        key = (tuple(points), hour)
        if key in self._cache:
            self.hits += 1
            self._cache.move_to_end(key)
            return self._cache[key]
        result = self._inner.matrix(points, depart_minute)
        self._cache[key] = result
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return result
