"""Loading the compiled search code before the first plan rather than inside its budget."""

from __future__ import annotations

import time

__all__ = ["compile_kernels"]


def compile_kernels(*, vrptw: bool = True) -> float:
    """Compile the field day's insertion and string moves and, with `vrptw`, the VRPTW
    annealing (or load them from numba's disk cache) now. Returns the seconds it took: the
    first time on a machine about 10 for the insertion, 8 for the string moves and 13 for the
    annealing, a fraction of a second after. The service plans field days only, so it loads
    the field kernels alone."""
    from optimizer._anneal_kernel import compile_string_moves
    from optimizer._insert_kernel import compile_insertion
    from optimizer.ejection_chains import compile_chains

    began = time.perf_counter()
    compile_insertion()
    compile_string_moves()
    compile_chains()
    if vrptw:
        from optimizer._vrptw_sisr import compile_annealing

        compile_annealing()
    return time.perf_counter() - began
