"""Reading one Kafka partition between two offsets, in batches (changelog restore and trim).

A background thread fetches while the caller applies the previous batch: librdkafka waits for the broker
without the GIL, so a restore takes about as long as the slower of the two, not their sum.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from samza_py.system.kafka.changelog_consumer import changelog_consumer

Batch = list[tuple[bytes, bytes | None]]
TimedBatch = list[tuple[bytes, bytes | None, int]]  # (key, value, timestamp in ms)
_DONE = object()
READ_TIMEOUT_S = 3600.0  # how long one read of a partition range may take


class PartitionReadError(Exception):
    pass


def _fetch(consumer: Consumer, topic: str, partition: int, start: int, end: int, batch_size: int,
           timeout_s: float, timestamps: bool, out: queue.Queue[object], stop: threading.Event) -> None:
    try:
        deadline = time.monotonic() + timeout_s
        position = start
        while position < end and not stop.is_set():
            if time.monotonic() > deadline:
                raise PartitionReadError(f"timed out reading {topic}[{partition}] at offset {position} of {end}")
            batch: list[Any] = []
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
                if timestamps:
                    batch.append((msg.key(), msg.value(), msg.timestamp()[1]))
                else:
                    batch.append((msg.key(), msg.value()))
            if batch:
                out.put(batch)
        out.put(_DONE)
    except BaseException as exc:  # handed to the reading thread, which raises it
        out.put(exc)


def read_partition(
    settings: Mapping[str, object],
    topic: str,
    partition: int,
    start: int,
    end: int,
    on_batch: Callable[[Batch], None],
    batch_size: int = 1000,
    timeout_s: float = READ_TIMEOUT_S,
) -> int:
    """Hand ``on_batch`` the (key, value) of every record with ``start <= offset < end``; return the count.

    Compaction leaves gaps in offsets, so reading stops at the first offset at or past ``end``.
    """
    return _read(settings, topic, partition, start, end, on_batch, batch_size, timeout_s, timestamps=False)


def _read(settings: Mapping[str, object], topic: str, partition: int, start: int, end: int,
          on_batch: Callable[[Any], None], batch_size: int, timeout_s: float, timestamps: bool) -> int:
    if end <= start:
        return 0
    consumer = changelog_consumer(settings, "reader", partition_eof=True)
    batches: queue.Queue[object] = queue.Queue(maxsize=16)
    stop = threading.Event()
    consumer.assign([TopicPartition(topic, partition, start)])
    fetcher = threading.Thread(target=_fetch, name=f"read-{topic}-{partition}", daemon=True,
                               args=(consumer, topic, partition, start, end, batch_size, timeout_s, timestamps,
                                     batches, stop))
    fetcher.start()
    count = 0
    try:
        while True:
            item = batches.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            on_batch(item)  # type: ignore[arg-type]
            count += len(item)  # type: ignore[arg-type]
    finally:
        stop.set()
        while fetcher.is_alive():  # let it finish its last put, then close the consumer from here
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.1)
        consumer.close()
    return count


def read_to_end(settings: Mapping[str, object], topic: str, partition: int, on_batch: Callable[[Batch], None]) -> int:
    """Every record of the partition, from its oldest to the end it has now (startup reads of
    single-partition topics such as checkpoints and the coordinator stream)."""
    low, high = _watermarks(settings, topic, partition)
    return read_partition(settings, topic, partition, low, high, on_batch)


def read_to_end_with_timestamps(
    settings: Mapping[str, object], topic: str, partition: int, on_batch: Callable[[TimedBatch], None]
) -> int:
    """As ``read_to_end``, each record with its timestamp."""
    low, high = _watermarks(settings, topic, partition)
    return _read(settings, topic, partition, low, high, on_batch, 1000, READ_TIMEOUT_S, timestamps=True)


# Answers while a partition's leadership is settling: a topic just created on a cluster reaches its leader
# after the controller says it exists, and a lost broker's partitions move to another leader.
_SETTLING = frozenset({KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.LEADER_NOT_AVAILABLE,
                       KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError._UNKNOWN_PARTITION,
                       KafkaError._UNKNOWN_TOPIC, KafkaError._TRANSPORT, KafkaError._TIMED_OUT})
WATERMARKS_TIMEOUT_S = 60.0


def _watermarks(settings: Mapping[str, object], topic: str, partition: int,
                timeout_s: float = WATERMARKS_TIMEOUT_S) -> tuple[int, int]:
    deadline, backoff = time.monotonic() + timeout_s, 0.1
    while True:
        # A new client each attempt: a client that asked before the topic reached it keeps that answer cached.
        probe = Consumer({**settings, "group.id": f"samza-py-reader-{uuid.uuid4().hex}"})
        try:
            low, high = probe.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            return low, high
        except KafkaException as exc:
            code = exc.args[0].code()
            if code not in _SETTLING or time.monotonic() + backoff > deadline:
                raise PartitionReadError(
                    f"cannot read the offsets of {topic}[{partition}] within {timeout_s:.0f} s: {exc.args[0]}"
                ) from exc
        finally:
            probe.close()
        time.sleep(backoff)
        backoff = min(backoff * 2, 2.0)
