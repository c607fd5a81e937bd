"""Small fakes for operator tests: a recording collector, a coordinator, a sorted dict store, a context."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samza_py.api import (
    Entry,
    KeyValueIterator,
    KeyValueStore,
    MessageCollector,
    MetricsRegistry,
    OutgoingMessageEnvelope,
    RequestScope,
    SystemStreamPartition,
    TaskContext,
    TaskCoordinator,
)
from samza_py.container.samza_container import SamzaContainer
from samza_py.metrics.registry import MetricsRegistryMap
from tests.polling import wait_until


class RecordingCollector(MessageCollector):
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, Any]] = []

    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        self.sent.append((envelope.system_stream.stream, envelope.key, envelope.message))


class NullCoordinator(TaskCoordinator):
    def commit(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None:
        pass

    def shutdown(self, scope: RequestScope = RequestScope.CURRENT_TASK) -> None:
        pass


class DictStore(KeyValueStore[bytes, bytes]):
    """Bytes to bytes, ranges in key order, as RocksDB orders them."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.range_calls = 0

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def get_all(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        return {k: self.data[k] for k in keys if k in self.data}

    def put(self, key: bytes, value: bytes) -> None:
        assert isinstance(key, bytes) and isinstance(value, bytes)
        self.data[key] = value

    def put_all(self, entries: Iterable[Entry[bytes, bytes]] | dict[bytes, bytes]) -> None:
        raise NotImplementedError

    def delete(self, key: bytes) -> None:
        self.data.pop(key, None)

    def delete_all(self, keys: Iterable[bytes]) -> None:
        for key in keys:
            self.delete(key)

    def range(self, from_key: bytes, to_key: bytes) -> KeyValueIterator[bytes, bytes]:
        self.range_calls += 1
        return KeyValueIterator(iter([Entry(k, self.data[k]) for k in sorted(self.data) if from_key <= k < to_key]))

    def all(self) -> KeyValueIterator[bytes, bytes]:
        return KeyValueIterator(iter([Entry(k, self.data[k]) for k in sorted(self.data)]))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeContext(TaskContext):
    def __init__(self, config: Mapping[str, str], stores: Mapping[str, KeyValueStore[Any, Any]]) -> None:
        self._config = config
        self._stores = stores
        self.registry = MetricsRegistryMap("TaskName-Partition 0")

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
        return self.registry

    def get_store(self, name: str) -> KeyValueStore[Any, Any]:
        return self._stores[name]

    def set_starting_offset(self, ssp: SystemStreamPartition, offset: str) -> None:
        raise NotImplementedError


def run_until(container: SamzaContainer, done: Callable[[], bool], timeout_s: float = 10) -> None:
    """Run the container on a thread until ``done()``, polled with a deadline; then stop it."""
    thread = threading.Thread(target=container.run, daemon=True)
    thread.start()

    def got_there() -> bool:
        assert thread.is_alive(), "the container stopped early"
        return done()

    wait_until(got_there, timeout_s, "the container getting there")
    container.request_stop()
    thread.join(timeout_s)
    assert not thread.is_alive()
