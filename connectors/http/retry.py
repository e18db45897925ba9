"""When and how long to wait before repeating a request: jittered exponential backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["RetryParams", "parse_retry_after"]

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryParams:
    """How a transport repeats requests that may succeed later (429, 5xx, timeouts).

    Attributes:
        attempts: Tries in all, the first included.
        base_seconds: Scale of the exponential backoff (full jitter up to base * 2**n).
        max_seconds: Cap of one backoff wait.
        max_retry_after: Longest Retry-After we honour; a longer one fails the call instead.
        sleep: Awaited to wait; tests pass one that does not sleep.
    """

    attempts: int = 4
    base_seconds: float = 0.5
    max_seconds: float = 20.0
    max_retry_after: float = 120.0
    sleep: Sleep = field(default=asyncio.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1; got {self.attempts}")
        if self.base_seconds < 0 or self.max_seconds < 0:
            raise ValueError("backoff seconds must not be negative")

    def backoff(self, attempt_number: int) -> float:
        """Seconds to wait after failed attempt `attempt_number` (1-based): full jitter."""
        if self.base_seconds == 0:
            return 0.0
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt_number - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - spreading load, not security


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def jitter(seconds: float, *, spread: float = 0.1) -> float:
    """`seconds` plus up to `spread` of itself, so clients told the same delay do not align."""
    return seconds * (1 + random.uniform(0, spread))  # noqa: S311 - not for security
