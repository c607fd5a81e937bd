"""ZkConfig: the keys of standalone mode, where processors form one job through ZooKeeper (no YARN)."""

from __future__ import annotations

import re

from samza_py.config._view import ConfigView
from samza_py.config.aliases import canonical_class_name
from samza_py.config.errors import ConfigException

ZK_JOB_COORDINATOR_FACTORY = "org.apache.samza.zk.ZkJobCoordinatorFactory"
COORDINATOR_FACTORY_KEY = "job.coordinator.factory"
ZK_CONNECT_KEY = "job.coordinator.zk.connect"
SESSION_TIMEOUT_KEY = "job.coordinator.zk.session.timeout.ms"
CONNECTION_TIMEOUT_KEY = "job.coordinator.zk.connection.timeout.ms"
CONSENSUS_TIMEOUT_KEY = "job.coordinator.zk.consensus.timeout.ms"
DEBOUNCE_KEY = "job.debounce.time.ms"
PROCESSOR_ID_KEY = "processor.id"
PROCESSOR_ID_GENERATOR_KEY = "app.processor-id-generator.class"
UUID_GENERATOR = "org.apache.samza.runtime.UUIDGenerator"

DEFAULT_SESSION_TIMEOUT_MS = 30000
DEFAULT_CONNECTION_TIMEOUT_MS = 60000
DEFAULT_CONSENSUS_TIMEOUT_MS = 40000
DEFAULT_DEBOUNCE_MS = 20000

# host:port[,host:port...][/chroot]; hosts are names or IPv4 addresses (kazoo's form).
_HOST_PORT = r"[A-Za-z0-9.\-]+:[0-9]{1,5}"
_CONNECT = re.compile(rf"^{_HOST_PORT}(?:,{_HOST_PORT})*(/[^/\s]+(?:/[^/\s]+)*)?/?$")
# A processor id becomes a znode name and a container name: no slashes, spaces or control characters.
_PROCESSOR_ID = re.compile(r"^[A-Za-z0-9._:@\-]+$")


def is_zk_coordinator(factory: str | None) -> bool:
    if factory is None:
        return False
    name = factory.strip()
    return name == ZK_JOB_COORDINATOR_FACTORY or canonical_class_name(name).endswith(".ZkJobCoordinatorFactory")


def check_zk_connect(value: str | None) -> str:
    """The connect string (a trailing ``/`` dropped, as ZooKeeper's own client does), or a ConfigException
    naming ``job.coordinator.zk.connect``."""
    if value is None or not value.strip():
        raise ConfigException(ZK_CONNECT_KEY, "is required by the ZooKeeper job coordinator (host:port[/chroot])")
    text = value.strip()
    if not _CONNECT.match(text):
        raise ConfigException(ZK_CONNECT_KEY, f"{text!r} is not host:port[,host:port...][/chroot]")
    for item in text.split("/", 1)[0].split(","):
        port = int(item.rsplit(":", 1)[1])
        if not 0 < port < 65536:
            raise ConfigException(ZK_CONNECT_KEY, f"{text!r}: port {port} is out of range")
    return text.rstrip("/")


def check_processor_id(value: str) -> str:
    if not _PROCESSOR_ID.match(value):
        raise ConfigException(PROCESSOR_ID_KEY, f"{value!r} may hold only letters, digits and . _ : @ -")
    return value


class ZkConfig(ConfigView):
    __slots__ = ()

    @property
    def standalone(self) -> bool:
        """Whether ``job.coordinator.factory`` names the ZooKeeper job coordinator."""
        return is_zk_coordinator(self.config.get_str(COORDINATOR_FACTORY_KEY))

    @property
    def connect(self) -> str:
        return check_zk_connect(self.config.get_str(ZK_CONNECT_KEY))

    @property
    def session_timeout_ms(self) -> int:
        return self.config.get_int(SESSION_TIMEOUT_KEY, DEFAULT_SESSION_TIMEOUT_MS)

    @property
    def connection_timeout_ms(self) -> int:
        return self.config.get_int(CONNECTION_TIMEOUT_KEY, DEFAULT_CONNECTION_TIMEOUT_MS)

    @property
    def consensus_timeout_ms(self) -> int:
        return self.config.get_int(CONSENSUS_TIMEOUT_KEY, DEFAULT_CONSENSUS_TIMEOUT_MS)

    @property
    def debounce_ms(self) -> int:
        return self.config.get_int(DEBOUNCE_KEY, DEFAULT_DEBOUNCE_MS)

    @property
    def processor_id(self) -> str | None:
        value = self.config.get_str(PROCESSOR_ID_KEY)
        return None if value is None else check_processor_id(value.strip())

    @property
    def processor_id_generator(self) -> str:
        return self.config.get_str(PROCESSOR_ID_GENERATOR_KEY) or UUID_GENERATOR

    @property
    def app_name(self) -> str:
        return self.config.get_str("app.name") or self.config.require("job.name")

    @property
    def app_id(self) -> str:
        return self.config.get_str("app.id") or self.config.get_str("job.id") or "1"
