"""Slack induction by string removals (SISR) for the VRPTW, compiled with numba.

Christiaens & Vanden Berghe's ruin and recreate: each move removes a few strings of consecutive
customers from routes near a random customer, then puts every removed customer back at its
cheapest feasible place, in one of four orders (random, largest demand, farthest from the depot,
closest), skipping each place with a small "blink" probability; simulated annealing decides
whether the result replaces the current plan. One move costs 10-35 microseconds here on 100-400
customers, so a 10 s budget runs some 300,000 to a million of them.

Works on the integer `ScaledInstance`: travel rounded up, windows inward, so a plan feasible here
is feasible with exact times. A move that leaves a customer out is never accepted, so every plan
held serves every customer within the fleet.

Routes are rows of a (vehicles, customers + 1) array with a length per row; per route, `ready`
holds each position's earliest service start (the depot's departure first), `limit` its latest
(the depot's return last) and `arcs` the cost of the arc into it, so a customer's insertion is
costed and checked in constant time.
"""

from __future__ import annotations

import time

import numba as nb
import numpy as np
import numpy.typing as npt

from optimizer._vrptw_data import SCALE, ScaledInstance

Ints = npt.NDArray[np.int64]

MEAN_REMOVED = 10
"""Customers a ruin removes on average (the paper's c-bar)."""
LONGEST_STRING = 10
"""Longest string removed from one route (the paper's L-max)."""
BLINK = 0.01
"""Probability of skipping a place while looking for the cheapest insertion."""
SPLIT = 0.5
"""Probability that a string removal keeps a run of customers in its middle (split string)."""
START_TEMPERATURE = 10.0
FINAL_TEMPERATURE = 1.0
"""Annealing temperatures, in instance distance units. The paper starts at 100 for runs of
millions of moves; 10 s runs a few hundred thousand. On the twelve Solomon instances farthest
from their best known after a first 10 s run (R104, R107, R108, R112, R201, R202, R206, R210,
R211, RC103, RC104, RC106), one process, seeds 0 / 1, mean gap: 0.54 / 0.53 % from 100,
0.39 / 0.38 % from 30, 0.43 / 0.31 % from 10."""
CHUNK_SECONDS = 0.05
"""Seconds between two looks at the clock: the kernel itself cannot read it."""


@nb.njit(cache=True)
def _refresh(
    r: int,
    routes: Ints,
    lengths: Ints,
    ready: Ints,
    limit: Ints,
    arcs: Ints,
    loads: Ints,
    cost: Ints,
    travel: Ints,
    service: Ints,
    earliest: Ints,
    latest: Ints,
    demand: Ints,
) -> None:
    """Recompute route `r`'s start times (depot departure first), latest starts (depot return
    last), arc costs and load."""
    length = lengths[r]
    ready[r, 0] = earliest[0]
    previous = 0
    load = 0
    for k in range(length):
        node = routes[r, k]
        arrive = ready[r, k] + service[previous] + travel[previous, node]
        ready[r, k + 1] = max(arrive, earliest[node])
        arcs[r, k] = cost[previous, node]
        load += demand[node]
        previous = node
    arcs[r, length] = cost[previous, 0]
    loads[r] = load
    limit[r, length + 1] = latest[0]
    following = 0
    for k in range(length - 1, -1, -1):
        node = routes[r, k]
        leave_by = limit[r, k + 2] - travel[node, following] - service[node]
        limit[r, k + 1] = min(latest[node], leave_by)
        following = node


@nb.njit(cache=True)
def _route_cost(r: int, routes: Ints, lengths: Ints, cost: Ints) -> int:
    total = 0
    previous = 0
    for k in range(lengths[r]):
        total += cost[previous, routes[r, k]]
        previous = routes[r, k]
    return total + cost[previous, 0] if lengths[r] > 0 else 0


