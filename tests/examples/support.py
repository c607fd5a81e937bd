"""What the container hands a task, for unit tests: a recording collector, the real context with stores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samza_py.api import KeyValueStore, MessageCollector, OutgoingMessageEnvelope
from samza_py.config.config import Config
from samza_py.container.task_context import TaskContextImpl
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.builtin import IntegerSerde, StringSerde
from samza_py.storage.inmemory import InMemoryKeyValueStore
from samza_py.storage.serialized import SerializedKeyValueStore


class ListCollector(MessageCollector):
    def __init__(self) -> None:
        self.sent: list[OutgoingMessageEnvelope] = []

    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        self.sent.append(envelope)


def stub_context(config: Mapping[str, str] | None = None,
                 stores: Mapping[str, KeyValueStore[Any, Any]] | None = None) -> TaskContextImpl:
    """The container's own TaskContext for task ``Partition 0`` with no inputs: config as a Config."""
    return TaskContextImpl("Partition 0", frozenset(), Config(dict(config or {})),
                           MetricsRegistryMap("TaskName-Partition 0"), dict(stores or {}))


def string_int_store() -> KeyValueStore[Any, Any]:
    """An in-memory store with the stats job's serdes (string keys, 4-byte integer values)."""
    return SerializedKeyValueStore(InMemoryKeyValueStore(), StringSerde(), IntegerSerde())
