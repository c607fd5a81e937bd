"""CachedStore: LRU of objects, dirty batching, and when dirty entries reach the inner store."""

from __future__ import annotations

import pytest

from samza_py.api.storage import Entry
from samza_py.storage.cached import CachedStore
from tests.storage.recording import RecordingStore

# Every test with the compiled cache accessors and with the Python ones.
pytestmark = pytest.mark.usefixtures("store_implementation")


def make(cache_size: int = 10, batch: int = 3) -> tuple[CachedStore, RecordingStore]:
    inner = RecordingStore()
    return CachedStore(inner, cache_size, batch), inner


def test_no_inner_write_before_batch_size_then_one_put_all_oldest_first() -> None:
    store, inner = make(batch=3)
    store.put(b"b", b"1")
    store.put(b"a", b"2")
    assert inner.events == []
    assert store.dirty_count == 2
    assert store.get(b"b") == b"1"  # served from the cache
    assert inner.events == []
    store.put(b"c", b"3")
    assert inner.events == [("put_all", [(b"b", b"1"), (b"a", b"2"), (b"c", b"3")])]
    assert store.dirty_count == 0


def test_dirty_keys_are_deduplicated_and_rewrite_moves_a_key_to_the_newest_end() -> None:
    store, inner = make(batch=3)
    store.put(b"a", b"1")
    store.put(b"b", b"1")
    store.put(b"a", b"2")
    assert store.dirty_count == 2
    assert inner.events == []
    store.put(b"c", b"1")
    assert inner.events == [("put_all", [(b"b", b"1"), (b"a", b"2"), (b"c", b"1")])]


def test_put_all_goes_through_the_cache_and_can_trigger_batches() -> None:
    store, inner = make(batch=2)
    store.put_all([Entry(b"a", b"1"), Entry(b"b", b"2"), Entry(b"c", b"3")])
    assert inner.events == [("put_all", [(b"a", b"1"), (b"b", b"2")])]
    assert store.dirty_count == 1
    store.put_all({b"d": b"4"})
    assert inner.writes()[-1] == ("put_all", [(b"c", b"3"), (b"d", b"4")])


@pytest.mark.parametrize("call", ["range", "all"])
def test_range_and_all_write_dirty_entries_first_without_flushing_inner(call: str) -> None:
    store, inner = make(batch=100)
    store.put(b"b", b"2")
    store.put(b"a", b"1")
    store.delete(b"x")
    iterator = store.range(b"a", b"z") if call == "range" else store.all()
    with iterator:
        assert [(e.key, e.value) for e in iterator] == [(b"a", b"1"), (b"b", b"2")]
    expected_read = ("range", b"a", b"z") if call == "range" else ("all",)
    assert inner.events == [("put_all", [(b"b", b"2"), (b"a", b"1"), (b"x", None)]), expected_read]


def test_flush_writes_dirty_entries_then_flushes_inner() -> None:
    store, inner = make(batch=100)
    store.put(b"a", b"1")
    store.flush()
    assert inner.events == [("put_all", [(b"a", b"1")]), ("flush",)]
    store.flush()  # nothing dirty: no empty put_all
    assert inner.events[-1] == ("flush",)
    assert len(inner.calls("put_all")) == 1


def test_close_flushes_then_closes_inner() -> None:
    store, inner = make(batch=100)
    store.put(b"a", b"1")
    store.close()
    assert inner.events == [("put_all", [(b"a", b"1")]), ("flush",), ("close",)]


def test_evicting_a_dirty_entry_writes_all_dirty_entries() -> None:
    store, inner = make(cache_size=2, batch=100)
    store.put(b"a", b"1")
    store.put(b"b", b"2")
    assert inner.events == []
    store.put(b"c", b"3")  # a, dirty, is evicted
    assert inner.events == [("put_all", [(b"a", b"1"), (b"b", b"2"), (b"c", b"3")])]
    assert store.cached_keys() == [b"b", b"c"]
    assert store.get(b"a") == b"1"  # read back from inner
    assert inner.events[-1] == ("get", b"a")


def test_evicting_a_clean_entry_writes_nothing() -> None:
    store, inner = make(cache_size=2, batch=100)
    inner.data.put_all({b"a": b"1", b"b": b"2"})
    assert store.get(b"a") == b"1"
    assert store.get(b"b") == b"2"
    store.put(b"c", b"3")  # evicts clean a
    assert inner.writes() == []
    assert store.cached_keys() == [b"b", b"c"]


