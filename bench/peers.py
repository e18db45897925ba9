"""Peer VRPTW solvers for the benchmark: PyVRP and VROOM (pyvroom), from the `bench` extra.

Each peer gets the same integer data our solver uses: distances and times in thousandths, travel
times rounded up and windows rounded inward, so a peer's plan is feasible with exact times too and
every plan is judged by the same checker. Each runs single-threaded with the same time budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from optimizer import VrptwInstance

SCALE = 1000

PeerSolver = Callable[[VrptwInstance, float, int], list[list[int]]]


class PeerUnavailableError(RuntimeError):
    """The peer solver's package is not installed (install the `bench` extra)."""


def _matrices(instance: VrptwInstance) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    xy = np.asarray(instance.coords, dtype=np.float64)
    exact = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * SCALE
    return np.rint(exact).astype(np.int64), np.ceil(exact).astype(np.int64)


def _scaled(values: tuple[float, ...], rounding: Callable[[float], float]) -> list[int]:
    return [int(rounding(value * SCALE)) for value in values]


def solve_pyvrp(instance: VrptwInstance, seconds: float, seed: int) -> list[list[int]]:
    """Solve with PyVRP's hybrid genetic search for `seconds`; returns customer routes."""
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime
    except ImportError as error:
        raise PeerUnavailableError("pyvrp is not installed") from error
    distance, duration = _matrices(instance)
    earliest = _scaled(instance.earliest, math.ceil)
    latest = _scaled(instance.latest, math.floor)
    service = _scaled(instance.service, math.ceil)
    locations = [pyvrp.Location(x=x, y=y) for x, y in instance.coords]
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[instance.demands[i]],
            service_duration=service[i],
            tw_early=earliest[i],
            tw_late=latest[i],
        )
        for i in range(1, len(instance.coords))
    ]
    depot = pyvrp.Depot(location=0, tw_early=earliest[0], tw_late=latest[0])
    vehicles = pyvrp.VehicleType(
        num_available=instance.vehicles,
        capacity=[instance.capacity],
        tw_early=earliest[0],
        tw_late=latest[0],
    )
    matrices: tuple[Any, Any] = (distance, duration)
    data = pyvrp.ProblemData(locations, clients, [depot], [vehicles], [matrices[0]], [matrices[1]])
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    # Infeasible or not, the routes go to our checker, which judges every solver alike.
    return [_pyvrp_customers(route) for route in result.best.routes()]


def _pyvrp_customers(route: Any) -> list[int]:
    if hasattr(route, "visits"):
        # PyVRP before 0.12 numbered the depot 0 and the clients 1..n, as we do.
        return [int(visit) for visit in route.visits()]
    # Later versions list scheduled activities; a client's idx counts clients from 0.
    return [int(activity.idx) + 1 for activity in route if activity.is_client()]


def solve_vroom(instance: VrptwInstance, seconds: float, seed: int) -> list[list[int]]:
    """Solve with VROOM at its highest exploration level, stopped after `seconds`."""
    del seed  # VROOM's search is deterministic.
    try:
        from datetime import timedelta

        import vroom
    except ImportError as error:
        raise PeerUnavailableError("pyvroom is not installed") from error
    distance, duration = _matrices(instance)
    earliest = _scaled(instance.earliest, math.ceil)
    latest = _scaled(instance.latest, math.floor)
    service = _scaled(instance.service, math.ceil)
    problem = vroom.Input()
    problem.set_durations_matrix("car", duration.astype(np.uint32))
    problem.set_costs_matrix("car", distance.astype(np.uint32))
    for vehicle in range(instance.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                vehicle,
                start=0,
                end=0,
                capacity=[instance.capacity],
                time_window=vroom.TimeWindow(earliest[0], latest[0]),
            )
        )
    problem.add_job(
        [
            vroom.Job(
                i,
                location=i,
                default_service=service[i],
                delivery=[instance.demands[i]],
                time_windows=[vroom.TimeWindow(earliest[i], latest[i])],
            )
            for i in range(1, len(instance.coords))
        ]
    )
    solution = problem.solve(
        exploration_level=5, nb_threads=1, timeout=timedelta(seconds=seconds)
    ).to_dict()
    # Unassigned jobs simply stay out of the routes; the checker reports them as missing.
    return [
        [int(step["id"]) for step in route["steps"] if step["type"] == "job"]
        for route in solution["routes"]
    ]


PEERS: dict[str, PeerSolver] = {"pyvrp": solve_pyvrp, "vroom": solve_vroom}
