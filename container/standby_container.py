"""StandbyContainer: the program of a standby container (``c-0``, ``c-1``, … beside container ``c``).

It runs no task code and reads no input. For each of its standby tasks it keeps a copy of the task's logged
stores in the stores' own directories on this host (where the active task would keep them), by tailing
their changelogs from where the local copy is. Every ``task.commit.ms`` it snapshots each copy at the
changelog offset it has applied, exactly as an active task's commit snapshots a store: when the active
container fails, the AM stops this container and starts the active one on this host, whose restore
reuses the newest snapshot at or below its checkpoint and replays only the rest of the changelog.

Lag (``<store>-standby-lag``: changelog records not yet applied) is a gauge of each standby task, served by
the job's metrics reporters so the AM's status page shows it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaError, TopicPartition

from samza_py.api import SystemStreamPartition
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import TaskConfig
from samza_py.job.model import ContainerModel
from samza_py.job.standby import active_task_name
from samza_py.metrics.registry import Gauge, MetricsRegistryMap
from samza_py.metrics.reporters import MetricsReporters, build_reporters
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.engine import KeyValueStorageEngine
from samza_py.storage.storage_manager import TaskStorageManager
from samza_py.system.interfaces import SystemAdmin
from samza_py.system.kafka.changelog_consumer import changelog_consumer

log = logging.getLogger(__name__)

STANDBY_GROUP = "org.apache.samza.storage.StandbyTaskMetrics"
KEEP_SNAPSHOTS = 3  # a promoted active needs one at or below its last checkpoint: a few commit intervals' worth
POLL_S = 0.5
BATCH = 5000
LAG_EVERY_S = 2.0


class StandbyError(Exception):
    pass


@dataclass
class StoreCopy:
    """One store of one standby task: its engine, and the last changelog offset applied to it."""

    storage: TaskStorageManager
    store: str
    changelog: SystemStreamPartition
    engine: KeyValueStorageEngine
    applied: int | None
    lag: Gauge[int]
    applied_gauge: Gauge[int]
    snapshotted: int | None = None
    pending: list[tuple[bytes, bytes | None]] = field(default_factory=list)


class StandbyContainer:
    def __init__(self, config: Config, model: ContainerModel,
                 on_metrics_url: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.model = model
        self.name = f"samza-container-{model.processor_id}"
        self.registry = MetricsRegistryMap(self.name)
        self._on_metrics_url = on_metrics_url
        self._stop = threading.Event()
        self.copies: list[StoreCopy] = []
        self._admins: dict[str, SystemAdmin] = {}
        self._consumers: dict[str, Consumer] = {}
        self.reporters: MetricsReporters | None = None
        self.snapshot_every_s = max(1.0, TaskConfig(config).commit_ms / 1000.0)
        self.promoted_to: str | None = None  # the active container this process is to run next

    def request_stop(self) -> None:
        """Graceful stop, safe from a signal handler: the loop ends at its next poll and snapshots first."""
        self._stop.set()

    def promote(self, active_id: str) -> None:
        """Stop copying (snapshots taken, stores closed) so this process can run container ``active_id``."""
        log.info("standby container %s promoted to container %s", self.model.processor_id, active_id)
        self.promoted_to = active_id
        self._stop.set()

    # ------------------------------------------------------------------------------------ lifecycle
    def run(self) -> None:
        try:
            self._start()
            self._tail()
        finally:
            self._shutdown()

    def _start(self) -> None:
        config = self.config
        self.reporters = MetricsReporters(build_reporters(config, self.name))
        self.reporters.register(self.registry.source, self.registry)
        self.reporters.start()
        if self._on_metrics_url is not None:
            for url in self.reporters.urls:
                self._on_metrics_url(url)
        systems = SystemConfig(config)
        for system in systems.system_names():
            self._admins[system] = resolve_class(systems.factory_class(system))().get_admin(system, config)
            self._admins[system].start()
        serdes = SerdeManager(config)
        for name, task in sorted(self.model.tasks.items()):
            registry = MetricsRegistryMap(f"TaskName-{name}")
            self.reporters.register(registry.source, registry)
            # The active task's name: its store directories are the ones a promoted active looks in.
            storage = TaskStorageManager(active_task_name(name), task.changelog_partition, config, serdes, {},
                                         self._admins, registry, len(self.model.tasks))
            for store, changelog in storage.changelogs.items():
                engine, applied = storage.open_copy(store)
                self.copies.append(StoreCopy(
                    storage, store, changelog, engine, applied,
                    registry.new_gauge(STANDBY_GROUP, f"{store}-standby-lag", -1),
                    registry.new_gauge(STANDBY_GROUP, f"{store}-standby-applied-offset", -1 if applied is None
                                       else applied),
                    snapshotted=applied,
                ))
                log.info("standby %s: store %r copies %s from offset %s", name, store, changelog,
                         "the oldest" if applied is None else applied + 1)
        by_system: dict[str, list[StoreCopy]] = {}
        for copy in self.copies:
            by_system.setdefault(copy.changelog.system, []).append(copy)
        for system, copies in by_system.items():
            settings = copies[0].storage.reader_settings(copies[0].changelog)
            consumer = changelog_consumer(settings, "standby", partition_eof=False)
            # OFFSET_BEGINNING (-2) for a copy that holds nothing yet.
            consumer.assign([TopicPartition(c.changelog.stream, c.changelog.partition_id,
                                            -2 if c.applied is None else c.applied + 1) for c in copies])
            self._consumers[system] = consumer
        log.info("standby container %s keeps %d store copies of %d task(s)", self.model.processor_id,
                 len(self.copies), len(self.model.tasks))

    def _tail(self) -> None:
        routes = {(c.changelog.system, c.changelog.stream, c.changelog.partition_id): c for c in self.copies}
        next_snapshot = time.monotonic() + self.snapshot_every_s
        next_lag = time.monotonic()
        while not self._stop.is_set():
            for system, consumer in self._consumers.items():
                self._apply(system, consumer.consume(num_messages=BATCH, timeout=POLL_S), routes)
            now = time.monotonic()
            if now >= next_lag:
                next_lag = now + LAG_EVERY_S
                self._update_lag()
            if now >= next_snapshot:
                next_snapshot = now + self.snapshot_every_s
                self.snapshot_all()

    def _apply(self, system: str, messages: list, routes: dict[tuple[str, str, int], StoreCopy]) -> None:
        touched: list[StoreCopy] = []
        for msg in messages:
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                if not err.fatal():  # librdkafka retries these itself
                    log.warning("standby %s reading changelogs: %s", self.model.processor_id, err)
                    continue
                raise StandbyError(f"standby {self.model.processor_id} cannot read changelog "
                                   f"{msg.topic()}[{msg.partition()}]: {err}")
            copy = routes[(system, msg.topic(), msg.partition())]
            if not copy.pending:
                touched.append(copy)
            copy.pending.append((msg.key(), msg.value()))
            copy.applied = msg.offset()
        for copy in touched:
            copy.engine.restore(copy.pending)
            copy.pending = []
            copy.applied_gauge.set(-1 if copy.applied is None else copy.applied)

    def _update_lag(self) -> None:
        for system, consumer in self._consumers.items():
            for copy in self.copies:
                if copy.changelog.system != system:
                    continue
                _, high = consumer.get_watermark_offsets(
                    TopicPartition(copy.changelog.stream, copy.changelog.partition_id), cached=True)
                if high is None or high < 0:
                    continue
                applied = -1 if copy.applied is None else copy.applied
                # Compaction and transaction markers leave offsets without records: never below zero.
                copy.lag.set(max(0, high - 1 - applied))

    def snapshot_all(self) -> None:
        """Snapshot every copy that moved since its last snapshot (cheap: RocksDB hard-links its files)."""
        for copy in self.copies:
            if copy.applied is None or copy.applied == copy.snapshotted:
                continue
            copy.storage.snapshot_copy(copy.store, copy.engine, copy.applied, KEEP_SNAPSHOTS)
            copy.snapshotted = copy.applied

    def _shutdown(self) -> None:
        steps: list[tuple[str, Callable[[], object]]] = []
        if self.copies and self.promoted_to is None:
            # Not when promoted: the copies are past the active's last checkpoint by now, so a snapshot of them
            # is of no use to its restore and would only push out an older one that is.
            steps.append(("last snapshot", self.snapshot_all))
        steps += [(f"consumer of {system}", consumer.close) for system, consumer in self._consumers.items()]
        steps += [(f"store {c.store} of {c.storage.task_name}", c.engine.close) for c in self.copies]
        steps += [(f"admin {system}", admin.stop) for system, admin in self._admins.items()]
        if self.reporters is not None:
            steps.append(("metrics reporters", self.reporters.stop))
        for what, step in steps:
            try:
                step()
            except Exception:
                log.exception("standby container %s: stopping %s failed", self.model.processor_id, what)
