"""The three libraries import neither each other nor the orchestrator (import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_repository_keeps_its_layout() -> None:
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_catch_a_library_importing_another(tmp_path: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    for package in ("connectors", "optimizer", "notifications", "orchestrator"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "optimizer" / "solve.py").write_text("import connectors\n")
    (tmp_path / "notifications" / "sms.py").write_text("from orchestrator import x\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "optimizer.solve -> connectors" in result.stdout
    assert "notifications.sms -> orchestrator" in result.stdout
