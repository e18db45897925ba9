"""How many CPUs the searches count on: the ones this process may run on, within its quota."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import SolveParams
from optimizer import pair as pair_module
from optimizer.matrices import ModelArrays
from optimizer.pair import Partner
from optimizer.problem import Problem
from optimizer.solve import travel_matrix
from optimizer.workers import cores

AFFINITY = len(os.sched_getaffinity(0))


def _quota(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cpu.max"
    path.write_text(text, encoding="ascii")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max 100000\n", AFFINITY),
        ("50000 100000\n", 1),  # half a CPU still runs one search
        ("100000 100000\n", 1),
        ("150000 100000\n", 1),
        (f"{100000 * (AFFINITY + 4)} 100000\n", AFFINITY),  # a quota above the cpuset
        ("not a quota\n", AFFINITY),
        ("", AFFINITY),
    ],
)
def test_a_cgroup_quota_caps_the_cpus_counted(tmp_path: Path, text: str, expected: int) -> None:
    assert cores(_quota(tmp_path, text)) == expected


def test_without_a_quota_file_the_cpus_this_process_may_run_on_count(tmp_path: Path) -> None:
    assert cores(tmp_path / "absent") == AFFINITY


def test_one_cpu_keeps_a_small_day_in_one_process(
    day_12x47: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    arrays = ModelArrays.build(day_12x47, travel_matrix(day_12x47), SolveParams())
    monkeypatch.setattr(pair_module, "cores", lambda: 1)
    assert Partner(arrays, SolveParams(), seed=0).pool is None
    monkeypatch.setattr(pair_module, "cores", lambda: 2)
    assert Partner(arrays, SolveParams(), seed=0).pool is not None
