"""TaskConfig: the ``task.*`` keys (class, inputs, broadcast inputs, timers, checkpointing, run loop)."""

from __future__ import annotations

from samza_py.api.streams import SystemStream, SystemStreamPartition
from samza_py.config._view import ConfigView, parse_system_stream
from samza_py.config.errors import ConfigException

BROADCAST_INPUTS = "task.broadcast.inputs"
DEFAULT_CHOOSER_CLASS = "org.apache.samza.system.chooser.RoundRobinChooserFactory"
DEFAULT_CHECKPOINT_REPLICATION_FACTOR = 3  # Samza's code; its docs say 2
CHECKPOINT_WRITE_VERSIONS = "task.checkpoint.write.versions"
CHECKPOINT_READ_VERSIONS = "task.checkpoint.read.versions"
CHECKPOINT_VERSIONS = (1, 2)
# Samza's Kafka checkpoint manager retries a write for 15 minutes (a constant there; a key here).
DEFAULT_CHECKPOINT_WRITE_TIMEOUT_MS = 15 * 60 * 1000
PROCESSING_GUARANTEE = "task.processing.guarantee"
AT_LEAST_ONCE = "at-least-once"
EXACTLY_ONCE = "exactly-once"
PROCESSING_GUARANTEES = (AT_LEAST_ONCE, EXACTLY_ONCE)
_BROADCAST_FORM = "expected 'system.stream#N' or 'system.stream#[N-M]'"


def parse_broadcast_item(item: str) -> set[SystemStreamPartition]:
    """One ``system.stream#N`` or ``system.stream#[N-M]`` (inclusive range)."""
    text = item.strip()
    name, hash_sign, partitions = text.partition("#")
    if not hash_sign:
        raise ConfigException(BROADCAST_INPUTS, f"{text!r}: {_BROADCAST_FORM}")
    stream = parse_system_stream(BROADCAST_INPUTS, name)
    partitions = partitions.strip()
    if partitions.startswith("[") and partitions.endswith("]"):
        bounds = partitions[1:-1].split("-")
        if len(bounds) != 2:
            raise ConfigException(BROADCAST_INPUTS, f"{text!r}: {_BROADCAST_FORM}")
        first, last = (_partition_number(text, bound) for bound in bounds)
        if first > last:
            raise ConfigException(BROADCAST_INPUTS, f"{text!r}: the range's start is above its end")
        numbers = range(first, last + 1)
    else:
        single = _partition_number(text, partitions)
        numbers = range(single, single + 1)
    return {SystemStreamPartition.of(stream.system, stream.stream, n) for n in numbers}


