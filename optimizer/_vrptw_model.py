"""The OR-Tools routing model of the VRPTW, for repairing a construction that left customers out.

Arc costs and the time dimension are registered as matrices, so OR-Tools evaluates them in C++
without calling back into Python. Every vehicle is available at fixed cost 0, so the search may
open or close routes freely. No OR-Tools type leaves here.
"""

from __future__ import annotations

from typing import Any

from optimizer._vrptw_data import ScaledInstance

GLS_LAMBDA = 0.2
"""Guided local search's penalty weight, relative to the average arc cost."""


class RoutingModel:
    """One OR-Tools routing model of a scaled instance.

    With ``optional=True`` every customer may be left out at a penalty dearer than any route,
    so a partial plan is a valid start and the search's first aim is to place everyone.
    """

    def __init__(self, data: ScaledInstance, *, optional: bool = False) -> None:
        from ortools.constraint_solver import pywrapcp

        self._data = data
        n = data.nodes
        self._manager = pywrapcp.RoutingIndexManager(n, data.vehicles, 0)
        routing = pywrapcp.RoutingModel(self._manager)
        cost = routing.RegisterTransitMatrix(data.cost.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost)
        # The time of arc i→j is i's service plus the rounded-up travel.
        time_matrix = data.travel + data.service[:, None]
        duration = routing.RegisterTransitMatrix(time_matrix.tolist())
        horizon = int(data.latest[0])
        routing.AddDimension(duration, horizon, horizon, False, "time")
        time_dimension = routing.GetDimensionOrDie("time")
        for node in range(1, n):
            index = self._manager.NodeToIndex(node)
            time_dimension.CumulVar(index).SetRange(
                int(data.earliest[node]), int(data.latest[node])
            )
        for vehicle in range(data.vehicles):
            for index in (routing.Start(vehicle), routing.End(vehicle)):
                time_dimension.CumulVar(index).SetRange(int(data.earliest[0]), horizon)
        demand = routing.RegisterUnaryTransitVector(data.demand.tolist())
        routing.AddDimensionWithVehicleCapacity(
            demand, 0, [data.capacity] * data.vehicles, True, "load"
        )
        if optional:
            # Dearer than the longest possible plan, so leaving a customer out never pays.
            penalty = int(data.cost.max()) * 2 * n
            for node in range(1, n):
                routing.AddDisjunction([self._manager.NodeToIndex(node)], penalty)
        self._routing = routing

    def improve(self, routes: list[list[int]], seconds: float) -> list[list[int]] | None:
        """Run guided local search from `routes` for at most `seconds`.

        Returns:
            The best routes found (at least as good as `routes`), or None when OR-Tools rejects
            the start or returns nothing.
        """
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        if len(routes) > self._data.vehicles:
            return None
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        search.guided_local_search_lambda_coefficient = GLS_LAMBDA
        search.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
        padded = [list(route) for route in routes]
        padded += [[] for _ in range(self._data.vehicles - len(routes))]
        start = self._routing.ReadAssignmentFromRoutes(padded, True)
        if start is None:
            return None
        solution = self._routing.SolveFromAssignmentWithParameters(start, search)
        if solution is None:
            return None
        return self._routes_of(solution)

    def _routes_of(self, solution: Any) -> list[list[int]]:
        routing, manager = self._routing, self._manager
        routes: list[list[int]] = []
        for vehicle in range(self._data.vehicles):
            index = solution.Value(routing.NextVar(routing.Start(vehicle)))
            route: list[int] = []
            while not routing.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = solution.Value(routing.NextVar(index))
            if route:
                routes.append(route)
        return routes
