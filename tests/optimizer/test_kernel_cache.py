"""A kernel's disk cache is dropped when a module it calls into changes."""

from __future__ import annotations

from pathlib import Path

from optimizer._kernel_cache import forget_if_changed


def _cached(package: Path) -> set[str]:
    return {p.name for p in (package / "__pycache__").glob("*.nb[ic]")}


def _compile(package: Path) -> None:
    cache = package / "__pycache__"
    cache.mkdir(exist_ok=True)
    for name in ("owner.route-12.py311.nbi", "owner.route-12.py311.0.nbc", "other.f-3.py311.nbi"):
        (cache / name).write_bytes(b"compiled")


def test_the_owner_cache_goes_when_the_callee_changes_and_stays_while_it_does_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "callee.py").write_text("def f(): return 1\n")
    _compile(tmp_path)
    # No record of what it was compiled against: it may be stale.
    assert forget_if_changed("owner", "callee", package=tmp_path)
    assert _cached(tmp_path) == {"other.f-3.py311.nbi"}
    _compile(tmp_path)
    assert not forget_if_changed("owner", "callee", package=tmp_path)
    assert len(_cached(tmp_path)) == 3
    (tmp_path / "callee.py").write_text("def f(): return 2\n")
    assert forget_if_changed("owner", "callee", package=tmp_path)
    assert _cached(tmp_path) == {"other.f-3.py311.nbi"}


def test_the_package_kernels_are_recorded_against_their_callees() -> None:
    import optimizer._anneal_kernel  # noqa: F401 - importing it checks its cache

    package = Path(optimizer._anneal_kernel.__file__).parent
    assert not forget_if_changed("_anneal_kernel", "_insert_kernel", package=package)
