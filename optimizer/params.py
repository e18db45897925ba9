"""`SolveParams`: how the search runs (not what it optimises; that is `ObjectiveParams`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BIG_DAYS", "FIRST_SOLUTIONS", "METAHEURISTICS", "SolveParams"]

FIRST_SOLUTIONS = (
    "construction",
    "local_cheapest_insertion",
    "parallel_cheapest_insertion",
    "path_cheapest_arc",
    "savings",
)
BIG_DAYS = ("recreate", "parts")
METAHEURISTICS = ("guided_local_search", "simulated_annealing", "tabu_search", "greedy_descent")


@dataclass(frozen=True, slots=True)
class SolveParams:
    """Search settings.

    Attributes:
        solution_limit: Stop after this many solutions; with it (and a time limit that is
            not reached first) the same input gives the same plan.
        stall_solutions: Stop once the search made this many steps (OR-Tools limit checks,
            roughly 15,000 a second) without a better solution: a deterministic "no
            improvement" stop. None searches until the time or solution limit.
        first_solution: "construction" (our insertion heuristic, fed to OR-Tools as initial
            routes; measured the most reliable on tight windows) or an OR-Tools strategy.
        metaheuristic: The local-search metaheuristic.
        gls_lambda: Guided local search's penalty coefficient.
        max_candidates: Each unpinned, undesignated job may only go to its this-many nearest
            qualified technicians (None: all). Sparse choices keep big days fast.
        balance: Model the load-balance term (a global span cost on working minutes).
        max_service_profiles: At most this many distinct service-time profiles go into the
            model; technicians beyond are grouped, each group using its slowest member's
            minutes, so plans stay feasible for every member.
        parts_above: Days with more technicians than this are not searched as one OR-Tools
            model (loading it alone takes seconds on a 180-technician day): they go from the
            construction straight to `big_days`.
        big_days: How days above `parts_above` are improved: "recreate", ruin and recreate of
            the whole day, on its two halves at once when a worker process is allowed
            (`halves.py`), or "parts", OR-Tools on a few neighbouring routes at a time
            (`parts.py`). Measured on a 180 × 800 day (seed 1), objective at 5 / 10 / 30 s:
            25,707 / 24,128 / 22,507 by halves, 25,547 / 24,352 / 22,845 by one process,
            28,465 / 26,346 / 24,184 by parts.
        part_size: Technicians (neighbouring routes) per part.
        part_seconds: Longest search per part.
        part_batch: Disjoint parts searched together; the plan does not depend on how many
            processes share them.
        part_workers: Worker processes solving a batch's other parts (or the other half of
            a big day) while this process solves its first (None: one per core beyond the
            first, up to `part_batch` - 1; 0: none). Measured on a 180 × 800 day on 2
            cores: 1.7 times the parts per second.
        reinsertion_moves: Add OR-Tools' moves that bring left-out jobs back (relocate or
            exchange and make active, inactive and close-nodes LNS). Measured: they turn a
            12 × 47 day stuck with a job left out into a complete plan; parts, rebuilt from
            scratch each time, are faster without them.
        recreate: On days solved as one model, once the search reaches its first local
            optimum, spend the rest of the time rebuilding a few neighbouring routes at a
            time (`recreate.py`). False: guided local search until the time limit.
        idle_seconds: End ruin and recreate once it has gone this long without a better day
            (None: search until the time limit). A re-plan from the plan of a minute ago,
            with a visit finished or a ticket added, is settled within a few hundredths of a
            second nearly every time; the rest of a fixed budget only spins.
    """

    solution_limit: int | None = None
    stall_solutions: int | None = None
    first_solution: str = "construction"
    metaheuristic: str = "guided_local_search"
    gls_lambda: float = 0.1
    max_candidates: int | None = 40
    balance: bool = True
    max_service_profiles: int = 12
    parts_above: int = 30
    big_days: str = "recreate"
    part_size: int = 10
    part_seconds: float = 1.0
    part_batch: int = 2
    part_workers: int | None = None
    reinsertion_moves: bool = True
    recreate: bool = True
    idle_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.first_solution not in FIRST_SOLUTIONS:
            raise ValueError(f"first_solution {self.first_solution!r} not one of {FIRST_SOLUTIONS}")
        if self.big_days not in BIG_DAYS:
            raise ValueError(f"big_days {self.big_days!r} not one of {BIG_DAYS}")
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"metaheuristic {self.metaheuristic!r} not one of {METAHEURISTICS}")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValueError("solution_limit must be >= 1")
        if self.stall_solutions is not None and self.stall_solutions < 1:
            raise ValueError("stall_solutions must be >= 1")
        if self.max_candidates is not None and self.max_candidates < 1:
            raise ValueError("max_candidates must be >= 1")
        if self.gls_lambda <= 0:
            raise ValueError("gls_lambda must be > 0")
        if self.max_service_profiles < 1:
            raise ValueError("max_service_profiles must be >= 1")
        if self.part_size < 2:
            raise ValueError("part_size must be >= 2")
        if self.part_batch < 1:
            raise ValueError("part_batch must be >= 1")
        if self.part_workers is not None and self.part_workers < 0:
            raise ValueError("part_workers must be >= 0")
        if self.idle_seconds is not None and self.idle_seconds <= 0:
            raise ValueError("idle_seconds must be > 0")
        if self.part_seconds <= 0:
            raise ValueError("part_seconds must be > 0")
