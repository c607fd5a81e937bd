from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from samza_py.api.storage import Entry
from samza_py.storage.null_safe import NullSafeKeyValueStore
from tests.storage.recording import RecordingStore


def make() -> tuple[NullSafeKeyValueStore, RecordingStore]:
    inner = RecordingStore()
    return NullSafeKeyValueStore(inner), inner


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get(None),
        lambda s: s.put(None, b"v"),
        lambda s: s.delete(None),
        lambda s: s.get_all([b"a", None]),
        lambda s: s.delete_all([b"a", None]),
        lambda s: s.put_all([Entry(b"a", b"1"), Entry(None, b"2")]),
        lambda s: s.put_all({None: b"2"}),
    ],
)
def test_null_key_rejected_before_reaching_inner(call: Callable[[Any], None]) -> None:
    store, inner = make()
    with pytest.raises(ValueError, match="^Null key not allowed$"):
        call(store)
    assert inner.events == []


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.put(b"k", None),
        lambda s: s.put_all([Entry(b"a", b"1"), Entry(b"b", None)]),
        lambda s: s.put_all({b"b": None}),
    ],
)
def test_null_value_rejected_and_a_bad_batch_writes_nothing(call: Callable[[Any], None]) -> None:
    store, inner = make()
    with pytest.raises(ValueError, match="^Null value not allowed$"):
        call(store)
    assert inner.events == []


def test_null_range_bound_rejected() -> None:
    store, inner = make()
    with pytest.raises(ValueError, match="^Null bound not allowed$"):
        store.range(None, b"z")
    with pytest.raises(ValueError, match="^Null bound not allowed$"):
        store.range(b"a", None)
    assert inner.events == []


def test_valid_calls_pass_through_unchanged() -> None:
    store, inner = make()
    store.put(b"a", b"1")
    store.put_all({b"b": b"2"})
    assert store.get(b"a") == b"1"
    assert store.get_all(x for x in [b"a", b"b"]) == {b"a": b"1", b"b": b"2"}
    store.delete(b"a")
    store.delete_all(iter([b"b"]))
    store.flush()
    store.close()
    assert inner.events == [
        ("put", b"a", b"1"),
        ("put_all", [(b"b", b"2")]),
        ("get", b"a"),
        ("get_all", [b"a", b"b"]),
        ("delete", b"a"),
        ("delete_all", [b"b"]),
        ("flush",),
        ("close",),
    ]
