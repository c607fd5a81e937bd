"""KafkaSystemConsumer's bounded streams: end-of-stream once the consumer's position reaches the end offset."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import TopicPartition

from samza_py.api import IncomingMessageEnvelope, SystemStreamPartition
from samza_py.system.kafka import consumer as consumer_module
from samza_py.system.kafka.consumer import KafkaSystemConsumer

A = SystemStreamPartition.of("kafka", "in", 0)
B = SystemStreamPartition.of("kafka", "in", 1)


class Msg:
    def __init__(self, partition: int, offset: int) -> None:
        self._partition, self._offset = partition, offset

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return "in"

    def partition(self) -> int:
        return self._partition

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes:
        return b"k"

    def value(self) -> bytes:
        return b"v"

    def timestamp(self) -> tuple[int, int]:
        return (0, 0)


class FakeKafkaConsumer:
    """Hands out queued batches; the position of a partition is what the test says it is (as librdkafka's
    moves past a transaction's commit marker, which is never delivered)."""

    batches: list[list[Msg]] = []
    positions: dict[int, int] = {}

    def __init__(self, settings: Any) -> None: ...

    def assign(self, partitions: Any) -> None: ...

    def consume(self, num_messages: int, timeout: float) -> list[Msg]:
        return self.batches.pop(0) if self.batches else []

    def position(self, partitions: list[TopicPartition]) -> list[TopicPartition]:
        return [TopicPartition(tp.topic, tp.partition, self.positions.get(tp.partition, -1001)) for tp in partitions]

    def close(self) -> None: ...


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> type[FakeKafkaConsumer]:
    FakeKafkaConsumer.batches, FakeKafkaConsumer.positions = [], {}
    monkeypatch.setattr(consumer_module, "Consumer", FakeKafkaConsumer)
    return FakeKafkaConsumer


def ends(envelopes: list[IncomingMessageEnvelope]) -> list[SystemStreamPartition]:
    return [e.system_stream_partition for e in envelopes if e.is_end_of_stream()]


def offsets(envelopes: list[IncomingMessageEnvelope]) -> list[str]:
    return [e.offset for e in envelopes if not e.is_end_of_stream()]


def started(*bounded: tuple[SystemStreamPartition, int, int]) -> KafkaSystemConsumer:
    consumer = KafkaSystemConsumer("kafka", {})
    for ssp, start, end in bounded:
        consumer.register(ssp, str(start))
        consumer.register_end(ssp, end)
    consumer.start()
    return consumer


def test_a_transactional_partition_ends_when_the_position_passes_its_commit_marker(
    kafka: type[FakeKafkaConsumer],
) -> None:
    # Offsets 0..4 are records, 5 the commit marker: the end offset captured at start is 6.
    consumer = started((A, 0, 6))
    kafka.batches = [[Msg(0, o) for o in range(5)]]
    kafka.positions = {0: 5}  # the marker not passed yet
    first = consumer.poll(0)
    assert offsets(first) == ["0", "1", "2", "3", "4"] and ends(first) == []
    kafka.positions = {0: 6}
    assert ends(consumer.poll(0)) == [A]
    assert consumer.poll(0) == []  # once


def test_end_of_stream_follows_the_last_record_in_the_same_poll(kafka: type[FakeKafkaConsumer]) -> None:
    consumer = started((A, 0, 3), (B, 0, 10))
    kafka.batches = [[Msg(0, 0), Msg(0, 1), Msg(0, 2), Msg(0, 3), Msg(1, 0)]]
    kafka.positions = {0: 4, 1: 1}
    out = consumer.poll(0)
    assert [(e.system_stream_partition, e.offset) for e in out if not e.is_end_of_stream()] == [
        (A, "0"), (A, "1"), (A, "2"), (B, "0")]  # offset 3 is past A's end
    assert ends(out) == [A] and out[-1].is_end_of_stream()


def test_an_unknown_position_is_not_an_end(kafka: type[FakeKafkaConsumer]) -> None:
    consumer = started((A, 0, 2))
    assert consumer.poll(0) == []


def test_a_partition_starting_at_its_end_ends_at_once(kafka: type[FakeKafkaConsumer]) -> None:
    consumer = started((A, 4, 4), (B, 0, 1))
    assert ends(consumer.poll(0)) == [A]
    kafka.positions = {1: 1}
    assert ends(consumer.poll(0)) == [B]
    assert consumer.poll(0) == []
