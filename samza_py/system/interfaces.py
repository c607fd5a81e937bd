"""The system protocols (Samza's SystemFactory, SystemAdmin, SystemConsumer, SystemProducer).

A "system" is a messaging backend such as Kafka. Consumers hand out raw (serialised) envelopes;
the container deserialises them with the serdes configured for each stream.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from samza_py.api import (
    IncomingMessageEnvelope,
    MetricsRegistry,
    OutgoingMessageEnvelope,
    SystemStream,
    SystemStreamPartition,
)
from samza_py.config.config import Config


@dataclass(frozen=True, slots=True)
class SystemStreamPartitionMetadata:
    """Offsets of one partition: oldest readable, newest written, and the next to be written."""

    oldest_offset: str | None
    newest_offset: str | None
    upcoming_offset: str


@dataclass(frozen=True, slots=True)
class SystemStreamMetadata:
    stream_name: str
    partitions: dict[int, SystemStreamPartitionMetadata]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A stream to create: physical name, partition count, replication and topic-level config."""

    stream: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


class StreamNotFoundError(Exception):
    def __init__(self, system: str, stream: str) -> None:
        super().__init__(f"stream {stream!r} does not exist in system {system!r}")
        self.system = system
        self.stream = stream


class SystemAdmin(ABC):
    def start(self) -> None:  # noqa: B027 - optional hook
        pass

    def stop(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        """Partition offsets of each stream; raises StreamNotFoundError for a missing stream."""

    def partition_count(self, stream: str) -> int:
        """How many partitions ``stream`` has; systems may answer without reading offsets."""
        return len(self.get_system_stream_metadata([stream])[stream].partitions)

    def upcoming_offsets(self, ssps: Iterable[SystemStreamPartition]) -> dict[SystemStreamPartition, int]:
        """The offset the next message of each partition will get; systems may answer more cheaply."""
        ssps = list(ssps)
        meta = self.get_system_stream_metadata({ssp.stream for ssp in ssps})
        return {ssp: int(meta[ssp.stream].partitions[ssp.partition_id].upcoming_offset) for ssp in ssps}

    @abstractmethod
    def get_offsets_after(self, offsets: Mapping[SystemStreamPartition, str]) -> dict[SystemStreamPartition, str]:
        """The offset following each given offset (where to resume after a checkpoint)."""

    @abstractmethod
    def create_stream(self, spec: StreamSpec) -> bool:
        """Create the stream unless it exists; True when it was created."""

    @abstractmethod
    def offset_comparator(self, a: str, b: str) -> int: ...


class SystemConsumer(ABC):
    @abstractmethod
    def register(self, ssp: SystemStreamPartition, offset: str) -> None:
        """Read ``ssp`` starting at ``offset`` (the first offset to return)."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def poll(self, timeout_s: float) -> list[IncomingMessageEnvelope]:
        """Up to a batch of envelopes with raw bytes as key and message, waiting at most ``timeout_s``."""

    def poll_runs(self, timeout_s: float) -> list[tuple[SystemStreamPartition, list[IncomingMessageEnvelope]]]:
        """What ``poll`` returns, as runs of consecutive envelopes of one SSP (the container buffers a run
        at once). A consumer that reads runs anyway overrides this to skip the regrouping."""
        runs: list[tuple[SystemStreamPartition, list[IncomingMessageEnvelope]]] = []
        current: list[IncomingMessageEnvelope] | None = None
        last: SystemStreamPartition | None = None
        for envelope in self.poll(timeout_s):
            ssp = envelope.system_stream_partition
            if current is None or ssp != last:
                current = []
                runs.append((ssp, current))
                last = ssp
            current.append(envelope)
        return runs

    def pause(self, ssps: Iterable[SystemStreamPartition]) -> None:  # noqa: B027 - optional flow control
        pass

    def resume(self, ssps: Iterable[SystemStreamPartition]) -> None:  # noqa: B027 - optional flow control
        pass


class SystemProducer(ABC):
    def register(self, source: str) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        """Queue a message whose key and message are already bytes (or None)."""

    def send_serialized(
        self, source: str, stream: SystemStream, partition_key: Any, key: Any, message: Any
    ) -> None:
        """``send`` for an already serialised message; producers override it to skip the envelope."""
        self.send(source, OutgoingMessageEnvelope(stream, partition_key, key, message))

    def sender(self, source: str, stream: SystemStream) -> Callable[[Any, Any, Any], None]:
        """A function ``(partition_key, key, message)`` that does ``send_serialized`` to ``stream``.

        Taken once per output stream by a task's collector, after ``start``; a producer may return one
        specialised for the stream (the send path of every message goes through it).
        """
        send_serialized = self.send_serialized

        def send(partition_key: Any, key: Any, message: Any) -> None:
            send_serialized(source, stream, partition_key, key, message)

        return send

    def send_serialized_all(
        self, source: str, stream: SystemStream, partition_key: Any, pairs: Sequence[tuple[Any, Any]]
    ) -> None:
        """``send_serialized`` of each ``(key, message)`` in order, all with one partition key (a store's
        changelog batch); producers override it to partition once per batch."""
        for key, message in pairs:
            self.send_serialized(source, stream, partition_key, key, message)

    @abstractmethod
    def flush(self, source: str) -> None:
        """Block until everything sent so far is durable; raise if any send failed."""


class SystemFactory(ABC):
    @abstractmethod
    def get_consumer(self, system_name: str, config: Config, registry: MetricsRegistry) -> SystemConsumer: ...

    @abstractmethod
    def get_producer(self, system_name: str, config: Config, registry: MetricsRegistry) -> SystemProducer: ...

    @abstractmethod
    def get_admin(self, system_name: str, config: Config) -> SystemAdmin: ...
