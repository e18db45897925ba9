"""Travel times between points: an offline estimate by default, an OSRM server when configured.

A provider returns a square matrix of whole driving minutes (numpy, int64, diagonal 0).
`CachedTravel` keeps recent matrices, so re-planning after each event does not recompute (or
re-request) them.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

import httpx
import numpy as np
import numpy.typing as npt

from optimizer.errors import TravelError
from optimizer.problem import Point

__all__ = [
    "CachedTravel",
    "FallbackTravel",
    "OfflineTravel",
    "OsrmTravel",
    "ScaledTravel",
    "TravelError",
    "TravelMatrix",
    "TravelTimes",
    "haversine_km",
]

EARTH_RADIUS_KM = 6371.0088
UNREACHABLE_MINUTES = 24 * 60
"""What a pair with no route costs: long enough that no plan uses it."""

TravelMatrix = npt.NDArray[np.int64]

_RUSH_HOURS: Mapping[int, float] = MappingProxyType(
    {7: 0.85, 8: 0.8, 9: 0.9, 16: 0.85, 17: 0.8, 18: 0.9}
)


class TravelTimes(Protocol):
    """Anything that turns points into a matrix of driving minutes."""

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> TravelMatrix:
        """Driving minutes from each point to each other point (diagonal 0).

        Args:
            points: Locations, in the order of the matrix's rows and columns.
            depart_minute: Minute of the day the trips start, for time-dependent speeds; None
                asks for the day's typical speed.
        """
        ...


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class OfflineTravel:
    """Great-circle distance × circuity ÷ speed, scaled by a per-hour speed factor.

    `hourly_speed` maps an hour of the day (0-23) to a multiplier of `speed_kmh`: rush hours
    below 1, missing hours 1. A matrix uses the factor of `depart_minute`'s hour, or the mean
    over working hours (7-17) when not given, because the solver needs one matrix per day.
    Every trip takes at least one minute between distinct points.
    """

    circuity: float = 1.35
    speed_kmh: float = 38.0
    hourly_speed: Mapping[int, float] = field(default_factory=lambda: _RUSH_HOURS)

    def __post_init__(self) -> None:
        if self.circuity < 1:
            raise ValueError(f"circuity must be >= 1, got {self.circuity}")
        if self.speed_kmh <= 0:
            raise ValueError(f"speed_kmh must be > 0, got {self.speed_kmh}")
        for hour, factor in self.hourly_speed.items():
            if not 0 <= hour <= 23:
                raise ValueError(f"hourly_speed: hour {hour} not in 0-23")
            if factor <= 0:
                raise ValueError(f"hourly_speed: factor for hour {hour} must be > 0")

    def factor(self, depart_minute: int | None) -> float:
        """The speed multiplier for trips leaving at `depart_minute`."""
        if depart_minute is None:
            daytime = [self.hourly_speed.get(hour, 1.0) for hour in range(7, 18)]
            return sum(daytime) / len(daytime)
        return self.hourly_speed.get((depart_minute // 60) % 24, 1.0)

    def minutes(self, a: Point, b: Point, depart_minute: int | None = None) -> int:
        """Driving minutes from `a` to `b`."""
        if a == b:
            return 0
        return int(self.matrix([a, b], depart_minute)[0, 1])

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> TravelMatrix:
        """Driving minutes between all pairs, vectorised (a 1,200-point day takes ~50 ms)."""
        if not points:
            return np.zeros((0, 0), dtype=np.int64)
        lat = np.radians(np.fromiter((p.lat for p in points), dtype=np.float64))
        lon = np.radians(np.fromiter((p.lon for p in points), dtype=np.float64))
        h = (
            np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
            + np.cos(lat)[:, None]
            * np.cos(lat)[None, :]
            * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        scale = self.circuity / (self.speed_kmh * self.factor(depart_minute)) * 60
        # A tiny epsilon keeps ceil() from turning float noise (e.g. 3.0000000001) into 4.
        minutes = np.ceil(km * scale - 1e-9).astype(np.int64)
        out: TravelMatrix = np.maximum(minutes, 1)
        same = (lat[:, None] == lat[None, :]) & (lon[:, None] == lon[None, :])
        out[same] = 0
        return out


class OsrmTravel:
    """Durations from an OSRM server's `/table/v1/driving` service (annotations=duration).

    OSRM refuses tables larger than its `--max-table-size` (100 by default), so big matrices
    are fetched in blocks of `block` sources × `block` destinations. OSRM has no departure
    time, so `depart_minute` is ignored.
    """

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        block: int = 100,
        profile: str = "driving",
    ) -> None:
        if block < 2:
            raise ValueError(f"block must be >= 2, got {block}")
        self._base = base_url.rstrip("/")
        self._client = client or httpx.Client(timeout=timeout)
        self._block = block
        self._profile = profile

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> TravelMatrix:
        """Driving minutes between all pairs, rounded up; unroutable pairs cost a day."""
        n = len(points)
        out = np.zeros((n, n), dtype=np.int64)
        if n == 0:
            return out
        coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        url = f"{self._base}/table/v1/{self._profile}/{coords}"
        blocks = range(0, n, self._block)
        for s0 in blocks:
            sources = list(range(s0, min(n, s0 + self._block)))
            for d0 in blocks:
                destinations = list(range(d0, min(n, d0 + self._block)))
                params = {"annotations": "duration"}
                if len(sources) < n or len(destinations) < n:
                    params["sources"] = ";".join(map(str, sources))
                    params["destinations"] = ";".join(map(str, destinations))
                rows = self._table(url, params, len(sources), len(destinations))
                out[s0 : s0 + len(sources), d0 : d0 + len(destinations)] = rows
        np.fill_diagonal(out, 0)
        return out

    def _table(
        self, url: str, params: dict[str, str], n_sources: int, n_destinations: int
    ) -> TravelMatrix:
        """One /table request; every transport or format failure becomes a TravelError."""
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException as exc:
            raise TravelError("OSRM timed out") from exc
        except httpx.HTTPError as exc:
            raise TravelError(f"OSRM unreachable: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise TravelError(f"OSRM answered {response.status_code} with malformed JSON") from exc
        if response.status_code != 200 or not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise TravelError(f"OSRM answered {response.status_code} {code}: {message}".strip())
        durations = body.get("durations")
        if not isinstance(durations, list) or len(durations) != n_sources:
            raise TravelError("OSRM table has the wrong shape")
        rows = np.empty((n_sources, n_destinations), dtype=np.int64)
        for i, row in enumerate(durations):
            if not isinstance(row, list) or len(row) != n_destinations:
                raise TravelError("OSRM table has the wrong shape")
            for j, seconds in enumerate(row):
                if seconds is None:
                    rows[i, j] = UNREACHABLE_MINUTES  # no route between the two points
                elif isinstance(seconds, int | float) and seconds >= 0:
                    rows[i, j] = math.ceil(seconds / 60)
                else:
                    raise TravelError(f"OSRM duration {seconds!r} is not a number of seconds")
        return rows


class CachedTravel:
    """Keeps the last `size` matrices of another provider, keyed by points and departure hour.

    Matrices are returned read-only, because one object is shared by every caller of the key.
    """

    def __init__(self, inner: TravelTimes, size: int = 16) -> None:
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        self._inner = inner
        self._size = size
        self._cache: OrderedDict[tuple[tuple[Point, ...], int | None], TravelMatrix] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> TravelMatrix:
        """The inner provider's matrix, from the cache when the same points were asked before."""
        hour = None if depart_minute is None else depart_minute // 60
        key = (tuple(points), hour)
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            self._cache.move_to_end(key)
            return cached
        self.misses += 1
        result = np.array(self._inner.matrix(points, depart_minute), dtype=np.int64)
        result.setflags(write=False)
        self._cache[key] = result
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return result


