"""The OR-Tools routing model of the VRPTW and its local search. No OR-Tools type leaves here.

Arc costs and the time dimension are registered as matrices, so OR-Tools evaluates them in C++
without calling back into Python: that alone multiplies the local search's speed several times.
Every vehicle is available at fixed cost 0, so the search may open or close routes freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optimizer._vrptw_data import SCALE, ScaledInstance

# Operators that add or drop optional visits, and the heuristic path LNS operators.
_POINTLESS_OPERATORS = (
    "use_make_active",
    "use_make_inactive",
    "use_make_chain_inactive",
    "use_swap_active",
    "use_relocate_and_make_active",
    "use_shortest_path_swap_active",
    "use_swap_active_chain",
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
)

# Operators for pickup-and-delivery pairs (none here) and the costlier intra-route ones.
_SLOW_OPERATORS = (
    "use_relocate_pair",
    "use_light_relocate_pair",
    "use_exchange_pair",
    "use_relocate_subtrip",
    "use_exchange_subtrip",
    "use_lin_kernighan",
    "use_relocate_expensive_chain",
    "use_shortest_path_two_opt",
)


@dataclass(frozen=True, slots=True)
class SearchParams:
    """The knobs of the OR-Tools local search.

    Attributes:
        metaheuristic: ``"guided_local_search"``, ``"simulated_annealing"``, ``"tabu_search"`` or
            ``"greedy_descent"``.
        gls_lambda: Guided local search's lambda coefficient (penalty weight relative to the
            average arc cost).
        reset_penalties_on_new_best: Clear guided local search's penalties on each new best.
        use_ils: Iterated local search: ruin (SISR strings) and recreate, then local search;
            replaces the metaheuristic.
        ruin_visits: Average number of visits SISR removes per perturbation.
        ruin_sequence: Longest string SISR removes from one route.
        annealing: Accept worse perturbed solutions by simulated annealing (else only
            improvements are kept).
        temperatures: (initial, final) annealing temperatures in distance units; None lets
            OR-Tools choose them.
        route_ruin: When positive, a second ruin strategy, picked at random against SISR,
            empties this many routes close to a random visit.
        bypass: SISR's probability of keeping a visit inside a removed string.
        recreate: Insertion heuristic that rebuilds a ruined solution: ``"local"`` or
            ``"global"`` cheapest insertion.
        extra_operators: Turn on the operators OR-Tools leaves off by default
            (relocate-neighbours, cross-exchange, extended swap-active).
        neighbors_ratio: Share of the nearest nodes each move operator considers (1 = all).
        min_neighbors: Fewest nearest nodes each move operator considers.
        lean_operators: Turn off the operators that cannot help here: those that activate or
            deactivate visits (every visit is mandatory) and the heuristic path LNS ones, which
            are slow to prove a local optimum.
        leaner_operators: Also turn off the pickup-and-delivery operators and the costlier
            intra-route ones (Lin-Kernighan, expensive chains), for more iterations per second.
        improve_perturbed: Run the local search on each recreated solution (else ruin and
            recreate alone, many more iterations per second).
    """

    metaheuristic: str = "guided_local_search"
    gls_lambda: float = 0.1
    reset_penalties_on_new_best: bool = False
    use_ils: bool = False
    ruin_visits: int = 10
    ruin_sequence: int = 10
    annealing: bool = True
    temperatures: tuple[float, float] | None = None
    recreate: str = "local"
    route_ruin: int = 0
    bypass: float = 0.01
    extra_operators: bool = False
    neighbors_ratio: float = 1.0
    min_neighbors: int = 1
    lean_operators: bool = False
    leaner_operators: bool = False
    improve_perturbed: bool = True


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
        self._successors: dict[int, set[int]] = {}
        self._evaluator_set = False
        # Price of an arc outside the routes being rebuilt: dearer than any real arc.
        self._foreign = int(data.cost.max()) + 1

    def _parameters(self, params: SearchParams, seconds: float) -> Any:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
        from ortools.util import optional_boolean_pb2

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
            ils = search.iterated_local_search_parameters
            ruin = ils.ruin_recreate_parameters
            del ruin.ruin_strategies[:]
            sisr = ruin.ruin_strategies.add().sisr
            sisr.avg_num_removed_visits = params.ruin_visits
            sisr.max_removed_sequence_size = params.ruin_sequence
            sisr.bypass_factor = params.bypass
            ils.improve_perturbed_solution = params.improve_perturbed
            if params.route_ruin:
                routes_ruin = ruin.ruin_strategies.add().spatially_close_routes
                routes_ruin.num_ruined_routes = params.route_ruin
                ruin.ruin_composition_strategy = (
                    routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
                )
            strategies = routing_enums_pb2.FirstSolutionStrategy
            ruin.recreate_strategy.heuristic = (
                strategies.PARALLEL_CHEAPEST_INSERTION
                if params.recreate == "global"
                else strategies.LOCAL_CHEAPEST_INSERTION
            )
            if params.annealing:
                annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
                if params.temperatures is None:
                    annealing.automatic_temperatures = True
                else:
                    annealing.automatic_temperatures = False
                    annealing.initial_temperature = params.temperatures[0] * SCALE
                    annealing.final_temperature = params.temperatures[1] * SCALE
            else:
                ils.reference_solution_acceptance_strategy.greedy_descent.SetInParent()
        if params.extra_operators:
            operators = search.local_search_operators
            true = optional_boolean_pb2.BOOL_TRUE
            operators.use_relocate_neighbors = true
            operators.use_cross_exchange = true
            operators.use_extended_swap_active = true
        search.ls_operator_neighbors_ratio = params.neighbors_ratio
        search.ls_operator_min_neighbors = params.min_neighbors
        if params.lean_operators:
            operators = search.local_search_operators
            false = optional_boolean_pb2.BOOL_FALSE
            for name in _POINTLESS_OPERATORS:
                setattr(operators, name, false)
            if params.leaner_operators:
                for name in _SLOW_OPERATORS:
                    setattr(operators, name, false)
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
        if len(routes) > self._data.vehicles:
            return None
        routing = self._routing
        search = self._parameters(params, seconds)
        if params.use_ils:
            solution = self._iterate(routes, search)
        else:
            padded = [list(route) for route in routes]
            padded += [[] for _ in range(self._data.vehicles - len(routes))]
            start = routing.ReadAssignmentFromRoutes(padded, True)
            if start is None:
                return None
            solution = routing.SolveFromAssignmentWithParameters(start, search)
        if solution is None:
            return None
        return self._routes_of(solution)

    def _iterate(self, routes: list[list[int]], search: Any) -> Any:
        """Iterated local search starting from `routes`.

        OR-Tools' iterated local search builds its own first solution and ignores both a start
        assignment and a solution hint. Its evaluator strategy extends each path by the cheapest
        arc of a given evaluator, so an evaluator that prices our routes' arcs at 0 and every other
        arc high makes it rebuild exactly our routes. The model keeps the first evaluator it is
        given, so the evaluator reads the current routes from this object.
        """
        from ortools.constraint_solver import routing_enums_pb2

        self._successors = {}
        for route in routes:
            path = [0, *route, 0]
            for a, b in zip(path[:-1], path[1:], strict=True):
                self._successors.setdefault(a, set()).add(b)
        if not self._evaluator_set:
            self._routing.SetFirstSolutionEvaluator(self._arc_price)
            self._evaluator_set = True
        strategies = routing_enums_pb2.FirstSolutionStrategy
        search.first_solution_strategy = strategies.EVALUATOR_STRATEGY
        return self._routing.SolveWithIteratedLocalSearch(search)

    def _arc_price(self, from_index: int, to_index: int) -> int:
        a = self._manager.IndexToNode(from_index)
        b = self._manager.IndexToNode(to_index)
        return 0 if b in self._successors.get(a, ()) else self._foreign

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
