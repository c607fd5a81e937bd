"""Streams and partitions: SystemStream, Partition, SystemStreamPartition.

They are named tuples: they key the run loop's per-message lookups, and a tuple is hashed and compared
in C (a class with Python ``__hash__``/``__eq__`` costs a Python call at every lookup). A stream or
partition therefore also equals the plain tuple of its fields.
"""

from __future__ import annotations

from typing import NamedTuple


class Partition(NamedTuple):
    """A partition of a stream, by number (Samza's ``Partition``)."""

    partition_id: int

    def __repr__(self) -> str:
        return f"Partition(partition_id={self.partition_id})"

    def __str__(self) -> str:
        return f"Partition [partition={self.partition_id}]"


class SystemStream(NamedTuple):
    """A stream within a system, e.g. ``kafka`` / ``wikipedia-edits``. Immutable and hashable."""

    system: str
    stream: str

    @classmethod
    def parse(cls, text: str) -> SystemStream:
        """``system.stream``, split at the first dot as Samza does (stream names may contain dots)."""
        system, dot, stream = text.strip().partition(".")
        if not dot or not system or not stream:
            raise ValueError(f"expected 'system.stream', got {text!r}")
        return cls(system, stream)

    def __repr__(self) -> str:
        return f"SystemStream(system={self.system!r}, stream={self.stream!r})"

    def __str__(self) -> str:
        return f"SystemStream [system={self.system}, stream={self.stream}]"


class SystemStreamPartition(NamedTuple):
    """One partition of one stream: the unit that tasks consume and checkpoint. Immutable and hashable."""

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

    def __repr__(self) -> str:
        return f"SystemStreamPartition(system={self.system!r}, stream={self.stream!r}, partition={self.partition_id})"

    def __str__(self) -> str:
        # Samza's exact text: it is part of the checkpoint JSON and of GroupBySSP task names.
        return f"SystemStreamPartition [{self.system}, {self.stream}, {self.partition.partition_id}]"
