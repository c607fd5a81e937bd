"""TaskStorageManager restore and commit logic with an in-memory changelog (no Kafka)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from samza_py.api import OutgoingMessageEnvelope, SystemStreamPartition
from samza_py.config.config import Config
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.engine import METRICS_GROUP as ENGINE_GROUP
from samza_py.storage.errors import StoreCorruptedError, StoreOpenError
from samza_py.storage.storage_manager import (
    ChangelogPosition,
    StoreRestoreError,
    TaskStorageManager,
    read_offset_file,
    write_offset_file,
)
from samza_py.system.interfaces import (
    SystemProducer,
    SystemStreamMetadata,
    SystemStreamPartitionMetadata,
)
from tests.fakes import EventLog, FakeCheckpointManager, make_task

CHANGELOG = SystemStreamPartition.of("kafka", "counts-changelog", 1)


class Log:
    """A changelog partition: a list of (key, value) at offsets 0..n-1."""

    def __init__(self, records: list[tuple[bytes, bytes | None]]) -> None:
        self.records = list(records)
        self.reads: list[tuple[int, int]] = []

    def read(self, settings: Any, topic: str, partition: int, start: int, end: int,
             on_batch: Callable[[list[tuple[bytes, bytes | None]]], None]) -> int:
        self.reads.append((start, end))
        batch = self.records[start:end]
        if batch:
            on_batch(batch)
        return len(batch)


class LogAdmin:
    def __init__(self, log: Log) -> None:
        self.log = log

    def get_system_stream_metadata(self, streams: Any) -> dict[str, SystemStreamMetadata]:
        n = len(self.log.records)
        meta = SystemStreamPartitionMetadata("0", str(n - 1) if n else None, str(n))
        return {CHANGELOG.stream: SystemStreamMetadata(CHANGELOG.stream, {0: meta, 1: meta})}

    def upcoming_offsets(self, ssps: Any) -> dict[Any, int]:
        return {ssp: len(self.log.records) for ssp in ssps}


class LogProducer(SystemProducer):
    def __init__(self, log: Log) -> None:
        self.log = log
        self.partitions: list[Any] = []

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def flush(self, source: str) -> None: ...

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        self.partitions.append(envelope.partition_key)
        self.log.records.append((envelope.key, envelope.message))


def config(tmp_path: Path, factory: str, changelog: bool = True) -> Config:
    settings = {
        "job.name": "counts",
        "job.logged.store.base.dir": str(tmp_path / "state"),
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.producer.bootstrap.servers": "127.0.0.1:1",
        "stores.counts.factory": factory,
        "stores.counts.key.serde": "string",
        "stores.counts.msg.serde": "integer",
        "stores.counts.changelog": "kafka.counts-changelog",
        "stores.counts.object.cache.size": "0",
    }
    if not changelog:
        del settings["stores.counts.changelog"]
    return Config(settings)


def manager(tmp_path: Path, log: Log, factory: str, task_name: str = "Partition 3",
            changelog: bool = True, registry: MetricsRegistryMap | None = None) -> TaskStorageManager:
    cfg = config(tmp_path, factory, changelog)
    return TaskStorageManager(task_name, 1, cfg, SerdeManager(cfg), {"kafka": LogProducer(log)},
                              {"kafka": LogAdmin(log)}, registry or MetricsRegistryMap("t"), 1, reader=log.read)


def n(value: int) -> bytes:
    return value.to_bytes(4, "big", signed=True)


ROCKSDB = "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"
IN_MEMORY = "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory"


@pytest.mark.parametrize("factory", [ROCKSDB, IN_MEMORY])
def test_restore_stops_at_the_checkpointed_offset_and_trims_what_came_after(tmp_path: Path, factory: str) -> None:
    log = Log([(b"a", n(1)), (b"b", n(1)), (b"a", n(2)), (b"c", n(1)),  # 0..3: checkpointed up to 3
               (b"a", n(3)), (b"d", n(1)), (b"b", None)])                # 4..6: never committed
    storage = manager(tmp_path, log, factory)
    storage.open_and_restore({CHANGELOG: "123-1:3"})
    store = storage.engines["counts"]
    assert {k: store.get(k) for k in "abcd"} == {"a": 2, "b": 1, "c": 1, "d": None}
    assert log.reads[0] == (0, 4)
    # Trim: each key written after offset 3 gets its restored value again, or a tombstone.
    assert sorted(log.records[7:]) == sorted([(b"a", n(2)), (b"d", None), (b"b", n(1))])
    assert set(storage._producers["kafka"].partitions) == {1}  # the task's changelog partition


def test_no_checkpoint_restores_the_whole_changelog_without_trimming(tmp_path: Path) -> None:
    log = Log([(b"a", n(1)), (b"a", n(5)), (b"z", n(7))])
    storage = manager(tmp_path, log, IN_MEMORY)
    storage.open_and_restore({})
    assert storage.engines["counts"].get("a") == 5 and storage.engines["counts"].get("z") == 7
    assert len(log.records) == 3


def test_a_rocksdb_store_is_restored_in_bulk_load_mode_and_serves_normally_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samza_py.storage.rocksdb import RocksDbKeyValueStore

    events: list[str] = []
    bulk_load = RocksDbKeyValueStore.bulk_load

    @contextlib.contextmanager
    def recorded(self: RocksDbKeyValueStore) -> Iterator[None]:
        with bulk_load(self):
            events.append("bulk load on")
            yield
            events.append("bulk load off")

    monkeypatch.setattr(RocksDbKeyValueStore, "bulk_load", recorded)
    log = Log([(b"a", n(1)), (b"b", n(2))])
    read = log.read

    def reading(*args: Any) -> int:
        events.append("read")
        return read(*args)

    log.read = reading  # type: ignore[method-assign]
    storage = manager(tmp_path, log, ROCKSDB)
    storage.open_and_restore({})
    assert events == ["bulk load on", "read", "bulk load off"]
    assert storage.engines["counts"].get("a") == 1 and storage.engines["counts"].get("b") == 2
    storage.close()


def test_commit_snapshots_the_store_and_a_restart_replays_only_the_tail(tmp_path: Path) -> None:
    log = Log([])
    first = manager(tmp_path, log, ROCKSDB)
    first.open_and_restore({})
    store = first.engines["counts"]
    for i in range(10):
        store.put(f"k{i}", i)
    first.flush()
    position = first.checkpoint("100-1")
    assert position == {CHANGELOG: "100-1:9"}
    snapshot = tmp_path / "state" / "counts" / "Partition_3-100-1"
    assert read_offset_file(snapshot, CHANGELOG, 60_000) == 9
    store.put("k0", 100)
    store.put("late", 1)  # written after the checkpoint: must not survive the restart
    first.flush()
    first.close()
    log.records.append((b"k5", n(55)))  # committed by a later checkpoint that the snapshot predates

    second = manager(tmp_path, log, ROCKSDB)
    log.reads.clear()
    second.open_and_restore({CHANGELOG: "101-1:12"})
    restored = second.engines["counts"]
    assert log.reads == [(10, 13)]  # only the tail after the snapshot's offset 9
    assert restored.get("k0") == 100 and restored.get("late") == 1 and restored.get("k5") == 55
    assert restored.get("k9") == 9
    second.close()

    third = manager(tmp_path, log, ROCKSDB)
    third.open_and_restore({CHANGELOG: "100-1:9"})  # back to the first checkpoint
    again = third.engines["counts"]
    assert again.get("k0") == 0 and again.get("late") is None and again.get("k5") == 5
    third.close()


def test_offset_files_are_checked(tmp_path: Path) -> None:
    write_offset_file(tmp_path, CHANGELOG, 42)
    assert read_offset_file(tmp_path, CHANGELOG, 60_000) == 42
    assert read_offset_file(tmp_path, SystemStreamPartition.of("kafka", "other", 1), 60_000) is None
    assert read_offset_file(tmp_path, CHANGELOG, 0) is None  # stale
    (tmp_path / "OFFSET").write_text((tmp_path / "OFFSET").read_text().replace("42", "43"))
    assert read_offset_file(tmp_path, CHANGELOG, 60_000) is None  # checksum


def test_changelog_position_text() -> None:
    assert ChangelogPosition.parse("1700000000000-5:1234") == ChangelogPosition("1700000000000-5", 1234)
    assert ChangelogPosition.parse("1-2:null").offset == -1
    assert str(ChangelogPosition("1-2", 7)) == "1-2:7"
    with pytest.raises(ValueError):
        ChangelogPosition.parse("1234")




def test_a_corrupted_local_snapshot_is_wiped_and_the_store_rebuilt_from_the_whole_changelog(tmp_path: Path) -> None:
    log = Log([])
    first = manager(tmp_path, log, ROCKSDB)
    first.open_and_restore({})
    first.engines["counts"].put("a", 1)
    first.engines["counts"].put("b", 2)
    first.flush()
    first.checkpoint("7-1")
    first.close()
    snapshot = tmp_path / "state" / "counts" / "Partition_3-7-1"
    (snapshot / "CURRENT").write_text("garbage\n")

    second = manager(tmp_path, log, ROCKSDB)
    log.reads.clear()
    second.open_and_restore({CHANGELOG: "7-1:1"})
    assert log.reads[0] == (0, 2)  # from the start of the changelog, not after the snapshot
    assert second.engines["counts"].get("a") == 1 and second.engines["counts"].get("b") == 2
    second.close()


def test_a_task_without_a_checkpoint_starts_empty_and_trims_what_reached_the_changelog(tmp_path: Path) -> None:
    # Written by a run that died before its first commit; its input will be read again from the start.
    log = Log([(b"a", n(1)), (b"b", n(1)), (b"a", n(2))])
    storage = manager(tmp_path, log, ROCKSDB)
    storage.open_and_restore(None)
    store = storage.engines["counts"]
    assert store.get("a") is None and store.get("b") is None
    assert sorted(log.records[3:]) == [(b"a", None), (b"b", None)]
    storage.close()


# --- snapshots are found by exact name, and only the newest is kept -------------------------------------------

BRACKETED = "SystemStreamPartition [kafka, in, 1]"  # a GroupBySystemStreamPartitionFactory task name


class Idle:
    def process(self, *args: Any) -> None: ...


def snapshot_names(tmp_path: Path, task_name: str) -> list[str]:
    task_dir = task_name.replace(" ", "_")
    return sorted(p.name for p in (tmp_path / "state" / "counts").iterdir() if p.name.startswith(f"{task_dir}-"))


def test_twenty_commits_of_a_bracketed_task_keep_one_snapshot_and_a_restart_replays_nothing_committed(
    tmp_path: Path,
) -> None:
    log = Log([])
    storage = manager(tmp_path, log, ROCKSDB, BRACKETED)
    storage.open_and_restore({})
    checkpoints = FakeCheckpointManager(EventLog())
    task = make_task(BRACKETED, Idle(), [], EventLog(), checkpoints=checkpoints, storage=storage)
    store = storage.engines["counts"]
    for i in range(20):
        store.put(f"k{i}", i)
        task.commit()
        assert len(snapshot_names(tmp_path, BRACKETED)) == 1
    store.put("late", 1)  # reaches the changelog (offset 20) but no commit covers it
    storage.flush()
    storage.close()
    checkpointed = dict(checkpoints.checkpoints[BRACKETED].offsets)
    assert ChangelogPosition.parse(checkpointed[CHANGELOG] or "").offset == 19

    registry = MetricsRegistryMap("t")
    restarted = manager(tmp_path, log, ROCKSDB, BRACKETED, registry=registry)
    log.reads.clear()
    restarted.open_and_restore(checkpointed)
    # The snapshot already holds offset 19: nothing to replay; the uncommitted offset 20 is only trimmed.
    assert log.reads == [(20, 20), (20, 21)]
    restore = registry.snapshot()[ENGINE_GROUP]
    assert (restore["counts-restore-total"], restore["counts-restore-done"]) == (0, 1)
    assert [restarted.engines["counts"].get(f"k{i}") for i in range(20)] == list(range(20))
    assert restarted.engines["counts"].get("late") is None
    restarted.close()


def test_commits_without_checkpoints_keep_one_snapshot_and_a_restart_replays_only_the_tail(
    tmp_path: Path,
) -> None:
    log = Log([])
    storage = manager(tmp_path, log, ROCKSDB)
    storage.open_and_restore({})
    task = make_task("Partition 3", Idle(), [], EventLog(), checkpoints=None, storage=storage)
    store = storage.engines["counts"]
    for i in range(5):
        store.put(f"k{i}", i)
        task.commit()
    assert snapshot_names(tmp_path, "Partition 3") == [snapshot_names(tmp_path, "Partition 3")[-1]]
    store.put("tail", 9)  # after the last commit
    storage.flush()
    storage.close()

    restarted = manager(tmp_path, log, ROCKSDB)
    log.reads.clear()
    restarted.open_and_restore({})  # no checkpoints kept: the state is the whole changelog
    assert log.reads == [(5, 6)]  # only the tail after the snapshot at offset 4
    assert restarted.engines["counts"].get("tail") == 9 and restarted.engines["counts"].get("k4") == 4
    restarted.close()


# --- a store is deleted only when it is corrupted and has a changelog -----------------------------------------

def write_and_close(storage: TaskStorageManager, snapshot_id: str | None = None) -> None:
    storage.open_and_restore({})
    storage.engines["counts"].put("a", 1)
    storage.engines["counts"].put("b", 2)
    storage.flush()
    if snapshot_id is not None:
        storage.checkpoint(snapshot_id)
    storage.close()


def corrupt_sst(directory: Path) -> bytes:
    """Zero the footer of the store's table file (RocksDB: "Corruption: Bad table magic number")."""
    sst = next(directory.glob("*.sst"))
    data = bytearray(sst.read_bytes())
    data[-48:] = bytes(48)
    sst.write_bytes(bytes(data))
    return bytes(data)


