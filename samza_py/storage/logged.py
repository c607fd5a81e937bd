"""Every change goes to the changelog before the store, so the changelog is never behind the local state."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from samza_py.api.storage import KeyValueIterator, KeyValueStore
from samza_py.storage.entries import ByteStore, Pairs, RawEntries, entry_pairs, fast_get_of, pairs_writer

# (key bytes, value bytes or None for a tombstone) -> sent to the task's changelog partition. A send that
# also has ``send_all(pairs)`` takes a whole batch in one call (the storage manager's does).
ChangelogSend = Callable[[bytes, bytes | None], None]


class LoggedStore(KeyValueStore[bytes, bytes]):
    """Sends each change (``None`` value = tombstone) through ``send``, then writes the inner store.

    Reads pass straight through. ``send`` is the caller's: it knows the changelog stream and partition.
    """

    def __init__(self, inner: ByteStore, send: ChangelogSend) -> None:
        self.inner = inner
        self.send = send
        send_all: Callable[[Pairs], None] | None = getattr(send, "send_all", None)
        self._send_all = send_all if send_all is not None else self._send_each
        self._put_pairs = pairs_writer(inner)
        # Reads pass straight through: the inner store's own get, with no call of this layer in between.
        self.get = inner.get  # type: ignore[method-assign]
        self.fast_get = fast_get_of(inner)

    def _send_each(self, pairs: Pairs) -> None:
        send = self.send
        for key, value in pairs:
            send(key, value)

    def get(self, key: bytes) -> bytes | None:  # replaced per instance by the inner store's get
        value: bytes | None = self.inner.get(key)
        return value

    def get_all(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        return self.inner.get_all(keys)

    def put(self, key: bytes, value: bytes | None) -> None:
        self.send(key, value)
        self.inner.put(key, value)

    def put_all(self, entries: RawEntries) -> None:
        self.put_pairs(entry_pairs(entries))

    def put_pairs(self, pairs: Pairs) -> None:
        """Every change of the batch to the changelog, then the batch to the inner store."""
        self._send_all(pairs)
        self._put_pairs(pairs)

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
