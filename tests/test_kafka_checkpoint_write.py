"""Kafka checkpoint writes: both versions, retried with backoff, failing the container after the timeout."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import KafkaError

from samza_py.api.streams import SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.kafka import manager as manager_module
from samza_py.checkpoint.kafka.manager import CheckpointError, KafkaCheckpointManager
from samza_py.config.config import Config

SSP = SystemStreamPartition.of
CHECKPOINT = Checkpoint({SSP("kafka", "edits", 2): "41", SSP("kafka", "counts-changelog", 2): "17-3:8"})


class FakeProducer:
    """librdkafka's Producer as the checkpoint manager uses it; ``outcomes`` says how each attempt ends:
    None delivers, a KafkaError fails every record of the attempt, "hang" never delivers."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.delivered: list[tuple[str, bytes, bytes, int]] = []
        self.pending: list[tuple[tuple[str, bytes, bytes, int], Callable[..., None]]] = []
        self.attempts = 0

    def produce(self, topic: str, value: bytes, key: bytes, partition: int,
                on_delivery: Callable[..., None]) -> None:
        self.pending.append(((topic, value, key, partition), on_delivery))

    def flush(self, timeout: float) -> int:
        outcome = self.outcomes[min(self.attempts, len(self.outcomes) - 1)]
        if isinstance(outcome, str):  # "hang"
            time.sleep(min(timeout, 0.05))
            return len(self.pending)
        self.attempts += 1
        for record, callback in self.pending:
            if outcome is None:
                self.delivered.append(record)
            callback(outcome, None)
        self.pending = []
        return 0


def manager(outcomes: list[Any], **extra: str) -> tuple[KafkaCheckpointManager, FakeProducer]:
    producer = FakeProducer(outcomes)
    config = Config({
        "job.name": "counts", "job.default.system": "kafka",
        "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
        "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.counts.changelog": "kafka.counts-changelog",
        **extra,
    })
    m = KafkaCheckpointManager(config, producer_factory=lambda settings: producer)
    m._producer = producer  # started, without creating the topic
    return m, producer


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manager_module, "INITIAL_BACKOFF_S", 0.01)
    monkeypatch.setattr(manager_module, "MAX_BACKOFF_S", 0.04)


def test_each_commit_writes_v1_then_v2() -> None:
    m, producer = manager([None])
    m.write_checkpoint("Partition 2", CHECKPOINT)
    assert [json.loads(key)["type"] for _, _, key, _ in producer.delivered] == ["checkpoint", "checkpoint-v2"]
    assert {topic for topic, _, _, _ in producer.delivered} == {"__samza_checkpoint_ver_1_for_counts_1"}
    v2 = json.loads(producer.delivered[1][1])
    assert v2["checkpoint-id"] == "17-3"
    assert v2["input-offsets"] == {"kafka.edits.2": "41"}
    marker = json.loads(v2["state-checkpoint-markers"]["org.apache.samza.storage.KafkaChangelogStateBackendFactory"]
                        ["counts"])
    assert marker["changelog-offset"] == "8" and marker["changelog-ssp"]["stream"] == "counts-changelog"


def test_write_versions_key_chooses_what_is_written() -> None:
    m, producer = manager([None], **{"task.checkpoint.write.versions": "2"})
    m.write_checkpoint("Partition 2", CHECKPOINT)
    assert [json.loads(key)["type"] for _, _, key, _ in producer.delivered] == ["checkpoint-v2"]


def test_retriable_failures_are_retried_until_delivered() -> None:
    timed_out = KafkaError(KafkaError._MSG_TIMED_OUT)
    m, producer = manager([timed_out, KafkaError(KafkaError._TRANSPORT), None])
    m.write_checkpoint("Partition 2", CHECKPOINT)
    assert producer.attempts == 3
    assert len(producer.delivered) == 2


def test_a_non_retriable_failure_fails_at_once_naming_the_task() -> None:
    m, producer = manager([KafkaError(KafkaError.MSG_SIZE_TOO_LARGE), None])
    with pytest.raises(CheckpointError, match="'Partition 2'"):
        m.write_checkpoint("Partition 2", CHECKPOINT)
    assert producer.attempts == 1


def test_retries_stop_at_the_write_timeout() -> None:
    m, producer = manager([KafkaError(KafkaError._MSG_TIMED_OUT)], **{"task.checkpoint.write.timeout.ms": "300"})
    started = time.monotonic()
    with pytest.raises(CheckpointError, match="'Partition 2'.*task.checkpoint.write.timeout.ms=300"):
        m.write_checkpoint("Partition 2", CHECKPOINT)
    assert time.monotonic() - started < 2
    assert producer.attempts > 2 and not producer.delivered


def test_an_undelivered_write_fails_at_the_write_timeout() -> None:
    m, _ = manager(["hang"], **{"task.checkpoint.write.timeout.ms": "300"})
    started = time.monotonic()
    with pytest.raises(CheckpointError, match="'Partition 2'.*not delivered"):
        m.write_checkpoint("Partition 2", CHECKPOINT)
    assert time.monotonic() - started < 2


def test_a_fatal_producer_error_gets_a_new_producer() -> None:
    fatal = KafkaError(KafkaError._FENCED, fatal=True)
    first = FakeProducer([fatal])
    second = FakeProducer([None])
    made = iter([second])
    m, _ = manager([None])
    m._new_producer = lambda settings: next(made)
    m._producer = first
    m.write_checkpoint("Partition 2", CHECKPOINT)
    assert first.attempts == 1 and len(second.delivered) == 2
