"""KeyValueStore: the interface of a task's local store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
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
    """An iterator over entries that holds store resources until closed (use it in a ``with``).

    ``on_close`` releases what the entries depend on (an inner store's iterator, say). Once closed, the
    iterator is exhausted; closing again does nothing.
    """

    def __init__(self, entries: Iterator[Entry[K, V]], on_close: Callable[[], None] | None = None) -> None:
        self._entries = entries
        self._on_close = on_close
        self._closed = False

    def __iter__(self) -> Iterator[Entry[K, V]]:
        return self._entries

    def __next__(self) -> Entry[K, V]:
        return next(self._entries)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        close = getattr(self._entries, "close", None)
        # Later next() calls end the iteration instead of reading a released resource.
        self._entries = iter(())
        try:
            if close is not None:
                close()
        finally:
            if self._on_close is not None:
                on_close, self._on_close = self._on_close, None
                on_close()

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
