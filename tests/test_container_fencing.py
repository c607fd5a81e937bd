"""Fencing (standalone): a fenced run loop, or one whose lease ran out, processes and commits nothing more."""

from __future__ import annotations

import time

from samza_py.api import IncomingMessageEnvelope, MessageCollector, SystemStreamPartition, TaskCoordinator
from samza_py.container.lease import Lease
from samza_py.container.run_loop import RunLoop
from tests.fakes import EventLog, FakeCheckpointManager, FakeSystemConsumer, make_run_loop, make_task, raw

A = SystemStreamPartition.of("fake", "a", 0)


class Counting:
    """Records offsets; asks for a commit at every message, and runs ``on`` at the offsets it names."""

    def __init__(self, on: dict[str, object] | None = None) -> None:
        self.seen: list[str] = []
        self.on = on or {}

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        self.seen.append(envelope.offset)
        action = self.on.get(envelope.offset)
        if callable(action):
            action()
        coordinator.commit()


def _loop(task: Counting, count: int, lease: Lease | None = None) -> tuple[RunLoop, EventLog]:
    log = EventLog()
    instance = make_task("T0", task, [A], log, checkpoints=FakeCheckpointManager(log))
    consumer = FakeSystemConsumer()
    consumer.add(*(raw(A, i, b"") for i in range(count)))
    return make_run_loop([instance], consumer, lease=lease), log


def test_a_valid_lease_changes_nothing() -> None:
    task = Counting({"2": None})
    loop, log = _loop(task, 3, Lease(time.monotonic() + 60))
    task.on["2"] = loop.request_stop
    loop.run()
    assert task.seen == ["0", "1", "2"]
    assert [e[2] for e in log.of("checkpoint")] == [{A: "0"}, {A: "1"}, {A: "2"}]


def test_a_fenced_loop_commits_nothing_even_when_asked() -> None:
    task = Counting()
    loop, log = _loop(task, 3)
    loop.fence()
    loop.run()
    loop.commit_all()  # what a graceful stop would do
    assert task.seen == []
    assert log.of("checkpoint") == []
    assert loop.fenced


def test_an_expired_lease_fences_before_the_first_message() -> None:
    task = Counting()
    loop, log = _loop(task, 3, Lease(time.monotonic() - 1))
    loop.run()
    assert task.seen == []
    assert loop.fenced
    loop.commit_all()
    assert log.of("checkpoint") == []


def test_a_lease_revoked_mid_stream_stops_processing_and_commits() -> None:
    lease = Lease(time.monotonic() + 60)
    task = Counting({"1": lease.revoke})
    loop, log = _loop(task, 5, lease)
    loop.run()
    # Offset 1's commit request comes after the revocation: refused; the loop stops before the next run.
    assert task.seen == ["0", "1"]
    assert [e[2] for e in log.of("checkpoint")] == [{A: "0"}]
    assert loop.fenced


def test_an_abandoned_kafka_producer_drops_its_queued_sends_at_once() -> None:
    from samza_py.api import SystemStream
    from samza_py.system.kafka.producer import KafkaSystemProducer

    # No broker answers: every send stays queued; stop() would wait for them, abandon() drops them.
    producer = KafkaSystemProducer("kafka", {"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": 60000})
    producer.start()
    for i in range(10):
        producer.send_serialized("T0", SystemStream("kafka", "changelog"), None, b"k", str(i).encode())
    started = time.monotonic()
    producer.abandon()
    assert time.monotonic() - started < 2.0
    producer.flush("after")  # a no-op once abandoned
