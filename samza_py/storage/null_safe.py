"""The outermost layer: Samza rejects null keys and values at the API; further in, a None value means delete."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.storage.entries import entry_pairs

NULL_KEY = "Null key not allowed"
NULL_VALUE = "Null value not allowed"
NULL_BOUND = "Null bound not allowed"


def _check_keys(keys: Iterable[Any]) -> list[Any]:
    wanted = list(keys)
    if any(key is None for key in wanted):
        raise ValueError(NULL_KEY)
    return wanted


class NullSafeKeyValueStore(KeyValueStore[Any, Any]):
    """Checks before delegating, so a rejected batch writes nothing."""

    def __init__(self, inner: KeyValueStore[Any, Any]) -> None:
        self.inner = inner
        self._inner_get = inner.get  # bound once: the per-message calls
        self._inner_put = inner.put

    def get(self, key: Any) -> Any:
        if key is None:
            raise ValueError(NULL_KEY)
        return self._inner_get(key)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        return self.inner.get_all(_check_keys(keys))

    def put(self, key: Any, value: Any) -> None:
        if key is None:
            raise ValueError(NULL_KEY)
        if value is None:
            raise ValueError(NULL_VALUE)
        self._inner_put(key, value)

    def put_all(self, entries: Iterable[Entry[Any, Any]] | Mapping[Any, Any]) -> None:
        pairs = entry_pairs(entries)
        for key, value in pairs:
            if key is None:
                raise ValueError(NULL_KEY)
            if value is None:
                raise ValueError(NULL_VALUE)
        self.inner.put_all([Entry(key, value) for key, value in pairs])

    def delete(self, key: Any) -> None:
        if key is None:
            raise ValueError(NULL_KEY)
        self.inner.delete(key)

    def delete_all(self, keys: Iterable[Any]) -> None:
        self.inner.delete_all(_check_keys(keys))

    def range(self, from_key: Any, to_key: Any) -> KeyValueIterator[Any, Any]:
        if from_key is None or to_key is None:
            raise ValueError(NULL_BOUND)
        return self.inner.range(from_key, to_key)

    def all(self) -> KeyValueIterator[Any, Any]:
        return self.inner.all()

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()
