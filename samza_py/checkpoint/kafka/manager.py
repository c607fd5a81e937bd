"""KafkaCheckpointManager: checkpoints in Samza's topic ``__samza_checkpoint_ver_1_for_<job>_<id>``.

One partition, compacted; key and value in Samza's JSON, so Java Samza reads what we write and we read
what Samza 1.8 wrote. Each commit writes one record per ``task.checkpoint.write.versions`` (v1, then v2).
Checkpoints are read once, at container start: per task, the last record of the most preferred of
``task.checkpoint.read.versions`` wins (see ``CheckpointLog``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Producer

from samza_py.api import MetricsRegistry
from samza_py.checkpoint.checkpoint import Checkpoint, CheckpointManager, CheckpointManagerFactory
from samza_py.checkpoint.kafka.log import CheckpointError, CheckpointLog
from samza_py.checkpoint.serde import (
    CHECKPOINT_KEY_TYPE,
    checkpoint_key_bytes,
    checkpoint_value_bytes,
    samza_grouper_factory_name,
)
from samza_py.checkpoint.serde_v2 import CHECKPOINT_V2_KEY_TYPE, checkpoint_v2_value_bytes
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.job_config import JobConfig
from samza_py.config.storage_config import StorageConfig
from samza_py.config.task_config import TaskConfig
from samza_py.system.interfaces import StreamSpec
from samza_py.system.kafka import client_config
from samza_py.system.kafka.admin import KafkaSystemAdmin
from samza_py.system.kafka.partition_reader import read_to_end_with_timestamps

log = logging.getLogger(__name__)

TOPIC_CONFIG = {"cleanup.policy": "compact", "segment.bytes": "26214400", "max.message.bytes": "1000012"}
# Samza's write retry: 1 s, doubling up to 10 s, until the write timeout.
INITIAL_BACKOFF_S = 1.0
MAX_BACKOFF_S = 10.0
_SLOW_WRITE_LOG_S = 10.0
# Failures worth another try: the broker or its leader is away, or the request or message timed out.
_RETRIABLE = {
    KafkaError._MSG_TIMED_OUT, KafkaError._TIMED_OUT, KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN,
    KafkaError._QUEUE_FULL, KafkaError.REQUEST_TIMED_OUT, KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE, KafkaError.NOT_ENOUGH_REPLICAS, KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    KafkaError.NETWORK_EXCEPTION, KafkaError.UNKNOWN_TOPIC_OR_PART,
}


def _retriable(err: KafkaError) -> bool:
    # A fatal error ends only the producer: a new one can try again, as Samza recreates its producer.
    return err.fatal() or err.retriable() or err.code() in _RETRIABLE


class KafkaCheckpointManager(CheckpointManager):
    def __init__(self, config: Config, producer_factory: Callable[[dict[str, Any]], Any] = Producer) -> None:
        job, task = JobConfig(config), TaskConfig(config)
        system = task.checkpoint_system
        if not system:
            raise ConfigException("task.checkpoint.system", "is required for Kafka checkpoints (or job.default.system)")
        self.system = system
        self.topic = job.checkpoint_topic()
        self._replication = task.checkpoint_replication_factor
        self.topic_config = {**TOPIC_CONFIG, **task.checkpoint_topic_properties}
        self._grouper = samza_grouper_factory_name(job.ssp_grouper_factory)
        self._write_versions = task.checkpoint_write_versions
        self._log = CheckpointLog(self.topic, self._grouper, job.checkpoint_validation_enabled,
                                  task.checkpoint_read_versions, task.live_checkpoint_max_age_ms)
        self._write_timeout_s = task.checkpoint_write_timeout_ms / 1000
        storage = StorageConfig(config)
        self._changelog_stores = {
            (stream.system, stream.stream): store
            for store in storage.store_names() if (stream := storage.changelog(store)) is not None
        }
        # Every client from the system's settings (security included); checkpoints are durable or nothing.
        self.producer_settings: dict[str, Any] = dict(
            client_config.producer_settings(config, system, client_config.client_id(config, "checkpoint-producer")),
            acks="all", **{"compression.type": "none", "enable.idempotence": True},
        )
        self.reader_settings = client_config.reader_settings(config, system, "checkpoint-reader")
        self.admin_settings = client_config.admin_settings(config, system, "checkpoint-admin")
        self._new_producer = producer_factory
        self._producer: Any = None
        self._tasks: set[str] = set()
        self._latest: dict[str, Checkpoint] | None = None

    def topic_spec(self) -> StreamSpec:
        return StreamSpec(self.topic, 1, self._replication, self.topic_config)

    def create_topic(self) -> None:
        KafkaSystemAdmin(self.system, self.admin_settings).create_stream(self.topic_spec())

    def start(self) -> None:
        self.create_topic()
        self._producer = self._new_producer(self.producer_settings)

    def register(self, task_name: str) -> None:
        self._tasks.add(task_name)

    def read_last_checkpoint(self, task_name: str) -> Checkpoint | None:
        if self._latest is None:
            self._latest = self._read_all()
        return self._latest.get(task_name)

    def _read_all(self) -> dict[str, Checkpoint]:
        def apply(batch: list[tuple[bytes, bytes | None, int]]) -> None:
            for key, value, timestamp in batch:
                self._log.apply(key, value, timestamp)

        read_to_end_with_timestamps(self.reader_settings, self.topic, 0, apply)
        return self._log.latest()

    def records(self, task_name: str, checkpoint: Checkpoint) -> list[tuple[bytes, bytes]]:
        """The (key, value) of each configured checkpoint version, in write order."""
        out: list[tuple[bytes, bytes]] = []
        for version in self._write_versions:
            if version == 1:
                key = checkpoint_key_bytes(task_name, self._grouper, CHECKPOINT_KEY_TYPE)
                out.append((key, checkpoint_value_bytes(checkpoint)))
            else:
                key = checkpoint_key_bytes(task_name, self._grouper, CHECKPOINT_V2_KEY_TYPE)
                out.append((key, checkpoint_v2_value_bytes(checkpoint, self._changelog_stores)))
        return out

    def write_checkpoint(self, task_name: str, checkpoint: Checkpoint) -> None:
        """Write and flush; retriable failures are retried with backoff until task.checkpoint.write.timeout.ms,
        after which the container fails naming the task."""
        if self._producer is None:
            raise CheckpointError("checkpoint manager not started")
        records = self.records(task_name, checkpoint)
        started = time.monotonic()
        deadline = started + self._write_timeout_s
        backoff = INITIAL_BACKOFF_S
        attempt = 1
        while True:
            err = self._try_write(records, task_name, deadline)
            if err is None:
                if attempt > 1:
                    log.info("wrote the checkpoint of task %r to %s after %d attempts", task_name, self.topic, attempt)
                return
            if not _retriable(err):
                raise CheckpointError(f"writing the checkpoint of task {task_name!r} to {self.topic} failed: {err}")
            if time.monotonic() + backoff >= deadline:
                raise CheckpointError(
                    f"writing the checkpoint of task {task_name!r} to {self.topic} failed for "
                    f"{time.monotonic() - started:.0f} s (task.checkpoint.write.timeout.ms="
                    f"{self._write_timeout_s * 1000:.0f}); last error: {err}"
                )
            log.warning("writing the checkpoint of task %r to %s failed (attempt %d): %s; retrying in %.0f s",
                        task_name, self.topic, attempt, err, backoff)
            if err.fatal():
                self._producer = self._new_producer(self.producer_settings)
            time.sleep(backoff)  # a backoff between attempts, not a wait for a condition
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            attempt += 1

    def _try_write(self, records: list[tuple[bytes, bytes]], task_name: str, deadline: float) -> KafkaError | None:
        """One attempt: the first delivery error, or None once every record is durable."""
        producer = self._producer
        failures: list[KafkaError] = []

        def delivered(err: KafkaError | None, _msg: object) -> None:
            if err is not None:
                failures.append(err)

        try:
            for key, value in records:
                producer.produce(self.topic, value, key, 0, on_delivery=delivered)
        except BufferError:
            return KafkaError(KafkaError._QUEUE_FULL, "the producer's queue is full")
        except KafkaException as exc:
            return exc.args[0]  # type: ignore[no-any-return]
        while True:
            remaining = producer.flush(max(0.0, min(_SLOW_WRITE_LOG_S, deadline - time.monotonic())))
            if failures:
                return failures[0]
            if not remaining:
                return None
            if time.monotonic() >= deadline:
                raise CheckpointError(
                    f"writing the checkpoint of task {task_name!r} to {self.topic}: {remaining} record(s) not "
                    f"delivered within task.checkpoint.write.timeout.ms={self._write_timeout_s * 1000:.0f}"
                )
            log.warning("the checkpoint write of task %r to %s is slow: %d record(s) not yet delivered",
                        task_name, self.topic, remaining)

    def stop(self) -> None:
        if self._producer is not None:
            remaining = self._producer.flush(30.0)
            if remaining:
                log.error("stopping with %d checkpoint record(s) for %s undelivered", remaining, self.topic)
            self._producer = None


class KafkaCheckpointManagerFactory(CheckpointManagerFactory):
    def get_checkpoint_manager(self, config: Config, metrics_registry: MetricsRegistry) -> CheckpointManager:
        return KafkaCheckpointManager(config)
