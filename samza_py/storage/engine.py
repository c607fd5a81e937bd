"""KeyValueStorageEngine: the store a task gets, with Samza's store metrics and the restore path."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from samza_py.api.metrics import Counter, MetricsRegistry
from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.cached import CachedStore, Get, Put
from samza_py.storage.entries import ByteStore, entry_pairs
from samza_py.storage.null_safe import NullSafeKeyValueStore

METRICS_GROUP = "org.apache.samza.storage.kv.KeyValueStorageEngineMetrics"
DEFAULT_RESTORE_BATCH = 1000


def _task_accessors(outer: KeyValueStore[Any, Any], gets: Counter, puts: Counter) -> tuple[Get, Put]:
    if isinstance(outer, NullSafeKeyValueStore) and isinstance(outer.inner, CachedStore):
        return outer.inner.accessors(gets, puts, null_safe=True)
    outer_get, outer_put = outer.get, outer.put

    def get(key: Any) -> Any:
        gets.count += 1  # the counter's own field: no call on the per-message path
        return outer_get(key)

    def put(key: Any, value: Any) -> None:
        puts.count += 1
        outer_put(key, value)

    return get, put


class KeyValueStorageEngine(KeyValueStore[Any, Any]):
    """Delegates to the outer layer of the stack and counts calls; ``restore`` writes the raw store directly.

    ``raw`` is the bottom (bytes) store; ``persistent`` says whether it survives the process (RocksDB).
    """

    def __init__(
        self,
        store_name: str,
        outer: KeyValueStore[Any, Any],
        raw: ByteStore,
        *,
        persistent: bool,
        registry: MetricsRegistry,
    ) -> None:
        self.store_name = store_name
        self.outer = outer
        self.raw = raw
        self.persistent = persistent
        self._closed = False

        def counter(suffix: str) -> Counter:
            return registry.new_counter(METRICS_GROUP, f"{store_name}-{suffix}")

        self.puts = counter("puts")
        self.gets = counter("gets")
        self.deletes = counter("deletes")
        self.ranges = counter("ranges")
        self.alls = counter("alls")
        self.flushes = counter("flushes")
        self.restored_messages = counter("restored-messages")
        self.restored_bytes = counter("restored-bytes")
        # A task calls get and put for nearly every message: each is one closure, set on the instance (no
        # method frame), that counts the call and goes on to the outer layer, or over the usual stack
        # (null-safe over a cache) also does those two layers' work itself.
        self.get, self.put = _task_accessors(outer, self.gets, self.puts)  # type: ignore[method-assign,assignment]

    # ------------------------------------------------------------------------------ task API
    def get(self, key: Any) -> Any:  # replaced per instance (__init__)
        return self.outer.get(key)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        wanted = list(keys)
        self.gets.inc(len(wanted))
        return self.outer.get_all(wanted)

    def put(self, key: Any, value: Any) -> None:  # replaced per instance (__init__)
        self.outer.put(key, value)

    def put_all(self, entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> None:
        batch = [Entry(key, value) for key, value in entry_pairs(entries)]
        self.puts.inc(len(batch))
        self.outer.put_all(batch)

    def delete(self, key: Any) -> None:
        self.deletes.inc()
        self.outer.delete(key)

    def delete_all(self, keys: Iterable[Any]) -> None:
        wanted = list(keys)
        self.deletes.inc(len(wanted))
        self.outer.delete_all(wanted)

    def range(self, from_key: Any, to_key: Any) -> KeyValueIterator[Any, Any]:
        self.ranges.inc()
        return self.outer.range(from_key, to_key)

    def all(self) -> KeyValueIterator[Any, Any]:
        self.alls.inc()
        return self.outer.all()

    def flush(self) -> None:
        """Cache → serdes → changelog sends → raw store, then the raw store persists (each layer flushes its inner)."""
        self.flushes.inc()
        self.outer.flush()

    def close(self) -> None:
        """Flushes pending writes (the cache does on close) and closes every layer; a second close does nothing."""
        if self._closed:
            return
        self._closed = True
        self.outer.close()

    def abandon(self) -> None:
        """Close only the raw store: cached writes are dropped, never reaching the changelog."""
        if self._closed:
            return
        self._closed = True
        self.raw.close()

    # ------------------------------------------------------------------------- storage manager
    def restoring(self) -> AbstractContextManager[None]:
        """Around a restore: the raw store's bulk-load mode, if it has one (RocksDB does)."""
        bulk_load = getattr(self.raw, "bulk_load", None)
        return bulk_load() if bulk_load is not None else contextlib.nullcontext()

    def restore(self, entries: Iterable[tuple[bytes, bytes | None]], batch_size: int = DEFAULT_RESTORE_BATCH) -> int:
        """Replay changelog records into the raw store (``None`` = delete), past cache, serdes and changelog.

        Runs before the task sees the store, so no cache can hold a stale value. Returns the records applied.
        """
        if batch_size < 1:
            raise ValueError(f"restore batch size must be at least 1, got {batch_size}")
        write_pairs = getattr(self.raw, "write_pairs", None)
        if write_pairs is not None and isinstance(entries, list):
            return self._restore_pairs(entries, batch_size, write_pairs)
        count = 0
        batch: list[Entry[bytes, bytes | None]] = []
        for key, value in entries:
            if key is None:
                raise ValueError(f"changelog record with a null key while restoring store {self.store_name!r}")
            batch.append(Entry(key, value))
            if len(batch) >= batch_size:
                count += self._apply(batch)
                batch = []
        if batch:
            count += self._apply(batch)
        return count

    def _restore_pairs(
        self, pairs: list[tuple[bytes, bytes | None]], batch_size: int, write_pairs: Any
    ) -> int:
        """The fast path for a batch already in memory: no Entry objects, one pass to count bytes."""
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start:start + batch_size]
            write_pairs(chunk)
            self.restored_messages.count += len(chunk)
            self.restored_bytes.count += sum([len(k) + (len(v) if v is not None else 0) for k, v in chunk])
        return len(pairs)

    def _apply(self, batch: list[Entry[bytes, bytes | None]]) -> int:
        self.raw.put_all(batch)
        # Counted per applied batch, so the metrics show progress during a long restore.
        self.restored_messages.inc(len(batch))
        self.restored_bytes.inc(sum(len(e.key) + (0 if e.value is None else len(e.value)) for e in batch))
        return len(batch)

    def raw_get(self, key: bytes) -> bytes | None:
        """The raw store's bytes for ``key``, bypassing cache and serdes (pending cached writes are not seen)."""
        value: bytes | None = self.raw.get(key)
        return value
