"""``task.processing.guarantee``: what exactly-once needs from the rest of the config, and its transaction
timeout.

Exactly-once puts a container's outputs, changelog writes and checkpoints into one Kafka transaction per
commit, written by one producer: so the checkpoints must be Kafka's, on the system the stores log to, and
every reader must see only committed records.
"""

from __future__ import annotations

from collections.abc import Iterator

from samza_py.config.aliases import canonical_class_name
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.storage_config import StorageConfig
from samza_py.config.system_config import SystemConfig
from samza_py.config.task_config import PROCESSING_GUARANTEE, TaskConfig

KAFKA_CHECKPOINT_FACTORY = canonical_class_name("org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory")
KAFKA_SYSTEM_FACTORY = canonical_class_name("org.apache.samza.system.kafka.KafkaSystemFactory")
# The broker's default transaction.max.timeout.ms: a transaction may stay open at most this long.
BROKER_MAX_TRANSACTION_TIMEOUT_MS = 900_000
MIN_TRANSACTION_TIMEOUT_MS = 60_000  # librdkafka's default


def transaction_timeout_ms(commit_ms: int) -> int:
    """Three commit intervals (a slow commit must not abort its transaction), at least a minute, at most what
    a broker allows by default."""
    return min(BROKER_MAX_TRANSACTION_TIMEOUT_MS, max(MIN_TRANSACTION_TIMEOUT_MS, 3 * commit_ms))


def check_processing_guarantee(cfg: Config) -> Iterator[ConfigException]:
    task = TaskConfig(cfg)
    if not task.exactly_once:  # raises for a value that is neither guarantee
        return
    why = "exactly-once writes the checkpoint in the same Kafka transaction as the outputs"
    factory = cfg.get_str("task.checkpoint.factory")
    if factory is None or canonical_class_name(factory) != KAFKA_CHECKPOINT_FACTORY:
        yield ConfigException(
            PROCESSING_GUARANTEE,
            f"{why}: set task.checkpoint.factory=org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory "
            f"(it is {factory.strip() if factory else 'not set'})",
        )
        return
    system = task.checkpoint_system
    systems = SystemConfig(cfg)
    if system is None or not systems.is_defined(system):
        return  # the checkpoint check names what is missing
    if canonical_class_name(systems.factory_class(system)) != KAFKA_SYSTEM_FACTORY:
        yield ConfigException(PROCESSING_GUARANTEE, f"{why}: the checkpoint system {system!r} must be a Kafka system")
    storage = StorageConfig(cfg)
    for store in storage.store_names():
        changelog = storage.changelog(store)
        if changelog is not None and changelog.system != system:
            yield ConfigException(
                f"stores.{store}.changelog",
                f"exactly-once needs every changelog on the checkpoint system {system!r} (one transaction), "
                f"got {changelog.system!r}",
            )
    for name in systems.system_names():
        level = cfg.get_str(f"systems.{name}.consumer.isolation.level")
        if level is not None and level.strip().lower() == "read_uncommitted":
            yield ConfigException(f"systems.{name}.consumer.isolation.level",
                                  "exactly-once reads only committed records: remove it or set read_committed")
        if cfg.get_str(f"systems.{name}.producer.transactional.id") is not None:
            yield ConfigException(f"systems.{name}.producer.transactional.id",
                                  "exactly-once derives each container's transactional id: remove it")
    if task.commit_ms <= 0 or 3 * task.commit_ms > BROKER_MAX_TRANSACTION_TIMEOUT_MS:
        yield ConfigException(
            "task.commit.ms",
            f"exactly-once commits a transaction at every commit: it must be between 1 and "
            f"{BROKER_MAX_TRANSACTION_TIMEOUT_MS // 3} ms (a transaction may stay open at most "
            f"{BROKER_MAX_TRANSACTION_TIMEOUT_MS} ms), got {task.commit_ms}",
        )
