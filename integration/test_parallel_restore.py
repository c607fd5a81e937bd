"""A container of four tasks, each with a RocksDB store logged to Kafka, in this process: its one-pass commit
leaves every task's checkpoint at its input's end and its changelog's newest offset; a restart without local
state restores all four stores at once, exactly, before any task starts; a missing changelog partition
fails the container naming the task, store and partition."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest

from samza_py.api import IncomingMessageEnvelope, MessageCollector, SystemStreamPartition, TaskContext, TaskCoordinator
from samza_py.config.config import Config
from samza_py.container.restore import ContainerRestoreError
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.model import ContainerModel, TaskModel
from samza_py.serializers.builtin import IntegerSerde, StringSerde
from samza_py.storage.storage_manager import ChangelogPosition

from .conftest import KAFKA_BOOTSTRAP
from .jobs import (
    changelog_counts,
    checkpointed_offsets,
    create_topic,
    end_offsets,
    produce_round_robin,
    read_topic,
    wait_for,
)

TASKS = 4
KEYS = 2500       # distinct keys per task
COPIES = 2        # each key counted this many times
STORE = "counts"


class CountTask:
    """Counts each message (a string key) in its store; records what its store held when it was initialised."""

    at_init: ClassVar[dict[str, dict[str, int]]] = {}

    def init(self, context: TaskContext) -> None:
        self.store = context.get_store(STORE)
        CountTask.at_init[context.task_name] = {entry.key: entry.value for entry in self.store.all()}

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        key = envelope.message
        self.store.put(key, (self.store.get(key) or 0) + 1)


def job_config(unique: str, state: Path) -> Config:
    return Config({
        "job.name": f"restore-{unique}",
        "job.factory.class": "samza_py.job.local.ThreadJobFactory",
        "job.logged.store.base.dir": str(state),
        "task.class": "integration.test_parallel_restore.CountTask",
        "task.inputs": f"kafka.{unique}-in",
        "task.checkpoint.factory": "samza_py.checkpoint.kafka.manager.KafkaCheckpointManagerFactory",
        "task.checkpoint.system": "kafka",
        "task.checkpoint.replication.factor": "1",
        "serializers.registry.string.class": "samza_py.serializers.builtin.StringSerdeFactory",
        "serializers.registry.integer.class": "samza_py.serializers.builtin.IntegerSerdeFactory",
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.samza.msg.serde": "string",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        f"stores.{STORE}.factory": "samza_py.storage.rocksdb.RocksDbKeyValueStorageEngineFactory",
        f"stores.{STORE}.key.serde": "string",
        f"stores.{STORE}.msg.serde": "integer",
        f"stores.{STORE}.changelog": f"kafka.{unique}-changelog",
    })


def model(unique: str) -> ContainerModel:
    tasks = {
        f"Partition {p}": TaskModel(f"Partition {p}", frozenset({SystemStreamPartition.of("kafka", f"{unique}-in", p)}),
                                    p)
        for p in range(TASKS)
    }
    return ContainerModel("0", tasks)


def truth(partition: int) -> dict[str, int]:
    return {f"p{partition}-{i}": COPIES for i in range(KEYS)}


def produce_input(unique: str) -> None:
    create_topic(f"{unique}-in", TASKS)
    # Round robin: message j lands on partition j % TASKS, so partition p gets every key of truth(p) COPIES times.
    values = [f"p{j % TASKS}-{(j // TASKS) % KEYS}".encode() for j in range(TASKS * KEYS * COPIES)]
    produce_round_robin(f"{unique}-in", TASKS, values)


def last_checkpoints(unique: str) -> dict[str, dict[tuple[str, int], str]]:
    """Task name → its last v1 checkpoint's offsets by (stream, partition)."""
    latest: dict[str, dict[tuple[str, int], str]] = {}
    for msg in read_topic(f"__samza_checkpoint_ver_1_for_restore-{unique}_1"):
        key = json.loads(msg.key())
        if key["type"] == "checkpoint":
            latest[key["taskName"]] = checkpointed_offsets(msg.value(), "checkpoint")
    return latest


