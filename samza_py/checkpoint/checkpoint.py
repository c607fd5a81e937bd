"""Checkpoint (a task's last processed offset per SSP) and the CheckpointManager contract."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import MappingProxyType

from samza_py.api.metrics import MetricsRegistry
from samza_py.api.streams import SystemStreamPartition
from samza_py.config.config import Config


class Checkpoint:
    """Offsets of the last *processed* message per SSP; ``None`` is allowed (e.g. changelog SSPs).

    Read-only: the offsets are copied in and exposed through a read-only view.
    """

    __slots__ = ("_offsets",)

    def __init__(self, offsets: Mapping[SystemStreamPartition, str | None]) -> None:
        self._offsets: Mapping[SystemStreamPartition, str | None] = MappingProxyType(dict(offsets))

    @property
    def offsets(self) -> Mapping[SystemStreamPartition, str | None]:
        return self._offsets

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Checkpoint) and dict(self._offsets) == dict(other._offsets)

    def __hash__(self) -> int:
        return hash(frozenset(self._offsets.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{ssp}: {offset!r}" for ssp, offset in self._offsets.items())
        return f"Checkpoint({{{inner}}})"


class CheckpointManager(ABC):
    """Stores and loads one checkpoint per task. Call order: register* -> start -> read/write* -> stop."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def register(self, task_name: str) -> None: ...

    @abstractmethod
    def read_last_checkpoint(self, task_name: str) -> Checkpoint | None: ...

    @abstractmethod
    def write_checkpoint(self, task_name: str, checkpoint: Checkpoint) -> None: ...

    def checkpoints_written(self) -> None:  # noqa: B027 - an optional hook
        """Once per container commit, after every task's checkpoint of it is written (a transactional
        manager commits the transaction here)."""

    @abstractmethod
    def stop(self) -> None: ...


class CheckpointManagerFactory(ABC):
    """What ``task.checkpoint.factory`` names."""

    @abstractmethod
    def get_checkpoint_manager(self, config: Config, metrics_registry: MetricsRegistry) -> CheckpointManager: ...
