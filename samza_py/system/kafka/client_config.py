"""Kafka client settings from ``systems.<s>.consumer.*`` / ``systems.<s>.producer.*``.

Samza passes these keys to the Java clients; librdkafka (under confluent-kafka) spells some of them
differently, knows others not at all, and some (ZooKeeper-era keys) are obsolete. One broker list
serves consumer, producer and admin.

Every Kafka client samza-py opens is configured here, so security settings (``security.protocol``,
``ssl.*``, ``sasl.*``) reach all of them: the task's consumer and producer, and the checkpoint manager,
coordinator stream, changelog restore readers and admin clients. Each gets a client id naming the job
and its role, and an ``error_cb`` that logs what librdkafka reports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from confluent_kafka import KafkaError

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.system.kafka.security import SECURITY_KEYS, plain, translate_security

log = logging.getLogger(__name__)

# Java client key -> librdkafka key.
_RENAMED = {
    "max.request.size": "message.max.bytes",
    "receive.buffer.bytes": "socket.receive.buffer.bytes",
    "send.buffer.bytes": "socket.send.buffer.bytes",
    "retries": "message.send.max.retries",
}
# Keys that only mean something to the Java clients or to Samza's old Scala consumer.
_JAVA_ONLY = {
    "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
    "max.poll.records", "max.poll.interval.ms", "partition.assignment.strategy", "interceptor.classes",
    "exclude.internal.topics", "client.dns.lookup",
}
# Java client keys samza-py itself reads rather than passing on: max.block.ms bounds how long a send
# waits for room in a full producer queue.
MAX_BLOCK_MS = "max.block.ms"
DEFAULT_MAX_BLOCK_MS = 60000  # the Java producer's default
_READ_BY_SAMZA_PY = {MAX_BLOCK_MS}
# Java's bound on a producer's buffered records, in bytes; librdkafka bounds its queue in kilobytes.
BUFFER_MEMORY = "buffer.memory"
_OBSOLETE = {"zookeeper.connect", "zookeeper.connection.timeout.ms", "zookeeper.session.timeout.ms",
             "auto.commit.enable", "fetch.message.max.bytes", "socket.timeout.ms", "rebalance.max.retries",
             "metadata.broker.list"}
# librdkafka's consumer-only properties: an admin client (built from the consumer's settings, as Samza
# builds its admin) would only warn about each of them.
_CONSUMER_ONLY = {
    "group.id", "group.instance.id", "session.timeout.ms", "heartbeat.interval.ms", "group.protocol.type",
    "coordinator.query.interval.ms", "enable.auto.commit", "auto.commit.interval.ms", "enable.auto.offset.store",
    "queued.min.messages", "queued.max.messages.kbytes", "fetch.wait.max.ms", "fetch.max.bytes",
    "max.partition.fetch.bytes", "fetch.min.bytes", "fetch.error.backoff.ms", "fetch.queue.backoff.ms",
    "isolation.level", "enable.partition.eof", "check.crcs", "allow.auto.create.topics", "auto.offset.reset",
}
_OFFSET_RESET = {"largest": "latest", "smallest": "earliest", "latest": "latest", "earliest": "earliest",
                 "none": "error"}

ERROR_LOG_EVERY_S = 10.0

# Consumer settings where librdkafka's defaults do not suit a container; ``systems.<s>.consumer.*``
# overrides each. librdkafka stops fetching a partition once its local queue holds queued.min.messages
# (100000) and then waits fetch.queue.backoff.ms (1000) before it asks again: a busy job drains the
# queue in a fraction of a second and then sits idle for the rest (Java's consumer has no such pause: it
# fetches again as soon as its buffer is drained). The container buffers up to samza.fetch.threshold
# (50000) messages itself, so a deep librdkafka queue only doubles the memory held; a queue of 10000
# per partition checked again after 10 ms keeps fetches ahead of the task (measured: a plain consume →
# produce loop, which has no buffer of its own, is as fast with these as with 100000 and 100 ms, and a
# one-partition container holds ~40 MB less). Fetch sizes keep librdkafka's defaults, which match
# Java's (1 MB per partition, 50 MB per fetch).
CONSUMER_DEFAULTS: dict[str, object] = {"fetch.queue.backoff.ms": 10, "queued.min.messages": 10000}

# Producer settings where librdkafka's defaults do not suit a container; ``systems.<s>.producer.*``
# overrides each. Samza keeps per-partition order (max.in.flight=1, endless retries); idempotence gives
# librdkafka the same ordering guarantee with more requests in flight. librdkafka queues up to 100000
# messages and 1 GB: a queued message costs ~340 bytes of memory beyond its payload (measured: 100000
# messages of 100 bytes hold 34 MB), so a container whose broker falls behind for a moment grows by
# tens of MB and keeps them. Java bounds its producer by buffer.memory (32 MB); samza-py keeps that
# bound and at most 20000 messages (two of librdkafka's full batches): measured on one local broker,
# a pass-through is as fast with it as with 100000.
PRODUCER_DEFAULTS: dict[str, object] = {
    "linger.ms": 10, "enable.idempotence": True, "partitioner": "murmur2_random",
    "queue.buffering.max.messages": 20000, "queue.buffering.max.kbytes": 32768,
}

_warned: set[str] = set()


def _warn_once(key: str, why: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning("ignoring %s: %s", key, why)


def job_ident(config: Config) -> str:
    return f"{config.get_str('job.name', 'samza-job')}-{config.get_str('job.id', '1')}"


def client_id(config: Config, role: str) -> str:
    """``<job.name>-<job.id>-<role>``: which job's which client a broker log line is about."""
    return f"{job_ident(config)}-{role}"