def test_lru_order_follows_reads() -> None:
    store, inner = make(cache_size=2, batch=100)
    store.put(b"a", b"1")
    store.put(b"b", b"2")
    store.flush()
    assert store.get(b"a") == b"1"  # a is now the most recently used
    store.put(b"c", b"3")
    assert store.cached_keys() == [b"a", b"c"]


def test_delete_reaches_inner_as_none_in_put_all_and_cached_delete_is_not_read_from_inner() -> None:
    store, inner = make(batch=100)
    inner.data.put(b"k", b"old")
    store.delete(b"k")
    assert store.get(b"k") is None
    assert store.get_all([b"k"]) == {}
    assert inner.events == []  # neither read went to inner
    store.flush()
    assert inner.events == [("put_all", [(b"k", None)]), ("flush",)]
    assert inner.data.get(b"k") is None


def test_delete_all_marks_each_key_deleted() -> None:
    store, inner = make(batch=100)
    store.put_all({b"a": b"1", b"b": b"2"})
    store.delete_all([b"a", b"b"])
    assert store.dirty_count == 2
    store.flush()
    assert inner.calls("put_all") == [("put_all", [(b"a", None), (b"b", None)])]


def test_misses_are_cached() -> None:
    store, inner = make()
    assert store.get(b"x") is None
    assert store.get(b"x") is None
    assert inner.events == [("get", b"x")]


def test_get_all_reads_only_uncached_keys_and_returns_found_only() -> None:
    store, inner = make(batch=100)
    inner.data.put_all({b"b": b"2", b"c": b"3"})
    store.put(b"a", b"1")
    assert store.get_all([b"a", b"b", b"z"]) == {b"a": b"1", b"b": b"2"}
    assert inner.events == [("get_all", [b"b", b"z"])]
    assert store.get_all([b"b", b"z", b"c"]) == {b"b": b"2", b"c": b"3"}
    assert inner.events[-1] == ("get_all", [b"c"])


def test_failed_inner_write_keeps_entries_dirty() -> None:
    class Failing(RecordingStore):
        fail = True

        def put_all(self, entries):  # type: ignore[no-untyped-def]
            if self.fail:
                raise OSError("disk full")
            super().put_all(entries)

    inner = Failing()
    store = CachedStore(inner, 10, 100)
    store.put(b"a", b"1")
    with pytest.raises(OSError):
        store.flush()
    assert store.dirty_count == 1
    inner.fail = False
    store.flush()
    assert inner.data.get(b"a") == b"1"


@pytest.mark.parametrize(("cache", "batch"), [(0, 1), (1, 0)])
def test_sizes_must_be_positive(cache: int, batch: int) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        CachedStore(RecordingStore(), cache, batch)


class FailingBatches(RecordingStore):
    """Batch writes fail while ``down`` is set."""

    down = False

    def put_all(self, entries: object) -> None:
        if self.down:
            raise OSError("disk full")
        super().put_all(entries)


def test_an_eviction_whose_write_fails_keeps_the_dirty_entry_cached_and_pending() -> None:
    inner = FailingBatches()
    store = CachedStore(inner, 2, 100)
    store.put(b"a", b"1")
    store.put(b"b", b"2")
    inner.down = True
    with pytest.raises(OSError, match="disk full"):
        store.put(b"c", b"3")  # would evict dirty a: the write of all dirty entries fails
    assert store.get(b"a") == b"1"  # still cached: not read (as absent) from the inner store
    assert inner.calls("get") == []
    inner.down = False
    store.flush()
    assert inner.data.get(b"a") == b"1" and inner.data.get(b"c") == b"3"


def test_inner_layers_of_the_stack_take_a_batch_as_pairs() -> None:
    from samza_py.serializers.builtin import IntegerSerde, StringSerde
    from samza_py.storage.inmemory import InMemoryKeyValueStore
    from samza_py.storage.serialized import SerializedKeyValueStore

    raw = InMemoryKeyValueStore()
    store = CachedStore(SerializedKeyValueStore(raw, StringSerde(), IntegerSerde()), 10, 2)
    store.put("a", 1)
    store.delete("b")
    assert [(e.key, e.value) for e in raw.all()] == [(b"a", b"\x00\x00\x00\x01")]
    with pytest.raises(Exception, match="IntegerSerde expects int"):
        store.put_all([Entry("x", "not an int"), Entry("y", 2)])
    assert raw.get(b"y") is None  # the serde failed the batch before anything reached the raw store


