"""KeyValueStore: the interface of a task's local store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Entry(Generic[K, V]):
    __slots__ = ("key", "value")

    def __init__(self, key: K, value: V) -> None:
        self.key = key
        self.value = value

    def __repr__(self) -> str:
        return f"Entry({self.key!r}, {self.value!r})"


class KeyValueIterator(Generic[K, V]):
    """An iterator over entries that holds store resources until closed (use it in a ``with``)."""

    def __init__(self, entries: Iterator[Entry[K, V]]) -> None:
        self._entries = entries

    def __iter__(self) -> Iterator[Entry[K, V]]:
        return self._entries

    def __next__(self) -> Entry[K, V]:
        return next(self._entries)

    def close(self) -> None:
        close = getattr(self._entries, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> KeyValueIterator[K, V]:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class KeyValueStore(ABC, Generic[K, V]):
    @abstractmethod
    def get(self, key: K) -> V | None: ...

    @abstractmethod
    def get_all(self, keys: Iterable[K]) -> dict[K, V]: ...

    @abstractmethod
    def put(self, key: K, value: V) -> None: ...

    @abstractmethod
    def put_all(self, entries: Iterable[Entry[K, V]] | dict[K, V]) -> None: ...

    @abstractmethod
    def delete(self, key: K) -> None: ...

    @abstractmethod
    def delete_all(self, keys: Iterable[K]) -> None: ...

    @abstractmethod
    def range(self, from_key: K, to_key: K) -> KeyValueIterator[K, V]:
        """Entries with ``from_key <= key < to_key`` in the order of the serialised key bytes."""

    @abstractmethod
    def all(self) -> KeyValueIterator[K, V]: ...

    @abstractmethod
    def flush(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...
