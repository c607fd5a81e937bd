from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from samza_py.api.storage import Entry
from samza_py.serializers.builtin import IntegerSerde, JsonSerde, StringSerde
from samza_py.serializers.serde import SerdeException
from samza_py.storage.errors import StoreClosedError
from samza_py.storage.logged import LoggedStore
from samza_py.storage.serialized import SerializedKeyValueStore
from tests.storage.conftest import open_rocksdb
from tests.storage.recording import RecordingStore

# Every test runs with the compiled read and with the Python method, its reference.
pytestmark = pytest.mark.usefixtures("store_implementation")


class CountingJson(JsonSerde):
    def __init__(self) -> None:
        self.decoded = 0

    def from_bytes(self, data: bytes) -> Any:
        self.decoded += 1
        return super().from_bytes(data)


def make() -> tuple[SerializedKeyValueStore, RecordingStore, CountingJson]:
    inner = RecordingStore()
    msg = CountingJson()
    return SerializedKeyValueStore(inner, StringSerde(), msg), inner, msg


def test_serdes_applied_on_the_way_in_and_out() -> None:
    store, inner, _ = make()
    store.put("ключ", {"n": 1})
    assert inner.events == [("put", "ключ".encode(), b'{"n":1}')]
    assert inner.data.get("ключ".encode()) == b'{"n":1}'
    assert store.get("ключ") == {"n": 1}
    assert store.get("missing") is None


def test_put_all_get_all_delete_all_convert_keys_and_values() -> None:
    store, inner, _ = make()
    store.put_all([Entry("a", [1]), Entry("b", None)])
    store.put_all({"c": "x"})
    assert inner.calls("put_all") == [("put_all", [(b"a", b"[1]"), (b"b", None)]), ("put_all", [(b"c", b'"x"')])]
    assert store.get_all(["a", "c", "zz"]) == {"a": [1], "c": "x"}
    assert inner.calls("get_all") == [("get_all", [b"a", b"c", b"zz"])]
    store.delete("a")
    store.delete_all(["c"])
    assert inner.calls("delete") == [("delete", b"a")] and inner.calls("delete_all") == [("delete_all", [b"c"])]
    assert store.get_all(["a", "c"]) == {}


def test_none_value_passes_down_as_a_delete() -> None:
    store, inner, _ = make()
    store.put("a", 1)
    store.put("a", None)
    assert inner.events[-1] == ("put", b"a", None)
    assert store.get("a") is None


def test_range_bounds_are_serialised_and_entries_deserialised_lazily() -> None:
    store, inner, msg = make()
    store.put_all({"a": 1, "b": 2, "c": 3})
    iterator = store.range("a", "c")
    assert inner.events[-1] == ("range", b"a", b"c")
    assert msg.decoded == 0
    first = next(iterator)
    assert (first.key, first.value, msg.decoded) == ("a", 1, 1)
    iterator.close()
    assert list(iterator) == [] and msg.decoded == 1
    with store.all() as entries:
        assert [(e.key, e.value) for e in entries] == [("a", 1), ("b", 2), ("c", 3)]


def test_closing_the_outer_iterator_closes_the_inner_one() -> None:
    store, inner, _ = make()
    store.put("a", 1)
    closed: list[bool] = []
    original = inner.data.all

    def tracked_all() -> Any:
        iterator = original()
        real_close = iterator.close
        iterator.close = lambda: (closed.append(True), real_close())  # type: ignore[method-assign]
        return iterator

    inner.data.all = tracked_all  # type: ignore[method-assign]
    store.all().close()  # never started
    assert closed == [True]


def test_without_serdes_bytes_pass_through() -> None:
    inner = RecordingStore()
    store = SerializedKeyValueStore(inner, None, None)
    store.put(b"k", b"v")
    assert inner.events == [("put", b"k", b"v")]
    assert store.get(b"k") == b"v"
    assert [(e.key, e.value) for e in store.all()] == [(b"k", b"v")]


def test_a_key_the_fast_string_path_refuses_gets_the_serdes_own_error() -> None:
    store, inner, _ = make()
    assert StringSerde().fast_to_bytes is str.encode  # UTF-8 text: str.encode is the same conversion
    for bad in (b"bytes", 7, "\ud800"):  # not text, not text, unencodable text
        with pytest.raises(SerdeException):
            store.get(bad)
        with pytest.raises(SerdeException):
            store.put_pairs([("fine", 1), (bad, 2)])
    assert inner.writes() == []  # a refused batch reaches nothing


def test_no_fast_path_for_other_charsets_or_a_subclass_with_its_own_to_bytes() -> None:
    class Upper(StringSerde):
        def to_bytes(self, obj: Any) -> bytes:
            return super().to_bytes(obj.upper())

    assert StringSerde("UTF-16").fast_to_bytes is None
    assert Upper().fast_to_bytes is None
    inner = RecordingStore()
    store = SerializedKeyValueStore(inner, Upper(), StringSerde())
    store.put_pairs([("a", "x")])
    store.put("b", "y")
    assert inner.writes() == [("put_all", [(b"A", b"x")]), ("put", b"B", b"y")]
    assert store.get("a") == "x"


