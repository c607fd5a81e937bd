"""HDFS is part of every grid: its DataNodes are live and a file put with the hdfs shim reads back."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import grid_nodes
from .hdfs import grid_fs, hdfs, live_datanodes

pytestmark = pytest.mark.yarn_core


def test_every_node_has_a_live_datanode_and_files_round_trip(unique: str, tmp_path: Path) -> None:
    nodes = grid_nodes()
    assert live_datanodes() == nodes
    local = tmp_path / "edits.txt"
    local.write_bytes(b"".join(f"edit {i}\n".encode() for i in range(1000)))
    directory = f"{grid_fs()}/it/{unique}"
    hdfs("dfs", "-mkdir", "-p", directory)
    hdfs("dfs", "-put", str(local), f"{directory}/edits.txt")
    # The default file system is the grid's HDFS: a path without a scheme names the same file.
    assert hdfs("dfs", "-cat", f"/it/{unique}/edits.txt").encode() == local.read_bytes()
    assert hdfs("dfs", "-stat", "%r %b", f"{directory}/edits.txt").split() == [
        str(min(3, nodes)), str(local.stat().st_size)]
    copy = tmp_path / "copy.txt"
    hdfs("dfs", "-get", f"{directory}/edits.txt", str(copy))
    assert copy.read_bytes() == local.read_bytes()
