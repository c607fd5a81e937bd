"""Durability of the topics samza-py creates: replication and topic settings from config, acks=all producers."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaException, Producer

from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager
from samza_py.config.config import Config
from samza_py.coordinator.stream import CoordinatorStream
from samza_py.job.job_streams import changelog_streams, checkpoint_stream
from samza_py.system.interfaces import StreamSpec
from samza_py.system.kafka.client_config import producer_settings

CONFIG = Config({
    "job.name": "wiki",
    "job.default.system": "kafka",
    "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
    "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
    "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
    "task.checkpoint.replication.factor": "3",
    "task.checkpoint.kafka.min.insync.replicas": "2",
    "job.coordinator.replication.factor": "3",
    "job.coordinator.kafka.min.insync.replicas": "2",
    "stores.counts.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
    "stores.counts.changelog": "kafka.counts-changelog",
    "stores.counts.changelog.replication.factor": "3",
    "stores.counts.changelog.kafka.min.insync.replicas": "2",
})


class FakeAdmin:
    def __init__(self) -> None:
        self.created: list[StreamSpec] = []

    def create_stream(self, spec: StreamSpec) -> bool:
        self.created.append(spec)
        return True


def test_the_checkpoint_topic_takes_replication_and_min_insync_replicas_from_config() -> None:
    manager = KafkaCheckpointManager(CONFIG)
    spec = manager.topic_spec()
    assert (spec.stream, spec.partitions, spec.replication_factor) == ("__samza_checkpoint_ver_1_for_wiki_1", 1, 3)
    assert spec.config == {"cleanup.policy": "compact", "segment.bytes": "26214400", "max.message.bytes": "1000012",
                           "min.insync.replicas": "2"}
    assert manager.producer_settings["acks"] == "all" and manager.producer_settings["compression.type"] == "none"
    # What dry-run shows is what is created.
    planned = checkpoint_stream(CONFIG)
    assert planned is not None and planned.spec == spec


def test_the_coordinator_stream_takes_replication_and_min_insync_replicas_from_config() -> None:
    stream = CoordinatorStream(CONFIG)
    admin = stream.admin = FakeAdmin()  # type: ignore[assignment]
    stream.create()
    [spec] = admin.created
    assert (spec.partitions, spec.replication_factor) == (1, 3)
    assert spec.config == {"cleanup.policy": "compact", "segment.bytes": "26214400", "min.insync.replicas": "2"}


def test_changelogs_take_replication_and_topic_settings_from_config() -> None:
    [changelog] = changelog_streams(CONFIG, {"Partition 0": 0, "Partition 1": 1})
    assert (changelog.spec.stream, changelog.spec.partitions, changelog.spec.replication_factor) == (
        "counts-changelog", 2, 3)
    assert changelog.spec.config["min.insync.replicas"] == "2"
    assert changelog.spec.config["cleanup.policy"] == "compact"


def test_changelog_producers_write_with_acks_all() -> None:
    # Changelogs go through the system's producer: idempotent, which librdkafka allows only with acks=all
    # (its default), so a weaker acks is refused unless idempotence is turned off explicitly.
    settings = producer_settings(CONFIG, "kafka", "samza-container-0")
    assert settings["enable.idempotence"] is True and "acks" not in settings
    weakened = producer_settings(Config(dict(CONFIG, **{"systems.kafka.producer.acks": "1"})), "kafka", "c")
    with pytest.raises(KafkaException, match="acks"):
        Producer(weakened)
