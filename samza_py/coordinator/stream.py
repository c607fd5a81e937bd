"""The coordinator stream ``__samza_coordinator_<job>_<id>``: config and job state that outlive a run.

One partition, compacted. Key: the JSON array ``[1, "<type>", "<key>"]``; value: JSON with ``host``,
``username``, ``source``, ``timestamp`` and ``values``; a null value deletes. Reading from the start,
the last value per (type, key) wins. run-job writes the config here (``set-config``); job-model
computation keeps the task → changelog partition mapping here (``set-changelog``).
"""

from __future__ import annotations

import getpass
import json
import socket
import time
from collections.abc import Mapping
from typing import Any

from confluent_kafka import Producer

from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.secrets import redacted
from samza_py.system.interfaces import StreamSpec
from samza_py.system.kafka import client_config
from samza_py.system.kafka.admin import KafkaSystemAdmin
from samza_py.system.kafka.authentication import AuthenticationWatch
from samza_py.system.kafka.partition_reader import read_to_end

SET_CONFIG = "set-config"
SET_CHANGELOG = "set-changelog"
TOPIC_CONFIG = {"cleanup.policy": "compact", "segment.bytes": "26214400"}


class CoordinatorStreamError(Exception):
    pass


def message_key(kind: str, key: str) -> bytes:
    return json.dumps([1, kind, key], separators=(",", ":")).encode()


def message_value(source: str, values: Mapping[str, str]) -> bytes:
    return json.dumps({
        "host": socket.gethostname(),
        "username": getpass.getuser(),
        "source": source,
        "timestamp": int(time.time() * 1000),
        "values": dict(values),
    }, separators=(",", ":")).encode()


class CoordinatorStream:
    def __init__(self, config: Config) -> None:
        job = JobConfig(config)
        system = job.coordinator_system
        if system is None:
            raise CoordinatorStreamError("job.coordinator.system (or job.default.system) is not set")
        self.topic = job.coordinator_topic()
        self._replication = job.coordinator_replication_factor
        self.topic_config = {**TOPIC_CONFIG, **job.coordinator_topic_properties}
        self.reader_settings = client_config.reader_settings(config, system, "coordinator-reader")
        # Durable or nothing: whatever the system's producer settings say about acks.
        self.producer_settings: dict[str, object] = dict(
            client_config.producer_settings(config, system, client_config.client_id(config, "coordinator-producer")),
            acks="all", **{"enable.idempotence": True},
        )
        self._auth = AuthenticationWatch(system, self.producer_settings, kind="producer")
        self.admin = KafkaSystemAdmin(system, client_config.admin_settings(config, system, "coordinator-admin"))
        self._producer: Producer | None = None

    def create(self) -> None:
        self.admin.create_stream(StreamSpec(self.topic, 1, self._replication, self.topic_config))

    def read(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The current value of every (type, key)."""
        state: dict[tuple[str, str], dict[str, Any]] = {}

        def apply(batch: list[tuple[bytes, bytes | None]]) -> None:
            for key, value in batch:
                _version, kind, name = json.loads(key)
                if value is None:
                    state.pop((kind, name), None)
                else:
                    state[(kind, name)] = json.loads(value)["values"]

        read_to_end(self.reader_settings, self.topic, 0, apply)
        return state

    def write(self, source: str, messages: Mapping[tuple[str, str], Mapping[str, str] | None]) -> None:
        """Write (type, key) → values; None deletes. Returns once every message is durable."""
        failures: list[str] = []

        def delivered(err: object, _msg: object) -> None:
            if err is not None:
                failures.append(str(err))

        if self._producer is None:
            # One producer per stream object: the AM writes a locality record at every container start.
            self._producer = Producer(self.producer_settings)
        producer = self._producer
        for (kind, key), values in messages.items():
            value = None if values is None else message_value(source, values)
            producer.produce(self.topic, value, message_key(kind, key), 0, on_delivery=delivered)
        # In short flushes: a refused login (heard through error_cb) fails at once instead of after 60 s.
        deadline = time.monotonic() + 60
        while (remaining := producer.flush(1.0)) and time.monotonic() < deadline:
            self._auth.raise_if_failed()
        self._auth.raise_if_failed()
        if remaining or failures:
            raise CoordinatorStreamError(f"writing to {self.topic} failed: {failures or f'{remaining} unsent'}")

    def write_config(self, config: Config) -> None:
        """run-job's part: the job's config, with keys no longer in it deleted."""
        current = self.read()
        messages: dict[tuple[str, str], Mapping[str, str] | None] = {
            (kind, key): None for kind, key in current if kind == SET_CONFIG and key not in config
        }
        # Secrets stay out of the stream (anyone who may read the topic would read them): their keys are
        # written with [redacted]. Containers never read config from here; they get it whole at launch.
        messages.update({(SET_CONFIG, key): {"value": value} for key, value in redacted(config).items()})
        self.write("job-runner", messages)

    def changelog_mapping(self) -> dict[str, int]:
        return {key: int(v["Partition"]) for (kind, key), v in self.read().items() if kind == SET_CHANGELOG}

    def write_changelog_mapping(self, mapping: Mapping[str, int], previous: Mapping[str, int]) -> None:
        changed = {task: p for task, p in mapping.items() if previous.get(task) != p}
        if changed:
            self.write("job-coordinator", {(SET_CHANGELOG, t): {"Partition": str(p)} for t, p in changed.items()})


SET_CONTAINER_HOST = "set-container-host-assignment"
SET_TASK_CONTAINER = "set-task-container-assignment"


def container_hosts(state: Mapping[tuple[str, str], Mapping[str, Any]]) -> dict[str, str]:
    """Processor id → the host its container last ran on."""
    return {key: str(v["host"]) for (kind, key), v in state.items() if kind == SET_CONTAINER_HOST and v.get("host")}


def task_assignment(state: Mapping[tuple[str, str], Mapping[str, Any]]) -> dict[str, str]:
    """Task name → the processor id it was last assigned to."""
    return {key: str(v["containerId"]) for (kind, key), v in state.items() if kind == SET_TASK_CONTAINER}
