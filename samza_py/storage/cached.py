"""An LRU cache of objects in front of the serde layer that also batches writes.

Writes land in the cache and are marked dirty; dirty entries reach the inner store in one batch,
oldest write first, when ``write_batch_size`` of them are pending, when a dirty entry would be evicted,
and before ``range``/``all``/``flush`` (so those see every write). A delete is a cached ``None``: it
reaches the inner store as a ``None`` value in that batch, which every inner layer treats as a
delete (the changelog gets a tombstone). Misses are cached too, so a key read twice is read once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samza_py.api.metrics import Counter
from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.entries import entry_pairs, pairs_writer
from samza_py.storage.null_safe import NULL_KEY, NULL_VALUE

try:
    from samza_py._store_cache import CachedGet, CachedPut
except ImportError:  # pragma: no cover - an install without a C compiler
    CachedGet = CachedPut = None  # type: ignore[assignment,misc]

_ABSENT = object()  # not cached (a cached None is a known-absent key)
Get = Callable[[Any], Any]
Put = Callable[[Any, Any], None]


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
        # Keys with unwritten changes and their values, oldest write first (a plain dict keeps insertion
        # order; a re-write is removed and inserted again, so the batch order is the order of last writes).
        self._dirty: dict[Any, Any] = {}
        # Bound once: these run for every miss and every batch.
        self._inner_get = inner.get
        self._put_pairs = pairs_writer(inner)
        self._get, self._put = self.accessors(Counter("gets"), Counter("puts"), null_safe=False)

    def accessors(self, gets: Counter, puts: Counter, *, null_safe: bool) -> tuple[Get, Put]:
        """This cache's get and put as two closures that also count each call and, with ``null_safe``, refuse
        null keys and values as the null-safe layer does.

        The storage engine calls them in place of its own layer, the null-safe layer and this one: a task
        calls get and put for nearly every message, and each layer's Python frame costs more than the work.
        They are compiled (samza_py/_store_cache.c) where that was built; the closures below are the reference.
        """
        if CachedGet is not None and CachedPut is not None:
            null_key, null_value = (NULL_KEY, NULL_VALUE) if null_safe else (None, None)
            return (CachedGet(self._cache, self._dirty, self.cache_size, self._inner_get, self, gets, null_key),
                    CachedPut(self._cache, self._dirty, self.cache_size, self.write_batch_size, self, puts,
                              null_key, null_value))
        cache, dirty = self._cache, self._dirty
        cache_size, write_batch_size = self.cache_size, self.write_batch_size
        inner_get, move_to_end, popitem = self._inner_get, cache.move_to_end, cache.popitem

        def get(key: Any) -> Any:
            gets.count += 1
            if null_safe and key is None:
                raise ValueError(NULL_KEY)
            value = cache.get(key, _ABSENT)
            if value is not _ABSENT:
                move_to_end(key)
                return value
            value = inner_get(key)
            cache[key] = value  # a new key goes in at the most recently used end
            if len(cache) > cache_size:
                # Inline for the usual case, a clean eldest entry: a full cache evicts on every miss.
                eldest, eldest_value = popitem(False)
                if eldest in dirty:
                    self._write_dirty_for_eviction(eldest, eldest_value)
            return value

        def put(key: Any, value: Any) -> None:
            puts.count += 1
            if null_safe and (key is None or value is None):
                raise ValueError(NULL_KEY if key is None else NULL_VALUE)
            cache[key] = value
            move_to_end(key)
            dirty.pop(key, None)  # a re-write moves the key to the newest end of the batch
            dirty[key] = value
            if len(cache) > cache_size:
                self._evict_eldest()
            if len(dirty) >= write_batch_size:
                self._write_dirty()

        return get, put

    @property
    def dirty_count(self) -> int:
        return len(self._dirty)

    def cached_keys(self) -> list[Any]:
        """Cached keys, least recently used first (for tests and debugging)."""
        return list(self._cache)

    def get(self, key: Any) -> Any:
        return self._get(key)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        wanted = list(keys)
        cache = self._cache
        values: dict[Any, Any] = {}
        missing: list[Any] = []
        for key in wanted:
            value = cache.get(key, _ABSENT)
            if value is _ABSENT:
                missing.append(key)
            else:
                cache.move_to_end(key)
                values[key] = value
        if missing:
            fetched = self.inner.get_all(missing)
            for key in missing:
                values[key] = value = fetched.get(key)
                self._remember(key, value)
        return {key: values[key] for key in wanted if values[key] is not None}

    def put(self, key: Any, value: Any) -> None:
        self._put(key, value)

    def put_all(self, entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> None:
        for key, value in entry_pairs(entries):
            self.put(key, value)

    def delete(self, key: Any) -> None:
        self.put(key, None)

    def delete_all(self, keys: Iterable[Any]) -> None:
        for key in keys:
            self.put(key, None)

    def _remember(self, key: Any, value: Any) -> None:
        """Cache a value read from the inner store (clean: nothing to write)."""
        cache = self._cache
        cache[key] = value
        cache.move_to_end(key)
        if len(cache) > self.cache_size:
            self._evict_eldest()

    def _evict_eldest(self) -> None:
        eldest, value = self._cache.popitem(False)  # least recently used
        if eldest in self._dirty:
            self._write_dirty_for_eviction(eldest, value)

    def _write_dirty_for_eviction(self, eldest: Any, value: Any) -> None:
        """The evicted entry is dirty: write every dirty entry (keeping the inner store's write order)."""
        try:
            self._write_dirty()
        except BaseException:
            # Not written: keep it cached, or a read would miss its pending value and see the inner one.
            self._cache[eldest] = value
            self._cache.move_to_end(eldest, last=False)
            raise

    def _write_dirty(self) -> None:
        dirty = self._dirty
        if not dirty:
            return
        self._put_pairs(list(dirty.items()))
        # Cleared only once written: if the inner store fails, the writes stay pending rather than vanish.
        dirty.clear()

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
