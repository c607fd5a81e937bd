"""The container's restore pool: Samza's thread count, stores of all tasks restored at once, and a failed
restore failing the container with its task, store and changelog partition (in-memory changelogs)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from samza_py.api import OutgoingMessageEnvelope, SystemStreamPartition
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.validation import validate
from samza_py.container.restore import ContainerRestoreError, restore_all
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import RestoreCancelledError, StoreRestore, TaskStorageManager
from samza_py.system.interfaces import SystemProducer, SystemStreamMetadata, SystemStreamPartitionMetadata
from tests.fakes import EventLog

TOPIC = "counts-changelog"
ROCKSDB = "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"
Batch = list[tuple[bytes, bytes | None]]
DEADLINE_S = 10.0


class Changelogs:
    """A changelog topic in memory: partition -> [(key, value)] at offsets 0..n-1; counts offset requests."""

    def __init__(self, partitions: int, log: EventLog | None = None) -> None:
        self.records: dict[int, Batch] = {p: [] for p in range(partitions)}
        self.log = log or EventLog()
        self.upcoming_requests: list[set[SystemStreamPartition]] = []
        # What a read does before it hands out its records (e.g. wait for the other restores).
        self.before_read: Callable[[int], None] = lambda partition: None

    def read(self, settings: Any, topic: str, partition: int, start: int, end: int,
             on_batch: Callable[[Batch], None]) -> int:
        self.before_read(partition)
        batch = self.records[partition][start:end]
        for i in range(0, len(batch), 10):
            on_batch(batch[i:i + 10])
        return len(batch)

    # SystemAdmin
    def get_system_stream_metadata(self, streams: Any) -> dict[str, SystemStreamMetadata]:
        parts = {p: SystemStreamPartitionMetadata("0", str(len(r) - 1) if r else None, str(len(r)))
                 for p, r in self.records.items()}
        return {TOPIC: SystemStreamMetadata(TOPIC, parts)}

    def upcoming_offsets(self, ssps: Any) -> dict[SystemStreamPartition, int]:
        ssps = set(ssps)
        self.upcoming_requests.append(ssps)
        self.log.append("upcoming-offsets", sorted(ssp.partition_id for ssp in ssps))
        return {ssp: len(self.records[ssp.partition_id]) for ssp in ssps}


class ChangelogProducer(SystemProducer):
    def __init__(self, changelogs: Changelogs) -> None:
        self.changelogs = changelogs

    def start(self) -> None: ...
    def stop(self) -> None: ...

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        self.changelogs.records[envelope.partition_key].append((envelope.key, envelope.message))

    def flush(self, source: str) -> None:
        self.changelogs.log.append("flush", "kafka", source)


def store_config(tmp_path: Path, **extra: str) -> Config:
    return Config({
        "job.name": "counts",
        "job.logged.store.base.dir": str(tmp_path / "state"),
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
        "stores.counts.factory": ROCKSDB,
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": f"kafka.{TOPIC}",
        "stores.counts.object.cache.size": "0",
        **extra,
    })


def task_storages(tmp_path: Path, changelogs: Changelogs, tasks: int,
                  reader: Callable[..., int] | None = None) -> list[TaskStorageManager]:
    """One TaskStorageManager per task ``Partition <p>``, on changelog partition p, as one container's."""
    cfg = store_config(tmp_path)
    producer = ChangelogProducer(changelogs)
    return [
        TaskStorageManager(f"Partition {p}", p, cfg, SerdeManager(cfg), {"kafka": producer}, {"kafka": changelogs},
                           MetricsRegistryMap(f"TaskName-Partition {p}"), tasks, reader=reader or changelogs.read)
        for p in range(tasks)
    ]


def n(value: int) -> bytes:
    return value.to_bytes(4, "big", signed=True)


def fill(changelogs: Changelogs, per_partition: int) -> None:
    for p, records in changelogs.records.items():
        records.extend((f"k{p}-{i}".encode(), n(p * 1000 + i)) for i in range(per_partition))


def jobs_of(storages: list[TaskStorageManager]) -> list[StoreRestore]:
    return [job for storage in storages for job in storage.restore_jobs({})]


# --- the pool's size ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tasks", "size", "max_size", "threads"), [
    (4, None, None, 8),     # 2 × tasks
    (1, None, None, 2),     # the pool size (2) when 2 × tasks is smaller
    (1, "6", None, 6),
    (40, None, None, 64),   # at most the max size
    (4, None, "1", 1),      # a max size of 1: one restore after another
    (4, "16", "10", 10),
])
def test_restore_threads_follow_samzas_formula(tasks: int, size: str | None, max_size: str | None,
                                               threads: int) -> None:
    settings = {"job.name": "j"}
    if size is not None:
        settings["job.container.restore.thread.pool.size"] = size
    if max_size is not None:
        settings["job.container.restore.thread.pool.max.size"] = max_size
    assert JobConfig(Config(settings)).restore_threads(tasks) == threads


@pytest.mark.parametrize("key", ["job.container.restore.thread.pool.size",
                                 "job.container.restore.thread.pool.max.size"])
@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_restore_pool_keys_must_be_positive_integers(key: str, value: str) -> None:
    assert key in {problem.key for problem in validate({key: value})}


# --- restores run at once -------------------------------------------------------------------------------------

