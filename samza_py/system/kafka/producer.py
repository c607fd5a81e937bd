"""KafkaSystemProducer: asynchronous produce with Samza's partitioning; flush makes sends durable."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from samza_py.api import MetricsRegistry, OutgoingMessageEnvelope, SystemStream
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.system.interfaces import StreamNotFoundError, SystemProducer
from samza_py.system.kafka.authentication import AuthenticationWatch
from samza_py.system.kafka.client_config import DEFAULT_MAX_BLOCK_MS
from samza_py.system.kafka.partitioner import samza_partition


class PythonSendTally:
    """Sends made since the producer last polled; the compiled SendTally's stand-in."""

    __slots__ = ("unpolled",)

    def __init__(self) -> None:
        self.unpolled = 0


try:  # the sender compiled (samza_py/_send_path.c, built by setup.py where a C compiler is found)
    from samza_py._send_path import Sender as CompiledSender
    from samza_py._send_path import SendTally, produce_pairs
except ImportError:  # pragma: no cover - an install without a C compiler: the closure in sender()
    CompiledSender = produce_pairs = None  # type: ignore[misc,assignment]
    SendTally = PythonSendTally  # type: ignore[misc,assignment]

log = logging.getLogger(__name__)

_POLL_EVERY = 1000
_FULL_QUEUE_WAIT_S = 0.01
_DEFAULT_MESSAGE_TIMEOUT_MS = 300000  # librdkafka's message.timeout.ms
_FLUSH_GRACE_S = 30.0  # past the message timeout every send has a delivery report, good or bad
METRICS_GROUP = "org.apache.samza.system.kafka.KafkaSystemProducerMetrics"


class KafkaProducerError(Exception):
    pass


