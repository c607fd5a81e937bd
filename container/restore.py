"""Restoring every store of every task of a container at once, on a thread pool.

Changelog reads (librdkafka) wait without the GIL, so restores on separate threads overlap; rocksdict holds
the GIL while RocksDB applies a batch, so their store writes take turns. (Replaying in child processes
instead was measured slower on two cores: the broker needs CPU too, and each child pays its own start.)
The pool has Samza's size: ``min(max(2 × tasks, job.container.restore.thread.pool.size),
job.container.restore.thread.pool.max.size)``; a max size of 1 restores one store after another. All
restores finish before any task is initialised; the first failure cancels the rest and fails the container.
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from samza_py.storage.storage_manager import RestoreCancelledError, StoreRestore
from samza_py.system.kafka.partition_reader import READ_TIMEOUT_S

log = logging.getLogger(__name__)

# A store's restore reads its changelog once and its uncommitted tail once, each bounded by the reader.
JOB_DEADLINE_S = 2 * READ_TIMEOUT_S + 60.0
# After a failure the others stop at their next batch; how long to wait for them to let go of their stores.
CANCEL_GRACE_S = 60.0


class ContainerRestoreError(Exception):
    """A store of a task could not be restored; the container does not start."""

    def __init__(self, job: StoreRestore, cause: BaseException) -> None:
        where = f" from changelog {job.changelog}" if job.changelog is not None else " (no changelog)"
        super().__init__(f"restoring store {job.store!r} of task {job.task_name!r}{where} failed: {cause!r}")
        self.task_name = job.task_name
        self.store = job.store
        self.changelog = job.changelog


@dataclass(frozen=True)
class RestoreSpan:
    """When one store's restore ran (``time.monotonic()`` seconds) and on which thread."""

    task_name: str
    store: str
    started: float
    finished: float
    thread: str


def restore_all(
    jobs: Sequence[StoreRestore], threads: int, cancelled: threading.Event | None = None
) -> list[RestoreSpan]:
    """Run every restore on ``threads`` threads; return when each ran, in ``jobs`` order.

    Raises ContainerRestoreError for the first restore that failed, once the others have stopped. Setting
    ``cancelled`` (a fenced container) stops every restore at its next batch, before any changelog write.
    """
    if not jobs:
        return []
    threads = max(1, min(threads, len(jobs)))
    tasks = len({job.task_name for job in jobs})
    log.info("restoring %d store(s) of %d task(s) on %d thread(s)", len(jobs), tasks, threads)
    cancelled = cancelled if cancelled is not None else threading.Event()
    spans: dict[int, RestoreSpan] = {}

    def run(index: int, job: StoreRestore) -> None:
        started = time.monotonic()
        job.run(cancelled)
        spans[index] = RestoreSpan(job.task_name, job.store, started, time.monotonic(),
                                   threading.current_thread().name)

    pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="samza-restore")
    futures = {pool.submit(run, i, job): job for i, job in enumerate(jobs)}
    try:
        # Each restore is bounded by its reads' deadlines; so is the whole, at the pool's width.
        deadline_s = JOB_DEADLINE_S * math.ceil(len(jobs) / threads)
        done, pending = concurrent.futures.wait(futures, deadline_s, concurrent.futures.FIRST_EXCEPTION)
        failure = _first_failure(futures, done, pending, deadline_s)
        if failure is not None:
            _cancel(futures, cancelled, failure)
            raise failure
    except BaseException:
        cancelled.set()  # e.g. interrupted while waiting: no restore keeps going on its own
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [spans[i] for i in range(len(jobs))]


def _first_failure(
    futures: dict[concurrent.futures.Future[None], StoreRestore], done: set[concurrent.futures.Future[None]],
    pending: set[concurrent.futures.Future[None]], deadline_s: float,
) -> ContainerRestoreError | None:
    """The error to fail the container with: the first failed restore in job order, else one past the deadline."""
    for future, job in futures.items():
        if future in done:
            cause = future.exception()
            if cause is not None:
                error = ContainerRestoreError(job, cause)
                error.__cause__ = cause
                return error
    for future, job in futures.items():
        if future in pending:
            return ContainerRestoreError(job, TimeoutError(f"restores not done within {deadline_s:.0f} s"))
    return None


def _cancel(
    futures: dict[concurrent.futures.Future[None], StoreRestore], cancelled: threading.Event,
    failure: ContainerRestoreError,
) -> None:
    """Stop the restores still running (at their next batch) and wait, bounded, for them to let go of
    their stores; log any other failure (the first one is raised)."""
    cancelled.set()
    for future in futures:
        future.cancel()
    _, still = concurrent.futures.wait(futures, CANCEL_GRACE_S)
    for future, job in futures.items():
        if future in still:
            log.error("restore of store %r of task %r did not stop within %.0f s of the cancel", job.store,
                      job.task_name, CANCEL_GRACE_S)
        elif not future.cancelled() and (job.task_name, job.store) != (failure.task_name, failure.store):
            exc = future.exception()
            if exc is not None and not isinstance(exc, RestoreCancelledError):
                log.error("restoring store %r of task %r failed too: %r", job.store, job.task_name, exc)
