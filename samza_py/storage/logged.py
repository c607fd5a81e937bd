"""Every change goes to the changelog before the store, so the changelog is never behind the local state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.entries import ByteStore, RawEntries, entry_pairs

# (key bytes, value bytes or None for a tombstone) -> sent to the task's changelog partition
ChangelogSend = Callable[[bytes, bytes | None], None]


class LoggedStore(KeyValueStore[bytes, bytes]):
    """Sends each change (``None`` value = tombstone) through ``send``, then writes the inner store.

    Reads pass straight through. ``send`` is the caller's: it knows the changelog stream and partition.
    """

    def __init__(self, inner: ByteStore, send: ChangelogSend) -> None:
        self.inner = inner
        self.send = send

    def get(self, key: bytes) -> bytes | None:
        value: bytes | None = self.inner.get(key)
        return value

    def get_all(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        return self.inner.get_all(keys)

    def put(self, key: bytes, value: bytes | None) -> None:
        self.send(key, value)
        self.inner.put(key, value)

    def put_all(self, entries: RawEntries) -> None:
        pairs = entry_pairs(entries)
        for key, value in pairs:
            self.send(key, value)
        batch: list[Entry[bytes, Any]] = [Entry(key, value) for key, value in pairs]
        self.inner.put_all(batch)

    def delete(self, key: bytes) -> None:
        self.send(key, None)
        self.inner.delete(key)

    def delete_all(self, keys: Iterable[bytes]) -> None:
        wanted = list(keys)
        for key in wanted:
            self.send(key, None)
        self.inner.delete_all(wanted)

    def range(self, from_key: bytes, to_key: bytes) -> KeyValueIterator[bytes, bytes]:
        return self.inner.range(from_key, to_key)

    def all(self) -> KeyValueIterator[bytes, bytes]:
        return self.inner.all()

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()
