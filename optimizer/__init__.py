"""Pure planning: a Problem in, a Plan out. Imports nothing of the rest of fsm-dispatch."""

from optimizer.check import Violation, check_plan
from optimizer.insertion import InsertionOption, rank_insertions
from optimizer.plan import Plan, Route, Stop, UnassignedJob
from optimizer.problem import (
    Break,
    Job,
    ObjectiveParams,
    Pin,
    Point,
    Problem,
    SuspiciousInputWarning,
    Technician,
    Window,
)
from optimizer.solve import SolveParams, solve
from optimizer.travel import CachedTravel, OfflineTravel, OsrmTravel, TravelError, TravelTimes

__all__ = [
    "Break",
    "CachedTravel",
    "InsertionOption",
    "Job",
    "ObjectiveParams",
    "OfflineTravel",
    "OsrmTravel",
    "Pin",
    "Plan",
    "Point",
    "Problem",
    "Route",
    "SolveParams",
    "Stop",
    "SuspiciousInputWarning",
    "Technician",
    "TravelError",
    "TravelTimes",
    "UnassignedJob",
    "Violation",
    "Window",
    "check_plan",
    "rank_insertions",
    "solve",
]
