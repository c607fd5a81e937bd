"""The node-failure drill on the 3-node grid (GRID_NODES=3): a stateful job with three containers, its code
shipped from HDFS, its changelog, checkpoints and coordinator stream replicated three ways, under steady input.

kill -9 of a container brings it back on its node, where it reuses its local snapshot and replays only the
changelog tail; stopping a node (as a crash would) moves that node's containers to the other two without
counting failures, they restore from the replicated changelog, and after all input the per-user counts equal
the input exactly, before and after the node (and its broker) comes back."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import KAFKA_BOOTSTRAP, ROOT, run_grid
from .jobs import end_offsets, read_topic, run_job, wait_for, wait_for_counts
from .test_yarn_job import container_pids, wait_for_state

pytestmark = pytest.mark.multinode

COUNTS_CONFIG = ROOT / "config" / "wikipedia-user-counts.properties"
PARTITIONS = 6
GRID_FS = os.environ.get("GRID_FS", "hdfs://127.0.0.1:8020")
RM_WEB = os.environ.get("GRID_RM_WEB", "http://127.0.0.1:8088")
RUNS_ON = re.compile(r"container (\S+) of processor (\d+) runs on (\S+)")
RESTORED = re.compile(r"restored store 'user-edit-counts' .*?: (\d+) records")


def deploy_dir() -> Path:
    return Path(os.environ.get("HADOOP_CONF_DIR") or ROOT / "deploy" / "conf").parent


def app_dirs(app_id: str) -> list[Path]:
    """The application's log directories on every node of the grid."""
    deploy = deploy_dir()
    return sorted({*deploy.glob(f"nodes/*/userlogs/{app_id}"), *deploy.glob(f"nodes/*/yarn/userlogs/{app_id}"),
                   *deploy.glob(f"yarn/userlogs/{app_id}")})


def am_log(app_id: str) -> str:
    return "\n".join(p.read_text() for d in app_dirs(app_id) for p in sorted(d.glob("container_*_000001/"
                                                                                     "application.driver.log")))


def container_logs(app_id: str, processor: str) -> list[str]:
    """Each container's log of one processor, in container order."""
    logs = sorted((p for d in app_dirs(app_id) for p in d.glob("container_*/samza-container-*.log")),
                  key=lambda p: p.parent.name)
    return [text for p in logs if f"[container {processor}]" in (text := p.read_text())]


def keep_logs(app_id: str) -> Path:
    """A copy of the application's logs from every node, where the next grid's bootstrap does not reach."""
    kept = ROOT / "build" / "test-logs" / app_id
    for directory in app_dirs(app_id):
        shutil.copytree(directory, kept / directory.relative_to(deploy_dir()), dirs_exist_ok=True)
    return kept


def placements(app_id: str) -> dict[str, str]:
    """Processor → the node its latest container runs on, as the AM logged it."""
    return {pid: host for _cid, pid, host in RUNS_ON.findall(am_log(app_id))}


def rm_nodes() -> dict[str, str]:
    with urllib.request.urlopen(f"{RM_WEB}/ws/v1/cluster/nodes?states=NEW,RUNNING,UNHEALTHY,LOST,SHUTDOWN",
                                timeout=10) as answer:
        nodes = json.load(answer)["nodes"] or {"node": []}
    return {n["nodeHostName"]: n["state"] for n in nodes["node"]}


def broker_count() -> int:
    return len(AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP}).list_topics(timeout=10).brokers)


def topic_replication(topic: str) -> tuple[int, str]:
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    replicas = len(admin.list_topics(topic, timeout=10).topics[topic].partitions[0].replicas)
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return replicas, admin.describe_configs([resource])[resource].result(30)["min.insync.replicas"].value


