"""The non-persistent raw store: a dict plus a sorted key list, and its engine factory."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from pathlib import Path

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.config.storage_config import StorageConfig
from samza_py.storage.entries import Pairs, RawEntries, entry_pairs
from samza_py.storage.errors import StoreClosedError
from samza_py.storage.factory import BaseKeyValueStorageEngineFactory
from samza_py.storage.raw_checks import check_bytes


def _snapshot(pairs: list[tuple[bytes, bytes]]) -> Iterator[Entry[bytes, bytes]]:
    for key, value in pairs:
        yield Entry(key, value)


class InMemoryKeyValueStore(KeyValueStore[bytes, bytes]):
    """Bytes in byte order, like RocksDB; a ``None`` value in ``put``/``put_all`` is a delete.

    ``range``/``all`` see the data as it was when they were called (as a RocksDB iterator does), so
    writing while iterating is safe.
    """

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._keys: list[bytes] = []  # sorted; kept in step with _data so range is a bisect and a slice
        self._closed = False

    def _live(self) -> dict[bytes, bytes]:
        if self._closed:
            raise StoreClosedError("in-memory store")
        return self._data

    def get(self, key: bytes) -> bytes | None:
        check_bytes(key, "key")
        return self._live().get(key)

    def get_all(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        data = self._live()
        found: dict[bytes, bytes] = {}
        for key in keys:
            check_bytes(key, "key")
            value = data.get(key)
            if value is not None:
                found[key] = value
        return found

    def put(self, key: bytes, value: bytes | None) -> None:
        check_bytes(key, "key")
        if value is None:
            self._remove(key)
            return
        check_bytes(value, "value")
        data = self._live()
        if key not in data:
            insort(self._keys, key)
        data[key] = value

    def put_all(self, entries: RawEntries) -> None:
        self.put_pairs(entry_pairs(entries))

    def put_pairs(self, pairs: Pairs) -> None:
        # Check everything first so a bad entry leaves the store untouched, as a RocksDB batch would.
        for key, value in pairs:
            check_bytes(key, "key")
            if value is not None:
                check_bytes(value, "value")
        for key, value in pairs:
            self.put(key, value)

    def delete(self, key: bytes) -> None:
        check_bytes(key, "key")
        self._remove(key)

    def delete_all(self, keys: Iterable[bytes]) -> None:
        wanted = list(keys)
        for key in wanted:
            check_bytes(key, "key")
        for key in wanted:
            self._remove(key)

    def _remove(self, key: bytes) -> None:
        if self._live().pop(key, None) is not None:
            del self._keys[bisect_left(self._keys, key)]

    def range(self, from_key: bytes, to_key: bytes) -> KeyValueIterator[bytes, bytes]:
        check_bytes(from_key, "range bound")
        check_bytes(to_key, "range bound")
        data = self._live()
        low = bisect_left(self._keys, from_key)
        high = max(low, bisect_left(self._keys, to_key))
        return KeyValueIterator(_snapshot([(key, data[key]) for key in self._keys[low:high]]))

    def all(self) -> KeyValueIterator[bytes, bytes]:
        data = self._live()
        return KeyValueIterator(_snapshot([(key, data[key]) for key in self._keys]))

    def flush(self) -> None:
        self._live()  # nothing to persist; a flush after close is still an error

    def close(self) -> None:
        self._closed = True
        self._data = {}
        self._keys = []

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._data)


class InMemoryKeyValueStorageEngineFactory(BaseKeyValueStorageEngineFactory):
    """``stores.<st>.factory`` for in-memory stores: nothing on disk, so ``store_dir`` is ignored."""

    persistent = False

    def create_raw_store(
        self, store_name: str, store_dir: Path, storage: StorageConfig, tasks_in_container: int
    ) -> InMemoryKeyValueStore:
        return InMemoryKeyValueStore()
