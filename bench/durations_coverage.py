"""How often the duration model's routing quantile covers held-out actuals, on known-truth history.

History is generated from a known truth: each job type has a median and a log-normal spread, each
technician a speed factor. The model is fitted on the first 80 % of the jobs (by date) and judged
on the last 20 %: the share of actual durations at or under the routing estimate (target 77-83 %
for p80), the p50 coverage (about 50 %), and the mean absolute error of the p50.

    .venv/bin/python bench/durations_coverage.py [--seeds 20] [--jobs 3000] [--quantile 0.8]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from optimizer.durations import DurationParams, DurationSample, fit_durations  # noqa: E402

# job type → (true median minutes, log-normal sigma, relative frequency)
TRUTH = {
    "hvac.no_heat": (95, 0.35, 10),
    "hvac.no_cooling": (85, 0.35, 10),
    "hvac.repair": (75, 0.45, 8),
    "hvac.maintenance": (60, 0.25, 12),
    "hvac.install": (420, 0.30, 2),
    "hvac.thermostat": (50, 0.30, 3),
    "hvac.refrigerant_leak": (150, 0.40, 1),
    "plumbing.leak": (70, 0.40, 8),
    "plumbing.drain_clog": (65, 0.35, 8),
    "plumbing.water_heater_install": (240, 0.25, 2),
    "plumbing.gas_leak": (110, 0.40, 1),
    "electrical.outlet_fixture": (55, 0.35, 6),
    "electrical.panel_upgrade": (360, 0.25, 1),
    "appliance.repair": (60, 0.40, 5),
    "refrigeration.commercial": (130, 0.45, 1),
}
TECH_FACTORS = {
    f"T{i:02d}": f for i, f in enumerate([0.8, 0.9, 0.95, 1.0, 1.0, 1.05, 1.15, 1.25], 1)
}


def generate(seed: int, jobs: int) -> list[DurationSample]:
    """`jobs` completed jobs over a year, drawn from TRUTH and TECH_FACTORS."""
    rng = random.Random(seed)
    types = list(TRUTH)
    weights = [TRUTH[t][2] for t in types]
    techs = list(TECH_FACTORS)
    start = date(2026, 1, 1)
    out = []
    for i in range(jobs):
        job_type = rng.choices(types, weights)[0]
        median, sigma, _ = TRUTH[job_type]
        tech = rng.choice(techs)
        minutes = median * TECH_FACTORS[tech] * math.exp(rng.gauss(0, sigma))
        out.append(
            DurationSample(
                job_type, round(minutes, 1), tech, start + timedelta(days=i * 365 // jobs)
            )
        )
    return out


def coverage(seed: int, jobs: int, quantile: float) -> tuple[float, float, float]:
    """(routing coverage, p50 coverage, p50 MAE minutes) on the last 20 % of one history."""
    history = generate(seed, jobs)
    cut = int(len(history) * 0.8)
    model = fit_durations(history[:cut], DurationParams(routing_quantile=quantile))
    held = history[cut:]
    covered = covered50 = 0
    errors = []
    for row in held:
        estimate = model.estimate(row.job_type, row.technician)
        covered += row.minutes <= estimate.routing
        covered50 += row.minutes <= estimate.p50
        errors.append(abs(row.minutes - estimate.p50))
    return covered / len(held), covered50 / len(held), statistics.fmean(errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--quantile", type=float, default=0.8)
    args = parser.parse_args()
    results = [coverage(seed, args.jobs, args.quantile) for seed in range(args.seeds)]
    routing = [r[0] for r in results]
    print(
        f"history: {args.jobs} jobs per seed, {len(TRUTH)} job types, "
        f"{len(TECH_FACTORS)} technicians"
    )
    print(f"seeds: {args.seeds}; fitted on the first 80 %, judged on the last 20 %")
    print(
        f"p{args.quantile * 100:.0f} coverage: mean {statistics.fmean(routing):.1%}, "
        f"min {min(routing):.1%}, max {max(routing):.1%}"
    )
    print(f"p50 coverage: mean {statistics.fmean(r[1] for r in results):.1%}")
    print(f"p50 MAE: mean {statistics.fmean(r[2] for r in results):.1f} minutes")


if __name__ == "__main__":
    main()
