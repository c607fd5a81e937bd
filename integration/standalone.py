"""Helpers for the standalone (ZooKeeper) tests: the job's config, run-app processes, the group's state."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from confluent_kafka import Producer
from kazoo.client import KazooClient

from samza_py.config.config import Config
from samza_py.coordinator.zk import barrier
from samza_py.coordinator.zk.job_models import read_job_model, read_version
from samza_py.coordinator.zk.membership import list_members
from samza_py.coordinator.zk.paths import ZkPaths

from .conftest import KAFKA_BOOTSTRAP, ROOT, ZOOKEEPER_CONNECT
from .jobs import create_topic

RUN_APP = Path(sys.executable).parent / "run-app"
PARTITIONS = 6
KEYS = 13


def job_properties(unique: str, zk_connect: str = ZOOKEEPER_CONNECT) -> dict[str, str]:
    return {
        "job.name": f"zk-{unique}",
        "job.coordinator.factory": "org.apache.samza.zk.ZkJobCoordinatorFactory",
        "job.coordinator.zk.connect": zk_connect,
        "job.coordinator.zk.session.timeout.ms": "6000",
        "job.coordinator.zk.connection.timeout.ms": "10000",
        "job.coordinator.zk.consensus.timeout.ms": "30000",
        "job.debounce.time.ms": "1000",
        "job.default.system": "kafka",
        "task.class": "integration.standalone_task.KeyCountTask",
        "task.inputs": f"kafka.{unique}-in",
        "task.commit.ms": "500",
        "task.shutdown.ms": "20000",
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "serializers.registry.integer.class": "org.apache.samza.serializers.IntegerSerdeFactory",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.samza.key.serde": "string",
        "systems.kafka.samza.msg.serde": "string",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.default.stream.replication.factor": "1",
        "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": f"kafka.{unique}-changelog",
        "stores.counts.changelog.replication.factor": "1",
    }


def write_config(path: Path, properties: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
    return path


class Processor:
    """One ``run-app`` process in its own directory (its own ``./state``, as on its own host)."""

    def __init__(self, config: Path, processor_id: str, base: Path, *overrides: str, set_id: bool = True) -> None:
        """``set_id=False`` leaves ``processor.id`` unset (the processor generates one); ``processor_id`` then
        only names its directory."""
        self.processor_id = processor_id
        self.dir = base / processor_id
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "run-app.log"
        cmd = [str(RUN_APP), "--config-path", str(config)]
        if set_id:
            cmd += ["--config", f"processor.id={processor_id}"]
        for override in overrides:
            cmd += ["--config", override]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(cmd, cwd=self.dir, stdout=out, stderr=subprocess.STDOUT, env=env)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self, timeout_s: float = 60) -> int:
        if self.alive():
            self.process.send_signal(signal.SIGCONT)  # in case a test left it frozen
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)


def run_app_status(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RUN_APP), "--config-path", str(config), "--operation", "status"],
                          capture_output=True, text=True, timeout=60, cwd=cwd,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


def zk_client(connect: str = ZOOKEEPER_CONNECT) -> KazooClient:
    client = KazooClient(hosts=connect, timeout=10)
    client.start(timeout=15)
    return client


def group_state(zk: KazooClient, properties: dict[str, str]) -> tuple[set[str], dict[str, set[str]] | None]:
    """Live processor ids, and the tasks of each processor in the active model once its barrier is DONE."""
    paths = ZkPaths.from_config(Config(properties))
    if zk.exists(paths.processors) is None:
        return set(), None
    live = {m.processor_id for m in list_members(zk, paths)}
    active = read_version(zk, paths.active_job_model_version)
    latest = read_version(zk, paths.job_model_version)
    if active is None or active != latest or barrier.barrier_state(zk, paths, active) != barrier.DONE:
        return live, None
    model = read_job_model(zk, paths, active)
    return live, {pid: set(c.tasks) for pid, c in model.containers.items()}


def settled_on(zk: KazooClient, properties: dict[str, str], processor_ids: set[str]) -> bool:
    """The group is exactly ``processor_ids`` and their active model splits every task among all of them."""
    live, assignment = group_state(zk, properties)
    if live != processor_ids or assignment is None or set(assignment) != processor_ids:
        return False
    tasks = [t for ts in assignment.values() for t in ts]
    return len(tasks) == len(set(tasks)) == PARTITIONS and all(assignment.values())


def produce_keys(topic: str, start: int, count: int, producer: Producer | None = None) -> Counter[tuple[int, str]]:
    """Messages start..start+count-1: message j has key k<j % KEYS> and goes to partition j % PARTITIONS."""
    producer = producer or Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    truth: Counter[tuple[int, str]] = Counter()
    for j in range(start, start + count):
        key = f"k{j % KEYS}"
        producer.produce(topic, str(j).encode(), key.encode(), j % PARTITIONS)
        truth[(j % PARTITIONS, key)] += 1
        if j % 1000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    return truth


def create_input(unique: str) -> None:
    create_topic(f"{unique}-in", PARTITIONS)


def started_tasks(processor: Processor) -> list[list[str]]:
    """The task lists the processor's containers started with, in order (from its log)."""
    out = []
    for line in processor.text().splitlines():
        if "started container for job model version" in line:
            out.append(json.loads(line.split("with task(s) ", 1)[1].replace("'", '"')))
    return out



class SteadyInput:
    """Messages produced in a background thread, a batch every 50 ms, until stopped; keeps the truth."""

    def __init__(self, topic: str, batch: int = 40) -> None:
        self.topic, self.batch = topic, batch
        self.truth: Counter[tuple[int, str]] = Counter()
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
        while not self._stop.wait(0.05):
            self.truth.update(produce_keys(self.topic, self.sent, self.batch, producer))
            self.sent += self.batch

    def stop(self) -> Counter[tuple[int, str]]:
        self._stop.set()
        self._thread.join(60)
        return self.truth


class PrivateZooKeeper:
    """A ZooKeeper of the test's own on a free loopback port (the grid's is shared and must stay up),
    from the same Debian jars the grid runs; ``restart`` keeps its data, so sessions survive a short outage."""

    JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar")

    def __init__(self, directory: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = directory
        (directory / "data").mkdir(parents=True, exist_ok=True)
        # tickTime 500: sessions of 1 to 10 s are allowed, so the tests' 6 s is taken as asked.
        self.cfg = directory / "zoo.cfg"
        self.cfg.write_text(
            f"tickTime=500\ndataDir={directory / 'data'}\nclientPort={self.port}\nclientPortAddress=127.0.0.1\n"
            "admin.enableServer=false\n4lw.commands.whitelist=ruok,srvr\n")
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def connect(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        java = Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "java"
        with (self.dir / "zookeeper.log").open("ab") as out:
            self.process = subprocess.Popen(
                [str(java), "-Xmx64m", "-cp", ":".join(self.JARS), "-Dzookeeper.log.dir=" + str(self.dir),
                 "org.apache.zookeeper.server.ZooKeeperServerMain", str(self.cfg)],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, (self.dir / "zookeeper.log").read_text()[-2000:]
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            assert time.monotonic() < deadline, "the private ZooKeeper did not open its port within 30 s"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