def run_until_processed(container: SamzaContainer, ends: dict[int, int]) -> None:
    """Run the container on a thread until every task processed its input to ``ends``, then stop it
    gracefully (its last commit covers everything)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            container.run()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="container")
    thread.start()
    try:
        def processed() -> bool:
            assert not errors, errors
            tasks = dict(container.tasks)
            return len(tasks) == TASKS and all(
                task.last_processed.get(ssp) == str(ends[ssp.partition_id] - 1)
                for task in tasks.values() for ssp in task.ssps
            )

        wait_for(processed, 120, "every task to process its input")
    finally:
        container.request_stop()
        thread.join(120)
    assert not thread.is_alive() and not errors, errors


@pytest.fixture(autouse=True)
def fresh_at_init() -> Any:
    CountTask.at_init = {}
    yield


def test_one_pass_commits_then_a_restart_restores_every_task_at_once_exactly(unique: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    create_topic(f"{unique}-changelog", TASKS)
    produce_input(unique)
    ends = end_offsets(f"{unique}-in")

    first = SamzaContainer(job_config(unique, state), model(unique))
    run_until_processed(first, ends)
    changelog_ends = end_offsets(f"{unique}-changelog")
    # The graceful stop's commit: each task's input offset and its changelog partition's newest offset.
    checkpoints = last_checkpoints(unique)
    assert set(checkpoints) == {f"Partition {p}" for p in range(TASKS)}
    for p in range(TASKS):
        offsets = checkpoints[f"Partition {p}"]
        assert offsets[(f"{unique}-in", p)] == str(ends[p] - 1)
        assert ChangelogPosition.parse(offsets[(f"{unique}-changelog", p)]).offset == changelog_ends[p] - 1
    assert changelog_counts(unique) == {(p, key): n for p in range(TASKS) for key, n in truth(p).items()}

    # No local state: every store comes back from its changelog, all four at once, before any task starts.
    shutil.rmtree(state)
    second = SamzaContainer(job_config(unique, state), model(unique))
    second.request_stop()  # start (restore, init), commit, stop
    second.run()
    assert CountTask.at_init == {f"Partition {p}": truth(p) for p in range(TASKS)}
    spans = second.restore_spans
    assert sorted(s.task_name for s in spans) == [f"Partition {p}" for p in range(TASKS)]
    assert len({s.thread for s in spans}) == TASKS
    assert max(s.started for s in spans) < min(s.finished for s in spans), spans
    gauges = second.registry.snapshot()["org.apache.samza.container.SamzaContainerMetrics"]
    assert all(gauges[f"Partition {p}-restore-time"] >= 0 for p in range(TASKS))
    # Its commit found nothing new: the same input offsets, the same changelog ends.
    assert end_offsets(f"{unique}-changelog") == changelog_ends
    again = last_checkpoints(unique)
    for p in range(TASKS):
        offsets = again[f"Partition {p}"]
        assert offsets[(f"{unique}-in", p)] == str(ends[p] - 1)
        assert ChangelogPosition.parse(offsets[(f"{unique}-changelog", p)]).offset == changelog_ends[p] - 1

    # A restart with max size 1 restores the same, one store after another.
    shutil.rmtree(state)
    CountTask.at_init = {}
    config = Config({**job_config(unique, state), "job.container.restore.thread.pool.max.size": "1"})
    third = SamzaContainer(config, model(unique))
    third.request_stop()
    third.run()
    assert CountTask.at_init == {f"Partition {p}": truth(p) for p in range(TASKS)}
    ordered = sorted(third.restore_spans, key=lambda s: s.started)
    assert all(a.finished <= b.started for a, b in zip(ordered, ordered[1:], strict=False))


def test_a_missing_changelog_partition_fails_the_container_naming_task_store_and_partition(
    unique: str, tmp_path: Path
) -> None:
    create_topic(f"{unique}-changelog", TASKS - 1)  # no partition for the last task
    create_topic(f"{unique}-in", TASKS)
    container = SamzaContainer(job_config(unique, tmp_path / "state"), model(unique))
    container.request_stop()
    with pytest.raises(ContainerRestoreError) as info:
        container.run()
    message = str(info.value)
    assert f"task 'Partition {TASKS - 1}'" in message and f"store '{STORE}'" in message
    assert f"SystemStreamPartition [kafka, {unique}-changelog, {TASKS - 1}]" in message
    assert CountTask.at_init == {}  # no task was initialised
    # Every store the other restores opened was closed again: they open at once.
    for p in range(TASKS - 1):
        assert (tmp_path / "state" / STORE / f"Partition_{p}").is_dir()
    retry = SamzaContainer(job_config(unique, tmp_path / "state"), ContainerModel(
        "0", {name: task for name, task in model(unique).tasks.items() if task.changelog_partition < TASKS - 1}))
    retry.request_stop()
    retry.run()
    assert set(CountTask.at_init) == {f"Partition {p}" for p in range(TASKS - 1)}


BULK_RECORDS = 40_000


def test_a_large_restore_loads_rocksdb_in_bulk_then_puts_its_serving_settings_back(
    unique: str, tmp_path: Path
) -> None:
    """A changelog far larger than the store's memtable: RocksDB's own log shows compaction and the level-0
    write limits off for the restore and back on after it, and the task sees every record."""
    create_topic(f"{unique}-in", TASKS)
    create_topic(f"{unique}-changelog", TASKS)
    keys, values = StringSerde(), IntegerSerde()
    produced = produce_round_robin(f"{unique}-changelog", 1, (values.to_bytes(i) for i in range(BULK_RECORDS)),
                                   keys=(keys.to_bytes(f"big-{i:06d}") for i in range(BULK_RECORDS)))
    assert produced == BULK_RECORDS  # all in partition 0
    # No checkpoints kept, so the whole changelog is the state (with checkpoints and none written yet, it
    # would all be uncommitted). 64 KB of memtable per task: restoring partition 0 flushes dozens of times.
    settings = {key: value for key, value in job_config(unique, tmp_path / "state").items()
                if not key.startswith("task.checkpoint.")}
    config = Config({**settings, f"stores.{STORE}.container.write.buffer.size.bytes": str(TASKS * 64 * 1024)})
    container = SamzaContainer(config, model(unique))
    container.request_stop()
    container.run()
    assert CountTask.at_init["Partition 0"] == {f"big-{i:06d}": i for i in range(BULK_RECORDS)}
    assert all(CountTask.at_init[f"Partition {p}"] == {} for p in range(1, TASKS))
    log = (tmp_path / "state" / STORE / "Partition_0" / "LOG").read_text()
    settings = [line.rsplit("] ", 1)[1] for line in log.splitlines()
                if "db_impl.cc" in line and ("disable_auto_compactions" in line or "writes_trigger" in line)]
    assert sorted(settings[:3]) == ["disable_auto_compactions: true", "level0_slowdown_writes_trigger: 1073741824",
                                    "level0_stop_writes_trigger: 1073741824"], settings
    assert sorted(settings[3:]) == ["disable_auto_compactions: false", "level0_slowdown_writes_trigger: 20",
                                    "level0_stop_writes_trigger: 36"], settings
    flushes = log.count('"event": "flush_finished"')
    assert flushes >= 10, f"the restore flushed only {flushes} memtable(s): not a bulk load"
