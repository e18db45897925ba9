"""A sub-model's solution written back into the whole day's routes and timings."""

from __future__ import annotations

from collections.abc import Sequence

from optimizer._routing import RoutingOutcome

__all__ = ["splice"]


def splice(
    routes: Sequence[Sequence[int]],
    timings: dict[int, RoutingOutcome],
    vehicles: Sequence[int],
    jobs: Sequence[int],
    outcome: RoutingOutcome,
) -> tuple[list[list[int]], dict[int, RoutingOutcome]]:
    """New routes and timings with `vehicles` replaced by the sub-model's solution.

    The sub-model's vehicle k is `vehicles[k]` and its job node i is `jobs[i]`; the inputs
    are not changed.
    """
    trial_routes = [list(r) for r in routes]
    trial_timings = dict(timings)
    for k, v in enumerate(vehicles):
        trial_routes[v] = [jobs[j] for j, _ in outcome.routes[k]]
        trial_timings[v] = RoutingOutcome(
            {v: [(jobs[j], start) for j, start in outcome.routes[k]]},
            {v: outcome.route_starts[k]},
            {v: outcome.route_ends[k]},
            {v: outcome.lunches[k]} if k in outcome.lunches else {},
            outcome.status,
            0.0,
        )
    return trial_routes, trial_timings
