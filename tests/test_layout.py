"""The distribution's layout: appmaster/ and container/ install under samza_py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _import_from(cwd: Path, module: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter outside the checkout sees only what the install provides.
    code = f"import {module}; print({module}.__file__)"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env={})


def test_appmaster_and_container_install_under_samza_py(tmp_path: Path) -> None:
    for module, folder in (("samza_py.appmaster", "appmaster"), ("samza_py.container", "container")):
        result = _import_from(tmp_path, module)
        assert result.returncode == 0, result.stderr
        assert Path(result.stdout.strip()).resolve().parent == ROOT / folder


def test_nothing_generic_lands_at_top_level(tmp_path: Path) -> None:
    for module in ("appmaster", "container"):
        result = _import_from(tmp_path, module)
        assert result.returncode != 0
        assert "ModuleNotFoundError" in result.stderr
