"""Exactly-once on the real broker: a stateful counter whose container is killed with SIGKILL ten times at
random moments under steady input. With task.processing.guarantee=exactly-once every input appears in exactly
one committed output, the counts per key run 1..n without a repeat or a gap, and the store's final counts are
exact. The same job at-least-once shows duplicates, so the check can fail."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from samza_py.config.config import Config
from samza_py.job.local import local_job_model

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import create_topic, wait_for

PARTITIONS = 2
KEYS = [f"k{i:02d}" for i in range(20)]
KILLS = 10


def job_config(unique: str, guarantee: str, state: Path) -> Config:
    return Config({
        "job.name": f"eos-{unique}",
        "job.factory.class": "samza_py.job.local.ProcessJobFactory",
        "job.default.system": "kafka",
        "job.logged.store.base.dir": str(state),
        "task.class": "integration.eos_task.CountAndEmitTask",
        "task.inputs": f"kafka.{unique}-in",
        "task.commit.ms": "1000",
        "task.processing.guarantee": guarantee,
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "task.checkpoint.replication.factor": "1",
        "eos.output": f"{unique}-out",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "serializers.registry.integer.class": "org.apache.samza.serializers.IntegerSerdeFactory",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.samza.key.serde": "string",
        "systems.kafka.samza.msg.serde": "string",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.default.stream.replication.factor": "1",
        "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": f"kafka.{unique}-changelog",
    })


def read_committed(topic: str, partitions: int) -> list[tuple[bytes | None, bytes | None]]:
    """Every committed record of ``topic`` up to its last stable offset as of now (a transaction's commit
    marker never arrives as a message, so each partition is done once the reader's position passes that end)."""
    consumer = Consumer({"bootstrap.servers": KAFKA_BOOTSTRAP, "group.id": "it-eos-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True,
                         "isolation.level": "read_committed"})
    out: list[tuple[bytes | None, bytes | None]] = []
    try:
        # A read_committed consumer's high watermark is the last stable offset.
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
        todo = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, 0) for p in todo])
        deadline = time.monotonic() + 60
        while todo:
            assert time.monotonic() < deadline, f"timed out reading {topic}: partitions {todo} short of {ends}"
            for msg in consumer.consume(num_messages=1000, timeout=0.5):
                err = msg.error()
                partition: int = msg.partition()  # type: ignore[assignment]
                if err is not None and err.code() == KafkaError._PARTITION_EOF:
                    if (msg.offset() or 0) >= ends[partition]:
                        todo.discard(partition)
                    continue
                assert err is None, err
                if (msg.offset() or 0) < ends[partition]:
                    out.append((msg.key(), msg.value()))
                if (msg.offset() or 0) + 1 >= ends[partition]:
                    todo.discard(partition)
    finally:
        consumer.close()
    return out


class SteadyInput:
    """Produces ids keyed round the KEYS at about 200 a second on its own thread, until stopped."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.sent = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="steady-input", daemon=True)

    def _run(self) -> None:
        producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
        n = 0
        while not self.stopping.is_set():
            for _ in range(20):
                producer.produce(self.topic, f"id-{n:06d}".encode(), KEYS[n % len(KEYS)].encode())
                n += 1
            producer.poll(0)
            self.stopping.wait(0.1)  # pacing: the input keeps coming across all the kills
        assert producer.flush(30) == 0
        self.sent = n

    def stop(self) -> int:
        self.stopping.set()
        self.thread.join(60)
        return self.sent


def start_container(model_path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, SAMZA_CONTAINER_ID="0", SAMZA_JOB_MODEL_URL=f"file://{model_path}",
               PYTHONPATH=str(ROOT))
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "samza_py.container"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def outputs(unique: str) -> list[dict[str, object]]:
    return [json.loads(value or b"{}") for _, value in read_committed(f"{unique}-out", PARTITIONS)]


@pytest.mark.parametrize("guarantee", ["exactly-once", "at-least-once"])
def test_kill_9_ten_times_under_steady_input(unique: str, tmp_path: Path, guarantee: str) -> None:
    for topic in ("in", "out", "changelog"):
        create_topic(f"{unique}-{topic}", PARTITIONS)
    config = job_config(unique, guarantee, tmp_path / "state")
    model_path = tmp_path / "job-model.json"
    model_path.write_text(local_job_model(config).to_json())
    log = tmp_path / "container.log"
    steady = SteadyInput(f"{unique}-in")
    steady.thread.start()
    try:
        rng = random.Random(17)
        for kill in range(KILLS):
            before = len(outputs(unique))
            container = start_container(model_path, log)
            try:
                # A random moment once this container has committed (exactly-once) or sent (at-least-once) output.
                wait_for(lambda: container.poll() is not None or len(outputs(unique)) > before, 60,  # noqa: B023
                         f"output from container run {kill}")
                assert container.poll() is None, log.read_text()[-3000:]
                time.sleep(rng.uniform(0.0, 1.5))  # the random moment of the kill, not a wait for a condition
            finally:
                container.send_signal(signal.SIGKILL)
                container.wait(30)
    finally:
        sent = steady.stop()
    assert sent > 0
    container = start_container(model_path, log)
    try:
        wait_for(lambda: len({o["id"] for o in outputs(unique)}) == sent, 120, "every input in the output")
    finally:
        container.send_signal(signal.SIGTERM)
        assert container.wait(60) == 0, log.read_text()[-3000:]

    records = outputs(unique)
    ids = Counter(str(o["id"]) for o in records)
    assert set(ids) == {f"id-{n:06d}" for n in range(sent)}  # no gap
    duplicated = {i: n for i, n in ids.items() if n > 1}
    per_key: dict[str, list[int]] = {}
    for o in records:
        per_key.setdefault(str(o["key"]), []).append(int(str(o["count"])))
    expected = {key: len(range(i, sent, len(KEYS))) for i, key in enumerate(KEYS)}
    if guarantee == "exactly-once":
        assert not duplicated, f"{len(duplicated)} inputs output more than once, e.g. {list(duplicated.items())[:5]}"
        assert {k: sorted(v) for k, v in per_key.items()} == {k: list(range(1, n + 1)) for k, n in expected.items()}
        # The store's final counts, as its changelog (committed records only) holds them.
        final: dict[str, int] = {}
        for key, value in read_committed(f"{unique}-changelog", PARTITIONS):
            if key is not None and value is not None:
                final[key.decode()] = int.from_bytes(value, "big", signed=True)
        assert final == expected
    else:
        # At-least-once redoes what came after the last checkpoint: a kill between commits repeats outputs.
        assert duplicated, "at-least-once with ten kills between commits produced no duplicate"
