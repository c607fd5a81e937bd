"""RunLoop: coordinator requests, shutdown votes, windows and timer commits, end-of-stream, broadcast inputs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from samza_py.api import (
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    RequestScope,
    SystemStream,
    SystemStreamPartition,
    TaskCoordinator,
)
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.container.run_loop import RunLoop
from samza_py.container.task_instance import TaskInstance
from tests.fakes import (
    EventLog,
    FakeCheckpointManager,
    FakeSystemConsumer,
    FakeSystemProducer,
    eos,
    make_run_loop,
    make_task,
    raw,
)

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "b", 0)
C = SystemStreamPartition.of("fake", "c", 0)
X = SystemStreamPartition.of("fake", "broadcast", 0)
OUT = SystemStream("fake", "out")
ALL = RequestScope.ALL_TASKS_IN_CONTAINER

Action = Callable[[TaskCoordinator], None]


class Recorder:
    """Appends (task, stream, offset) to a shared list; runs the action scripted for (stream, offset)."""

    def __init__(self, name: str, seen: list[tuple[str, str, str]], actions: dict[tuple[str, str], Action] | None = None
                 ) -> None:
        self.name = name
        self.seen = seen
        self.actions = actions or {}

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        ssp = envelope.system_stream_partition
        self.seen.append((self.name, ssp.stream, envelope.offset))
        action = self.actions.get((ssp.stream, envelope.offset))
        if action is not None:
            action(coordinator)


def commit(scope: RequestScope = RequestScope.CURRENT_TASK) -> Action:
    return lambda coordinator: coordinator.commit(scope)


def shutdown(scope: RequestScope = RequestScope.CURRENT_TASK) -> Action:
    return lambda coordinator: coordinator.shutdown(scope)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.002)


def run_in_thread(loop: RunLoop) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            loop.run()
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, errors


def stop(loop: RunLoop, thread: threading.Thread, errors: list[BaseException]) -> None:
    loop.request_stop()
    thread.join(5.0)
    assert not thread.is_alive()
    assert errors == []


def two_tasks(
    log: EventLog,
    seen: list[tuple[str, str, str]],
    t0: dict[tuple[str, str], Action],
    t1: dict[tuple[str, str], Action],
) -> tuple[TaskInstance, TaskInstance]:
    checkpoints = FakeCheckpointManager(log)
    producer = FakeSystemProducer("fake", log)  # one container: its tasks share its producers

    def flush() -> None:
        producer.flush("commit")

    shared: dict[str, Any] = {"producers": {"fake": producer}, "checkpoints": checkpoints, "flush_producers": flush}
    return (
        make_task("T0", Recorder("T0", seen, t0), [A], log, **shared),
        make_task("T1", Recorder("T1", seen, t1), [B], log, **shared),
    )


def test_commit_current_task_commits_only_that_task() -> None:
    log, seen = EventLog(), []
    t0, t1 = two_tasks(log, seen, {("a", "1"): commit()}, {("b", "1"): shutdown(ALL)})
    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(B, 0, b""), raw(A, 1, b""), raw(B, 1, b""), raw(A, 2, b""))
    loop = make_run_loop([t0, t1], consumer)
    loop.run()
    assert seen == [("T0", "a", "0"), ("T1", "b", "0"), ("T0", "a", "1"), ("T1", "b", "1")]
    assert log.events == [("flush", "fake", "commit"), ("checkpoint", "T0", {A: "1"})]
    assert loop.commit_calls.count == 1


def test_commit_all_tasks_commits_every_task_in_the_container() -> None:
    log, seen = EventLog(), []
    t0, t1 = two_tasks(log, seen, {("a", "1"): commit(ALL)}, {("b", "1"): shutdown(ALL)})
    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(B, 0, b""), raw(A, 1, b""), raw(B, 1, b""))
    loop = make_run_loop([t0, t1], consumer)
    loop.run()
    assert log.events == [
        ("flush", "fake", "commit"),  # once for the container's tasks
        ("checkpoint", "T0", {A: "1"}),
        ("checkpoint", "T1", {B: "0"}),  # T1 has processed b:0 only when T0 asks at a:1
    ]
    assert loop.commit_calls.count == 2


def test_commit_and_shutdown_together_checkpoint_before_stopping() -> None:
    log, seen = EventLog(), []

    def both(coordinator: TaskCoordinator) -> None:
        coordinator.commit()
        coordinator.shutdown(ALL)

    t0, t1 = two_tasks(log, seen, {("a", "0"): both}, {})
    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(B, 0, b""))
    make_run_loop([t0, t1], consumer).run()
    assert seen == [("T0", "a", "0")]
    assert log.of("checkpoint") == [("checkpoint", "T0", {A: "0"})]


def test_shutdown_current_task_needs_every_tasks_vote() -> None:
    log, seen = EventLog(), []
    t0, t1 = two_tasks(log, seen, {("a", "0"): shutdown()}, {("b", "1"): shutdown()})
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(4)), *(raw(B, i, b"") for i in range(4)))
    loop = make_run_loop([t0, t1], consumer)
    loop.run()
    # T0 voted at a:0 but the loop kept going (T0 included) until T1 voted at b:1.
    assert seen == [("T0", "a", "0"), ("T1", "b", "0"), ("T0", "a", "1"), ("T1", "b", "1")]
    assert t0.shutdown_voted and t1.shutdown_voted
    assert loop.stopping
    # No implicit checkpoint when the loop stops.
    assert log.of("checkpoint") == []


def test_a_repeated_vote_from_the_same_task_is_not_unanimity() -> None:
    log, seen = EventLog(), []
    t0, t1 = two_tasks(log, seen, {("a", "0"): shutdown(), ("a", "1"): shutdown()}, {("b", "2"): shutdown()})
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(4)), *(raw(B, i, b"") for i in range(4)))
    make_run_loop([t0, t1], consumer).run()
    assert seen[-1] == ("T1", "b", "2")
    assert len(seen) == 6


def test_shutdown_all_tasks_stops_right_after_the_current_message() -> None:
    log, seen = EventLog(), []
    t0, t1 = two_tasks(log, seen, {("a", "0"): shutdown(ALL)}, {})
    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(B, 0, b""), raw(A, 1, b""))
    loop = make_run_loop([t0, t1], consumer)
    loop.run()
    assert seen == [("T0", "a", "0")]
    assert not t1.shutdown_voted
    assert t0.last_processed == {A: "0"}
    assert loop.process_envelopes.count == 1


def test_request_stop_ends_an_idle_loop() -> None:
    seen: list[tuple[str, str, str]] = []
    task = make_task("T0", Recorder("T0", seen), [A], EventLog())
    consumer = FakeSystemConsumer()
    loop = make_run_loop([task], consumer)
    thread, errors = run_in_thread(loop)
    consumer.add(raw(A, 0, b""), raw(A, 1, b""))
    wait_until(lambda: len(seen) == 2)
    stop(loop, thread, errors)
    assert seen == [("T0", "a", "0"), ("T0", "a", "1")]
    assert loop.process_null.count >= 1


class Windowed(Recorder):
    def __init__(self, name: str, seen: list[tuple[str, str, str]]) -> None:
        super().__init__(name, seen)
        self.windows: list[float] = []

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.windows.append(time.monotonic())
        collector.send(OutgoingMessageEnvelope(OUT, str(len(self.windows)).encode()))


def test_window_runs_every_window_ms_even_without_messages() -> None:
    log, seen = EventLog(), []
    windowed = Windowed("T0", seen)
    plain = Recorder("T1", seen)
    t0 = make_task("T0", windowed, [A], log)
    t1 = make_task("T1", plain, [B], log)
    assert t0.is_windowable and not t1.is_windowable
    loop = make_run_loop([t0, t1], FakeSystemConsumer(), window_ms=20)
    started = time.monotonic()
    thread, errors = run_in_thread(loop)
    wait_until(lambda: len(windowed.windows) >= 3)
    stop(loop, thread, errors)
    calls = list(windowed.windows)
    assert calls[0] >= started + 0.020
    assert loop.window_calls.count == len(calls) == t0.window_calls.count
    assert t1.window_calls.count == 0
    assert seen == []
    # What window sends goes through the task's collector.
    assert [e[6] for e in log.of("send")] == [str(i).encode() for i in range(1, len(calls) + 1)]


def test_window_coordinator_requests_are_honoured() -> None:
    log = EventLog()

    class CommitThenStop(Recorder):
        windows = 0

        def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
            self.windows += 1
            coordinator.commit()
            if self.windows == 2:
                coordinator.shutdown(ALL)

    seen: list[tuple[str, str, str]] = []
    task_obj = CommitThenStop("T0", seen)
    task = make_task("T0", task_obj, [A], log, checkpoints=FakeCheckpointManager(log),
                     checkpointed=Checkpoint({A: "7"}))
    loop = make_run_loop([task], FakeSystemConsumer(), window_ms=20)
    thread, errors = run_in_thread(loop)
    thread.join(5.0)
    assert not thread.is_alive() and errors == []
    assert task_obj.windows == 2
    assert seen == []
    assert log.events == [("flush", "fake", "commit"), ("checkpoint", "T0", {A: "7"})] * 2


def test_no_window_when_window_ms_is_negative() -> None:
    seen: list[tuple[str, str, str]] = []
    windowed = Windowed("T0", seen)
    windowed.actions[("a", "2")] = shutdown(ALL)
    task = make_task("T0", windowed, [A], EventLog())
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(3)))
    loop = make_run_loop([task], consumer, window_ms=-1)
    loop.run()
    assert len(seen) == 3
    assert windowed.windows == []
    assert loop.window_calls.count == 0


def test_timer_commit_checkpoints_every_task() -> None:
    log = EventLog()
    seen: list[tuple[str, str, str]] = []
    t0, t1 = two_tasks(log, seen, {}, {})
    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(B, 5, b""), raw(A, 1, b""))
    loop = make_run_loop([t0, t1], consumer, commit_ms=20)
    thread, errors = run_in_thread(loop)
    wanted = [("checkpoint", "T0", {A: "1"}), ("checkpoint", "T1", {B: "5"})]
    wait_until(lambda: all(c in log.of("checkpoint") for c in wanted))
    stop(loop, thread, errors)
    # Timer commits cover every task, in task order.
    checkpoints = log.of("checkpoint")
    assert [c[1] for c in checkpoints[-2:]] == ["T0", "T1"]
    assert checkpoints[-2:] == wanted
    # Each commit pass flushes the shared producer once, then writes every task's checkpoint.
    kinds = log.kinds()
    for i, kind in enumerate(kinds):
        if kind == "checkpoint":
            assert kinds[i - 1] == "flush" or (kinds[i - 1] == "checkpoint" and kinds[i - 2] == "flush")
    assert kinds.count("checkpoint") == 2 * kinds.count("flush")


class EndListener(Recorder):
    def __init__(self, name: str, seen: list[tuple[str, str, str]]) -> None:
        super().__init__(name, seen)
        self.ended = 0

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.ended += 1
        self.seen.append((self.name, "end-of-stream", ""))
        collector.send(OutgoingMessageEnvelope(OUT, b"done"))
        coordinator.commit()


def test_end_of_stream_notifies_once_all_ssps_ended_then_the_task_votes() -> None:
    log, seen = EventLog(), []
    listener = EndListener("T0", seen)
    t0 = make_task("T0", listener, [A, B], log, checkpoints=FakeCheckpointManager(log))
    t1 = make_task("T1", Recorder("T1", seen), [C], log)
    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), eos(A), raw(B, 0, b""), raw(C, 0, b""), eos(B), raw(C, 1, b""), eos(C))
    loop = make_run_loop([t0, t1], consumer)
    loop.run()
    assert seen == [
        ("T0", "a", "0"),
        ("T0", "b", "0"),
        ("T1", "c", "0"),
        # a ended (nothing yet), then b ended: the listener is told once.
        ("T0", "end-of-stream", ""),
        ("T1", "c", "1"),
    ]
    assert listener.ended == 1
    assert t0.shutdown_voted and t1.shutdown_voted
    assert t0.last_processed == {A: "0", B: "0"}  # end-of-stream is not an offset to checkpoint
    assert t1.last_processed == {C: "1"}
    assert log.events == [
        ("send", "fake", "T0", "out", None, None, b"done"),
        ("flush", "fake", "commit"),
        ("checkpoint", "T0", {A: "0", B: "0"}),
    ]


def test_end_of_stream_of_one_task_does_not_stop_the_others() -> None:
    log, seen = EventLog(), []
    t0 = make_task("T0", EndListener("T0", seen), [A], log)
    t1 = make_task("T1", Recorder("T1", seen, {("b", "2"): shutdown(ALL)}), [B], log)
    consumer = FakeSystemConsumer()
    consumer.add(eos(A), *(raw(B, i, b"") for i in range(4)))
    make_run_loop([t0, t1], consumer).run()
    assert seen == [("T0", "end-of-stream", ""), ("T1", "b", "0"), ("T1", "b", "1"), ("T1", "b", "2")]


def test_broadcast_ssp_is_processed_by_each_task_and_skipped_below_its_start() -> None:
    log, seen = EventLog(), []
    checkpoints = FakeCheckpointManager(log)
    t0 = make_task("T0", Recorder("T0", seen, {("broadcast", "1"): commit(ALL)}), [A, X], log,
                   checkpoints=checkpoints)
    # T1 checkpointed broadcast:2, so it starts at 3; the SSP is read once from T0's start, 0.
    t1 = make_task("T1", Recorder("T1", seen, {("broadcast", "4"): shutdown(ALL)}), [X], log,
                   checkpoints=checkpoints, checkpointed=Checkpoint({X: "2"}))
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(X, i, b"") for i in range(6)))
    loop = make_run_loop([t0, t1], consumer, skip_below={("T1", X): 3})
    assert consumer.registered == {A: "0", X: "0"}
    loop.run()
    assert seen == [
        ("T0", "broadcast", "0"),
        ("T0", "broadcast", "1"),
        ("T0", "broadcast", "2"),
        ("T0", "broadcast", "3"),
        ("T1", "broadcast", "3"),
        ("T0", "broadcast", "4"),
        ("T1", "broadcast", "4"),
    ]
    # The commit at broadcast:1 keeps T1's checkpoint: skipped offsets are not processed ones.
    assert log.of("checkpoint") == [("checkpoint", "T0", {X: "1"}), ("checkpoint", "T1", {X: "2"})]
    assert t0.last_processed == {X: "4"}
    assert t1.last_processed == {X: "4"}
    assert t1.messages_processed.count == 2
    assert loop.process_envelopes.count == 5


def test_broadcast_end_of_stream_reaches_every_task_despite_skip_below() -> None:
    seen: list[tuple[str, str, str]] = []
    t0 = make_task("T0", EndListener("T0", seen), [X], EventLog())
    t1 = make_task("T1", EndListener("T1", seen), [X], EventLog())
    consumer = FakeSystemConsumer()
    consumer.add(raw(X, 0, b""), eos(X))
    loop = make_run_loop([t0, t1], consumer, skip_below={("T1", X): 5})
    loop.run()
    assert seen == [("T0", "broadcast", "0"), ("T0", "end-of-stream", ""), ("T1", "end-of-stream", "")]
    assert t1.last_processed == {}
