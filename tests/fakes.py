"""In-memory fakes of the system and checkpoint contracts, for container unit tests (no Kafka, no services).

Producers and checkpoint managers write into one shared ``EventLog`` so a test can assert the order in which
outputs were flushed and offsets checkpointed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samza_py.api import (
    END_OF_STREAM_OFFSET,
    IncomingMessageEnvelope,
    MetricsRegistry,
    OutgoingMessageEnvelope,
    SystemStreamPartition,
)
from samza_py.checkpoint.checkpoint import Checkpoint, CheckpointManager, CheckpointManagerFactory
from samza_py.config.config import Config
from samza_py.container.chooser import RoundRobinChooser
from samza_py.container.collector import TaskInstanceCollector
from samza_py.container.consumers import SystemConsumers
from samza_py.container.lease import Lease
from samza_py.container.run_loop import LoopSettings, RunLoop
from samza_py.container.task_context import TaskContextImpl
from samza_py.container.task_instance import TaskInstance, exception_matcher
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.storage.storage_manager import TaskStorageManager
from samza_py.system.interfaces import (
    StreamSpec,
    SystemAdmin,
    SystemConsumer,
    SystemFactory,
    SystemProducer,
    SystemStreamMetadata,
    SystemStreamPartitionMetadata,
)

SSP = SystemStreamPartition.of


class EventLog:
    """Events as tuples, in the order they happened (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[tuple[Any, ...]] = []

    def append(self, *event: Any) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: str) -> list[tuple[Any, ...]]:
        with self._lock:
            return [e for e in self.events if e[0] == kind]

    def kinds(self) -> list[str]:
        with self._lock:
            return [e[0] for e in self.events]

    def clear(self) -> None:
        with self._lock:
            self.events.clear()


def raw(ssp: SystemStreamPartition, offset: int | str, message: bytes | None, key: bytes | None = None
        ) -> IncomingMessageEnvelope:
    """An envelope as a system consumer hands it out: raw bytes, offset as a string."""
    size = (len(key) if key else 0) + (len(message) if message else 0)
    return IncomingMessageEnvelope(ssp, str(offset), key, message, size)


def eos(ssp: SystemStreamPartition) -> IncomingMessageEnvelope:
    return IncomingMessageEnvelope(ssp, END_OF_STREAM_OFFSET, None, None)


class FakeSystemConsumer(SystemConsumer):
    """Serves scripted envelopes in script order, at most ``max_batch`` per poll, holding back paused SSPs.

    ``poll`` returns at once when something is deliverable, else waits up to its timeout for ``add``.
    """

    def __init__(self, system: str = "fake", max_batch: int = 1000, log: EventLog | None = None) -> None:
        self.system = system
        self.max_batch = max_batch
        self.log = log
        self.registered: dict[SystemStreamPartition, str] = {}
        self.started = False
        self.stopped = False
        self.paused: set[SystemStreamPartition] = set()
        self.polls = 0
        self._pending: list[IncomingMessageEnvelope] = []
        self._cond = threading.Condition()

    def add(self, *envelopes: IncomingMessageEnvelope) -> None:
        with self._cond:
            self._pending.extend(envelopes)
            self._cond.notify_all()

    def pending(self) -> int:
        """Scripted envelopes not handed out yet."""
        with self._cond:
            return len(self._pending)

    def register(self, ssp: SystemStreamPartition, offset: str) -> None:
        self.registered[ssp] = offset

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def _take(self) -> list[IncomingMessageEnvelope]:
        out: list[IncomingMessageEnvelope] = []
        kept: list[IncomingMessageEnvelope] = []
        for envelope in self._pending:
            if len(out) < self.max_batch and envelope.system_stream_partition not in self.paused:
                out.append(envelope)
            else:
                kept.append(envelope)
        self._pending = kept
        return out

    def poll(self, timeout_s: float) -> list[IncomingMessageEnvelope]:
        with self._cond:
            self.polls += 1
            out = self._take()
            if not out and timeout_s > 0:
                self._cond.wait(timeout_s)
                out = self._take()
            return out

    def pause(self, ssps: Iterable[SystemStreamPartition]) -> None:
        ssps = list(ssps)
        with self._cond:
            self.paused.update(ssps)
        if self.log is not None:
            self.log.append("pause", *ssps)

    def resume(self, ssps: Iterable[SystemStreamPartition]) -> None:
        ssps = list(ssps)
        with self._cond:
            self.paused.difference_update(ssps)
            self._cond.notify_all()
        if self.log is not None:
            self.log.append("resume", *ssps)


