"""MetricsRegistryMap: the in-process registry behind every ``MetricsRegistry`` a task or container gets."""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from samza_py.api.metrics import Counter, Gauge, MetricsRegistry, Timer

T = TypeVar("T")


class MetricsRegistryMap(MetricsRegistry):
    """Metrics by group then name; asking twice for the same metric returns the same object."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.groups: dict[str, dict[str, Counter | Gauge[Any] | Timer]] = {}
        # Stores restored on several threads register their metrics at once: one object per name.
        self._lock = threading.Lock()

    def _get_or_add(self, group: str, name: str, metric: Any) -> Any:
        with self._lock:
            metrics = self.groups.setdefault(group, {})
            existing = metrics.get(name)
            if existing is None:
                metrics[name] = metric
                return metric
        if type(existing) is not type(metric):
            raise ValueError(f"metric {group}.{name} is a {type(existing).__name__}, not a {type(metric).__name__}")
        return existing

    def new_counter(self, group: str, name: str) -> Counter:
        return self._get_or_add(group, name, Counter(name))  # type: ignore[no-any-return]

    def new_gauge(self, group: str, name: str, value: T) -> Gauge[T]:
        return self._get_or_add(group, name, Gauge(name, value))  # type: ignore[no-any-return]

    def new_timer(self, group: str, name: str) -> Timer:
        return self._get_or_add(group, name, Timer(name))  # type: ignore[no-any-return]

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Counters as counts, gauges as values, timers as averages; empty groups left out.

        Reporters call this from their own thread while the run loop may add metrics: iterate copies.
        """
        out: dict[str, dict[str, Any]] = {}
        for group, metrics in list(self.groups.items()):
            values: dict[str, Any] = {}
            for name, metric in list(metrics.items()):
                if isinstance(metric, Counter):
                    values[name] = metric.count
                elif isinstance(metric, Gauge):
                    values[name] = metric.value
                else:
                    values[name] = metric.average_ns()
            if values:
                out[group] = values
        return out
