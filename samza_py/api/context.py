"""TaskContext: what a task learns about itself in ``init``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from samza_py.api.metrics import MetricsRegistry
from samza_py.api.storage import KeyValueStore
from samza_py.api.streams import SystemStreamPartition


class TaskContext(ABC):
    @property
    @abstractmethod
    def task_name(self) -> str: ...

    @property
    @abstractmethod
    def system_stream_partitions(self) -> frozenset[SystemStreamPartition]: ...

    @property
    @abstractmethod
    def config(self) -> Mapping[str, str]:
        """The job's configuration."""

    @property
    @abstractmethod
    def metrics_registry(self) -> MetricsRegistry: ...

    @abstractmethod
    def get_store(self, name: str) -> KeyValueStore[Any, Any]: ...

    @abstractmethod
    def set_starting_offset(self, ssp: SystemStreamPartition, offset: str) -> None:
        """In ``init`` only, for one of this task's SSPs: start there instead of the checkpoint."""