def test_the_stores_of_all_tasks_restore_at_once_and_each_gets_exactly_its_changelog(tmp_path: Path) -> None:
    changelogs = Changelogs(4)
    fill(changelogs, 50)
    # Every read waits until all four have started: with one restore at a time this would break the barrier.
    barrier = threading.Barrier(4, timeout=DEADLINE_S)
    changelogs.before_read = lambda partition: barrier.wait()
    storages = task_storages(tmp_path, changelogs, 4)
    spans = restore_all(jobs_of(storages), JobConfig(store_config(tmp_path)).restore_threads(4))
    assert [(s.task_name, s.store) for s in spans] == [(f"Partition {p}", "counts") for p in range(4)]
    assert len({s.thread for s in spans}) == 4
    assert max(s.started for s in spans) < min(s.finished for s in spans)  # all four overlapped
    for p, storage in enumerate(storages):
        restored = {e.key: e.value for e in storage.engines["counts"].all()}
        assert restored == {f"k{p}-{i}": p * 1000 + i for i in range(50)}
        storage.close()


def test_a_max_size_of_one_restores_one_store_after_another(tmp_path: Path) -> None:
    changelogs = Changelogs(3)
    fill(changelogs, 20)
    running: list[int] = []
    overlaps: list[list[int]] = []

    def before_read(partition: int) -> None:
        running.append(partition)
        overlaps.append(list(running))
        time.sleep(0.01)  # widen the window in which a second restore would show up
        running.remove(partition)

    changelogs.before_read = before_read
    storages = task_storages(tmp_path, changelogs, 3)
    cfg = store_config(tmp_path, **{"job.container.restore.thread.pool.max.size": "1"})
    spans = restore_all(jobs_of(storages), JobConfig(cfg).restore_threads(3))
    assert overlaps == [[0], [1], [2]]
    assert all(a.finished <= b.started for a, b in zip(spans, spans[1:], strict=False))
    for p, storage in enumerate(storages):
        assert storage.engines["counts"].get(f"k{p}-19") == p * 1000 + 19
        storage.close()


def test_metrics_registered_from_many_threads_at_once_are_one_object_per_name() -> None:
    registry = MetricsRegistryMap("t")
    barrier = threading.Barrier(8, timeout=DEADLINE_S)
    got: list[object] = []

    def register() -> None:
        barrier.wait()
        got.extend(registry.new_counter("g", f"c{i}") for i in range(200))

    threads = [threading.Thread(target=register) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)
    assert len(got) == 8 * 200 and len({id(c) for c in got}) == 200


# --- a failed restore fails the container ---------------------------------------------------------------------

def test_a_failed_restore_names_task_store_and_changelog_partition_and_cancels_the_others(tmp_path: Path) -> None:
    changelogs = Changelogs(3)
    fill(changelogs, 30)
    others_reading = threading.Barrier(3, timeout=DEADLINE_S)
    cancelled_seen: list[int] = []
    read = changelogs.read

    def failing_read(settings: Any, topic: str, partition: int, start: int, end: int,
                     on_batch: Callable[[Batch], None]) -> int:
        others_reading.wait()  # all three are restoring when partition 2 fails
        if partition == 2:
            raise OSError("broker went away")
        # The others keep reading (as a long restore would) until the failure cancels them at a batch.
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            try:
                read(settings, topic, partition, start, end, on_batch)
            except RestoreCancelledError:
                cancelled_seen.append(partition)
                raise
        raise AssertionError("never cancelled")

    storages = task_storages(tmp_path, changelogs, 3, reader=failing_read)
    with pytest.raises(ContainerRestoreError) as info:
        restore_all(jobs_of(storages), 6)
    message = str(info.value)
    assert "'Partition 2'" in message and "'counts'" in message and "broker went away" in message
    assert f"SystemStreamPartition [kafka, {TOPIC}, 2]" in message
    assert (info.value.task_name, info.value.store) == ("Partition 2", "counts")
    assert isinstance(info.value.__cause__, OSError)
    assert sorted(cancelled_seen) == [0, 1]
    # Every store that was opened is closed again: a restart can open them.
    for storage in storages:
        assert storage.engines == {}
    reopened = task_storages(tmp_path, changelogs, 3)
    restore_all(jobs_of(reopened), 1)
    assert reopened[0].engines["counts"].get("k0-29") == 29
    for storage in reopened:
        storage.close()


# --- a fenced container (standalone) ------------------------------------------------------------------------

def test_a_restore_cancelled_by_a_fence_writes_nothing_to_the_changelog(tmp_path: Path) -> None:
    changelogs = Changelogs(1)
    fill(changelogs, 30)
    fence = threading.Event()

    def read_then_fence(settings: Any, topic: str, partition: int, start: int, end: int,
                        on_batch: Callable[[Batch], None]) -> int:
        count = changelogs.read(settings, topic, partition, start, end, on_batch)
        if start > 0:  # the read of what lies past the checkpoint, whose keys the trim would rewrite
            fence.set()
        return count

    storages = task_storages(tmp_path, changelogs, 1, reader=read_then_fence)
    changelog = SystemStreamPartition.of("kafka", TOPIC, 0)
    # Checkpointed at offset 9: offsets 10..29 were never committed and would be trimmed.
    jobs = storages[0].restore_jobs({changelog: "1-1:9"})
    with pytest.raises(ContainerRestoreError) as info:
        restore_all(jobs, 1, fence)
    assert isinstance(info.value.__cause__, RestoreCancelledError)
    assert len(changelogs.records[0]) == 30  # no trimming writes went out
