"""A producer queue bounded far below the job's output, on the real broker: sends wait for room and lose
nothing, and each output partition keeps its input partition's order."""

from __future__ import annotations

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

PARTITIONS = 2
MESSAGES = 20_000
QUEUE_BOUND = 50


class SamePartitionTask(StreamTask):
    """Each message goes to the output partition numbered as its input partition (an int partition key
    hashes to itself, as Java's Integer.hashCode does)."""

    def init(self, context: TaskContext) -> None:
        self.output = SystemStream("kafka", context.config["it.output"])

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        partition = envelope.system_stream_partition.partition.partition_id
        collector.send(OutgoingMessageEnvelope(self.output, envelope.message, partition_key=partition))


def test_a_full_producer_queue_makes_sends_wait_and_loses_nothing(unique: str) -> None:
    source, sink = f"{unique}-in", f"{unique}-out"
    create_topic(source, PARTITIONS)
    create_topic(sink, PARTITIONS)
    produce_round_robin(source, PARTITIONS, (f"m{j:05d}".encode() for j in range(MESSAGES)))
    config = Config({
        "job.name": f"queue-bound-{unique}",
        "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory",
        "task.class": f"{SamePartitionTask.__module__}.SamePartitionTask",
        "task.inputs": f"kafka.{source}",
        "it.output": sink,
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": KAFKA_BOOTSTRAP,
        "systems.kafka.producer.queue.buffering.max.messages": str(QUEUE_BOUND),
        "systems.kafka.producer.buffer.memory": "65536",
        "systems.kafka.producer.max.block.ms": "30000",
        f"systems.kafka.streams.{source}.samza.bounded": "true",
    })
    container = SamzaContainer(config, local_job_model(config).containers["0"])
    container.run()  # ends with its bounded input

    waits = container.registry.snapshot()["org.apache.samza.system.kafka.KafkaSystemProducerMetrics"]
    # 20000 sends through a queue of 50: the bound was reached, and sends waited rather than failed.
    assert waits["kafka-producer-full-queue-waits"] > 0
    assert waits["kafka-producer-sends"] == MESSAGES
    out: dict[int, list[bytes]] = {}
    for message in read_topic(sink):
        out.setdefault(message.partition(), []).append(message.value())
    for p in range(PARTITIONS):
        assert out[p] == [f"m{j:05d}".encode() for j in range(p, MESSAGES, PARTITIONS)], p