@nb.njit(cache=True)
def _remove_string(
    r: int,
    customer: int,
    size: int,
    routes: Ints,
    lengths: Ints,
    position: Ints,
    removed: Ints,
    n_removed: int,
) -> int:
    """Remove `size` consecutive customers of route `r` around `customer`, or with probability
    `SPLIT` a longer string keeping a run in its middle. Returns the new count in `removed`."""
    length = lengths[r]
    at = position[customer]
    keep = 0
    span = size
    if np.random.random() < SPLIT and size < length:
        # Split string: widen the string by `keep` customers that stay in the route.
        keep = 1
        while size + keep < length and np.random.random() > 0.01:
            keep += 1
        span = size + keep
    first = at - np.random.randint(0, span)
    first = max(0, min(first, length - span))
    kept_from = first + np.random.randint(0, span - keep + 1) if keep > 0 else first + span
    write = first
    for k in range(first, first + span):
        node = routes[r, k]
        if kept_from <= k < kept_from + keep:
            routes[r, write] = node
            write += 1
        else:
            removed[n_removed] = node
            n_removed += 1
    for k in range(first + span, length):
        routes[r, write] = routes[r, k]
        write += 1
    lengths[r] = write
    for k in range(write):
        position[routes[r, k]] = k
    return n_removed


@nb.njit(cache=True)
def _ruin(
    routes: Ints,
    lengths: Ints,
    route_of: Ints,
    position: Ints,
    neighbours: Ints,
    customers: int,
    removed: Ints,
    touched: Ints,
) -> tuple[int, int]:
    """Remove strings near a random customer. Returns (customers removed, routes touched)."""
    vehicles = lengths.shape[0]
    used = 0
    for r in range(vehicles):
        if lengths[r] > 0:
            used += 1
    mean_length = customers / max(used, 1)
    longest = min(float(LONGEST_STRING), mean_length)
    most_strings = 4.0 * MEAN_REMOVED / (1.0 + longest) - 1.0
    strings = int(np.random.random() * most_strings) + 1
    seed = np.random.randint(1, customers + 1)
    n_removed = 0
    n_touched = 0
    for k in range(neighbours.shape[1]):
        if n_touched >= strings:
            break
        c = neighbours[seed, k]
        r = route_of[c]
        if r < 0:
            continue
        already = False
        for t in range(n_touched):
            if touched[t] == r:
                already = True
                break
        if already:
            continue
        most = min(float(lengths[r]), longest)
        size = int(np.random.random() * most) + 1
        n_removed = _remove_string(r, c, size, routes, lengths, position, removed, n_removed)
        touched[n_touched] = r
        n_touched += 1
    for k in range(n_removed):
        route_of[removed[k]] = -1
    return n_removed, n_touched


@nb.njit(cache=True)
def _order(removed: Ints, n_removed: int, demand: Ints, cost: Ints) -> None:
    """Put the removed customers in one of the four recreate orders."""
    pick = np.random.random() * 11.0
    keys = np.empty(n_removed, dtype=np.float64)
    for k in range(n_removed):
        c = removed[k]
        if pick < 4.0:
            keys[k] = np.random.random()
        elif pick < 8.0:
            keys[k] = -demand[c]
        elif pick < 10.0:
            keys[k] = -cost[0, c]
        else:
            keys[k] = cost[0, c]
    order = np.argsort(keys, kind="mergesort")
    copy = removed[:n_removed].copy()
    for k in range(n_removed):
        removed[k] = copy[order[k]]


