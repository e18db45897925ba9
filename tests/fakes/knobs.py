"""Failure knobs and a server-side rate limit shared by the fake vendor servers.

Kept apart from any vendor's wire format, and importing nothing of ours.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

FAULTS = ("400", "500", "503", "500-after", "429", "timeout", "timeout-after", "malformed")
"""400 rejects the request; 500/503 fail before acting; "-after" variants act, then fail (the
outcome looks unknown); 429 refuses; "malformed" answers 200 with a truncated body."""


@dataclass
class Faults:
    """Faults for the next requests, in order, then at random with `rate` (seeded)."""

    queue: list[str] = field(default_factory=list)
    rate: float = 0.0
    kinds: tuple[str, ...] = ("500", "503", "429", "timeout")
    seed: int = 7
    slow_seconds: float = 0.5
    retry_after: str | None = "0"
    injected: dict[str, int] = field(default_factory=dict)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        for kind in self.queue:
            if kind not in FAULTS:
                raise ValueError(f"unknown fault {kind!r}")
        self._random = random.Random(self.seed)

    def next(self) -> str | None:
        if self.queue:
            kind = self.queue.pop(0)
        elif self.rate and self._random.random() < self.rate:
            kind = self._random.choice(self.kinds)
        else:
            return None
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    async def slow(self) -> None:
        await asyncio.sleep(self.slow_seconds)


class Bucket:
    """The vendor's own rate limit: `rate` per second, bursts of `rate`."""

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self._tokens = float(rate or 0)
        self._updated = time.monotonic()
        self.refused = 0

    def take(self) -> bool:
        if not self.rate:
            return True
        now = time.monotonic()
        self._tokens = min(self.rate, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self.refused += 1
        return False
