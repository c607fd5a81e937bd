"""Kafka client settings from ``systems.<s>.consumer.*`` / ``systems.<s>.producer.*``.

Samza passes these keys to the Java clients; librdkafka (under confluent-kafka) spells some of them
differently, knows others not at all, and some (ZooKeeper-era keys) are obsolete. One broker list
serves consumer, producer and admin.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException

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
    "exclude.internal.topics", "client.dns.lookup", "max.block.ms", "buffer.memory",
    "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type",
    "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type",
}
_OBSOLETE = {"zookeeper.connect", "zookeeper.connection.timeout.ms", "zookeeper.session.timeout.ms",
             "auto.commit.enable", "fetch.message.max.bytes", "socket.timeout.ms", "rebalance.max.retries",
             "metadata.broker.list"}
_OFFSET_RESET = {"largest": "latest", "smallest": "earliest", "latest": "latest", "earliest": "earliest",
                 "none": "error"}

_warned: set[str] = set()


def _warn_once(key: str, why: str) -> None:
    if key not in _warned:
        _warned.add(key)
        log.warning("ignoring %s: %s", key, why)


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
    out: dict[str, str] = {}
    for key, value in values.items():
        if key in _OBSOLETE:
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
        else:
            out[_RENAMED.get(key, key)] = value
    return out


def consumer_settings(config: Config, system: str, client_id: str, group_id: str) -> dict[str, object]:
    prefix = f"systems.{system}.consumer."
    settings: dict[str, object] = {"auto.offset.reset": "latest"}  # Samza's default "largest"
    settings.update(_translate(prefix, config.subset(prefix)))
    settings.update({
        "bootstrap.servers": bootstrap_servers(config, system),
        "group.id": group_id,
        "client.id": client_id,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": False,
    })
    return settings


def producer_settings(config: Config, system: str, client_id: str) -> dict[str, object]:
    prefix = f"systems.{system}.producer."
    # Samza keeps per-partition order (max.in.flight=1, endless retries); idempotence gives librdkafka
    # the same ordering guarantee with more requests in flight.
    settings: dict[str, object] = {"linger.ms": 10, "enable.idempotence": True, "partitioner": "murmur2_random"}
    settings.update(_translate(prefix, config.subset(prefix)))
    settings["bootstrap.servers"] = bootstrap_servers(config, system)
    settings["client.id"] = client_id
    return settings


def admin_settings(config: Config, system: str) -> dict[str, object]:
    return {"bootstrap.servers": bootstrap_servers(config, system)}
