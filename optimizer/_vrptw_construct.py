"""Parallel regret insertion for the VRPTW: the feasible first plan the local search starts from.

Every unrouted customer keeps its cheapest feasible insertion in each open route (plus one empty
route while the fleet allows). Each step inserts the customer with the largest regret, the sum
of how much worse its 2nd…k-th best routes are than its best: customers with few good options go
first, which is what keeps tight-window instances feasible where cheapest-arc heuristics fail.
Only the route that changed is re-evaluated, for all customers at once with numpy.

Feasibility uses the forward start times and backward latest start times of each route, so one
insertion is checked in constant time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer._vrptw_data import IntArray, ScaledInstance

# Stand-in for a missing option in the regret sum: large, but far from int64 overflow.
_MISSING = 10**12
_INFEASIBLE = np.iinfo(np.int64).max // 4


@dataclass(frozen=True, slots=True)
class InsertionParams:
    """One variant of the regret insertion.

    Attributes:
        regret: k of regret-k; 1 is plain cheapest insertion.
        wait_weight: Weight of the waiting time an insertion creates, added to its distance; steers
            away from insertions that waste a vehicle's time.
        noise: Relative random noise on insertion costs (0 for none), to diversify restarts.
    """

    regret: int = 3
    wait_weight: float = 0.0
    noise: float = 0.0


class _Route:
    """A route under construction: its nodes and the schedule bounds of each position."""

    __slots__ = ("nodes", "start", "latest", "load")

    def __init__(self, data: ScaledInstance) -> None:
        self.nodes: list[int] = [0, 0]
        self.load = 0
        self.start = np.array([data.earliest[0], data.earliest[0]], dtype=np.int64)
        self.latest = np.array([data.latest[0], data.latest[0]], dtype=np.int64)

    def refresh(self, data: ScaledInstance) -> None:
        nodes = np.asarray(self.nodes)
        count = len(nodes)
        start = np.empty(count, dtype=np.int64)
        latest = np.empty(count, dtype=np.int64)
        start[0] = data.earliest[0]
        for k in range(1, count):
            prev, node = nodes[k - 1], nodes[k]
            arrival = start[k - 1] + data.service[prev] + data.travel[prev, node]
            start[k] = max(arrival, data.earliest[node])
        latest[-1] = data.latest[0]
        for k in range(count - 2, -1, -1):
            node, succ = nodes[k], nodes[k + 1]
            limit = latest[k + 1] - data.service[node] - data.travel[node, succ]
            latest[k] = min(data.latest[node], limit)
        self.start, self.latest = start, latest


def _best_insertions(
    data: ScaledInstance, route: _Route, customers: IntArray, wait_weight: float
) -> tuple[np.ndarray, IntArray]:
    """Cheapest feasible insertion of each customer into `route`: (cost, position)."""
    nodes = np.asarray(route.nodes)
    prev, succ = nodes[:-1], nodes[1:]
    arrival = (route.start[:-1] + data.service[prev])[None, :] + data.travel[prev][:, customers].T
    begin = np.maximum(arrival, data.earliest[customers][:, None])
    reach = begin + data.service[customers][:, None] + data.travel[customers][:, succ]
    ok = (begin <= data.latest[customers][:, None]) & (reach <= route.latest[1:][None, :])
    ok &= (route.load + data.demand[customers] <= data.capacity)[:, None]
    delta = (
        data.cost[prev][:, customers].T
        + data.cost[customers][:, succ]
        - data.cost[prev, succ][None, :]
    ).astype(np.float64)
    if wait_weight:
        # Waiting created at the customer and at the next stop, both in scaled time units.
        old_next = route.start[1:][None, :]
        new_next = np.maximum(reach, data.earliest[succ][None, :])
        wait = (
            (begin - arrival)
            + np.maximum(0, new_next - reach)
            - np.maximum(
                0, old_next - (route.start[:-1] + data.service[prev] + data.travel[prev, succ])
            )
        )
        delta += wait_weight * wait
    delta[~ok] = np.inf
    position = np.argmin(delta, axis=1)
    best = delta[np.arange(len(customers)), position]
    return best, position.astype(np.int64)


def regret_insertion(
    data: ScaledInstance, params: InsertionParams, rng: np.random.Generator
) -> tuple[list[list[int]], list[int]]:
    """Build routes by parallel regret insertion.

    Args:
        data: The scaled instance.
        params: The variant to run.
        rng: Source of the cost noise.

    Returns:
        The non-empty routes (customer numbers) and the customers that fit nowhere.
    """
    n = data.nodes - 1
    fleet = data.vehicles
    routes: list[_Route] = []
    unrouted = np.arange(1, n + 1, dtype=np.int64)
    # costs[c, r]: cheapest insertion of customer c into route r; column `len(routes)` is a fresh
    # empty route while the fleet has one left.
    costs = np.full((n + 1, fleet + 1), np.inf)
    positions = np.zeros((n + 1, fleet + 1), dtype=np.int64)
    factors = 1.0 + params.noise * rng.random((n + 1, fleet + 1)) if params.noise else None
    empty = _Route(data)
    costs[unrouted, 0], positions[unrouted, 0] = _best_insertions(
        data, empty, unrouted, params.wait_weight
    )
    empty_costs = costs[:, 0].copy()

    while len(unrouted):
        open_columns = len(routes) + (1 if len(routes) < fleet else 0)
        block = costs[unrouted, :open_columns]
        if factors is not None:
            block = block * factors[unrouted, :open_columns]
        feasible = np.isfinite(block)
        if not feasible.any():
            break
        k = min(params.regret, open_columns)
        filled = np.where(feasible, block, _MISSING)
        ranked = (
            np.partition(filled, k - 1, axis=1)[:, :k]
            if k > 1
            else filled.min(axis=1, keepdims=True)
        )
        ranked.sort(axis=1)
        regret = (ranked[:, 1:] - ranked[:, :1]).sum(axis=1)
        best = ranked[:, 0]
        # Only customers with at least one feasible route compete; ties go to the cheapest.
        regret = np.where(best < _MISSING, regret, -np.inf)
        choice = int(np.lexsort((best, -regret))[0])
        customer = int(unrouted[choice])
        column = int(np.argmin(block[choice]))
        if column == len(routes):
            routes.append(_Route(data))
        route = routes[column]
        route.nodes.insert(int(positions[customer, column]) + 1, customer)
        route.load += int(data.demand[customer])
        route.refresh(data)
        unrouted = np.delete(unrouted, choice)
        if len(unrouted):
            costs[unrouted, column], positions[unrouted, column] = _best_insertions(
                data, route, unrouted, params.wait_weight
            )
            if len(routes) < fleet:
                # The next fresh route sits in the following column.
                costs[unrouted, len(routes)] = empty_costs[unrouted]
                positions[unrouted, len(routes)] = 0
    return [route.nodes[1:-1] for route in routes], [int(c) for c in unrouted]
