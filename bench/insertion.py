"""Insertion ranking benchmark: one new job into a planned 180-technician day.

    python bench/insertion.py --techs 180 --jobs 800 --seed 1 --trials 20 --json out.json

Plans the generated day once (by default 30 s), then times `rank_insertions` for new jobs at
random places and times of day, and prints the median and worst times with the number of
options found. The target is 200 ms per ranking.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.field import _point, generate_day
from optimizer import Job, OfflineTravel, Window, check_plan, rank_insertions, solve

__all__ = ["run_insertion_bench"]


def run_insertion_bench(
    techs: int = 180, jobs: int = 800, seed: int = 1, *, trials: int = 20, plan_seconds: float = 30
) -> dict[str, Any]:
    """Time `rank_insertions` on a planned day; returns the figures as a JSON-ready dict."""
    problem = generate_day(techs, jobs, seed)
    plan = solve(problem, time_limit=plan_seconds, seed=seed)
    violations = len(check_plan(problem, plan))
    rng = random.Random(seed + 7)
    travel = OfflineTravel()
    seconds: list[float] = []
    options: list[int] = []
    for k in range(trials):
        opens = rng.choice((480, 600, 720, 840))
        job = Job(
            f"NEW{k}",
            _point(rng),
            rng.choice((30, 60, 90)),
            windows=(Window(opens, opens + 180),) if rng.random() < 0.7 else (),
            urgency=rng.choice(("emergency", "same_day")),
        )
        now = rng.choice((None, 540, 660, 780))
        started = time.perf_counter()
        found = rank_insertions(problem, plan, job, now=now, travel=travel)
        seconds.append(time.perf_counter() - started)
        options.append(len(found))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "techs": techs,
        "jobs": jobs,
        "seed": seed,
        "trials": trials,
        "median_ms": round(1000 * statistics.median(seconds), 1),
        "max_ms": round(1000 * max(seconds), 1),
        "first_ms": round(1000 * seconds[0], 1),
        "mean_options": round(statistics.mean(options), 1),
        "plan_violations": violations,
        "load_average": load,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--techs", type=int, default=180)
    parser.add_argument("--jobs", type=int, default=800)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--plan-seconds", type=float, default=30.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run_insertion_bench(
        args.techs, args.jobs, args.seed, trials=args.trials, plan_seconds=args.plan_seconds
    )
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