class FakeSystemProducer(SystemProducer):
    """Records ("send", system, source, stream, partition_key, key, message) and ("flush", system, source)."""

    def __init__(self, system: str, log: EventLog) -> None:
        self.system = system
        self.log = log
        self.sources: list[str] = []
        self.started = False
        self.stopped = False

    def register(self, source: str) -> None:
        self.sources.append(source)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True
        self.log.append("producer-stop", self.system)

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        self.log.append(
            "send", self.system, source, envelope.system_stream.stream, envelope.partition_key, envelope.key,
            envelope.message,
        )

    def flush(self, source: str) -> None:
        self.log.append("flush", self.system, source)


class FakeCheckpointManager(CheckpointManager):
    """Serves ``initial`` checkpoints and records ("checkpoint", task, {ssp: offset}) writes."""

    def __init__(self, log: EventLog, initial: Mapping[str, Checkpoint] | None = None) -> None:
        self.log = log
        self.checkpoints: dict[str, Checkpoint] = dict(initial or {})
        self.registered: list[str] = []
        self.started = False
        self.stopped = False

    def start(self) -> None:
        self.started = True

    def register(self, task_name: str) -> None:
        self.registered.append(task_name)

    def read_last_checkpoint(self, task_name: str) -> Checkpoint | None:
        return self.checkpoints.get(task_name)

    def write_checkpoint(self, task_name: str, checkpoint: Checkpoint) -> None:
        self.checkpoints[task_name] = checkpoint
        self.log.append("checkpoint", task_name, dict(checkpoint.offsets))

    def stop(self) -> None:
        self.stopped = True


class FakeSystemAdmin(SystemAdmin):
    """Metadata from a dict {stream: {partition: metadata}}; integer offsets, ``after(o) = o + 1``."""

    def __init__(self, system: str = "fake",
                 metadata: Mapping[str, Mapping[int, SystemStreamPartitionMetadata]] | None = None) -> None:
        self.system = system
        self.metadata = {stream: dict(parts) for stream, parts in (metadata or {}).items()}
        self.offsets_after_calls: list[dict[SystemStreamPartition, str]] = []
        self.created: list[StreamSpec] = []

    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        return {s: SystemStreamMetadata(s, dict(self.metadata[s])) for s in streams}

    def get_offsets_after(self, offsets: Mapping[SystemStreamPartition, str]) -> dict[SystemStreamPartition, str]:
        self.offsets_after_calls.append(dict(offsets))
        return {ssp: str(int(offset) + 1) for ssp, offset in offsets.items()}

    def create_stream(self, spec: StreamSpec) -> bool:
        self.created.append(spec)
        return True

    def offset_comparator(self, a: str, b: str) -> int:
        return (int(a) > int(b)) - (int(a) < int(b))


def partition_metadata(oldest: int | None, upcoming: int) -> SystemStreamPartitionMetadata:
    """Kafka-style metadata: ``oldest`` None or equal to ``upcoming`` means an empty partition."""
    empty = oldest is None or oldest >= upcoming
    return SystemStreamPartitionMetadata(
        None if oldest is None else str(oldest), None if empty else str(upcoming - 1), str(upcoming)
    )


class FakeWorld:
    """What the config-instantiated ``FakeSystemFactory``/``FakeCheckpointManagerFactory`` hand out."""

    def __init__(self) -> None:
        self.log = EventLog()
        self.consumers: dict[str, FakeSystemConsumer] = {}
        self.producers: dict[str, FakeSystemProducer] = {}
        self.admins: dict[str, FakeSystemAdmin] = {}
        self.checkpoints = FakeCheckpointManager(self.log)

    def consumer(self, system: str) -> FakeSystemConsumer:
        return self.consumers.setdefault(system, FakeSystemConsumer(system, log=self.log))

    def admin(self, system: str) -> FakeSystemAdmin:
        return self.admins.setdefault(system, FakeSystemAdmin(system))


