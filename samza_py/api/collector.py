"""MessageCollector: where a task sends its output."""

from __future__ import annotations

from abc import ABC, abstractmethod

from samza_py.api.envelope import OutgoingMessageEnvelope


class MessageCollector(ABC):
    @abstractmethod
    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        """Queue a message; it is durable at the task's next commit at the latest."""
