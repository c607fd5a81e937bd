"""SamzaContainer: builds a container's parts from config and its ContainerModel, runs, and shuts down.

Start order (Samza's): metrics → admins → checkpoints read → producers → stores (all restored at once) →
task init → consumers registered at their starting offsets → run loop. Shutdown in reverse.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from samza_py.api import SystemStreamPartition
from samza_py.checkpoint.checkpoint import CheckpointManager
from samza_py.checkpoint.offsets import checkpointed_offsets, starting_offsets
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.metrics_config import MetricsConfig
from samza_py.config.stream_config import StreamConfig
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import TaskConfig
from samza_py.container.async_run_loop import AsyncRunLoop
from samza_py.container.async_tasks import EventLoopThread, task_kind
from samza_py.container.bootstrapping import BootstrappingSystemConsumers
from samza_py.container.chooser_setup import build_chooser
from samza_py.container.collector import TaskInstanceCollector
from samza_py.container.consumers import SystemConsumers
from samza_py.container.exactly_once import OutsideTransactionProducer, make_transactional, transactional_checkpoints
from samza_py.container.lease import Lease
from samza_py.container.restore import RestoreSpan, restore_all
from samza_py.container.run_loop import GROUP as CONTAINER_GROUP
from samza_py.container.run_loop import LoopSettings, RunLoop
from samza_py.container.task_context import TaskContextImpl
from samza_py.container.task_instance import TaskInstance, exception_matcher
from samza_py.job.model import ContainerModel
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.metrics.reporters import MetricsReporters, build_reporters
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import StoreRestore, TaskStorageManager
from samza_py.system.interfaces import SystemAdmin, SystemConsumer, SystemProducer, SystemStreamPartitionMetadata

log = logging.getLogger(__name__)



class SamzaContainer:
    def __init__(
        self,
        config: Config,
        model: ContainerModel,
        on_metrics_url: Callable[[str], None] | None = None,
        lease: Lease | None = None,
    ) -> None:
        self.config = config
        self._lease = lease
        self.model = model
        self.name = f"samza-container-{model.processor_id}"
        self.registry = MetricsRegistryMap(self.name)
        self.reporters: MetricsReporters | None = None
        self._on_metrics_url = on_metrics_url
        self.task_registries: dict[str, MetricsRegistryMap] = {}
        self.tasks: dict[str, TaskInstance] = {}
        self.run_loop: RunLoop | None = None
        self._admins: dict[str, SystemAdmin] = {}
        self._producers: dict[str, SystemProducer] = {}
        self._checkpoints: CheckpointManager | None = None
        self._consumers: SystemConsumers | None = None
        self._storage: list[TaskStorageManager] = []
        self.restore_spans: list[RestoreSpan] = []  # when each store's restore ran, for logs and tests
        self._stop_before_loop = False
        self._fenced = False
        self._event_loop: EventLoopThread | None = None  # asyncio tasks' coroutines run there
        self._restore_cancelled = threading.Event()  # set by fence(): restores stop before any changelog write

    def fence(self) -> None:
        """Stop at once without committing anything more (standalone: the ZooKeeper session is gone and
        another processor may already own these tasks). Store caches are dropped, not flushed, so no
        more changelog writes go out; the next owner restores to the last checkpoint."""
        self._fenced = True
        self._stop_before_loop = True
        self._restore_cancelled.set()
        if self.run_loop is not None:
            self.run_loop.fence()

    @property
    def fenced(self) -> bool:
        return self._fenced

    @property
    def stop_requested(self) -> bool:
        """Whether someone asked it to stop (rather than it ending by itself)."""
        return self._stop_before_loop

    def request_stop(self) -> None:
        """Graceful stop, safe to call from a signal handler or another thread."""
        self._stop_before_loop = True
        if self.run_loop is not None:
            self.run_loop.request_stop()

    # ------------------------------------------------------------------------------------ lifecycle
    def run(self) -> None:
        started = time.monotonic()
        clean = False
        try:
            try:
                self._start()
            except Exception:
                if not self._fenced:
                    raise
                # Fenced while starting (a restore cancelled): nothing failed, it only must not go on.
                log.warning("container %s fenced while starting", self.model.processor_id, exc_info=True)
                return
            log.info("container %s started %d task(s) in %.1f s", self.model.processor_id, len(self.tasks),
                     time.monotonic() - started)
            assert self.run_loop is not None
            if not self._stop_before_loop:
                self.run_loop.run()
            if self.run_loop.fenced:
                self._fenced = True
            if self._fenced:
                log.warning("container %s fenced: stopped without a last commit", self.model.processor_id)
                return
            # A graceful stop checkpoints what was processed, so a restart does not redo it.
            self.run_loop.commit_all()
            clean = True
        finally:
            self._shutdown(clean)

    def _start_metrics(self) -> MetricsReporters:
        """Reporters first (Samza's order), so restores and startup are visible while they happen."""
        reporters = self.reporters = MetricsReporters(build_reporters(self.config, self.name))
        reporters.register(self.registry.source, self.registry)
        reporters.start()
        if self._on_metrics_url is not None:
            for url in reporters.urls:
                self._on_metrics_url(url)
        return reporters

    def _start(self) -> None:
        started_ns = time.monotonic_ns()
        config = self.config
        reporters = self._start_metrics()
        systems = SystemConfig(config)
        task_config = TaskConfig(config)
        factories = {s: resolve_class(systems.factory_class(s))() for s in systems.system_names()}
        for system, factory in factories.items():
            self._admins[system] = factory.get_admin(system, config)
            self._admins[system].start()

        exactly_once = task_config.exactly_once
        if exactly_once:
            # Fence the previous container first: its open transaction would hold back every committed read.
            self._start_producers(factories, task_config.checkpoint_system)
        checkpointed: dict[str, Any] = {}
        if task_config.checkpoint_factory:
            factory = resolve_class(task_config.checkpoint_factory)()
            self._checkpoints = factory.get_checkpoint_manager(config, self.registry)
            if exactly_once:
                self._checkpoints = transactional_checkpoints(
                    self._checkpoints, self._producers[task_config.checkpoint_system or ""])
            self._checkpoints.start()
            for name in self.model.tasks:
                self._checkpoints.register(name)
            for name in self.model.tasks:
                checkpointed[name] = self._checkpoints.read_last_checkpoint(name)
        if not exactly_once:
            self._start_producers(factories)

        serdes = SerdeManager(config)
        task_class = resolve_class(task_config.task_class)
        ignored = exception_matcher(task_config.ignored_exceptions)
        storages: dict[str, TaskStorageManager] = {}
        jobs: list[StoreRestore] = []
        for name, task_model in sorted(self.model.tasks.items()):
            registry = MetricsRegistryMap(f"TaskName-{name}")
            self.task_registries[name] = registry
            reporters.register(registry.source, registry)
            storage = storages[name] = TaskStorageManager(
                name, task_model.changelog_partition, config, serdes, self._producers, self._admins, registry,
                len(self.model.tasks),
            )
            self._storage.append(storage)
            if self._checkpoints is None:
                jobs += storage.restore_jobs({})  # no checkpoints kept: state is all there is, keep it
            else:
                checkpoint = checkpointed.get(name)
                jobs += storage.restore_jobs(checkpoint.offsets if checkpoint is not None else None)
        # Every store of every task at once; all restores finish before any task is initialised (Samza's order).
        self.restore_spans = restore_all(jobs, JobConfig(config).restore_threads(len(self.model.tasks)),
                                         self._restore_cancelled)
        for name, task_model in sorted(self.model.tasks.items()):
            spans = [span for span in self.restore_spans if span.task_name == name]
            restore_ms = int((max(s.finished for s in spans) - min(s.started for s in spans)) * 1000) if spans else 0
            self.registry.new_gauge(CONTAINER_GROUP, f"{name}-restore-time", restore_ms)
            registry = self.task_registries[name]
            storage = storages[name]
            sends = registry.new_counter("org.apache.samza.container.TaskInstanceMetrics", "send-calls")
            collector = TaskInstanceCollector(self._producers, serdes, name, sends)
            context = TaskContextImpl(name, task_model.system_stream_partitions, config, registry, storage.engines)
            self.tasks[name] = TaskInstance(
                name, task_class(), task_model.system_stream_partitions, collector, context, registry,
                self._flush_producers, self._checkpoints, checkpointed.get(name), ignored, storage,
            )
        for task in self.tasks.values():
            task.init()

        consumers = {s: f.get_consumer(s, config, self.registry) for s, f in factories.items()}
        starts, skip_below, metadata = self._starting_offsets(checkpointed)
        chooser, bootstrapping = build_chooser(
            config, {name: task.ssps for name, task in self.tasks.items()}, metadata, starts, self.registry)
        # Decided once here: only a job with a lagging bootstrap stream pays for tracking its progress.
        consumers_class = SystemConsumers if bootstrapping is None else BootstrappingSystemConsumers
        self._consumers = consumers_class(
            consumers, serdes, chooser, self.registry,
            poll_interval_ms=task_config.poll_interval_ms,
            fetch_threshold=min((systems.fetch_threshold(s) for s in consumers), default=50000),
            drop_deserialization_errors=task_config.drop_deserialization_errors,
        )
        if isinstance(self._consumers, BootstrappingSystemConsumers) and bootstrapping is not None:
            self._consumers.bootstrap(bootstrapping)
        self._register_inputs(consumers, starts, metadata)
        self._consumers.start()
        kind = task_kind(task_class)
        settings = LoopSettings(task_config.window_ms, task_config.commit_ms, task_config.poll_interval_ms,
                                skip_below, lease=self._lease, whole_container_commits=exactly_once)
        if kind == "sync":
            self.run_loop = RunLoop(self.tasks, self._consumers, self.registry, settings,
                                    timed=MetricsConfig(config).timer_enabled)
        else:
            if kind == "asyncio":
                self._event_loop = EventLoopThread(self.name)
                self._event_loop.start()
            self.run_loop = AsyncRunLoop(
                self.tasks, self._consumers, self.registry, settings, kind=kind,
                max_concurrency=task_config.max_concurrency, callback_timeout_ms=task_config.callback_timeout_ms,
                shutdown_ms=task_config.shutdown_ms, event_loop=self._event_loop,
            )
        self.registry.new_gauge(CONTAINER_GROUP, "container-startup-time", time.monotonic_ns() - started_ns)
        if self._fenced:
            self.run_loop.fence()
        elif self._stop_before_loop:
            self.run_loop.request_stop()

    def _starting_offsets(
        self, checkpointed: dict[str, Any]
    ) -> tuple[dict[SystemStreamPartition, str], dict[tuple[str, SystemStreamPartition], int],
               dict[SystemStreamPartition, SystemStreamPartitionMetadata]]:
        """Every task's starting offsets; each SSP is read once, from the lowest of them (a task skips
        what it had: ``skip_below``). Also the inputs' metadata as of now (bootstrap targets, bounded ends)."""
        streams = StreamConfig(self.config)
        all_ssps = {ssp for task in self.tasks.values() for ssp in task.ssps}
        metadata = self._metadata(all_ssps)
        starts: dict[SystemStreamPartition, dict[str, str]] = {}
        for name, task in self.tasks.items():
            resolved = starting_offsets(
                task.ssps,
                checkpointed_offsets(checkpointed.get(name), streams.reset_offset),
                task.context.starting_offset_overrides,
                self._admins,
                metadata,
                streams.offset_default,
            )
            for ssp, offset in resolved.items():
                starts.setdefault(ssp, {})[name] = offset
        skip_below: dict[tuple[str, SystemStreamPartition], int] = {}
        lowest_starts: dict[SystemStreamPartition, str] = {}
        for ssp, by_task in sorted(starts.items()):
            lowest = lowest_starts[ssp] = min(by_task.values(), key=int)
            if len(by_task) > 1:
                skip_below.update({(name, ssp): int(off) for name, off in by_task.items() if off != lowest})
        return lowest_starts, skip_below, metadata

    def _register_inputs(
        self, consumers: dict[str, SystemConsumer], starts: dict[SystemStreamPartition, str],
        metadata: dict[SystemStreamPartition, SystemStreamPartitionMetadata],
    ) -> None:
        assert self._consumers is not None
        streams = StreamConfig(self.config)
        for ssp, lowest in sorted(starts.items()):
            self._consumers.register(ssp, lowest)
            log.info("%s starts at offset %s", ssp, lowest)
            if streams.stream_property(ssp.system_stream, "bounded", "false") == "true":
                register_end = getattr(consumers[ssp.system], "register_end", None)
                if register_end is not None:
                    register_end(ssp, int(metadata[ssp].upcoming_offset))

    def _metadata(self, ssps: set[SystemStreamPartition]) -> dict[SystemStreamPartition, SystemStreamPartitionMetadata]:
        by_system: dict[str, set[str]] = {}
        for ssp in ssps:
            by_system.setdefault(ssp.system, set()).add(ssp.stream)
        result: dict[SystemStreamPartition, SystemStreamPartitionMetadata] = {}
        for system, streams in by_system.items():
            for stream, meta in self._admins[system].get_system_stream_metadata(streams).items():
                for partition, pmeta in meta.partitions.items():
                    result[SystemStreamPartition.of(system, stream, partition)] = pmeta
        return result

    def _start_producers(self, factories: dict[str, Any], transaction_system: str | None = None) -> None:
        """One producer per system; with ``transaction_system`` (exactly-once) that system's is transactional
        and the others refuse sends."""
        for system, factory in factories.items():
            producer = factory.get_producer(system, self.config, self.registry)
            if transaction_system is not None:
                if system == transaction_system:
                    make_transactional(producer, self.config, self.model.processor_id)
                else:
                    producer = OutsideTransactionProducer(producer, system, transaction_system)
            for name in self.model.tasks:
                producer.register(name)
            producer.start()
            self._producers[system] = producer

    def _flush_producers(self) -> None:
        for producer in self._producers.values():
            producer.flush("commit")

    def _shutdown(self, clean: bool) -> None:
        steps: list[tuple[str, Any]] = []
        if self._consumers is not None:
            steps.append(("consumers", self._consumers.stop))
        if clean:
            steps += [(f"task {name}", task.close) for name, task in self.tasks.items()]
        if self._event_loop is not None:
            steps.append(("asyncio event loop", self._event_loop.stop))
        if self._fenced:
            steps += [(f"stores of {s.task_name}", s.abandon) for s in self._storage]
        else:
            steps += [(f"stores of {s.task_name}", s.close) for s in self._storage]
        if self._fenced:
            steps += [(f"producer {s}", getattr(p, "abandon", p.stop)) for s, p in self._producers.items()]
        else:
            steps += [(f"producer {s}", p.stop) for s, p in self._producers.items()]
        if self._checkpoints is not None:
            steps.append(("checkpoint manager", self._checkpoints.stop))
        if self.reporters is not None:
            steps.append(("metrics reporters", self.reporters.stop))
        steps += [(f"admin {s}", a.stop) for s, a in self._admins.items()]
        for what, step in steps:
            try:
                step()
            except Exception:
                # Keep shutting the rest down; the first failure already decides the exit status.
                log.exception("shutting down %s failed", what)
                if clean:
                    raise
        if self._consumers is not None and self._consumers.dropped.count:
            log.warning("dropped %d undecodable message(s) (task.drop.deserialization.errors=true)",
                        self._consumers.dropped.count)
        log.info("container %s stopped", self.model.processor_id)
