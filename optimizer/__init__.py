"""Pure planning: a Problem in, a Plan out. Imports nothing of the rest of fsm-dispatch."""

from optimizer.check import Violation, check_plan
from optimizer.errors import OptimizerError, SuspiciousInputWarning, TravelError
from optimizer.insertion import InsertionOption, apply_insertion, knock_on_of, rank_insertions
from optimizer.kernels import compile_kernels
from optimizer.params import SolveParams
from optimizer.plan import Plan, Route, Stop, UnassignedJob
from optimizer.problem import (
    DAY_LIMIT,
    Break,
    Job,
    ObjectiveParams,
    Pin,
    Point,
    Problem,
    Technician,
    Window,
)
from optimizer.solve import Progress, solve
from optimizer.travel import (
    CachedTravel,
    FallbackTravel,
    OfflineTravel,
    OsrmTravel,
    ScaledTravel,
    TravelMatrix,
    TravelTimes,
)
from optimizer.vrptw import (
    VrptwInstance,
    VrptwSolution,
    VrptwViolation,
    check_vrptw,
    dimacs_distance,
    exact_distance,
    parse_vrptw,
    read_vrptw,
    solve_vrptw,
)
from optimizer.workers import start_workers

__all__ = [
    "DAY_LIMIT",
    "Break",
    "CachedTravel",
    "FallbackTravel",
    "InsertionOption",
    "Job",
    "ObjectiveParams",
    "OfflineTravel",
    "OptimizerError",
    "OsrmTravel",
    "ScaledTravel",
    "Pin",
    "Plan",
    "Point",
    "Problem",
    "Progress",
    "Route",
    "SolveParams",
    "Stop",
    "SuspiciousInputWarning",
    "Technician",
    "TravelError",
    "TravelMatrix",
    "TravelTimes",
    "UnassignedJob",
    "Violation",
    "VrptwInstance",
    "VrptwSolution",
    "VrptwViolation",
    "Window",
    "apply_insertion",
    "knock_on_of",
    "check_plan",
    "check_vrptw",
    "compile_kernels",
    "dimacs_distance",
    "exact_distance",
    "parse_vrptw",
    "read_vrptw",
    "rank_insertions",
    "solve",
    "solve_vrptw",
    "start_workers",
]
