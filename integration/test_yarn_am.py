"""The ApplicationMaster over time: input partitions added to a stateless job, and a second AM attempt."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import skein
from confluent_kafka.admin import AdminClient, NewPartitions

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import KAFKA_BOOTSTRAP
from .jobs import count_messages, create_topic, produce_round_robin, run_job, wait_for
from .test_yarn_job import PARSER_CONFIG, USERLOGS, am_log, identities, wait_for_state, yarn_overrides

pytestmark = pytest.mark.yarn_core


@pytest.fixture(scope="module")
def client() -> Any:
    with skein.Client(log=False) as c:
        yield c


def test_added_input_partitions_restart_a_stateless_job_with_a_new_model(
    client: Any, unique: str, tmp_path: Path
) -> None:
    events = [json.dumps(e).encode() for e in wikipedia_events()]
    create_topic(f"{unique}-raw", 2)
    produce_round_robin(f"{unique}-raw", 2, events[:100])
    overrides = yarn_overrides(unique, **{
        "job.container.count": "1",
        "job.coordinator.monitor-partition-change.frequency.ms": "2000",
    })
    assert run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120).returncode == 0
    app_id = wait_for_state(client, f"yarn-{unique}_1", {"RUNNING"}).id
    try:
        wait_for(lambda: "job model: 2 task(s) in 1 container(s)" in am_log(app_id), 120, "the first model")
        wait_for(lambda: count_messages(f"{unique}-edits") > 0, 120, "the first edits")
        admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
        admin.create_partitions([NewPartitions(f"{unique}-raw", 4)])[f"{unique}-raw"].result(30)
        wait_for(lambda: "job model: 4 task(s) in 1 container(s)" in am_log(app_id), 120, "the new model")
        assert "input partition counts changed {'kafka." + f"{unique}-raw': (2, 4)" + "}" in am_log(app_id)
        # The new partitions are read: what lands in them comes out.
        produce_round_robin(f"{unique}-raw", 4, events[100:500])
        expected = {(e["source"], p["diff-url"]) for e in wikipedia_events()[:500]
                    if (p := parse_edit(e["raw"])) is not None}
        wait_for(lambda: set(identities(unique)) >= expected, 180, "edits from all four partitions")
    finally:
        client.kill_application(app_id)


def am_jvm_pids(app_id: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"com.anaconda.skein.ApplicationMaster" in cmd and app_id.encode() in cmd:
                pids.append(int(proc.name))
    return pids


def test_a_second_am_attempt_rebuilds_the_job_and_resumes_from_checkpoints(
    client: Any, unique: str, tmp_path: Path
) -> None:
    replayed = [dict(e, source=f"replay-{c}") for c in range(20) for e in wikipedia_events()]
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in replayed))
    overrides = yarn_overrides(unique, **{"task.commit.ms": "300", "yarn.resourcemanager.am.max-attempts": "2"})
    assert run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120).returncode == 0
    app_id = wait_for_state(client, f"yarn-{unique}_1", {"RUNNING"}).id
    try:
        wait_for(lambda: count_messages(f"{unique}-edits") >= 1000, 180, "the first edits")
        wait_for(lambda: bool(am_jvm_pids(app_id)), 30, "the AM's JVM")
        for pid in am_jvm_pids(app_id):
            os.kill(pid, signal.SIGKILL)
        second_attempt = f"{app_id.replace('application_', 'container_')}_02_000001"
        wait_for(lambda: (USERLOGS / app_id / second_attempt / "application.driver.log").exists(), 180,
                 "the second AM attempt")
        wait_for(lambda: "job model: 4 task(s) in 2 container(s)"
                 in (USERLOGS / app_id / second_attempt / "application.driver.log").read_text(), 120,
                 "the second attempt's model")
        expected = {(e["source"], p["diff-url"]) for e in replayed if (p := parse_edit(e["raw"])) is not None}
        wait_for(lambda: set(identities(unique)) >= expected, 300, "every edit")
        # Resumed from checkpoints, not from the start: far fewer than twice the output.
        assert count_messages(f"{unique}-edits") < 2 * len(expected)
        assert str(client.application_report(app_id).state) == "RUNNING"
    finally:
        client.kill_application(app_id)
