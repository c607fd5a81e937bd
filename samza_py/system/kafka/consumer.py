"""KafkaSystemConsumer: reads assigned partitions (no group rebalancing: the job model decides)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from samza_py.api import IncomingMessageEnvelope, MetricsRegistry, SystemStreamPartition
from samza_py.api.metrics import Counter, Gauge
from samza_py.system.interfaces import SystemConsumer
from samza_py.system.kafka.message_runs import read_runs

log = logging.getLogger(__name__)

METRICS_GROUP = "org.apache.samza.system.kafka.KafkaSystemConsumerMetrics"
WATERMARK_EVERY_S = 1.0  # high watermarks are read from the client's cache at most this often


class _PartitionMetrics:
    """Samza's per-partition consumer metrics; ``next_offset`` is the next offset to read."""

    __slots__ = ("messages_read", "bytes_read", "high_watermark", "behind", "next_offset")

    def __init__(self, registry: MetricsRegistry, ssp: SystemStreamPartition, start: int) -> None:
        prefix = f"{ssp.system}-{ssp.stream}-{ssp.partition_id}"
        self.messages_read: Counter = registry.new_counter(METRICS_GROUP, f"{prefix}-messages-read")
        self.bytes_read: Counter = registry.new_counter(METRICS_GROUP, f"{prefix}-bytes-read")
        self.high_watermark: Gauge[int] = registry.new_gauge(METRICS_GROUP, f"{prefix}-high-watermark", -1)
        self.behind: Gauge[int] = registry.new_gauge(METRICS_GROUP, f"{prefix}-messages-behind-high-watermark", 0)
        self.next_offset = start


class KafkaConsumerError(Exception):
    pass


