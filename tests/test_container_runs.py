"""Runs: the run loop processes buffered envelopes of one SSP in one go, keeping Samza's semantics."""

from __future__ import annotations

import time

from samza_py.api import IncomingMessageEnvelope, MessageCollector, SystemStreamPartition, TaskCoordinator
from samza_py.container.chooser import RoundRobinChooser
from samza_py.container.run_loop import FIRST_RUN, LoopSettings, RunLoop
from samza_py.container.task_instance import TaskInstance
from samza_py.metrics.registry import MetricsRegistryMap
from tests.fakes import EventLog, FakeCheckpointManager, FakeSystemConsumer, eos, make_consumers, make_task, raw
from tests.test_container_run_loop import ALL, EndListener, Recorder, commit, shutdown

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "b", 0)


def loop_over(tasks: list[TaskInstance], consumer: FakeSystemConsumer, *, batch_size: int = 1, window_ms: int = -1,
              fetch_threshold: int = 50000) -> RunLoop:
    consumers = make_consumers({consumer.system: consumer}, batch_size=batch_size, poll_interval_ms=5,
                               fetch_threshold=fetch_threshold)
    for ssp in sorted({ssp for task in tasks for ssp in task.ssps}):
        consumers.register(ssp, "0")
    consumers.start()
    return RunLoop({t.task_name: t for t in tasks}, consumers, MetricsRegistryMap("c"), LoopSettings(window_ms, -1, 5))


def test_requests_take_effect_right_after_the_asking_message_of_a_run() -> None:
    log, seen = EventLog(), []
    at_six: list[list[tuple[object, ...]]] = []
    actions = {
        ("a", "5"): commit(),
        ("a", "6"): lambda _coordinator: at_six.append(log.of("checkpoint")),
        ("a", "30"): commit(),
        ("a", "40"): shutdown(ALL),
    }
    task = make_task("T0", Recorder("T0", seen, actions), [A], log, checkpoints=FakeCheckpointManager(log))
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"v") for i in range(50)))  # one poll: all 50 buffered at once
    loop = loop_over([task], consumer)
    loop.run()
    assert [offset for _, _, offset in seen] == [str(i) for i in range(41)]
    # The commit at 5 covered 0..5 only, and came before 6 was processed.
    assert at_six == [[("checkpoint", "T0", {A: "5"})]]
    assert log.of("checkpoint") == [("checkpoint", "T0", {A: "5"}), ("checkpoint", "T0", {A: "30"})]
    assert task.last_processed == {A: "40"}
    # Counted once per run, exact: what was processed, not what was buffered.
    assert task.messages_processed.count == task.process_calls.count == 41
    assert loop.process_envelopes.count == loop.process_calls.count == 41
    assert loop.consumers.chose_object.count == 41
    assert [e.offset for e in loop.consumers._buffers[A]] == [str(i) for i in range(41, 50)]


def test_a_run_keeps_the_batch_size_across_partitions() -> None:
    for batch_size, expected in [
        (1, ["a0", "b0", "a1", "b1", "a2", "b2"]),
        (3, ["a0", "a1", "a2", "b0", "b1", "b2", "a3", "a4", "a5", "b3"]),
    ]:
        seen: list[tuple[str, str, str]] = []
        task = make_task("T0", Recorder("T0", seen), [A, B], EventLog())
        consumer = FakeSystemConsumer()
        consumer.add(*(raw(A, i, b"") for i in range(10)), *(raw(B, i, b"") for i in range(10)))
        loop = loop_over([task], consumer, batch_size=batch_size)
        while len(seen) < len(expected):
            run = loop.consumers.choose_run(FIRST_RUN, 0.0)
            assert run is not None
            ssp, buffer, n = run
            taken, _ = task.process_run(buffer, n)
            loop.consumers.ran(ssp, taken)
        assert [f"{s}{o}" for _, s, o in seen][: len(expected)] == expected, batch_size


def test_a_run_stopped_by_a_request_keeps_the_rest_of_its_batch() -> None:
    seen: list[tuple[str, str, str]] = []
    task = make_task("T0", Recorder("T0", seen, {("a", "1"): commit()}), [A, B], EventLog())
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(6)), *(raw(B, i, b"") for i in range(6)))
    loop = loop_over([task], consumer, batch_size=4)
    for _ in range(3):
        run = loop.consumers.choose_run(FIRST_RUN, 0.0)
        assert run is not None
        ssp, buffer, n = run
        taken, _ = task.process_run(buffer, n)
        loop.consumers.ran(ssp, taken)
    # a0 a1 (commit: the run stops), then a2 a3 finish a's batch of 4 before b's turn.
    assert [f"{s}{o}" for _, s, o in seen] == ["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"]