def test_a_corrupted_sst_file_with_a_changelog_is_wiped_and_rebuilt_from_the_whole_changelog(
    tmp_path: Path,
) -> None:
    log = Log([])
    write_and_close(manager(tmp_path, log, ROCKSDB), "8-1")
    corrupt_sst(tmp_path / "state" / "counts" / "Partition_3-8-1")
    restarted = manager(tmp_path, log, ROCKSDB)
    log.reads.clear()
    restarted.open_and_restore({CHANGELOG: "8-1:1"})
    assert log.reads[0] == (0, 2)
    assert restarted.engines["counts"].get("a") == 1 and restarted.engines["counts"].get("b") == 2
    restarted.close()


def test_a_corrupted_sst_file_without_a_changelog_fails_and_the_store_is_kept(tmp_path: Path) -> None:
    log = Log([])
    write_and_close(manager(tmp_path, log, ROCKSDB, changelog=False))
    directory = tmp_path / "state" / "counts" / "Partition_3"
    corrupted = corrupt_sst(directory)
    restarted = manager(tmp_path, log, ROCKSDB, changelog=False)
    with pytest.raises(StoreRestoreError) as info:
        restarted.open_and_restore({})
    assert str(directory) in str(info.value) and "Corruption:" in str(info.value)
    assert isinstance(info.value.__cause__, StoreCorruptedError)
    assert next(directory.glob("*.sst")).read_bytes() == corrupted  # nothing deleted


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """``directory`` made immutable (chattr +i): root cannot write in it either; skips where unsupported."""
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported here")
    try:
        try:
            (directory / "probe").touch()
        except PermissionError:
            yield
            return
        (directory / "probe").unlink()
        pytest.skip("an immutable directory is still writable here")
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_a_store_in_a_read_only_directory_fails_naming_it_and_keeps_its_files(tmp_path: Path) -> None:
    log = Log([])
    write_and_close(manager(tmp_path, log, ROCKSDB, changelog=False))
    directory = tmp_path / "state" / "counts" / "Partition_3"
    files = sorted(p.name for p in directory.iterdir())
    restarted = manager(tmp_path, log, ROCKSDB, changelog=False)
    with read_only(directory), pytest.raises(StoreOpenError) as info:
        restarted.open_and_restore({})
    assert not isinstance(info.value, StoreCorruptedError)
    assert f"store {directory} cannot be opened" in str(info.value) and "Operation not permitted" in str(info.value)
    assert sorted(p.name for p in directory.iterdir()) == files