class KafkaSystemConsumer(SystemConsumer):
    def __init__(
        self,
        system: str,
        settings: Mapping[str, object],
        batch_size: int = 1000,
        registry: MetricsRegistry | None = None,
    ) -> None:
        self.system = system
        self._registry = registry
        self._metrics: dict[SystemStreamPartition, _PartitionMetrics] = {}
        self._watermarks_read = 0.0
        self._settings = dict(settings)
        self._batch_size = batch_size
        self._starts: dict[SystemStreamPartition, int] = {}
        # Bounded streams end at the offset that was upcoming at registration: then end-of-stream.
        self._ends: dict[SystemStreamPartition, int] = {}
        self._ended: set[SystemStreamPartition] = set()
        self._ssps: dict[tuple[str, int], SystemStreamPartition] = {}
        # The next offset each partition may deliver: a message below it was delivered already (librdkafka can
        # hand a batch out again after a pause and resume) and is dropped, so a task never sees it twice.
        self._next: dict[SystemStreamPartition, int] = {}
        self._consumer: Consumer | None = None
        self._pending_eos: list[SystemStreamPartition] = []
        self._only_topic: str | None = None

    def register(self, ssp: SystemStreamPartition, offset: str) -> None:
        self._starts[ssp] = int(offset)
        self._next[ssp] = int(offset)
        self._ssps[(ssp.stream, ssp.partition_id)] = ssp
        if self._registry is not None:
            self._metrics[ssp] = _PartitionMetrics(self._registry, ssp, int(offset))

    def register_end(self, ssp: SystemStreamPartition, end_offset: int) -> None:
        """Treat ``ssp`` as bounded: once the consumer's position reaches ``end_offset``, deliver end-of-stream."""
        self._ends[ssp] = end_offset

    def start(self) -> None:
        topics = {ssp.stream for ssp in self._starts}
        self._only_topic = topics.pop() if len(topics) == 1 else None
        self._consumer = Consumer(self._settings)
        assignment = [TopicPartition(ssp.stream, ssp.partition_id, off) for ssp, off in self._starts.items()]
        if assignment:
            self._consumer.assign(assignment)
        self._pending_eos = [ssp for ssp, end in self._ends.items() if self._starts.get(ssp, 0) >= end]
        self._ended.update(self._pending_eos)

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    def poll(self, timeout_s: float) -> list[IncomingMessageEnvelope]:
        return [envelope for _, run in self.poll_runs(timeout_s) for envelope in run]

    def poll_runs(self, timeout_s: float) -> list[tuple[SystemStreamPartition, list[IncomingMessageEnvelope]]]:
        assert self._consumer is not None, "consumer not started"
        if self._pending_eos:
            eos, self._pending_eos = self._pending_eos, []
            return [(ssp, [IncomingMessageEnvelope.end_of_stream(ssp)]) for ssp in eos]
        if not self._starts:
            time.sleep(timeout_s)
            return []
        messages = self._consumer.consume(num_messages=self._batch_size, timeout=timeout_s)
        again: dict[SystemStreamPartition, list[int]] = {}
        read = read_runs(messages, self._only_topic, self._ssps, self._ends, self._next, IncomingMessageEnvelope,
                         int(time.time() * 1000), again, self._on_error)
        for dropped_ssp, dropped in again.items():
            log.warning("%s: dropped %d message(s) at offsets %d..%d that the consumer delivered again "
                        "(the next offset is %d)", dropped_ssp, len(dropped), min(dropped), max(dropped),
                        self._next[dropped_ssp])
        if self._metrics:
            for ssp, run, run_bytes, last_offset in read:
                self._count(ssp, len(run), run_bytes, last_offset)
            if time.monotonic() - self._watermarks_read >= WATERMARK_EVERY_S:
                self._read_watermarks()
        runs = [(ssp, envelopes) for ssp, envelopes, _, _ in read if envelopes]
        if len(self._ended) < len(self._ends):
            runs.extend((eos.system_stream_partition, [eos]) for eos in self._reached_ends())
        return runs

    def _reached_ends(self) -> list[IncomingMessageEnvelope]:
        """End-of-stream for each bounded partition whose position reached its end offset.

        The position, not the last message seen: a transactional producer's commit marker takes the
        last offset and is never delivered, but the position moves past it.
        """
        assert self._consumer is not None
        open_ends = [(ssp, end) for ssp, end in self._ends.items() if ssp not in self._ended]
        positions = self._consumer.position(self._partitions(ssp for ssp, _ in open_ends))
        out: list[IncomingMessageEnvelope] = []
        for (ssp, end), position in zip(open_ends, positions, strict=True):
            if position.offset >= end:  # an unknown position is negative (OFFSET_INVALID)
                self._ended.add(ssp)
                out.append(IncomingMessageEnvelope.end_of_stream(ssp))
        return out

    def _count(self, ssp: SystemStreamPartition, messages: int, nbytes: int, last_offset: int) -> None:
        m = self._metrics[ssp]
        m.messages_read.count += messages
        m.bytes_read.count += nbytes
        if last_offset >= m.next_offset:
            m.next_offset = last_offset + 1

    def _read_watermarks(self) -> None:
        """High watermarks from the client's cache (kept fresh by fetch responses; no broker round trip)."""
        assert self._consumer is not None
        self._watermarks_read = time.monotonic()
        for ssp, m in self._metrics.items():
            try:
                _low, high = self._consumer.get_watermark_offsets(
                    TopicPartition(ssp.stream, ssp.partition_id), cached=True
                )
            except KafkaException:
                continue
            if high is None or high < 0:
                continue  # not fetched yet: unknown, not zero
            m.high_watermark.value = high
            m.behind.value = max(0, high - m.next_offset)

    def _on_error(self, msg: Message) -> None:
        err = msg.error()
        assert err is not None
        if err.code() == KafkaError._PARTITION_EOF:
            return
        if err.fatal() or not err.retriable():
            raise KafkaConsumerError(
                f"Kafka consumer of system {self.system!r} failed on {msg.topic()}[{msg.partition()}]: {err}"
            )
        log.warning("transient Kafka consumer error: %s", err)

    def _partitions(self, ssps: Iterable[SystemStreamPartition]) -> list[TopicPartition]:
        return [TopicPartition(ssp.stream, ssp.partition_id) for ssp in ssps]

    def pause(self, ssps: Iterable[SystemStreamPartition]) -> None:
        if self._consumer is not None:
            self._consumer.pause(self._partitions(ssps))

    def resume(self, ssps: Iterable[SystemStreamPartition]) -> None:
        if self._consumer is not None:
            self._consumer.resume(self._partitions(ssps))

    def position(self, ssp: SystemStreamPartition) -> int | None:
        if self._consumer is None:
            return None
        try:
            return self._consumer.position([TopicPartition(ssp.stream, ssp.partition_id)])[0].offset
        except KafkaException:
            return None

    @property
    def settings(self) -> dict[str, object]:
        """The librdkafka settings the consumer is built with."""
        return dict(self._settings)
