"""deploy/grid itself: stop, status, a foreign process on a grid port, and bootstrap again."""

from __future__ import annotations

import socket

import pytest

from .conftest import GRID_PORTS, port_open, run_grid

SECURE_KAFKA_PORT = 9094  # deploy/grid start kafka-secure

pytestmark = pytest.mark.grid_restart


def status_lines() -> dict[str, list[str]]:
    """``deploy/grid status`` by service: node, service, state, pid, address:port (after a header)."""
    out = run_grid("status").stdout
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    # kafka-secure runs only when a test asks for it (deploy/grid start kafka-secure): not the grid's.
    return {row[1]: row for row in rows if row[1] != "kafka-secure"}


def test_stop_then_status_reports_all_down_then_bootstrap_brings_everything_back() -> None:
    run_grid("start", "kafka-secure")  # on demand, but stopped with the rest
    run_grid("stop")
    lines = status_lines()
    assert set(lines) == set(GRID_PORTS) | {"datanode"}
    assert all(row[2] == "down" for row in lines.values()), lines
    assert not any(port_open(port) for port in GRID_PORTS.values())
    assert run_grid("status", "kafka-secure").stdout.split("\n")[1].split()[2] == "down"
    assert not port_open(SECURE_KAFKA_PORT)

    # Stopping a stopped grid is not an error.
    run_grid("stop")

    # A stranger on a grid port is named, not waited on.
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", GRID_PORTS["zookeeper"]))
        squatter.listen()
        result = run_grid("start", "zookeeper", check=False)
    assert result.returncode != 0
    assert "port 2181 is already in use" in result.stderr

    # bin/test bootstrapped once already: a second bootstrap must work too.
    run_grid("bootstrap")
    lines = status_lines()
    assert all(row[2] == "up" for row in lines.values()), lines
    assert all(port_open(port) for port in GRID_PORTS.values())
    for name, port in GRID_PORTS.items():
        assert lines[name][4] == f"127.0.0.1:{port}"
        assert lines[name][0] == "node1"