@nb.njit(cache=True)
def _recreate(
    routes: Ints,
    lengths: Ints,
    route_of: Ints,
    position: Ints,
    ready: Ints,
    limit: Ints,
    arcs: Ints,
    loads: Ints,
    removed: Ints,
    n_removed: int,
    cost: Ints,
    cost_to: Ints,
    travel: Ints,
    travel_to: Ints,
    service: Ints,
    earliest: Ints,
    latest: Ints,
    demand: Ints,
    capacity: int,
) -> int:
    """Insert the removed customers one by one at their cheapest feasible place (with blinks).
    Returns how many found no place; those stay out."""
    vehicles = lengths.shape[0]
    missed = 0
    for k in range(n_removed):
        c = removed[k]
        best = np.int64(2**62)
        best_r = -1
        best_p = -1
        empty_tried = False
        for r in range(vehicles):
            length = lengths[r]
            if length == 0:
                if empty_tried:
                    continue
                empty_tried = True
            if loads[r] + demand[c] > capacity:
                continue
            previous = 0
            for p in range(length + 1):
                following = routes[r, p] if p < length else 0
                if p > 0:
                    previous = routes[r, p - 1]
                # Rows of c only (`*_to` are the transposes) and the arc kept per position:
                # reading a column of the matrices for every place missed the cache.
                delta = cost_to[c, previous] + cost[c, following] - arcs[r, p]
                if delta >= best:
                    continue
                begin = max(earliest[c], ready[r, p] + service[previous] + travel_to[c, previous])
                if begin > latest[c]:
                    continue
                if begin + service[c] + travel[c, following] > limit[r, p + 1]:
                    continue
                if np.random.random() < BLINK:
                    continue
                best, best_r, best_p = delta, r, p
        if best_r < 0:
            missed += 1
            continue
        length = lengths[best_r]
        for p in range(length, best_p, -1):
            routes[best_r, p] = routes[best_r, p - 1]
        routes[best_r, best_p] = c
        lengths[best_r] = length + 1
        for p in range(best_p, length + 1):
            position[routes[best_r, p]] = p
        route_of[c] = best_r
        _refresh(
            best_r, routes, lengths, ready, limit, arcs, loads, cost, travel, service, earliest,
            latest, demand,
        )  # fmt: skip
    return missed