def _partition_number(item: str, text: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        raise ConfigException(BROADCAST_INPUTS, f"{item!r}: {text!r} is not a partition number; {_BROADCAST_FORM}")
    return int(text)


def parse_broadcast_inputs(value: str) -> set[SystemStreamPartition]:
    """Every SSP of a ``task.broadcast.inputs`` comma list."""
    result: set[SystemStreamPartition] = set()
    for item in value.split(","):
        if item.strip():
            result |= parse_broadcast_item(item)
    return result


class TaskConfig(ConfigView):
    __slots__ = ()

    @property
    def task_class(self) -> str:
        return self.config.require("task.class")

    @property
    def inputs(self) -> list[SystemStream]:
        """``task.inputs`` in order, duplicates dropped (Samza keeps a set)."""
        result: list[SystemStream] = []
        for item in self.config.get_list("task.inputs"):
            stream = parse_system_stream("task.inputs", item)
            if stream not in result:
                result.append(stream)
        return result

    @property
    def broadcast_inputs(self) -> set[SystemStreamPartition]:
        return parse_broadcast_inputs(self.config.get_str(BROADCAST_INPUTS) or "")

    @property
    def input_streams(self) -> list[SystemStream]:
        """Every stream the job reads, ``task.inputs`` and broadcast inputs, sorted by system and stream."""
        streams = set(self.inputs) | {ssp.system_stream for ssp in self.broadcast_inputs}
        return sorted(streams)

    @property
    def window_ms(self) -> int:
        return self.config.get_int("task.window.ms", -1)

    @property
    def commit_ms(self) -> int:
        return self.config.get_int("task.commit.ms", 60000)

    @property
    def processing_guarantee(self) -> str:
        """samza-py: ``at-least-once`` (Samza's) or ``exactly-once`` (Kafka transactions)."""
        value = (self.config.get_str(PROCESSING_GUARANTEE) or AT_LEAST_ONCE).strip().lower()
        if value not in PROCESSING_GUARANTEES:
            raise ConfigException(PROCESSING_GUARANTEE, f"must be one of {', '.join(PROCESSING_GUARANTEES)}, "
                                                        f"got {value!r}")
        return value

    @property
    def exactly_once(self) -> bool:
        return self.processing_guarantee == EXACTLY_ONCE

    @property
    def checkpoint_factory(self) -> str | None:
        """None means the job keeps no checkpoints."""
        return self.config.get_str("task.checkpoint.factory")

    @property
    def checkpoint_system(self) -> str | None:
        return self.config.get_str("task.checkpoint.system") or self.config.get_str("job.default.system")

    @property
    def checkpoint_replication_factor(self) -> int:
        keys = ["task.checkpoint.replication.factor"]
        if self.checkpoint_system is not None:
            keys.append(f"systems.{self.checkpoint_system}.default.stream.replication.factor")
        return self.int_of(tuple(keys), DEFAULT_CHECKPOINT_REPLICATION_FACTOR)

    @property
    def checkpoint_write_versions(self) -> list[int]:
        """Checkpoint versions each commit writes, in order (Samza 1.8: both, v1 first)."""
        return self._versions(CHECKPOINT_WRITE_VERSIONS, [1, 2])

    @property
    def checkpoint_read_versions(self) -> list[int]:
        """Checkpoint versions read at start, most preferred first (Samza 1.8: only v1)."""
        return self._versions(CHECKPOINT_READ_VERSIONS, [1])

    def _versions(self, key: str, default: list[int]) -> list[int]:
        items = self.config.get_list(key) if self.config.get_str(key) is not None else [str(v) for v in default]
        if not items:
            raise ConfigException(key, "must name at least one checkpoint version (1 or 2)")
        versions: list[int] = []
        for item in items:
            if item not in ("1", "2"):
                raise ConfigException(key, f"{item!r} is not a checkpoint version: expected 1 or 2")
            if int(item) not in versions:
                versions.append(int(item))
        return versions

    @property
    def live_checkpoint_max_age_ms(self) -> int:
        """A checkpoint of a less preferred version still wins when written this much later than the
        preferred one (the job stopped writing the preferred version)."""
        return self.config.get_int("task.live.checkpoint.max.age", 600000)

    @property
    def checkpoint_write_timeout_ms(self) -> int:
        """How long a checkpoint write is retried before the container fails."""
        return self.config.get_int("task.checkpoint.write.timeout.ms", DEFAULT_CHECKPOINT_WRITE_TIMEOUT_MS)

    @property
    def checkpoint_topic_properties(self) -> dict[str, str]:
        """samza-py: topic settings for the Kafka checkpoint topic (``task.checkpoint.kafka.*``, e.g.
        ``min.insync.replicas``), over the defaults, as ``stores.<st>.changelog.kafka.*`` are for changelogs."""
        return self.prefixed("task.checkpoint.kafka.")

    @property
    def checkpoint_path(self) -> str | None:
        return self.config.get_str("task.checkpoint.path")

    @property
    def chooser_class(self) -> str:
        return self.config.get_str("task.chooser.class") or DEFAULT_CHOOSER_CLASS

    @property
    def consumer_batch_size(self) -> int:
        return self.config.get_int("task.consumer.batch.size", 1)

    @property
    def poll_interval_ms(self) -> int:
        return self.config.get_int("task.poll.interval.ms", 50)

    @property
    def shutdown_ms(self) -> int:
        return self.config.get_int("task.shutdown.ms", 30000)

    @property
    def drop_deserialization_errors(self) -> bool:
        return self.config.get_bool("task.drop.deserialization.errors", False)

    @property
    def ignored_exceptions(self) -> list[str]:
        """Exception class names to skip, or ``["*"]`` for all."""
        return self.config.get_list("task.ignored.exceptions")

    @property
    def max_concurrency(self) -> int:
        return self.config.get_int("task.max.concurrency", 1)

    @property
    def callback_timeout_ms(self) -> int:
        return self.config.get_int("task.callback.timeout.ms", -1)

    @property
    def transactional_state_checkpoint_enabled(self) -> bool:
        return self.config.get_bool("task.transactional.state.checkpoint.enabled", True)

    @property
    def transactional_state_restore_enabled(self) -> bool:
        return self.config.get_bool("task.transactional.state.restore.enabled", True)

    @property
    def transactional_state_retain_existing_state(self) -> bool:
        return self.config.get_bool("task.transactional.state.retain.existing.state", True)
