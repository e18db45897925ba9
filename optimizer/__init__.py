"""Pure planning: a Problem in, a Plan out. Imports nothing of the rest of fsm-dispatch."""

from optimizer.check import Violation, check_plan
from optimizer.errors import OptimizerError, SuspiciousInputWarning, TravelError
from optimizer.insertion import InsertionOption, apply_insertion, rank_insertions
from optimizer.params import SolveParams
from optimizer.plan import Plan, Route, Stop, UnassignedJob
from optimizer.problem import (
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
from optimizer.travel import CachedTravel, OfflineTravel, OsrmTravel, TravelMatrix, TravelTimes

__all__ = [
    "Break",
    "CachedTravel",
    "InsertionOption",
    "Job",
    "ObjectiveParams",
    "OfflineTravel",
    "OptimizerError",
    "OsrmTravel",
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
    "Window",
    "apply_insertion",
    "check_plan",
    "rank_insertions",
    "solve",
]
