"""Every Kafka client samza-py opens is built from the system's ``consumer.*`` / ``producer.*`` settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from samza_py.api import SystemStreamPartition
from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.coordinator.stream import CoordinatorStream
from samza_py.job.dry_run import dry_run_admins
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import TaskStorageManager
from samza_py.system.kafka.factory import KafkaSystemFactory

KAFKA = "samza_py.system.kafka.factory.KafkaSystemFactory"


def secured_config(tmp_path: Path) -> Config:
    return Config({
        "job.name": "secure-job",
        "job.id": "7",
        "job.default.system": "kafka",
        "job.logged.store.base.dir": str(tmp_path),
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "systems.kafka.samza.factory": KAFKA,
        "systems.kafka.consumer.bootstrap.servers": "127.0.0.1:1",
        "systems.kafka.consumer.security.protocol": "PLAINTEXT",
        "systems.kafka.consumer.socket.keepalive.enable": "true",
        "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
        "systems.kafka.producer.security.protocol": "PLAINTEXT",
        "systems.kafka.producer.socket.keepalive.enable": "true",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "stores.counts.factory": "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory",
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "string",
        "stores.counts.changelog": "kafka.counts-changelog",
    })


def every_client(config: Config) -> dict[str, Mapping[str, object]]:
    """Role → the librdkafka settings of each client a container, the AM and run-job build."""
    factory, registry = KafkaSystemFactory(), MetricsRegistryMap("t")
    checkpoints = KafkaCheckpointManager(config)
    coordinator = CoordinatorStream(config)
    storage = TaskStorageManager("Partition 0", 0, config, SerdeManager(config), {}, {}, registry, 1)
    return {
        "task consumer": factory.get_consumer("kafka", config, registry).settings,
        "task producer": factory.get_producer("kafka", config, registry).settings,
        "system admin": factory.get_admin("kafka", config).settings,
        "checkpoint producer": checkpoints.producer_settings,
        "checkpoint reader": checkpoints.reader_settings,
        "checkpoint admin": checkpoints.admin_settings,
        "coordinator producer": coordinator.producer_settings,
        "coordinator reader": coordinator.reader_settings,
        "coordinator admin": coordinator.admin.settings,
        "restore reader": storage.reader_settings(SystemStreamPartition.of("kafka", "counts-changelog", 0)),
        "dry-run admin": dry_run_admins(config)["kafka"].settings,  # type: ignore[attr-defined]
    }


def test_security_settings_and_a_client_id_reach_every_client(tmp_path: Path) -> None:
    clients = every_client(secured_config(tmp_path))
    for role, settings in clients.items():
        assert settings["security.protocol"] == "PLAINTEXT", role
        assert settings["socket.keepalive.enable"] == "true", role
        assert settings["bootstrap.servers"] == "127.0.0.1:1", role
        assert str(settings["client.id"]).startswith("secure-job-7-"), role
        assert callable(settings["error_cb"]), role
    # Each client says which it is.
    client_ids = [settings["client.id"] for settings in clients.values()]
    assert len(set(client_ids)) == len(client_ids), client_ids


def test_durable_writes_whatever_the_producer_settings_say(tmp_path: Path) -> None:
    config = Config(dict(secured_config(tmp_path), **{"systems.kafka.producer.acks": "1"}))
    clients = every_client(config)
    assert clients["task producer"]["acks"] == "1"
    assert clients["checkpoint producer"]["acks"] == "all"
    assert clients["coordinator producer"]["acks"] == "all"


def test_admins_and_readers_leave_out_what_does_not_apply(tmp_path: Path) -> None:
    config = Config(dict(secured_config(tmp_path), **{
        "systems.kafka.consumer.auto.offset.reset": "largest",
        "systems.kafka.consumer.fetch.min.bytes": "1",
    }))
    clients = every_client(config)
    for role in ("system admin", "checkpoint admin", "coordinator admin"):
        assert "auto.offset.reset" not in clients[role] and "fetch.min.bytes" not in clients[role], role
        assert "group.id" not in clients[role], role
    assert clients["task consumer"]["auto.offset.reset"] == "latest"
    # A reader asks for a known offset range: one gone out of range is read from the oldest, never skipped.
    for role in ("checkpoint reader", "coordinator reader", "restore reader"):
        assert clients[role]["auto.offset.reset"] == "earliest", role


def test_consumers_and_readers_are_not_throttled_by_default(tmp_path: Path) -> None:
    # librdkafka's 1 s fetch.queue.backoff.ms would idle a busy job after each full local queue.
    clients = every_client(secured_config(tmp_path))
    for role in ("task consumer", "checkpoint reader", "coordinator reader", "restore reader"):
        assert clients[role]["fetch.queue.backoff.ms"] == 10, role
    for role in ("system admin", "checkpoint admin", "coordinator admin", "dry-run admin"):
        assert "fetch.queue.backoff.ms" not in clients[role], role


def test_prefetch_is_bounded_except_for_restores(tmp_path: Path) -> None:
    # The container buffers fetch.threshold messages itself: librdkafka prefetches 10000 per partition,
    # not its 100000; a restore reads in bulk and keeps a deep queue.
    clients = every_client(secured_config(tmp_path))
    for role in ("task consumer", "checkpoint reader", "coordinator reader"):
        assert clients[role]["queued.min.messages"] == 10000, role
    assert clients["restore reader"]["queued.min.messages"] == 100000
    assert clients["restore reader"]["queued.max.messages.kbytes"] == 262144


def test_a_users_consumer_settings_win_over_the_defaults(tmp_path: Path) -> None:
    config = Config(dict(secured_config(tmp_path), **{
        "systems.kafka.consumer.fetch.queue.backoff.ms": "1000",
        "systems.kafka.consumer.queued.min.messages": "5000",
        "systems.kafka.consumer.max.partition.fetch.bytes": "4194304",
    }))
    clients = every_client(config)
    for role in ("task consumer", "checkpoint reader", "coordinator reader", "restore reader"):
        assert clients[role]["fetch.queue.backoff.ms"] == "1000", role
        assert clients[role]["queued.min.messages"] == "5000", role
        assert clients[role]["max.partition.fetch.bytes"] == "4194304", role


def test_every_producer_queue_is_bounded_as_javas_buffer_memory_is(tmp_path: Path) -> None:
    # librdkafka's 100000-message queue holds ~34 MB of small messages; Java's producer holds 32 MB at most.
    clients = every_client(secured_config(tmp_path))
    for role in ("task producer", "checkpoint producer", "coordinator producer"):
        assert clients[role]["queue.buffering.max.messages"] == 20000, role
        assert clients[role]["queue.buffering.max.kbytes"] == 32768, role


def test_buffer_memory_is_the_producer_queues_bound_in_kilobytes(tmp_path: Path) -> None:
    config = Config(dict(secured_config(tmp_path), **{
        "systems.kafka.producer.buffer.memory": "10000000",
        "systems.kafka.producer.queue.buffering.max.messages": "500",
        "systems.kafka.consumer.buffer.memory": "10000000",
    }))
    clients = every_client(config)
    for role in ("task producer", "checkpoint producer", "coordinator producer"):
        assert clients[role]["queue.buffering.max.kbytes"] == "9766", role  # rounded up: never below the bytes
        assert clients[role]["queue.buffering.max.messages"] == "500", role
    for role in ("task consumer", "checkpoint reader", "restore reader", "system admin"):
        assert "queue.buffering.max.kbytes" not in clients[role] and "buffer.memory" not in clients[role], role


@pytest.mark.parametrize("value", ["32MB", "100"])
def test_a_bad_buffer_memory_is_refused_naming_the_key(tmp_path: Path, value: str) -> None:
    config = Config(dict(secured_config(tmp_path), **{"systems.kafka.producer.buffer.memory": value}))
    with pytest.raises(ConfigException, match=r"systems\.kafka\.producer\.buffer\.memory"):
        KafkaSystemFactory().get_producer("kafka", config, MetricsRegistryMap("t"))
