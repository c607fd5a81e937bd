"""The container's one-pass commit: every task's offsets, then every store flushed, each producer flushed
once, the changelogs' end offsets asked once per system, then each task's checkpoint (in-memory fakes,
real RocksDB stores)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from samza_py.api import OutgoingMessageEnvelope, SystemStreamPartition
from samza_py.checkpoint.checkpoint import CheckpointManager
from samza_py.config.config import Config
from samza_py.container.run_loop import RunLoop
from samza_py.container.task_instance import OFFSET_MANAGER_GROUP
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import ChangelogPosition, TaskStorageManager, read_offset_file
from samza_py.system.interfaces import SystemProducer
from tests.fakes import EventLog, FakeCheckpointManager, FakeSystemConsumer, make_run_loop, make_task, raw
from tests.test_container_restore import ROCKSDB, Changelogs

SYSTEMS = ("kafka", "other")  # each task has a store logged to each system
TASKS = 3


class Producer(SystemProducer):
    """One system's producer: changelog sends land in that system's changelogs; flushes are logged."""

    def __init__(self, system: str, changelogs: Changelogs, log: EventLog) -> None:
        self.system, self.changelogs, self.log = system, changelogs, log
        self.fail_flush = False

    def start(self) -> None: ...
    def stop(self) -> None: ...

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        self.changelogs.records[envelope.partition_key].append((envelope.key, envelope.message))
        self.log.append("send", self.system, envelope.partition_key)

    def flush(self, source: str) -> None:
        if self.fail_flush:
            raise OSError(f"{self.system} broker went away")
        self.log.append("flush", self.system, source)


class Container:
    """TASKS tasks sharing producers, admins, a checkpoint manager and one flush, as a container's do."""

    def __init__(self, tmp_path: Path) -> None:
        self.log = EventLog()
        self.changelogs = {s: Changelogs(TASKS, self.log) for s in SYSTEMS}
        self.producers = {s: Producer(s, self.changelogs[s], self.log) for s in SYSTEMS}
        self.checkpoints = FakeCheckpointManager(self.log)
        self.inputs = [SystemStreamPartition.of("kafka", "in", p) for p in range(TASKS)]
        cfg = Config({
            "job.name": "counts",
            "job.logged.store.base.dir": str(tmp_path / "state"),
            "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
            "systems.other.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
            **{f"systems.{s}.producer.bootstrap.servers": "127.0.0.1:1" for s in SYSTEMS},
            **{f"stores.{s}-counts.{key}": value for s in SYSTEMS for key, value in {
                "factory": ROCKSDB, "key.serde": "string", "msg.serde": "integer",
                "changelog": f"{s}.counts-changelog", "object.cache.size": "100", "write.batch.size": "100",
            }.items()},
        })
        self.storages = [
            TaskStorageManager(f"Partition {p}", p, cfg, SerdeManager(cfg), self.producers, self.changelogs,
                               MetricsRegistryMap("t"), TASKS)
            for p in range(TASKS)
        ]
        for storage in self.storages:
            storage.open_and_restore({})

        def flush_producers() -> None:
            for producer in self.producers.values():
                producer.flush("commit")

        checkpoints: CheckpointManager = self.checkpoints
        self.tasks = [
            make_task(f"Partition {p}", Counter(), [self.inputs[p]], self.log, producers=self.producers,
                      checkpoints=checkpoints, storage=self.storages[p], flush_producers=flush_producers)
            for p in range(TASKS)
        ]

    def run_loop(self) -> RunLoop:
        return make_run_loop(self.tasks, FakeSystemConsumer("kafka"))

    def write(self, task: int, offset: int, count: int) -> None:
        """As if the task processed input ``offset`` and counted into both its stores (cached, unsent)."""
        self.tasks[task].last_processed[self.inputs[task]] = str(offset)
        for system in SYSTEMS:
            self.storages[task].engines[f"{system}-counts"].put(f"k{offset}", count)

    def close(self) -> None:
        for storage in self.storages:
            storage.close()


class Counter:
    def process(self, *args: Any) -> None: ...


@pytest.fixture
def container(tmp_path: Path) -> Any:
    made = Container(tmp_path)
    yield made
    made.close()


def snapshot_dirs(tmp_path: Path, task: int) -> list[str]:
    return sorted(p.name for p in (tmp_path / "state" / "kafka-counts").iterdir()
                  if p.name.startswith(f"Partition_{task}-"))


