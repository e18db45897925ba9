"""The classic capacitated VRP with time windows: instance, solution, solver entry point, checker.

This is the textbook problem of the Solomon and Gehring & Homberger benchmarks, kept apart from
the field-service model so the routing engine can be measured against the literature: one depot,
a fleet of identical vehicles, customer demands and time windows, travel time equal to the
Euclidean distance, minimise total distance.

Node 0 is the depot; customers are 1..n. A route lists customer numbers only; it leaves the depot
at the depot's earliest time and returns to it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

# Arithmetic slack for the checker: floating-point sums of square roots, never a modelling margin.
CHECK_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class VrptwInstance:
    """A capacitated VRPTW instance, validated when built.

    Attributes:
        name: Instance name, for reports.
        coords: (x, y) of every node; index 0 is the depot.
        demands: Demand of every node; the depot's is 0.
        earliest: Earliest service start of every node (the depot's is the earliest departure).
        latest: Latest service start of every node (the depot's is the latest return).
        service: Service duration of every node; the depot's is 0.
        capacity: Capacity of every vehicle.
        vehicles: Fleet size: the most routes a solution may use.
    """

    name: str
    coords: tuple[tuple[float, float], ...]
    demands: tuple[int, ...]
    earliest: tuple[float, ...]
    latest: tuple[float, ...]
    service: tuple[float, ...]
    capacity: int
    vehicles: int

    def __post_init__(self) -> None:
        n = len(self.coords)
        if n < 2:
            raise ValueError(f"{self.name}: an instance needs the depot and at least one customer")
        for label, values in (
            ("demands", self.demands),
            ("earliest", self.earliest),
            ("latest", self.latest),
            ("service", self.service),
        ):
            if len(values) != n:
                raise ValueError(f"{self.name}: {label} has {len(values)} entries, expected {n}")
        if self.capacity <= 0:
            raise ValueError(f"{self.name}: capacity must be positive, got {self.capacity}")
        if self.vehicles <= 0:
            raise ValueError(f"{self.name}: vehicles must be positive, got {self.vehicles}")
        if self.demands[0] != 0 or self.service[0] != 0:
            raise ValueError(f"{self.name}: the depot must have demand 0 and service time 0")
        for i in range(n):
            x, y = self.coords[i]
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError(f"{self.name}: node {i} has a non-finite coordinate")
            if self.demands[i] < 0:
                raise ValueError(f"{self.name}: node {i} has negative demand {self.demands[i]}")
            if self.demands[i] > self.capacity:
                raise ValueError(
                    f"{self.name}: node {i} demands {self.demands[i]}, more than the capacity "
                    f"{self.capacity}"
                )
            if self.service[i] < 0:
                raise ValueError(f"{self.name}: node {i} has negative service time")
            if self.earliest[i] > self.latest[i]:
                raise ValueError(
                    f"{self.name}: node {i} has an empty time window "
                    f"[{self.earliest[i]}, {self.latest[i]}]"
                )
        e0, l0 = self.earliest[0], self.latest[0]
        for i in range(1, n):
            # A customer no vehicle can serve on its own route makes every solution infeasible.
            start = max(e0 + self.distance(0, i), self.earliest[i])
            if start > self.latest[i] + CHECK_TOLERANCE:
                raise ValueError(
                    f"{self.name}: customer {i} cannot be reached before its latest start "
                    f"{self.latest[i]} even straight from the depot"
                )
            if start + self.service[i] + self.distance(i, 0) > l0 + CHECK_TOLERANCE:
                raise ValueError(
                    f"{self.name}: customer {i} cannot be served and return to the depot by {l0}"
                )

    @property
    def customers(self) -> int:
        """Number of customers (nodes other than the depot)."""
        return len(self.coords) - 1

    def distance(self, i: int, j: int) -> float:
        """Exact Euclidean distance (and travel time) between nodes `i` and `j`."""
        (xi, yi), (xj, yj) = self.coords[i], self.coords[j]
        return math.hypot(xi - xj, yi - yj)


@dataclass(frozen=True, slots=True)
class VrptwSolution:
    """Routes for a VRPTW instance, with how they were found.

    Attributes:
        routes: One tuple of customer numbers per used vehicle, in visiting order.
        distance: Exact Euclidean length of the routes.
        source: ``"search"`` when the local search improved the plan, ``"construction"`` when the
            construction heuristic's plan is returned unchanged.
        seconds: Wall time spent in `solve_vrptw`.
        unrouted: Customers the solver could not place within the fleet (empty when feasible).
    """

    routes: tuple[tuple[int, ...], ...]
    distance: float
    source: str = "search"
    seconds: float = 0.0
    unrouted: tuple[int, ...] = field(default=())

    @property
    def vehicles(self) -> int:
        """Number of non-empty routes."""
        return sum(1 for route in self.routes if route)


class ViolationKind(StrEnum):
    """What a `VrptwViolation` breaks."""

    UNKNOWN_NODE = "unknown_node"
    DUPLICATE_VISIT = "duplicate_visit"
    MISSING_CUSTOMER = "missing_customer"
    CAPACITY = "capacity"
    TIME_WINDOW = "time_window"
    DEPOT_RETURN = "depot_return"
    FLEET_SIZE = "fleet_size"


@dataclass(frozen=True, slots=True)
class VrptwViolation:
    """One broken rule of a VRPTW solution.

    Attributes:
        kind: The rule broken.
        route: Index of the route concerned, or None for solution-wide rules.
        node: The node concerned, or None.
        detail: A sentence with the numbers.
    """

    kind: ViolationKind
    route: int | None
    node: int | None
    detail: str


def _legs(instance: VrptwInstance, routes: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    n = instance.customers
    legs: list[tuple[int, int]] = []
    for r, route in enumerate(routes):
        if not route:
            continue
        previous = 0
        for node in (*route, 0):
            if not 0 <= node <= n:
                raise ValueError(f"route {r} visits {node!r}, not a node of {instance.name}")
            legs.append((previous, node))
            previous = node
    return legs


def exact_distance(instance: VrptwInstance, routes: Sequence[Sequence[int]]) -> float:
    """Total exact Euclidean length of `routes`, depot legs included.

    Raises:
        ValueError: If a route visits a node the instance does not have.
    """
    return sum(instance.distance(i, j) for i, j in _legs(instance, routes))


def dimacs_distance(instance: VrptwInstance, routes: Sequence[Sequence[int]]) -> float:
    """Total length of `routes` under the DIMACS convention: each leg truncated to one decimal.

    This is how CVRPLIB's best-known VRPTW distances are costed, so it is the like-for-like
    measure against them. Legs are summed in tenths as integers to keep the sum exact.

    Raises:
        ValueError: If a route visits a node the instance does not have.
    """
    # The epsilon keeps a leg whose 10·d is a whole number, but computes a hair below it, from
    # losing a tenth.
    tenths = sum(
        math.floor(10 * instance.distance(i, j) + 1e-9) for i, j in _legs(instance, routes)
    )
    return tenths / 10


def check_vrptw(instance: VrptwInstance, solution: VrptwSolution) -> list[VrptwViolation]:
    """Check every rule of the VRPTW with exact Euclidean travel times.

    Written independently of the solver: it recomputes the schedule from the routes alone. Rules:
    nodes are customers of the instance, every customer is visited exactly once, no route exceeds
    the capacity, service starts within each customer's window (waiting is allowed), each route
    is back at the depot by the depot's latest time, and at most ``instance.vehicles`` routes.

    Args:
        instance: The instance the solution claims to solve.
        solution: The routes to check.

    Returns:
        Every violation found; empty when the solution is feasible.
    """
    violations: list[VrptwViolation] = []
    n = instance.customers
    used = [route for route in solution.routes if route]
    if len(used) > instance.vehicles:
        violations.append(
            VrptwViolation(
                ViolationKind.FLEET_SIZE,
                None,
                None,
                f"{len(used)} routes for a fleet of {instance.vehicles}",
            )
        )
    seen: dict[int, int] = {}
    for r, route in enumerate(solution.routes):
        load = 0
        clock = instance.earliest[0]
        previous = 0
        valid = True
        for node in route:
            if not isinstance(node, int) or isinstance(node, bool) or not 1 <= node <= n:
                violations.append(
                    VrptwViolation(
                        ViolationKind.UNKNOWN_NODE,
                        r,
                        None,
                        f"route {r} visits {node!r}, not a customer number in 1..{n}",
                    )
                )
                valid = False
                continue
            if node in seen:
                violations.append(
                    VrptwViolation(
                        ViolationKind.DUPLICATE_VISIT,
                        r,
                        node,
                        f"customer {node} is visited again in route {r} "
                        f"(first in route {seen[node]})",
                    )
                )
            else:
                seen[node] = r
            load += instance.demands[node]
            if valid:
                arrival = clock + instance.distance(previous, node)
                start = max(arrival, instance.earliest[node])
                if start > instance.latest[node] + CHECK_TOLERANCE:
                    violations.append(
                        VrptwViolation(
                            ViolationKind.TIME_WINDOW,
                            r,
                            node,
                            f"route {r} starts customer {node} at {start:.4f}, after its latest "
                            f"start {instance.latest[node]}",
                        )
                    )
                clock = start + instance.service[node]
                previous = node
        if load > instance.capacity:
            violations.append(
                VrptwViolation(
                    ViolationKind.CAPACITY,
                    r,
                    None,
                    f"route {r} carries {load}, more than the capacity {instance.capacity}",
                )
            )
        if valid and route:
            back = clock + instance.distance(previous, 0)
            if back > instance.latest[0] + CHECK_TOLERANCE:
                violations.append(
                    VrptwViolation(
                        ViolationKind.DEPOT_RETURN,
                        r,
                        0,
                        f"route {r} returns to the depot at {back:.4f}, after {instance.latest[0]}",
                    )
                )
    for node in range(1, n + 1):
        if node not in seen:
            violations.append(
                VrptwViolation(
                    ViolationKind.MISSING_CUSTOMER, None, node, f"customer {node} is not visited"
                )
            )
    return violations


def solve_vrptw(instance: VrptwInstance, *, time_limit: float, seed: int = 0) -> VrptwSolution:
    """Minimise the total distance of a VRPTW instance within the instance's fleet.

    A regret insertion heuristic builds a feasible plan first (OR-Tools' guided local search
    completes it if the fleet left customers out); annealed ruin and recreate with string
    removals (SISR, compiled) then improves it until `time_limit`: two runs from the same start
    with their own seeds, one in a worker process, on two cores; one run on one core. The
    construction's plan is returned if the search finds nothing better, so a plan always comes
    back. Travel times are rounded up in the integer model, so a plan feasible there is feasible
    with exact times.

    The first call in a process loads the compiled search before the clock starts: 0.3 s, or
    about 13 s the first time on a machine (`optimizer.compile_kernels()` does it ahead).

    Args:
        instance: The instance to solve.
        time_limit: Wall-clock budget in seconds, construction included.
        seed: Chooses the starting plan (0 uses the plain regret insertions, other seeds add
            seeded noise to them) and the search's random choices. Where the time limit stops
            the search depends on the machine's speed, so two runs with one seed can differ.

    Returns:
        The best plan found. If the construction could not place every customer within the fleet
        and the search did not either, `unrouted` lists the customers left out.

    Raises:
        ValueError: If `time_limit` is not positive.
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    from optimizer._vrptw_search import search
    from optimizer._vrptw_sisr import load_annealing

    # Outside the clock: numba's load takes 0.3 s, its first compile on a machine about 13 s.
    load_annealing()
    started = time.monotonic()
    routes, unrouted, source = search(instance, deadline=started + time_limit, seed=seed)
    return VrptwSolution(
        routes=tuple(tuple(route) for route in routes if route),
        distance=exact_distance(instance, routes),
        source=source,
        seconds=time.monotonic() - started,
        unrouted=tuple(unrouted),
    )


def read_vrptw(path: str | Path) -> VrptwInstance:
    """Read a VRPTW instance in VRPLIB format (Solomon / Gehring & Homberger as on CVRPLIB).

    Raises:
        ValueError: If the file is not a well-formed single-depot CVRPTW instance.
    """
    from optimizer._vrptw_parse import parse_vrplib

    path = Path(path)
    return parse_vrplib(path.read_text(), default_name=path.stem)


def parse_vrptw(text: str, *, default_name: str = "instance") -> VrptwInstance:
    """Parse the text of a VRPLIB VRPTW instance; see `read_vrptw`."""
    from optimizer._vrptw_parse import parse_vrplib

    return parse_vrplib(text, default_name=default_name)