class SteadyFeed(threading.Thread):
    """Produces the Wikipedia events round after round at a steady pace, counting the truth per (partition,
    user) as it goes, until stopped."""

    def __init__(self, topic: str, per_second: int = 400) -> None:
        super().__init__(daemon=True)
        self.topic, self.per_second = topic, per_second
        self.truth: Counter[tuple[int, str]] = Counter()
        self.sent = 0
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5, "acks": "all",
                             "enable.idempotence": True})
        events = wikipedia_events()
        try:
            rounds = 0
            while not self.halt.is_set():
                for j, event in enumerate(events):
                    partition = (self.sent + j) % PARTITIONS
                    value = dict(event, source=f"round-{rounds}")
                    producer.produce(self.topic, json.dumps(value).encode(), None, partition)
                    if (edit := parse_edit(event["raw"])) is not None:
                        self.truth[(partition, edit["user"])] += 1
                    if j % 100 == 99:
                        producer.poll(0)
                        time.sleep(100 / self.per_second)  # pacing the feed, not waiting for anything
                self.sent += len(events)
                rounds += 1
            assert producer.flush(60) == 0, "the feed's producer could not deliver everything"
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def stop(self) -> dict[tuple[int, str], int]:
        self.halt.set()
        self.join(120)
        assert not self.is_alive(), "the feed did not stop"
        if self.error is not None:
            raise self.error
        return dict(self.truth)


@pytest.fixture(scope="module")
def package_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """samza-py packaged once and put on HDFS: the example task ships inside it."""
    job_dir = tmp_path_factory.mktemp("drill-job")
    (job_dir / "README").write_text("The drill runs samza-py's own example task.\n")
    url = f"{GRID_FS}/apps/drill-{os.getpid()}/job.tar.gz"
    built = subprocess.run([str(ROOT / "bin" / "package"), str(job_dir), url], capture_output=True, text=True,
                           timeout=900, env=dict(os.environ))
    assert built.returncode == 0, built.stderr[-3000:]
    yield url


def drill_overrides(unique: str, package_url: str) -> list[str]:
    values = {
        "job.factory.class": "org.apache.samza.job.yarn.YarnJobFactory",
        "job.name": f"drill-{unique}",
        "job.container.count": "3",
        "task.inputs": f"kafka.{unique}-raw",
        "task.commit.ms": "500",
        "wikipedia.user-counts.output": f"kafka.{unique}-counts",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.default.stream.replication.factor": "3",
        "stores.user-edit-counts.changelog": f"kafka.{unique}-changelog",
        "stores.user-edit-counts.changelog.replication.factor": "3",
        "stores.user-edit-counts.changelog.kafka.min.insync.replicas": "2",
        "task.checkpoint.replication.factor": "3",
        "task.checkpoint.kafka.min.insync.replicas": "2",
        "job.coordinator.replication.factor": "3",
        "job.coordinator.kafka.min.insync.replicas": "2",
        "job.host-affinity.enabled": "true",
        "cluster-manager.container.request.timeout.ms": "10000",
        "yarn.package.path": package_url,
        "yarn.am.container.memory.mb": "512",
        "cluster-manager.container.memory.mb": "512",
        "yarn.am.poll.interval.ms": "500",
    }
    return [f"{k}={v}" for k, v in values.items()]


