"""What both raw (bytes) stores share beyond the task-facing contract: None = delete, bytes only, close."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samza_py.api.storage import Entry
from samza_py.storage.errors import StoreClosedError
from samza_py.storage.inmemory import InMemoryKeyValueStore
from tests.storage.conftest import open_rocksdb

# Every test runs with RocksDB's batch fill compiled and in Python, its reference.
pytestmark = pytest.mark.usefixtures("store_implementation")


@pytest.fixture(params=["rocksdb", "inmemory"])
def raw(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    store = open_rocksdb(tmp_path / "db") if request.param == "rocksdb" else InMemoryKeyValueStore()
    yield store
    store.close()


def test_none_value_in_put_and_put_all_is_a_delete(raw: Any) -> None:
    raw.put_all({b"a": b"1", b"b": b"2", b"c": b"3"})
    raw.put(b"a", None)
    raw.put_all([Entry(b"b", None), Entry(b"d", b"4")])
    raw.put_all({b"c": None})
    assert [(e.key, e.value) for e in raw.all()] == [(b"d", b"4")]


def test_put_all_applies_entries_in_order(raw: Any) -> None:
    raw.put_all([Entry(b"a", b"1"), Entry(b"a", None), Entry(b"b", None), Entry(b"b", b"2")])
    assert raw.get_all([b"a", b"b"]) == {b"b": b"2"}


@pytest.mark.parametrize("bad", ["text", 1, bytearray(b"x"), None])
def test_keys_must_be_bytes(raw: Any, bad: Any) -> None:
    for call in (
        lambda: raw.get(bad),
        lambda: raw.put(bad, b"v"),
        lambda: raw.delete(bad),
        lambda: raw.get_all([b"ok", bad]),
        lambda: raw.put_all([Entry(bad, b"v")]),
        lambda: raw.delete_all([bad]),
        lambda: raw.range(bad, b"z"),
        lambda: raw.range(b"a", bad),
    ):
        with pytest.raises(TypeError, match="must be bytes"):
            call()


def test_values_must_be_bytes_and_a_bad_batch_writes_nothing(raw: Any) -> None:
    with pytest.raises(TypeError, match="value must be bytes, got str"):
        raw.put(b"k", "text")
    with pytest.raises(TypeError, match="value must be bytes"):
        raw.put_all([Entry(b"a", b"1"), Entry(b"b", "text")])
    assert list(raw.all()) == []


def test_closed_store_raises_and_second_close_is_harmless(raw: Any) -> None:
    raw.put(b"k", b"v")
    raw.close()
    raw.close()
    assert raw.closed
    for call in (
        lambda: raw.get(b"k"),
        lambda: raw.put(b"k", b"v"),
        lambda: raw.put_all({b"k": b"v"}),
        lambda: raw.delete(b"k"),
        lambda: raw.range(b"a", b"z"),
        lambda: raw.all(),
        lambda: raw.flush(),
    ):
        with pytest.raises(StoreClosedError, match="is closed"):
            call()


def test_a_batch_of_any_pairs_is_written_in_order(raw: Any) -> None:
    raw.put(b"gone", b"0")
    # Tuples, then a list pair (the compiled fill hands the rest to the Python loop), deletes and re-writes.
    pairs: list[Any] = [(b"a", b"1"), (b"gone", None), [b"b", b"2"], (b"a", None), (b"a", b"3"), (b"c", b"4")]
    raw.put_pairs(pairs)
    assert [(e.key, e.value) for e in raw.all()] == [(b"a", b"3"), (b"b", b"2"), (b"c", b"4")]


@pytest.mark.parametrize("bad", [(b"k", "text"), ("text", b"v"), (b"k", bytearray(b"v")), [b"k", 1]])
def test_a_bad_pair_anywhere_in_a_batch_writes_nothing(raw: Any, bad: Any) -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        raw.put_pairs([(b"a", b"1"), (b"b", None), bad, (b"c", b"3")])
    assert list(raw.all()) == []
