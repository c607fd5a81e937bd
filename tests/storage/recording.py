"""A byte store that records every call made to it, in order, into a shared event list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.entries import entry_pairs
from samza_py.storage.inmemory import InMemoryKeyValueStore


class RecordingStore(KeyValueStore[Any, Any]):
    """An in-memory store (None value = delete) logging ``(call, args...)`` tuples into ``events``."""

    def __init__(self, events: list[tuple[Any, ...]] | None = None) -> None:
        self.events: list[tuple[Any, ...]] = [] if events is None else events
        self.data = InMemoryKeyValueStore()

    def calls(self, name: str) -> list[tuple[Any, ...]]:
        return [event for event in self.events if event[0] == name]

    def writes(self) -> list[tuple[Any, ...]]:
        return [event for event in self.events if event[0] in ("put", "put_all", "delete", "delete_all")]

    def get(self, key: Any) -> Any:
        self.events.append(("get", key))
        return self.data.get(key)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        wanted = list(keys)
        self.events.append(("get_all", wanted))
        return self.data.get_all(wanted)

    def put(self, key: Any, value: Any) -> None:
        self.events.append(("put", key, value))
        self.data.put(key, value)

    def put_all(self, entries: Any) -> None:
        pairs = entry_pairs(entries)
        self.events.append(("put_all", pairs))
        self.data.put_all([Entry(key, value) for key, value in pairs])

    def delete(self, key: Any) -> None:
        self.events.append(("delete", key))
        self.data.delete(key)

    def delete_all(self, keys: Iterable[Any]) -> None:
        wanted = list(keys)
        self.events.append(("delete_all", wanted))
        self.data.delete_all(wanted)

    def range(self, from_key: Any, to_key: Any) -> KeyValueIterator[Any, Any]:
        self.events.append(("range", from_key, to_key))
        return self.data.range(from_key, to_key)

    def all(self) -> KeyValueIterator[Any, Any]:
        self.events.append(("all",))
        return self.data.all()

    def flush(self) -> None:
        self.events.append(("flush",))

    def close(self) -> None:
        self.events.append(("close",))
        self.data.close()