def test_a_logged_store_whose_directory_is_read_only_fails_naming_it(tmp_path: Path) -> None:
    log = Log([])
    write_and_close(manager(tmp_path, log, ROCKSDB), "9-1")
    stores = tmp_path / "state" / "counts"  # holds the store dir and its snapshot Partition_3-9-1
    restarted = manager(tmp_path, log, ROCKSDB)
    with read_only(stores), pytest.raises(OSError) as info:
        restarted.open_and_restore({CHANGELOG: "9-1:1"})
    assert not isinstance(info.value, StoreCorruptedError)
    assert str(stores / "Partition_3") in str(info.value) and "Operation not permitted" in str(info.value)
    assert read_offset_file(stores / "Partition_3-9-1", CHANGELOG, 60_000) == 1  # the snapshot is kept


def test_a_store_dir_under_a_regular_file_fails_naming_the_directory_and_the_cause(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("not a directory")
    storage = manager(tmp_path, Log([]), ROCKSDB, changelog=False)
    with pytest.raises(StoreOpenError) as info:
        storage.open_and_restore({})
    assert not isinstance(info.value, StoreCorruptedError)
    assert info.value.path == tmp_path / "state" / "counts" / "Partition_3"
    assert f"store {info.value.path} cannot be opened" in str(info.value) and "Not a directory" in str(info.value)
    assert (tmp_path / "state").read_text() == "not a directory"

