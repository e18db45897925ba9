"""Worker processes for the searches that use a second core (parts, halves, pair, VRPTW).

One pool per size, kept for the life of the process: starting one costs about a second.
Workers come from a fork server that imports only this library, so neither the caller's main
script nor its threads are copied. If the workers fail (a process killed, a main script
without a `__main__` guard that they cannot import), the pool is retired with a warning and
the searches go on in the calling process.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import threading
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

__all__ = [
    "BROKEN",
    "POOLS",
    "cores",
    "retire_pool",
    "start_workers",
    "worker_pool",
    "worker_running",
]

CPU_MAX = Path("/sys/fs/cgroup/cpu.max")
"""cgroup v2's CPU quota of this process's group: "max 100000", or "150000 100000" for 1.5 CPUs
(what `docker run --cpus 1.5` sets)."""

POOLS: dict[int, Executor] = {}
BROKEN: set[int] = set()


def cores(cpu_max: Path = CPU_MAX) -> int:
    """CPUs this process may really use: the ones it may run on (a container's cpuset,
    `taskset`), within its cgroup's CPU quota. `os.cpu_count()` counts the host's, so a
    container limited to one CPU on a big host would run a second search on half a core."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        if quota != "max" and int(period) > 0:
            count = min(count, max(1, math.floor(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota to respect
    return max(1, count)


def worker_pool(workers: int) -> Executor | None:
    """A pool of `workers` processes, or None where processes cannot be had that way."""
    if workers < 1 or workers in BROKEN or "forkserver" not in mp.get_all_start_methods():
        return None
    if workers not in POOLS:
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(
            ["optimizer.parts", "optimizer.halves", "optimizer.pair", "optimizer._vrptw_search"]
        )
        # Each worker loads the compiled insertion once, as it starts, not inside a search.
        POOLS[workers] = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_start_worker
        )
    return POOLS[workers]


def start_workers() -> bool:
    """Start the worker process the two-core searches use (pair, halves) and wait until it
    runs, so the first plan does not spend its budget on it: a fresh fork server imports the
    library and the worker loads the compiled kernels, about a second, inside the first
    `solve` that needs it otherwise. Returns whether a worker is running (False on one core,
    or where processes cannot be had)."""
    pool = worker_pool(1) if cores() >= 2 else None
    if pool is None:
        return False
    try:
        return pool.submit(_ready).result()
    except Exception as exc:  # noqa: BLE001 - a pool that cannot start is retired, as in a search
        retire_pool(pool, exc)
        return False


def worker_running() -> bool:
    """Whether the worker process of the two-core searches is up (`start_workers`, or an
    earlier search that used it), so a search can hand it work without waiting for it to
    start."""
    return 1 in POOLS


def _ready() -> bool:
    return True


def _start_worker() -> None:
    # A Ctrl-C at a terminal reaches every process of its group. The caller decides what it
    # means; the worker would only print a traceback and leave its search's result unsent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_caller()
    _load_kernels()


def _exit_with_caller() -> None:
    """End this worker when the process that started it ends. A caller that exits normally
    stops its pool, but one killed without cleanup (SIGTERM, SIGKILL, an out-of-memory kill)
    never does: its worker, holding both ends of its own work queue, would wait for work
    forever with the fork server beside it, a few hundred MB for good."""
    caller = mp.parent_process()
    if caller is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([caller.sentinel])
        os._exit(0)  # nobody is left to take a result, nor to stop this process otherwise

    threading.Thread(target=watch, name="exit-with-caller", daemon=True).start()


def _load_kernels() -> None:
    from optimizer.kernels import compile_kernels

    compile_kernels(vrptw=False)


def retire_pool(pool: Executor, exc: BaseException) -> None:
    """Stop using a pool whose workers failed, and say so once."""
    for workers, kept in list(POOLS.items()):
        if kept is pool:
            del POOLS[workers]
            BROKEN.add(workers)
            warnings.warn(
                f"the search runs in this process only: the worker processes failed ({exc})",
                RuntimeWarning,
                stacklevel=3,
            )
    pool.shutdown(wait=False, cancel_futures=True)
