"""The object cache under CachedStore, compiled and Python: LRU order, pending writes, eviction, references."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from samza_py.api.metrics import Counter
from samza_py.storage import cached as cached_module
from samza_py.storage.cached import CachedStore
from samza_py.storage.object_cache import PythonObjectCache
from tests.storage.recording import RecordingStore

pytestmark = pytest.mark.usefixtures("store_implementation")


class Writer:
    """The store side of a cache: records each _write_dirty with what was pending, then marks it clean."""

    def __init__(self) -> None:
        self.cache: Any = None
        self.batches: list[list[tuple[Any, Any]]] = []
        self.fail: Exception | None = None

    def _write_dirty(self) -> None:
        if self.fail is not None:
            raise self.fail
        self.batches.append(self.cache.pending())
        self.cache.mark_clean()


def new_cache(cache_size: int, inner_get: Callable[[Any], Any] = lambda key: None) -> tuple[Any, Writer]:
    writer = Writer()
    kind = PythonObjectCache if cached_module.ObjectCache is None else cached_module.ObjectCache
    writer.cache = kind(cache_size, 100, inner_get, writer)
    return writer.cache, writer


def put_into(cache: Any) -> Callable[[Any, Any], None]:
    """A cached store's put (as a task's store calls it) over ``cache``."""
    store = CachedStore(RecordingStore(), 1, 1)
    store._cache = cache
    return store.accessors(Counter("gets"), Counter("puts"), null_safe=False)[1]


@pytest.mark.parametrize(("cache_size", "write_batch_size"), [(0, 1), (1, 0)])
def test_the_cache_checks_and_keeps_its_sizes(cache_size: int, write_batch_size: int) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        CachedStore(RecordingStore(), cache_size, write_batch_size)
    store = CachedStore(RecordingStore(), 7, 3)
    assert (store.cache_size, store.write_batch_size) == (7, 3)
    assert type(store._cache) is (PythonObjectCache if cached_module.ObjectCache is None else cached_module.ObjectCache)


def test_lookup_touches_and_remember_keeps_a_cached_object() -> None:
    cache, _ = new_cache(3)
    for key in ("a", "b", "c"):
        cache.remember(key, key.upper())
    assert cache.keys() == ["a", "b", "c"] and len(cache) == 3
    assert cache.lookup("a", "absent") == "A" and cache.lookup("z", "absent") == "absent"
    assert cache.keys() == ["b", "c", "a"]
    cache.remember("b", "from the inner store")  # cached: its object is kept, the key is touched
    assert cache.lookup("b", None) == "B" and cache.keys() == ["c", "a", "b"]
    cache.remember("d", "D")  # evicts clean c without a write
    assert cache.keys() == ["a", "b", "d"] and cache.dirty_count == 0


def test_an_evicted_dirty_key_is_written_with_every_pending_write_first() -> None:
    cache, writer = new_cache(2)
    put = put_into(cache)
    put("a", 1)
    put("b", 2)
    put("a", 3)  # a re-write: a is the newest write and the most recently used key
    assert cache.pending() == [("b", 2), ("a", 3)] and writer.batches == []
    put("c", 4)  # evicts b, dirty: all three pending writes first, oldest write first
    assert writer.batches == [[("b", 2), ("a", 3), ("c", 4)]]
    assert cache.keys() == ["a", "c"] and cache.dirty_count == 0 and cache.pending() == []


def test_a_failed_write_evicts_nothing_and_keeps_the_writes_pending() -> None:
    cache, writer = new_cache(1)
    cache.remember("a", 1)
    put = put_into(cache)
    put("a", 2)
    writer.fail = OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        put("b", 3)
    assert cache.keys() == ["a", "b"] and cache.pending() == [("a", 2), ("b", 3)]
    writer.fail = None
    cache.remember("c", 4)  # room is made again: the pending writes go first
    assert writer.batches == [[("a", 2), ("b", 3)]] and cache.keys() == ["c"]


def test_a_write_that_leaves_the_eldest_pending_is_an_error_not_a_loop() -> None:
    cache, writer = new_cache(1)
    writer._write_dirty = lambda: None  # type: ignore[method-assign]  # writes nothing, marks nothing clean
    put = put_into(cache)
    put("a", 1)
    with pytest.raises(RuntimeError, match="left the eldest write pending"):
        put("b", 2)


def test_a_key_cached_by_the_inner_read_itself_keeps_its_newer_object() -> None:
    store: CachedStore

    class Rewriting(RecordingStore):
        def get(self, key: object) -> object:
            store.put(key, b"written during the read")  # Python code in the read that writes the same key
            return b"read"

    store = CachedStore(Rewriting(), 10, 100)
    assert store.get(b"k") == b"read"  # the read's answer
    assert store.get(b"k") == b"written during the read" and store.dirty_count == 1


def test_a_cycle_through_a_cached_object_is_collected() -> None:
    class Value:
        store: CachedStore | None = None

    store = CachedStore(RecordingStore(), 10, 100)
    value = Value()
    value.store = store  # value -> store -> cache -> value
    store.put(b"k", value)
    gone = weakref.ref(value)
    del store, value
    gc.collect()
    assert gone() is None


def test_objects_replaced_or_evicted_are_released() -> None:
    cache, writer = new_cache(1)
    put = put_into(cache)
    first, second = object(), object()
    refs = sys.getrefcount(first)
    put("k", first)
    put("k", second)  # replaces the cached and the pending object
    assert sys.getrefcount(first) == refs
    cache.remember("z", None)  # evicts k once its write is written
    assert writer.batches == [[("k", second)]] and cache.keys() == ["z"]
    writer.batches.clear()
    assert sys.getrefcount(second) == refs


def run_random_operations(seed: int) -> tuple[list[Any], list[Any], dict[bytes, bytes]]:
    """A random mix of a task's store calls on a small cache: what it saw (answers, cached keys, pending count),
    the inner store's calls, and the last value written to each key (its expected final state)."""
    import random

    rng = random.Random(seed)
    inner = RecordingStore()
    store = CachedStore(inner, rng.choice([1, 2, 3, 5]), rng.choice([1, 2, 4]))
    get, put = store.accessors(Counter("gets"), Counter("puts"), null_safe=False)
    seen: list[Any] = []
    last: dict[bytes, bytes] = {}
    for _ in range(2_000):
        key = f"k{rng.randrange(8)}".encode()
        op = rng.random()
        if op < 0.4:
            seen.append(get(key))
            assert seen[-1] == last.get(key)
        elif op < 0.85:
            value = str(rng.randrange(100)).encode() if op < 0.75 else None  # None: a delete
            put(key, value)
            if value is None:
                last.pop(key, None)
            else:
                last[key] = value
        elif op < 0.95:
            other = f"k{rng.randrange(8)}".encode()
            seen.append(store.get_all([key, other]))
            assert seen[-1] == {k: last[k] for k in (key, other) if k in last}
        else:
            store.flush()
        seen.append((store.cached_keys(), store.dirty_count))
    store.flush()
    assert {entry.key: entry.value for entry in inner.data.all()} == last
    return seen, inner.events, last


