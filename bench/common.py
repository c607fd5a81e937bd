"""What the benchmarks share: a pre-filled input topic, a pass-through task, one container run in this process.

The scripts import this as ``common`` (they run as ``python bench/<name>.py``, so ``bench/`` is on the path).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from samza_py.api import (
    IncomingMessageEnvelope,
    MessageCollector,
    OutgoingMessageEnvelope,
    StreamTask,
    SystemStream,
    TaskCoordinator,
)
from samza_py.config.config import Config
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.local import local_job_model

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"


class PassThroughTask(StreamTask):
    """Sends every message on unchanged to ``PassThroughTask.output`` (set it before the run)."""

    output = SystemStream("kafka", "unset")

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        collector.send(OutgoingMessageEnvelope(self.output, envelope.key, envelope.message))


PASS_THROUGH_TASK = f"{PassThroughTask.__module__}.{PassThroughTask.__qualname__}"


def job_config(bootstrap: str, source: str, task_class: str, commit_ms: int = 60000) -> dict[str, str]:
    """A one-container ThreadJobFactory job over the bounded topic ``source``, from its oldest offset."""
    return {
        "job.name": f"bench-{uuid.uuid4().hex[:8]}",
        "job.factory.class": "samza_py.job.local.ThreadJobFactory",
        "task.class": task_class,
        "task.inputs": f"kafka.{source}",
        "task.commit.ms": str(commit_ms),
        "systems.kafka.samza.factory": "samza_py.system.kafka.factory.KafkaSystemFactory",
        "systems.kafka.samza.offset.default": "oldest",
        "systems.kafka.producer.bootstrap.servers": bootstrap,
        f"systems.kafka.streams.{source}.samza.bounded": "true",
    }


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)


def produce(bootstrap: str, topic: str, count: int, value_size: int = 100, partitions: int = 1,
            key: Callable[[int], bytes | None] | None = None) -> None:
    """Create ``topic`` and fill it with ``count`` values of ``value_size`` bytes, message i to partition i % n."""
    create_topic(bootstrap, topic, partitions)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.num.messages": 10000,
                         "queue.buffering.max.kbytes": 1048576})
    value = os.urandom(value_size // 2).hex().encode()
    for i in range(count):
        message_key = key(i) if key is not None else None
        while True:
            try:
                producer.produce(topic, value, message_key, i % partitions)
                break
            except BufferError:
                producer.poll(0.05)
        if i % 10000 == 0:
            producer.poll(0)
    assert producer.flush(300) == 0


def make_container(settings: dict[str, str]) -> SamzaContainer:
    """The one container of a job of these settings (``job.factory.class`` ThreadJobFactory), not started."""
    config = Config(settings)
    return SamzaContainer(config, local_job_model(config).containers["0"])


def timed_run(container: SamzaContainer) -> float:
    """Run the container to its end (a bounded input ends it) and return the seconds it took."""
    started = time.perf_counter()
    container.run()
    return time.perf_counter() - started


def run_container(settings: dict[str, str]) -> float:
    return timed_run(make_container(settings))