def test_the_accessors_count_every_call_and_refuse_nulls_when_null_safe(store_implementation: str) -> None:
    from samza_py.api.metrics import Counter
    from samza_py.storage.null_safe import NULL_KEY, NULL_VALUE

    store, inner = make(cache_size=2, batch=100)
    gets, puts = Counter("gets"), Counter("puts")
    get, put = store.accessors(gets, puts, null_safe=True)
    if store_implementation == "compiled":
        assert type(get).__name__ == "CachedGet" and type(put).__name__ == "CachedPut"
    put(b"a", b"1")
    assert get(b"a") == b"1" and get(b"z") is None
    with pytest.raises(ValueError, match=f"^{NULL_KEY}$"):
        get(None)
    with pytest.raises(ValueError, match=f"^{NULL_KEY}$"):
        put(None, b"1")
    with pytest.raises(ValueError, match=f"^{NULL_VALUE}$"):
        put(b"a", None)
    assert (gets.count, puts.count) == (3, 3)  # refused calls are counted too, as Samza's metrics are
    assert store.cached_keys() == [b"a", b"z"] and store.dirty_count == 1
    # Without the null checks (the cache under an engine of its own) a None value is a cached delete.
    _, plain_put = store.accessors(gets, puts, null_safe=False)
    plain_put(b"a", None)
    assert store.get(b"a") is None and inner.calls("get") == [("get", b"z")]


def test_a_failing_inner_read_caches_nothing_and_an_unhashable_key_is_refused() -> None:
    class Unreadable(RecordingStore):
        def get(self, key: object) -> object:
            raise OSError(f"cannot read {key!r}")

    store = CachedStore(Unreadable(), 10, 100)
    with pytest.raises(OSError, match="cannot read b'a'"):
        store.get(b"a")
    assert store.cached_keys() == []
    with pytest.raises(TypeError, match="unhashable"):
        store.get([1])
    with pytest.raises(TypeError, match="unhashable"):
        store.put([1], b"1")
    assert store.cached_keys() == [] and store.dirty_count == 0


def test_keys_and_values_are_not_held_once_evicted_and_written() -> None:
    import sys

    class Discarding(RecordingStore):
        def get(self, key: object) -> None:
            return None

        def put_pairs(self, pairs: list[tuple[object, object]]) -> None:
            pass

    store = CachedStore(Discarding(), 2, 2)
    key, value = "key-" + str(id(store)), "value-" + str(id(store))  # objects no one else holds
    key_refs, value_refs = sys.getrefcount(key), sys.getrefcount(value)
    for _ in range(3):
        store.put(key, value)
        assert store.get(key) == value
    for other in ("b", "c", "d", "e"):  # evicts the key, writes its batch
        store.get(other)
    store.flush()
    assert key not in store.cached_keys() and store.dirty_count == 0
    assert (sys.getrefcount(key), sys.getrefcount(value)) == (key_refs, value_refs)


@pytest.mark.parametrize("start", [0, 255, 2**63 - 1, 2**70, -3])
def test_the_accessors_add_one_to_any_count(start: int) -> None:
    from samza_py.api.metrics import Counter

    store, _ = make()
    gets, puts = Counter("gets"), Counter("puts")
    gets.count = puts.count = start
    get, put = store.accessors(gets, puts, null_safe=True)
    put(b"a", b"1")
    get(b"a")
    get(b"b")
    assert (gets.count, puts.count) == (start + 2, start + 1)
    del puts.count
    _, put = store.accessors(gets, puts, null_safe=True)
    with pytest.raises(AttributeError, match="count"):
        put(b"a", b"1")


def test_the_compiled_accessors_take_only_the_compiled_cache() -> None:
    from samza_py._store_cache import CachedGet, CachedPut
    from samza_py.api.metrics import Counter
    from samza_py.storage.object_cache import PythonObjectCache

    python_cache = PythonObjectCache(10, 5, lambda key: None, RecordingStore())  # type: ignore[arg-type]
    for cache in (python_cache, {}, None):
        with pytest.raises(TypeError, match="must be an ObjectCache"):
            CachedGet(cache, Counter("gets"), None)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="must be an ObjectCache"):
            CachedPut(cache, Counter("puts"), None, None)  # type: ignore[arg-type]
