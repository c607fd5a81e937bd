"""Objects to bytes on the way in and back on the way out, with the store's key and msg serdes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.serializers.serde import Serde
from samza_py.storage.entries import ByteStore, entry_pairs


class SerializedKeyValueStore(KeyValueStore[Any, Any]):
    """A missing serde means the objects already are bytes. ``None`` values pass through as deletes."""

    def __init__(self, inner: ByteStore, key_serde: Serde | None, msg_serde: Serde | None) -> None:
        self.inner = inner
        self.key_serde = key_serde
        self.msg_serde = msg_serde

    def _key_bytes(self, key: Any) -> bytes:
        return key if self.key_serde is None else self.key_serde.to_bytes(key)

    def _value_bytes(self, value: Any) -> bytes | None:
        if value is None or self.msg_serde is None:
            return value
        return self.msg_serde.to_bytes(value)

    def _key(self, data: bytes) -> Any:
        return data if self.key_serde is None else self.key_serde.from_bytes(data)

    def _value(self, data: bytes | None) -> Any:
        if data is None or self.msg_serde is None:
            return data
        return self.msg_serde.from_bytes(data)

    def _entry(self, entry: Entry[bytes, bytes]) -> Entry[Any, Any]:
        return Entry(self._key(entry.key), self._value(entry.value))

    def _lazy(self, inner: KeyValueIterator[bytes, bytes]) -> KeyValueIterator[Any, Any]:
        # Deserialise one entry at a time as the caller reads; closing ours closes the inner iterator.
        return KeyValueIterator(map(self._entry, inner), on_close=inner.close)

    def get(self, key: Any) -> Any:
        return self._value(self.inner.get(self._key_bytes(key)))

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        by_bytes = {self._key_bytes(key): key for key in keys}
        found = self.inner.get_all(list(by_bytes))
        return {by_bytes[data]: self._value(value) for data, value in found.items()}

    def put(self, key: Any, value: Any) -> None:
        self.inner.put(self._key_bytes(key), self._value_bytes(value))

    def put_all(self, entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> None:
        batch = [Entry(self._key_bytes(key), self._value_bytes(value)) for key, value in entry_pairs(entries)]
        self.inner.put_all(batch)

    def delete(self, key: Any) -> None:
        self.inner.delete(self._key_bytes(key))

    def delete_all(self, keys: Iterable[Any]) -> None:
        self.inner.delete_all([self._key_bytes(key) for key in keys])

    def range(self, from_key: Any, to_key: Any) -> KeyValueIterator[Any, Any]:
        return self._lazy(self.inner.range(self._key_bytes(from_key), self._key_bytes(to_key)))

    def all(self) -> KeyValueIterator[Any, Any]:
        return self._lazy(self.inner.all())

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()