def counts_store(tmp_path: Path, logged: bool = False) -> tuple[SerializedKeyValueStore, Any]:
    raw = open_rocksdb(tmp_path / "raw")
    inner: Any = LoggedStore(raw, lambda key, value: None) if logged else raw
    return SerializedKeyValueStore(inner, StringSerde(), IntegerSerde()), raw


@pytest.mark.parametrize("logged", [False, True])
def test_a_read_after_the_raw_store_closed_raises_its_store_closed_error(tmp_path: Path, logged: bool) -> None:
    store, raw = counts_store(tmp_path, logged)
    store.put_pairs([("alice", 3), ("bob", -7)])
    assert (store.get("alice"), store.get("bob"), store.get("carol")) == (3, -7, None)
    raw.close()
    with pytest.raises(StoreClosedError):
        store.get("alice")


def test_the_read_uses_the_raw_stores_fast_get_for_bytes_keys(tmp_path: Path, store_implementation: str) -> None:
    store, raw = counts_store(tmp_path)
    store.put("alice", 3)
    calls: list[bytes] = []
    fast = raw.fast_get

    def counting(key: bytes) -> Any:
        calls.append(key)
        return fast(key)

    raw.fast_get = counting  # seen by a serde layer built from now on
    store = SerializedKeyValueStore(raw, StringSerde(), IntegerSerde())
    assert store.get("alice") == 3 and store.get("nobody") is None
    assert calls == ([b"alice", b"nobody"] if store_implementation == "compiled" else [])
    raw.close()


def test_key_bytes_that_are_not_bytes_get_the_raw_stores_error(tmp_path: Path) -> None:
    class TextKeys(StringSerde):
        def to_bytes(self, obj: Any) -> Any:
            return str(obj)  # a broken serde: text, not bytes

    raw = open_rocksdb(tmp_path / "raw")
    store = SerializedKeyValueStore(raw, TextKeys(), IntegerSerde())
    with pytest.raises(TypeError, match="raw store key must be bytes, got str"):
        store.get("alice")
    raw.close()


def test_a_stored_value_the_value_serde_refuses_gets_the_serdes_own_error(tmp_path: Path) -> None:
    store, raw = counts_store(tmp_path)
    raw.put(b"alice", b"abc")
    with pytest.raises(SerdeException, match="IntegerSerde needs exactly 4 bytes, got 3"):
        store.get("alice")
    raw.close()


def test_only_ordinary_exceptions_of_a_fast_function_fall_back_to_the_method_in_reads_and_batches() -> None:
    def interrupted(obj: Any) -> bytes:
        raise KeyboardInterrupt

    def refusing(obj: Any) -> bytes:
        raise ValueError("not mine")

    serde = StringSerde()
    inner = RecordingStore()
    inner.data.put(b"alice", b"1")
    serde.fast_to_bytes = refusing
    assert SerializedKeyValueStore(inner, serde, None).get("alice") == b"1"  # the method's answer
    SerializedKeyValueStore(inner, serde, IntegerSerde()).put_pairs([("a", 1), ("b", None)])  # a batch too
    assert inner.writes() == [("put_all", [(b"a", b"\x00\x00\x00\x01"), (b"b", None)])]
    serde.fast_to_bytes = interrupted
    with pytest.raises(KeyboardInterrupt):
        SerializedKeyValueStore(inner, serde, None).get("alice")
    with pytest.raises(KeyboardInterrupt):
        SerializedKeyValueStore(inner, serde, None).put_pairs([("a", b"1")])
    assert len(inner.writes()) == 1


def test_reads_keep_no_references_to_keys_or_values(tmp_path: Path) -> None:
    store, raw = counts_store(tmp_path)
    key, value = "alice-" + "x" * 20, 2**30 + 12345  # neither interned nor cached by the interpreter
    store.put(key, value)
    key_refs, value_refs = sys.getrefcount(key), sys.getrefcount(value)
    for _ in range(1000):
        assert store.get(key) == value
        assert store.get(key + "-missing") is None
    assert (sys.getrefcount(key), sys.getrefcount(value)) == (key_refs, value_refs)
    raw.close()


def test_a_batch_of_any_pair_shape_converts_alike() -> None:
    inner = RecordingStore()
    store = SerializedKeyValueStore(inner, StringSerde(), JsonSerde())
    store.put_pairs([("a", {"n": 1}), ["b", [2]], ("c", None)])  # type: ignore[list-item]  # a list pair too
    store.put_pairs([])
    assert inner.writes() == [("put_all", [(b"a", b'{"n":1}'), (b"b", b"[2]"), (b"c", None)]), ("put_all", [])]


def test_batch_writes_keep_no_references_to_keys_or_values() -> None:
    class Discarding(RecordingStore):
        def put_pairs(self, pairs: list[tuple[Any, Any]]) -> None:
            pass

    store = SerializedKeyValueStore(Discarding(), StringSerde(), IntegerSerde())
    key, value = "alice-" + "y" * 20, 2**30 + 54321  # neither interned nor cached by the interpreter
    key_refs, value_refs = sys.getrefcount(key), sys.getrefcount(value)
    for _ in range(1000):
        store.put_pairs([(key, value), (key, None)])
    with pytest.raises(SerdeException):
        store.put_pairs([(key, value), (key, "not an int")])
    assert (sys.getrefcount(key), sys.getrefcount(value)) == (key_refs, value_refs)
