"""The streams a job owns, created before its containers start: checkpoint topic and store changelogs."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager, KafkaCheckpointManagerFactory
from samza_py.config.aliases import canonical_class_name
from samza_py.config.config import Config
from samza_py.config.storage_config import StorageConfig
from samza_py.config.task_config import TaskConfig
from samza_py.job.changelog_mapping import changelog_partition_count
from samza_py.system.interfaces import StreamSpec, SystemAdmin

log = logging.getLogger(__name__)

_KAFKA_CHECKPOINTS = f"{KafkaCheckpointManagerFactory.__module__}.{KafkaCheckpointManagerFactory.__qualname__}"


def changelog_specs(config: Config, changelog_mapping: Mapping[str, int]) -> list[tuple[str, StreamSpec]]:
    """(system, spec) of every store changelog: compacted, one partition per changelog partition."""
    storage = StorageConfig(config)
    partitions = changelog_partition_count(changelog_mapping)
    specs = []
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
        specs.append((stream.system, StreamSpec(
            stream.stream, partitions, storage.changelog_replication_factor(store), topic_config
        )))
    return specs


def create_job_streams(config: Config, admins: Mapping[str, SystemAdmin], changelog_mapping: Mapping[str, int]) -> None:
    checkpoint_factory = TaskConfig(config).checkpoint_factory
    if checkpoint_factory and canonical_class_name(checkpoint_factory) == _KAFKA_CHECKPOINTS:
        KafkaCheckpointManager(config).create_topic()
    for system, spec in changelog_specs(config, changelog_mapping):
        if admins[system].create_stream(spec):
            log.info("created changelog %s.%s with %d partition(s)", system, spec.stream, spec.partitions)
