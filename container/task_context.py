"""TaskContextImpl: what a task instance exposes to ``init``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samza_py.api import KeyValueStore, MetricsRegistry, SystemStreamPartition, TaskContext


class TaskContextImpl(TaskContext):
    def __init__(
        self,
        task_name: str,
        ssps: frozenset[SystemStreamPartition],
        config: Mapping[str, str],
        registry: MetricsRegistry,
        stores: Mapping[str, KeyValueStore[Any, Any]],
    ) -> None:
        self._task_name = task_name
        self._ssps = ssps
        self._config = config
        self._registry = registry
        self._stores = stores
        self.starting_offset_overrides: dict[SystemStreamPartition, str] = {}
        self.initialised = False

    @property
    def task_name(self) -> str:
        return self._task_name

    @property
    def system_stream_partitions(self) -> frozenset[SystemStreamPartition]:
        return self._ssps

    @property
    def config(self) -> Mapping[str, str]:
        return self._config

    @property
    def metrics_registry(self) -> MetricsRegistry:
        return self._registry

    def get_store(self, name: str) -> KeyValueStore[Any, Any]:
        try:
            return self._stores[name]
        except KeyError:
            known = ", ".join(sorted(self._stores)) or "none"
            raise KeyError(f"task {self._task_name!r} has no store {name!r} (stores: {known})") from None

    def set_starting_offset(self, ssp: SystemStreamPartition, offset: str) -> None:
        if self.initialised:
            raise RuntimeError("set_starting_offset may only be called in init")
        if ssp not in self._ssps:
            raise ValueError(f"{ssp} is not an input of task {self._task_name!r}")
        self.starting_offset_overrides[ssp] = offset
