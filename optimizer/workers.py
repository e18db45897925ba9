"""Worker processes for the searches that use a second core (parts, halves, pair).

One pool per size, kept for the life of the process: starting one costs about a second.
Workers come from a fork server that imports only this library, so neither the caller's main
script nor its threads are copied. If the workers fail (a process killed, a main script
without a `__main__` guard that they cannot import), the pool is retired with a warning and
the searches go on in the calling process.
"""

from __future__ import annotations

import multiprocessing as mp
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor

__all__ = ["BROKEN", "POOLS", "retire_pool", "worker_pool"]

POOLS: dict[int, Executor] = {}
BROKEN: set[int] = set()


def worker_pool(workers: int) -> Executor | None:
    """A pool of `workers` processes, or None where processes cannot be had that way."""
    if workers < 1 or workers in BROKEN or "forkserver" not in mp.get_all_start_methods():
        return None
    if workers not in POOLS:
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(["optimizer.parts", "optimizer.halves", "optimizer.pair"])
        POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return POOLS[workers]


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
