"""A changelog batch through the Kafka producer: one call, every change on the task's partition, in order."""

from __future__ import annotations

import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from samza_py.api import SystemStreamPartition
from samza_py.storage.changelog_sender import ChangelogSender
from samza_py.system.kafka.producer import KafkaSystemProducer

from .conftest import KAFKA_BOOTSTRAP

PARTITIONS = 4
CHANGES = 2500  # more than the producer's poll interval, so a poll happens inside the run of batches


def read_partition(topic: str, partition: int, expected: int) -> list[tuple[bytes, bytes | None]]:
    consumer = Consumer({"bootstrap.servers": KAFKA_BOOTSTRAP, "group.id": topic, "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, partition, 0)])
    found: list[tuple[bytes, bytes | None]] = []
    deadline = time.monotonic() + 60
    try:
        while len(found) < expected and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=1000, timeout=1.0):
                assert msg.error() is None, msg.error()
                found.append((msg.key(), msg.value()))
    finally:
        consumer.close()
    return found


def test_send_all_puts_each_batch_on_the_changelog_partition_in_order(unique: str) -> None:
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    admin.create_topics([NewTopic(unique, num_partitions=PARTITIONS, replication_factor=1)])[unique].result(30)
    producer = KafkaSystemProducer("kafka", {"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    producer.start()
    try:
        sender = ChangelogSender(producer, "Partition 2", SystemStreamPartition.of("kafka", unique, 2))
        changes: list[tuple[bytes, bytes | None]] = [
            (f"k{i % 700}".encode(), None if i % 10 == 9 else str(i).encode()) for i in range(CHANGES)
        ]
        batched = changes[:-1]
        for start in range(0, len(batched), 500):
            sender.send_all(batched[start:start + 500])
        sender(*changes[-1])  # a single send lands on the same partition
        producer.flush("Partition 2")
        assert producer.sends.count == CHANGES
    finally:
        producer.stop()
    assert read_partition(unique, 2, CHANGES) == changes  # tombstones as None values, in write order
    consumer = Consumer({"bootstrap.servers": KAFKA_BOOTSTRAP, "group.id": f"{unique}-w"})
    try:
        others = [consumer.get_watermark_offsets(TopicPartition(unique, p), timeout=10) for p in (0, 1, 3)]
    finally:
        consumer.close()
    assert others == [(0, 0)] * 3
