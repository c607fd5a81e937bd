"""An LRU cache of objects in front of the serde layer that also batches writes.

Writes land in the cache and are marked dirty; dirty entries reach the inner store in one ``put_all``,
oldest write first, when ``write_batch_size`` of them are pending, when a dirty entry would be evicted,
and before ``range``/``all``/``flush`` (so those see every write). A delete is a cached ``None``: it
reaches the inner store as a ``None`` value in that ``put_all``, which every inner layer treats as a
delete (the changelog gets a tombstone). Misses are cached too, so a key read twice is read once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.entries import entry_pairs


class CachedStore(KeyValueStore[Any, Any]):
    def __init__(self, inner: KeyValueStore[Any, Any], cache_size: int, write_batch_size: int) -> None:
        if cache_size < 1:
            raise ValueError(f"cache size must be at least 1, got {cache_size}")
        if write_batch_size < 1:
            raise ValueError(f"write batch size must be at least 1, got {write_batch_size}")
        self.inner = inner
        self.cache_size = cache_size
        self.write_batch_size = write_batch_size
        self._cache: OrderedDict[Any, Any] = OrderedDict()  # least recently used first; None = absent
        self._dirty: OrderedDict[Any, None] = OrderedDict()  # keys with unwritten changes, oldest write first

    @property
    def dirty_count(self) -> int:
        return len(self._dirty)

    def cached_keys(self) -> list[Any]:
        """Cached keys, least recently used first (for tests and debugging)."""
        return list(self._cache)

    def get(self, key: Any) -> Any:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = self.inner.get(key)
        self._remember(key, value, dirty=False)
        return value

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        wanted = list(keys)
        values: dict[Any, Any] = {}
        missing: list[Any] = []
        for key in wanted:
            if key in self._cache:
                self._cache.move_to_end(key)
                values[key] = self._cache[key]
            else:
                missing.append(key)
        if missing:
            fetched = self.inner.get_all(missing)
            for key in missing:
                values[key] = fetched.get(key)
                self._remember(key, values[key], dirty=False)
        return {key: values[key] for key in wanted if values[key] is not None}

    def put(self, key: Any, value: Any) -> None:
        self._remember(key, value, dirty=True)

    def put_all(self, entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> None:
        for key, value in entry_pairs(entries):
            self._remember(key, value, dirty=True)

    def delete(self, key: Any) -> None:
        self._remember(key, None, dirty=True)

    def delete_all(self, keys: Iterable[Any]) -> None:
        for key in keys:
            self._remember(key, None, dirty=True)

    def _remember(self, key: Any, value: Any, *, dirty: bool) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        if dirty:
            # Re-writing a key moves it to the newest end, so the batch order is the order of last writes.
            self._dirty[key] = None
            self._dirty.move_to_end(key)
        if len(self._cache) > self.cache_size:
            eldest = next(iter(self._cache))
            if eldest in self._dirty:
                self._write_dirty()  # all of them, keeping the inner store's write order
            del self._cache[eldest]
        if len(self._dirty) >= self.write_batch_size:
            self._write_dirty()

    def _write_dirty(self) -> None:
        if not self._dirty:
            return
        batch = [Entry(key, self._cache[key]) for key in self._dirty]
        self.inner.put_all(batch)
        # Cleared only once written: if the inner store fails, the writes stay pending rather than vanish.
        self._dirty.clear()

    def range(self, from_key: Any, to_key: Any) -> KeyValueIterator[Any, Any]:
        self._write_dirty()
        return self.inner.range(from_key, to_key)

    def all(self) -> KeyValueIterator[Any, Any]:
        self._write_dirty()
        return self.inner.all()

    def flush(self) -> None:
        self._write_dirty()
        self.inner.flush()

    def close(self) -> None:
        self.flush()
        self.inner.close()
