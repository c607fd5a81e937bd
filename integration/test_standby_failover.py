"""The standby failover drill on the 3-node grid (GRID_NODES=3): a job with one container holding a task with
1.2 GB of state (12,000,000 records) and, with ``job.standbytask.replication.factor=2``, a standby container
on another node that keeps a copy of that state by tailing its changelog.

The active container is killed with kill -9 and its node's copy of the state is deleted, as when a node's
disk is lost (a container that merely dies on a healthy node comes back there by host affinity and finds
its state anyway). The time from the kill to the first output written after it is measured twice: with the
standby (the AM moves the container to the standby's node, which replays only the changelog written since
the standby's last snapshot) and without it (the same job resubmitted with a factor of 1: the container
restarts on its node and restores the whole changelog). The drill asserts the first is at most a fifth of
the second, and prints both."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from samza_py.job.status_summary import STATUS_URL_KEY, fetch_status

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import count_messages, create_topic, end_offsets, latest_checkpoints, run_job, wait_for
from .test_multinode_drill import deploy_dir, rm_nodes
from .test_yarn_job import YARN, container_pids, wait_for_state

pytestmark = pytest.mark.multinode

# Enough state that restoring it is most of the downtime without a standby: with the restore's write batch
# filled in C, 500 MB restored in ~6.5 s here, too little beside the ~2.8 s a failover takes for the fifth.
RECORDS = 12_000_000
VALUE_SIZE = 88  # with its 10-character key, 100 bytes a record
STATE_MB = RECORDS * 100 // 1_000_000
FILL_BATCH = 10_000


def write_job(tmp_path: Path, unique: str, factor: int) -> Path:
    shutil.copy(ROOT / "integration" / "standby_task.py", tmp_path / "standby_drill_task.py")
    values = {
        "job.factory.class": YARN, "job.name": f"standby-{unique}", "job.container.count": "1",
        "job.default.system": "kafka",
        "job.host-affinity.enabled": "true", "job.standbytask.replication.factor": str(factor),
        "task.class": "standby_drill_task.BigStateTask", "task.inputs": f"kafka.{unique}-in",
        "task.commit.ms": "2000", "drill.output": f"{unique}-out",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.samza.msg.serde": "string", "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.default.stream.replication.factor": "1",
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "task.checkpoint.replication.factor": "1", "job.coordinator.replication.factor": "1",
        "stores.big.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.big.key.serde": "string", "stores.big.msg.serde": "string",
        "stores.big.changelog": f"kafka.{unique}-changelog", "stores.big.changelog.replication.factor": "1",
        "metrics.reporters": "jmx",
        "metrics.reporter.jmx.class": "org.apache.samza.metrics.reporter.JmxReporterFactory",
        "yarn.am.poll.interval.ms": "500", "cluster-manager.container.request.timeout.ms": "20000",
        "yarn.am.container.memory.mb": "512", "cluster-manager.container.memory.mb": "768",
    }
    path = tmp_path / f"standby-{factor}.properties"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return path


class Ticks(threading.Thread):
    """Steady input while the drill kills and restarts: tick-0, tick-1, … at about 20 a second."""

    def __init__(self, topic: str) -> None:
        super().__init__(daemon=True)
        self.topic, self.sent, self.halt = topic, 0, threading.Event()

    def run(self) -> None:
        producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
        while not self.halt.is_set():
            producer.produce(self.topic, f"tick-{self.sent}".encode(), partition=0)
            producer.poll(0)
            self.sent += 1
            self.halt.wait(0.05)  # pacing the feed, not waiting for anything
        assert producer.flush(30) == 0

    def stop(self) -> None:
        self.halt.set()
        self.join(60)


def first_output_after(topic: str, start: int, after_ms: int, timeout_s: float) -> int:
    """The timestamp (ms) of the first record at or past ``start`` written after ``after_ms``."""
    consumer = Consumer({"bootstrap.servers": KAFKA_BOOTSTRAP, "group.id": f"drill-{time.time_ns()}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, start)])
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            for msg in consumer.consume(500, timeout=0.5):
                if msg.error() is None and msg.timestamp()[1] > after_ms:
                    return int(msg.timestamp()[1])
        raise AssertionError(f"no output in {topic} after {after_ms} within {timeout_s:.0f} s")
    finally:
        consumer.close()


def status_of(skein_client: Any, app_id: str) -> dict[str, Any] | None:
    """The AM's status API, found through its key-value store (the page's own server on the AM's node)."""
    try:
        url = skein_client.connect(app_id).kv.get(STATUS_URL_KEY)
        return None if url is None else fetch_status(url.decode())
    except (OSError, ValueError):
        return None  # not serving yet


