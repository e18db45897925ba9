"""`fsm-dispatch bench vrptw`: reads a folder of instances and bks.csv, checks and scores plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.vrptw import VrptwResult, head_to_head, read_bks
from orchestrator.cli.app import app

# Two rays from the depot; capacity forces one route per ray: 2 × (5 + 5 + 10) = 40.
TWO_RAYS = """\
NAME : rays
TYPE : CVRPTW
DIMENSION : 5
VEHICLES : 2
CAPACITY : 10
SERVICE_TIME : 1
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 -3 4
5 -6 8
DEMAND_SECTION
1 0
2 5
3 5
4 5
5 5
TIME_WINDOW_SECTION
1 0 100
2 0 50
3 0 50
4 0 50
5 0 50
DEPOT_SECTION
1
-1
EOF
"""
KEYS = {
    "instance",
    "solver",
    "feasible",
    "vehicles",
    "distance",
    "bks_distance",
    "gap_pct",
    "seconds",
    "exact_distance",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A benchmark folder with one instance and a best-known value 1 % below its optimum."""
    (tmp_path / "rays.vrp").write_text(TWO_RAYS)
    (tmp_path / "bks.csv").write_text(
        "instance,customers,vehicles,distance,source\nrays,4,2,39.6,hand-made\n"
    )
    return tmp_path


def test_the_command_writes_one_checked_scored_row_per_instance_and_solver(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        app,
        ["bench", "vrptw", "--instances", str(folder), "--seconds", "0.5", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())["results"]
    assert len(rows) == 1
    row = rows[0]
    assert row.keys() >= KEYS
    assert row["instance"] == "rays" and row["solver"] == "fsm-dispatch"
    assert row["feasible"] is True and row["vehicles"] == 2
    assert row["distance"] == pytest.approx(40.0)
    assert row["exact_distance"] == pytest.approx(40.0)
    assert row["bks_distance"] == pytest.approx(39.6)
    assert row["gap_pct"] == pytest.approx(100 * 0.4 / 39.6, abs=1e-3)
    assert "rays" in result.output


def test_an_unknown_solver_is_refused(folder: Path) -> None:
    result = CliRunner().invoke(
        app, ["bench", "vrptw", "--instances", str(folder), "--solvers", "gurobi"]
    )
    assert result.exit_code == 2
    assert "unknown solver" in result.output


def test_a_folder_without_instances_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "vrptw", "--instances", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .vrp instance" in result.output


def test_bks_rows_are_read_by_instance_and_a_bad_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_text("instance,customers,vehicles,distance,source\nC101,100,10,827.3,x\n")
    assert read_bks(path)["C101"].distance == pytest.approx(827.3)
    path.write_text("instance,customers,vehicles,distance,source\nC101,100,10,far,x\n")
    with pytest.raises(ValueError, match="line 2 has a non-numeric value"):
        read_bks(path)


@pytest.mark.parametrize("peer", ["pyvrp", "vroom"])
def test_peer_plans_go_through_the_same_checker(folder: Path, tmp_path: Path, peer: str) -> None:
    pytest.importorskip(peer)
    out = tmp_path / f"{peer}.json"
    args = ["bench", "vrptw", "--instances", str(folder), "--solvers", peer]
    result = CliRunner().invoke(app, [*args, "--seconds", "0.3", "--json", str(out)])
    assert result.exit_code == 0, result.output
    [row] = json.loads(out.read_text())["results"]
    assert row["solver"] == peer and row["feasible"] is True
    assert row["distance"] == pytest.approx(40.0)


def _row(instance: str, solver: str, distance: float | None) -> VrptwResult:
    return VrptwResult(
        instance=instance,
        customers=100,
        solver=solver,
        feasible=distance is not None,
        vehicles=10 if distance is not None else 0,
        distance=distance,
        bks_distance=None,
        gap_pct=None,
        seconds=1.0,
        exact_distance=distance,
        violations=0 if distance is not None else 1,
    )


def test_the_head_to_head_counts_each_instance_once_against_that_peer() -> None:
    results = [
        _row("A", "fsm-dispatch", 1000.0),
        _row("A", "vroom", 1000.1),  # a tenth shorter
        _row("B", "fsm-dispatch", 827.3),
        _row("B", "vroom", 827.3),
        _row("C", "fsm-dispatch", 972.5),
        _row("C", "vroom", 963.3),
        _row("C", "pyvrp", 980.0),  # another peer: not in this count
        _row("D", "fsm-dispatch", None),  # infeasible against feasible: a loss
        _row("D", "vroom", 1500.0),
        _row("E", "fsm-dispatch", 1400.0),  # feasible against infeasible: a win
        _row("E", "vroom", None),
        _row("F", "fsm-dispatch", None),  # neither feasible: not counted
        _row("F", "vroom", None),
        _row("G", "vroom", 900.0),  # ours did not run: not counted
    ]
    duel = head_to_head(results, "vroom")
    assert (duel.shorter, duel.equal, duel.longer) == (2, 1, 2)
    assert duel.longer_on == ("C", "D")
    assert head_to_head(results, "pyvrp").shorter == 1


def test_the_command_reports_the_head_to_head_when_a_peer_runs(
    folder: Path, tmp_path: Path
) -> None:
    pytest.importorskip("vroom")
    out = tmp_path / "duel.json"
    result = CliRunner().invoke(
        app,
        [
            "bench", "vrptw", "--instances", str(folder), "--seconds", "0.5",
            "--solvers", "fsm-dispatch,vroom", "--json", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fsm-dispatch against" in result.output
    (duel,) = json.loads(out.read_text())["head_to_head"]
    assert duel["peer"] == "vroom"
    # Both find the optimum of two rays (40.0).
    assert (duel["shorter"], duel["equal"], duel["longer"]) == (0, 1, 0)
