"""Jobs on the grid's YARN: the skein-launched ApplicationMaster and its containers."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import skein

from samza_py.config.loader import load_config
from samza_py.coordinator.stream import CoordinatorStream, container_hosts
from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import parsable_count, wikipedia_events

from .conftest import ROOT
from .jobs import count_messages, create_topic, produce_round_robin, read_topic, run_job, wait_for

pytestmark = pytest.mark.yarn_core

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"
# The grid that runs the tests keeps its NodeManager's logs beside its conf (HADOOP_CONF_DIR, from deploy/env),
# which may be another checkout's grid.
USERLOGS = Path(os.environ.get("HADOOP_CONF_DIR") or ROOT / "deploy" / "conf").parent / "yarn" / "userlogs"
YARN = "org.apache.samza.job.yarn.YarnJobFactory"


def yarn_overrides(unique: str, **extra: str) -> list[str]:
    values = {
        "job.factory.class": YARN,
        "job.name": f"yarn-{unique}",
        "job.container.count": "2",
        "task.inputs": f"kafka.{unique}-raw",
        "wikipedia.parser.output": f"kafka.{unique}-edits",
        "yarn.am.container.memory.mb": "512",
        "cluster-manager.container.memory.mb": "384",
        "yarn.am.poll.interval.ms": "500",
        **extra,
    }
    return [f"{k}={v}" for k, v in values.items()]


def app_of(client: Any, name: str) -> Any:
    apps = client.get_applications(states=["SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"],
                                   name=name)
    assert apps, f"no application {name}"
    return max(apps, key=lambda r: r.start_time)


def wait_for_state(client: Any, name: str, states: set[str], timeout_s: float = 180) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        report = app_of(client, name)
        if str(report.state) in states:
            return report
        assert time.monotonic() < deadline, f"{name} is {report.state}, not {states}: {report.diagnostics}"
        time.sleep(0.5)


def am_log(app_id: str) -> str:
    logs = sorted(USERLOGS.glob(f"{app_id}/container_*_000001/application.driver.log"))
    return "\n".join(p.read_text() for p in logs)


def container_log(app_id: str, yarn_container_id: str) -> str:
    return "\n".join(p.read_text() for p in sorted(USERLOGS.glob(f"{app_id}/{yarn_container_id}/*.log")))


def identities(unique: str) -> list[tuple[str, str]]:
    """(source, diff-url) of every edit the job wrote: one per parsable input line."""
    return [(e["source"], e["diff-url"]) for e in (json.loads(m.value()) for m in read_topic(f"{unique}-edits"))]


def assert_same_identities(got: set[tuple[str, str]], expected: set[tuple[str, str]]) -> None:
    """Equal sets, reported as counts and samples (pytest's own diff of ~40,000 items takes minutes)."""
    missing, extra = sorted(expected - got), sorted(got - expected)
    assert not missing and not extra, (
        f"{len(missing)} edit(s) missing, e.g. {missing[:3]}; {len(extra)} unexpected, e.g. {extra[:3]}")


def container_pids(app_id: str, skein_container_id: str) -> list[int]:
    """The Python processes of one skein container (found by their environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
            cmd = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if (f"SKEIN_CONTAINER_ID={skein_container_id}".encode() in env
                and f"SKEIN_APPLICATION_ID={app_id}".encode() in env and b"samza_py.container" in cmd):
            found.append(int(proc.name))
    return found


@pytest.fixture(scope="module")
def client() -> Any:
    with skein.Client(log=False) as c:
        yield c


def test_parser_job_on_yarn_runs_reports_and_is_killed(client: Any, unique: str, tmp_path: Path) -> None:
    events = wikipedia_events()
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in events))
    name = f"yarn-{unique}_1"

    submitted = run_job(PARSER_CONFIG, *yarn_overrides(unique), cwd=tmp_path, timeout_s=120)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    report = wait_for_state(client, name, {"RUNNING"})
    assert f"submitted {name} as {report.id}" in submitted.stdout

    wait_for(lambda: count_messages(f"{unique}-edits") >= parsable_count(events), 180, "every edit")
    edits = Counter(identities(unique))
    expected = Counter((e["source"], p["diff-url"]) for e in events if (p := parse_edit(e["raw"])) is not None)
    assert edits == expected

    status = run_job(PARSER_CONFIG, *yarn_overrides(unique), cwd=tmp_path, operation="status", timeout_s=120)
    assert f"{name}: {report.id} RUNNING, 2 container(s)" in status.stdout, status.stdout + status.stderr
    assert "job model: 4 task(s) in 2 container(s)" in am_log(report.id)

    killed = run_job(PARSER_CONFIG, *yarn_overrides(unique), cwd=tmp_path, operation="kill", timeout_s=120)
    assert killed.returncode == 0 and f"killed {report.id}" in killed.stdout
    assert str(wait_for_state(client, name, {"KILLED", "FINISHED", "FAILED"}).state) == "KILLED"


def test_kill_9_of_a_container_is_replaced_and_loses_nothing(client: Any, unique: str, tmp_path: Path) -> None:
    copies = 40
    replayed = [dict(e, source=f"replay-{c}") for c in range(copies) for e in wikipedia_events()]
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in replayed))
    name = f"yarn-{unique}_1"
    overrides = yarn_overrides(unique, **{"task.commit.ms": "300", "job.host-affinity.enabled": "true"})
    assert run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120).returncode == 0
    app_id = wait_for_state(client, name, {"RUNNING"}).id
    try:
        wait_for(lambda: count_messages(f"{unique}-edits") >= 2000, 180, "the first edits")
        wait_for(lambda: bool(container_pids(app_id, "samza-container-0_0")), 30, "container 0's process")
        for pid in container_pids(app_id, "samza-container-0_0"):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: "requested container for processor 0 (restart after failure 1)" in am_log(app_id), 120,
                 "the AM to restart processor 0")
        expected = {(e["source"], p["diff-url"]) for e in replayed if (p := parse_edit(e["raw"])) is not None}

        # Replayed duplicates make the count reach the total before the replacement has caught up: wait for the
        # identities themselves (nothing lost; duplicates only add to counts).
        wait_for(lambda: count_messages(f"{unique}-edits") >= len(expected), 300, "as many edits as the input")
        wait_for(lambda: expected <= set(identities(unique)), 300, "every edit")
        assert_same_identities(set(identities(unique)), expected)
        # The AM sees the process gone through its liveness socket and names the exit status once reported, or,
        # when the kill came before the AM was watching it, hears it from YARN with its exit status.
        wait_for(lambda: any(line in am_log(app_id) for line in (
            "container samza-container-0_0 of processor 0 had exited with status 137",
            "container samza-container-0_0 of processor 0 failed (failure 1): exit status 137")),
            60, "the exit status of the killed container")
        log = am_log(app_id)
        assert "container samza-container-0_0 of processor 0 failed (failure 1): exit status" in log
        # Host affinity: the replacement was asked for on the node processor 0 ran on (that node's service,
        # strict locality) and came back there; each container recorded its YARN node ($NM_HOST) itself.
        app = client.connect(app_id, wait=False)
        node = client.get_nodes()[0].host
        assert (f"requested container for processor 0 (restart after failure 1): samza-container-on-{node}_0 "
                f"on host {node}") in log
        assert "asking for any host" not in log
        running = {f"{c.service_name}_{c.instance}": c for c in app.get_containers(states=["RUNNING"])}
        replacement = running[f"samza-container-on-{node}_0"]
        assert replacement.yarn_node_http_address.rsplit(":", 1)[0] == node
        assert "samza-container-1_0" in running and len(running) == 2
        config = load_config([str(PARSER_CONFIG)], overrides)
        assert container_hosts(CoordinatorStream(config).read()) == {"0": node, "1": node}
        assert f"container 0 runs on {node}" in container_log(app_id, replacement.yarn_container_id)
        status = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, operation="status", timeout_s=120)
        assert f"container 0: RUNNING on {node} (samza-container-on-{node}_0), restarts 1" in status.stdout, \
            status.stdout + status.stderr
    finally:
        client.kill_application(app_id)


FAILING_TASK = '''
from samza_py.api import StreamTask

class AlwaysFailsTask(StreamTask):
    def process(self, envelope, collector, coordinator):
        raise RuntimeError(f"cannot handle offset {envelope.offset}")
'''


def test_a_task_failing_every_message_fails_the_job_after_the_retries(
    client: Any, unique: str, tmp_path: Path
) -> None:
    # The task's module sits in run-job's working directory; on the grid the containers import it from there.
    (tmp_path / "failing_task.py").write_text(FAILING_TASK)
    create_topic(f"{unique}-raw", 1)
    produce_round_robin(f"{unique}-raw", 1, [b'{"raw": "x"}'] * 5)
    name = f"yarn-{unique}_1"
    overrides = yarn_overrides(unique, **{
        "task.class": "failing_task.AlwaysFailsTask",
        "job.container.count": "1",
        "cluster-manager.container.retry.count": "2",
    })
    submitted = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    report = wait_for_state(client, name, {"FINISHED", "FAILED", "KILLED"}, timeout_s=300)
    assert str(report.final_status) == "FAILED"
    assert "processor 0 failed 3 time(s)" in report.diagnostics
    assert "cluster-manager.container.retry.count=2" in report.diagnostics
    assert "exit status 1" in report.diagnostics
    log = am_log(report.id)
    assert [f"failure {n})" in log for n in (1, 2, 3)] == [True, True, True]
    status = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, operation="status", timeout_s=120)
    assert "processor 0 failed 3 time(s)" in status.stdout


def test_invalid_config_never_reaches_yarn(client: Any, unique: str, tmp_path: Path) -> None:
    result = run_job(PARSER_CONFIG, *yarn_overrides(unique, **{"task.window.ms": "soon", "task.class": "nope.Task"}),
                     cwd=tmp_path, timeout_s=120)
    assert result.returncode == 2
    assert "task.window.ms" in result.stderr and "task.class" in result.stderr
    assert not client.get_applications(states=["SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"],
                                       name=f"yarn-{unique}_1")
