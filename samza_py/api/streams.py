"""Streams and partitions: SystemStream, Partition, SystemStreamPartition."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    """A partition of a stream, by number (Samza's ``Partition``)."""

    partition_id: int

    def __str__(self) -> str:
        return f"Partition [partition={self.partition_id}]"


@dataclass(frozen=True, slots=True, order=True)
class SystemStream:
    """A stream within a system, e.g. ``kafka`` / ``wikipedia-edits``."""

    system: str
    stream: str

    @classmethod
    def parse(cls, text: str) -> SystemStream:
        """``system.stream``, split at the first dot as Samza does (stream names may contain dots)."""
        system, dot, stream = text.strip().partition(".")
        if not dot or not system or not stream:
            raise ValueError(f"expected 'system.stream', got {text!r}")
        return cls(system, stream)

    def __str__(self) -> str:
        return f"SystemStream [system={self.system}, stream={self.stream}]"


@dataclass(frozen=True, slots=True, order=True)
class SystemStreamPartition:
    """One partition of one stream: the unit that tasks consume and checkpoint."""

    system: str
    stream: str
    partition: Partition

    @classmethod
    def of(cls, system: str, stream: str, partition: int) -> SystemStreamPartition:
        return cls(system, stream, Partition(partition))

    @property
    def system_stream(self) -> SystemStream:
        return SystemStream(self.system, self.stream)

    @property
    def partition_id(self) -> int:
        return self.partition.partition_id

    def __str__(self) -> str:
        # Samza's exact text: it is part of the checkpoint JSON and of GroupBySSP task names.
        return f"SystemStreamPartition [{self.system}, {self.stream}, {self.partition.partition_id}]"
