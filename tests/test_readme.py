"""The README's Quick start names the commands that really run: CI's and the demo."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick_start_commands() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| `(.+?)` \|$", section, flags=re.MULTILINE)
    return dict(rows)


def test_quick_start_has_exactly_the_demo_and_the_tests() -> None:
    commands = quick_start_commands()
    assert commands == {"Run the demo end to end": "bin/demo", "Run the tests": "bin/test"}


def test_ci_runs_the_readme_test_command_and_the_demo_command_exists() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^exec bin/test$", ci, flags=re.MULTILINE)
    for command in quick_start_commands().values():
        path = ROOT / command
        assert path.is_file() and os.access(path, os.X_OK), command
    demo = (ROOT / "bin" / "demo").read_text()
    for job in ("wikipedia-feed", "wikipedia-parser", "wikipedia-stats"):
        assert job in demo and (ROOT / "config" / f"{job}-yarn.properties").is_file()
