"""Async tasks: Samza's AsyncStreamTask (``process_async`` + TaskCallback) and the asyncio form (``async def
process``), one AsyncTaskWorker per TaskInstance.

Completions may come from any thread; they are queued and handled on the run loop's thread, which alone
moves offsets: a partition's processed offset advances only over a run of completed messages from its
front, so a checkpoint never covers a message still in flight, whatever order callbacks complete in.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from samza_py.api import AsyncStreamTask, IncomingMessageEnvelope, SystemStreamPartition, TaskCallback
from samza_py.container.coordinator import ReadableCoordinator
from samza_py.container.task_instance import GROUP, TaskInstance, TaskProcessError

log = logging.getLogger(__name__)

Completion = tuple["InFlight", BaseException | None]


def task_kind(task_class: type) -> str:
    """``"callback"`` (process_async), ``"asyncio"`` (``async def process``) or ``"sync"``."""
    if issubclass(task_class, AsyncStreamTask) or callable(getattr(task_class, "process_async", None)):
        return "callback"
    if inspect.iscoroutinefunction(getattr(task_class, "process", None)):
        return "asyncio"
    return "sync"


class CallbackCalledTwice(Exception):
    def __init__(self, task_name: str, envelope: IncomingMessageEnvelope) -> None:
        super().__init__(f"task {task_name!r}: the callback of offset {envelope.offset} of "
                         f"{envelope.system_stream_partition} was called more than once")


class TaskCallbackTimeoutError(Exception):
    def __init__(self, task_name: str, envelope: IncomingMessageEnvelope, timeout_ms: int) -> None:
        super().__init__(
            f"task {task_name!r}: the callback of offset {envelope.offset} of {envelope.system_stream_partition} "
            f"was not called within task.callback.timeout.ms={timeout_ms}")
        self.task_name = task_name
        self.offset = envelope.offset
        self.ssp = envelope.system_stream_partition


class InFlight:
    """One message handed to an async task and not yet completed."""

    __slots__ = ("worker", "envelope", "coordinator", "deadline", "done")

    def __init__(self, worker: AsyncTaskWorker, envelope: IncomingMessageEnvelope, coordinator: ReadableCoordinator,
                 deadline: float) -> None:
        self.worker = worker
        self.envelope = envelope
        self.coordinator = coordinator
        self.deadline = deadline
        self.done = False


class Callback(TaskCallback):
    """The TaskCallback of one message: the first call counts; a second one fails the container."""

    __slots__ = ("_entry", "_completions", "_called", "_lock")

    def __init__(self, entry: InFlight, completions: queue.SimpleQueue[Completion]) -> None:
        self._entry = entry
        self._completions = completions
        self._called = False
        self._lock = threading.Lock()

    def complete(self) -> None:
        self._finish(None)

    def failure(self, error: BaseException) -> None:
        self._finish(error)

    def _finish(self, error: BaseException | None) -> None:
        with self._lock:
            again, self._called = self._called, True
        if again:
            entry = self._entry
            error = CallbackCalledTwice(entry.worker.task.task_name, entry.envelope)
        self._completions.put((self._entry, error))


class EventLoopThread:
    """The container's asyncio event loop, on a thread of its own, shared by its tasks' coroutines."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"{name}-asyncio", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> None:
        self._thread.start()

    def submit(self, coroutine: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self._thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout_s)
        if not self._thread.is_alive():
            self.loop.close()


class AsyncTaskWorker:
    """Starts messages of one task, at most ``max_concurrency`` at a time, and settles their completions."""

    def __init__(self, task: TaskInstance, kind: str, max_concurrency: int, timeout_s: float | None,
                 completions: queue.SimpleQueue[Completion], event_loop: EventLoopThread | None) -> None:
        self.task = task
        self.max_concurrency = max(1, max_concurrency)
        self.in_flight = 0
        self._timeout_s = timeout_s
        self._completions = completions
        self._event_loop = event_loop
        self._pending: dict[SystemStreamPartition, deque[InFlight]] = {ssp: deque() for ssp in task.ssps}
        registry = task.registry
        self._in_flight_gauge = registry.new_gauge(GROUP, "messages-in-flight", 0)
        self._completed = registry.new_counter(GROUP, "async-callback-complete-calls")
        instance = task.task
        if kind == "asyncio":
            assert event_loop is not None
            self._start = self._start_coroutine
            self._process = instance.process  # type: ignore[attr-defined]
        else:
            self._start = self._start_callback
            self._process = instance.process_async  # type: ignore[attr-defined]

    @property
    def free(self) -> int:
        return self.max_concurrency - self.in_flight

    def dispatch(self, envelope: IncomingMessageEnvelope) -> InFlight:
        deadline = time.monotonic() + self._timeout_s if self._timeout_s is not None else float("inf")
        entry = InFlight(self, envelope, ReadableCoordinator(), deadline)
        self._pending[envelope.system_stream_partition].append(entry)
        self.in_flight += 1
        self._in_flight_gauge.value = self.in_flight
        self.task.process_calls.count += 1
        self._start(entry)
        return entry

    def _start_callback(self, entry: InFlight) -> None:
        try:
            self._process(entry.envelope, self.task.collector, entry.coordinator,
                          Callback(entry, self._completions))
        except Exception as exc:  # raised before returning: the message failed (Samza's processAsync)
            self._completions.put((entry, exc))

    def _start_coroutine(self, entry: InFlight) -> None:
        assert self._event_loop is not None
        completions = self._completions
        future = self._event_loop.submit(self._process(entry.envelope, self.task.collector, entry.coordinator))

        def done(f: concurrent.futures.Future[Any]) -> None:
            error = f.exception() if not f.cancelled() else concurrent.futures.CancelledError()
            completions.put((entry, error))

        future.add_done_callback(done)

    def settle(self, entry: InFlight, error: BaseException | None) -> ReadableCoordinator | None:
        """On the run loop's thread: a completion of ``entry``. Raises what fails the container; returns
        the message's coordinator when its call asked for something."""
        task = self.task
        envelope = entry.envelope
        if isinstance(error, CallbackCalledTwice):
            raise error
        if entry.done:
            return None
        if error is not None:
            if not task._ignored(error):
                raise TaskProcessError(task.task_name, envelope, error) from error
            task.ignored_exceptions.count += 1
            log.warning("task %r ignored %r at offset %s of %s", task.task_name, error, envelope.offset,
                        envelope.system_stream_partition)
        entry.done = True
        self.in_flight -= 1
        self._in_flight_gauge.value = self.in_flight
        self._completed.count += 1
        pending = self._pending[envelope.system_stream_partition]
        last: InFlight | None = None
        while pending and pending[0].done:
            last = pending.popleft()
            task.messages_processed.count += 1
        if last is not None:
            task.last_processed[last.envelope.system_stream_partition] = last.envelope.offset
        return entry.coordinator if entry.coordinator.requested else None

    def in_flight_offsets(self) -> list[str]:
        return [f"{e.envelope.offset} of {ssp}" for ssp, q in self._pending.items() for e in q if not e.done]

    def window(self) -> ReadableCoordinator:
        """``window`` of the task (no message of it in flight); an ``async def window`` runs on the event loop."""
        task = self.task
        if self._event_loop is None or not inspect.iscoroutinefunction(getattr(task.task, "window", None)):
            return task.window()
        coordinator = task._fresh_coordinator()
        task.window_calls.count += 1
        self._event_loop.submit(task.task.window(task.collector, coordinator)).result(self._timeout_s)  # type: ignore[attr-defined]
        return coordinator
