"""The field benchmark's figures: one run as before, several runs as medians."""

from __future__ import annotations

import statistics

import pytest

from bench.field import run_field_bench


def test_several_runs_report_the_median_of_each_figure_and_the_worst_unassigned() -> None:
    figures = run_field_bench(
        6, 24, 3, checkpoints=(0.2, 0.5), reference_seconds=0.8, replan_seconds=0.3, runs=3
    )
    detail = figures["runs_detail"]
    assert figures["runs"] == 3
    assert [d["solver_seed"] for d in detail] == [3, 4, 5]
    for key in ("0.2", "0.5"):
        values = [d["objective_at"][key] for d in detail]
        assert figures["objective_at"][key] == pytest.approx(statistics.median(values))
    references = [d["reference_objective"] for d in detail]
    assert all(r is not None for r in references)
    assert figures["reference_objective"] == pytest.approx(statistics.median(references))
    assert figures["unassigned"] == max(d["unassigned"] for d in detail)
    assert figures["violations"] == 0


def test_one_run_keeps_the_single_run_figures_and_zero_runs_is_refused() -> None:
    figures = run_field_bench(6, 24, 3, checkpoints=(0.2,), reference_seconds=0, replan_seconds=0.3)
    assert "runs_detail" not in figures
    assert figures["reference_objective"] is None and figures["gap_at_30s_pct"] is None
    assert figures["objective_at"]["0.2"] is not None
    assert figures["first_feasible_s"] is not None and figures["first_feasible_s"] < 0.2
    assert figures["violations"] == 0
    with pytest.raises(ValueError, match="runs must be >= 1"):
        run_field_bench(6, 24, 3, runs=0)