@nb.njit(cache=True)
def _anneal(
    routes: Ints,
    lengths: Ints,
    best_routes: Ints,
    best_lengths: Ints,
    moves: int,
    temperature: float,
    cooling: float,
    seed: int,
    neighbours: Ints,
    cost: Ints,
    cost_to: Ints,
    travel: Ints,
    travel_to: Ints,
    service: Ints,
    earliest: Ints,
    latest: Ints,
    demand: Ints,
    capacity: int,
) -> tuple[int, int, float]:
    """Run `moves` ruin-and-recreate moves from `routes` (updated in place to the current plan;
    `best_*` to the best seen). Returns (current cost, best cost, final temperature)."""
    np.random.seed(seed)
    vehicles, width = routes.shape
    customers = cost.shape[0] - 1
    route_of = np.full(customers + 1, -1, dtype=np.int64)
    position = np.zeros(customers + 1, dtype=np.int64)
    ready = np.zeros((vehicles, width + 2), dtype=np.int64)
    limit = np.zeros((vehicles, width + 2), dtype=np.int64)
    arcs = np.zeros((vehicles, width + 2), dtype=np.int64)
    loads = np.zeros(vehicles, dtype=np.int64)
    for r in range(vehicles):
        for k in range(lengths[r]):
            route_of[routes[r, k]] = r
            position[routes[r, k]] = k
        _refresh(
            r, routes, lengths, ready, limit, arcs, loads, cost, travel, service, earliest, latest,
            demand,
        )  # fmt: skip
    current = 0
    for r in range(vehicles):
        current += _route_cost(r, routes, lengths, cost)
    best = 0
    for r in range(vehicles):
        best += _route_cost(r, best_routes, best_lengths, cost)
    # The candidate is built in these copies; only the touched routes are copied back or undone.
    c_routes = routes.copy()
    c_lengths = lengths.copy()
    c_route_of = route_of.copy()
    c_position = position.copy()
    c_ready = ready.copy()
    c_limit = limit.copy()
    c_arcs = arcs.copy()
    c_loads = loads.copy()
    removed = np.empty(customers, dtype=np.int64)
    touched = np.empty(vehicles, dtype=np.int64)
    changed = np.zeros(vehicles, dtype=np.bool_)
    for _ in range(moves):
        n_removed, n_touched = _ruin(
            c_routes, c_lengths, c_route_of, c_position, neighbours, customers, removed, touched
        )
        for t in range(n_touched):
            _refresh(
                touched[t], c_routes, c_lengths, c_ready, c_limit, c_arcs, c_loads, cost, travel,
                service, earliest, latest, demand,
            )  # fmt: skip
        _order(removed, n_removed, demand, cost)
        missed = _recreate(
            c_routes, c_lengths, c_route_of, c_position, c_ready, c_limit, c_arcs, c_loads,
            removed, n_removed, cost, cost_to, travel, travel_to, service, earliest, latest,
            demand, capacity,
        )  # fmt: skip
        changed[:] = False
        for t in range(n_touched):
            changed[touched[t]] = True
        for k in range(n_removed):
            if c_route_of[removed[k]] >= 0:
                changed[c_route_of[removed[k]]] = True
        candidate = current
        for r in range(vehicles):
            if changed[r]:
                candidate += _route_cost(r, c_routes, c_lengths, cost)
                candidate -= _route_cost(r, routes, lengths, cost)
        # Annealing's threshold; 1 - random() lies in (0, 1], so the logarithm is finite.
        threshold = current - temperature * np.log(1.0 - np.random.random())
        accept = missed == 0 and candidate < threshold
        for r in range(vehicles):
            if not changed[r]:
                continue
            # Positions past the longer of the two versions are never read.
            used = max(lengths[r], c_lengths[r]) + 2
            if accept:
                routes[r, :used] = c_routes[r, :used]
                lengths[r] = c_lengths[r]
                ready[r, :used] = c_ready[r, :used]
                limit[r, :used] = c_limit[r, :used]
                arcs[r, :used] = c_arcs[r, :used]
                loads[r] = c_loads[r]
                for k in range(lengths[r]):
                    route_of[routes[r, k]] = r
                    position[routes[r, k]] = k
            else:
                c_routes[r, :used] = routes[r, :used]
                c_lengths[r] = lengths[r]
                c_ready[r, :used] = ready[r, :used]
                c_limit[r, :used] = limit[r, :used]
                c_arcs[r, :used] = arcs[r, :used]
                c_loads[r] = loads[r]
                for k in range(c_lengths[r]):
                    c_route_of[c_routes[r, k]] = r
                    c_position[c_routes[r, k]] = k
        if not accept:
            for k in range(n_removed):
                c = removed[k]
                c_route_of[c] = route_of[c]
                c_position[c] = position[c]
        else:
            current = candidate
            if current < best:
                best = current
                best_routes[:, :] = routes[:, :]
                best_lengths[:] = lengths[:]
        temperature *= cooling
    return current, best, temperature


def _pack(routes: list[list[int]], vehicles: int, customers: int) -> tuple[Ints, Ints]:
    packed = np.zeros((vehicles, customers + 1), dtype=np.int64)
    lengths = np.zeros(vehicles, dtype=np.int64)
    for r, route in enumerate(route for route in routes if route):
        packed[r, : len(route)] = route
        lengths[r] = len(route)
    return packed, lengths


def _unpack(packed: Ints, lengths: Ints) -> list[list[int]]:
    return [[int(c) for c in packed[r, : lengths[r]]] for r in range(len(lengths)) if lengths[r]]


def neighbours_of(data: ScaledInstance) -> Ints:
    """Every node's nodes by increasing distance, itself first; row 0 (the depot) unused."""
    order = np.argsort(data.cost - np.eye(data.nodes, dtype=np.int64), axis=1, kind="stable")
    keep = order[order != 0].reshape(data.nodes, data.nodes - 1)
    return np.ascontiguousarray(keep)


