"""Fixtures for tests against the real grid (deploy/grid): ZooKeeper, HDFS, Kafka, YARN."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# This checkout's grid; SAMZA_PY_GRID names another checkout's (a git worktree has no grid of its own).
GRID = Path(os.environ.get("SAMZA_PY_GRID") or ROOT / "deploy" / "grid")
# The 1-node grid's addresses unless deploy/env (sourced by bin/test before pytest starts) names another grid's.
KAFKA_BOOTSTRAP = os.environ.get("GRID_KAFKA_BOOTSTRAP") or "127.0.0.1:9092"
ZOOKEEPER_CONNECT = os.environ.get("GRID_ZK_CONNECT") or "127.0.0.1:2181"
RM_WEB = os.environ.get("GRID_RM_WEB") or "http://127.0.0.1:8088"
GRID_PORTS = {
    "zookeeper": 2181,
    "namenode": 8020,
    "resourcemanager": 8032,
    "nodemanager": int(os.environ.get("GRID_NM_WEB_PORT") or "8042"),
    "kafka": 9092,
}


def grid_nodes() -> int:
    """The grid's size as deploy/env exports it (GRID_NODES); the fixed addresses above are the 1-node grid's."""
    return int(os.environ.get("GRID_NODES") or "1")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((host, port)) == 0


def run_grid(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(GRID), *args], capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"deploy/grid {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _load_grid_env() -> None:
    """JAVA_HOME (Hadoop's), HADOOP_CONF_DIR, the shims' PATH and the GRID_* exports of deploy/env, as bin/test."""
    env_file = ROOT / "deploy" / "env"
    if not env_file.exists():
        return
    out = subprocess.run(
        ["bash", "-c", f"source '{env_file}' && env -0"], capture_output=True, check=True
    ).stdout
    for entry in out.split(b"\0"):
        key, sep, value = entry.decode().partition("=")
        if sep and key in ("JAVA_HOME", "HADOOP_CONF_DIR", "PATH"):
            os.environ[key] = value
        elif sep and key.startswith("GRID_"):
            # Where the grid is (GRID_NODES, GRID_KAFKA_BOOTSTRAP, GRID_FS, ...), unless the caller said.
            os.environ.setdefault(key, value)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that stop and restart the whole grid run after everything that needs it running.
    items.sort(key=lambda item: item.get_closest_marker("grid_restart") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "grid_restart: stops and restarts the grid; runs last")


@pytest.fixture(scope="session", autouse=True)
def grid() -> None:
    _load_grid_env()
    # Several nodes: node1 (127.0.1.1) runs every kind of service; one node: 127.0.0.1.
    host = "127.0.0.1" if grid_nodes() == 1 else "127.0.1.1"
    down = [name for name, port in GRID_PORTS.items() if not port_open(port, host)]
    if down:
        pytest.fail(f"the grid is not running ({', '.join(down)} down on {host}): run deploy/grid bootstrap")


@pytest.fixture
def unique() -> str:
    """A name no earlier run used: topics and znodes outlive a test."""
    return f"it-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def skein_client() -> Iterator[object]:
    import skein

    with skein.Client(log=False) as client:
        yield client
