"""Tables of the high-level API: a local table is a store the application reads and writes by key.

``app_descriptor.get_table(RocksDbTableDescriptor("profiles", KVSerde(StringSerde(), JsonSerde())))``
gives a ``Table``; ``stream.send_to(table)`` puts ``KV(key, value)`` messages into it (a None value
deletes the key) and ``stream.join(table, fn)`` looks each message's key up in it. The table is the
store ``stores.<table id>`` of every task (so it holds the keys of that task's partitions); with a
changelog (``with_changelog_enabled``, as in Samza off by default) it is restored after a restart.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from samza_py.api.descriptors import check_id
from samza_py.api.serdes import KVSerde

R = TypeVar("R")

ROCKSDB_STORE_FACTORY = "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"
IN_MEMORY_STORE_FACTORY = "org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory"


class TableDescriptor:
    """A table by id; ``with_config`` adds any ``stores.<table id>.<key>``."""

    def __init__(self, table_id: str) -> None:
        self.table_id = check_id("table id", table_id)
        self._config: dict[str, str] = {}

    def with_config(self, key: str, value: str) -> TableDescriptor:
        self._config[key] = value
        return self

    def to_config(self, job_name: str, job_id: str) -> dict[str, str]:
        raise NotImplementedError


class LocalTableDescriptor(TableDescriptor):
    """A table kept in a local store of each task (Samza's ``LocalTableDescriptor``)."""

    store_factory = ROCKSDB_STORE_FACTORY

    def __init__(self, table_id: str, serde: KVSerde) -> None:
        super().__init__(table_id)
        if not isinstance(serde, KVSerde) or serde.key_serde.name is None or serde.value_serde.name is None:
            raise ValueError(f"table {table_id!r} needs a KVSerde of named serdes (its store keeps bytes), "
                             f"got {serde!r}")
        self.serde = serde
        self.changelog_stream: str | None = None
        self.changelog_enabled = False
        self.changelog_replication_factor: int | None = None

    def with_changelog_enabled(self) -> LocalTableDescriptor:
        """A changelog named ``<job.name>-<job.id>-table-<table id>`` (as Samza names it)."""
        self.changelog_enabled = True
        return self

    def with_changelog_stream(self, stream: str) -> LocalTableDescriptor:
        self.changelog_enabled = True
        self.changelog_stream = stream
        return self

    def with_changelog_replication_factor(self, replication_factor: int) -> LocalTableDescriptor:
        self.changelog_enabled = True
        self.changelog_replication_factor = replication_factor
        return self

    def changelog_name(self, job_name: str, job_id: str) -> str | None:
        if not self.changelog_enabled:
            return None
        return self.changelog_stream or f"{job_name}-{job_id}-table-{self.table_id}"

    def to_config(self, job_name: str, job_id: str) -> dict[str, str]:
        prefix = f"stores.{self.table_id}."
        key_serde, value_serde = self.serde.key_serde.name, self.serde.value_serde.name
        assert key_serde is not None and value_serde is not None
        config = {prefix + "factory": self.store_factory, prefix + "key.serde": key_serde,
                  prefix + "msg.serde": value_serde}
        changelog = self.changelog_name(job_name, job_id)
        if changelog is not None:
            config[prefix + "changelog"] = changelog
        if self.changelog_replication_factor is not None:
            config[prefix + "changelog.replication.factor"] = str(self.changelog_replication_factor)
        config.update({prefix + key: value for key, value in self._config.items()})
        return config

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.table_id!r})"


class RocksDbTableDescriptor(LocalTableDescriptor):
    store_factory = ROCKSDB_STORE_FACTORY


class InMemoryTableDescriptor(LocalTableDescriptor):
    store_factory = IN_MEMORY_STORE_FACTORY


class Table(Generic[R]):
    """A table of an application, from ``get_table``: what ``send_to`` and ``join`` take."""

    def __init__(self, descriptor: LocalTableDescriptor) -> None:
        self.descriptor = descriptor

    @property
    def table_id(self) -> str:
        return self.descriptor.table_id

    def __repr__(self) -> str:
        return f"Table({self.table_id!r})"
