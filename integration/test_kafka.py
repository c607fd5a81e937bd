"""Kafka on the grid: topic creation, keyed produce, consume back by explicit assignment."""

from __future__ import annotations

import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from .conftest import KAFKA_BOOTSTRAP

MESSAGES = 10_000
PARTITIONS = 4


def test_keyed_messages_round_trip_through_four_partitions(unique: str) -> None:
    topic = unique
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])[topic].result(30)
    assert len(admin.list_topics(topic, timeout=10).topics[topic].partitions) == PARTITIONS

    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    sent = {f"key-{i}": f"value-{i}" for i in range(MESSAGES)}
    for i, (key, value) in enumerate(sent.items()):
        producer.produce(topic, key=key.encode(), value=value.encode())
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(30) == 0

    consumer = Consumer(
        {"bootstrap.servers": KAFKA_BOOTSTRAP, "group.id": unique, "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    received: dict[str, str] = {}
    partitions_of_key: dict[str, set[int]] = {}
    deadline = time.monotonic() + 60
    try:
        while len(received) < MESSAGES and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=1000, timeout=1.0):
                assert msg.error() is None, msg.error()
                key = msg.key().decode()
                received[key] = msg.value().decode()
                partitions_of_key.setdefault(key, set()).add(msg.partition())
        watermarks = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in range(4)]
    finally:
        consumer.close()

    assert received == sent
    # The default partitioner keeps a key on one partition and spreads 10,000 keys over all four.
    assert all(len(parts) == 1 for parts in partitions_of_key.values())
    assert sum(high - low for low, high in watermarks) == MESSAGES
    assert all(high > 0 for _, high in watermarks)
