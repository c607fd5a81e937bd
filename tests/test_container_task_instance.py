"""TaskInstance: commit order and contents, ignored exceptions, init/close/end-of-stream hooks."""

from __future__ import annotations

from typing import Any

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
from samza_py.container.task_instance import GROUP, TaskProcessError, exception_matcher
from tests.fakes import EventLog, FakeCheckpointManager, FakeSystemProducer, make_task

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "b", 0)
C = SystemStreamPartition.of("fake", "c", 0)
OUT = SystemStream("fake", "out")


def env(ssp: SystemStreamPartition, offset: int, message: Any = b"m") -> IncomingMessageEnvelope:
    return IncomingMessageEnvelope(ssp, str(offset), None, message)


class Echo:
    """Sends each message's offset to fake.out, keyed by the input stream."""

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        stream = envelope.system_stream_partition.stream
        collector.send(OutgoingMessageEnvelope(OUT, stream.encode(), envelope.offset.encode()))


class Raising:
    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.calls = 0

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        self.calls += 1
        raise self.error


class AppError(RuntimeError):
    pass


class SpecificAppError(AppError):
    pass


def test_commit_flushes_outputs_before_writing_the_last_processed_offsets() -> None:
    log = EventLog()
    checkpoints = FakeCheckpointManager(log)
    task = make_task(
        "Partition 0", Echo(), [A, B, C], log,
        producers={"fake": FakeSystemProducer("fake", log)},
        checkpoints=checkpoints,
        checkpointed=Checkpoint({A: "4", C: "9"}),
    )
    for envelope in (env(A, 5), env(B, 0), env(A, 6)):
        task.process(envelope)
    task.commit()
    assert log.events == [
        ("send", "fake", "Partition 0", "out", b"a", b"a", b"5"),
        ("send", "fake", "Partition 0", "out", b"b", b"b", b"0"),
        ("send", "fake", "Partition 0", "out", b"a", b"a", b"6"),
        ("flush", "fake", "commit"),
        # C was not processed in this run: its checkpointed offset is kept.
        ("checkpoint", "Partition 0", {A: "6", B: "0", C: "9"}),
    ]
    assert checkpoints.checkpoints["Partition 0"] == Checkpoint({A: "6", B: "0", C: "9"})

    log.clear()
    task.process(env(C, 10))
    task.commit()
    assert log.events == [
        ("send", "fake", "Partition 0", "out", b"c", b"c", b"10"),
        ("flush", "fake", "commit"),
        ("checkpoint", "Partition 0", {A: "6", B: "0", C: "10"}),
    ]
    assert task.commit_calls.count == 2


def test_commit_flushes_every_producer_before_the_checkpoint() -> None:
    log = EventLog()
    producers = {"fake": FakeSystemProducer("fake", log), "other": FakeSystemProducer("other", log)}
    task = make_task("t", Echo(), [A], log, producers=producers, checkpoints=FakeCheckpointManager(log))
    task.process(env(A, 0))
    task.commit()
    assert log.kinds() == ["send", "flush", "flush", "checkpoint"]
    assert {e[1] for e in log.of("flush")} == {"fake", "other"}


def test_a_null_checkpointed_offset_is_carried_over() -> None:
    log = EventLog()
    task = make_task("t", Echo(), [A, B], log, checkpoints=FakeCheckpointManager(log),
                     checkpointed=Checkpoint({B: None}))
    task.process(env(A, 3))
    task.commit()
    assert log.of("checkpoint") == [("checkpoint", "t", {A: "3", B: None})]


def test_commit_without_checkpoint_manager_only_flushes() -> None:
    log = EventLog()
    task = make_task("t", Echo(), [A], log, checkpoints=None)
    task.process(env(A, 0))
    task.commit()
    assert log.kinds() == ["send", "flush"]


def test_commit_with_nothing_processed_and_no_checkpoint_writes_no_checkpoint() -> None:
    log = EventLog()
    task = make_task("t", Echo(), [A], log, checkpoints=FakeCheckpointManager(log))
    task.commit()
    assert log.events == [("flush", "fake", "commit")]


