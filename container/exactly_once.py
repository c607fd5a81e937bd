"""Exactly-once in a container (``task.processing.guarantee=exactly-once``): one transactional producer on
the checkpoint system, whose transaction each commit closes with the tasks' checkpoints.

The transactional id is ``<job.name>-<job.id>-<processor id>``: a restarted container (the same processor)
fences its predecessor and aborts its open transaction when it starts, before anything is read, so readers
of the changelogs and the checkpoint topic (read_committed, librdkafka's default) are never held back by
it. Sends to another system could not be in the transaction, so they fail, naming the system.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samza_py.api import OutgoingMessageEnvelope, SystemStream
from samza_py.checkpoint.checkpoint import CheckpointManager
from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager
from samza_py.checkpoint.kafka.transactional import TransactionalCheckpointManager
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.processing_guarantee import transaction_timeout_ms
from samza_py.config.task_config import TaskConfig
from samza_py.system.interfaces import SystemProducer
from samza_py.system.kafka.producer import KafkaSystemProducer


class ExactlyOnceError(Exception):
    pass


def transactional_id(config: Config, processor_id: str) -> str:
    job = JobConfig(config)
    return f"{job.name}-{job.id}-{processor_id}"


def make_transactional(producer: SystemProducer, config: Config, processor_id: str) -> None:
    """Before the producer starts: every send of it goes into the container's transaction."""
    if not isinstance(producer, KafkaSystemProducer):
        raise ExactlyOnceError(f"exactly-once needs a Kafka producer on the checkpoint system, got "
                               f"{type(producer).__name__}")
    timeout_ms = transaction_timeout_ms(TaskConfig(config).commit_ms)
    producer.use_transactions(transactional_id(config, processor_id), timeout_ms)


def transactional_checkpoints(manager: CheckpointManager, producer: SystemProducer) -> CheckpointManager:
    if not isinstance(manager, KafkaCheckpointManager) or not isinstance(producer, KafkaSystemProducer):
        raise ExactlyOnceError(f"exactly-once needs Kafka checkpoints, got {type(manager).__name__}")
    return TransactionalCheckpointManager(manager, producer)


class OutsideTransactionProducer(SystemProducer):
    """A system other than the transaction's: started and stopped like any, but a send is an error."""

    def __init__(self, inner: SystemProducer, system: str, transaction_system: str) -> None:
        self.inner = inner
        self.system = system
        self.transaction_system = transaction_system

    def _refuse(self) -> ExactlyOnceError:
        return ExactlyOnceError(f"exactly-once: a send to system {self.system!r} cannot be in the transaction "
                                f"on system {self.transaction_system!r}; send outputs to {self.transaction_system!r}")

    def register(self, source: str) -> None:
        self.inner.register(source)

    def start(self) -> None:
        self.inner.start()

    def stop(self) -> None:
        self.inner.stop()

    def flush(self, source: str) -> None:
        self.inner.flush(source)

    def send(self, source: str, envelope: OutgoingMessageEnvelope) -> None:
        raise self._refuse()

    def send_serialized(self, source: str, stream: SystemStream, partition_key: Any, key: Any,
                        message: Any) -> None:
        raise self._refuse()

    def sender(self, source: str, stream: SystemStream) -> Callable[[Any, Any, Any], None]:
        raise self._refuse()

    def send_serialized_all(self, source: str, stream: SystemStream, partition_key: Any,
                            pairs: Any) -> None:
        raise self._refuse()
