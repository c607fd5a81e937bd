"""Exactly-once checkpoints: each task's checkpoint records go into the container's open Kafka transaction,
beside the outputs and changelog writes of the same commit interval, and the container's commit commits
them all at once.

The checkpoint topic, its records and how checkpoints are read stay the Kafka checkpoint manager's; only
the writes go through the container's transactional producer instead of the manager's own producer (a
transaction belongs to one producer). Readers see a checkpoint only with everything it covers.
"""

from __future__ import annotations

from samza_py.checkpoint.checkpoint import Checkpoint, CheckpointManager
from samza_py.checkpoint.kafka.manager import KafkaCheckpointManager
from samza_py.system.kafka.producer import KafkaSystemProducer


class TransactionalCheckpointManager(CheckpointManager):
    def __init__(self, manager: KafkaCheckpointManager, producer: KafkaSystemProducer) -> None:
        if not producer.transactional:
            raise ValueError(f"the producer of system {producer.system!r} is not transactional")
        if producer.system != manager.system:
            raise ValueError(f"checkpoints go to system {manager.system!r}, the transactions are on "
                             f"{producer.system!r}")
        self.manager = manager
        self.producer = producer

    def start(self) -> None:
        # Only the topic: the manager's own (non-transactional) producer is never used.
        self.manager.create_topic()

    def register(self, task_name: str) -> None:
        self.manager.register(task_name)

    def read_last_checkpoint(self, task_name: str) -> Checkpoint | None:
        return self.manager.read_last_checkpoint(task_name)

    def write_checkpoint(self, task_name: str, checkpoint: Checkpoint) -> None:
        for key, value in self.manager.records(task_name, checkpoint):
            self.producer.send_record(self.manager.topic, 0, key, value)

    def checkpoints_written(self) -> None:
        self.producer.commit_transaction()

    def stop(self) -> None:
        pass  # the producer is the container's: it stops with the other producers
