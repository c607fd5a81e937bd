"""Exactly-once vs at-least-once: the same jobs with ``task.processing.guarantee`` either way.

A pass-through and a per-key count (RocksDB store with a Kafka changelog), each one container in this
process over the same N messages of 100 bytes (10,000 keys), ``task.commit.ms=1000`` (a transaction per
second under exactly-once), Kafka checkpoints in both. Checked: each output holds N committed messages
(read with read_committed, so an aborted or uncommitted send would not count) and the count task's final
counts. Ratios exactly-once/at-least-once in msg/s; CPU seconds per million messages beside them.

Results: bench/results/exactly_once.json (and .png).

    python bench/exactly_once.py [--messages 500000] [--bootstrap 127.0.0.1:9092]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import ClassVar

from common import (
    PASS_THROUGH_TASK,
    BenchmarkError,
    PassThroughTask,
    add_arguments,
    job_config,
    measure_container,
    produce,
    run_id,
)
from confluent_kafka import Consumer, KafkaError, TopicPartition
from report import Measurement, publish

from samza_py.api import (
    EndOfStreamListenerTask,
    IncomingMessageEnvelope,
    InitableTask,
    MessageCollector,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)

KEYS = 10_000
COMMIT_MS = 1000
GUARANTEES = ("at-least-once", "exactly-once")


def count_key(i: int) -> bytes:
    return f"key-{i % KEYS:06d}".encode()


class CountTask(StreamTask, InitableTask, EndOfStreamListenerTask):
    """Counts messages per key in the ``counts`` store; notes key 0's count at the end of the input."""

    final: ClassVar[int | None] = None

    def init(self, context: TaskContext) -> None:
        self.store = context.get_store("counts")
        CountTask.final = None

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        CountTask.final = self.store.get(count_key(0).decode())

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        key = envelope.key
        self.store.put(key, (self.store.get(key) or 0) + 1)


def committed_count(bootstrap: str, topic: str) -> int:
    """Records of ``topic`` a read_committed consumer sees, read to the last stable offset of each partition."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-eos-{run_id()}",
                         "isolation.level": "read_committed", "enable.partition.eof": True,
                         "enable.auto.commit": False})
    try:
        partitions = list(consumer.list_topics(topic, timeout=30).topics[topic].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions}
        todo = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, 0) for p in todo])
        count = 0
        while todo:
            for msg in consumer.consume(num_messages=10000, timeout=5.0):
                err = msg.error()
                partition: int = msg.partition()  # type: ignore[assignment]
                offset = msg.offset() or 0
                if err is not None and err.code() == KafkaError._PARTITION_EOF:
                    if offset >= ends[partition]:
                        todo.discard(partition)
                    continue
                if err is not None:
                    raise BenchmarkError(f"reading {topic}: {err}")
                count += offset < ends[partition]
                if offset + 1 >= ends[partition]:
                    todo.discard(partition)
        return count
    finally:
        consumer.close()


def settings(bootstrap: str, source: str, task: str, guarantee: str) -> dict[str, str]:
    return job_config(bootstrap, source, task, commit_ms=COMMIT_MS) | {
        "job.default.system": "kafka",
        "systems.kafka.default.stream.replication.factor": "1",
        "task.processing.guarantee": guarantee,
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "task.checkpoint.replication.factor": "1",
    }


def run(bootstrap: str, messages: int, state_dir: Path) -> None:
    run_ = run_id()
    source = f"bench-{run_}-in"
    print(f"producing {messages:,} messages of 100 bytes ({KEYS:,} keys) ...", flush=True)
    produce(bootstrap, source, messages, 100, key=count_key)
    results: dict[tuple[str, str], Measurement] = {}
    for guarantee in GUARANTEES:
        sink = f"bench-{run_}-{guarantee}-out"
        PassThroughTask.output = SystemStream("kafka", sink)
        label = f"pass-through {guarantee}"
        print(f"  {label} ...", flush=True)
        results[("pass-through", guarantee)] = measure_container(
            label, settings(bootstrap, source, PASS_THROUGH_TASK, guarantee), messages)
        found = committed_count(bootstrap, sink)
        if found != messages:
            raise BenchmarkError(f"{label}: {sink} holds {found:,} committed messages, expected {messages:,}")
    for guarantee in GUARANTEES:
        label = f"count {guarantee}"
        print(f"  {label} ...", flush=True)
        job = settings(bootstrap, source, "__main__.CountTask", guarantee) | {
            "job.logged.store.base.dir": str(state_dir / guarantee),
            "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
            "serializers.registry.integer.class": "org.apache.samza.serializers.IntegerSerdeFactory",
            "systems.kafka.samza.key.serde": "string",
            "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
            "stores.counts.key.serde": "string",
            "stores.counts.msg.serde": "integer",
            "stores.counts.changelog": f"kafka.bench-{run_}-{guarantee}-changelog",
        }
        results[("count", guarantee)] = measure_container(label, job, messages)
        expected = len(range(0, messages, KEYS))
        if CountTask.final != expected:
            raise BenchmarkError(f"{label}: key 0 counted {CountTask.final}, expected {expected}")
    for m in results.values():
        m.peak_rss_mb = None  # this process's peak holds the input fill too: no one run's
    ratios = {f"{job} exactly-once/at-least-once": results[(job, "exactly-once")].msg_per_s
              / results[(job, "at-least-once")].msg_per_s for job in ("pass-through", "count")}
    publish("exactly_once", list(results.values()), ratios,
            {"messages": messages, "value_bytes": 100, "keys": KEYS, "commit_ms": COMMIT_MS})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser, 500_000)
    args = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="samza-py-bench-"))
    try:
        run(args.bootstrap, args.messages, state_dir)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