def test_a_stateful_job_survives_kill_9_and_the_loss_of_a_node(
    skein_client: Any, unique: str, package_url: str, tmp_path: Path
) -> None:
    assert sorted(rm_nodes()) == ["node1", "node2", "node3"], "the drill needs GRID_NODES=3"
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    admin.create_topics([NewTopic(f"{unique}-raw", PARTITIONS, 3)])[f"{unique}-raw"].result(30)
    feed = SteadyFeed(f"{unique}-raw")
    feed.start()
    submitted = run_job(COUNTS_CONFIG, *drill_overrides(unique, package_url), cwd=tmp_path, timeout_s=180)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    app_id = wait_for_state(skein_client, f"drill-{unique}_1", {"RUNNING"}).id
    victim: str | None = None
    try:
        wait_for(lambda: len(placements(app_id)) == 3, 240, "three running containers")
        first = placements(app_id)
        assert set(first.values()) <= {"node1", "node2", "node3"}
        # Replicated three ways, two in sync: the changelog, the checkpoints and the coordinator stream.
        for topic in (f"{unique}-changelog", f"__samza_checkpoint_ver_1_for_drill-{unique}_1",
                      f"__samza_coordinator_drill-{unique}_1"):
            wait_for(lambda t=topic: t in admin.list_topics(timeout=10).topics, 60, f"topic {topic}")
            assert topic_replication(topic) == (3, "2"), topic

        # 1. kill -9 of processor 0's container: back on its node, only the changelog tail replayed.
        # Running in YARN's terms includes localizing the package (tens of MB from HDFS): wait for the processes.
        wait_for(lambda: all(container_pids(app_id, f"samza-container-{p}_0") for p in "012"), 300,
                 "the three containers' processes")
        # Processor 0 has tasks Partition 0 and 3, so changelog partitions 0 and 3.
        wait_for(lambda: min(end_offsets(f"{unique}-changelog")[p] for p in (0, 3)) >= 1000, 240,
                 "state in processor 0's stores")
        pids = container_pids(app_id, "samza-container-0_0")
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: "requested container for processor 0 (restart after failure 1)" in am_log(app_id), 120,
                 "the AM to restart processor 0")
        wait_for(lambda: len(container_logs(app_id, "0")) == 2
                 and len(RESTORED.findall(container_logs(app_id, "0")[1])) == 2, 240, "the replacement's restore")
        assert placements(app_id)["0"] == first["0"], "the replacement came back on another node"
        replacement = container_logs(app_id, "0")[1]
        assert "reusing local snapshot" in replacement
        replayed = sum(int(n) for n in RESTORED.findall(replacement))
        store_size = sum(1 for _ in read_topic(f"{unique}-changelog"))
        assert replayed < store_size // 10, (replayed, store_size)

        # 2. A node holding a container (not the AM's) is lost: its containers move, uncounted.
        am_host = skein_client.application_report(app_id).host
        now = placements(app_id)
        victim = next(n for n in ("node3", "node2", "node1") if n != am_host and n in now.values())
        moved = sorted(p for p, n in now.items() if n == victim)
        run_grid("stop-node", victim)
        wait_for(lambda: rm_nodes().get(victim) == "LOST", 90, f"YARN to declare {victim} lost")
        wait_for(lambda: all(placements(app_id).get(p) not in (None, victim) for p in moved), 240,
                 f"processors {moved} to run on another node")
        log = am_log(app_id)
        for processor in moved:
            # Seen by the AM at once when its liveness socket closes and the node does not answer, else when
            # YARN declares the node lost.
            assert (f"of processor {processor} ended by YARN, not counted" in log
                    or re.search(rf"of processor {processor} lost with its node {victim} \(unreachable\), not counted",
                                 log)), log[-3000:]
        assert "failure 2" not in log and "(failure 1)" in log  # only the kill -9 counted as a failure
        truth = feed.stop()
        wait_for_counts(unique, truth, 300, "the counts to equal the input")

        # 3. The node comes back: it rejoins, and more input still counts exactly once.
        run_grid("start-node", victim)
        wait_for(lambda: rm_nodes().get(victim) == "RUNNING", 120, f"{victim} to rejoin YARN")
        wait_for(lambda: broker_count() == 3, 120, f"{victim}'s broker to rejoin")
        victim = None
        more = SteadyFeed(f"{unique}-raw")
        more.start()
        wait_for(lambda: more.sent >= 2 * len(wikipedia_events()), 60, "two more rounds of input")
        extra = more.stop()
        total = Counter(truth)
        total.update(extra)
        wait_for_counts(unique, dict(total), 300, "the counts to equal all input")
    except BaseException:
        print(f"the drill failed; the application's logs are kept in {keep_logs(app_id)}")
        raise
    finally:
        skein_client.kill_application(app_id)
        if feed.is_alive():
            feed.halt.set()
        if victim is not None:
            run_grid("start-node", victim, check=False)
