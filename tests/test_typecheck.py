"""bin/typecheck sees appmaster/ and container/ as samza_py.appmaster and samza_py.container.

mypy on the top-level folders saw every ``samza_py.container.*`` import as a missing module (so ``Any``), and a
misspelt call in the run loop passed. These run bin/typecheck on a copy of the code, clean and then with typos.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("pyproject.toml", "bin/typecheck", "samza_py", "appmaster", "container", "bench")

# (file, text in it, the same text with a typo): each typo is one mypy cannot miss once it resolves the import.
TYPOS = (
    # within container/, through samza_py.container.task_instance
    ("container/run_loop.py", "task.window()", "task.windw()"),
    # from samza_py into container/
    ("samza_py/job/local.py", "self.containers[processor_id].run()", "self.containers[processor_id].rn()"),
    # within appmaster/
    ("appmaster/application_master.py", "self.policy.on_failure(", "self.policy.on_falure("),
)


def _typecheck(tree: Path) -> tuple[int, list[str]]:
    result = subprocess.run(["bin/typecheck"], cwd=tree, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout.splitlines()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    tree = tmp_path
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tree / name)
    (tree / ".venv").symlink_to(sys.prefix)  # the interpreter running these tests, which has mypy
    if (ROOT / ".mypy_cache").is_dir():
        # bin/test type-checks before the tests run: its cache (valid while files are unchanged) saves a cold run.
        shutil.copytree(ROOT / ".mypy_cache", tree / ".mypy_cache")
    return tree


def test_typos_in_container_appmaster_and_their_callers_fail_naming_the_files(tree: Path) -> None:
    status, lines = _typecheck(tree)
    assert status == 0, "\n".join(lines)  # the clean code passes

    for name, text, typo in TYPOS:
        path = tree / name
        source = path.read_text()
        assert text in source, f"{name} no longer holds {text!r}: pick another typo"
        path.write_text(source.replace(text, typo, 1))
    # The checkout's folder names are not importable once installed, so they are not to mypy either.
    with (tree / "appmaster/report_exit.py").open("a") as f:
        f.write("\nfrom container.chooser import RoundRobinChooser  # noqa: E402,F401\n")

    status, lines = _typecheck(tree)

    assert status == 1, "\n".join(lines)
    for name, _text, typo in TYPOS:
        attribute = typo.split(".")[-1].rstrip("()")
        assert any(line.startswith(f"{name}:") and f'attribute "{attribute}"' in line for line in lines), (name, lines)
    assert any(
        line.startswith("appmaster/report_exit.py:") and 'module named "container.chooser"' in line for line in lines
    ), lines
