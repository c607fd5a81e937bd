"""The checkpoint topic and the coordinator stream are created with the topic settings config passes through
(``task.checkpoint.kafka.*``, ``job.coordinator.kafka.*``), as changelogs are with ``stores.<st>.changelog.kafka.*``.
One broker here: replication 1, and ``min.insync.replicas`` 1 set on the topic itself (not the broker's default)."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource

from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager
from samza_py.config.config import Config
from samza_py.coordinator.stream import CoordinatorStream

from .conftest import KAFKA_BOOTSTRAP


def topic_settings(topic: str) -> dict[str, tuple[str, ConfigSource]]:
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin.describe_configs([resource])[resource].result(30)
    return {name: (entry.value, ConfigSource(entry.source)) for name, entry in entries.items()}


def partitions_and_replicas(topic: str) -> tuple[int, int]:
    metadata = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP}).list_topics(topic, timeout=30).topics[topic]
    return len(metadata.partitions), len(metadata.partitions[0].replicas)


def test_checkpoint_and_coordinator_topics_carry_their_configured_topic_settings(unique: str) -> None:
    config = Config({
        "job.name": f"durable-{unique}",
        "job.default.system": "kafka",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "task.checkpoint.replication.factor": "1",
        "task.checkpoint.kafka.min.insync.replicas": "1",
        "job.coordinator.replication.factor": "1",
        "job.coordinator.kafka.min.insync.replicas": "1",
        "job.coordinator.kafka.segment.bytes": "10485760",
    })
    checkpoints = KafkaCheckpointManager(config)
    checkpoints.create_topic()
    coordinator = CoordinatorStream(config)
    coordinator.create()
    dynamic = ConfigSource.DYNAMIC_TOPIC_CONFIG
    for topic in (checkpoints.topic, coordinator.topic):
        settings = topic_settings(topic)
        assert settings["min.insync.replicas"] == ("1", dynamic), topic
        assert settings["cleanup.policy"] == ("compact", dynamic), topic
        assert partitions_and_replicas(topic) == (1, 1)
    assert topic_settings(coordinator.topic)["segment.bytes"] == ("10485760", dynamic)
    assert topic_settings(checkpoints.topic)["segment.bytes"] == ("26214400", dynamic)
