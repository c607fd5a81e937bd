"""The two shapes ``put_all`` accepts (entries or a mapping), as one list of pairs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
