"""The KeyValueStore contract, run against both raw stores and the full store stack on each."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore

Store = KeyValueStore[Any, Any]

# Every test with the compiled cache accessors and with the Python ones.
pytestmark = pytest.mark.usefixtures("store_implementation")


def pairs(iterator: KeyValueIterator[Any, Any]) -> list[tuple[Any, Any]]:
    with iterator as entries:
        return [(entry.key, entry.value) for entry in entries]


KEYS = [b"", b"\x00", b"a", b"a\x00", b"ab", b"abc", b"b", b"ba", b"\x7f", b"\x80", b"\xff", b"\xff\xff"]


def fill(store: Store, keys: list[bytes] = KEYS) -> None:
    for key in reversed(keys):  # written out of order: the store must sort
        store.put(key, b"v" + key)


def test_get_missing_is_none(store: Store) -> None:
    assert store.get(b"nope") is None


def test_put_get_overwrite(store: Store) -> None:
    store.put(b"k", b"1")
    assert store.get(b"k") == b"1"
    store.put(b"k", b"2")
    assert store.get(b"k") == b"2"


def test_empty_key_and_value_are_values_not_nulls(store: Store) -> None:
    store.put(b"", b"")
    assert store.get(b"") == b""
    assert pairs(store.all()) == [(b"", b"")]


def test_delete(store: Store) -> None:
    store.put(b"k", b"1")
    store.delete(b"k")
    assert store.get(b"k") is None
    store.delete(b"never-there")
    assert pairs(store.all()) == []


def test_put_all_entries_and_mapping_then_get_all_returns_found_keys_only(store: Store) -> None:
    store.put_all([Entry(b"a", b"1"), Entry(b"b", b"2")])
    store.put_all({b"c": b"3", b"a": b"1'"})
    assert store.get_all([b"a", b"b", b"c", b"missing"]) == {b"a": b"1'", b"b": b"2", b"c": b"3"}
    assert store.get_all([]) == {}
    assert store.get_all(iter([b"missing"])) == {}


def test_put_all_same_key_twice_last_wins(store: Store) -> None:
    store.put_all([Entry(b"a", b"1"), Entry(b"a", b"2")])
    assert store.get(b"a") == b"2"


def test_delete_all(store: Store) -> None:
    store.put_all({b"a": b"1", b"b": b"2", b"c": b"3"})
    store.delete_all([b"a", b"c", b"missing"])
    assert store.get_all([b"a", b"b", b"c"]) == {b"b": b"2"}
    assert pairs(store.all()) == [(b"b", b"2")]


def test_all_is_in_unsigned_byte_order(store: Store) -> None:
    fill(store)
    assert pairs(store.all()) == [(key, b"v" + key) for key in sorted(KEYS)]
    assert [key for key, _ in pairs(store.all())][-4:] == [b"\x7f", b"\x80", b"\xff", b"\xff\xff"]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (b"a", b"b", [b"a", b"a\x00", b"ab", b"abc"]),  # b"b" excluded: half-open
        (b"a", b"ab", [b"a", b"a\x00"]),  # b"a" < b"a\x00" < b"ab"
        (b"a\x00", b"abc", [b"a\x00", b"ab"]),
        (b"aa", b"b\x00", [b"ab", b"abc", b"b"]),  # bounds need not be stored keys
        (b"", b"\x00", [b""]),
        (b"\x7f", b"\xff", [b"\x7f", b"\x80"]),  # unsigned: 0x80 sorts after 0x7f
        (b"\xff", b"\xff\xff\xff", [b"\xff", b"\xff\xff"]),
        (b"b", b"b", []),  # empty interval
        (b"c", b"a", []),  # inverted interval
        (b"zz", b"zzz", []),
    ],
)
def test_range_is_half_open_in_byte_order(store: Store, low: bytes, high: bytes, expected: list[bytes]) -> None:
    fill(store)
    assert pairs(store.range(low, high)) == [(key, b"v" + key) for key in expected]


def test_range_does_not_see_deleted_keys(store: Store) -> None:
    fill(store)
    store.delete(b"ab")
    assert [key for key, _ in pairs(store.range(b"a", b"b"))] == [b"a", b"a\x00", b"abc"]


def test_iterator_is_a_context_manager_and_ends_when_closed(store: Store) -> None:
    fill(store)
    iterator = store.all()
    with iterator as entries:
        first = next(iter(entries))
        assert (first.key, first.value) == (b"", b"v")
    assert iterator.closed
    assert list(iterator) == []
    with pytest.raises(StopIteration):
        next(iterator)
    iterator.close()  # again: harmless


def test_closing_an_unstarted_iterator(store: Store) -> None:
    fill(store)
    iterator = store.range(b"a", b"b")
    iterator.close()
    assert list(iterator) == []


def test_iterator_next_and_for_loop_agree(store: Store) -> None:
    fill(store, [b"a", b"b", b"c"])
    with store.all() as iterator:
        assert next(iterator).key == b"a"
        assert [entry.key for entry in iterator] == [b"b", b"c"]


def test_iterator_view_is_fixed_when_created(store: Store) -> None:
    fill(store, [b"a", b"c"])
    with store.all() as iterator:
        store.put(b"b", b"new")
        store.put(b"a", b"changed")
        store.delete(b"c")
        assert [(entry.key, entry.value) for entry in iterator] == [(b"a", b"va"), (b"c", b"vc")]
    assert pairs(store.all()) == [(b"a", b"changed"), (b"b", b"new")]


def test_writing_while_iterating_is_allowed(store: Store) -> None:
    fill(store, [b"a", b"b", b"c"])
    with store.all() as iterator:
        for entry in iterator:
            store.put(entry.key + b"x", entry.value)
    assert [key for key, _ in pairs(store.all())] == [b"a", b"ax", b"b", b"bx", b"c", b"cx"]


def test_flush_keeps_data_readable(store: Store) -> None:
    fill(store)
    store.flush()
    assert store.get(b"ab") == b"vab"
    assert len(pairs(store.all())) == len(KEYS)


def test_many_keys(store: Store) -> None:
    keys = [i.to_bytes(2, "big") for i in range(0, 3000, 7)]
    store.put_all([Entry(key, key * 2) for key in keys])
    for key in keys[::50]:
        store.delete(key)
    expected = [key for i, key in enumerate(keys) if i % 50]
    assert [key for key, _ in pairs(store.all())] == expected
    low, high = (100).to_bytes(2, "big"), (200).to_bytes(2, "big")
    assert [key for key, _ in pairs(store.range(low, high))] == [key for key in expected if low <= key < high]
