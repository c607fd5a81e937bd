"""What the benchmarks share: a pre-filled input topic, a pass-through task, one container run in this process,
the job's own Kafka client settings (for a raw client loop to use too) and counting what came out.

The scripts import this as ``common`` (they run as ``python bench/<name>.py``, so ``bench/`` is on the path;
containers in child processes get it through ``bench_env``).
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from report import Measurement, measure_in_process

from samza_py.api import (
    IncomingMessageEnvelope,
    InitableTask,
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

DEFAULT_BOOTSTRAP = os.environ.get("GRID_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
BENCH_DIR = Path(__file__).resolve().parent
# The pass-through output of a container in another process: a job config key of the benchmarks' own.
OUTPUT_KEY = "bench.output.stream"


class BenchmarkError(Exception):
    """A run that lost or duplicated messages, or failed: its numbers mean nothing."""


class PassThroughTask(StreamTask):
    """Sends every message on unchanged to ``PassThroughTask.output`` (set it before the run)."""

    output = SystemStream("kafka", "unset")

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        collector.send(OutgoingMessageEnvelope(self.output, envelope.key, envelope.message))


PASS_THROUGH_TASK = f"{PassThroughTask.__module__}.{PassThroughTask.__qualname__}"


class ConfiguredPassThroughTask(PassThroughTask, InitableTask):
    """The pass-through task of a container in a child process: its output is the job's ``bench.output.stream``."""

    def init(self, context: TaskContext) -> None:
        self.output = SystemStream("kafka", context.config[OUTPUT_KEY])


# Imported by module name (not __main__) in the child's container program.
CONFIGURED_PASS_THROUGH_TASK = "common.ConfiguredPassThroughTask"


def bench_env(**extra: str) -> dict[str, str]:
    """This environment for a child container program: bench/ importable (the task), warnings only."""
    path = os.pathsep.join(p for p in (str(BENCH_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return dict(os.environ, PYTHONPATH=path, SAMZA_LOG_LEVEL="WARNING", **extra)


def add_arguments(parser: argparse.ArgumentParser, messages: int) -> None:
    parser.add_argument("--messages", type=int, default=messages, help=f"input messages (default {messages:,})")
    parser.add_argument("--bootstrap", default=DEFAULT_BOOTSTRAP,
                        help=f"Kafka bootstrap servers (default $GRID_KAFKA_BOOTSTRAP or {DEFAULT_BOOTSTRAP})")


def run_id() -> str:
    return uuid.uuid4().hex[:8]


def user_id(i: int) -> bytes:
    """Message i's key: a user id of 10 to 24 characters, different for every message."""
    return f"user-{i:0{5 + i % 15}d}".encode()


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


def topic_count(bootstrap: str, topic: str) -> int:
    """Messages in ``topic``: the sum over its partitions of high minus low watermark."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-count-{run_id()}"})
    try:
        meta = consumer.list_topics(topic, timeout=30).topics[topic]
        if meta.error is not None:
            raise BenchmarkError(f"topic {topic}: {meta.error}")
        total = 0
        for partition in meta.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            total += high - low
        return total
    finally:
        consumer.close()


def verify_count(bootstrap: str, topic: str, expected: int, what: str) -> None:
    """Raise unless ``topic`` holds exactly ``expected`` messages."""
    found = topic_count(bootstrap, topic)
    if found != expected:
        raise BenchmarkError(f"{what}: {topic} holds {found:,} messages, expected {expected:,}")


def produce(bootstrap: str, topic: str, count: int, value_size: int = 100, partitions: int = 1,
            key: Callable[[int], bytes | None] | None = None, distinct_values: bool = False) -> None:
    """Create ``topic`` and fill it with ``count`` values of ``value_size`` bytes, message i to partition i % n.

    Values are one random text, or with ``distinct_values`` taken in turn from 1,024 of them (so that a
    store's compression cannot fold neighbouring values into one).
    """
    create_topic(bootstrap, topic, partitions)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50, "batch.num.messages": 10000,
                         "queue.buffering.max.kbytes": 1048576})
    values = [os.urandom(value_size // 2).hex().encode() for _ in range(1024 if distinct_values else 1)]
    for i in range(count):
        message_key = key(i) if key is not None else None
        while True:
            try:
                producer.produce(topic, values[i % len(values)], message_key, i % partitions)
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


def measure_container(label: str, settings: dict[str, str], messages: int, **extra: Any) -> Measurement:
    """Run one container in this process; wall and CPU from ``run()``'s start (start-up included) to its end."""
    container = make_container(settings)
    with measure_in_process() as watch:
        container.run()
    return watch.measurement(label, messages, **extra)


def median_run(runs: list[Measurement]) -> Measurement:
    """The run of median wall time (the lower middle one of an even count), noting every round's rate."""
    median = sorted(runs, key=lambda m: m.wall_s)[(len(runs) - 1) // 2]
    if len(runs) > 1:
        median.extra["rounds_msg_per_s"] = [round(m.msg_per_s) for m in runs]
    return median


def take_turns(rounds: int, contenders: list[tuple[str, Callable[[int], Measurement]]]) -> dict[str, Measurement]:
    """Run each contender ``(label, run(round_no))`` once a round, ``rounds`` times, and give each one's median
    run. Rounds interleave the contenders, so that a slow spell of a shared machine hits them alike, and each
    round starts one contender further on, so that none always goes first or always runs right after the same
    other one (whose aftermath, a broker still writing its output back, it would pay for)."""
    runs: dict[str, list[Measurement]] = {label: [] for label, _ in contenders}
    for round_no in range(rounds):
        first = round_no % len(contenders)
        for label, run in contenders[first:] + contenders[:first]:
            print(f"  {label}{f' (round {round_no + 1} of {rounds})' if rounds > 1 else ''} ...", flush=True)
            runs[label].append(run(round_no))
    return {label: median_run(measured) for label, measured in runs.items()}
