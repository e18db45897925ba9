"""A client-side async token bucket, so we stay under a vendor's documented request rate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateLimiter"]

Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """Token bucket: `rate` requests per second on average, bursts of at most `burst`.

    One instance is shared by every request to one vendor account. A 429 carrying Retry-After
    calls `defer`, which holds back every caller, not only the one that was refused.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive requests per second; got {rate}")
        self.rate = float(rate)
        self.burst = burst if burst is not None else max(1, int(rate))
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1; got {burst}")
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        self._not_before = 0.0
        self._lock = asyncio.Lock()
        self.deferred_seconds = 0.0
        """Total pause requested by the vendor (Retry-After), for reports and tests."""

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait until one request may be sent."""
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = max(self._not_before - now, 0.0)
                if wait == 0 and self._tokens >= 1:
                    self._tokens -= 1
                    return
                if wait == 0:
                    wait = (1 - self._tokens) / self.rate
                await self._sleep(wait)

    def defer(self, seconds: float) -> None:
        """Send nothing for `seconds` (the vendor asked us to back off)."""
        now = self._clock()
        self.deferred_seconds += max(seconds, 0.0)
        self._not_before = max(self._not_before, now + max(seconds, 0.0))
        self._tokens = 0.0
        self._updated = now
