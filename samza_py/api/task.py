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


class TaskCallback(ABC):
    """Handed to ``AsyncStreamTask.process_async``: call exactly one of its methods, once, from any thread."""

    @abstractmethod
    def complete(self) -> None:
        """The message is processed: its offset may be checkpointed once every earlier one of its partition is."""

    @abstractmethod
    def failure(self, error: BaseException) -> None:
        """Processing the message failed: the container fails, unless ``task.ignored.exceptions`` names it."""


class AsyncStreamTask(ABC):
    """A task that processes messages without blocking the run loop (Samza's AsyncStreamTask).

    Up to ``task.max.concurrency`` messages are in flight per task (1, the default, keeps the order of a
    partition); a callback not called within ``task.callback.timeout.ms`` fails the container. ``window``
    and commits wait until no message of the task is in flight.
    """

    @abstractmethod
    def process_async(
        self,
        envelope: IncomingMessageEnvelope,
        collector: MessageCollector,
        coordinator: TaskCoordinator,
        callback: TaskCallback,
    ) -> None:
        """Start processing one message and return; call ``callback`` when it is done."""


class AsyncioStreamTask(ABC):
    """The asyncio form of ``AsyncStreamTask``: ``process`` is a coroutine, run on an event loop the
    container owns (one thread for all its tasks); the message is done when the coroutine returns, failed
    when it raises. Any class whose ``process`` is an ``async def`` is run this way."""

    @abstractmethod
    async def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        """Process one message; may await I/O (HTTP calls, databases) without blocking other messages."""


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
