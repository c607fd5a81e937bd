"""RocksDB specifics: durability through flush, locks, corruption, options, TTL, checkpoints, the factory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.storage.errors import StoreCorruptedError, StoreLockedError, StoreOpenError
from samza_py.storage.rocksdb import RocksDbKeyValueStorageEngineFactory, RocksDbKeyValueStore, ttl_seconds
from samza_py.storage.rocksdb_options import COMPACTION_STYLES, COMPRESSIONS
from tests.polling import wait_until
from tests.storage.conftest import MB, open_rocksdb

REPO = Path(__file__).resolve().parents[2]


def test_data_survives_close_and_reopen_after_flush(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    store.put_all({b"a": b"1", b"b": b"2"})
    store.delete(b"b")
    store.flush()
    store.close()
    reopened = open_rocksdb(tmp_path / "db")
    assert reopened.get_all([b"a", b"b"]) == {b"a": b"1"}
    reopened.close()


def test_flush_persists_the_memtable_to_sst_files(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    store.put(b"k", b"v")
    assert list((tmp_path / "db").glob("*.sst")) == []
    store.flush()
    assert len(list((tmp_path / "db").glob("*.sst"))) == 1
    store.close()


def test_writes_skip_the_wal_by_default(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    store.put_all({b"k": b"v" * 1000})
    store.put(b"x", b"y" * 1000)
    assert sum(p.stat().st_size for p in (tmp_path / "db").glob("*.log")) == 0
    store.close()
    logged = open_rocksdb(tmp_path / "wal", wal_enabled=True)
    logged.put(b"x", b"y" * 1000)
    assert sum(p.stat().st_size for p in (tmp_path / "wal").glob("*.log")) > 1000
    logged.close()


def test_close_with_open_iterators_releases_the_db(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    store.put_all({b"a": b"1", b"b": b"2"})
    iterator = store.all()
    assert next(iterator).key == b"a"
    store.close()
    assert iterator.closed
    assert list(iterator) == []
    reopened = open_rocksdb(tmp_path / "db")  # would fail with a lock error if the iterator still pinned the DB
    assert reopened.get(b"b") == b"2"
    reopened.close()


def test_second_open_in_another_process_raises_store_locked_quickly(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = open_rocksdb(path)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from samza_py.storage.errors import StoreLockedError
        from samza_py.storage.rocksdb import RocksDbKeyValueStore
        try:
            RocksDbKeyValueStore(Path({str(path)!r}), write_buffer_size=1 << 20, block_cache_size=1 << 20)
        except StoreLockedError as exc:
            print("LOCKED", exc.path, "|", exc)
            sys.exit(0)
        print("OPENED")
        sys.exit(1)
    """)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    elapsed = time.monotonic() - started
    store.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"LOCKED {path} | store {path} is locked: another live process")
    assert elapsed < 30  # interpreter start and imports; the open itself does not wait for the lock


