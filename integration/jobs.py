"""Helpers for job tests: the Wikipedia data in Kafka, topics read back, run-job as a process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from .conftest import KAFKA_BOOTSTRAP

RUN_JOB = Path(sys.executable).parent / "run-job"


def create_topic(topic: str, partitions: int) -> None:
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)


def delete_topics(topics: Iterable[str], timeout_s: float = 60) -> None:
    """Delete ``topics`` (those that exist) and wait until the broker no longer lists any of them."""
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    existing = set(admin.list_topics(timeout=10).topics)
    doomed = [t for t in topics if t in existing]
    if doomed:
        for future in admin.delete_topics(doomed, operation_timeout=30).values():
            future.result(30)
    wait_for(lambda: not set(doomed) & set(admin.list_topics(timeout=10).topics), timeout_s,
             f"the deletion of {doomed}")


def grid_client(client: Mapping[str, object] | None) -> dict[str, object]:
    """A test client's settings: ``client`` (another broker, e.g. the secure one), else the grid's broker."""
    return dict(client) if client is not None else {"bootstrap.servers": KAFKA_BOOTSTRAP}


def produce_round_robin(topic: str, partitions: int, values: Iterable[bytes],
                        client: Mapping[str, object] | None = None, keys: Iterable[bytes] | None = None) -> int:
    """Message j goes to partition j % partitions, so on a new topic it lands at offset j // partitions.

    With ``keys``, message j has the j-th key (unkeyed otherwise); the partition is still j % partitions."""
    producer = Producer({**grid_client(client), "linger.ms": 5})
    count = 0
    key_of = iter(keys) if keys is not None else None
    for j, value in enumerate(values):
        producer.produce(topic, value, None if key_of is None else next(key_of), j % partitions)
        count += 1
        if count % 1000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    return count


def end_offsets(topic: str, client: Mapping[str, object] | None = None) -> dict[int, int]:
    consumer = Consumer({**grid_client(client), "group.id": "it-reader"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    finally:
        consumer.close()


def count_messages(topic: str, timeout_s: float = 60) -> int:
    """Messages in ``topic``; 0 while it does not exist yet. While its partitions have no leader yet
    (kafka_not_ready) it asks again, for up to ``timeout_s``; any other error is raised, never counted as 0,
    so that an assertion on a count can fail."""
    counted: list[int] = []

    def count() -> bool:
        try:
            counted.append(sum(end_offsets(topic).values()))
        except KeyError:  # not in the metadata yet
            counted.append(0)
        return True

    wait_for(count, timeout_s, f"the partitions of {topic} to have a leader")
    return counted[-1]


def read_topic(topic: str, start: dict[int, int] | None = None, timeout_s: float = 60,
               client: Mapping[str, object] | None = None) -> list[Any]:
    """Every message of ``topic`` (from ``start`` offsets, else the beginning) up to its current end."""
    ends = end_offsets(topic, client)
    starts = start or {}
    consumer = Consumer({**grid_client(client), "group.id": "it-reader", "enable.auto.commit": False})
    out: list[Any] = []
    try:
        todo = {p: end for p, end in ends.items() if end > starts.get(p, 0)}
        if not todo:
            return out
        consumer.assign([TopicPartition(topic, p, starts.get(p, 0)) for p in todo])
        deadline = time.monotonic() + timeout_s
        while todo:
            assert time.monotonic() < deadline, f"timed out reading {topic}; still missing {todo}"
            for msg in consumer.consume(num_messages=1000, timeout=1.0):
                assert msg.error() is None, msg.error()
                out.append(msg)
                if msg.offset() + 1 >= todo.get(msg.partition(), 0):
                    todo.pop(msg.partition(), None)
    finally:
        consumer.close()
    return out


def changelog_counts(unique: str) -> dict[tuple[int, str], int]:
    """The latest value per key of each changelog partition: the stores' contents."""
    latest: dict[tuple[int, str], int] = {}
    for msg in read_topic(f"{unique}-changelog"):
        key = (msg.partition(), msg.key().decode())
        if msg.value() is None:
            latest.pop(key, None)
        else:
            latest[key] = int.from_bytes(msg.value(), "big", signed=True)
    return latest


def counts_difference(actual: Mapping[tuple[int, str], int], expected: Mapping[tuple[int, str], int],
                      shown: int = 5) -> str:
    """Where per-(partition, key) counts differ from the expected ones, per partition: the total over or under
    (over: input counted twice, under: not yet counted or lost) and the first few keys that differ."""
    lines = []
    for partition in sorted({p for p, _ in actual} | {p for p, _ in expected}):
        diffs = {key: actual.get((p, key), 0) - expected.get((p, key), 0)
                 for p, key in {*actual, *expected} if p == partition}
        wrong = sorted((key, d) for key, d in diffs.items() if d != 0)
        if wrong:
            over = sum(d for _, d in wrong if d > 0)
            under = -sum(d for _, d in wrong if d < 0)
            sample = ", ".join(f"{key!r} {d:+d}" for key, d in wrong[:shown])
            lines.append(f"partition {partition}: {len(wrong)} keys differ, {over} over, {under} under"
                         f" (e.g. {sample})")
    return "; ".join(lines) or "no difference"


