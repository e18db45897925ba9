"""Numba's disk cache checks a compiled function's own source file only.

A kernel that calls compiled functions of another module keeps running their old code from the
cache after that module changes (a `git pull` that touched only the callee, say). The owner's
cache entries are dropped here whenever its dependencies' sources change, so the next import
compiles afresh.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["forget_if_changed"]

HERE = Path(__file__).parent


def forget_if_changed(owner: str, *dependencies: str, package: Path = HERE) -> bool:
    """Drop module `owner`'s cached kernels if the sources of `dependencies` (modules of
    `package`, this one by default) changed since they were compiled. Returns whether anything
    was dropped.

    Best effort: a cache that cannot be written (a read-only install) is left alone, as numba
    itself then falls back to compiling in memory.
    """
    folder = package / "__pycache__"
    digest = hashlib.sha256()
    for name in dependencies:
        digest.update((package / f"{name}.py").read_bytes())
    stamp = folder / f"{owner}.depends.sha256"
    try:
        if stamp.read_text(encoding="ascii") == digest.hexdigest():
            return False
    except OSError:
        pass
    dropped = False
    try:
        for entry in folder.glob(f"{owner}.*.nb[ic]"):
            entry.unlink(missing_ok=True)
            dropped = True
        folder.mkdir(exist_ok=True)
        partial = stamp.with_suffix(f".{os.getpid()}")
        partial.write_text(digest.hexdigest(), encoding="ascii")
        os.replace(partial, stamp)
    except OSError:
        return dropped
    return dropped
