"""KafkaCheckpointManager: checkpoints in Samza's topic ``__samza_checkpoint_ver_1_for_<job>_<id>``.

One partition, compacted; key and value in Samza's JSON, so Java Samza reads what we write.
Checkpoints are read once, at container start: the last record per task wins.
"""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError, Producer

from samza_py.api import MetricsRegistry
from samza_py.checkpoint.checkpoint import Checkpoint, CheckpointManager, CheckpointManagerFactory
from samza_py.checkpoint.serde import (
    checkpoint_key_bytes,
    checkpoint_value_bytes,
    parse_checkpoint_key,
    parse_checkpoint_value,
    samza_grouper_factory_name,
)
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.job_config import JobConfig
from samza_py.config.task_config import TaskConfig
from samza_py.system.interfaces import StreamSpec
from samza_py.system.kafka import client_config
from samza_py.system.kafka.admin import KafkaSystemAdmin
from samza_py.system.kafka.partition_reader import read_to_end

log = logging.getLogger(__name__)

TOPIC_CONFIG = {"cleanup.policy": "compact", "segment.bytes": "26214400", "max.message.bytes": "1000012"}


class CheckpointError(Exception):
    pass


class KafkaCheckpointManager(CheckpointManager):
    def __init__(self, config: Config) -> None:
        system = TaskConfig(config).checkpoint_system
        if not system:
            raise ConfigException("task.checkpoint.system", "is required for Kafka checkpoints (or job.default.system)")
        self.system = system
        job, task = JobConfig(config), TaskConfig(config)
        self.topic = job.checkpoint_topic()
        self._replication = task.checkpoint_replication_factor
        self.topic_config = {**TOPIC_CONFIG, **task.checkpoint_topic_properties}
        self._grouper = samza_grouper_factory_name(job.ssp_grouper_factory)
        self._validate = job.checkpoint_validation_enabled
        self._bootstrap = client_config.bootstrap_servers(config, system)
        self._admin = KafkaSystemAdmin(system, client_config.admin_settings(config, system))
        self._producer: Producer | None = None
        self._tasks: set[str] = set()
        self._latest: dict[str, Checkpoint] | None = None
        self._failure: str | None = None

    def create_topic(self) -> None:
        self._admin.create_stream(StreamSpec(self.topic, 1, self._replication, self.topic_config))

    def start(self) -> None:
        self.create_topic()
        self._producer = Producer({
            "bootstrap.servers": self._bootstrap,
            "acks": "all",
            "compression.type": "none",
            "enable.idempotence": True,
            "on_delivery": self._on_delivery,
        })

    def _on_delivery(self, err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            self._failure = str(err)

    def register(self, task_name: str) -> None:
        self._tasks.add(task_name)

    def read_last_checkpoint(self, task_name: str) -> Checkpoint | None:
        if self._latest is None:
            self._latest = self._read_all()
        return self._latest.get(task_name)

    def _read_all(self) -> dict[str, Checkpoint]:
        latest: dict[str, Checkpoint] = {}

        def apply(batch: list[tuple[bytes, bytes | None]]) -> None:
            for key, value in batch:
                self._apply(latest, key, value)

        read_to_end({"bootstrap.servers": self._bootstrap}, self.topic, 0, apply)
        return latest

    def _apply(self, latest: dict[str, Checkpoint], key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        kind, task_name, grouper = parse_checkpoint_key(key)
        if kind != "checkpoint":
            return
        if self._validate and grouper != self._grouper:
            raise CheckpointError(
                f"the checkpoint of task {task_name!r} in {self.topic} was written with grouper "
                f"{grouper}, but job.systemstreampartition.grouper.factory is {self._grouper}; "
                "set job.checkpoint.validation.enabled=false to ignore"
            )
        if value is None:
            latest.pop(task_name, None)
        else:
            latest[task_name] = parse_checkpoint_value(value)

    def write_checkpoint(self, task_name: str, checkpoint: Checkpoint) -> None:
        producer = self._producer
        if producer is None:
            raise CheckpointError("checkpoint manager not started")
        producer.produce(
            self.topic,
            checkpoint_value_bytes(checkpoint),
            checkpoint_key_bytes(task_name, self._grouper),
            0,
        )
        while producer.flush(10.0) > 0:
            log.warning("checkpoint write to %s is slow", self.topic)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise CheckpointError(f"writing the checkpoint of task {task_name!r} to {self.topic} failed: {failure}")

    def stop(self) -> None:
        if self._producer is not None:
            self._producer.flush(30.0)
            self._producer = None


class KafkaCheckpointManagerFactory(CheckpointManagerFactory):
    def get_checkpoint_manager(self, config: Config, metrics_registry: MetricsRegistry) -> CheckpointManager:
        return KafkaCheckpointManager(config)
