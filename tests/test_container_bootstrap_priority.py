"""Bootstrap streams and priority tiers: which SSP the container's chooser hands out, and when."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from samza_py.api import (
    END_OF_STREAM_OFFSET,
    IncomingMessageEnvelope,
    MessageCollector,
    SystemStreamPartition,
    TaskCoordinator,
)
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.container.bootstrapping import GROUP as BOOTSTRAP_GROUP
from samza_py.container.bootstrapping import BootstrappingSystemConsumers
from samza_py.container.chooser import RoundRobinChooser
from samza_py.container.chooser_setup import build_chooser
from samza_py.container.samza_container import SamzaContainer
from samza_py.container.tiered_chooser import TieredPriorityChooser
from samza_py.job.model import ContainerModel, TaskModel
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from tests.fakes import FakeSystemConsumer, FakeSystemFactory, FakeWorld, eos, partition_metadata, raw

T0 = SystemStreamPartition.of("fake", "table", 0)
T1 = SystemStreamPartition.of("fake", "table", 1)
E0 = SystemStreamPartition.of("fake", "events", 0)
E1 = SystemStreamPartition.of("fake", "events", 1)
HI = SystemStreamPartition.of("fake", "high", 0)
LO = SystemStreamPartition.of("fake", "low", 0)


def consumers_for(chooser: Any, consumer: FakeSystemConsumer, bootstrapping: Any,
                  starts: dict[SystemStreamPartition, str]) -> BootstrappingSystemConsumers:
    consumers = BootstrappingSystemConsumers({"fake": consumer}, SerdeManager(Config({})), chooser,
                                             MetricsRegistryMap("c"), poll_interval_ms=0)
    consumers.bootstrap(bootstrapping)
    for ssp, offset in starts.items():
        consumers.register(ssp, offset)
    consumers.start()
    return consumers


def take_all(consumers: Any, limit: int = 256) -> list[tuple[str, int, str]]:
    """Drains the buffers run by run, as the run loop does; (stream, partition, offset) in handout order."""
    out = []
    while True:
        run = consumers.choose_run(limit, 0.01)
        if run is None:
            return out
        ssp, buffer, n = run
        for _ in range(n):
            envelope = buffer.popleft()
            out.append((ssp.stream, ssp.partition_id, envelope.offset))
        consumers.ran(ssp, n)


def test_a_tasks_other_inputs_wait_until_each_bootstrap_partition_reached_its_start_time_end() -> None:
    config = Config({"systems.fake.streams.table.samza.bootstrap": "true"})
    tasks = {"P0": frozenset({T0, E0}), "P1": frozenset({T1, E1})}
    metadata = {T0: partition_metadata(0, 3), T1: partition_metadata(0, 2),
                E0: partition_metadata(0, 9), E1: partition_metadata(0, 9)}
    starts = {T0: "0", T1: "0", E0: "0", E1: "0"}
    registry = MetricsRegistryMap("c")
    chooser, bootstrapping = build_chooser(config, tasks, metadata, starts, registry)
    assert bootstrapping is not None
    consumer = FakeSystemConsumer()
    consumers = consumers_for(chooser, consumer, bootstrapping, starts)
    # Events arrive first and table partition 1 only later: nothing of P1's events before T1 is read.
    consumer.add(raw(E0, 0, b"e"), raw(E1, 0, b"e"), raw(T0, 0, b"t"), raw(T0, 1, b"t"))
    assert take_all(consumers) == [("table", 0, "0"), ("table", 0, "1")]
    assert registry.snapshot()[BOOTSTRAP_GROUP]["fake-table-lagging-partitions"] == 2
    consumer.add(raw(T0, 2, b"t"), raw(T0, 3, b"t-new"))
    out = take_all(consumers)
    # T0 reached offset 2 (newest at start): P0's events are released; P1 still waits for T1.
    assert out[:1] == [("table", 0, "2")]
    assert ("events", 0, "0") in out and ("events", 1, "0") not in out
    assert registry.snapshot()[BOOTSTRAP_GROUP]["fake-table-lagging-partitions"] == 1
    consumer.add(raw(T1, 0, b"t"), raw(T1, 1, b"t"))
    assert take_all(consumers) == [("table", 1, "0"), ("table", 1, "1"), ("events", 1, "0")]
    assert registry.snapshot()[BOOTSTRAP_GROUP]["lagging-batch-streams"] == 0


def test_bootstrap_partitions_already_at_their_end_hold_nothing_back() -> None:
    config = Config({"streams.tbl.samza.system": "fake", "streams.tbl.samza.physical.name": "table",
                     "streams.tbl.samza.bootstrap": "true"})
    tasks = {"P0": frozenset({T0, E0})}
    metadata = {T0: partition_metadata(0, 5), E0: partition_metadata(0, 9)}
    # Started past the newest offset (checkpointed): nothing to bootstrap; an empty partition neither.
    _, bootstrapping = build_chooser(config, tasks, metadata, {T0: "5", E0: "0"}, MetricsRegistryMap("c"))
    assert bootstrapping is None
    _, bootstrapping = build_chooser(config, tasks, {T0: partition_metadata(None, 0), E0: metadata[E0]},
                                     {T0: "0", E0: "0"}, MetricsRegistryMap("c"))
    assert bootstrapping is None


def test_end_of_stream_or_a_consumer_position_past_the_target_ends_a_bootstrap() -> None:
    config = Config({"systems.fake.streams.table.samza.bootstrap": "true"})
    tasks = {"P0": frozenset({T0, T1, E0})}
    metadata = {T0: partition_metadata(0, 3), T1: partition_metadata(0, 10), E0: partition_metadata(0, 9)}
    starts = {T0: "0", T1: "0", E0: "0"}
    chooser, bootstrapping = build_chooser(config, tasks, metadata, starts, MetricsRegistryMap("c"))
    consumer = FakeSystemConsumer()
    positions = {T1: 0}
    consumer.position = lambda ssp: positions.get(ssp)  # type: ignore[attr-defined]
    consumers = consumers_for(chooser, consumer, bootstrapping, starts)
    consumer.add(raw(E0, 0, b"e"), raw(T0, 0, b"t"), eos(T0), raw(T1, 8, b"t"))
    assert sorted(take_all(consumers)) == sorted([("table", 0, "0"), ("table", 0, END_OF_STREAM_OFFSET),
                                                  ("table", 1, "8")])
    # Offset 9 of T1 is a transaction marker, never delivered; the consumer's position says it is passed.
    positions[T1] = 10
    assert take_all(consumers) == [("events", 0, "0")]


def test_higher_priority_is_chosen_while_it_has_messages_and_equal_priorities_take_turns() -> None:
    tiers = [(5, RoundRobinChooser()), (-1, RoundRobinChooser())]
    other = SystemStreamPartition.of("fake", "other", 0)
    chooser = TieredPriorityChooser(tiers, {HI: 5, other: 5, LO: -1}, -1)
    for ssp in (LO, HI, other):
        chooser.offer(ssp)
    picked = []
    for _ in range(4):
        ssp = chooser.choose()
        assert ssp is not None
        picked.append(ssp)
        if len([p for p in picked if p == ssp]) == 2:
            chooser.exhausted(ssp)
    assert picked == [HI, other, HI, other]
    assert chooser.choose() == LO


def test_priorities_come_from_config_and_bootstrap_streams_rank_above_them() -> None:
    config = Config({"systems.fake.streams.high.samza.priority": "3",
                     "systems.fake.streams.table.samza.bootstrap": "true"})
    tasks = {"P0": frozenset({HI, LO, T0})}
    metadata = {HI: partition_metadata(0, 9), LO: partition_metadata(0, 9), T0: partition_metadata(None, 0)}
    chooser, bootstrapping = build_chooser(config, tasks, metadata, {HI: "0", LO: "0", T0: "0"},
                                           MetricsRegistryMap("c"))
    assert bootstrapping is None and isinstance(chooser, TieredPriorityChooser)
    for ssp in (LO, HI, T0):
        chooser.offer(ssp)
    assert [chooser.choose(), chooser.exhausted(T0), chooser.choose(), chooser.exhausted(HI), chooser.choose()] \
        == [T0, None, HI, None, LO]


def test_without_priorities_nor_bootstrap_the_factory_chooser_is_used_as_is() -> None:
    chooser, bootstrapping = build_chooser(Config({}), {"P0": frozenset({HI, LO})}, {}, {},
                                           MetricsRegistryMap("c"))
    assert type(chooser) is RoundRobinChooser and bootstrapping is None


class LastFirstChooser(RoundRobinChooser):
    """A user chooser: newest offered SSP first."""

    def offer(self, ssp: SystemStreamPartition) -> None:
        super().offer(ssp)
        if ssp in self._queued:
            self._ready.remove(ssp)
            self._ready.appendleft(ssp)


class LastFirstChooserFactory:
    made: ClassVar[int] = 0

    def get_chooser(self, config: Config) -> LastFirstChooser:
        LastFirstChooserFactory.made += 1
        return LastFirstChooser()


class NotAChooserFactory:
    def get_chooser(self, config: Config) -> object:
        return object()


def test_task_chooser_class_takes_a_user_factory_once_per_tier() -> None:
    LastFirstChooserFactory.made = 0
    config = Config({"task.chooser.class": f"{__name__}.LastFirstChooserFactory",
                     "systems.fake.streams.high.samza.priority": "1"})
    chooser, _ = build_chooser(config, {"P0": frozenset({HI, LO})}, {}, {}, MetricsRegistryMap("c"))
    assert LastFirstChooserFactory.made == 2
    chooser.offer(LO)
    assert chooser.choose() == LO
    plain, _ = build_chooser(Config({"task.chooser.class": f"{__name__}.LastFirstChooserFactory"}),
                             {"P0": frozenset({HI, LO})}, {}, {}, MetricsRegistryMap("c"))
    plain.offer(HI)
    plain.offer(LO)
    assert plain.choose() == LO
    with pytest.raises(ConfigException, match="task.chooser.class"):
        build_chooser(Config({"task.chooser.class": f"{__name__}.NotAChooserFactory"}),
                      {"P0": frozenset({HI})}, {}, {}, MetricsRegistryMap("c"))


class TableJoin:
    """Records ("table", key) / ("event", matched?) per message."""

    seen: ClassVar[list[tuple[str, Any]]] = []
    table: ClassVar[set[str]] = set()

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        if envelope.system_stream_partition.stream == "table":
            self.table.add(envelope.message)
            self.seen.append(("table", envelope.message))
        else:
            self.seen.append(("event", envelope.message in self.table))
            if len([s for s in self.seen if s[0] == "event"]) == 3:
                coordinator.shutdown()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> FakeWorld:
    fresh = FakeWorld()
    monkeypatch.setattr(FakeSystemFactory, "world", fresh)
    monkeypatch.setattr(TableJoin, "seen", [])
    monkeypatch.setattr(TableJoin, "table", set())
    return fresh


def test_the_container_reads_a_reset_bootstrap_stream_in_full_before_events(world: FakeWorld) -> None:
    world.admin("fake").metadata = {"table": {0: partition_metadata(0, 3)}, "events": {0: partition_metadata(0, 3)}}
    from samza_py.checkpoint.checkpoint import Checkpoint
    world.checkpoints.checkpoints = {"P0": Checkpoint({T0: "2", E0: "0"})}
    config = Config({
        "job.name": "j", "task.class": f"{__name__}.TableJoin", "task.inputs": "fake.table,fake.events",
        "task.checkpoint.factory": "tests.fakes.FakeCheckpointManagerFactory", "task.commit.ms": "-1",
        "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory", "systems.fake.samza.msg.serde": "string",
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "systems.fake.streams.table.samza.bootstrap": "true",
        "systems.fake.streams.table.samza.reset.offset": "true",
        "systems.fake.streams.table.samza.offset.default": "oldest",
    })
    consumer = world.consumer("fake")
    consumer.add(raw(E0, 1, b"k1"), raw(E0, 2, b"k2"), raw(T0, 0, b"k1"), raw(T0, 1, b"k2"),
                 raw(T0, 2, b"k3"), raw(E0, 3, b"k3"))
    SamzaContainer(Config(config), ContainerModel("0", {"P0": TaskModel("P0", frozenset({T0, E0}), 0)})).run()
    assert consumer.registered == {T0: "0", E0: "1"}  # the table from its oldest offset despite its checkpoint
    assert TableJoin.seen == [("table", "k1"), ("table", "k2"), ("table", "k3"),
                              ("event", True), ("event", True), ("event", True)]