def restored(status: dict[str, Any], killed_container: str) -> bool:
    """Whether container 0 runs in another YARN container than the killed one, its restore done and reported."""
    now = [c for c in status["containers"] if c["id"] == "0" and c["state"] == "RUNNING"
           and c["yarn_container"] != killed_container and c["tasks"]]
    return bool(now) and bool(now[0]["tasks"][0]["restore"].get("big", {}).get("done"))


def container(status: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(c for c in status["containers"] if c["id"] == pid)


def checkpointed_offset(job: str, inputs: str) -> int:
    """The input offset in the job's newest (v1) checkpoint of its one partition; -1 before its first."""
    return latest_checkpoints(f"__samza_checkpoint_ver_1_for_{job}_1", stream=inputs).get(0, -1)


def wait_for_a_new_checkpoint(job: str, inputs: str, timeout_s: float = 60) -> None:
    """Until the job checkpoints past what it had checkpointed at the call (the ticks move its offset on)."""
    before = checkpointed_offset(job, inputs)
    wait_for(lambda: checkpointed_offset(job, inputs) > before, timeout_s,
             f"a checkpoint of {job} past input offset {before}")


def kill_active_and_lose_its_state(app_id: str, status: dict[str, Any], job: str) -> tuple[int, str]:
    """kill -9 of container 0, its node's state deleted; (the kill's time in ms, the node it ran on)."""
    active = container(status, "0")
    pids = container_pids(app_id, active["yarn_container"])
    assert pids, f"no process of {active['yarn_container']}"
    killed_ms = int(time.time() * 1000)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(deploy_dir() / "nodes" / active["host"] / "state" / f"{job}-1")
    return killed_ms, active["host"]


def test_a_standby_makes_failover_at_least_five_times_faster(skein_client: Any, unique: str, tmp_path: Path) -> None:
    assert sorted(rm_nodes()) == ["node1", "node2", "node3"], "the drill needs GRID_NODES=3"
    job, inputs, output = f"standby-{unique}", f"{unique}-in", f"{unique}-out"
    create_topic(inputs, 1)
    create_topic(output, 1)
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 20})
    fills = RECORDS // FILL_BATCH
    for n in range(fills):
        producer.produce(inputs, f"fill {n * FILL_BATCH} {FILL_BATCH} {VALUE_SIZE}".encode(), partition=0)
    assert producer.flush(30) == 0

    # 1. With a standby.
    submitted = run_job(write_job(tmp_path, unique, 2), cwd=tmp_path, timeout_s=180)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    report = wait_for_state(skein_client, f"{job}_1", {"RUNNING"})
    ticks = Ticks(inputs)
    try:
        def filled() -> bool:
            state = str(skein_client.application_report(report.id).state)
            assert state == "RUNNING", f"the job is {state}"
            return count_messages(output) >= fills

        wait_for(filled, 900, f"the task to fill its {STATE_MB:,} MB of state")

        def standby_lag() -> int | None:
            status = status_of(skein_client, report.id) or {"containers": []}
            standbys = [c for c in status["containers"] if c["id"] == "0-0" and c["state"] == "RUNNING"]
            return standbys[0]["tasks"][0]["lag"] if standbys else None

        wait_for(lambda: standby_lag() == 0, 600, "the standby to copy the state")
        status = status_of(skein_client, report.id)
        assert status is not None
        assert container(status, "0-0")["mode"] == "standby"
        assert container(status, "0-0")["host"] != container(status, "0")["host"]
        standby_host = container(status, "0-0")["host"]
        ticks.start()
        wait_for(lambda: count_messages(output) >= fills + 40, 120, "ticks to be echoed")
        # A commit of the ticks, and the standby's copy caught up with the changelog after it (it snapshots
        # what it applied every task.commit.ms); the kill then comes mid-interval, the common case.
        wait_for_a_new_checkpoint(job, inputs)
        # With ticks flowing the gauge may trail by the last few (it is scraped every 2 s).
        wait_for(lambda: (lag := standby_lag()) is not None and lag <= 10, 60,
                 "the standby's copy to catch up after the checkpoint")
        start = end_offsets(output)[0]
        killed_container = container(status, "0")["yarn_container"]
        killed_ms, lost_host = kill_active_and_lose_its_state(report.id, status, job)
        with_standby_s = (first_output_after(output, start, killed_ms, 600) - killed_ms) / 1000

        def moved() -> dict[str, Any] | None:
            """The status once container 0 runs again and its restore is reported (a scrape of its metrics)."""
            now = status_of(skein_client, report.id) or {"containers": []}
            return now if restored(now, killed_container) else None

        wait_for(lambda: moved() is not None, 120, "container 0 running again")
        after = moved()
        assert after is not None and after["failovers_to_standby"] == 1
        assert container(after, "0")["host"] == standby_host and standby_host != lost_host
        restore = container(after, "0")["tasks"][0]["restore"]["big"]
        assert restore["total"] < RECORDS // 10, restore  # only the changelog written since the last snapshot
    finally:
        ticks.stop()
        skein_client.kill_application(report.id)
    wait_for_state(skein_client, f"{job}_1", {"KILLED", "FAILED", "FINISHED"})

    # 2. The same job without a standby: it comes back on its node (host affinity), state and all, then
    # loses it the same way.
    submitted = run_job(write_job(tmp_path, unique, 1), cwd=tmp_path, timeout_s=180)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    report = wait_for_state(skein_client, f"{job}_1", {"RUNNING"})
    ticks = Ticks(inputs)
    try:
        echoed = count_messages(output)
        ticks.start()
        wait_for(lambda: count_messages(output) >= echoed + 40, 600, "ticks to be echoed after the resubmit")

        def running() -> dict[str, Any] | None:
            now = status_of(skein_client, report.id) or {"containers": []}
            return now if [c for c in now["containers"] if c["id"] == "0" and c["state"] == "RUNNING"] else None

        wait_for(lambda: running() is not None, 60, "container 0 in the status")
        status = running()
        assert status is not None and [c["id"] for c in status["containers"]] == ["0"]
        wait_for_a_new_checkpoint(job, inputs)  # as above (no standby here)
        start = end_offsets(output)[0]
        killed_container = container(status, "0")["yarn_container"]
        killed_ms, lost_host = kill_active_and_lose_its_state(report.id, status, job)
        without_standby_s = (first_output_after(output, start, killed_ms, 900) - killed_ms) / 1000

        def restarted() -> dict[str, Any] | None:
            now = status_of(skein_client, report.id) or {"containers": []}
            return now if restored(now, killed_container) else None

        wait_for(lambda: restarted() is not None, 120, "container 0 running again")
        after = restarted()
        assert after is not None
        restore = container(after, "0")["tasks"][0]["restore"]["big"]
        assert restore["total"] >= RECORDS, restore  # the whole changelog
    finally:
        ticks.stop()
        skein_client.kill_application(report.id)
    print(f"\nkill -9 to processing again, {RECORDS:,} records ({STATE_MB:,} MB) of state lost with the node's disk: "
          f"{with_standby_s:.1f} s with a standby, {without_standby_s:.1f} s without "
          f"(ratio {with_standby_s / without_standby_s:.2f})")
    assert with_standby_s * 5 <= without_standby_s
