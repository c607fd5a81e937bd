"""RunLoop: Samza's single-threaded loop: choose a message, process it, then window and commit what is due."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from samza_py.api import END_OF_STREAM_OFFSET, IncomingMessageEnvelope, RequestScope, SystemStreamPartition
from samza_py.container.commit import commit_tasks
from samza_py.container.consumers import SystemConsumers
from samza_py.container.coordinator import ReadableCoordinator
from samza_py.container.lease import Lease
from samza_py.container.task_instance import TaskInstance
from samza_py.metrics.registry import MetricsRegistryMap

log = logging.getLogger(__name__)

GROUP = "org.apache.samza.container.SamzaContainerMetrics"
# Envelopes of one SSP processed in one go, at most. Runs start at FIRST_RUN and double while they are
# quick; a run that takes longer than RUN_BUDGET_S shrinks the next ones to what fits in it, so a slow
# task still gets its windows, commits and polls on time.
MAX_RUN = 256
FIRST_RUN = 16
RUN_BUDGET_S = 0.005


@dataclass(frozen=True)
class LoopSettings:
    """What every run loop (RunLoop, AsyncRunLoop) is given by its container besides tasks and consumers."""

    window_ms: int  # task.window.ms (not above 0: never)
    commit_ms: int  # task.commit.ms (not above 0: never)
    poll_interval_ms: int
    # A broadcast SSP is read once for all its tasks, from the lowest start; a task skips what it had.
    skip_below: Mapping[tuple[str, SystemStreamPartition], int] = field(default_factory=dict)
    lease: Lease | None = None
    # Exactly-once: one transaction per container, so a task's commit request commits every task.
    whole_container_commits: bool = False


class RunLoop:
    def __init__(
        self,
        tasks: Mapping[str, TaskInstance],
        consumers: SystemConsumers,
        registry: MetricsRegistryMap,
        settings: LoopSettings,
        *,
        timed: bool = False,
    ) -> None:
        self.tasks = tasks
        self._lease = settings.lease
        self._whole_container_commits = settings.whole_container_commits
        self.consumers = consumers
        self._window_s = settings.window_ms / 1000.0 if settings.window_ms > 0 else None
        self._commit_s = settings.commit_ms / 1000.0 if settings.commit_ms > 0 else None
        self._poll_s = max(0.001, settings.poll_interval_ms / 1000.0)
        self._skip_below = dict(settings.skip_below)
        self._by_ssp: dict[SystemStreamPartition, list[TaskInstance]] = {}
        for task in tasks.values():
            for ssp in task.ssps:
                self._by_ssp.setdefault(ssp, []).append(task)
        self._windowable = [t for t in tasks.values() if t.is_windowable]
        self._stop_requested = False
        # Fenced (standalone: the ZooKeeper session is gone): another processor may own these tasks now,
        # so nothing more is committed, not even what a task asks for.
        self._fenced = False
        self.process_envelopes = registry.new_counter(GROUP, "process-envelopes")
        self.process_null = registry.new_counter(GROUP, "process-null-envelopes")
        self.commit_calls = registry.new_counter(GROUP, "commit-calls")
        self.window_calls = registry.new_counter(GROUP, "window-calls")
        self.process_calls = registry.new_counter(GROUP, "process-calls")
        self.commit_ns = registry.new_timer(GROUP, "commit-ns")
        self.window_ns = registry.new_timer(GROUP, "window-ns")
        # Reading the clock around every message costs throughput: only when metrics.timer.enabled.
        self.process_ns = registry.new_timer(GROUP, "process-ns") if timed else None

    def request_stop(self) -> None:
        """Stop after the current message (SIGTERM, or the container is told to)."""
        self._stop_requested = True

    def fence(self) -> None:
        """Stop after the current run and commit nothing from now on."""
        self._fenced = True
        self._stop_requested = True

    @property
    def fenced(self) -> bool:
        return self._fenced

    def _lease_lost(self) -> bool:
        """Fence when the lease ran out; True then."""
        if self._lease is None or self._fenced or self._lease.valid():
            return self._fenced
        log.warning("the container's lease ran out: fenced (no more processing or commits)")
        self.fence()
        return True

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def _first_due(self, now: float) -> tuple[float | None, float | None]:
        """When the first window and the first commit are due (None: never)."""
        window_s, commit_s = self._window_s, self._commit_s
        return now + window_s if window_s else None, now + commit_s if commit_s else None

    def run(self) -> None:
        """Choose a run of buffered envelopes of one SSP, process it, then window and commit what is due.

        A run is at most MAX_RUN envelopes long, fewer for a slow task (see RUN_BUDGET_S), so timers,
        polls and stop requests get their turn; it ends early right after a message whose call asked for
        a commit or shutdown.
        """
        now = time.monotonic()
        window_s, commit_s = self._window_s, self._commit_s
        next_window, next_commit = self._first_due(now)
        by_ssp = self._by_ssp
        consumers = self.consumers
        process_envelopes = self.process_envelopes
        process_calls = self.process_calls
        process_ns = self.process_ns
        clock = time.monotonic
        clock_ns = time.perf_counter_ns
        max_run = FIRST_RUN
        lease = self._lease
        while not self._stop_requested:
            run = consumers.choose_run(max_run, 0.0, now)
            if run is None:
                # Nothing buffered: block in the poll, but not past the next window or commit.
                timeout = self._poll_s
                for due in (next_window, next_commit):
                    if due is not None:
                        timeout = min(timeout, max(0.0, due - now))
                run = consumers.choose_run(max_run, timeout, now)
            if lease is not None and lease.deadline <= clock() and self._lease_lost():
                break  # checked right before processing: a process frozen past its lease does nothing more
            taken = 0
            if run is None:
                self.process_null.count += 1
            else:
                started = clock()  # a run's own time (not the poll's) decides the next runs' length
                ssp, buffer, n = run
                tasks = by_ssp[ssp]
                if buffer[0].offset == END_OF_STREAM_OFFSET:
                    buffer.popleft()
                    taken = 1
                    consumers.ran(ssp, 1)
                    process_envelopes.count += 1
                    for task in tasks:
                        coordinator = task.reached_end_of_stream(ssp)
                        if coordinator is not None:
                            self._apply(task, coordinator)
                elif len(tasks) == 1:
                    task = tasks[0]
                    if process_ns is None:
                        taken, coordinator = task.process_run(buffer, n)
                    else:
                        started_ns = clock_ns()
                        taken, coordinator = task.process_run(buffer, n)
                        process_ns.total_ns += clock_ns() - started_ns
                        process_ns.updates += taken
                    consumers.ran(ssp, taken)
                    process_envelopes.count += taken
                    process_calls.count += taken
                    if coordinator.requested:
                        self._apply(task, coordinator)
                else:
                    taken = self._process_shared(ssp, buffer, n, tasks)
            now = clock()
            if taken:
                elapsed = now - started
                if elapsed > RUN_BUDGET_S:
                    max_run = max(1, int(taken * RUN_BUDGET_S / elapsed))
                elif max_run < MAX_RUN and taken == n and elapsed < RUN_BUDGET_S / 4:
                    max_run = min(MAX_RUN, max_run * 2)
            if next_window is not None and now >= next_window and not self._stop_requested:
                started_ns = clock_ns()
                for task in self._windowable:
                    self.window_calls.count += 1
                    self._apply(task, task.window())
                self.window_ns.update(clock_ns() - started_ns)
                next_window = now + window_s  # type: ignore[operator]
            if next_commit is not None and now >= next_commit:
                self.commit_all()
                next_commit = now + commit_s  # type: ignore[operator]

    def _process_shared(
        self, ssp: SystemStreamPartition, buffer: deque[IncomingMessageEnvelope], n: int, tasks: list[TaskInstance]
    ) -> int:
        """A run of an SSP several tasks read (a broadcast input): each envelope goes to each task in turn,
        skipped by a task whose own start is above it."""
        skip_below = self._skip_below
        process_ns = self.process_ns
        taken = 0
        while taken < n and not self._stop_requested:
            envelope = buffer.popleft()
            taken += 1
            for task in tasks:
                if skip_below and int(envelope.offset) < skip_below.get((task.task_name, ssp), -1):
                    continue
                self.process_calls.count += 1
                started_ns = time.perf_counter_ns() if process_ns is not None else 0
                coordinator = task.process(envelope)
                if process_ns is not None:
                    process_ns.update(time.perf_counter_ns() - started_ns)
                if coordinator.requested:
                    self._apply(task, coordinator)
        self.consumers.ran(ssp, taken)
        self.process_envelopes.count += taken
        return taken

    def _apply(self, task: TaskInstance, coordinator: ReadableCoordinator) -> None:
        if coordinator.commit_requested and not self._lease_lost():
            if coordinator.commit_scope is RequestScope.ALL_TASKS_IN_CONTAINER or self._whole_container_commits:
                self.commit_all()
            else:
                self.commit_calls.count += 1
                task.commit()
        if coordinator.shutdown_requested:
            if coordinator.shutdown_scope is RequestScope.ALL_TASKS_IN_CONTAINER:
                log.info("task %r asked the whole container to shut down", task.task_name)
                self._stop_requested = True
            elif not task.shutdown_voted:
                task.shutdown_voted = True
                if all(t.shutdown_voted for t in self.tasks.values()):
                    log.info("every task voted to shut down")
                    self._stop_requested = True

    def commit_all(self) -> None:
        """Every task in one pass: each producer flushed once, changelog offsets asked once per system."""
        if self._lease_lost():
            return
        started_ns = time.perf_counter_ns()
        tasks = list(self.tasks.values())
        self.commit_calls.count += len(tasks)
        commit_tasks(tasks)
        self.commit_ns.update(time.perf_counter_ns() - started_ns)