def test_end_of_stream_after_a_run_of_messages() -> None:
    log, seen = EventLog(), []
    listener = EndListener("T0", seen)
    task = make_task("T0", listener, [A], log, checkpoints=FakeCheckpointManager(log))
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(5)), eos(A))
    loop = loop_over([task], consumer)
    loop.run()  # the only task voted to shut down at end-of-stream
    assert seen == [("T0", "a", str(i)) for i in range(5)] + [("T0", "end-of-stream", "")]
    assert listener.ended == 1
    assert log.of("checkpoint") == [("checkpoint", "T0", {A: "4"})]
    assert loop.process_envelopes.count == 6 and task.messages_processed.count == 5


class Failing(Recorder):
    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        super().process(envelope, collector, coordinator)
        if envelope.offset == "3":
            raise KeyError("ignored")
        if envelope.offset == "6":
            raise ValueError("fatal")


def test_an_ignored_exception_continues_the_run_and_a_fatal_one_counts_only_what_was_processed() -> None:
    seen: list[tuple[str, str, str]] = []
    task = make_task("T0", Failing("T0", seen), [A], EventLog(), ignored=["KeyError"])
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(10)))
    loop = loop_over([task], consumer)
    try:
        loop.run()
        raise AssertionError("the fatal exception must end the loop")
    except Exception as exc:
        assert "offset 6" in str(exc)
    assert [o for _, _, o in seen] == ["0", "1", "2", "3", "4", "5", "6"]
    assert task.ignored_exceptions.count == 1
    assert task.last_processed == {A: "5"}
    assert task.messages_processed.count == 6 and task.process_calls.count == 7


class Slow(Recorder):
    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        super().process(envelope, collector, coordinator)
        time.sleep(0.002)  # a task that takes its time (not a synchronisation)
        if envelope.offset == "119":
            coordinator.shutdown(ALL)

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.seen.append((self.name, "window", ""))


def test_a_slow_task_gets_its_windows_between_short_runs() -> None:
    seen: list[tuple[str, str, str]] = []
    task = make_task("T0", Slow("T0", seen), [A], EventLog())
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(120)))
    loop = loop_over([task], consumer, window_ms=10)
    loop.run()
    # 120 buffered messages of >= 2 ms each: without shorter runs the first window would wait for 16
    # messages, then 32, 64 as runs grew; with them, never more than the first run.
    gaps, gap = [], 0
    for _, kind, _ in seen:
        if kind == "window":
            gaps.append(gap)
            gap = 0
        else:
            gap += 1
    assert len(gaps) >= 5
    assert max(gaps[1:]) <= FIRST_RUN // 2, gaps


def test_bulk_fill_pauses_a_full_buffer_and_resumes_it_half_drained() -> None:
    log = EventLog()
    consumer = FakeSystemConsumer(log=log)
    consumers = make_consumers({"fake": consumer}, fetch_threshold=10)
    consumers.register(A, "0")
    consumers.start()
    sent = [raw(A, i, b"v") for i in range(25)]
    consumer.add(*sent)
    run = consumers.choose_run(FIRST_RUN, 0.0)
    assert run is not None
    ssp, buffer, n = run
    assert list(buffer) == sent and buffer[0] is sent[0]  # the consumer's run, buffered as it came
    assert log.events == [("pause", A)] and n == FIRST_RUN
    for _ in range(n):
        buffer.popleft()
    consumers.ran(ssp, n)
    assert log.events == [("pause", A)]  # 9 left: not yet half of the limit of 10
    run = consumers.choose_run(FIRST_RUN, 0.0)
    assert run is not None and run[2] == 9
    for _ in range(4):
        buffer.popleft()
    consumers.ran(A, 4)
    assert log.events == [("pause", A), ("resume", A)]
    assert consumers.chose_object.count == FIRST_RUN + 4


def test_chooser_runs_are_the_rest_of_the_batch_or_the_limit_when_alone() -> None:
    chooser = RoundRobinChooser(batch_size=3)
    chooser.offer(A)
    assert chooser.choose_run(100) == (A, 100)  # alone: nobody to take turns with
    chooser.offer(B)
    assert chooser.choose_run(100) == (A, 2)  # what is left of A's batch of 3
    assert chooser.choose_run(2) == (B, 2)  # B's batch, capped by the limit
    chooser.give_back(B, 1)  # the run stopped after one message: B keeps its turn
    assert chooser.choose_run(100) == (B, 2)
    assert chooser.choose_run(100) == (A, 3)
