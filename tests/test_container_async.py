"""Async tasks in the run loop: callbacks in any order, concurrency, timeouts, failures, commits and windows."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from samza_py.api import (
    AsyncioStreamTask,
    AsyncStreamTask,
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    SystemStream,
    SystemStreamPartition,
    TaskCallback,
    TaskCoordinator,
)
from samza_py.container.async_run_loop import AsyncRunLoop, InFlightShutdownTimeout
from samza_py.container.async_tasks import CallbackCalledTwice, EventLoopThread, TaskCallbackTimeoutError, task_kind
from samza_py.container.run_loop import LoopSettings
from samza_py.container.task_instance import TaskInstance, TaskProcessError
from samza_py.metrics.registry import MetricsRegistryMap
from tests.fakes import EventLog, FakeCheckpointManager, FakeSystemConsumer, eos, make_consumers, make_task, raw

A = SystemStreamPartition.of("fake", "a", 0)
B = SystemStreamPartition.of("fake", "b", 0)
OUT = SystemStream("fake", "out")


class HeldCallbacks(AsyncStreamTask):
    """Keeps every callback; the test completes them (from another thread) in the order it likes."""

    def __init__(self) -> None:
        self.held: dict[str, TaskCallback] = {}
        self.lock = threading.Lock()
        self.windows_with_in_flight: list[int] = []

    def process_async(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                      coordinator: TaskCoordinator, callback: TaskCallback) -> None:
        with self.lock:
            self.held[f"{envelope.system_stream_partition.stream}{envelope.offset}"] = callback

    def complete(self, *names: str) -> None:
        def later() -> None:
            for name in names:
                with self.lock:
                    callback = self.held[name]
                callback.complete()
        thread = threading.Thread(target=later)
        thread.start()
        thread.join()

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        with self.lock:
            self.windows_with_in_flight.append(len(self.held))


class SleepyAsyncio(AsyncioStreamTask):
    """``async def process``: sleeps a little, longer for even offsets, then sends the offset."""

    def __init__(self) -> None:
        self.running = 0
        self.most_running = 0

    async def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                      coordinator: TaskCoordinator) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        await asyncio.sleep(0.02 if int(envelope.offset) % 2 == 0 else 0.001)
        self.running -= 1
        collector.send(OutgoingMessageEnvelope(OUT, envelope.offset.encode()))
        if envelope.offset == "9":
            coordinator.shutdown()


def build(task: object, log: EventLog, consumer: FakeSystemConsumer, *, ssps: tuple[SystemStreamPartition, ...] = (A,),
          concurrency: int = 1, timeout_ms: int = -1, window_ms: int = -1, commit_ms: int = -1,
          ignored: tuple[str, ...] = (), event_loop: EventLoopThread | None = None, shutdown_ms: int = 2000
          ) -> tuple[AsyncRunLoop, TaskInstance]:
    instance = make_task("T0", task, ssps, log, checkpoints=FakeCheckpointManager(log), ignored=ignored)
    consumers = make_consumers({"fake": consumer}, poll_interval_ms=5)
    for ssp in ssps:
        consumers.register(ssp, "0")
    consumers.start()
    loop = AsyncRunLoop({"T0": instance}, consumers, MetricsRegistryMap("c"), LoopSettings(window_ms, commit_ms, 5),
                        kind=task_kind(type(task)), max_concurrency=concurrency, callback_timeout_ms=timeout_ms,
                        shutdown_ms=shutdown_ms, event_loop=event_loop)
    return loop, instance


def in_thread(loop: AsyncRunLoop) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            loop.run()
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, errors


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met before the deadline"
        time.sleep(0.002)


def after_more_waits(loop: AsyncRunLoop, waits: int = 3, past_s: float = 0.0) -> None:
    """Until the loop has waited for completions a few more times, the last of them at least ``past_s`` from
    now: whatever the loop would have done by then (a due commit or window), it has done."""
    due = time.monotonic() + past_s
    target = loop.waits + waits

    def gone_round() -> bool:
        nonlocal target
        if time.monotonic() < due:
            target = loop.waits + 1  # one more wait once the time has come
            return False
        return loop.waits >= target

    wait_until(gone_round)


def test_task_kinds_are_told_apart_once_by_class() -> None:
    class Sync:
        def process(self, *args: Any) -> None: ...

    assert (task_kind(HeldCallbacks), task_kind(SleepyAsyncio), task_kind(Sync)) == ("callback", "asyncio", "sync")


def test_offsets_advance_only_over_completed_messages_whatever_order_callbacks_come_in() -> None:
    log, task, consumer = EventLog(), HeldCallbacks(), FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(4)))
    loop, instance = build(task, log, consumer, concurrency=3)
    thread, errors = in_thread(loop)
    wait_until(lambda: len(task.held) == 3)  # at most 3 in flight
    after_more_waits(loop)
    assert len(task.held) == 3
    task.complete("a2", "a1")
    wait_until(lambda: len(task.held) == 4)  # two slots freed, one message left
    assert instance.last_processed.get(A) is None  # a0 is still in flight: nothing is processed in order yet
    task.complete("a0")
    wait_until(lambda: instance.last_processed.get(A) == "2")
    assert instance.registry.snapshot()["org.apache.samza.container.TaskInstanceMetrics"]["messages-in-flight"] == 1
    stopper = threading.Thread(target=loop.request_stop)
    stopper.start()
    after_more_waits(loop)
    assert thread.is_alive()  # a stop waits for a3
    task.complete("a3")
    thread.join(5)
    assert errors == [] and instance.last_processed[A] == "3"
    loop.commit_all()
    assert log.of("checkpoint") == [("checkpoint", "T0", {A: "3"})]


def test_a_timer_commit_waits_for_the_messages_in_flight_and_covers_them() -> None:
    log, task, consumer = EventLog(), HeldCallbacks(), FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(A, 1, b""))
    loop, _ = build(task, log, consumer, concurrency=2, commit_ms=20)
    thread, errors = in_thread(loop)
    wait_until(lambda: len(task.held) == 2)
    after_more_waits(loop, past_s=0.05)  # past the 20 ms commit interval
    assert log.of("checkpoint") == []  # due, but both are in flight
    task.complete("a1", "a0")
    wait_until(lambda: log.of("checkpoint") != [])
    assert log.of("checkpoint")[0] == ("checkpoint", "T0", {A: "1"})
    loop.request_stop()
    thread.join(5)
    assert errors == []


def test_window_is_never_called_while_a_message_of_the_task_is_in_flight() -> None:
    log, task, consumer = EventLog(), HeldCallbacks(), FakeSystemConsumer()
    consumer.add(raw(A, 0, b""))
    loop, _ = build(task, log, consumer, window_ms=10)
    thread, errors = in_thread(loop)
    wait_until(lambda: len(task.held) == 1)
    after_more_waits(loop, past_s=0.05)  # past several 10 ms window intervals
    assert task.windows_with_in_flight in ([], [0])  # at most one before a0 was handed out
    before = len(task.windows_with_in_flight)
    task.complete("a0")
    wait_until(lambda: len(task.windows_with_in_flight) > before + 1)
    loop.request_stop()
    thread.join(5)
    assert errors == []


def test_a_callback_never_called_fails_with_its_offset_after_the_timeout() -> None:
    log, task, consumer = EventLog(), HeldCallbacks(), FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(A, 1, b""))
    loop, _ = build(task, log, consumer, concurrency=2, timeout_ms=100)
    thread, errors = in_thread(loop)
    wait_until(lambda: len(task.held) == 2)
    task.complete("a0")
    started = time.monotonic()
    thread.join(5)
    assert len(errors) == 1 and isinstance(errors[0], TaskCallbackTimeoutError)
    assert errors[0].offset == "1" and errors[0].ssp == A
    assert "offset 1 of" in str(errors[0]) and "task.callback.timeout.ms=100" in str(errors[0])
    assert time.monotonic() - started < 1.0


class Failing(AsyncStreamTask):
    def process_async(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                      coordinator: TaskCoordinator, callback: TaskCallback) -> None:
        if envelope.offset == "1":
            threading.Thread(target=callback.failure, args=(KeyError("profile"),)).start()
        elif envelope.offset == "2":
            raise ValueError("at once")
        else:
            callback.complete()
            if envelope.offset == "3":
                callback.complete()


def test_failures_fail_the_container_naming_the_offset_unless_ignored() -> None:
    log, consumer = EventLog(), FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(A, 1, b""))
    loop, instance = build(Failing(), log, consumer)
    with pytest.raises(TaskProcessError, match="offset 1 of .*KeyError"):
        loop.run()
    assert instance.last_processed.get(A) == "0"

    consumer = FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(A, 1, b""), raw(A, 2, b""), raw(A, 3, b""))
    loop, instance = build(Failing(), log, consumer, ignored=("KeyError", "ValueError"))
    with pytest.raises(CallbackCalledTwice, match="offset 3 of"):
        loop.run()
    assert instance.ignored_exceptions.count == 2 and instance.last_processed[A] == "3"


def test_asyncio_tasks_run_on_the_containers_event_loop_in_order_with_concurrency_one() -> None:
    event_loop = EventLoopThread("test")
    event_loop.start()
    try:
        for concurrency, in_order in ((1, True), (8, False)):
            log, task, consumer = EventLog(), SleepyAsyncio(), FakeSystemConsumer()
            consumer.add(*(raw(A, i, b"") for i in range(10)))
            loop, instance = build(task, log, consumer, concurrency=concurrency, event_loop=event_loop)
            loop.run()
            sent = [int(e[-1]) for e in log.of("send")]
            assert sorted(sent) == list(range(10))
            assert (sent == sorted(sent)) is in_order
            assert task.most_running == concurrency if concurrency == 1 else task.most_running > 1
            assert instance.last_processed[A] == "9"
    finally:
        event_loop.stop()


def test_end_of_stream_waits_for_the_messages_in_flight() -> None:
    log, task, consumer = EventLog(), HeldCallbacks(), FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), eos(A))
    ended: list[int] = []
    task.on_end_of_stream = lambda collector, coordinator: ended.append(len(task.held))  # type: ignore[attr-defined]
    loop, instance = build(task, log, consumer)
    thread, errors = in_thread(loop)
    wait_until(lambda: len(task.held) == 1)
    after_more_waits(loop)
    assert ended == []
    task.complete("a0")
    thread.join(5)
    assert errors == [] and ended == [1] and instance.last_processed[A] == "0"


def test_a_stop_waits_for_callbacks_at_most_task_shutdown_ms_without_a_callback_timeout() -> None:
    log, task, consumer = EventLog(), HeldCallbacks(), FakeSystemConsumer()
    consumer.add(raw(A, 0, b""), raw(A, 1, b""))
    loop, instance = build(task, log, consumer, shutdown_ms=200)
    thread, errors = in_thread(loop)
    wait_until(lambda: len(task.held) == 1)
    loop.request_stop()
    thread.join(5)
    assert len(errors) == 1 and isinstance(errors[0], InFlightShutdownTimeout)
    assert "task.shutdown.ms=200" in str(errors[0]) and "0 of SystemStreamPartition [fake, a, 0]" in str(errors[0])
    assert instance.last_processed.get(A) is None


class EchoAsyncio(AsyncioStreamTask):
    threads: list[str] = []

    async def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                      coordinator: TaskCoordinator) -> None:
        await asyncio.sleep(0)
        EchoAsyncio.threads.append(threading.current_thread().name)
        collector.send(OutgoingMessageEnvelope(OUT, envelope.message))
        if envelope.offset == "4":
            coordinator.shutdown()


def test_the_container_runs_an_asyncio_task_on_its_own_event_loop_and_stops_it(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    from samza_py.config.config import Config
    from samza_py.container.samza_container import SamzaContainer
    from samza_py.job.model import ContainerModel, TaskModel
    from tests.fakes import FakeSystemFactory, FakeWorld, partition_metadata

    world = FakeWorld()
    monkeypatch.setattr(FakeSystemFactory, "world", world)
    monkeypatch.setattr(EchoAsyncio, "threads", [])
    world.admin("fake").metadata = {"a": {0: partition_metadata(0, 5)}}
    world.consumer("fake").add(*(raw(A, i, str(i).encode()) for i in range(5)))
    config = Config({
        "job.name": "j", "task.class": f"{__name__}.EchoAsyncio", "task.inputs": "fake.a",
        "task.checkpoint.factory": "tests.fakes.FakeCheckpointManagerFactory", "task.commit.ms": "-1",
        "task.max.concurrency": "3", "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory",
        "systems.fake.samza.offset.default": "oldest",
    })
    before = {t.name for t in threading.enumerate()}
    container = SamzaContainer(config, ContainerModel("0", {"P0": TaskModel("P0", frozenset({A}), 0)}))
    container.run()
    assert isinstance(container.run_loop, AsyncRunLoop)
    assert set(EchoAsyncio.threads) == {"samza-container-0-asyncio"}
    assert sorted(e[-1] for e in world.log.of("send")) == [str(i).encode() for i in range(5)]
    assert world.log.of("checkpoint") == [("checkpoint", "P0", {A: "4"})]
    assert {t.name for t in threading.enumerate()} - before == set()  # the event loop's thread is gone