# What reading a topic the job has just created may meet until its partitions have a leader.
NOT_READY = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART,
             KafkaError._UNKNOWN_PARTITION, KafkaError._UNKNOWN_TOPIC}


def kafka_not_ready(exc: KafkaException) -> bool:
    """Whether ``exc`` is what reading a topic a job has just created may meet until its partitions have a leader."""
    error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
    return error is not None and (error.retriable() or error.code() in NOT_READY)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str,
             explain: Callable[[], str] | None = None) -> None:
    """Poll ``condition`` until it holds; on timeout fail naming ``what`` and, with ``explain``, the state. A
    condition that meets a topic whose partitions have no leader yet (kafka_not_ready) is polled again."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if condition():
                return
        except KafkaException as exc:
            if not kafka_not_ready(exc):
                raise
        if time.monotonic() >= deadline:
            detail = f": {explain()}" if explain is not None else ""
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}{detail}")
        time.sleep(0.2)


def wait_for_counts(unique: str, expected: Mapping[tuple[int, str], int], timeout_s: float, what: str) -> None:
    """Wait until the stores' contents (the changelog of ``unique``) equal ``expected``; on timeout say where
    they differ."""
    latest: dict[tuple[int, str], int] = {}

    def equal() -> bool:
        nonlocal latest
        latest = changelog_counts(unique)
        return latest == expected

    wait_for(equal, timeout_s, what, lambda: counts_difference(latest, expected))


def run_job_command(config_path: Path, *overrides: str, operation: str = "run") -> list[str]:
    cmd = [str(RUN_JOB), "--config-path", str(config_path), "--operation", operation]
    for override in overrides:
        cmd += ["--config", override]
    return cmd


def run_job(config_path: Path, *overrides: str, cwd: Path, operation: str = "run",
            timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(run_job_command(config_path, *overrides, operation=operation), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout_s, env=dict(os.environ))


def start_run_job(config_path: Path, *overrides: str, cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(run_job_command(config_path, *overrides), cwd=cwd, stdout=out,
                                stderr=subprocess.STDOUT, env=dict(os.environ))


V1, V2 = "checkpoint", "checkpoint-v2"
_CHECKPOINT_KEY = re.compile(
    rb'^\{"systemstreampartition-grouper-factory":"org\.apache\.samza\.container\.grouper\.stream\.'
    rb'GroupByPartitionFactory","taskName":"Partition \d+","type":"(checkpoint|checkpoint-v2)"\}$'
)


def checkpointed_offsets(value: bytes, key_type: str) -> dict[tuple[str, int], str]:
    """(stream, partition) → offset of one checkpoint record, checking Samza's value format of its version."""
    node = json.loads(value)
    if key_type == V1:
        out = {}
        for ssp_text, entry in node.items():
            assert set(entry) == {"system", "stream", "partition", "offset"}, entry
            assert all(isinstance(v, str) for v in entry.values())
            assert ssp_text == f"SystemStreamPartition [{entry['system']}, {entry['stream']}, {entry['partition']}]"
            out[(entry["stream"], int(entry["partition"]))] = entry["offset"]
        return out
    assert list(node) == ["checkpoint-id", "input-offsets", "state-checkpoint-markers", "version"], node
    assert node["version"] == 2 and re.fullmatch(r"\d+-\d+", node["checkpoint-id"])
    out = {}
    for ssp_text, offset in node["input-offsets"].items():
        system, _, rest = ssp_text.partition(".")
        stream, _, partition = rest.rpartition(".")
        out[(stream, int(partition))] = offset
    return out


def latest_checkpoints(topic: str, key_type: str = V1, stream: str | None = None) -> dict[int, int]:
    """Input partition → last checkpointed (processed) offset among ``key_type`` records, checking Samza's
    key and value formats of both versions on the way. With ``stream``, that input's partitions only (a
    version 1 record of a job with stores also holds its changelogs' offsets, as checkpoint id:offset)."""
    latest: dict[int, int] = {}
    for msg in read_topic(topic):
        match = _CHECKPOINT_KEY.match(msg.key())
        assert match, msg.key()
        offsets = checkpointed_offsets(msg.value(), match.group(1).decode())
        if match.group(1).decode() == key_type:
            latest.update({partition: int(offset) for (name, partition), offset in offsets.items()
                           if stream is None or name == stream})
    return latest
