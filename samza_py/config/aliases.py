"""Class names in config: Samza's Java names for built-ins resolve to samza-py's classes.

A config names classes either as Python dotted paths (``package.module.ClassName``) or by Samza's
Java class name for one of the built-ins below, so a classic Samza config runs unchanged.
"""

from __future__ import annotations

import importlib
from typing import Any

JAVA_CLASS_ALIASES: dict[str, str] = {
    # serdes
    "org.apache.samza.serializers.StringSerdeFactory": "samza_py.serializers.builtin.StringSerdeFactory",
    "org.apache.samza.serializers.IntegerSerdeFactory": "samza_py.serializers.builtin.IntegerSerdeFactory",
    "org.apache.samza.serializers.LongSerdeFactory": "samza_py.serializers.builtin.LongSerdeFactory",
    "org.apache.samza.serializers.DoubleSerdeFactory": "samza_py.serializers.builtin.DoubleSerdeFactory",
    "org.apache.samza.serializers.ByteSerdeFactory": "samza_py.serializers.builtin.ByteSerdeFactory",
    "org.apache.samza.serializers.JsonSerdeFactory": "samza_py.serializers.builtin.JsonSerdeFactory",
    "org.apache.samza.serializers.MetricsSnapshotSerdeFactory":
        "samza_py.serializers.metrics_snapshot.MetricsSnapshotSerdeFactory",
    # systems
    "org.apache.samza.system.kafka.KafkaSystemFactory": "samza_py.system.kafka.factory.KafkaSystemFactory",
    # checkpoints
    "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory":
        "samza_py.checkpoint.kafka.manager.KafkaCheckpointManagerFactory",
    "org.apache.samza.checkpoint.file.FileSystemCheckpointManagerFactory":
        "samza_py.checkpoint.file.manager.FileSystemCheckpointManagerFactory",
    # groupers
    "org.apache.samza.container.grouper.stream.GroupByPartitionFactory":
        "samza_py.job.grouper.GroupByPartitionFactory",
    "org.apache.samza.container.grouper.stream.GroupBySystemStreamPartitionFactory":
        "samza_py.job.grouper.GroupBySystemStreamPartitionFactory",
    "org.apache.samza.container.grouper.task.GroupByContainerCountFactory":
        "samza_py.job.task_grouper.GroupByContainerCountFactory",
    "org.apache.samza.container.grouper.task.GroupByContainerIdsFactory":
        "samza_py.job.task_grouper.GroupByContainerIdsFactory",
    # job factories
    "org.apache.samza.job.local.ThreadJobFactory": "samza_py.job.local.ThreadJobFactory",
    "org.apache.samza.job.local.ProcessJobFactory": "samza_py.job.local.ProcessJobFactory",
    "org.apache.samza.job.yarn.YarnJobFactory": "samza_py.job.yarn.YarnJobFactory",
    # standalone (ZooKeeper) coordination
    "org.apache.samza.zk.ZkJobCoordinatorFactory": "samza_py.coordinator.zk.coordinator.ZkJobCoordinatorFactory",
    "org.apache.samza.runtime.UUIDGenerator": "samza_py.coordinator.zk.processor_id.UUIDGenerator",
    # chooser
    "org.apache.samza.system.chooser.RoundRobinChooserFactory": "samza_py.container.chooser.RoundRobinChooserFactory",
    # metrics reporters (Python has no JMX: the Prometheus endpoint stands in for it)
    "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory":
        "samza_py.metrics.snapshot_reporter.MetricsSnapshotReporterFactory",
    "org.apache.samza.metrics.reporter.JmxReporterFactory":
        "samza_py.metrics.prometheus_reporter.PrometheusReporterFactory",
    # stores
    "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory":
        "samza_py.storage.rocksdb.RocksDbKeyValueStorageEngineFactory",
    "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory":
        "samza_py.storage.inmemory.InMemoryKeyValueStorageEngineFactory",
}

# The reverse map names our classes by Samza's name where it matters on the wire (checkpoint keys).
SAMZA_NAME_OF: dict[str, str] = {python: java for java, python in JAVA_CLASS_ALIASES.items()}


class ClassResolutionError(Exception):
    pass


def canonical_class_name(name: str) -> str:
    """The Python dotted path a configured class name stands for."""
    name = name.strip()
    return JAVA_CLASS_ALIASES.get(name, name)


def resolve_class(name: str) -> Any:
    """Import and return the class (or callable) a configured name stands for."""
    path = canonical_class_name(name)
    module_name, dot, attr = path.rpartition(".")
    if not dot or not module_name:
        raise ClassResolutionError(f"{name!r} is not a dotted path 'package.module.ClassName'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if name.startswith("org.apache.samza.") and name not in JAVA_CLASS_ALIASES:
            hint = " (a Samza Java class with no samza-py equivalent)"
        elif name in JAVA_CLASS_ALIASES:
            hint = " (not available in this version of samza-py)"
        else:
            hint = ""
        raise ClassResolutionError(f"cannot import module {module_name!r} for {name!r}{hint}: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ClassResolutionError(f"module {module_name!r} has no {attr!r} (for {name!r})") from None
