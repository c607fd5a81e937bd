"""Reading one Kafka partition between two offsets, in batches (changelog restore and trim)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping

from confluent_kafka import Consumer, KafkaError, TopicPartition


class PartitionReadError(Exception):
    pass


def read_partition(
    settings: Mapping[str, object],
    topic: str,
    partition: int,
    start: int,
    end: int,
    on_batch: Callable[[list[tuple[bytes, bytes | None]]], None],
    batch_size: int = 1000,
    timeout_s: float = 600.0,
) -> int:
    """Hand ``on_batch`` the (key, value) of every record with ``start <= offset < end``; return the count.

    Compaction leaves gaps in offsets, so reading stops at the first offset at or past ``end``.
    """
    if end <= start:
        return 0
    consumer = Consumer({
        **settings,
        "group.id": f"samza-py-reader-{uuid.uuid4().hex}",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "fetch.max.bytes": 52428800,
        "max.partition.fetch.bytes": 10485760,
    })
    count = 0
    try:
        consumer.assign([TopicPartition(topic, partition, start)])
        deadline = time.monotonic() + timeout_s
        position = start
        while position < end:
            if time.monotonic() > deadline:
                raise PartitionReadError(f"timed out reading {topic}[{partition}] at offset {position} of {end}")
            batch: list[tuple[bytes, bytes | None]] = []
            for msg in consumer.consume(num_messages=batch_size, timeout=1.0):
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        # At the end of what the partition has: nothing more can come below ``end``.
                        position = max(position, msg.offset() or 0, end)
                        break
                    raise PartitionReadError(f"reading {topic}[{partition}]: {err}")
                offset: int = msg.offset()  # type: ignore[assignment]
                if offset >= end:
                    position = end
                    break
                position = offset + 1
                batch.append((msg.key(), msg.value()))  # type: ignore[arg-type]
            if batch:
                on_batch(batch)
                count += len(batch)
    finally:
        consumer.close()
    return count
