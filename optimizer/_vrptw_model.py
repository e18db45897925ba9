"""The OR-Tools routing model of the VRPTW and its local search. No OR-Tools type leaves here.

Arc costs and the time dimension are registered as matrices, so OR-Tools evaluates them in C++
without calling back into Python: that alone multiplies the local search's speed several times.
Every vehicle is available at fixed cost 0, so the search may open or close routes freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optimizer._vrptw_data import ScaledInstance


@dataclass(frozen=True, slots=True)
class SearchParams:
    """The knobs of the OR-Tools local search.

    Attributes:
        metaheuristic: ``"guided_local_search"``, ``"simulated_annealing"``, ``"tabu_search"`` or
            ``"greedy_descent"``.
        gls_lambda: Guided local search's lambda coefficient (penalty weight relative to the
            average arc cost).
        reset_penalties_on_new_best: Clear guided local search's penalties on each new best.
        use_ils: Iterated local search (ruin and recreate) instead of a metaheuristic.
        extra_operators: Turn on the operators OR-Tools leaves off by default
            (relocate-neighbours, cross-exchange, extended swap-active).
    """

    metaheuristic: str = "guided_local_search"
    gls_lambda: float = 0.1
    reset_penalties_on_new_best: bool = False
    use_ils: bool = False
    extra_operators: bool = False


class RoutingModel:
    """One OR-Tools routing model of a scaled instance, reusable across searches."""

    def __init__(self, data: ScaledInstance) -> None:
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
        self._routing = routing

    def _parameters(self, params: SearchParams, seconds: float) -> Any:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        search = pywrapcp.DefaultRoutingSearchParameters()
        metaheuristics = routing_enums_pb2.LocalSearchMetaheuristic
        search.local_search_metaheuristic = {
            "guided_local_search": metaheuristics.GUIDED_LOCAL_SEARCH,
            "simulated_annealing": metaheuristics.SIMULATED_ANNEALING,
            "tabu_search": metaheuristics.TABU_SEARCH,
            "greedy_descent": metaheuristics.GREEDY_DESCENT,
        }[params.metaheuristic]
        search.guided_local_search_lambda_coefficient = params.gls_lambda
        search.guided_local_search_reset_penalties_on_new_best_solution = (
            params.reset_penalties_on_new_best
        )
        if params.use_ils:
            search.use_iterated_local_search = True
        if params.extra_operators:
            operators = search.local_search_operators
            operators.use_relocate_neighbors = True
            operators.use_cross_exchange = True
            operators.use_extended_swap_active = True
        search.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
        return search

    def improve(
        self, routes: list[list[int]], params: SearchParams, seconds: float
    ) -> list[list[int]] | None:
        """Run the local search from `routes` for at most `seconds`.

        Returns:
            The best routes found (at least as good as `routes`), or None when OR-Tools rejects
            the start or returns nothing.
        """
        routing = self._routing
        padded = [list(route) for route in routes] + [[]] * (self._data.vehicles - len(routes))
        if len(padded) > self._data.vehicles:
            return None
        start = routing.ReadAssignmentFromRoutes(padded, True)
        if start is None:
            return None
        solution = routing.SolveFromAssignmentWithParameters(
            start, self._parameters(params, seconds)
        )
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
