"""The two shapes ``put_all`` accepts (entries or a mapping), as one list of pairs; and the layers' pair writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samza_py.api.storage import Entry, KeyValueStore


def entry_pairs(entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """``(key, value)`` pairs in the caller's order; a value of ``None`` inside the stack means delete."""
    if isinstance(entries, Mapping):
        return list(entries.items())
    return [(entry.key, entry.value) for entry in entries]


# What the byte-level layers accept in put_all: a None value is a delete (the cache flushes deletes this way).
RawEntries = Iterable[Entry[bytes, bytes] | Entry[bytes, bytes | None]] | Mapping[bytes, bytes | None]

# A byte-level store as the layers above it see it: values are bytes, or None for a delete.
ByteStore = KeyValueStore[bytes, Any]

# A batch as the stack's own layers hand it down: (key, value or None for a delete) pairs, oldest first.
Pairs = list[tuple[Any, Any]]
PutPairs = Callable[[Pairs], None]


# A byte store's get without a Python frame: see fast_get_of.
FastGet = Callable[[bytes], Any]


def fast_get_of(store: KeyValueStore[Any, Any]) -> FastGet | None:
    """The store's ``fast_get``, if it has one: a C-level function that gives ``get``'s answer for every exact
    bytes key while the store is open. On any exception from it, callers call ``get``, whose answer or error
    (a closed store, a key of the wrong type) is the store's own."""
    fast_get: FastGet | None = getattr(store, "fast_get", None)
    return fast_get


def pairs_writer(inner: KeyValueStore[Any, Any]) -> PutPairs:
    """``inner.put_pairs`` when ``inner`` is one of the stack's layers, else its ``put_all`` with entries.

    Between the stack's layers a batch travels as plain pairs: no Entry object per write per layer.
    """
    put_pairs: PutPairs | None = getattr(inner, "put_pairs", None)
    if put_pairs is not None:
        return put_pairs

    def put_all_entries(pairs: Pairs) -> None:
        inner.put_all([Entry(key, value) for key, value in pairs])

    return put_all_entries