def test_commit_with_nothing_new_rewrites_the_previous_checkpoint() -> None:
    log = EventLog()
    task = make_task("t", Echo(), [A], log, checkpoints=FakeCheckpointManager(log),
                     checkpointed=Checkpoint({A: "7"}))
    task.commit()
    assert log.events == [("flush", "fake", "commit"), ("checkpoint", "t", {A: "7"})]


def test_a_failing_flush_writes_no_checkpoint() -> None:
    log = EventLog()

    class FailingProducer(FakeSystemProducer):
        def flush(self, source: str) -> None:
            raise OSError("broker gone")

    task = make_task("t", Echo(), [A], log, producers={"fake": FailingProducer("fake", log)},
                     checkpoints=FakeCheckpointManager(log))
    task.process(env(A, 0))
    with pytest.raises(OSError, match="broker gone"):
        task.commit()
    assert log.of("checkpoint") == []


def test_process_counts_and_tracks_the_last_processed_offset() -> None:
    log = EventLog()
    task = make_task("t", Echo(), [A, B], log)
    coordinator = task.process(env(A, 2))
    assert not coordinator.commit_requested and not coordinator.shutdown_requested
    task.process(env(B, 8))
    task.process(env(A, 3))
    assert task.last_processed == {A: "3", B: "8"}
    assert task.process_calls.count == 3
    assert task.messages_processed.count == 3


@pytest.mark.parametrize(
    ("ignored", "error"),
    [
        (["ValueError"], ValueError("bad")),
        (["builtins.ValueError"], ValueError("bad")),
        ([f"{AppError.__module__}.AppError"], AppError("bad")),
        (["AppError"], SpecificAppError("bad")),  # a base class by simple name
        ([f"{AppError.__module__}.AppError"], SpecificAppError("bad")),  # a base class by qualified name
        (["LookupError"], KeyError("k")),
        (["Exception"], ZeroDivisionError("x")),
        (["*"], RuntimeError("anything")),
        (["KeyError", "ValueError"], ValueError("second of two")),
    ],
)
def test_ignored_exceptions_continue_and_count(ignored: list[str], error: Exception) -> None:
    log = EventLog()
    checkpoints = FakeCheckpointManager(log)
    task = make_task("t", Raising(error), [A], log, checkpoints=checkpoints, ignored=ignored)
    task.process(env(A, 4))
    task.process(env(A, 5))
    assert task.ignored_exceptions.count == 2
    assert task.messages_processed.count == 2
    # An ignored failure counts as processed: the offset moves on.
    assert task.last_processed == {A: "5"}
    task.commit()
    assert log.of("checkpoint") == [("checkpoint", "t", {A: "5"})]


@pytest.mark.parametrize(
    ("ignored", "error"),
    [
        ([], ValueError("bad")),
        (["ValueError"], KeyError("k")),
        (["SpecificAppError"], AppError("a base is not its subclass")),
        (["KeyError"], LookupError("a subclass does not match its base")),
        (["valueerror"], ValueError("names are case-sensitive")),
        (["ValueErr"], ValueError("no prefixes")),
    ],
)
def test_other_exceptions_raise_task_process_error(ignored: list[str], error: Exception) -> None:
    log = EventLog()
    task = make_task("Partition 3", Raising(error), [A], log, ignored=ignored)
    with pytest.raises(TaskProcessError) as info:
        task.process(env(A, 12))
    failure = info.value
    assert (failure.task_name, failure.ssp, failure.offset) == ("Partition 3", A, "12")
    message = str(failure)
    assert "'Partition 3'" in message
    assert "offset 12" in message
    assert "SystemStreamPartition [fake, a, 0]" in message
    assert failure.__cause__ is error
    assert task.last_processed == {}
    assert task.messages_processed.count == 0
    assert task.ignored_exceptions.count == 0
    assert task.process_calls.count == 1


