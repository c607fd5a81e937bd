"""TaskInstance: one task of the container, its offsets, and its commit."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from samza_py.api import (
    ClosableTask,
    EndOfStreamListenerTask,
    IncomingMessageEnvelope,
    InitableTask,
    SystemStreamPartition,
    WindowableTask,
)
from samza_py.checkpoint.checkpoint import Checkpoint, CheckpointManager
from samza_py.container.collector import TaskInstanceCollector
from samza_py.container.commit import commit_tasks
from samza_py.container.coordinator import ReadableCoordinator
from samza_py.container.task_context import TaskContextImpl
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.storage.storage_manager import TaskStorageManager

log = logging.getLogger(__name__)

GROUP = "org.apache.samza.container.TaskInstanceMetrics"
OFFSET_MANAGER_GROUP = "org.apache.samza.checkpoint.OffsetManagerMetrics"


def exception_matcher(ignored: Iterable[str]) -> Callable[[BaseException], bool]:
    """``task.ignored.exceptions``: class names (simple or qualified, base classes count) or ``*``."""
    names = {name.strip() for name in ignored if name.strip()}
    if "*" in names:
        return lambda exc: isinstance(exc, Exception)

    def matches(exc: BaseException) -> bool:
        for cls in type(exc).__mro__:
            if cls.__name__ in names or f"{cls.__module__}.{cls.__qualname__}" in names:
                return True
        return False

    return matches


class TaskInstance:
    def __init__(
        self,
        task_name: str,
        task: object,
        ssps: frozenset[SystemStreamPartition],
        collector: TaskInstanceCollector,
        context: TaskContextImpl,
        registry: MetricsRegistryMap,
        flush_producers: Callable[[], None],
        checkpoint_manager: CheckpointManager | None,
        checkpointed: Checkpoint | None,
        ignored: Callable[[BaseException], bool],
        storage: TaskStorageManager | None = None,
    ) -> None:
        self.task_name = task_name
        self.task = task
        self.ssps = ssps
        self.collector = collector
        self.context = context
        self._flush_producers = flush_producers
        self._checkpoints = checkpoint_manager
        self._ignored = ignored
        self.storage = storage
        self.registry = registry
        # Last processed offset per input SSP; starts at the checkpoint so unprocessed SSPs keep theirs.
        self.last_processed: dict[SystemStreamPartition, str | None] = (
            {ssp: off for ssp, off in checkpointed.offsets.items() if ssp in ssps} if checkpointed is not None else {}
        )
        self.end_of_stream: set[SystemStreamPartition] = set()
        self.shutdown_voted = False
        self.is_windowable = isinstance(task, WindowableTask) or callable(getattr(task, "window", None))
        self._process: Any = getattr(task, "process", None)  # an AsyncStreamTask has process_async instead
        self._coordinator = ReadableCoordinator()
        self.process_calls = registry.new_counter(GROUP, "process-calls")
        self.messages_processed = registry.new_counter(GROUP, "messages-actually-processed")
        self.window_calls = registry.new_counter(GROUP, "window-calls")
        self.commit_calls = registry.new_counter(GROUP, "commit-calls")
        self.ignored_exceptions = registry.new_counter(GROUP, "ignored-exceptions")
        # Samza reads the last processed offset into a gauge lazily; here it is set at each commit.
        self._offset_gauges = {
            ssp: registry.new_gauge(GROUP, f"{ssp.system}-{ssp.stream}-{ssp.partition_id}-offset", "")
            for ssp in ssps
        }
        self._checkpointed_gauges = {
            ssp: registry.new_gauge(OFFSET_MANAGER_GROUP, f"{ssp.system}-{ssp.stream}-{ssp.partition_id}"
                                    "-checkpointed-offset", "")
            for ssp in ssps
        }

    def init(self) -> None:
        if isinstance(self.task, InitableTask) or callable(getattr(self.task, "init", None)):
            self.task.init(self.context)  # type: ignore[attr-defined]
        self.context.initialised = True

    def _fresh_coordinator(self) -> ReadableCoordinator:
        coordinator = self._coordinator
        if coordinator.requested:
            coordinator.reset()
        return coordinator

    def process(self, envelope: IncomingMessageEnvelope) -> ReadableCoordinator:
        """Run the task on one message; the returned coordinator holds its requests until the next call."""
        coordinator = self._coordinator
        if coordinator.requested:
            coordinator.reset()
        self.process_calls.count += 1
        try:
            self._process(envelope, self.collector, coordinator)
        except Exception as exc:
            if not self._ignored(exc):
                raise TaskProcessError(self.task_name, envelope, exc) from exc
            self.ignored_exceptions.count += 1
            log.warning("task %r ignored %r at offset %s of %s", self.task_name, exc,
                        envelope.offset, envelope.system_stream_partition)
        self.last_processed[envelope.system_stream_partition] = envelope.offset
        self.messages_processed.count += 1
        return coordinator

    def process_run(self, buffer: deque[IncomingMessageEnvelope], n: int) -> tuple[int, ReadableCoordinator]:
        """Run the task on the first ``n`` envelopes of ``buffer``, popping each as it is processed.

        Stops right after an envelope whose call asked for a commit or shutdown: the run loop acts on the
        request before the next message. Returns how many envelopes were taken, and the coordinator.
        Metrics and the last processed offset are counted once for the run.
        """
        coordinator = self._coordinator
        if coordinator.requested:
            coordinator.reset()
        process, collector, popleft = self._process, self.collector, buffer.popleft
        envelope: IncomingMessageEnvelope | None = None
        previous: IncomingMessageEnvelope | None = None
        taken = 0
        for taken in range(1, n + 1):  # noqa: B007 - taken is read after the loop
            envelope = popleft()
            try:
                process(envelope, collector, coordinator)
            except Exception as exc:
                if not self._ignored(exc):
                    self.process_calls.count += taken
                    self._processed(taken - 1, previous)
                    raise TaskProcessError(self.task_name, envelope, exc) from exc
                self.ignored_exceptions.count += 1
                log.warning("task %r ignored %r at offset %s of %s", self.task_name, exc,
                            envelope.offset, envelope.system_stream_partition)
            if coordinator.requested:
                break
            previous = envelope
        self.process_calls.count += taken
        self._processed(taken, envelope)
        return taken, coordinator

    def _processed(self, count: int, last: IncomingMessageEnvelope | None) -> None:
        self.messages_processed.count += count
        if last is not None:
            self.last_processed[last.system_stream_partition] = last.offset

    def window(self) -> ReadableCoordinator:
        coordinator = self._fresh_coordinator()
        self.window_calls.count += 1
        self.task.window(self.collector, coordinator)  # type: ignore[attr-defined]
        return coordinator

    def reached_end_of_stream(self, ssp: SystemStreamPartition) -> ReadableCoordinator | None:
        """Mark ``ssp`` ended; when all inputs have, notify the task and vote to shut down."""
        self.end_of_stream.add(ssp)
        if self.end_of_stream != set(self.ssps):
            return None
        coordinator = self._fresh_coordinator()
        if isinstance(self.task, EndOfStreamListenerTask) or callable(getattr(self.task, "on_end_of_stream", None)):
            self.task.on_end_of_stream(self.collector, coordinator)  # type: ignore[attr-defined]
        coordinator.shutdown()
        return coordinator

    def commit(self) -> None:
        """Commit this task alone (``coordinator.commit(CURRENT_TASK)``), through the container's one-pass
        commit (``commit_tasks``): offsets taken first; store caches flushed (changelog sends); outputs and
        changelog made durable; stores snapshotted at their changelog offsets; then the checkpoint."""
        commit_tasks([self])

    @property
    def checkpoint_manager(self) -> CheckpointManager | None:
        """The container's checkpoint manager (the same for all its tasks), if it keeps checkpoints."""
        return self._checkpoints

    @property
    def flush_producers(self) -> Callable[[], None]:
        """Makes every send of the container durable (the same callable for all its tasks)."""
        return self._flush_producers

    def take_commit_offsets(self) -> dict[SystemStreamPartition, str | None]:
        """A commit's first step: the last processed offsets it will checkpoint (later messages are not covered)."""
        self.commit_calls.count += 1
        offsets: dict[SystemStreamPartition, str | None] = dict(self.last_processed)
        for ssp, offset in offsets.items():
            gauge = self._offset_gauges.get(ssp)
            if gauge is not None and offset is not None:
                gauge.value = offset
        return offsets

    def write_checkpoint(self, offsets: dict[SystemStreamPartition, str | None]) -> None:
        """A commit's last step, once outputs and changelogs are durable and stores snapshotted."""
        if self._checkpoints is None or not offsets:
            return
        self._checkpoints.write_checkpoint(self.task_name, Checkpoint(offsets))
        for ssp, offset in offsets.items():
            gauge = self._checkpointed_gauges.get(ssp)
            if gauge is not None and offset is not None:
                gauge.value = offset

    def close(self) -> None:
        if isinstance(self.task, ClosableTask) or callable(getattr(self.task, "close", None)):
            self.task.close()  # type: ignore[attr-defined]


class TaskProcessError(Exception):
    def __init__(self, task_name: str, envelope: IncomingMessageEnvelope, cause: BaseException) -> None:
        super().__init__(
            f"task {task_name!r} failed processing offset {envelope.offset} of "
            f"{envelope.system_stream_partition}: {cause!r}"
        )
        self.task_name = task_name
        self.offset = envelope.offset
        self.ssp = envelope.system_stream_partition