def test_commit_all_flushes_each_producer_once_and_asks_end_offsets_once_per_system(
    container: Container, tmp_path: Path
) -> None:
    loop = container.run_loop()
    for task in range(TASKS):
        container.write(task, offset=10 + task, count=task)
    loop.commit_all()
    events = container.log.events
    kinds = [e[0] for e in events]
    # Stores flushed first (their changelog sends), then each producer once, then one end-offset request
    # per system for every task's changelog partition, then each task's checkpoint.
    assert kinds == ["send"] * (TASKS * len(SYSTEMS)) + ["flush"] * 2 + ["upcoming-offsets"] * 2 + \
        ["checkpoint"] * TASKS
    assert [e for e in events if e[0] == "flush"] == [("flush", "kafka", "commit"), ("flush", "other", "commit")]
    assert [e for e in events if e[0] == "upcoming-offsets"] == [("upcoming-offsets", [0, 1, 2])] * 2
    checkpoints = [e for e in events if e[0] == "checkpoint"]
    assert [c[1] for c in checkpoints] == [f"Partition {p}" for p in range(TASKS)]
    ids = set()
    for p, (_, _, offsets) in enumerate(checkpoints):
        assert offsets[container.inputs[p]] == str(10 + p)
        for system in SYSTEMS:
            position = ChangelogPosition.parse(offsets[SystemStreamPartition.of(system, "counts-changelog", p)])
            assert position.offset == 0  # the one change each store sent
            ids.add(position.checkpoint_id)
    assert len(ids) == 1  # one checkpoint id for the pass
    assert loop.commit_calls.count == TASKS
    assert [t.commit_calls.count for t in container.tasks] == [1] * TASKS
    gauges = [t.context.metrics_registry.snapshot()[OFFSET_MANAGER_GROUP] for t in container.tasks]
    assert [g[f"kafka-in-{p}-checkpointed-offset"] for p, g in enumerate(gauges)] == ["10", "11", "12"]


def test_snapshots_hold_the_checkpointed_changelog_offset_and_earlier_ones_go_after_the_checkpoints(
    container: Container, tmp_path: Path
) -> None:
    loop = container.run_loop()
    for round_ in range(3):
        for task in range(TASKS):
            container.write(task, offset=round_, count=round_)
        loop.commit_all()
        for task in range(TASKS):
            assert len(snapshot_dirs(tmp_path, task)) == 1
    for task in range(TASKS):
        changelog = SystemStreamPartition.of("kafka", "counts-changelog", task)
        checkpointed = container.checkpoints.checkpoints[f"Partition {task}"].offsets[changelog]
        position = ChangelogPosition.parse(checkpointed or "")
        assert position.offset == 2 == len(container.changelogs["kafka"].records[task]) - 1
        snapshot = tmp_path / "state" / "kafka-counts" / f"Partition_{task}-{position.checkpoint_id}"
        assert read_offset_file(snapshot, changelog, 60_000) == 2


def test_one_task_commit_flushes_once_and_asks_only_its_changelogs(container: Container) -> None:
    container.run_loop()
    for task in range(TASKS):
        container.write(task, offset=5, count=1)
    container.log.clear()
    container.tasks[1].commit()  # coordinator.commit(CURRENT_TASK)
    events = container.log.events
    assert [e for e in events if e[0] != "send"] == [
        ("flush", "kafka", "commit"), ("flush", "other", "commit"),
        ("upcoming-offsets", [1]), ("upcoming-offsets", [1]),
        ("checkpoint", "Partition 1", container.checkpoints.checkpoints["Partition 1"].offsets),
    ]
    assert {e[2] for e in events if e[0] == "send"} == {1}  # only its stores were flushed


def test_a_failing_producer_flush_writes_no_checkpoint_and_keeps_the_snapshots(
    container: Container, tmp_path: Path
) -> None:
    loop = container.run_loop()
    for task in range(TASKS):
        container.write(task, offset=1, count=1)
    loop.commit_all()
    before = [snapshot_dirs(tmp_path, t) for t in range(TASKS)]
    container.log.clear()
    for task in range(TASKS):
        container.write(task, offset=2, count=2)
    container.producers["other"].fail_flush = True
    with pytest.raises(OSError, match="other broker went away"):
        loop.commit_all()
    assert container.log.of("checkpoint") == [] and container.log.of("upcoming-offsets") == []
    assert [snapshot_dirs(tmp_path, t) for t in range(TASKS)] == before
    assert all(c.offsets[container.inputs[p]] == "1" for p, c in
               enumerate(container.checkpoints.checkpoints[f"Partition {t}"] for t in range(TASKS)))


def test_tasks_without_stores_commit_their_offsets_after_one_flush() -> None:
    log = EventLog()
    checkpoints = FakeCheckpointManager(log)
    ssps = [SystemStreamPartition.of("fake", "a", p) for p in range(2)]
    first = make_task("T0", Counter(), [ssps[0]], log, checkpoints=checkpoints)
    second = make_task("T1", Counter(), [ssps[1]], log, checkpoints=checkpoints, flush_producers=first.flush_producers)
    first.process(raw(ssps[0], 3, b""))
    second.process(raw(ssps[1], 7, b""))
    make_run_loop([first, second], FakeSystemConsumer()).commit_all()
    assert log.events == [
        ("flush", "fake", "commit"), ("checkpoint", "T0", {ssps[0]: "3"}), ("checkpoint", "T1", {ssps[1]: "7"}),
    ]