def test_ignored_exception_counter_is_in_the_task_registry() -> None:
    log = EventLog()
    task = make_task("t", Raising(ValueError()), [A], log, ignored=["*"])
    task.process(env(A, 0))
    registry = task.context.metrics_registry
    assert registry.new_counter(GROUP, "ignored-exceptions").count == 1
    assert registry.new_counter(GROUP, "messages-actually-processed").count == 1


def test_star_does_not_swallow_base_exceptions() -> None:
    matches = exception_matcher(["*"])
    assert matches(ValueError())
    assert not matches(KeyboardInterrupt())
    log = EventLog()
    task = make_task("t", Raising(KeyboardInterrupt()), [A], log, ignored=["*"])
    with pytest.raises(KeyboardInterrupt):
        task.process(env(A, 0))


def test_exception_matcher_ignores_blank_names() -> None:
    assert not exception_matcher(["", "  "])(ValueError())
    assert exception_matcher([" ValueError "])(ValueError())


def test_init_gets_the_context_and_closes_set_starting_offset() -> None:
    calls: list[Any] = []

    class Initable:
        def init(self, context: TaskContext) -> None:
            calls.append(context.task_name)
            context.set_starting_offset(A, "100")

        def process(self, *args: Any) -> None:
            pass

        def close(self) -> None:
            calls.append("close")

    task = make_task("t", Initable(), [A], EventLog())
    assert not task.context.initialised
    task.init()
    assert calls == ["t"]
    assert task.context.starting_offset_overrides == {A: "100"}
    with pytest.raises(RuntimeError, match="only be called in init"):
        task.context.set_starting_offset(A, "5")
    task.close()
    assert calls == ["t", "close"]


def test_task_without_hooks_is_fine() -> None:
    task = make_task("t", Echo(), [A], EventLog())
    task.init()
    task.close()
    assert task.context.initialised
    assert not task.is_windowable


def test_each_call_starts_with_a_coordinator_without_requests() -> None:
    log = EventLog()

    class Windowed(Echo):
        windows = 0

        def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
            self.windows += 1
            collector.send(OutgoingMessageEnvelope(OUT, b"w"))
            if self.windows == 1:
                coordinator.commit(RequestScope.ALL_TASKS_IN_CONTAINER)
                coordinator.shutdown()

    task = make_task("t", Windowed(), [A], log)
    assert task.is_windowable
    first = task.window()
    assert first.commit_requested and first.commit_scope is RequestScope.ALL_TASKS_IN_CONTAINER
    assert first.shutdown_requested and first.shutdown_scope is RequestScope.CURRENT_TASK
    # Requests of one call never leak into the next (the coordinator may be reused once read).
    second = task.window()
    assert not second.commit_requested and not second.shutdown_requested
    assert second.commit_scope is RequestScope.CURRENT_TASK
    after_process = task.process(env(A, 0))
    assert not after_process.commit_requested and not after_process.shutdown_requested
    assert task.window_calls.count == 2
    assert log.of("send")[:2] == [("send", "fake", "t", "out", None, None, b"w")] * 2


def test_end_of_stream_waits_for_every_ssp_then_notifies_once_and_votes() -> None:
    calls: list[str] = []

    class Listener(Echo):
        def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
            calls.append("eos")
            coordinator.commit()

    task = make_task("t", Listener(), [A, B], EventLog())
    assert task.reached_end_of_stream(A) is None
    assert calls == []
    coordinator = task.reached_end_of_stream(B)
    assert coordinator is not None
    assert calls == ["eos"]
    assert coordinator.commit_requested
    assert coordinator.shutdown_requested
    assert coordinator.shutdown_scope.name == "CURRENT_TASK"


def test_end_of_stream_without_listener_still_votes_shutdown() -> None:
    task = make_task("t", Echo(), [A], EventLog())
    coordinator = task.reached_end_of_stream(A)
    assert coordinator is not None and coordinator.shutdown_requested
    assert not coordinator.commit_requested