class KafkaSystemProducer(SystemProducer):
    """One librdkafka producer for the whole container (Samza: one producer per system)."""

    def __init__(
        self,
        system: str,
        settings: Mapping[str, object],
        registry: MetricsRegistry | None = None,
        max_block_ms: int = DEFAULT_MAX_BLOCK_MS,
    ) -> None:
        self.system = system
        self._settings = dict(settings)
        # A full local queue waits at most max.block.ms for room, as the Java producer's send does.
        self._max_block_s = max_block_ms / 1000
        timeout_ms = self._settings.get("message.timeout.ms", self._settings.get("delivery.timeout.ms"))
        self._flush_timeout_s = int(str(timeout_ms or _DEFAULT_MESSAGE_TIMEOUT_MS)) / 1000 + _FLUSH_GRACE_S
        # Only failures come back: a callback per delivered message would cost more than the send.
        self._settings["delivery.report.only.error"] = True
        self._settings["on_delivery"] = self._on_delivery
        # A refused login fails the next poll or flush instead of every send timing out minutes later.
        self._auth = AuthenticationWatch(system, self._settings, kind="producer")
        self._producer: Producer | None = None
        self._partition_counts: dict[str, int] = {}
        self._failure: str | None = None
        self._tally = SendTally()  # shared with the senders: polled every _POLL_EVERY sends of them all
        # A changelog batch's send loop, compiled (samza_py/_send_path.c) where the tally is the compiled one.
        self._produce_pairs = None if isinstance(self._tally, PythonSendTally) else produce_pairs
        self._transaction_timeout_s: float | None = None  # set: exactly-once, every send in a transaction
        registry = registry if registry is not None else MetricsRegistryMap(f"{system}-producer")
        # Sends are counted in batches (at each poll and flush), keeping the send path free of metric work.
        self.sends = registry.new_counter(METRICS_GROUP, f"{system}-producer-sends")
        self.send_success = registry.new_counter(METRICS_GROUP, f"{system}-producer-send-success")
        self.send_failed = registry.new_counter(METRICS_GROUP, f"{system}-producer-send-failed")
        self.flushes = registry.new_counter(METRICS_GROUP, f"{system}-flushes")
        # samza-py: sends that found the local queue full and waited for room (the queue's bound at work).
        self.full_queue_waits = registry.new_counter(METRICS_GROUP, f"{system}-producer-full-queue-waits")
        self.flush_ns = registry.new_timer(METRICS_GROUP, f"{system}-flush-ns")

    @property
    def settings(self) -> dict[str, object]:
        """The librdkafka settings the producer is built with."""
        return dict(self._settings)

    def register(self, source: str) -> None:
        pass

    def use_transactions(self, transactional_id: str, timeout_ms: int) -> None:
        """Before ``start``: every send goes into the open transaction, which ``commit_transaction`` commits
        and replaces (exactly-once). Starting fences an earlier producer with the same id: its open
        transaction is aborted, and it can send nothing more."""
        if self._producer is not None:
            raise KafkaProducerError(f"Kafka producer of system {self.system!r}: transactions are set before start")
        self._settings["transactional.id"] = transactional_id
        self._settings["transaction.timeout.ms"] = timeout_ms
        self._transaction_timeout_s = timeout_ms / 1000

    @property
    def transactional(self) -> bool:
        return self._transaction_timeout_s is not None

    def start(self) -> None:
        if self._producer is None:
            producer = Producer(self._settings)
            if self._transaction_timeout_s is not None:
                try:
                    producer.init_transactions(self._transaction_timeout_s)
                    producer.begin_transaction()
                except KafkaException as exc:
                    raise KafkaProducerError(
                        f"Kafka producer of system {self.system!r}: starting transactions as "
                        f"{self._settings['transactional.id']!r} failed: {exc.args[0]}") from exc
            self._producer = producer

    def commit_transaction(self) -> None:
        """Make every send since the last commit visible at once, then open the next transaction. A send
        that failed fails the commit: the transaction is never committed without it."""
        producer = self._producer
        assert producer is not None and self._transaction_timeout_s is not None, "no transactional producer"
        self._count_sends()
        self._raise_failure()
        started_ns = time.perf_counter_ns()
        try:
            producer.commit_transaction(self._transaction_timeout_s)
        except KafkaException as exc:
            raise KafkaProducerError(f"Kafka producer of system {self.system!r}: committing the transaction "
                                     f"failed: {exc.args[0]}") from exc
        self._raise_failure()
        self._count_flush(started_ns)
        producer.begin_transaction()

    def send_record(self, topic: str, partition: int, key: bytes, value: bytes) -> None:
        """One record, already bytes, to a given partition (a checkpoint in the transaction)."""
        producer = self._producer
        assert producer is not None, "producer not started"
        try:
            producer.produce(topic, value, key, partition)
        except BufferError:
            self._produce_when_room(topic, value, key, None, partition)
        self._tally.unpolled += 1

    def stop(self) -> None:
        if self._producer is None:
            return
        if self._transaction_timeout_s is not None:
            # What the last commit did not cover is not to be seen: the open transaction is aborted.
            producer, self._producer = self._producer, None
            try:
                producer.abort_transaction(self._transaction_timeout_s)
            except KafkaException as exc:
                log.warning("Kafka producer of system %r: aborting the open transaction failed (the broker "
                            "aborts it after transaction.timeout.ms): %s", self.system, exc.args[0])
            return
        self.flush("stop")
        self._producer = None

    def abandon(self) -> None:
        """A fenced container's stop: sends still queued are dropped, not delivered (a changelog write that
        arrived after the task's next owner restored would corrupt its state)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.purge(in_queue=True, in_flight=False)
            producer.flush(0)  # serve the purged sends' callbacks

    def _on_delivery(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self.send_failed.count += 1
            if self._failure is None:
                self._failure = f"send to {msg.topic()}[{msg.partition()}] failed: {err}"

    def _raise_failure(self) -> None:
        self._auth.raise_if_failed()
        if self._failure is not None:
            raise KafkaProducerError(f"Kafka producer of system {self.system!r}: {self._failure}")

    def _send_error(self, topic: str, exc: KafkaException) -> KafkaProducerError:
        """A send the client refused at once (e.g. a topic this user may not write): name the topic."""
        err = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
        if err is not None and err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
            why = "not authorized to write (TOPIC_AUTHORIZATION_FAILED): the job's user needs WRITE on it"
        else:
            why = str(err or exc)
        return KafkaProducerError(f"Kafka producer of system {self.system!r}: send to topic {topic} failed: {why}")

    def partition_count(self, topic: str) -> int:
        count = self._partition_counts.get(topic)
        if count is None:
            count = self._partition_counts[topic] = self._discover_partitions(topic)
        return count

    def _discover_partitions(self, topic: str) -> int:
        """Partitions of an output topic; asking through the producer lets the broker auto-create it,
        as the Java producer does."""
        assert self._producer is not None
        deadline = time.monotonic() + 30
        while True:
            meta = self._producer.list_topics(topic, timeout=10).topics.get(topic)
            if meta is not None and meta.error is None and meta.partitions:
                return len(meta.partitions)
            if time.monotonic() > deadline:
                raise StreamNotFoundError(self.system, topic)
            time.sleep(0.2)

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        self.send_serialized(source, envelope.system_stream, envelope.partition_key, envelope.key, envelope.message)

    def send_serialized(
        self, source: str, stream: SystemStream, partition_key: Any, key: Any, message: Any
    ) -> None:
        producer = self._producer
        assert producer is not None, "producer not started"
        topic = stream.stream
        try:
            if partition_key is None:
                producer.produce(topic, message, key)  # the client's partitioner: murmur2, as Java's default
            else:
                count = self._partition_counts.get(topic) or self.partition_count(topic)
                producer.produce(topic, message, key, samza_partition(partition_key, count))
        except BufferError:
            self._produce_when_room(topic, message, key, partition_key)
        except KafkaException as exc:
            raise self._send_error(topic, exc) from exc
        tally = self._tally
        tally.unpolled += 1
        if tally.unpolled >= _POLL_EVERY:
            self._poll()

    def sender(self, source: str, stream: SystemStream) -> Callable[[Any, Any, Any], None]:
        """``send_serialized`` to ``stream`` with what it looks up per message found once: the client's
        produce, the topic and its partition count. Valid until ``stop``."""
        producer = self._producer
        assert producer is not None, "producer not started"
        produce = producer.produce
        topic = stream.stream
        if CompiledSender is not None:
            return CompiledSender(  # type: ignore[no-any-return]
                produce, topic, self, self._tally, samza_partition, KafkaException, _POLL_EVERY)
        tally = self._tally
        count = 0  # partitions: asked at the first keyed send (an unkeyed stream need not exist yet)
        poll_every = _POLL_EVERY

        def send(partition_key: Any, key: Any, message: Any) -> None:
            nonlocal count
            try:
                if partition_key is None:
                    produce(topic, message, key)
                else:
                    if not count:
                        count = self.partition_count(topic)
                    produce(topic, message, key, samza_partition(partition_key, count))
            except BufferError:
                self._produce_when_room(topic, message, key, partition_key)
            except KafkaException as exc:
                raise self._send_error(topic, exc) from exc
            tally.unpolled += 1
            if tally.unpolled >= poll_every:
                self._poll()

        return send

    def send_serialized_all(
        self, source: str, stream: SystemStream, partition_key: Any, pairs: Sequence[tuple[Any, Any]]
    ) -> None:
        """A batch to one partition (a store's changelog batch): the partition is worked out once."""
        producer = self._producer
        assert producer is not None, "producer not started"
        topic = stream.stream
        partition = -1
        if partition_key is not None:
            partition = samza_partition(partition_key, self._partition_counts.get(topic) or self.partition_count(topic))
        produce = producer.produce
        tally = self._tally
        # The compiled loop sends and counts up to the first send that raises, and hands that exception back to
        # be handled as below.
        compiled = self._produce_pairs
        pairs = pairs if type(pairs) is list else list(pairs)
        i, n, sent = 0, len(pairs), 0
        try:
            while i < n:
                failure: Exception | None = None
                if compiled is not None:
                    i, failure = compiled(produce, topic, partition, pairs, i, tally)
                    if i >= n:
                        break
                key, message = pairs[i]
                try:
                    if failure is not None:
                        raise failure
                    produce(topic, message, key, partition)
                except BufferError:
                    self._produce_when_room(topic, message, key, partition_key)
                except KafkaException as exc:  # refused at once, as in send_serialized: name the topic
                    raise self._send_error(topic, exc) from exc
                sent += 1
                i += 1
        finally:
            tally.unpolled += sent  # a batch that fails part-way still counts the sends before the failure
        if tally.unpolled >= _POLL_EVERY:
            self._poll()

    def _produce_when_room(self, topic: str, message: Any, key: Any, partition_key: Any,
                           partition: int | None = None) -> None:
        producer = self._producer
        assert producer is not None
        if partition is None:
            partition = -1 if partition_key is None else samza_partition(partition_key, self.partition_count(topic))
        self.full_queue_waits.count += 1
        deadline = time.monotonic() + self._max_block_s
        while True:
            # The local queue is full: let deliveries drain. Successes raise no event to wake the poll
            # (delivery.report.only.error), so it waits briefly rather than long.
            producer.poll(_FULL_QUEUE_WAIT_S)
            self._raise_failure()
            try:
                producer.produce(topic, message, key, partition)
                return
            except BufferError:
                if time.monotonic() >= deadline:
                    raise KafkaProducerError(
                        f"Kafka producer of system {self.system!r}: no room in the send queue for {topic} within "
                        f"max.block.ms={self._max_block_s * 1000:.0f} ({len(producer)} sends waiting)"
                    ) from None

    def _count_sends(self) -> None:
        """The sends made since the last poll into the sends metric (counted in batches, off the send path)."""
        tally = self._tally
        self.sends.count += tally.unpolled
        tally.unpolled = 0

    def _poll(self) -> None:
        assert self._producer is not None
        self._count_sends()
        self._producer.poll(0)
        self._raise_failure()

    def flush(self, source: str) -> None:
        producer = self._producer
        if producer is None:
            return
        self._count_sends()
        started_ns = time.perf_counter_ns()
        deadline = time.monotonic() + self._flush_timeout_s
        while producer.flush(5.0) > 0:
            log.info("waiting for %d Kafka sends of system %r", len(producer), self.system)
            self._raise_failure()
            if time.monotonic() >= deadline:
                raise KafkaProducerError(
                    f"Kafka producer of system {self.system!r}: {len(producer)} sends not delivered within "
                    f"{self._flush_timeout_s:.0f} s (message.timeout.ms plus {_FLUSH_GRACE_S:.0f} s)"
                )
        self._count_flush(started_ns)
        self._raise_failure()

    def _count_flush(self, started_ns: int) -> None:
        self.flushes.count += 1
        self.flush_ns.update(time.perf_counter_ns() - started_ns)
        # Only failures are reported back: after a flush (or a commit), everything else sent was delivered.
        self.send_success.count = self.sends.count - self.send_failed.count
