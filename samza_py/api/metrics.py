"""Metric types and the registry a task gets from its context."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Generic, TypeVar

T = TypeVar("T")


class Counter:
    __slots__ = ("name", "count")

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def inc(self, n: int = 1) -> None:
        self.count += n

    def dec(self, n: int = 1) -> None:
        self.count -= n

    def clear(self) -> None:
        self.count = 0


class Gauge(Generic[T]):
    __slots__ = ("name", "value")

    def __init__(self, name: str, value: T) -> None:
        self.name = name
        self.value = value

    def set(self, value: T) -> None:
        self.value = value


class Timer:
    """Durations in nanoseconds; reports the average of the updates since the last snapshot."""

    __slots__ = ("name", "total_ns", "updates")

    def __init__(self, name: str) -> None:
        self.name = name
        self.total_ns = 0
        self.updates = 0

    def update(self, duration_ns: int) -> None:
        self.total_ns += duration_ns
        self.updates += 1

    def average_ns(self) -> float:
        return self.total_ns / self.updates if self.updates else 0.0


class MetricsRegistry(ABC):
    @abstractmethod
    def new_counter(self, group: str, name: str) -> Counter: ...

    @abstractmethod
    def new_gauge(self, group: str, name: str, value: T) -> Gauge[T]: ...

    @abstractmethod
    def new_timer(self, group: str, name: str) -> Timer: ...
