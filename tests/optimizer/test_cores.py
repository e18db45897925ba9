"""How many CPUs the searches count on: the ones this process may run on, within its quota."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer import SolveParams
from optimizer import pair as pair_module
from optimizer import workers as workers_module
from optimizer.matrices import ModelArrays
from optimizer.pair import Partner
from optimizer.problem import Problem
from optimizer.solve import travel_matrix
from optimizer.workers import cores, start_workers

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


def test_the_worker_is_started_ahead_on_two_cores_and_not_on_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers_module, "POOLS", {})
    monkeypatch.setattr(workers_module, "cores", lambda: 1)
    assert start_workers() is False
    assert workers_module.POOLS == {}
    monkeypatch.setattr(workers_module, "cores", lambda: 2)
    try:
        assert start_workers() is True
        pool = workers_module.POOLS[1]
        # The one the searches will ask for, already running its process.
        assert workers_module.worker_pool(1) is pool
        assert pool.submit(os.getpid).result(timeout=30) != os.getpid()
    finally:
        for pool in workers_module.POOLS.values():
            pool.shutdown()
