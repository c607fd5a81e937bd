"""The grid's secure broker (deploy/grid start kafka-secure) for tests: its users' Java-client settings,
admin work (topics, ACLs) as its super user, and topics read back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from samza_py.config.config import Config
from samza_py.system.kafka.client_config import admin_settings

from .conftest import GRID
from .jobs import produce_round_robin, read_topic


@dataclass(frozen=True)
class SecureUser:
    """One user of the secure broker: its Java client properties (as deploy/grid wrote them)."""

    name: str
    properties: dict[str, str]

    @property
    def password(self) -> str:
        jaas = self.properties["sasl.jaas.config"]
        return jaas.split('password="', 1)[1].split('"', 1)[0]

    @property
    def bootstrap(self) -> str:
        return self.properties["bootstrap.servers"]

    def system_overrides(self, system: str = "kafka", password: str | None = None) -> dict[str, str]:
        """``systems.<system>.{consumer,producer}.*``: how a job's config gives these settings to Samza."""
        props = dict(self.properties)
        if password is not None:
            props["sasl.jaas.config"] = props["sasl.jaas.config"].replace(self.password, password)
        return {f"systems.{system}.{kind}.{key}": value for kind in ("consumer", "producer")
                for key, value in props.items()}

    def client_settings(self) -> dict[str, object]:
        """librdkafka settings for this user, through samza-py's own translation."""
        settings = admin_settings(Config(self.system_overrides()), "kafka", role=f"it-{self.name}")
        settings.pop("error_cb")
        return settings


def secure_home() -> Path:
    return GRID.parent / "kafka-secure"


def secure_user(name: str) -> SecureUser:
    props: dict[str, str] = {}
    for line in (secure_home() / f"{name}.properties").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            props[key.strip()] = value.strip()
    return SecureUser(name, props)


class SecureKafka:
    """Admin work on the secure broker as its super user."""

    def __init__(self) -> None:
        self.admin_user = secure_user("admin")
        self.settings = self.admin_user.client_settings()
        self.admin = AdminClient(self.settings)

    def create_topic(self, topic: str, partitions: int) -> None:
        self.admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)

    def produce(self, topic: str, partitions: int, values: Iterable[bytes]) -> int:
        return produce_round_robin(topic, partitions, values, client=self.settings)

    def read_topic(self, topic: str) -> list[Any]:
        """Every message of ``topic`` up to its current end ([] while it does not exist)."""
        try:
            return read_topic(topic, client=self.settings)
        except KeyError:  # no such topic (yet)
            return []

    def topics(self) -> set[str]:
        return set(self.admin.list_topics(timeout=10).topics)

    def grant(self, user: str, topics: Iterable[str], operations: Iterable[AclOperation]) -> None:
        """ALLOW ``operations`` on exactly these topics (literal names) to ``user``."""
        bindings = [AclBinding(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, f"User:{user}", "*",
                               op, AclPermissionType.ALLOW)
                    for topic in topics for op in operations]
        for future in self.admin.create_acls(bindings).values():
            future.result(30)

    def grant_groups(self, user: str) -> None:
        """Any consumer group: samza-py's readers pick throwaway group ids."""
        binding = AclBinding(ResourceType.GROUP, "*", ResourcePatternType.LITERAL, f"User:{user}", "*",
                             AclOperation.READ, AclPermissionType.ALLOW)
        for future in self.admin.create_acls([binding]).values():
            future.result(30)

    def revoke_all(self, user: str) -> None:
        acl_filter = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, f"User:{user}", None,
                                      AclOperation.ANY, AclPermissionType.ANY)
        for future in self.admin.delete_acls([acl_filter]).values():
            future.result(30)
