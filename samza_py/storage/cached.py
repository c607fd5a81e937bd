"""An LRU cache of objects in front of the serde layer that also batches writes.

Writes land in the cache and are marked dirty; dirty entries reach the inner store in one batch,
oldest write first, when ``write_batch_size`` of them are pending, when a dirty entry would be evicted,
and before ``range``/``all``/``flush`` (so those see every write). A delete is a cached ``None``: it
reaches the inner store as a ``None`` value in that batch, which every inner layer treats as a
delete (the changelog gets a tombstone). Misses are cached too, so a key read twice is read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samza_py.api.metrics import Counter
from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.entries import entry_pairs, pairs_writer
from samza_py.storage.null_safe import NULL_KEY, NULL_VALUE
from samza_py.storage.object_cache import PythonObjectCache

try:
    from samza_py._store_cache import CachedGet, CachedPut, ObjectCache
except ImportError:  # pragma: no cover - an install without a C compiler
    CachedGet = CachedPut = ObjectCache = None  # type: ignore[assignment,misc]

_ABSENT = object()  # not cached (a cached None is a known-absent key)
Get = Callable[[Any], Any]
Put = Callable[[Any, Any], None]


class CachedStore(KeyValueStore[Any, Any]):
    def __init__(self, inner: KeyValueStore[Any, Any], cache_size: int, write_batch_size: int) -> None:
        self.inner = inner
        # The LRU of objects and its pending writes (samza_py.storage.object_cache): compiled where built. It
        # checks and keeps the two sizes.
        object_cache: Any = PythonObjectCache if ObjectCache is None else ObjectCache
        self._cache = object_cache(cache_size, write_batch_size, inner.get, self)
        # Bound once: this runs for every batch.
        self._put_pairs = pairs_writer(inner)
        self._get, self._put = self.accessors(Counter("gets"), Counter("puts"), null_safe=False)

    def accessors(self, gets: Counter, puts: Counter, *, null_safe: bool) -> tuple[Get, Put]:
        """This cache's get and put as two callables that also count each call and, with ``null_safe``, refuse
        null keys and values as the null-safe layer does.

        The storage engine calls them in place of its own layer, the null-safe layer and this one: a task
        calls get and put for nearly every message, and each layer's Python frame costs more than the work.
        They are compiled (samza_py/_store_cache.c) with the compiled cache; the closures below are the
        reference, over the Python one.
        """
        null_key, null_value = (NULL_KEY, NULL_VALUE) if null_safe else (None, None)
        cache = self._cache
        if not isinstance(cache, PythonObjectCache):
            return CachedGet(cache, gets, null_key), CachedPut(cache, puts, null_key, null_value)
        entries, dirty, make_room = cache.entries, cache.dirty, cache.make_room
        cache_size, write_batch_size = cache.cache_size, cache.write_batch_size
        inner_get, move_to_end, write_dirty = cache.inner_get, entries.move_to_end, cache.store._write_dirty

        def get(key: Any) -> Any:
            gets.count += 1
            if null_safe and key is None:
                raise ValueError(NULL_KEY)
            value = entries.get(key, _ABSENT)
            if value is not _ABSENT:
                move_to_end(key)
                return value
            value = inner_get(key)
            # Added at the most recently used end, unless the inner read (Python code) cached the key meanwhile:
            # then its answer stands uncached. Either way at most one key more than before the read.
            entries.setdefault(key, value)
            if len(entries) > cache_size:
                make_room()
            return value

        def put(key: Any, value: Any) -> None:
            puts.count += 1
            if null_safe and (key is None or value is None):
                raise ValueError(NULL_KEY if key is None else NULL_VALUE)
            entries[key] = value
            move_to_end(key)
            dirty.pop(key, None)  # a re-write moves the key to the newest end of the batch
            dirty[key] = value
            if len(entries) > cache_size:
                make_room()
            if len(dirty) >= write_batch_size:
                write_dirty()

        return get, put

    @property
    def cache_size(self) -> int:
        return int(self._cache.cache_size)

    @property
    def write_batch_size(self) -> int:
        return int(self._cache.write_batch_size)

    @property
    def dirty_count(self) -> int:
        return int(self._cache.dirty_count)

    def cached_keys(self) -> list[Any]:
        """Cached keys, least recently used first (for tests and debugging)."""
        return list(self._cache.keys())

    def get(self, key: Any) -> Any:
        return self._get(key)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        wanted = list(keys)
        lookup = self._cache.lookup
        values: dict[Any, Any] = {}
        missing: list[Any] = []
        for key in wanted:
            value = lookup(key, _ABSENT)
            if value is _ABSENT:
                missing.append(key)
            else:
                values[key] = value
        if missing:
            fetched = self.inner.get_all(missing)
            for key in missing:
                values[key] = value = fetched.get(key)
                self._cache.remember(key, value)
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

    def _write_dirty(self) -> None:
        cache = self._cache
        if not cache.dirty_count:
            return
        self._put_pairs(cache.pending())
        # Marked clean only once written: if the inner store fails, the writes stay pending rather than vanish.
        cache.mark_clean()

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
