"""VRPTW benchmark: our solver and its peers on Solomon / Homberger instances, against the BKS.

Every plan, ours or a peer's, is checked with exact Euclidean times by `check_vrptw`, then scored
twice: ``distance`` with each leg truncated to one decimal (the DIMACS convention of `bks.csv`,
so ``gap_pct`` compares like with like) and ``exact_distance`` with real lengths.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from optimizer import (
    VrptwInstance,
    VrptwSolution,
    check_vrptw,
    dimacs_distance,
    exact_distance,
    solve_vrptw,
)

OUR_SOLVER = "fsm-dispatch"
KNOWN_SOLVERS = (OUR_SOLVER, "pyvrp", "vroom")


@dataclass(frozen=True, slots=True)
class BestKnown:
    """One row of ``bks.csv``: the best-known distance-only solution (DIMACS convention)."""

    instance: str
    customers: int
    vehicles: int
    distance: float


@dataclass(frozen=True, slots=True)
class VrptwResult:
    """One solver on one instance, as written to the JSON report."""

    instance: str
    customers: int
    solver: str
    feasible: bool
    vehicles: int
    distance: float | None
    bks_distance: float | None
    gap_pct: float | None
    seconds: float
    exact_distance: float | None
    violations: int

    def as_dict(self) -> dict[str, Any]:
        """The JSON row."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class HeadToHead:
    """Our solver against one peer, instance by instance, in the same run.

    A feasible plan beats an infeasible one; instances where neither is feasible are not
    counted. Distances are compared in the DIMACS convention, to the tenth.
    """

    peer: str
    shorter: int
    equal: int
    longer: int
    longer_on: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON entry."""
        return asdict(self)


def head_to_head(results: Sequence[VrptwResult], peer: str) -> HeadToHead:
    """Count where `OUR_SOLVER` is shorter than, equal to or longer than `peer`."""
    ours = {row.instance: row for row in results if row.solver == OUR_SOLVER}
    shorter = equal = 0
    longer: list[str] = []
    for theirs in (row for row in results if row.solver == peer):
        mine = ours.get(theirs.instance)
        if mine is None or not (mine.feasible or theirs.feasible):
            continue
        if mine.feasible != theirs.feasible:
            outcome = 1 if theirs.feasible else -1
        else:
            assert mine.distance is not None and theirs.distance is not None
            # Tenths as integers: DIMACS distances are sums of legs truncated to a tenth.
            a, b = round(mine.distance * 10), round(theirs.distance * 10)
            outcome = (a > b) - (a < b)
        if outcome < 0:
            shorter += 1
        elif outcome == 0:
            equal += 1
        else:
            longer.append(theirs.instance)
    return HeadToHead(peer, shorter, equal, len(longer), tuple(longer))


def read_bks(path: Path) -> dict[str, BestKnown]:
    """Read ``bks.csv`` (columns ``instance, customers, vehicles, distance, source, …``).

    Raises:
        ValueError: If a required column is missing or a value is not a number.
    """
    rows: dict[str, BestKnown] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"instance", "customers", "vehicles", "distance"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                rows[row["instance"]] = BestKnown(
                    instance=row["instance"],
                    customers=int(row["customers"]),
                    vehicles=int(row["vehicles"]),
                    distance=float(row["distance"]),
                )
            except (TypeError, ValueError):
                raise ValueError(f"{path}: line {line} has a non-numeric value") from None
    return rows


def find_instances(directory: Path, names: Sequence[str] = ()) -> list[Path]:
    """The ``.vrp`` files of `directory`, by customer count then name; only `names` if given.

    Raises:
        ValueError: If the folder does not exist, holds no instance, or a named one is absent.
    """
    if not directory.is_dir():
        raise ValueError(f"{directory} is not a folder")
    paths = {path.stem: path for path in directory.glob("*.vrp")}
    if names:
        absent = [name for name in names if name not in paths]
        if absent:
            raise ValueError(f"no instance file for {', '.join(absent)} in {directory}")
        chosen = [paths[name] for name in names]
    else:
        chosen = list(paths.values())
    if not chosen:
        raise ValueError(f"no .vrp instance in {directory}")
    return sorted(chosen, key=lambda path: (_customers(path), path.stem))


def _customers(path: Path) -> int:
    with path.open() as handle:
        for line in handle:
            if line.upper().startswith("DIMENSION"):
                return int(line.partition(":")[2]) - 1
    return 0


def run_solver(
    instance: VrptwInstance, solver: str, seconds: float, seed: int
) -> tuple[list[list[int]], float]:
    """Run one solver; returns its routes and its wall time.

    Raises:
        ValueError: For an unknown solver name.
        bench.peers.PeerUnavailableError: When a peer's package is missing.
    """
    started = time.monotonic()
    if solver == OUR_SOLVER:
        solution = solve_vrptw(instance, time_limit=seconds, seed=seed)
        routes = [list(route) for route in solution.routes]
    elif solver in ("pyvrp", "vroom"):
        from bench.peers import PEERS

        routes = PEERS[solver](instance, seconds, seed)
    else:
        raise ValueError(f"unknown solver {solver!r}; choose from {', '.join(KNOWN_SOLVERS)}")
    return routes, time.monotonic() - started


def score(
    instance: VrptwInstance,
    solver: str,
    routes: list[list[int]],
    seconds: float,
    bks: BestKnown | None,
) -> VrptwResult:
    """Check `routes` and cost them both ways; the gap is against the DIMACS best-known value."""
    solution = VrptwSolution(
        routes=tuple(tuple(route) for route in routes if route),
        distance=exact_distance(instance, routes),
    )
    violations = check_vrptw(instance, solution)
    feasible = not violations
    distance = dimacs_distance(instance, routes) if feasible else None
    gap = (
        round(100 * (distance - bks.distance) / bks.distance, 3)
        if distance is not None and bks is not None
        else None
    )
    return VrptwResult(
        instance=instance.name,
        customers=instance.customers,
        solver=solver,
        feasible=feasible,
        vehicles=solution.vehicles,
        distance=distance,
        bks_distance=bks.distance if bks else None,
        gap_pct=gap,
        seconds=round(seconds, 3),
        exact_distance=round(solution.distance, 3) if feasible else None,
        violations=len(violations),
    )


def peers_available(solvers: Sequence[str]) -> dict[str, bool]:
    """Whether each requested peer's package imports (ours always does)."""
    import importlib.util

    modules = {"pyvrp": "pyvrp", "vroom": "vroom"}
    return {
        solver: solver == OUR_SOLVER or importlib.util.find_spec(modules[solver]) is not None
        for solver in solvers
    }
