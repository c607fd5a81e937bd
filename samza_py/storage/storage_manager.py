"""TaskStorageManager: a task's stores, their changelogs, their restore, and their part of each commit.

Samza's transactional state, with RocksDB checkpoints:
- at each commit, after the changelog sends are durable, each persistent store is snapshotted
  (a RocksDB checkpoint: hard links, cheap) into ``<store dir>-<checkpoint id>`` with an OFFSET file
  naming the changelog offset it holds; the task's checkpoint records ``<checkpoint id>:<offset>``;
- at start, a store is rebuilt to exactly what the last checkpoint describes: from the newest valid
  local snapshot at or below the checkpointed changelog offset (replaying only the changelog tail
  after it), otherwise from an empty store and the whole changelog; then changelog records written
  after the checkpoint (work that was never committed) are trimmed: each of their keys gets its
  restored value (or a tombstone) written again, so the changelog agrees with the state.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samza_py.api import SystemStreamPartition
from samza_py.checkpoint.serde_v2 import new_checkpoint_id
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.storage_config import StorageConfig
from samza_py.config.task_config import TaskConfig
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.changelog_sender import ChangelogSender
from samza_py.storage.engine import METRICS_GROUP as ENGINE_GROUP
from samza_py.storage.engine import KeyValueStorageEngine
from samza_py.storage.errors import StoreCorruptedError
from samza_py.system.interfaces import SystemAdmin, SystemProducer
from samza_py.system.kafka import client_config
from samza_py.system.kafka.partition_reader import read_partition

log = logging.getLogger(__name__)

OFFSET_FILE = "OFFSET"
CHECKPOINT_ID = re.compile(r"\d+-\d+")  # <millis>-<nano id>, the suffix of a snapshot dir
PROGRESS_EVERY_S = 3.0
RESTORE_READER_DEFAULTS: dict[str, object] = {
    "fetch.min.bytes": 1048576, "queued.max.messages.kbytes": 262144, "queued.min.messages": 100000,
}


class StoreRestoreError(Exception):
    pass


class RestoreCancelledError(Exception):
    """Another restore of the container failed: this one stops at its next batch."""


def _check_cancelled(cancelled: threading.Event | None, changelog: SystemStreamPartition) -> None:
    if cancelled is not None and cancelled.is_set():
        raise RestoreCancelledError(f"restore from {changelog} cancelled: another restore of the container failed, "
                                    "or the container was fenced")


@dataclass(frozen=True)
class ChangelogPosition:
    """A checkpointed changelog offset: ``<checkpoint id>:<offset>``; offset -1 means the partition was empty."""

    checkpoint_id: str
    offset: int

    @classmethod
    def parse(cls, text: str) -> ChangelogPosition:
        checkpoint_id, sep, offset = text.rpartition(":")
        if not sep:
            raise ValueError(f"not '<checkpoint id>:<offset>': {text!r}")
        return cls(checkpoint_id, -1 if offset in ("", "null") else int(offset))

    def __str__(self) -> str:
        return f"{self.checkpoint_id}:{self.offset}"


def task_dir_name(task_name: str) -> str:
    return task_name.replace(" ", "_")


def write_offset_file(directory: Path, ssp: SystemStreamPartition, offset: int) -> None:
    """OFFSET: a CRC32 line, then JSON ``{ssp: offset}``; written to a temp file, then renamed."""
    data = json.dumps({str(ssp): str(offset)})
    tmp = directory / f"{OFFSET_FILE}.tmp"
    tmp.write_text(f"{zlib.crc32(data.encode()):08x}\n{data}")
    os.replace(tmp, directory / OFFSET_FILE)


def read_offset_file(directory: Path, ssp: SystemStreamPartition, max_age_ms: int) -> int | None:
    """The offset a store dir holds, or None when its OFFSET file is missing, corrupt, foreign or stale."""
    path = directory / OFFSET_FILE
    try:
        checksum, _, data = path.read_text().partition("\n")
        if int(checksum, 16) != zlib.crc32(data.encode()):
            return None
        if (time.time() - path.stat().st_mtime) * 1000 >= max_age_ms:
            return None
        return int(json.loads(data)[str(ssp)])
    except (OSError, ValueError, KeyError):
        return None


def snapshot_dirs(directory: Path) -> list[Path]:
    """The snapshots ``<store dir>-<checkpoint id>`` beside a store dir, matched by exact name: task names
    such as ``SystemStreamPartition [kafka, in, 1]`` hold characters a glob pattern would read as syntax."""
    if not directory.parent.is_dir():
        return []
    prefix = f"{directory.name}-"
    return [entry for entry in directory.parent.iterdir()
            if entry.name.startswith(prefix) and CHECKPOINT_ID.fullmatch(entry.name[len(prefix):])
            and entry.is_dir()]


def _warn_unremovable(function: Any, path: str, exc_info: Any) -> None:
    log.warning("cannot remove old store snapshot file %s: %s", path, exc_info[1])


def _link_or_copy(src: str, dst: str) -> None:
    if src.endswith(".sst"):
        os.link(src, dst)
    else:
        shutil.copy2(src, dst)


class _Progress:
    def __init__(self, what: str, total: int) -> None:
        self.what, self.total = what, max(total, 0)
        self.records = self.bytes = 0
        self.started = self.last = time.monotonic()

    def add(self, records: int, total_bytes: int) -> None:
        self.records += records
        self.bytes = total_bytes
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S:
            self.last = now
            rate = self.records / max(now - self.started, 1e-9)
            eta = (self.total - self.records) / rate if rate else float("inf")
            log.info("restoring %s: %d of %d records, %.1f MB, %.0f records/s, ETA %.0f s", self.what,
                     self.records, self.total, self.bytes / 1e6, rate, eta)

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        log.info("restored %s: %d records, %.1f MB in %.2f s (%.1f MB/s)", self.what, self.records,
                 self.bytes / 1e6, elapsed, self.bytes / 1e6 / max(elapsed, 1e-9))


class TaskStorageManager:
    def __init__(
        self,
        task_name: str,
        changelog_partition: int,
        config: Config,
        serdes: SerdeManager,
        producers: Mapping[str, SystemProducer],
        admins: Mapping[str, SystemAdmin],
        registry: MetricsRegistryMap,
        tasks_in_container: int,
        reader: Callable[..., int] = read_partition,
    ) -> None:
        self.task_name = task_name
        self._read = reader
        self.changelog_partition = changelog_partition
        self.config = config
        self._serdes = serdes
        self._producers = producers
        self._admins = admins
        self._registry = registry
        self._tasks_in_container = tasks_in_container
        self._storage = StorageConfig(config)
        self.base_dir = Path(JobConfig(config).resolve_logged_store_base_dir())
        self.engines: dict[str, KeyValueStorageEngine] = {}
        self._engines_lock = threading.Lock()  # stores of one task may be restored on several threads
        self.changelogs: dict[str, SystemStreamPartition] = {}
        for store in self._storage.store_names():
            stream = self._storage.changelog(store)
            if stream is not None:
                self.changelogs[store] = SystemStreamPartition.of(stream.system, stream.stream, changelog_partition)

    def store_dir(self, store: str) -> Path:
        return self.base_dir / store / task_dir_name(self.task_name)

    # ------------------------------------------------------------------------------------ start
    def open_and_restore(self, checkpointed: Mapping[SystemStreamPartition, str | None] | None) -> None:
        """Open every store and bring it to the state the task's checkpoint describes, one after another
        (the container restores the stores of all its tasks at once through ``restore_jobs``)."""
        for job in self.restore_jobs(checkpointed):
            job.run()

    def restore_jobs(self, checkpointed: Mapping[SystemStreamPartition, str | None] | None) -> list[StoreRestore]:
        """One restore per store, in store order; each may run on its own thread.

        ``checkpointed`` is the task's last checkpoint, or None when checkpoints are kept but the task
        has none yet: nothing was committed, so its stores start empty and whatever reached their
        changelogs is trimmed (the task's input starts over too). A checkpoint without an entry for a
        changelog (none kept, or written before the store existed) restores the whole changelog when
        ``task.transactional.state.retain.existing.state`` is true (the default), else trims it.
        """
        retain = TaskConfig(self.config).transactional_state_retain_existing_state
        nothing = ChangelogPosition("none", -1)
        jobs: list[StoreRestore] = []
        for store in self._storage.store_names():
            changelog = self.changelogs.get(store)
            position: ChangelogPosition | None = None
            if changelog is not None:
                text = checkpointed.get(changelog) if checkpointed is not None else None
                if text:
                    position = ChangelogPosition.parse(text)
                elif checkpointed is None or not retain:
                    position = nothing
            jobs.append(StoreRestore(self, store, changelog, position))
        return jobs

    def restore_store(
        self, store: str, changelog: SystemStreamPartition | None, position: ChangelogPosition | None,
        cancelled: threading.Event | None = None,
    ) -> None:
        """Restore one store and add its engine; ``cancelled`` set stops a changelog read at its next batch."""
        engine = self._restore(store, changelog, position, cancelled)
        with self._engines_lock:
            self.engines[store] = engine
            # Keep store order whatever order restores finish in (flush and close go through it).
            order = [name for name in self._storage.store_names() if name in self.engines]
            for name in order:
                self.engines[name] = self.engines.pop(name)

    def _send(self, store: str) -> ChangelogSender | None:
        changelog = self.changelogs.get(store)
        return None if changelog is None else self._send_raw(changelog)

    def _open(self, store: str, logged: bool = True) -> KeyValueStorageEngine:
        factory = resolve_class(self._storage.factory(store))()
        # Validation guarantees both serdes of a store are named.
        key_serde = self._serdes.serde(self._storage.key_serde(store) or "")
        msg_serde = self._serdes.serde(self._storage.msg_serde(store) or "")
        engine: KeyValueStorageEngine = factory.get_storage_engine(
            store, self.store_dir(store), key_serde, msg_serde, self._send(store) if logged else None, self.config,
            self._tasks_in_container, self._registry,
        )
        return engine

    # ---------------------------------------------------------------------------------- standby
    def open_copy(self, store: str) -> tuple[KeyValueStorageEngine, int | None]:
        """A standby's copy of a logged store, in the store's own directory on this host: the newest local
        snapshot when there is one, else empty. Returns the engine (it writes no changelog) and the last
        changelog offset the copy holds (None: nothing yet)."""
        changelog = self.changelogs[store]
        directory = self.store_dir(store)
        offset = self._reuse_local(store, directory, changelog, target=sys.maxsize)
        if offset is None and directory.exists():
            shutil.rmtree(directory)
        try:
            return self._open(store, logged=False), offset
        except StoreCorruptedError as exc:
            log.warning("standby copy of store %r of %r cannot be opened (%s): rebuilding it from the changelog",
                        store, self.task_name, exc)
            shutil.rmtree(directory, ignore_errors=True)
            return self._open(store, logged=False), None

    def snapshot_copy(self, store: str, engine: KeyValueStorageEngine, offset: int, keep: int) -> Path | None:
        """Snapshot a standby's copy at changelog ``offset`` the way a commit snapshots an active store, so an
        active started on this host reuses it; keep the ``keep`` newest snapshots. None for a store that
        cannot snapshot (in memory)."""
        snapshot = getattr(engine.raw, "checkpoint", None) if engine.persistent else None
        if snapshot is None:
            return None
        engine.flush()
        directory = self.store_dir(store)
        target = directory.with_name(f"{directory.name}-{new_checkpoint_id()}")
        snapshot(target)
        write_offset_file(target, self.changelogs[store], offset)
        changelog, max_age = self.changelogs[store], self._storage.changelog_delete_retention_ms(store)
        held = sorted(((read_offset_file(d, changelog, max_age) or -1, d.name, d) for d in snapshot_dirs(directory)),
                      reverse=True)
        for _, _, old in held[keep:]:
            shutil.rmtree(old, onerror=_warn_unremovable)
        return target

    def _restore(
        self, store: str, changelog: SystemStreamPartition | None, position: ChangelogPosition | None,
        cancelled: threading.Event | None = None,
    ) -> KeyValueStorageEngine:
        directory = self.store_dir(store)
        if changelog is None:
            return self._open_unlogged(store, directory)  # not logged: whatever is on disk
        admin = self._admins[changelog.system]
        meta = admin.get_system_stream_metadata([changelog.stream])[changelog.stream].partitions.get(
            changelog.partition_id
        )
        if meta is None:
            raise StoreRestoreError(f"changelog {changelog} does not exist (store {store!r}, task {self.task_name!r})")
        oldest = int(meta.oldest_offset or 0)
        upcoming = int(meta.upcoming_offset)
        target = upcoming - 1 if position is None else position.offset  # last offset the state includes
        start_from = self._reuse_local(store, directory, changelog, target)
        if start_from is None:
            engine = self._fresh(store, directory)
        else:
            try:
                engine = self._open(store)
            except StoreCorruptedError as exc:
                log.warning("store %r of %r: the local snapshot cannot be opened (%s): wiping it and rebuilding "
                            "from the whole changelog", store, self.task_name, exc)
                start_from = None
                engine = self._fresh(store, directory)
        first = max(oldest, (start_from or -1) + 1)
        last_exclusive = min(target + 1, upcoming)
        # For the status page: the offset span to replay (compaction may leave fewer records) and when done.
        self._registry.new_gauge(ENGINE_GROUP, f"{store}-restore-total", max(0, last_exclusive - first))
        done = self._registry.new_gauge(ENGINE_GROUP, f"{store}-restore-done", 0)
        try:
            self._replay(engine, store, changelog, first, last_exclusive, cancelled)
            if position is not None and upcoming > target + 1:
                self._trim(engine, changelog, target + 1, upcoming, cancelled)
        except BaseException:
            # Release the store (its RocksDB LOCK); a partly restored store dir is never reused (only
            # snapshots with an OFFSET file are), so the next start rebuilds it.
            try:
                engine.close()
            except Exception:
                log.exception("closing store %r of %r after its failed restore failed too", store, self.task_name)
            raise
        done.set(1)
        return engine

    def _replay(self, engine: KeyValueStorageEngine, store: str, changelog: SystemStreamPartition, first: int,
                last_exclusive: int, cancelled: threading.Event | None) -> None:
        progress = _Progress(f"store {store!r} of {self.task_name!r} from {changelog}", last_exclusive - first)
        bytes_before = engine.restored_bytes.count

        def restore(batch: list[tuple[bytes, bytes | None]]) -> None:
            _check_cancelled(cancelled, changelog)
            progress.add(engine.restore(batch), engine.restored_bytes.count - bytes_before)

        with engine.restoring():
            self._read(self.reader_settings(changelog), changelog.stream, changelog.partition_id, first,
                       last_exclusive, restore)
        progress.done()

    def _reuse_local(self, store: str, directory: Path, changelog: SystemStreamPartition, target: int) -> int | None:
        """Install the newest valid snapshot at or below ``target`` as the store dir; the offset it holds."""
        max_age = self._storage.changelog_delete_retention_ms(store)
        best: tuple[int, Path] | None = None
        for candidate in snapshot_dirs(directory):
            offset = read_offset_file(candidate, changelog, max_age)
            if offset is not None and offset <= target and (best is None or offset > best[0]):
                best = (offset, candidate)
        if best is None:
            return None
        if directory.exists():
            shutil.rmtree(directory)
        # SST files never change once written, so they are shared; everything else RocksDB may append to.
        shutil.copytree(best[1], directory, copy_function=_link_or_copy)
        (directory / OFFSET_FILE).unlink(missing_ok=True)
        log.info("store %r of %r: reusing local snapshot %s at changelog offset %d", store, self.task_name,
                 best[1].name, best[0])
        return best[0]

    def _fresh(self, store: str, directory: Path) -> KeyValueStorageEngine:
        if directory.exists():
            log.info("store %r of %r: no usable local snapshot, rebuilding from the changelog", store, self.task_name)
            shutil.rmtree(directory)
        return self._open(store)

    def _open_unlogged(self, store: str, directory: Path) -> KeyValueStorageEngine:
        """A store without a changelog is never deleted: nothing could rebuild it."""
        try:
            return self._open(store)
        except StoreCorruptedError as exc:
            raise StoreRestoreError(
                f"store {store!r} of task {self.task_name!r} in {directory} is corrupted and has no changelog to "
                f"rebuild it from; it is left as it is: {exc.cause}"
            ) from exc

    def _trim(self, engine: KeyValueStorageEngine, changelog: SystemStreamPartition, start: int, end: int,
              cancelled: threading.Event | None = None) -> None:
        keys: dict[bytes, None] = {}

        def collect(batch: list[tuple[bytes, bytes | None]]) -> None:
            _check_cancelled(cancelled, changelog)
            keys.update((key, None) for key, _ in batch)

        self._read(self.reader_settings(changelog), changelog.stream, changelog.partition_id, start, end, collect)
        _check_cancelled(cancelled, changelog)  # a fenced container writes nothing to the changelog
        send = self._send_raw(changelog)
        for key in keys:
            send(key, engine.raw_get(key))
        self._producers[changelog.system].flush(self.task_name)
        log.info("trimmed %d uncommitted change(s) at offsets %d..%d of %s", len(keys), start, end - 1, changelog)

    def _send_raw(self, changelog: SystemStreamPartition) -> ChangelogSender:
        return ChangelogSender(self._producers[changelog.system], self.task_name, changelog)

    def reader_settings(self, changelog: SystemStreamPartition) -> dict[str, Any]:
        # Restores read a lot: large fetches and a deep queue (small reads elsewhere would wait on them),
        # unless the job sets these keys itself.
        settings = client_config.reader_settings(self.config, changelog.system, "restore-reader")
        for key, value in RESTORE_READER_DEFAULTS.items():
            if self.config.get_str(f"systems.{changelog.system}.consumer.{key}") is None:
                settings[key] = value
        return settings

    # ----------------------------------------------------------------------------------- commit
    def flush(self) -> None:
        """Push cached writes through serdes to the changelog sends and the local stores."""
        for engine in self.engines.values():
            engine.flush()

    def checkpoint(
        self, checkpoint_id: str, newest: Mapping[SystemStreamPartition, int] | None = None
    ) -> dict[SystemStreamPartition, str]:
        """After the producers are flushed: snapshot each logged store at its changelog's newest offset
        (``newest``, when the container asked for the changelogs of all its tasks at once)."""
        if not self.changelogs:
            return {}
        if newest is None:
            newest = newest_changelog_offsets([self])
        result: dict[SystemStreamPartition, str] = {}
        for store, changelog in self.changelogs.items():
            offset = newest[changelog]
            engine = self.engines[store]
            snapshot = getattr(engine.raw, "checkpoint", None) if engine.persistent else None
            if snapshot is not None:
                target = self.store_dir(store).with_name(f"{self.store_dir(store).name}-{checkpoint_id}")
                snapshot(target)
                write_offset_file(target, changelog, offset)
            result[changelog] = str(ChangelogPosition(checkpoint_id, offset))
        return result

    def remove_old_snapshots(self, keep_checkpoint_id: str) -> None:
        """Once a checkpoint is written, the snapshots of earlier ones are no longer needed."""
        for store in self.changelogs:
            directory = self.store_dir(store)
            for candidate in snapshot_dirs(directory):
                if candidate.name != f"{directory.name}-{keep_checkpoint_id}":
                    # A snapshot left behind costs disk, not correctness: warn, and let the commit stand.
                    shutil.rmtree(candidate, onerror=_warn_unremovable)

    def close(self) -> None:
        for engine in self.engines.values():
            engine.close()

    def abandon(self) -> None:
        """Close without flushing store caches (a fenced container): no more changelog writes."""
        for engine in self.engines.values():
            engine.abandon()


def newest_changelog_offsets(storages: Iterable[TaskStorageManager]) -> dict[SystemStreamPartition, int]:
    """The newest offset of every changelog partition of ``storages``: one request per system for all of
    them (-1 for an empty partition)."""
    by_system: dict[str, tuple[SystemAdmin, set[SystemStreamPartition]]] = {}
    for storage in storages:
        for changelog in storage.changelogs.values():
            admin = storage._admins[changelog.system]
            by_system.setdefault(changelog.system, (admin, set()))[1].add(changelog)
    newest: dict[SystemStreamPartition, int] = {}
    for admin, changelogs in by_system.values():
        newest.update({changelog: upcoming - 1 for changelog, upcoming in admin.upcoming_offsets(changelogs).items()})
    return newest


@dataclass(frozen=True)
class StoreRestore:
    """The restore of one store of one task: what the container's restore pool runs."""

    storage: TaskStorageManager
    store: str
    changelog: SystemStreamPartition | None
    position: ChangelogPosition | None

    @property
    def task_name(self) -> str:
        return self.storage.task_name

    def run(self, cancelled: threading.Event | None = None) -> None:
        self.storage.restore_store(self.store, self.changelog, self.position, cancelled)
