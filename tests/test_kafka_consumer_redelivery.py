"""KafkaSystemConsumer never hands a task a message twice in one run: librdkafka can deliver a batch again
after a pause and resume, and what comes below a partition's next offset is dropped (and logged)."""

from __future__ import annotations

import logging

import pytest

from samza_py.system.kafka.consumer import KafkaSystemConsumer

from .test_kafka_consumer_bounded import A, B, FakeKafkaConsumer, Msg, kafka, offsets

__all__ = ["kafka"]  # the fixture, used by name


def test_messages_delivered_again_are_dropped_per_partition(
    kafka: type[FakeKafkaConsumer], caplog: pytest.LogCaptureFixture
) -> None:
    consumer = KafkaSystemConsumer("kafka", {})
    consumer.register(A, "5")
    consumer.register(B, "0")
    consumer.start()
    kafka.batches = [
        [Msg(0, 5), Msg(0, 6), Msg(1, 0), Msg(0, 7)],
        [Msg(0, 6), Msg(0, 7), Msg(0, 8), Msg(1, 0), Msg(1, 1)],  # A's 6, 7 and B's 0 again
        [Msg(0, 10)],  # a gap (compaction, a transaction marker) is no redelivery
    ]
    assert offsets(consumer.poll(0)) == ["5", "6", "0", "7"]
    with caplog.at_level(logging.WARNING):
        second = consumer.poll(0)
    assert [(e.system_stream_partition, e.offset) for e in second] == [(A, "8"), (B, "1")]
    assert "dropped 2 message(s) at offsets 6..7" in caplog.text and "(the next offset is 9)" in caplog.text
    assert "dropped 1 message(s) at offsets 0..0" in caplog.text
    assert offsets(consumer.poll(0)) == ["10"]


def test_every_field_of_a_delivered_envelope_is_set(kafka: type[FakeKafkaConsumer]) -> None:
    # The consumer fills envelopes slot by slot (no __init__ call): a slot it misses would only fail later.
    consumer = KafkaSystemConsumer("kafka", {})
    consumer.register(A, "3")
    consumer.start()
    kafka.batches = [[Msg(0, 3)]]
    (envelope,) = consumer.poll(0)
    fields = {name.lstrip("_"): getattr(envelope, name.lstrip("_")) for name in type(envelope).__slots__}
    assert fields.pop("arrival_time") > 0
    assert fields == {"system_stream_partition": A, "offset": "3", "key": b"k", "message": b"v", "size": 2,
                      "event_time": 0}
