"""SamzaContainer wired to the in-memory fakes: start order, starting offsets, broadcast, stop and failure."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from samza_py.api import (
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    RequestScope,
    SystemStream,
    SystemStreamPartition,
    TaskContext,
    TaskCoordinator,
)
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.config.config import Config
from samza_py.container.samza_container import SamzaContainer
from samza_py.container.task_instance import TaskProcessError
from samza_py.job.model import ContainerModel, TaskModel
from tests.fakes import FakeSystemFactory, FakeWorld, partition_metadata, raw

A0 = SystemStreamPartition.of("fake", "a", 0)
A1 = SystemStreamPartition.of("fake", "a", 1)
X = SystemStreamPartition.of("fake", "x", 0)
P0, P1 = "Partition 0", "Partition 1"

CONFIG = {
    "job.name": "j",
    "task.class": "tests.test_container_samza_container.ScriptedTask",
    "task.inputs": "fake.a",
    "task.broadcast.inputs": "fake.x#0",
    "task.checkpoint.factory": "tests.fakes.FakeCheckpointManagerFactory",
    "task.commit.ms": "-1",
    "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory",
    "systems.fake.samza.offset.default": "oldest",
    "systems.fake.samza.msg.serde": "json",
}


class ScriptedTask:
    """Records every call in ``calls``; stops the container at ``stop_at``; fails at ``fail_at``."""

    calls: ClassVar[list[tuple[Any, ...]]] = []
    overrides: ClassVar[dict[str, tuple[SystemStreamPartition, str]]] = {}
    stop_at: ClassVar[tuple[str, str, str] | None] = None
    fail_at: ClassVar[tuple[str, str, str] | None] = None

    def init(self, context: TaskContext) -> None:
        self.name = context.task_name
        self.calls.append(("init", self.name))
        if self.name in self.overrides:
            context.set_starting_offset(*self.overrides[self.name])

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        ssp = envelope.system_stream_partition
        where = (self.name, f"{ssp.stream}-{ssp.partition_id}", envelope.offset)
        self.calls.append(("process", *where, envelope.message))
        if where == self.fail_at:
            raise ValueError("boom")
        collector.send(OutgoingMessageEnvelope(SystemStream("fake", "out"), {"from": list(where)}))
        if where == self.stop_at:
            coordinator.shutdown(RequestScope.ALL_TASKS_IN_CONTAINER)

    def close(self) -> None:
        self.calls.append(("close", self.name))


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> FakeWorld:
    fresh = FakeWorld()
    monkeypatch.setattr(FakeSystemFactory, "world", fresh)
    monkeypatch.setattr(ScriptedTask, "calls", [])
    monkeypatch.setattr(ScriptedTask, "overrides", {})
    monkeypatch.setattr(ScriptedTask, "stop_at", None)
    monkeypatch.setattr(ScriptedTask, "fail_at", None)
    fresh.admin("fake").metadata = {
        "a": {0: partition_metadata(0, 10), 1: partition_metadata(0, 10)},
        "x": {0: partition_metadata(0, 10)},
    }
    fresh.checkpoints.checkpoints = {P0: Checkpoint({A0: "4", X: "1"}), P1: Checkpoint({X: "5"})}
    return fresh


def container() -> SamzaContainer:
    model = ContainerModel("0", {
        P0: TaskModel(P0, frozenset({A0, X}), 0),
        P1: TaskModel(P1, frozenset({A1, X}), 1),
    })
    return SamzaContainer(Config(CONFIG), model)


def script(world: FakeWorld) -> None:
    consumer = world.consumer("fake")
    consumer.add(raw(A0, 5, b'"a5"'), raw(A0, 6, b'"a6"'), raw(A1, 0, b'"b0"'))
    consumer.add(*(raw(X, i, str(i).encode()) for i in range(2, 7)))


def test_container_resumes_from_checkpoints_reads_broadcast_once_and_commits_on_stop(world: FakeWorld) -> None:
    script(world)
    ScriptedTask.stop_at = (P1, "x-0", "6")
    container().run()

    consumer = world.consumers["fake"]
    # a-0 after its checkpoint, a-1 at oldest, x at the lower of the two tasks' starts (2 and 6).
    assert consumer.registered == {A0: "5", A1: "0", X: "2"}
    assert consumer.started and consumer.stopped
    assert ScriptedTask.calls == [
        ("init", P0),
        ("init", P1),
        ("process", P0, "a-0", "5", "a5"),
        ("process", P1, "a-1", "0", "b0"),
        ("process", P0, "x-0", "2", 2),
        ("process", P0, "a-0", "6", "a6"),
        ("process", P0, "x-0", "3", 3),
        ("process", P0, "x-0", "4", 4),
        ("process", P0, "x-0", "5", 5),
        ("process", P0, "x-0", "6", 6),
        ("process", P1, "x-0", "6", 6),  # P1 skipped x below 6: it had checkpointed 5
        ("close", P0),
        ("close", P1),
    ]
    events = world.log.events
    sends = [e for e in events if e[0] == "send"]
    assert sends[0] == ("send", "fake", P0, "out", None, None, b'{"from":["Partition 0","a-0","5"]}')
    assert len(sends) == 9
    # The graceful stop commits every task in one pass (the producer flushed once, first), then the
    # producers stop.
    assert events[len(sends):] == [
        ("flush", "fake", "commit"),
        ("checkpoint", P0, {A0: "6", X: "6"}),
        ("checkpoint", P1, {A1: "0", X: "6"}),
        ("producer-stop", "fake"),
    ]
    assert world.checkpoints.registered == [P0, P1]
    assert world.checkpoints.stopped
    assert world.producers["fake"].sources == [P0, P1]


def test_init_override_sets_where_the_consumer_starts(world: FakeWorld) -> None:
    ScriptedTask.overrides = {P1: (A1, "3")}
    world.consumer("fake").add(raw(A1, 3, b'"b3"'))
    ScriptedTask.stop_at = (P1, "a-1", "3")
    container().run()
    assert world.consumers["fake"].registered == {A0: "5", A1: "3", X: "2"}
    assert ("process", P1, "a-1", "3", "b3") in ScriptedTask.calls


def test_a_task_failure_stops_without_commit_or_close(world: FakeWorld) -> None:
    script(world)
    ScriptedTask.fail_at = (P0, "x-0", "2")
    with pytest.raises(TaskProcessError) as info:
        container().run()
    assert (info.value.task_name, info.value.ssp, info.value.offset) == (P0, X, "2")
    assert [c for c in ScriptedTask.calls if c[0] == "close"] == []
    assert world.log.of("checkpoint") == []
    assert world.log.events[-1] == ("producer-stop", "fake")
    assert world.consumers["fake"].stopped


def test_stop_requested_before_the_loop_processes_nothing(world: FakeWorld) -> None:
    script(world)
    samza = container()
    samza.request_stop()
    samza.run()
    assert [c[0] for c in ScriptedTask.calls] == ["init", "init", "close", "close"]
    # Nothing new was processed: the stop commit rewrites the checkpoints read at start.
    assert world.log.of("checkpoint") == [
        ("checkpoint", P0, {A0: "4", X: "1"}),
        ("checkpoint", P1, {X: "5"}),
    ]
