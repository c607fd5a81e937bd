"""Small stand-ins for what the container hands a task: a collector, a coordinator, a context with stores."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samza_py.api import (
    KeyValueStore,
    MessageCollector,
    MetricsRegistry,
    OutgoingMessageEnvelope,
    RequestScope,
    SystemStreamPartition,
    TaskContext,
    TaskCoordinator,
)
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.builtin import IntegerSerde, StringSerde
from samza_py.storage.inmemory import InMemoryKeyValueStore
from samza_py.storage.serialized import SerializedKeyValueStore


class ListCollector(MessageCollector):
    def __init__(self) -> None:
        self.sent: list[OutgoingMessageEnvelope] = []

    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        self.sent.append(envelope)

    def messages(self) -> list[Any]:
        return [e.message for e in self.sent]


class RecordingCoordinator(TaskCoordinator):
    def __init__(self) -> None:
        self.requests: list[tuple[str, RequestScope]] = []

    def commit(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None:
        self.requests.append(("commit", scope))

    def shutdown(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None:
        self.requests.append(("shutdown", scope))


class StubContext(TaskContext):
    def __init__(self, config: Mapping[str, str] | None = None,
                 stores: Mapping[str, KeyValueStore[Any, Any]] | None = None) -> None:
        self._config = dict(config or {})
        self._stores = dict(stores or {})
        self._registry = MetricsRegistryMap("TaskName-Partition 0")

    @property
    def task_name(self) -> str:
        return "Partition 0"

    @property
    def system_stream_partitions(self) -> frozenset[SystemStreamPartition]:
        return frozenset()

    @property
    def config(self) -> Mapping[str, str]:
        return self._config

    @property
    def metrics_registry(self) -> MetricsRegistry:
        return self._registry

    def get_store(self, name: str) -> KeyValueStore[Any, Any]:
        return self._stores[name]

    def set_starting_offset(self, ssp: SystemStreamPartition, offset: str) -> None:
        raise NotImplementedError


def string_int_store() -> KeyValueStore[Any, Any]:
    """An in-memory store with the stats job's serdes (string keys, 4-byte integer values)."""
    return SerializedKeyValueStore(InMemoryKeyValueStore(), StringSerde(), IntegerSerde())
