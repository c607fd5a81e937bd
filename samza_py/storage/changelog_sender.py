"""A store's changes to its changelog partition, as the LoggedStore sends them: one at a time or a batch."""

from __future__ import annotations

from samza_py.api import SystemStreamPartition
from samza_py.system.interfaces import SystemProducer


class ChangelogSender:
    """Raw bytes (``None`` value = tombstone) to the task's changelog partition.

    The partition key is the partition number, as Samza's: an int lands on that partition, since Java's
    Integer.hashCode is the value. ``send_all`` hands a whole batch to the producer in one call, so the
    producer works out the partition once per batch rather than once per change.
    """

    def __init__(self, producer: SystemProducer, source: str, changelog: SystemStreamPartition) -> None:
        self.changelog = changelog
        self._producer = producer
        self._source = source
        self._stream = changelog.system_stream
        self._partition = changelog.partition_id

    def __call__(self, key: bytes, value: bytes | None) -> None:
        self._producer.send_serialized(self._source, self._stream, self._partition, key, value)

    def send_all(self, pairs: list[tuple[bytes, bytes | None]]) -> None:
        self._producer.send_serialized_all(self._source, self._stream, self._partition, pairs)