@pytest.mark.parametrize("seed", range(6))
def test_random_operations_read_back_every_write_and_both_caches_agree(store_implementation: str,
                                                                       seed: int) -> None:
    seen, events, last = run_random_operations(seed)
    if store_implementation == "compiled":
        # The Python cache is the reference: same answers, same LRU and pending counts, same inner calls.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(cached_module, "ObjectCache", None)
            assert run_random_operations(seed) == (seen, events, last)


def test_a_finalizer_that_uses_the_cache_while_its_object_is_replaced() -> None:
    cache, writer = new_cache(2)
    store = CachedStore(RecordingStore(), 1, 1)
    store._cache = cache
    get, put = store.accessors(Counter("gets"), Counter("puts"), null_safe=False)
    reads: list[Any] = []

    class Noisy:
        def __del__(self) -> None:
            reads.append(get("other"))  # reads (a miss: cached, maybe evicting) while the put is under way

    put("k", Noisy())
    put("k", 1)  # the Noisy object goes: its finalizer's read caches "other"
    assert reads == [None] and cache.keys() == ["k", "other"]
    put("j", Noisy())  # evicts k, dirty: both pending writes first
    assert writer.batches[-1][0] == ("k", 1) and cache.keys() == ["other", "j"]
    writer.batches.clear()
    put("j", 2)  # the second Noisy object goes: its read is a hit (which of the two is newer then is the
    # implementation's: the compiled put lets the old object go last, the Python one in the middle)
    assert reads == [None, None] and sorted(cache.keys()) == ["j", "other"] and cache.pending() == [("j", 2)]
