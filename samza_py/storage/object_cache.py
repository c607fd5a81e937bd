"""A store's object cache: an LRU of objects that also tracks which keys have writes not yet in the inner store.

``ObjectCache`` (samza_py/_store_cache.c) is what runs where that was built; ``PythonObjectCache`` here is the
reference, and what runs without a C compiler. Both behave alike (the tests run both):

- keys and their objects, least recently used first; a cached ``None`` is a known-absent key or a delete;
- a key is dirty from a write until ``mark_clean``; ``pending()`` gives the dirty keys' (key, object) pairs
  in the order of their last write (a re-write moves a key to the newest end);
- when more than ``cache_size`` keys are cached, the eldest goes. A dirty eldest first makes the store write
  every pending write (``store._write_dirty()``, which reads ``pending()`` and then calls ``mark_clean()``);
  if that raises, nothing is evicted and the writes stay pending.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol


class DirtyWriter(Protocol):
    """The store that owns the cache: it writes the pending writes to the inner store."""

    def _write_dirty(self) -> None: ...


class PythonObjectCache:
    def __init__(self, cache_size: int, write_batch_size: int, inner_get: Callable[[Any], Any],
                 store: DirtyWriter) -> None:
        if cache_size < 1 or write_batch_size < 1:
            raise ValueError(f"cache size and write batch size must be at least 1, got {cache_size} and "
                             f"{write_batch_size}")
        self.cache_size = cache_size
        self.write_batch_size = write_batch_size
        self.inner_get = inner_get
        self.store = store
        self.entries: OrderedDict[Any, Any] = OrderedDict()  # least recently used first
        # Dirty keys and their objects, oldest write first (a re-write is removed and inserted again).
        self.dirty: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def dirty_count(self) -> int:
        return len(self.dirty)

    def lookup(self, key: Any, default: Any) -> Any:
        """The cached object (the key is now the most recently used), or ``default``."""
        entries = self.entries
        if key in entries:
            entries.move_to_end(key)
            return entries[key]
        return default

    def remember(self, key: Any, value: Any) -> None:
        """Cache a value read from the inner store (clean), unless the key is cached: its object is newer."""
        entries = self.entries
        if key in entries:
            entries.move_to_end(key)
            return
        entries[key] = value
        self.make_room()

    def make_room(self) -> None:
        entries, dirty = self.entries, self.dirty
        while len(entries) > self.cache_size:
            eldest = next(iter(entries))
            if eldest in dirty:
                self.store._write_dirty()
                if eldest in dirty and next(iter(entries)) == eldest:
                    raise RuntimeError("the store's _write_dirty left the eldest write pending")
                continue
            del entries[eldest]

    def pending(self) -> list[tuple[Any, Any]]:
        return list(self.dirty.items())

    def mark_clean(self) -> None:
        self.dirty.clear()

    def keys(self) -> list[Any]:
        return list(self.entries)
