"""Streams and partitions: SystemStream, Partition, SystemStreamPartition."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    """A partition of a stream, by number (Samza's ``Partition``)."""

    partition_id: int

    def __str__(self) -> str:
        return f"Partition [partition={self.partition_id}]"


class SystemStream:
    """A stream within a system, e.g. ``kafka`` / ``wikipedia-edits``. Immutable and hashable."""

    # Streams and SSPs key the per-message lookups of the run loop: the hash is computed once.
    __slots__ = ("system", "stream", "_hash")

    system: str
    stream: str
    _hash: int

    def __init__(self, system: str, stream: str) -> None:
        object.__setattr__(self, "system", system)
        object.__setattr__(self, "stream", stream)
        object.__setattr__(self, "_hash", hash((system, stream)))

    @classmethod
    def parse(cls, text: str) -> SystemStream:
        """``system.stream``, split at the first dot as Samza does (stream names may contain dots)."""
        system, dot, stream = text.strip().partition(".")
        if not dot or not system or not stream:
            raise ValueError(f"expected 'system.stream', got {text!r}")
        return cls(system, stream)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not SystemStream:
            return NotImplemented
        return self._hash == other._hash and self.system == other.system and self.stream == other.stream

    def __lt__(self, other: SystemStream) -> bool:
        return (self.system, self.stream) < (other.system, other.stream)

    def __reduce__(self) -> tuple[type[SystemStream], tuple[str, str]]:
        return (SystemStream, (self.system, self.stream))

    def __repr__(self) -> str:
        return f"SystemStream(system={self.system!r}, stream={self.stream!r})"

    def __str__(self) -> str:
        return f"SystemStream [system={self.system}, stream={self.stream}]"


class SystemStreamPartition:
    """One partition of one stream: the unit that tasks consume and checkpoint. Immutable and hashable."""

    __slots__ = ("system", "stream", "partition", "_hash")

    system: str
    stream: str
    partition: Partition
    _hash: int

    def __init__(self, system: str, stream: str, partition: Partition) -> None:
        object.__setattr__(self, "system", system)
        object.__setattr__(self, "stream", stream)
        object.__setattr__(self, "partition", partition)
        object.__setattr__(self, "_hash", hash((system, stream, partition.partition_id)))

    @classmethod
    def of(cls, system: str, stream: str, partition: int) -> SystemStreamPartition:
        return cls(system, stream, Partition(partition))

    @property
    def system_stream(self) -> SystemStream:
        return SystemStream(self.system, self.stream)

    @property
    def partition_id(self) -> int:
        return self.partition.partition_id

    def _key(self) -> tuple[str, str, int]:
        return (self.system, self.stream, self.partition.partition_id)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(other) is not SystemStreamPartition:
            return NotImplemented
        return self._hash == other._hash and self._key() == other._key()

    def __lt__(self, other: SystemStreamPartition) -> bool:
        return self._key() < other._key()

    def __le__(self, other: SystemStreamPartition) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: SystemStreamPartition) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: SystemStreamPartition) -> bool:
        return self._key() >= other._key()

    def __reduce__(self) -> tuple[type[SystemStreamPartition], tuple[str, str, Partition]]:
        return (SystemStreamPartition, (self.system, self.stream, self.partition))

    def __repr__(self) -> str:
        return f"SystemStreamPartition(system={self.system!r}, stream={self.stream!r}, partition={self.partition_id})"

    def __str__(self) -> str:
        # Samza's exact text: it is part of the checkpoint JSON and of GroupBySSP task names.
        return f"SystemStreamPartition [{self.system}, {self.stream}, {self.partition.partition_id}]"
