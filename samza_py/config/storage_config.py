"""StorageConfig: the ``stores.<st>.*`` keys (factory, serdes, changelog, cache and RocksDB tuning)."""

from __future__ import annotations

from samza_py.api.streams import SystemStream
from samza_py.config._view import ConfigView, parse_system_stream
from samza_py.config.errors import ConfigException

DEFAULT_CHANGELOG_REPLICATION_FACTOR = 2
ROCKSDB_COMPRESSIONS = ("none", "snappy", "zlib", "bzip2", "lz4", "lz4hc", "zstd")
ROCKSDB_COMPACTION_STYLES = ("universal", "level", "fifo")


class StorageConfig(ConfigView):
    __slots__ = ()

    def store_names(self) -> list[str]:
        """Stores with ``stores.<st>.factory`` set, sorted."""
        return self.names_between("stores.", ".factory")

    def factory(self, store: str) -> str:
        """The store's engine factory; a ConfigException when the store is not defined."""
        return self.config.require(f"stores.{store}.factory")

    def key_serde(self, store: str) -> str | None:
        value = self.config.get_str(f"stores.{store}.key.serde")
        return None if value is None else value.strip()

    def msg_serde(self, store: str) -> str | None:
        value = self.config.get_str(f"stores.{store}.msg.serde")
        return None if value is None else value.strip()

    def changelog(self, store: str) -> SystemStream | None:
        """``system.stream``, or a bare ``stream`` on ``job.changelog.system`` (else ``job.default.system``)."""
        key = f"stores.{store}.changelog"
        value = self.config.get_str(key)
        if value is None:
            return None
        if "." in value:
            return parse_system_stream(key, value)
        system = self.config.get_str("job.changelog.system") or self.config.get_str("job.default.system")
        if system is None:
            raise ConfigException(key, f"{value!r} names no system and neither job.changelog.system "
                                       "nor job.default.system is set")
        return SystemStream(system.strip(), value.strip())

    def changelog_replication_factor(self, store: str) -> int:
        """The store's own key, then ``stores.default…``, then the changelog system's default for the streams
        it creates (``systems.<s>.default.stream.replication.factor``), then Samza's 2."""
        keys = [f"stores.{store}.changelog.replication.factor", "stores.default.changelog.replication.factor"]
        try:
            changelog = self.changelog(store)
        except ConfigException:
            changelog = None
        if changelog is not None:
            keys.append(f"systems.{changelog.system}.default.stream.replication.factor")
        return self.int_of(tuple(keys), DEFAULT_CHANGELOG_REPLICATION_FACTOR)

    def changelog_kafka_properties(self, store: str) -> dict[str, str]:
        """Topic settings passed through from ``stores.<st>.changelog.kafka.*``."""
        return self.prefixed(f"stores.{store}.changelog.kafka.")

    def changelog_delete_retention_ms(self, store: str) -> int:
        return self.config.get_int(f"stores.{store}.changelog.delete.retention.ms", 86400000)

    def changelog_min_compaction_lag_ms(self, store: str) -> int:
        return self.config.get_int(f"stores.{store}.changelog.min.compaction.lag.ms", 14400000)

    def write_batch_size(self, store: str) -> int:
        return self.config.get_int(f"stores.{store}.write.batch.size", 500)

    def object_cache_size(self, store: str) -> int:
        """Objects in the LRU cache; ``0`` means no cache (write-through)."""
        return self.config.get_int(f"stores.{store}.object.cache.size", max(1000, self.write_batch_size(store)))

    def container_cache_size_bytes(self, store: str) -> int:
        return self.config.get_int(f"stores.{store}.container.cache.size.bytes", 104857600)

    def container_write_buffer_size_bytes(self, store: str) -> int:
        return self.config.get_int(f"stores.{store}.container.write.buffer.size.bytes", 33554432)

    def rocksdb_compression(self, store: str) -> str:
        key = f"stores.{store}.rocksdb.compression"
        return self._choice(key, ROCKSDB_COMPRESSIONS, "snappy")

    def rocksdb_compaction_style(self, store: str) -> str:
        key = f"stores.{store}.rocksdb.compaction.style"
        return self._choice(key, ROCKSDB_COMPACTION_STYLES, "universal")

    def rocksdb_ttl_ms(self, store: str) -> int | None:
        key = f"stores.{store}.rocksdb.ttl.ms"
        return None if self.config.get_str(key) is None else self.config.get_int(key, 0)

    def rocksdb_wal_enabled(self, store: str) -> bool:
        return self.config.get_bool(f"stores.{store}.rocksdb.wal.enabled", False)

    def _choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.config.get_str(key)
        if value is None:
            return default
        if value.strip().lower() not in allowed:
            raise ConfigException(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value.strip().lower()
