"""The grid's HDFS for tests: its NameNode's JMX and the `hdfs` shim (deploy/bin/hdfs, on deploy/env's PATH)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request

from .conftest import ROOT

NAMENODE_WEB_PORT = 9870


def grid_fs() -> str:
    return os.environ.get("GRID_FS") or "hdfs://localhost:8020"


def live_datanodes() -> int:
    host = grid_fs().removeprefix("hdfs://").rsplit(":", 1)[0]
    url = f"http://{host}:{NAMENODE_WEB_PORT}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
    with urllib.request.urlopen(url, timeout=10) as response:
        return int(json.load(response)["beans"][0]["NumLiveDataNodes"])


def hdfs(*args: str) -> str:
    """``hdfs <args>`` (dfs or dfsadmin); its stdout. Fails the test with its stderr."""
    shim = shutil.which("hdfs") or str(ROOT / "deploy" / "bin" / "hdfs")
    result = subprocess.run([shim, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"hdfs {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
    return result.stdout
