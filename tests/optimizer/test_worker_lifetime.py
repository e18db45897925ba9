"""A worker process ends with the process that started it, however that one ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CALLER = """
import os, time
from optimizer.workers import start_workers, worker_pool
assert start_workers()
print(worker_pool(1).submit(os.getpid).result(), flush=True)
time.sleep(60)
"""


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return status.split("State:")[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
@pytest.mark.parametrize("ending", [signal.SIGTERM, signal.SIGKILL])
def test_a_caller_killed_without_cleanup_leaves_no_worker_behind(ending: signal.Signals) -> None:
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    assert caller.stdout is not None
    worker = int(caller.stdout.readline())
    assert worker != caller.pid and _running(worker)
    caller.send_signal(ending)
    caller.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not _running(worker), "the worker outlived its caller"
    finally:
        if _running(worker):
            os.kill(worker, signal.SIGKILL)


CALLER_INTERRUPTED = """
import os, time
from optimizer.workers import start_workers, worker_pool
assert start_workers()
pool = worker_pool(1)
print(pool.submit(os.getpid).result(), flush=True)
pending = pool.submit(time.sleep, 1.0)  # the worker is busy when Ctrl-C comes
try:
    time.sleep(60)
except KeyboardInterrupt:
    pending.result()
    print("the worker finished its task", flush=True)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
def test_ctrl_c_at_a_terminal_is_the_callers_to_handle_not_the_workers() -> None:
    # As at a terminal: the caller leads its own process group, and SIGINT goes to the group.
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER_INTERRUPTED],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
        start_new_session=True,
    )
    assert caller.stdout is not None
    worker = int(caller.stdout.readline())
    time.sleep(0.2)
    os.killpg(caller.pid, signal.SIGINT)
    out, err = caller.communicate(timeout=20)
    assert out.strip() == "the worker finished its task", err[-800:]
    assert "Traceback" not in err, err[-800:]
    assert caller.returncode == 0
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(worker), "the worker ends with its caller"
