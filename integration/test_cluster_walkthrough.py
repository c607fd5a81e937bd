"""README's "Running on an existing Hadoop cluster", command by command, on the 3-node grid (GRID_NODES=3):
package → HDFS → yarn.package.path → run-job → status → kill."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import ROOT
from .jobs import count_messages, delete_topics, produce_round_robin, read_topic, wait_for
from .test_yarn_job import wait_for_state

pytestmark = pytest.mark.multinode

SECTION = "### Running on an existing Hadoop cluster"
APP = "wikipedia-parser_1"


def walkthrough() -> list[str]:
    """The commands of the section's shell block, comments stripped."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(SECTION):]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"no ```sh block under {SECTION!r}"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def shell(command: str) -> subprocess.CompletedProcess[str]:
    """One README line as a user types it: in the checkout, after `source deploy/env`, with run-job on PATH."""
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    return subprocess.run(["bash", "-c", f"set -e; source deploy/env; {command}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def start_clean(skein_client: Any) -> None:
    """What an earlier run of the walk-through left: its application, topics and package."""
    for report in skein_client.get_applications(states=["SUBMITTED", "ACCEPTED", "RUNNING"], name=APP):
        skein_client.kill_application(report.id)
    delete_topics(["wikipedia-raw", "wikipedia-edits", "__samza_checkpoint_ver_1_for_wikipedia-parser_1",
                   "__samza_coordinator_wikipedia-parser_1"])
    assert shell("hdfs dfs -rm -r -f /apps/wikipedia-parser").returncode == 0


def test_the_readme_walkthrough_runs_a_packaged_job_on_the_cluster(skein_client: Any) -> None:
    source, create, package, run, status, kill = walkthrough()
    assert source.startswith("source deploy/env")
    start_clean(skein_client)

    created = shell(create)
    assert created.returncode == 0, created.stderr
    packaged = shell(package)
    assert packaged.returncode == 0, packaged.stderr[-3000:]
    assert "set yarn.package.path=hdfs:///apps/wikipedia-parser/job.tar.gz" in packaged.stdout
    stat = shell("hdfs dfs -stat %r /apps/wikipedia-parser/job.tar.gz")
    assert stat.stdout.strip() == "3", stat.stdout + stat.stderr  # a replica on every DataNode

    submitted = shell(run)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    report = wait_for_state(skein_client, APP, {"RUNNING"})
    assert f"submitted {APP} as {report.id}" in submitted.stdout
    try:
        events = wikipedia_events()
        produce_round_robin("wikipedia-raw", 3, (json.dumps(e).encode() for e in events))
        expected = sorted(p["diff-url"] for e in events if (p := parse_edit(e["raw"])) is not None)
        wait_for(lambda: count_messages("wikipedia-edits") >= len(expected), 300, "every edit")
        assert sorted(json.loads(m.value())["diff-url"] for m in read_topic("wikipedia-edits")) == expected

        def three_containers_on_nodes() -> bool:
            out = shell(status).stdout
            return (f"{APP}: {report.id} RUNNING, 3 container(s)" in out
                    and sorted(re.findall(r"container (\d): RUNNING on node[123] ", out)) == ["0", "1", "2"])
        wait_for(three_containers_on_nodes, 120, "status to show three containers and their nodes")

        killed = shell(kill)
        assert killed.returncode == 0, killed.stderr[-3000:]
        wait_for_state(skein_client, APP, {"KILLED"}, timeout_s=120)
    finally:
        if str(skein_client.application_report(report.id).state) not in ("KILLED", "FINISHED", "FAILED"):
            skein_client.kill_application(report.id)
