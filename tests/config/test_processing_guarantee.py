"""task.processing.guarantee: what exactly-once needs from the rest of the config, named by key."""

from __future__ import annotations

from samza_py.config.processing_guarantee import transaction_timeout_ms
from samza_py.config.validation import validate

BASE = {
    "job.name": "j",
    "job.factory.class": "samza_py.job.local.ThreadJobFactory",
    "job.default.system": "kafka",
    "task.class": "samza_py.examples.wikipedia.feed.WikipediaFeedStreamTask",
    "task.inputs": "kafka.in",
    "task.commit.ms": "1000",
    "task.processing.guarantee": "exactly-once",
    "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
    "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
    "systems.kafka.producer.bootstrap.servers": "127.0.0.1:9092",
}


def problems(**overrides: str) -> dict[str, str]:
    config = {**BASE, **overrides}
    return {p.key: p.message for p in validate({k: v for k, v in config.items() if v != "-"})}


def test_exactly_once_with_kafka_checkpoints_on_the_changelogs_system_is_valid() -> None:
    assert problems() == {}
    assert problems(**{"task.processing.guarantee": "at-least-once", "task.checkpoint.factory": "-"}) == {}


def test_an_unknown_guarantee_is_named() -> None:
    assert "must be one of at-least-once, exactly-once" in problems(**{"task.processing.guarantee": "twice"})[
        "task.processing.guarantee"]


def test_exactly_once_needs_kafka_checkpoints() -> None:
    message = problems(**{"task.checkpoint.factory": "-"})["task.processing.guarantee"]
    assert "same Kafka transaction" in message and "KafkaCheckpointManagerFactory" in message
    file_factory = "org.apache.samza.checkpoint.file.FileSystemCheckpointManagerFactory"
    file_based = problems(**{"task.checkpoint.factory": file_factory, "task.checkpoint.path": "/tmp/x"})
    assert "task.processing.guarantee" in file_based


def test_exactly_once_refuses_what_would_break_the_transaction() -> None:
    found = problems(**{
        "systems.other.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.other.producer.bootstrap.servers": "127.0.0.1:9093",
        "stores.s.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.s.key.serde": "string", "stores.s.msg.serde": "string",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "stores.s.changelog": "other.s-changelog",
        "systems.kafka.consumer.isolation.level": "read_uncommitted",
        "systems.kafka.producer.transactional.id": "mine",
        "task.commit.ms": "600000",
    })
    assert "checkpoint system 'kafka'" in found["stores.s.changelog"]
    assert "read_committed" in found["systems.kafka.consumer.isolation.level"]
    assert "derives each container's transactional id" in found["systems.kafka.producer.transactional.id"]
    assert "between 1 and 300000 ms" in found["task.commit.ms"]


def test_the_transaction_timeout_covers_three_commit_intervals_within_the_brokers_limit() -> None:
    assert transaction_timeout_ms(1000) == 60_000
    assert transaction_timeout_ms(60_000) == 180_000
    assert transaction_timeout_ms(400_000) == 900_000