class FakeSystemFactory(SystemFactory):
    """Named by ``systems.<s>.samza.factory = tests.fakes.FakeSystemFactory``; serves ``FakeSystemFactory.world``."""

    world: FakeWorld = FakeWorld()

    def get_consumer(self, system_name: str, config: Config, registry: MetricsRegistry) -> SystemConsumer:
        return self.world.consumer(system_name)

    def get_producer(self, system_name: str, config: Config, registry: MetricsRegistry) -> SystemProducer:
        return self.world.producers.setdefault(system_name, FakeSystemProducer(system_name, self.world.log))

    def get_admin(self, system_name: str, config: Config) -> SystemAdmin:
        return self.world.admin(system_name)


class FakeCheckpointManagerFactory(CheckpointManagerFactory):
    def get_checkpoint_manager(self, config: Config, metrics_registry: MetricsRegistry) -> CheckpointManager:
        return FakeSystemFactory.world.checkpoints


# --- builders: container parts wired to the fakes ------------------------------------------------------------


def make_task(
    name: str,
    task: object,
    ssps: Iterable[SystemStreamPartition],
    log: EventLog,
    *,
    producers: Mapping[str, SystemProducer] | None = None,
    checkpoints: CheckpointManager | None = None,
    checkpointed: Checkpoint | None = None,
    ignored: Iterable[str] = (),
    config: Mapping[str, str] | None = None,
    storage: TaskStorageManager | None = None,
    flush_producers: Callable[[], None] | None = None,
) -> TaskInstance:
    """A TaskInstance whose commit flushes every producer (source "commit", as the container does); tasks
    of one container share ``producers`` and ``flush_producers``."""
    cfg = Config(config or {})
    producer_map = dict(producers if producers is not None else {"fake": FakeSystemProducer("fake", log)})
    registry = MetricsRegistryMap(f"TaskName-{name}")
    sends = registry.new_counter("org.apache.samza.container.TaskInstanceMetrics", "send-calls")
    collector = TaskInstanceCollector(producer_map, SerdeManager(cfg), name, sends)
    owned = frozenset(ssps)
    context = TaskContextImpl(name, owned, cfg, registry, {})

    def flush() -> None:
        for producer in producer_map.values():
            producer.flush("commit")

    return TaskInstance(
        name, task, owned, collector, context, registry, flush_producers or flush, checkpoints, checkpointed,
        exception_matcher(ignored), storage,
    )


def make_consumers(
    consumers: Mapping[str, SystemConsumer],
    *,
    config: Mapping[str, str] | None = None,
    batch_size: int = 1,
    poll_interval_ms: int = 0,
    fetch_threshold: int = 50000,
    drop_deserialization_errors: bool = False,
    registry: MetricsRegistryMap | None = None,
) -> SystemConsumers:
    return SystemConsumers(
        dict(consumers),
        SerdeManager(Config(config or {})),
        RoundRobinChooser(batch_size),
        registry if registry is not None else MetricsRegistryMap("container"),
        poll_interval_ms=poll_interval_ms,
        fetch_threshold=fetch_threshold,
        drop_deserialization_errors=drop_deserialization_errors,
    )


def make_run_loop(
    tasks: Iterable[TaskInstance],
    consumer: FakeSystemConsumer,
    *,
    window_ms: int = -1,
    commit_ms: int = -1,
    poll_interval_ms: int = 5,
    starts: Mapping[SystemStreamPartition, str] | None = None,
    skip_below: Mapping[tuple[str, SystemStreamPartition], int] | None = None,
    lease: Lease | None = None,
) -> RunLoop:
    """A started RunLoop over ``tasks`` reading every task SSP from ``consumer`` (registered at ``starts`` or 0)."""
    by_name = {task.task_name: task for task in tasks}
    consumers = make_consumers({consumer.system: consumer}, poll_interval_ms=poll_interval_ms)
    for ssp in sorted({ssp for task in by_name.values() for ssp in task.ssps}):
        consumers.register(ssp, (starts or {}).get(ssp, "0"))
    consumers.start()
    settings = LoopSettings(window_ms, commit_ms, poll_interval_ms, skip_below or {}, lease=lease)
    return RunLoop(by_name, consumers, MetricsRegistryMap("container"), settings)