@dataclass(frozen=True)
class ScaledTravel:
    """Another provider's minutes times `factor`: the same roads, driven at the speed a fleet
    was seen to drive them. Pairs with no route stay unroutable; distinct points stay at
    least a minute apart."""

    inner: TravelTimes
    factor: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.factor) or self.factor <= 0:
            raise ValueError(f"factor must be finite and > 0, got {self.factor}")

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> TravelMatrix:
        """The inner matrix scaled and rounded to whole minutes."""
        inner = np.asarray(self.inner.matrix(points, depart_minute), dtype=np.int64)
        scaled: TravelMatrix = np.rint(inner * self.factor).astype(np.int64)
        scaled = np.where(inner > 0, np.maximum(scaled, 1), 0)
        scaled[inner >= UNREACHABLE_MINUTES] = UNREACHABLE_MINUTES
        return scaled


class FallbackTravel:
    """`primary`'s matrices, or `fallback`'s when `primary` fails: a plan on the estimate beats
    no plan while a road server is down. `on_error` hears of each failure."""

    def __init__(
        self,
        primary: TravelTimes,
        fallback: TravelTimes,
        on_error: Callable[[TravelError], None] | None = None,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._on_error = on_error
        self.failures = 0

    def matrix(self, points: Sequence[Point], depart_minute: int | None = None) -> TravelMatrix:
        """The primary's matrix; the fallback's when the primary raises a TravelError."""
        try:
            return self._primary.matrix(points, depart_minute)
        except TravelError as exc:
            self.failures += 1
            if self._on_error is not None:
                self._on_error(exc)
            return self._fallback.matrix(points, depart_minute)
