"""The chance that a route keeps its promises: how likely each arrival is before a deadline.

A plan times each visit with one figure per job (the duration model's routing quantile), but
the visits before a promise may run long. This samples the route many times: each visit takes
its planned minutes times a lognormal draw (`sigma` per job, centred so that the planned figure
is the routing quantile), the visit a technician is on when the plan is made ends at a draw
conditioned on the minutes already spent there, and the drives, the lunch and the waits for a
window to open are kept as planned. The share of draws arriving by a stop's deadline is that
stop's chance. Draws come from a seeded generator: the same route gives the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from optimizer.plan import Route

__all__ = ["OnSite", "arrival_draws", "arrival_odds"]

_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class OnSite:
    """The visit a technician is on when the plan is made (the route starts when it ends).

    Attributes:
        now: When the plan is made (minutes from the plan's origin).
        elapsed: Minutes already on site by then.
        median: The visit's median minutes.
        sigma: The spread of its log minutes.
    """

    now: int
    elapsed: float
    median: float
    sigma: float

    def __post_init__(self) -> None:
        if self.elapsed < 0 or self.median <= 0 or self.sigma < 0:
            raise ValueError(f"invalid visit on site: {self}")

    def remaining_at(self, quantile: float) -> float:
        """Minutes still to go at `quantile` of the visit's end, given that it has lasted
        `elapsed` so far (the quantile of what `remaining` draws)."""
        if not 0 < quantile < 1:
            raise ValueError(f"quantile must be within (0, 1), got {quantile}")
        if self.sigma == 0:
            return max(0.0, self.median - self.elapsed)
        mu = math.log(self.median)
        floor = _NORMAL.cdf((math.log(max(self.elapsed, 1e-9)) - mu) / self.sigma)
        u = min(floor + (1 - floor) * quantile, 1 - 1e-12)
        return max(0.0, math.exp(mu + self.sigma * _NORMAL.inv_cdf(u)) - self.elapsed)

    def remaining(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Minutes still to go, drawn given that the visit has lasted `elapsed` so far."""
        if self.sigma == 0:
            return np.full(draws, max(0.0, self.median - self.elapsed))
        mu = math.log(self.median)
        floor = _NORMAL.cdf((math.log(max(self.elapsed, 1e-9)) - mu) / self.sigma)
        # Uniforms above the elapsed minutes' quantile, mapped back through the lognormal.
        u = floor + (1 - floor) * rng.random(draws)
        z = np.array([_NORMAL.inv_cdf(min(max(x, 1e-12), 1 - 1e-12)) for x in u])
        return np.maximum(np.exp(mu + self.sigma * z) - self.elapsed, 0.0)


def arrival_odds(
    route: Route,
    deadlines: Mapping[str, int],
    sigmas: Mapping[str, float],
    *,
    opens: Mapping[str, int] | None = None,
    on_site: OnSite | None = None,
    routing_quantile: float = 0.5,
    draws: int = 2000,
    seed: int = 0,
) -> dict[str, float]:
    """For each stop of `route` with a deadline, the chance of arriving by it.

    Args:
        route: A planned route (minutes from the plan's origin).
        deadlines: Job id → the latest arrival that keeps its promise (a window's end).
        sigmas, opens, on_site, routing_quantile, draws, seed: as for `arrival_draws`.

    Returns:
        Job id → chance (0-1) for the stops that have a deadline.
    """
    arrivals = arrival_draws(
        route,
        set(deadlines),
        sigmas,
        opens=opens,
        on_site=on_site,
        routing_quantile=routing_quantile,
        draws=draws,
        seed=seed,
    )
    return {
        job_id: float(np.mean(arrive <= deadlines[job_id] + 1e-9))
        for job_id, arrive in arrivals.items()
    }


def arrival_draws(
    route: Route,
    job_ids: Collection[str],
    sigmas: Mapping[str, float],
    *,
    opens: Mapping[str, int] | None = None,
    on_site: OnSite | None = None,
    routing_quantile: float = 0.5,
    draws: int = 2000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Sampled arrival minutes at the stops of `route` in `job_ids`, one per sampled day.

    Args:
        route: A planned route (minutes from the plan's origin).
        job_ids: The stops whose arrivals are wanted.
        sigmas: Job id → the spread of its log minutes; a job without one is taken as exact.
        opens: Job id → when service may start at the earliest (a window's opening): an early
            arrival waits for it. Without one, a stop starts on arrival, or when the plan has it
            start after waiting.
        on_site: The visit the technician is finishing when the route starts: they leave when
            it ends (drawn), not at `route.start`; None when the route starts as planned.
        routing_quantile: The quantile the planned minutes are (0.5: the median).
        draws: How many days to sample.
        seed: Seeds the draws.
    """
    if not 0.5 <= routing_quantile < 1:
        raise ValueError(f"routing_quantile must be within 0.5-0.99, got {routing_quantile}")
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if not any(s.job_id in job_ids for s in route.stops):
        return {}
    rng = np.random.default_rng(seed)
    z_planned = _NORMAL.inv_cdf(routing_quantile)
    # When the technician can leave for the next stop, per draw.
    free = np.full(draws, float(route.start))
    if on_site is not None:
        free = on_site.now + on_site.remaining(rng, draws)
    previous_end = route.start
    out: dict[str, np.ndarray] = {}
    for stop in route.stops:
        gap = stop.arrive - previous_end  # the drive, and a lunch eaten before it, as planned
        arrive = free + gap
        if stop.job_id in job_ids:
            out[stop.job_id] = arrive
        opening = (opens or {}).get(stop.job_id)
        if opening is None:
            opening = stop.start if stop.start > stop.arrive else None
        start = arrive if opening is None else np.maximum(arrive, opening)
        lunch = _lunch_inside(route, stop.start, stop.end)
        work = stop.end - stop.start - lunch
        sigma = sigmas.get(stop.job_id, 0.0)
        if sigma > 0 and work > 0:
            factor = np.exp(sigma * (rng.standard_normal(draws) - z_planned))
            free = start + work * factor + lunch
        else:
            free = start + work + lunch
        previous_end = stop.end
    return out


def _lunch_inside(route: Route, start: int, end: int) -> int:
    """The lunch minutes eaten on site during a visit [start, end) (the plan puts it there)."""
    if route.lunch_start is not None and start <= route.lunch_start < end:
        return route.lunch_minutes
    return 0
