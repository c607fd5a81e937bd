from __future__ import annotations

from typing import Any

import pytest

from samza_py.api.storage import Entry
from samza_py.serializers.builtin import JsonSerde, StringSerde
from samza_py.serializers.serde import SerdeException
from samza_py.storage.serialized import SerializedKeyValueStore
from tests.storage.recording import RecordingStore


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