def test_second_open_in_this_process_raises_store_locked(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    started = time.monotonic()
    with pytest.raises(StoreLockedError) as info:
        open_rocksdb(tmp_path / "db")
    assert time.monotonic() - started < 5
    assert info.value.path == tmp_path / "db"
    store.close()
    open_rocksdb(tmp_path / "db").close()  # lock released on close


def test_garbage_current_file_raises_store_corrupted(tmp_path: Path) -> None:
    path = tmp_path / "db"
    open_rocksdb(path).close()
    (path / "CURRENT").write_text("garbage\n")
    with pytest.raises(StoreCorruptedError) as info:
        open_rocksdb(path)
    assert info.value.path == path
    assert "CURRENT" in str(info.value.cause)
    assert str(info.value).startswith(f"store {path} cannot be opened: ")


def test_a_corrupted_table_file_raises_store_corrupted(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = open_rocksdb(path)
    store.put(b"k", b"v")
    store.close()
    sst = next(path.glob("*.sst"))
    sst.write_bytes(sst.read_bytes()[:-48] + bytes(48))  # the footer's magic number gone
    with pytest.raises(StoreCorruptedError) as info:
        open_rocksdb(path)
    assert str(info.value.cause).startswith("Corruption:") and sst.name in str(info.value)


def test_a_path_under_a_regular_file_raises_store_open_error_not_corruption(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreOpenError) as info:
        open_rocksdb(tmp_path / "file" / "db")
    assert not isinstance(info.value, StoreCorruptedError)
    assert info.value.path == tmp_path / "file" / "db"
    assert isinstance(info.value.cause, NotADirectoryError)


def test_too_many_open_files_raises_store_open_error_not_corruption(tmp_path: Path) -> None:
    path = tmp_path / "db"
    store = open_rocksdb(path)
    store.put(b"k", b"v")
    store.close()
    # In a child process: no file descriptor left beyond those already open when RocksDB opens the store.
    script = textwrap.dedent(f"""
        import os, resource
        from pathlib import Path
        from samza_py.storage.errors import StoreCorruptedError, StoreOpenError
        from samza_py.storage.rocksdb import RocksDbKeyValueStore
        in_use = len(os.listdir("/proc/self/fd"))
        resource.setrlimit(resource.RLIMIT_NOFILE, (in_use, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        try:
            RocksDbKeyValueStore(Path({str(path)!r}), write_buffer_size=1 << 20, block_cache_size=1 << 20)
        except StoreCorruptedError as exc:
            print("CORRUPTED", exc)
        except StoreOpenError as exc:
            print("OPEN ERROR", exc)
        else:
            print("OPENED")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.startswith(f"OPEN ERROR store {path} cannot be opened: "), result.stdout + result.stderr
    assert "Too many open files" in result.stdout
    reopened = open_rocksdb(path)  # the files were never the problem
    assert reopened.get(b"k") == b"v"
    reopened.close()


def level0_files(store: RocksDbKeyValueStore) -> int:
    count: int = store._live().property_int_value("rocksdb.num-files-at-level0")
    return count


def load_flushed_batches(store: RocksDbKeyValueStore, batches: int) -> None:
    """Each batch flushed on its own, so each leaves one level-0 file unless a compaction merges them."""
    for b in range(batches):
        store.put_all({f"k{b:03d}-{i:03d}".encode(): bytes([b % 256]) * 512 for i in range(100)})
        store.flush()


def wait_for_level0_at_most(store: RocksDbKeyValueStore, files: int) -> None:
    wait_until(lambda: level0_files(store) <= files, 30, f"level 0 compacted to at most {files} files")


def test_bulk_load_defers_compaction_and_write_stalls_then_the_store_compacts_in_the_background(
    tmp_path: Path,
) -> None:
    store = open_rocksdb(tmp_path / "db")
    with store.bulk_load():
        # Past RocksDB's slowdown threshold (20 level-0 files), with nothing merged meanwhile.
        load_flushed_batches(store, 24)
        assert level0_files(store) == 24
    # Serving again: the background compaction merges what the load left (universal: 4 files trigger it).
    wait_for_level0_at_most(store, 3)
    assert store.get(b"k000-000") == b"\x00" * 512 and store.get(b"k023-099") == bytes([23]) * 512
    store.close()


def test_bulk_load_ends_when_its_block_raises(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    with pytest.raises(RuntimeError, match="restore failed"), store.bulk_load():
        load_flushed_batches(store, 8)
        raise RuntimeError("restore failed")
    wait_for_level0_at_most(store, 3)  # compactions are back on
    store.close()


def test_without_bulk_load_level0_is_compacted_as_it_grows(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    load_flushed_batches(store, 8)
    wait_for_level0_at_most(store, 3)
    store.close()


def test_missing_directory_is_created(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "a" / "b" / "db")
    store.put(b"k", b"v")
    assert (tmp_path / "a" / "b" / "db" / "CURRENT").exists()
    store.close()


@pytest.mark.parametrize("compression", sorted(COMPRESSIONS))
def test_every_compression_opens(tmp_path: Path, compression: str) -> None:
    store = open_rocksdb(tmp_path / "db", compression=compression)
    store.put(b"k", b"v" * 10000)
    store.flush()
    assert store.get(b"k") == b"v" * 10000
    store.close()


@pytest.mark.parametrize("style", sorted(COMPACTION_STYLES))
def test_every_compaction_style_opens(tmp_path: Path, style: str) -> None:
    store = open_rocksdb(tmp_path / "db", compaction_style=style)
    store.put(b"k", b"v")
    store.flush()
    assert store.get(b"k") == b"v"
    store.close()


def test_option_names_are_case_insensitive(tmp_path: Path) -> None:
    open_rocksdb(tmp_path / "db", compression="LZ4", compaction_style="Level").close()


def test_unknown_compression_or_compaction_is_named_and_nothing_is_created(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown RocksDB compression 'brotli'; expected one of none, snappy"):
        open_rocksdb(tmp_path / "db", compression="brotli")
    with pytest.raises(ValueError, match=r"unknown RocksDB compaction style 'tiered'; expected one of universal"):
        open_rocksdb(tmp_path / "db", compaction_style="tiered")
    assert not (tmp_path / "db").exists()


def test_ttl_option_accepted(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db", ttl_ms=3_600_000)
    store.put_all({b"a": b"1", b"b": b"2"})
    assert store.get(b"a") == b"1"
    assert [(e.key, e.value) for e in store.range(b"a", b"c")] == [(b"a", b"1"), (b"b", b"2")]
    store.flush()
    store.close()
    reopened = open_rocksdb(tmp_path / "db", ttl_ms=3_600_000)
    assert reopened.get(b"b") == b"2"
    reopened.close()


def test_ttl_rounds_up_to_whole_seconds_and_must_be_positive() -> None:
    assert ttl_seconds(1) == 1
    assert ttl_seconds(1000) == 1
    assert ttl_seconds(1001) == 2
    assert ttl_seconds(86_400_000) == 86_400
    for bad in (0, -5):
        with pytest.raises(ValueError, match="positive number of milliseconds"):
            ttl_seconds(bad)


def test_checkpoint_is_an_openable_copy(tmp_path: Path) -> None:
    store = open_rocksdb(tmp_path / "db")
    store.put_all({b"a": b"1", b"b": b"2"})
    store.checkpoint(tmp_path / "db-1")
    store.put(b"c", b"3")
    store.close()
    copy = open_rocksdb(tmp_path / "db-1")
    assert [(e.key, e.value) for e in copy.all()] == [(b"a", b"1"), (b"b", b"2")]
    copy.close()


def _factory_engine(tmp_path: Path, config: dict[str, str], tasks: int = 1):  # type: ignore[no-untyped-def]
    return RocksDbKeyValueStorageEngineFactory().get_storage_engine(
        "st", tmp_path / "state" / "st" / "Partition_0", None, None, None, Config(config), tasks,
        MetricsRegistryMap("t"),
    )


def test_factory_applies_store_config_and_divides_memory_among_tasks(tmp_path: Path) -> None:
    engine = _factory_engine(tmp_path, {
        "stores.st.rocksdb.compression": "lz4",
        "stores.st.rocksdb.compaction.style": "level",
        "stores.st.rocksdb.ttl.ms": "60000",
        "stores.st.container.write.buffer.size.bytes": str(30 * MB),
        "stores.st.container.cache.size.bytes": str(90 * MB),
    }, tasks=3)
    raw = engine.raw
    assert isinstance(raw, RocksDbKeyValueStore)
    assert (raw.path, raw.compression, raw.compaction_style) == (tmp_path / "state/st/Partition_0", "lz4", "level")
    assert (raw.write_buffer_size, raw.block_cache_size) == (10 * MB, 30 * MB)
    assert (raw.ttl_ms, raw.wal_enabled) == (60000, False)
    assert engine.persistent is True
    assert (tmp_path / "state/st/Partition_0/CURRENT").exists()
    engine.close()


def test_factory_defaults_are_samzas(tmp_path: Path) -> None:
    engine = _factory_engine(tmp_path, {}, tasks=4)
    raw = engine.raw
    assert isinstance(raw, RocksDbKeyValueStore)
    assert (raw.compression, raw.compaction_style, raw.ttl_ms) == ("snappy", "universal", None)
    assert (raw.write_buffer_size, raw.block_cache_size) == (33554432 // 4, 104857600 // 4)
    engine.close()


def test_factory_rejects_bad_compression_before_opening(tmp_path: Path) -> None:
    with pytest.raises(ConfigException, match="stores.st.rocksdb.compression"):
        _factory_engine(tmp_path, {"stores.st.rocksdb.compression": "brotli"})
    assert not (tmp_path / "state").exists()


def test_the_compiled_batch_fill_takes_pairs_up_to_the_first_it_cannot() -> None:
    from samza_py._store_io import fill_write_batch

    calls: list[tuple[Any, ...]] = []
    put = lambda key, value: calls.append(("put", key, value))  # noqa: E731
    delete = lambda key: calls.append(("delete", key))  # noqa: E731
    assert fill_write_batch(put, delete, [(b"a", b"1"), (b"b", None), (b"c", b"3")]) == 3
    assert calls == [("put", b"a", b"1"), ("delete", b"b"), ("put", b"c", b"3")]
    for stop in ([b"x", b"1"], (b"x",), (b"x", b"1", b"2"), ("x", b"1"), (b"x", "1"), (bytearray(b"x"), b"1")):
        calls.clear()
        assert fill_write_batch(put, delete, [(b"a", b"1"), stop, (b"c", b"3")]) == 1
        assert calls == [("put", b"a", b"1")]
    assert fill_write_batch(put, delete, []) == 0
    with pytest.raises(TypeError):
        fill_write_batch(put, delete, ((b"a", b"1"),))  # type: ignore[arg-type]


def test_the_compiled_batch_fill_stops_at_a_failing_call_and_keeps_no_references() -> None:
    from samza_py._store_io import fill_write_batch

    def refusing(key: bytes, value: bytes) -> None:
        raise RuntimeError(f"no room for {key!r}")

    with pytest.raises(RuntimeError, match="no room for b'a'"):
        fill_write_batch(refusing, lambda key: None, [(b"a", b"1")])
    key, value = b"key-" + bytes(20), b"value-" + bytes(20)
    pairs = [(key, value), (key, None)] * 100
    refs = sys.getrefcount(key), sys.getrefcount(value)
    for _ in range(10):
        assert fill_write_batch(lambda k, v: None, lambda k: None, pairs) == 200
    assert (sys.getrefcount(key), sys.getrefcount(value)) == refs
