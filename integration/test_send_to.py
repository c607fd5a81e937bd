"""collector.send_to on the real broker: keys, partitions and values as send() of the same envelope gives."""

from __future__ import annotations

from collections import Counter

from confluent_kafka import Message

from samza_py.api import (
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)
from samza_py.config.config import Config
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.local import local_job_model

from .conftest import KAFKA_BOOTSTRAP
from .jobs import create_topic, produce_round_robin, read_topic

OUTPUT_PARTITIONS = 4


class SendToTask(StreamTask):
    """Input "key|value" (text): send_to(<unique>-to, key, VALUE) and the same through send() to <unique>-send;
    a value "-" goes out with no key."""

    def init(self, context: TaskContext) -> None:
        prefix = context.config["it.prefix"]
        self.to = SystemStream("kafka", f"{prefix}-to")
        self.via_send = SystemStream("kafka", f"{prefix}-send")

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        key, _, value = envelope.message.partition("|")
        out_key = None if key == "-" else key
        collector.send_to(self.to, out_key, value.upper())
        collector.send(OutgoingMessageEnvelope(self.via_send, out_key, value.upper()))


def java_string_hash(text: str) -> int:
    """String.hashCode over UTF-16 code units, independently of the partitioner under test."""
    units = text.encode("utf-16-be", "surrogatepass")
    h = 0
    for i in range(0, len(units), 2):
        h = (h * 31 + int.from_bytes(units[i:i + 2], "big")) % 2**32
    return h - 2**32 if h >= 2**31 else h


def samza_partition_of(key: str) -> int:
    h = java_string_hash(key)
    return (0 if h == -(2**31) else abs(h)) % OUTPUT_PARTITIONS


def test_send_to_keys_partitions_and_serialises_like_send(unique: str) -> None:
    keys = [f"user-{i:04d}-{'x' * (i % 12)}" for i in range(40)] + ["été-日本", "emoji-\U0001f600-key"]
    inputs = [f"{key}|value {n} of {key}" for n in range(3) for key in keys] + [f"-|keyless {n}" for n in range(6)]
    create_topic(f"{unique}-in", 3)
    create_topic(f"{unique}-to", OUTPUT_PARTITIONS)
    create_topic(f"{unique}-send", OUTPUT_PARTITIONS)
    produce_round_robin(f"{unique}-in", 3, (text.encode() for text in inputs))
    config = Config({
        "job.name": f"send-to-{unique}",
        "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory",
        "task.class": f"{SendToTask.__module__}.SendToTask",
        "task.inputs": f"kafka.{unique}-in",
        "it.prefix": unique,
        "serializers.registry.string.class": "org.apache.samza.serializers.StringSerdeFactory",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.samza.key.serde": "string",
        "systems.kafka.samza.msg.serde": "string",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        f"systems.kafka.streams.{unique}-in.samza.bounded": "true",
    })
    SamzaContainer(config, local_job_model(config).containers["0"]).run()  # ends with its bounded input

    sent_to = read_topic(f"{unique}-to")
    via_send = read_topic(f"{unique}-send")
    assert len(sent_to) == len(inputs)
    expected: Counter[tuple[bytes | None, bytes]] = Counter()
    for text in inputs:
        key, _, value = text.partition("|")
        expected[(None if key == "-" else key.encode(), value.upper().encode())] += 1
    assert Counter((m.key(), m.value()) for m in sent_to) == expected
    # Keyed messages go where Java Samza puts them: abs(String.hashCode) % partitions.
    for m in sent_to:
        if m.key() is not None:
            assert m.partition() == samza_partition_of(m.key().decode()), m.key()
    assert {m.partition() for m in sent_to if m.key() is not None} == set(range(OUTPUT_PARTITIONS))
    # And exactly as send() of the same envelope: per partition, the same messages in the same order.
    def by_partition(messages: list[Message]) -> dict[int, list[tuple[bytes | None, bytes]]]:
        out: dict[int, list[tuple[bytes | None, bytes]]] = {}
        for m in messages:
            if m.key() is not None:
                out.setdefault(m.partition(), []).append((m.key(), m.value()))
        return out

    assert by_partition(sent_to) == by_partition(via_send)
