"""YARN on the grid through skein: a master and a service container run; success and failure end states."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import skein

from .conftest import GRID, RM_WEB

pytestmark = pytest.mark.yarn_core

FINAL_STATES = {"FINISHED", "FAILED", "KILLED"}


def wait_for_final_report(client: Any, app_id: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = client.application_report(app_id)
        if str(report.state) in FINAL_STATES:
            return report
        time.sleep(0.5)
    client.kill_application(app_id)
    raise AssertionError(f"{app_id} did not finish within {timeout}s (last state {report.state})")


def test_node_manager_is_running_in_the_resource_manager() -> None:
    with urllib.request.urlopen(f"{RM_WEB}/ws/v1/cluster/nodes", timeout=10) as response:
        nodes = json.load(response)["nodes"]["node"]
    assert [n["state"] for n in nodes] == ["RUNNING"]
    # An AM and four 1 GiB Samza containers must fit.
    assert nodes[0]["availMemoryMB"] + nodes[0]["usedMemoryMB"] >= 5 * 1024


def test_the_grid_runs_the_hadoop_line_it_was_bootstrapped_with() -> None:
    # deploy/env exports GRID_HADOOP; bin/test's Hadoop 2 phase must really run on Hadoop 2.
    expected = os.environ.get("GRID_HADOOP") or "3.5"
    with urllib.request.urlopen(f"{RM_WEB}/ws/v1/cluster/info", timeout=10) as response:
        info = json.load(response)["clusterInfo"]
    assert info["hadoopVersion"].startswith(expected), info["hadoopVersion"]
    assert info["state"] == "STARTED"


def test_the_grid_verbs_keep_the_hadoop_line_of_the_running_grid() -> None:
    # GRID_HADOOP counts at bootstrap only: later verbs take the line from the layout the grid ran with.
    running = os.environ.get("GRID_HADOOP") or "3.5.0"
    other = "2.10.2" if running.startswith("3.") else "3.5.0"
    result = subprocess.run([str(GRID), "env"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "GRID_HADOOP": other})
    assert result.returncode == 0, result.stderr
    assert f"export GRID_HADOOP={running}" in result.stdout.splitlines()


def test_master_and_service_container_each_write_a_line(skein_client: Any, tmp_path: Path) -> None:
    master_out, worker_out = tmp_path / "master.txt", tmp_path / "worker.txt"
    spec = skein.ApplicationSpec.from_dict(
        {
            "name": "samza-py-it-lines",
            "queue": "default",
            "master": {
                "resources": {"memory": 256, "vcores": 1},
                # The application ends when the master script exits: wait for the worker's line.
                "script": (
                    f"echo \"master $SKEIN_APPLICATION_ID\" > {master_out}\n"
                    f"for i in $(seq 600); do [ -s {worker_out} ] && exit 0; sleep 0.2; done; exit 1\n"
                ),
            },
            "services": {
                "worker": {
                    "resources": {"memory": 128, "vcores": 1},
                    "script": (
                        f"echo \"worker $SKEIN_CONTAINER_ID\" > {worker_out}.tmp && mv {worker_out}.tmp {worker_out}"
                    ),
                }
            },
        }
    )
    app_id = skein_client.submit(spec)
    report = wait_for_final_report(skein_client, app_id)
    assert str(report.final_status) == "SUCCEEDED", report.diagnostics
    assert master_out.read_text().strip() == f"master {app_id}"
    assert worker_out.read_text().strip() == "worker worker_0"


def test_master_script_exiting_1_fails_the_application(skein_client: Any) -> None:
    spec = skein.ApplicationSpec.from_dict(
        {
            "name": "samza-py-it-fail",
            "queue": "default",
            "master": {"resources": {"memory": 256, "vcores": 1}, "script": "echo failing on purpose; exit 1"},
        }
    )
    app_id = skein_client.submit(spec)
    report = wait_for_final_report(skein_client, app_id)
    # skein's AM unregisters itself with the script's verdict: YARN state FINISHED, final status FAILED.
    assert str(report.final_status) == "FAILED"
    assert str(report.state) == "FINISHED"
    assert "exit" in report.diagnostics.lower(), report.diagnostics
