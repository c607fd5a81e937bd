"""The streams a job owns, created before its containers start: checkpoint topic and store changelogs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from samza_py.checkpoint.kafka import manager as kafka_checkpoints
from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager, KafkaCheckpointManagerFactory
from samza_py.config.aliases import canonical_class_name
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.job_config import JobConfig
from samza_py.config.storage_config import StorageConfig
from samza_py.config.task_config import TaskConfig
from samza_py.job.changelog_mapping import changelog_partition_count
from samza_py.system.interfaces import StreamSpec, SystemAdmin

log = logging.getLogger(__name__)

_KAFKA_CHECKPOINTS = f"{KafkaCheckpointManagerFactory.__module__}.{KafkaCheckpointManagerFactory.__qualname__}"

CHECKPOINT = "checkpoint"
CHANGELOG = "changelog"


@dataclass(frozen=True)
class JobStream:
    """A stream ``create_job_streams`` creates unless it exists; ``store`` names a changelog's store."""

    kind: str  # CHECKPOINT or CHANGELOG
    system: str
    spec: StreamSpec
    store: str | None = None


def uses_kafka_checkpoints(config: Config) -> bool:
    factory = TaskConfig(config).checkpoint_factory
    if not factory:
        return False
    return canonical_class_name(factory) == _KAFKA_CHECKPOINTS


def checkpoint_stream(config: Config) -> JobStream | None:
    """The Kafka checkpoint topic as ``KafkaCheckpointManager.create_topic`` creates it; None without one."""
    if not uses_kafka_checkpoints(config):
        return None
    task = TaskConfig(config)
    system = task.checkpoint_system
    if not system:
        raise ConfigException("task.checkpoint.system", "is required for Kafka checkpoints (or job.default.system)")
    spec = StreamSpec(JobConfig(config).checkpoint_topic(), 1, task.checkpoint_replication_factor,
                      {**kafka_checkpoints.TOPIC_CONFIG, **task.checkpoint_topic_properties})
    return JobStream(CHECKPOINT, system, spec)


def changelog_streams(config: Config, changelog_mapping: Mapping[str, int]) -> list[JobStream]:
    """Every store changelog: compacted, one partition per changelog partition; stores in name order."""
    storage = StorageConfig(config)
    partitions = changelog_partition_count(changelog_mapping)
    streams = []
    for store in storage.store_names():
        stream = storage.changelog(store)
        if stream is None:
            continue
        ttl = storage.rocksdb_ttl_ms(store)
        topic_config = {
            "cleanup.policy": "compact" if ttl is None else "delete",
            "segment.bytes": "536870912",
            "delete.retention.ms": str(storage.changelog_delete_retention_ms(store)),
        }
        if ttl is not None:
            topic_config["retention.ms"] = str(ttl)
        topic_config.update(storage.changelog_kafka_properties(store))
        spec = StreamSpec(stream.stream, partitions, storage.changelog_replication_factor(store), topic_config)
        streams.append(JobStream(CHANGELOG, stream.system, spec, store))
    return streams


def job_streams(config: Config, changelog_mapping: Mapping[str, int]) -> list[JobStream]:
    """What ``create_job_streams`` would create (pure: nothing is contacted), in creation order."""
    checkpoint = checkpoint_stream(config)
    return ([checkpoint] if checkpoint is not None else []) + changelog_streams(config, changelog_mapping)


def create_job_streams(config: Config, admins: Mapping[str, SystemAdmin], changelog_mapping: Mapping[str, int]) -> None:
    for stream in job_streams(config, changelog_mapping):
        if stream.kind == CHECKPOINT:
            KafkaCheckpointManager(config).create_topic()
        elif admins[stream.system].create_stream(stream.spec):
            log.info("created changelog %s.%s with %d partition(s)", stream.system, stream.spec.stream,
                     stream.spec.partitions)
