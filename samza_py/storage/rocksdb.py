"""The persistent raw store: RocksDB through rocksdict, bytes in and out, and its engine factory."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import rocksdict

from samza_py.api.storage import Entry, KeyValueIterator, KeyValueStore
from samza_py.config.storage_config import StorageConfig
from samza_py.storage.entries import FastGet, Pairs, RawEntries, entry_pairs
from samza_py.storage.errors import StoreClosedError, StoreCorruptedError, StoreLockedError, StoreOpenError
from samza_py.storage.factory import BaseKeyValueStorageEngineFactory
from samza_py.storage.raw_checks import check_bytes
from samza_py.storage.rocksdb_options import BULK_LOAD_SETTINGS, SERVING_SETTINGS, rocksdb_options

try:
    from samza_py._store_io import fill_write_batch
except ImportError:  # pragma: no cover - an install without a C compiler
    fill_write_batch = None  # type: ignore[assignment]

# How RocksDB words a held LOCK: flock() failing in another process, or a second handle in this one.
LOCK_MARKERS = ("While lock file", "Resource temporarily unavailable", "lock hold by current process")


def ttl_seconds(ttl_ms: int) -> int:
    """RocksDB's TTL is in whole seconds; round up so an entry never expires before its configured age."""
    if ttl_ms <= 0:
        raise ValueError(f"RocksDB ttl must be a positive number of milliseconds, got {ttl_ms}")
    return -(-ttl_ms // 1000)


# RocksDB's Status::Corruption text: the only open failure that says the files themselves are bad.
CORRUPTION_PREFIX = "Corruption:"


def _open(path: Path, options: rocksdict.Options, access: rocksdict.AccessType) -> rocksdict.Rdict:
    try:
        path.mkdir(parents=True, exist_ok=True)
        return rocksdict.Rdict(str(path), options, access_type=access)
    except Exception as exc:  # rocksdict raises bare Exception with RocksDB's status text
        if any(marker in str(exc) for marker in LOCK_MARKERS):
            raise StoreLockedError(path, exc) from exc
        if str(exc).startswith(CORRUPTION_PREFIX):
            raise StoreCorruptedError(path, exc) from exc
        # Permissions, a full disk, too many open files, a path that is not a directory: not the files' fault.
        raise StoreOpenError(path, exc) from exc


def _scan(it: rocksdict.RdictIter, to_key: bytes | None) -> Iterator[Entry[bytes, bytes]]:
    # The RdictIter lives only in this generator's frame: closing the generator frees it, which RocksDB
    # needs before the DB can really close (a live iterator keeps the LOCK held).
    while it.valid():
        key = it.key()
        if to_key is not None and key >= to_key:  # bytes compare like RocksDB's bytewise comparator
            return
        yield Entry(key, it.value())
        it.next()


def _compiled_fill(put: Any, delete: Any, pairs: Pairs) -> Pairs:
    """Fill a write batch with the pairs the compiled loop (samza_py/_store_io.c) takes; what it leaves (the rest
    from the first pair it cannot take, or all of them where it was not built) is the caller's Python loop's,
    the reference. A cache writes a batch every few hundred puts, and that loop was a fifth of a batch's cost."""
    if fill_write_batch is None or type(pairs) is not list:
        return pairs
    taken = fill_write_batch(put, delete, pairs)
    return pairs[taken:] if taken else pairs


class RocksDbKeyValueStore(KeyValueStore[bytes, bytes]):
    """RocksDB with the WAL off (the changelog is the durable log), so ``flush`` is what persists writes.

    Inside the store stack a ``None`` value in ``put``/``put_all`` is a delete.
    """

    def __init__(
        self,
        path: Path,
        *,
        compression: str = "snappy",
        compaction_style: str = "universal",
        write_buffer_size: int,
        block_cache_size: int,
        ttl_ms: int | None = None,
        wal_enabled: bool = False,
    ) -> None:
        # Bad option names fail before anything touches the disk.
        options = rocksdb_options(
            compression=compression,
            compaction_style=compaction_style,
            write_buffer_size=write_buffer_size,
            block_cache_size=block_cache_size,
        )
        access = rocksdict.AccessType.read_write() if ttl_ms is None else rocksdict.AccessType.with_ttl(
            ttl_seconds(ttl_ms)
        )
        self.path = Path(path)
        self.compression = compression
        self.compaction_style = compaction_style
        self.write_buffer_size = write_buffer_size
        self.block_cache_size = block_cache_size
        self.ttl_ms = ttl_ms
        self.wal_enabled = wal_enabled
        self._db: rocksdict.Rdict | None = _open(self.path, options, access)
        self._write_options = rocksdict.WriteOptions()
        # The stub declares disable_wal a method; the binding exposes it as a settable property.
        setattr(self._write_options, "disable_wal", not wal_enabled)  # noqa: B010
        self._db.set_write_options(self._write_options)
        # get's answer for an exact bytes key while open, with no Python frame; closed, it raises, and the
        # caller falls back to get, which raises StoreClosedError (see entries.fast_get_of).
        self.fast_get: FastGet | None = self._db.get
        self._iterators: weakref.WeakSet[KeyValueIterator[bytes, bytes]] = weakref.WeakSet()

    def _live(self) -> rocksdict.Rdict:
        if self._db is None:
            raise StoreClosedError(f"RocksDB store {self.path}")
        return self._db

    def get(self, key: bytes) -> bytes | None:
        if type(key) is not bytes:
            check_bytes(key, "key")
        db = self._db
        if db is None:
            raise StoreClosedError(f"RocksDB store {self.path}")
        value: bytes | None = db.get(key)
        return value

    def get_all(self, keys: Iterable[bytes]) -> dict[bytes, bytes]:
        wanted: list[Any] = list(keys)
        for key in wanted:
            check_bytes(key, "key")
        if not wanted:
            return {}
        values = cast("list[bytes | None]", self._live().get(wanted))  # one multi-get
        return {key: value for key, value in zip(wanted, values, strict=True) if value is not None}

    def put(self, key: bytes, value: bytes | None) -> None:
        check_bytes(key, "key")
        if value is None:
            self._live().delete(key)
            return
        check_bytes(value, "value")
        self._live().put(key, value)

    def put_all(self, entries: RawEntries) -> None:
        self.put_pairs(entry_pairs(entries))

    def put_pairs(self, pairs: Pairs) -> None:
        """One write batch of ``(key, value or None for a delete)``; a non-bytes entry fails it before any write."""
        batch = rocksdict.WriteBatch(raw_mode=True)
        put, delete = batch.put, batch.delete
        for key, value in _compiled_fill(put, delete, pairs):
            if type(key) is not bytes:
                check_bytes(key, "key")
            if value is None:
                delete(key)
            elif type(value) is bytes:
                put(key, value)
            else:
                check_bytes(value, "value")
        if pairs:
            self._live().write(batch, self._write_options)

    def write_pairs(self, pairs: list[tuple[bytes, bytes | None]]) -> None:
        """Restore's bulk write: (key, value or None) pairs straight from a changelog, already bytes."""
        batch = rocksdict.WriteBatch(raw_mode=True)
        put, delete = batch.put, batch.delete
        for key, value in _compiled_fill(put, delete, pairs):
            if value is None:
                delete(key)
            else:
                put(key, value)
        self._live().write(batch, self._write_options)

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Writes inside the block skip background compaction and level-0 write stalls; on leaving it (also by
        an exception) the store serves again and compacts what the load left in level 0, in the background.

        For a restore from the changelog: it writes far more than a task does, and nothing reads meanwhile.
        """
        self._live().set_options(BULK_LOAD_SETTINGS)
        try:
            yield
        finally:
            if self._db is not None:  # a store closed inside the block opens with its normal options anyway
                self._db.set_options(SERVING_SETTINGS)

    def delete(self, key: bytes) -> None:
        check_bytes(key, "key")
        self._live().delete(key)

    def delete_all(self, keys: Iterable[bytes]) -> None:
        batch = rocksdict.WriteBatch(raw_mode=True)
        for key in keys:
            check_bytes(key, "key")
            batch.delete(key)
        if len(batch):
            self._live().write(batch, self._write_options)

    def range(self, from_key: bytes, to_key: bytes) -> KeyValueIterator[bytes, bytes]:
        check_bytes(from_key, "range bound")
        check_bytes(to_key, "range bound")
        it = self._live().iter()
        it.seek(from_key)  # seek now: the iterator's view of the data is fixed when it is created
        return self._track(_scan(it, to_key))

    def all(self) -> KeyValueIterator[bytes, bytes]:
        it = self._live().iter()
        it.seek_to_first()
        return self._track(_scan(it, None))

    def _track(self, entries: Iterator[Entry[bytes, bytes]]) -> KeyValueIterator[bytes, bytes]:
        iterator = KeyValueIterator(entries)
        self._iterators.add(iterator)
        return iterator

    def flush(self) -> None:
        """Write the memtable to an SST file: with the WAL off, this is what makes writes survive a crash."""
        self._live().flush(True)

    def checkpoint(self, target: Path) -> None:
        """A RocksDB checkpoint (hard-linked SST files, memtable flushed) in ``target``, which must not exist."""
        rocksdict.Checkpoint(self._live()).create_checkpoint(str(target))

    def close(self) -> None:
        if self._db is None:
            return
        # Open iterators pin the DB (and its LOCK) in RocksDB; end them first.
        for iterator in list(self._iterators):
            iterator.close()
        self._iterators.clear()
        db, self._db = self._db, None
        self.fast_get = None
        try:
            db.flush(True)
        finally:
            db.close()

    @property
    def closed(self) -> bool:
        return self._db is None


class RocksDbKeyValueStorageEngineFactory(BaseKeyValueStorageEngineFactory):
    """``stores.<st>.factory`` for RocksDB stores; memory budgets are the container's, shared by its tasks."""

    persistent = True

    def create_raw_store(
        self, store_name: str, store_dir: Path, storage: StorageConfig, tasks_in_container: int
    ) -> RocksDbKeyValueStore:
        tasks = max(1, tasks_in_container)
        # Every setting is read before the directory is made: a config error leaves nothing behind.
        compression = storage.rocksdb_compression(store_name)
        compaction_style = storage.rocksdb_compaction_style(store_name)
        write_buffer_size = max(1, storage.container_write_buffer_size_bytes(store_name) // tasks)
        block_cache_size = max(1, storage.container_cache_size_bytes(store_name) // tasks)
        ttl_ms = storage.rocksdb_ttl_ms(store_name)
        wal_enabled = storage.rocksdb_wal_enabled(store_name)
        return RocksDbKeyValueStore(
            store_dir,
            compression=compression,
            compaction_style=compaction_style,
            write_buffer_size=write_buffer_size,
            block_cache_size=block_cache_size,
            ttl_ms=ttl_ms,
            wal_enabled=wal_enabled,
        )