def _matrices(data: ScaledInstance) -> tuple[Ints, Ints, Ints, Ints, Ints, Ints, Ints, Ints, Ints]:
    """The kernel's read-only arrays: neighbours, cost and its transpose, travel and its
    transpose, service, windows, demand."""
    return (
        neighbours_of(data), data.cost, np.ascontiguousarray(data.cost.T), data.travel,
        np.ascontiguousarray(data.travel.T), data.service, data.earliest, data.latest,
        data.demand,
    )  # fmt: skip


def anneal(
    data: ScaledInstance,
    routes: list[list[int]],
    *,
    seed: int,
    deadline: float | None = None,
    moves: int | None = None,
    start_temperature: float = START_TEMPERATURE,
    final_temperature: float = FINAL_TEMPERATURE,
) -> list[list[int]]:
    """Improve complete, feasible `routes` by SISR until `deadline` (a `time.monotonic()` value),
    or for exactly `moves` moves (a run that does not depend on the machine's speed).

    The temperature falls geometrically from `start_temperature` to `final_temperature` (in
    instance distance units) over the run. Returns the best routes seen.

    Raises:
        ValueError: Unless exactly one of `deadline` and `moves` is given, or if `routes` need
            more vehicles than the fleet.
    """
    if (deadline is None) == (moves is None):
        raise ValueError("give either a deadline or a number of moves")
    used = sum(1 for route in routes if route)
    if used > data.vehicles:
        raise ValueError(f"{used} routes for a fleet of {data.vehicles}")
    customers = data.nodes - 1
    current, lengths = _pack(routes, data.vehicles, customers)
    best, best_lengths = current.copy(), lengths.copy()
    hot, cold = start_temperature * SCALE, final_temperature * SCALE
    matrices = _matrices(data)
    if moves is not None:
        cooling = (cold / hot) ** (1.0 / max(moves, 1))
        _anneal(current, lengths, best, best_lengths, moves, hot, cooling, seed, *matrices,
                data.capacity)  # fmt: skip
        return _unpack(best, best_lengths)
    assert deadline is not None
    began = time.monotonic()
    total = max(deadline - began, 1e-3)
    chunk_moves = 100
    temperature = hot
    chunk = 0
    while time.monotonic() < deadline:
        # Cool to where the curve is at the end of this chunk, judged by the time it will take.
        elapsed = time.monotonic() - began
        target = hot * (cold / hot) ** min(1.0, (elapsed + CHUNK_SECONDS) / total)
        cooling = (target / temperature) ** (1.0 / chunk_moves)
        tick = time.monotonic()
        _, _, temperature = _anneal(
            current, lengths, best, best_lengths, chunk_moves, temperature, cooling,
            seed * 7919 + chunk, *matrices, data.capacity,
        )  # fmt: skip
        spent = time.monotonic() - tick
        chunk += 1
        left = max(deadline - time.monotonic(), 0.0)
        # Size the next chunk to take about CHUNK_SECONDS at the speed just measured.
        chunk_moves = max(10, int(chunk_moves / max(spent, 1e-6) * min(CHUNK_SECONDS, left)))
    return _unpack(best, best_lengths)


def load_annealing() -> None:
    """Compile or load the annealing kernels unless this process already has them."""
    if not _anneal.signatures:
        compile_annealing()


def compile_annealing() -> None:
    """Compile the annealing kernels (or load them from numba's disk cache), on two customers."""
    from optimizer._vrptw_data import scale_instance
    from optimizer.vrptw import VrptwInstance

    instance = VrptwInstance(
        name="warm-up",
        coords=((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)),
        demands=(0, 1, 1),
        earliest=(0.0, 0.0, 0.0),
        latest=(100.0, 100.0, 100.0),
        service=(0.0, 1.0, 1.0),
        capacity=10,
        vehicles=2,
    )
    data = scale_instance(instance)
    current, lengths = _pack([[1], [2]], data.vehicles, 2)
    _anneal(current, lengths, current.copy(), lengths.copy(), 5, 1.0, 1.0, 0, *_matrices(data),
            data.capacity)  # fmt: skip
