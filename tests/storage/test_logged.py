"""LoggedStore sends each change to the changelog before writing it, and the full stack keeps that order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from samza_py.api.storage import Entry
from samza_py.config.config import Config
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.builtin import StringSerde
from samza_py.storage.inmemory import InMemoryKeyValueStorageEngineFactory
from samza_py.storage.logged import LoggedStore
from tests.storage.recording import RecordingStore


def make() -> tuple[LoggedStore, list[tuple[Any, ...]]]:
    events: list[tuple[Any, ...]] = []
    inner = RecordingStore(events)
    return LoggedStore(inner, lambda key, value: events.append(("send", key, value))), events


def test_put_sends_then_writes() -> None:
    store, events = make()
    store.put(b"k", b"v")
    assert events == [("send", b"k", b"v"), ("put", b"k", b"v")]


def test_put_all_sends_every_entry_then_writes_one_batch() -> None:
    store, events = make()
    store.put_all([Entry(b"a", b"1"), Entry(b"b", None), Entry(b"a", b"2")])
    assert events == [
        ("send", b"a", b"1"),
        ("send", b"b", None),  # a None value inside the stack is a delete: a tombstone
        ("send", b"a", b"2"),
        ("put_all", [(b"a", b"1"), (b"b", None), (b"a", b"2")]),
    ]


def test_deletes_send_tombstones_first() -> None:
    store, events = make()
    store.delete(b"x")
    store.delete_all(iter([b"y", b"z"]))
    assert events == [
        ("send", b"x", None),
        ("delete", b"x"),
        ("send", b"y", None),
        ("send", b"z", None),
        ("delete_all", [b"y", b"z"]),
    ]


def test_reads_and_flush_send_nothing() -> None:
    store, events = make()
    store.put(b"a", b"1")
    del events[:]
    assert store.get(b"a") == b"1"
    assert store.get_all([b"a"]) == {b"a": b"1"}
    assert [(e.key, e.value) for e in store.range(b"a", b"b")] == [(b"a", b"1")]
    assert len(list(store.all())) == 1
    store.flush()
    assert [e for e in events if e[0] == "send"] == []


def test_a_failed_send_leaves_the_store_unwritten() -> None:
    events: list[tuple[Any, ...]] = []
    inner = RecordingStore(events)

    def send(key: bytes, value: bytes | None) -> None:
        raise RuntimeError("producer down")

    store = LoggedStore(inner, send)
    with pytest.raises(RuntimeError, match="producer down"):
        store.put(b"k", b"v")
    assert events == [] and inner.data.get(b"k") is None


def test_full_stack_sends_serialised_changes_in_write_order_after_the_cache_flushes(tmp_path: Path) -> None:
    sends: list[tuple[bytes, bytes | None]] = []
    config = Config({"stores.s.object.cache.size": "10", "stores.s.write.batch.size": "10"})
    engine = InMemoryKeyValueStorageEngineFactory().get_storage_engine(
        "s", tmp_path, StringSerde(), StringSerde(), lambda k, v: sends.append((k, v)), config, 1,
        MetricsRegistryMap("t"),
    )
    engine.put("b", "1")
    engine.put("a", "1")
    engine.put("b", "2")  # rewrite: b moves behind a
    engine.delete("c")
    engine.put_all({"d": "4"})
    assert sends == []  # still in the cache
    assert engine.raw_get(b"a") is None
    engine.flush()
    assert sends == [(b"a", b"1"), (b"b", b"2"), (b"c", None), (b"d", b"4")]
    assert [(e.key, e.value) for e in engine.raw.all()] == [(b"a", b"1"), (b"b", b"2"), (b"d", b"4")]
    engine.close()


def test_full_stack_without_cache_sends_on_each_write(tmp_path: Path) -> None:
    sends: list[tuple[bytes, bytes | None]] = []
    config = Config({"stores.s.object.cache.size": "0"})
    engine = InMemoryKeyValueStorageEngineFactory().get_storage_engine(
        "s", tmp_path, StringSerde(), StringSerde(), lambda k, v: sends.append((k, v)), config, 1,
        MetricsRegistryMap("t"),
    )
    engine.put("a", "1")
    assert sends == [(b"a", b"1")] and engine.raw_get(b"a") == b"1"
    engine.delete("a")
    assert sends == [(b"a", b"1"), (b"a", None)] and engine.raw_get(b"a") is None
    engine.close()


class BatchSend:
    """A changelog send that also takes whole batches, as the storage manager's does."""

    def __init__(self, events: list[tuple[Any, ...]], fail: bool = False) -> None:
        self.events = events
        self.fail = fail

    def __call__(self, key: bytes, value: bytes | None) -> None:
        self.events.append(("send", key, value))

    def send_all(self, pairs: list[tuple[bytes, bytes | None]]) -> None:
        if self.fail:
            raise RuntimeError("producer down")
        self.events.append(("send_all", list(pairs)))


def test_a_batch_goes_to_send_all_in_one_call_before_the_inner_write() -> None:
    events: list[tuple[Any, ...]] = []
    store = LoggedStore(RecordingStore(events), BatchSend(events))
    store.put_all([Entry(b"a", b"1"), Entry(b"b", None)])
    store.put(b"c", b"3")  # a single write still uses the single send
    assert events == [
        ("send_all", [(b"a", b"1"), (b"b", None)]),
        ("put_all", [(b"a", b"1"), (b"b", None)]),
        ("send", b"c", b"3"),
        ("put", b"c", b"3"),
    ]


def test_a_failed_send_all_leaves_the_store_unwritten() -> None:
    events: list[tuple[Any, ...]] = []
    inner = RecordingStore(events)
    store = LoggedStore(inner, BatchSend(events, fail=True))
    with pytest.raises(RuntimeError, match="producer down"):
        store.put_all({b"a": b"1"})
    assert events == [] and inner.data.get(b"a") is None


def test_full_stack_flushes_a_cache_batch_through_send_all(tmp_path: Path) -> None:
    events: list[tuple[Any, ...]] = []
    config = Config({"stores.s.object.cache.size": "10", "stores.s.write.batch.size": "3"})
    engine = InMemoryKeyValueStorageEngineFactory().get_storage_engine(
        "s", tmp_path, StringSerde(), StringSerde(), BatchSend(events), config, 1, MetricsRegistryMap("t"),
    )
    engine.put("b", "1")
    engine.put("a", "1")
    engine.delete("b")  # rewrite: b moves behind a, as a delete
    assert events == []
    engine.put("c", "3")  # the third dirty key: one batch, oldest write first
    assert events == [("send_all", [(b"a", b"1"), (b"b", None), (b"c", b"3")])]
    assert [(e.key, e.value) for e in engine.raw.all()] == [(b"a", b"1"), (b"c", b"3")]
    engine.close()
