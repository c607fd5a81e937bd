"""AsyncRunLoop: the run loop of async tasks (AsyncStreamTask, or ``async def process``).

Chosen once at container start when the task class is async, so sync jobs keep RunLoop's hot path. Messages
are handed to tasks up to ``task.max.concurrency`` in flight per task; completions are settled on this
thread. ``window`` and commits wait until no message is in flight (Samza: never concurrent with
``process`` of the same task; here the whole container quiesces, which is simpler and still exact), and a
commit then checkpoints only completed messages. A callback not called within ``task.callback.timeout.ms``
fails the container naming the message's offset.
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Mapping

from samza_py.api import END_OF_STREAM_OFFSET, SystemStreamPartition
from samza_py.container.async_tasks import (
    AsyncTaskWorker,
    Completion,
    EventLoopThread,
    InFlight,
    TaskCallbackTimeoutError,
)
from samza_py.container.consumers import SystemConsumers
from samza_py.container.coordinator import ReadableCoordinator
from samza_py.container.run_loop import MAX_RUN, LoopSettings, RunLoop
from samza_py.container.task_instance import TaskInstance
from samza_py.metrics.registry import MetricsRegistryMap

log = logging.getLogger(__name__)

# While messages are in flight and nothing is buffered, polls block at most this long, so completions
# (and the slots they free) are settled promptly.
IN_FLIGHT_POLL_S = 0.005


class InFlightShutdownTimeout(Exception):
    pass


class AsyncRunLoop(RunLoop):
    def __init__(
        self,
        tasks: Mapping[str, TaskInstance],
        consumers: SystemConsumers,
        registry: MetricsRegistryMap,
        settings: LoopSettings,
        *,
        kind: str,
        max_concurrency: int,
        callback_timeout_ms: int,
        shutdown_ms: int,
        event_loop: EventLoopThread | None,
    ) -> None:
        super().__init__(tasks, consumers, registry, settings)
        self._completions: queue.SimpleQueue[Completion] = queue.SimpleQueue()
        self.waits = 0
        self._timeout_ms = callback_timeout_ms
        timeout_s = callback_timeout_ms / 1000.0 if callback_timeout_ms > 0 else None
        self._shutdown_s = max(0.0, shutdown_ms / 1000.0)
        self.workers = {name: AsyncTaskWorker(task, kind, max_concurrency, timeout_s, self._completions, event_loop)
                        for name, task in tasks.items()}
        self._worker_of = {task.task_name: self.workers[task.task_name] for task in tasks.values()}
        self._timeline: deque[InFlight] = deque()  # dispatch order = deadline order (one timeout for all)
        self._timed = timeout_s is not None
        self._requests: list[tuple[TaskInstance, ReadableCoordinator]] = []

    # ------------------------------------------------------------------------------------ completions
    def _in_flight(self) -> int:
        return sum(w.in_flight for w in self.workers.values())

    def _settle(self, block_s: float) -> bool:
        """Settle every queued completion, waiting up to ``block_s`` for the first. True if any."""
        completions = self._completions
        try:
            entry, error = completions.get(timeout=block_s) if block_s > 0 else completions.get_nowait()
        except queue.Empty:
            return False
        while True:
            coordinator = entry.worker.settle(entry, error)
            if coordinator is not None:
                self._requests.append((entry.worker.task, coordinator))
            try:
                entry, error = completions.get_nowait()
            except queue.Empty:
                return True

    def _check_deadlines(self, now: float) -> None:
        timeline = self._timeline
        while timeline and timeline[0].done:
            timeline.popleft()
        if timeline and timeline[0].deadline <= now:
            self._settle(0.0)  # a completion queued just in time still counts
            while timeline and timeline[0].done:
                timeline.popleft()
            if timeline and timeline[0].deadline <= now:
                head = timeline[0]
                raise TaskCallbackTimeoutError(head.worker.task.task_name, head.envelope, self._timeout_ms)

    def _wait(self, block_s: float) -> None:
        """Wait for completions (up to ``block_s``, never past the next callback deadline), then settle."""
        self.waits += 1  # how often the loop waited: a test sees the loop go round without a clock
        if self._timed and self._timeline:
            block_s = min(block_s, max(0.0, self._timeline[0].deadline - time.monotonic()) + 0.001)
        self._settle(block_s)
        if self._timed:
            self._check_deadlines(time.monotonic())

    def _quiesce(self, deadline: float | None = None) -> None:
        """Until no message is in flight: window, commit, end-of-stream and shutdown wait for this."""
        while self._in_flight():
            deadline = self._check_stop_deadline(deadline)
            self._wait(0.1)

    def _check_stop_deadline(self, deadline: float | None) -> float | None:
        """Once a stop is requested, waiting for callbacks is bounded by task.shutdown.ms (even with no
        task.callback.timeout.ms); past it the container fails naming what is still in flight."""
        if deadline is None and self._stop_requested:
            deadline = time.monotonic() + self._shutdown_s
        if deadline is not None and time.monotonic() >= deadline:
            offsets = [o for w in self.workers.values() for o in w.in_flight_offsets()]
            raise InFlightShutdownTimeout(
                f"messages still in flight after task.shutdown.ms={self._shutdown_s * 1000:.0f}: {offsets}")
        return deadline

    def _act_on_requests(self) -> None:
        while self._requests:
            task, coordinator = self._requests.pop(0)
            self._apply(task, coordinator)

    # ------------------------------------------------------------------------------------ dispatch
    def _dispatch(self, worker: AsyncTaskWorker, ssp: SystemStreamPartition, envelope: object) -> None:
        deadline = None
        while worker.free <= 0:
            deadline = self._check_stop_deadline(deadline)
            self._wait(self._poll_s)
        entry = worker.dispatch(envelope)  # type: ignore[arg-type]
        if self._timed:
            self._timeline.append(entry)

    def run(self) -> None:
        now = time.monotonic()
        next_window, next_commit = self._first_due(now)
        consumers, by_ssp, skip_below = self.consumers, self._by_ssp, self._skip_below
        lease = self._lease
        while not self._stop_requested:
            self._settle(0.0)
            if self._timed:
                self._check_deadlines(now)
            self._act_on_requests()
            if self._stop_requested:
                break
            workers = self.workers
            if all(w.free <= 0 for w in workers.values()):
                self._wait(min(self._poll_s, self._until(next_window, next_commit, now)))
                now = time.monotonic()
                next_window, next_commit = self._timers(next_window, next_commit, now)
                continue
            run = consumers.choose_run(MAX_RUN, 0.0, now)
            if run is None:
                timeout = IN_FLIGHT_POLL_S if self._in_flight() else self._poll_s
                run = consumers.choose_run(MAX_RUN, min(timeout, self._until(next_window, next_commit, now)),
                                           now)
            if lease is not None and lease.deadline <= time.monotonic() and self._lease_lost():
                break
            if run is None:
                self.process_null.count += 1
            else:
                ssp, buffer, n = run
                tasks = by_ssp[ssp]
                if buffer[0].offset == END_OF_STREAM_OFFSET:
                    self._quiesce()
                    buffer.popleft()
                    consumers.ran(ssp, 1)
                    self.process_envelopes.count += 1
                    for task in tasks:
                        coordinator = task.reached_end_of_stream(ssp)
                        if coordinator is not None:
                            self._apply(task, coordinator)
                elif len(tasks) == 1:
                    worker = self._worker_of[tasks[0].task_name]
                    deadline = None
                    while worker.free <= 0:  # another task's turn was taken: wait for a slot of this one
                        deadline = self._check_stop_deadline(deadline)
                        self._wait(self._poll_s)
                    taken = min(n, worker.free)
                    for _ in range(taken):
                        self._dispatch(worker, ssp, buffer.popleft())
                    consumers.ran(ssp, taken)
                    self.process_envelopes.count += taken
                    self.process_calls.count += taken
                else:
                    taken = 0
                    while taken < n and not self._stop_requested:
                        envelope = buffer.popleft()
                        taken += 1
                        for task in tasks:
                            if skip_below and int(envelope.offset) < skip_below.get((task.task_name, ssp), -1):
                                continue
                            self.process_calls.count += 1
                            self._dispatch(self._worker_of[task.task_name], ssp, envelope)
                    consumers.ran(ssp, taken)
                    self.process_envelopes.count += taken
            now = time.monotonic()
            next_window, next_commit = self._timers(next_window, next_commit, now)
        if not self._fenced:
            # A stop waits for what is in flight (bounded by task.shutdown.ms) so its commit covers it;
            # requests of those last messages are moot: the container commits all on a graceful stop.
            self._quiesce(time.monotonic() + self._shutdown_s)
            self._requests.clear()

    @staticmethod
    def _until(next_window: float | None, next_commit: float | None, now: float) -> float:
        due = [t for t in (next_window, next_commit) if t is not None]
        return max(0.0, min(due) - now) if due else 3600.0

    def _timers(self, next_window: float | None, next_commit: float | None,
                now: float) -> tuple[float | None, float | None]:
        if next_window is not None and now >= next_window and not self._stop_requested:
            self._quiesce()
            started_ns = time.perf_counter_ns()
            for task in self._windowable:
                self.window_calls.count += 1
                self._apply(task, self.workers[task.task_name].window())
            self.window_ns.update(time.perf_counter_ns() - started_ns)
            next_window = now + self._window_s  # type: ignore[operator]
        if next_commit is not None and now >= next_commit:
            self.commit_all()
            next_commit = now + self._commit_s  # type: ignore[operator]
        return next_window, next_commit

    # ------------------------------------------------------------------------------------ commits
    def _apply(self, task: TaskInstance, coordinator: ReadableCoordinator) -> None:
        if coordinator.commit_requested:
            self._quiesce()
        super()._apply(task, coordinator)

    def commit_all(self) -> None:
        """Waits for every message in flight, then commits: the checkpoint covers all of them."""
        if self._fenced:
            return
        self._quiesce()
        super().commit_all()
