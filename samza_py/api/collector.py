"""MessageCollector: where a task sends its output."""

from __future__ import annotations

from abc import ABC, abstractmethod

from samza_py.api.envelope import OutgoingMessageEnvelope
from samza_py.api.streams import SystemStream


class MessageCollector(ABC):
    @abstractmethod
    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        """Queue a message; it is durable at the task's next commit at the latest."""

    def send_to(self, stream: SystemStream, key: object, message: object) -> None:
        """``send(OutgoingMessageEnvelope(stream, key, message))`` without building the envelope.

        The same serdes (the stream's) and the same partitioning (by the key, or the producer's own
        choice when the key is None) as ``send``; the container's collector skips the envelope, which
        saves a little on every message of a busy task. Use ``send`` for a partition key other than
        the key, or for per-message serdes.
        """
        self.send(OutgoingMessageEnvelope(stream, key, message))
