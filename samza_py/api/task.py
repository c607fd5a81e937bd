"""The task interfaces a job implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from samza_py.api.collector import MessageCollector
from samza_py.api.context import TaskContext
from samza_py.api.coordinator import TaskCoordinator
from samza_py.api.envelope import IncomingMessageEnvelope


class StreamTask(ABC):
    @abstractmethod
    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        """Called once per message; the message counts as processed when this returns."""


class InitableTask(ABC):
    @abstractmethod
    def init(self, context: TaskContext) -> None:
        """Called once before the first message, after the task's stores are restored."""


class WindowableTask(ABC):
    @abstractmethod
    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Called every ``task.window.ms``, whether or not messages arrived."""


class ClosableTask(ABC):
    @abstractmethod
    def close(self) -> None:
        """The last call on the task."""


class EndOfStreamListenerTask(ABC):
    @abstractmethod
    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Called once when every input of the task has reached its end; the task then shuts down."""