def _error_logger(client: str) -> Callable[[KafkaError], None]:
    """librdkafka's error_cb: broker-down and authentication errors would otherwise go unseen.

    A broker that is away is reported at every reconnect attempt: each kind of error is logged at most
    once per ERROR_LOG_EVERY_S, with how many were left out.
    """
    last_logged: dict[int, float] = {}
    left_out: dict[int, int] = {}

    def log_error(err: KafkaError) -> None:
        if err.fatal():
            log.error("Kafka client %s: fatal error: %s", client, err)
            return
        code, now = err.code(), time.monotonic()
        if code in last_logged and now - last_logged[code] < ERROR_LOG_EVERY_S:
            left_out[code] = left_out.get(code, 0) + 1
            return
        last_logged[code] = now
        more = left_out.pop(code, 0)
        log.warning("Kafka client %s: %s%s", client, err, f" ({more} more like it left out)" if more else "")

    return log_error


def bootstrap_servers(config: Config, system: str) -> str:
    for kind in ("producer", "consumer"):
        key = f"systems.{system}.{kind}.bootstrap.servers"
        value = config.get_str(key)
        if value:
            return value
    raise ConfigException(
        f"systems.{system}.producer.bootstrap.servers",
        "is required (or systems.<s>.consumer.bootstrap.servers): the Kafka broker list",
    )


def _translate(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
    security = translate_security(prefix, values)
    out: dict[str, str] = {}
    for key, value in values.items():
        value = plain(value)  # a Secret's characters: librdkafka reads settings through str()
        if key in _READ_BY_SAMZA_PY or key in SECURITY_KEYS:
            continue
        elif key in _OBSOLETE:
            _warn_once(prefix + key, "obsolete ZooKeeper-era Kafka setting")
        elif key in _JAVA_ONLY:
            _warn_once(prefix + key, "a Java Kafka client setting with no librdkafka equivalent")
        elif key == "auto.offset.reset":
            mapped = _OFFSET_RESET.get(value.strip().lower())
            if mapped is None:
                raise ConfigException(prefix + key, f"must be largest, smallest, latest or earliest, got {value!r}")
            out[key] = mapped
        elif key == "enable.auto.commit":
            continue  # Samza owns offsets: checkpoints, never consumer-group commits.
        elif key == BUFFER_MEMORY:
            if prefix.endswith(".producer."):
                out["queue.buffering.max.kbytes"] = str(_kilobytes(prefix + key, value))
            else:
                _warn_once(prefix + key, "a Java producer setting, meaningless for a consumer")
        else:
            out[_RENAMED.get(key, key)] = value
    out.update(security)
    return out


def check_client_settings(config: Config, system: str) -> list[ConfigException]:
    """What translating the system's ``consumer.*`` and ``producer.*`` settings would refuse, found before
    any client is built (run-job's validation)."""
    problems: list[ConfigException] = []
    for kind in ("consumer", "producer"):
        prefix = f"systems.{system}.{kind}."
        try:
            _translate(prefix, config.subset(prefix))
        except ConfigException as exc:
            problems.append(exc)
    return problems


def _kilobytes(key: str, value: str) -> int:
    try:
        size = int(value.strip())
    except ValueError:
        raise ConfigException(key, f"must be a number of bytes, got {value!r}") from None
    if size < 1024:
        raise ConfigException(key, f"must be at least 1024 bytes (librdkafka counts kilobytes), got {size}")
    return -(-size // 1024)


def consumer_settings(config: Config, system: str, client_id: str, group_id: str) -> dict[str, object]:
    prefix = f"systems.{system}.consumer."
    settings: dict[str, object] = {"auto.offset.reset": "latest", **CONSUMER_DEFAULTS}  # Samza: "largest"
    settings.update(_translate(prefix, config.subset(prefix)))
    settings.update({
        "bootstrap.servers": bootstrap_servers(config, system),
        "group.id": group_id,
        "client.id": client_id,
        "error_cb": _error_logger(client_id),
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": False,
    })
    return settings


def reader_settings(config: Config, system: str, role: str) -> dict[str, object]:
    """A partition reader's consumer (checkpoints, coordinator stream, changelog restore); the reader
    picks its own throwaway group id. It reads a known offset range, so an offset that went out of range
    under it means "from the oldest", never "skip to the end"."""
    ident = client_id(config, role)
    return dict(consumer_settings(config, system, client_id=ident, group_id=ident), **{"auto.offset.reset": "earliest"})


def producer_settings(config: Config, system: str, client_id: str) -> dict[str, object]:
    prefix = f"systems.{system}.producer."
    settings: dict[str, object] = dict(PRODUCER_DEFAULTS)
    settings.update(_translate(prefix, config.subset(prefix)))
    settings["bootstrap.servers"] = bootstrap_servers(config, system)
    settings["client.id"] = client_id
    settings["error_cb"] = _error_logger(client_id)
    return settings


def producer_max_block_ms(config: Config, system: str) -> int:
    return config.get_int(f"systems.{system}.producer.{MAX_BLOCK_MS}", DEFAULT_MAX_BLOCK_MS)


def admin_settings(config: Config, system: str, role: str = "admin") -> dict[str, object]:
    """Samza builds its admin from the consumer's settings; librdkafka's consumer-only ones are left out."""
    prefix = f"systems.{system}.consumer."
    settings: dict[str, object] = {
        key: value for key, value in _translate(prefix, config.subset(prefix)).items() if key not in _CONSUMER_ONLY
    }
    ident = client_id(config, role)
    settings.update({
        "bootstrap.servers": bootstrap_servers(config, system),
        "client.id": ident,
        "error_cb": _error_logger(ident),
    })
    return settings
