"""One commit for several tasks of a container, in one pass per step.

Samza's order holds for each task: its offsets are taken first; store caches are flushed (changelog
sends); outputs and changelog writes are made durable; stores are snapshotted at their changelog's newest
offset; then its checkpoint is written; then snapshots of earlier checkpoints go. Done for all tasks at
once, every producer is flushed once and the changelogs' end offsets are asked once per system, however
many tasks commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from samza_py.api import SystemStreamPartition
from samza_py.storage.storage_manager import newest_changelog_offsets

if TYPE_CHECKING:
    from samza_py.container.task_instance import TaskInstance

log = logging.getLogger(__name__)


def new_checkpoint_id() -> str:
    """``<millis>-<nano id>``: names the store snapshots a checkpoint refers to."""
    return f"{int(time.time() * 1000)}-{time.monotonic_ns() % 1_000_000_000}"


def commit_tasks(tasks: Sequence[TaskInstance]) -> None:
    started = time.monotonic()
    offsets: list[dict[SystemStreamPartition, str | None]] = [task.take_commit_offsets() for task in tasks]
    checkpoint_id = new_checkpoint_id()
    storages = [task.storage for task in tasks if task.storage is not None]
    for storage in storages:
        storage.flush()
    # Tasks of one container share its producers: each flush makes every task's sends durable.
    flushes: dict[Callable[[], None], None] = dict.fromkeys(task.flush_producers for task in tasks)
    for flush in flushes:
        flush()
    newest = newest_changelog_offsets(storages)
    for task, task_offsets in zip(tasks, offsets, strict=True):
        if task.storage is not None:
            task_offsets.update(task.storage.checkpoint(checkpoint_id, newest))
        task.write_checkpoint(task_offsets)
    # A transactional manager commits here: the outputs, changelog writes and checkpoints of the interval.
    for manager in dict.fromkeys(task.checkpoint_manager for task in tasks if task.checkpoint_manager is not None):
        manager.checkpoints_written()
    for storage in storages:
        # Earlier snapshots go once this commit's checkpoint is written; with no checkpoints kept,
        # only the newest snapshot can ever be restored from, so the others go at once.
        storage.remove_old_snapshots(checkpoint_id)
    log.debug("committed %d task(s) in %.1f ms", len(tasks), (time.monotonic() - started) * 1000)
