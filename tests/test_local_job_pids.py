"""status and kill of a local job: a recorded process that exited but was not reaped yet counts as gone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from samza_py.job.local import _alive
from tests.polling import wait_until


def test_an_unreaped_exited_process_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{child.pid}/stat")
        # Not child.poll(): that would reap it. Wait for the kernel to mark it a zombie.
        wait_until(lambda: stat.read_text().rsplit(")", 1)[1].split()[0] == "Z", 30, "the child exiting")
        assert not _alive(child.pid)
    finally:
        child.wait(30)
    assert not _alive(child.pid)


def test_a_running_process_is_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert _alive(child.pid)
    finally:
        child.kill()
        child.wait(30)
