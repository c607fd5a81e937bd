"""A standby container on the real broker and RocksDB, without YARN: it copies a task's store by tailing
the changelog, snapshots the copy, keeps following new writes, and an active task started on the same host
afterwards installs the standby's snapshot and replays only the changelog written since."""

from __future__ import annotations

import threading
from pathlib import Path

from confluent_kafka import Producer

from samza_py.api import SystemStreamPartition
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.container.standby_container import StandbyContainer
from samza_py.job.model import STANDBY, ContainerModel, TaskModel
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import ChangelogPosition, TaskStorageManager, read_offset_file, snapshot_dirs

from .conftest import KAFKA_BOOTSTRAP
from .jobs import create_topic, wait_for

STORE = "counts"


def config(unique: str, state: Path) -> Config:
    return Config({
        "job.name": f"standby-{unique}",
        "job.logged.store.base.dir": str(state),
        "task.commit.ms": "300",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.consumer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        f"stores.{STORE}.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        f"stores.{STORE}.key.serde": "string",
        f"stores.{STORE}.msg.serde": "string",
        f"stores.{STORE}.changelog": f"kafka.{unique}-changelog",
    })


def write_changelog(topic: str, partition: int, records: dict[str, str | None]) -> None:
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    for key, value in records.items():
        producer.produce(topic, key=key.encode(), value=None if value is None else value.encode(), partition=partition)
    assert producer.flush(30) == 0


def test_a_standby_copy_follows_the_changelog_and_an_active_reuses_its_snapshot(unique: str, tmp_path: Path) -> None:
    changelog = f"{unique}-changelog"
    create_topic(changelog, 2)
    first = {f"user-{i}": str(i) for i in range(3000)}
    write_changelog(changelog, 1, first)
    write_changelog(changelog, 0, {"elsewhere": "x"})  # another task's partition: never copied
    cfg = config(unique, tmp_path / "state")
    standby_task = "Standby-Partition 1-0"
    model = ContainerModel("0-0", {standby_task: TaskModel(standby_task, frozenset(), 1, STANDBY)})
    container = StandbyContainer(cfg, model)
    runner = threading.Thread(target=container.run, name="standby", daemon=True)
    runner.start()
    try:
        wait_for(lambda: len(container.copies) == 1 and container.copies[0].applied == 2999, 60,
                 "the standby to copy the whole changelog")
        copy = container.copies[0]
        wait_for(lambda: copy.lag.value == 0, 30, "its lag gauge to show it caught up")
        # Writes keep arriving: updates and a delete reach the copy too.
        write_changelog(changelog, 1, {"user-1": "updated", "user-2": None, "new": "n"})
        wait_for(lambda: copy.applied == 3002 and copy.snapshotted == 3002, 60,
                 "the standby to apply and snapshot the new writes")
        assert copy.engine.raw_get(b"user-1") == b"updated" and copy.engine.raw_get(b"user-2") is None
    finally:
        container.request_stop()
        runner.join(60)
    assert not runner.is_alive()

    # The snapshots sit where the active task "Partition 1" looks for its own, with their changelog offset.
    registry = MetricsRegistryMap("TaskName-Partition 1")
    admin = resolve_class(cfg["systems.kafka.samza.factory"])().get_admin("kafka", cfg)
    admin.start()
    producer = resolve_class(cfg["systems.kafka.samza.factory"])().get_producer("kafka", cfg, registry)
    producer.start()
    try:
        active = TaskStorageManager("Partition 1", 1, cfg, SerdeManager(cfg), {"kafka": producer}, {"kafka": admin},
                                    registry, 1)
        ssp = SystemStreamPartition.of("kafka", changelog, 1)
        held = sorted(read_offset_file(d, ssp, 10**12) for d in snapshot_dirs(active.store_dir(STORE)))
        assert held and held[-1] == 3002 and len(held) <= 3, held
        # The failed active had written 50 more and checkpointed them: only those are replayed.
        write_changelog(changelog, 1, {f"late-{i}": "l" for i in range(50)})
        (job,) = active.restore_jobs({ssp: str(ChangelogPosition("1-1", 3052))})
        job.run()
        engine = active.engines[STORE]
        gauges = registry.snapshot()
        total = next(v for group in gauges.values() for k, v in group.items() if k == f"{STORE}-restore-total")
        assert total == 50
        assert engine.raw_get(b"user-2999") == b"2999" and engine.raw_get(b"user-1") == b"updated"
        assert engine.raw_get(b"user-2") is None and engine.raw_get(b"late-49") == b"l"
        assert engine.raw_get(b"elsewhere") is None
        active.close()
    finally:
        producer.stop()
        admin.stop()
