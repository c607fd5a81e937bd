"""Objects to bytes on the way in and back on the way out, with the store's key and msg serdes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.serializers.serde import Serde
from samza_py.storage.entries import ByteStore, Pairs, entry_pairs, fast_get_of, pairs_writer

try:
    from samza_py._store_io import SerdeGet, serialize_pairs
except ImportError:  # pragma: no cover - an install without a C compiler
    SerdeGet = serialize_pairs = None  # type: ignore[assignment,misc]


def _same(data: Any) -> Any:
    return data


def _all_bytes(objs: list[Any], serde: Serde | None, convert: Callable[[Any], Any]) -> list[Any]:
    """Each object converted: as it is without a serde; by the serde's built-in fast function in one pass with
    no Python call per object; or when it has none or that raises, by ``convert`` one by one (the serde's own
    answer or error)."""
    if serde is None:
        return objs
    fast = serde.fast_to_bytes
    if fast is not None:
        try:
            return list(map(fast, objs))
        except Exception:  # the serde's method below gives the answer or the error
            pass
    return [convert(obj) for obj in objs]


class SerializedKeyValueStore(KeyValueStore[Any, Any]):
    """A missing serde means the objects already are bytes. ``None`` values pass through as deletes."""

    def __init__(self, inner: ByteStore, key_serde: Serde | None, msg_serde: Serde | None) -> None:
        self.inner = inner
        self.key_serde = key_serde
        self.msg_serde = msg_serde
        # The conversions and the inner calls, bound once: they run for every read and every batched write.
        self._key_bytes = _same if key_serde is None else key_serde.to_bytes
        # A built-in equivalent of the key serde's to_bytes, if it has one (see Serde.fast_to_bytes).
        self._fast_key_bytes = None if key_serde is None else key_serde.fast_to_bytes
        self._key = _same if key_serde is None else key_serde.from_bytes
        self._to_value_bytes = _same if msg_serde is None else msg_serde.to_bytes
        self._from_value_bytes = _same if msg_serde is None else msg_serde.from_bytes
        self._inner_get = inner.get
        self._put_pairs = pairs_writer(inner)
        # For the compiled batch pass: each serde's fast function, else its method (None: no serde).
        self._batch_key_bytes = None if key_serde is None else key_serde.fast_to_bytes or key_serde.to_bytes
        self._batch_value_bytes = None if msg_serde is None else msg_serde.fast_to_bytes or msg_serde.to_bytes
        if SerdeGet is not None:
            # A store cache reads through here on every miss: the read compiled (samza_py/_store_io.c), with
            # the method below as its reference.
            self.get = SerdeGet(  # type: ignore[method-assign,assignment]
                self._fast_key_bytes, None if key_serde is None else key_serde.to_bytes,
                fast_get_of(inner), inner.get,
                None if msg_serde is None else msg_serde.fast_from_bytes,
                None if msg_serde is None else msg_serde.from_bytes,
            )

    def _value_bytes(self, value: Any) -> bytes | None:
        return None if value is None else self._to_value_bytes(value)

    def _value(self, data: bytes | None) -> Any:
        return None if data is None else self._from_value_bytes(data)

    def _entry(self, entry: Entry[bytes, bytes]) -> Entry[Any, Any]:
        return Entry(self._key(entry.key), self._value(entry.value))

    def _lazy(self, inner: KeyValueIterator[bytes, bytes]) -> KeyValueIterator[Any, Any]:
        # Deserialise one entry at a time as the caller reads; closing ours closes the inner iterator.
        return KeyValueIterator(map(self._entry, inner), on_close=inner.close)

    def get(self, key: Any) -> Any:
        fast = self._fast_key_bytes
        if fast is None:
            key_bytes = self._key_bytes(key)
        else:
            try:
                key_bytes = fast(key)
            except Exception:
                key_bytes = self._key_bytes(key)  # the serde's own verdict: its bytes, or its error
        data = self._inner_get(key_bytes)
        return None if data is None else self._from_value_bytes(data)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        by_bytes = {self._key_bytes(key): key for key in keys}
        found = self.inner.get_all(list(by_bytes))
        return {by_bytes[data]: self._value(value) for data, value in found.items()}

    def put(self, key: Any, value: Any) -> None:
        self.inner.put(self._key_bytes(key), self._value_bytes(value))

    def put_all(self, entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> None:
        self.put_pairs(entry_pairs(entries))

    def put_pairs(self, pairs: Pairs) -> None:
        """The stack's batch write: ``(object key, object value or None)`` pairs, serialised in one pass."""
        if serialize_pairs is not None:
            # Compiled (samza_py/_store_io.c): None when anything in the batch needs the pass below.
            converted = serialize_pairs(pairs, self._batch_key_bytes, self._batch_value_bytes)
            if converted is not None:
                self._put_pairs(converted)
                return
        key_bytes = _all_bytes([key for key, _ in pairs], self.key_serde, self._key_bytes)
        # A None value (a delete) fails the fast pass, and _value_bytes keeps it None.
        value_bytes = _all_bytes([value for _, value in pairs], self.msg_serde, self._value_bytes)
        self._put_pairs(list(zip(key_bytes, value_bytes, strict=True)))

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
