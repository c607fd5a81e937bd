"""StorageConfig and SerializerConfig."""

from __future__ import annotations

import pytest

from samza_py.api import SystemStream
from samza_py.config import PREDEFINED_SERDES, Config, ConfigException, SerializerConfig, StorageConfig

ROCKS = "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"


def test_store_names_and_factory() -> None:
    s = StorageConfig(
        {
            "stores.wikipedia-stats.factory": ROCKS,
            "stores.other.factory": "x.F",
            "stores.default.changelog.replication.factor": "1",
            "stores.nofactory.key.serde": "string",
        }
    )
    assert s.store_names() == ["other", "wikipedia-stats"]
    assert s.factory("wikipedia-stats") == ROCKS
    with pytest.raises(ConfigException) as info:
        s.factory("nofactory")
    assert info.value.key == "stores.nofactory.factory"


def test_store_defaults() -> None:
    s = StorageConfig(Config({"stores.st.factory": ROCKS}))
    assert s.key_serde("st") is None
    assert s.msg_serde("st") is None
    assert s.changelog("st") is None
    assert s.changelog_replication_factor("st") == 2
    assert s.changelog_kafka_properties("st") == {}
    assert s.write_batch_size("st") == 500
    assert s.object_cache_size("st") == 1000
    assert s.container_cache_size_bytes("st") == 104857600
    assert s.container_write_buffer_size_bytes("st") == 33554432
    assert s.rocksdb_compression("st") == "snappy"
    assert s.rocksdb_compaction_style("st") == "universal"
    assert s.rocksdb_ttl_ms("st") is None
    assert s.rocksdb_wal_enabled("st") is False
    assert s.changelog_delete_retention_ms("st") == 86400000
    assert s.changelog_min_compaction_lag_ms("st") == 14400000


def test_store_values() -> None:
    s = StorageConfig(
        {
            "stores.st.key.serde": "string",
            "stores.st.msg.serde": "integer",
            "stores.st.changelog": "kafka.st-changelog",
            "stores.st.changelog.replication.factor": "1",
            "stores.st.changelog.kafka.cleanup.policy": "compact,delete",
            "stores.st.changelog.kafka.retention.ms": "1000",
            "stores.st.write.batch.size": "0",
            "stores.st.object.cache.size": "0",
            "stores.st.container.cache.size.bytes": "1024",
            "stores.st.container.write.buffer.size.bytes": "2048",
            "stores.st.rocksdb.compression": "LZ4",
            "stores.st.rocksdb.compaction.style": "level",
            "stores.st.rocksdb.ttl.ms": "60000",
            "stores.st.changelog.delete.retention.ms": "5",
            "stores.st.changelog.min.compaction.lag.ms": "6",
        }
    )
    assert (s.key_serde("st"), s.msg_serde("st")) == ("string", "integer")
    assert s.changelog("st") == SystemStream("kafka", "st-changelog")
    assert s.changelog_replication_factor("st") == 1
    assert s.changelog_kafka_properties("st") == {"cleanup.policy": "compact,delete", "retention.ms": "1000"}
    assert (s.write_batch_size("st"), s.object_cache_size("st")) == (0, 0)
    assert (s.container_cache_size_bytes("st"), s.container_write_buffer_size_bytes("st")) == (1024, 2048)
    assert (s.rocksdb_compression("st"), s.rocksdb_compaction_style("st")) == ("lz4", "level")
    assert s.rocksdb_ttl_ms("st") == 60000
    assert (s.changelog_delete_retention_ms("st"), s.changelog_min_compaction_lag_ms("st")) == (5, 6)


def test_object_cache_size_follows_a_large_write_batch() -> None:
    assert StorageConfig({"stores.st.write.batch.size": "5000"}).object_cache_size("st") == 5000
    assert StorageConfig({"stores.st.write.batch.size": "10"}).object_cache_size("st") == 1000


def test_changelog_replication_factor_store_default() -> None:
    s = StorageConfig(
        {"stores.default.changelog.replication.factor": "1", "stores.b.changelog.replication.factor": "3"}
    )
    assert (s.changelog_replication_factor("a"), s.changelog_replication_factor("b")) == (1, 3)


def test_bare_changelog_uses_changelog_then_default_system() -> None:
    base = {"stores.st.changelog": "st-changelog"}
    on_default = StorageConfig({**base, "job.default.system": "kafka"})
    assert on_default.changelog("st") == SystemStream("kafka", "st-changelog")
    both = {**base, "job.default.system": "kafka", "job.changelog.system": "logs"}
    assert StorageConfig(both).changelog("st") == SystemStream("logs", "st-changelog")
    with pytest.raises(ConfigException) as info:
        StorageConfig(base).changelog("st")
    assert info.value.key == "stores.st.changelog"


def test_rocksdb_choices_are_checked() -> None:
    s = StorageConfig({"stores.st.rocksdb.compression": "brotli", "stores.st.rocksdb.compaction.style": "tiered"})
    with pytest.raises(ConfigException) as info:
        s.rocksdb_compression("st")
    assert info.value.key == "stores.st.rocksdb.compression"
    with pytest.raises(ConfigException) as info:
        s.rocksdb_compaction_style("st")
    assert info.value.key == "stores.st.rocksdb.compaction.style"


def test_predefined_serdes() -> None:
    assert SerializerConfig({}).serde_factory_classes() == {
        "byte": "org.apache.samza.serializers.ByteSerdeFactory",
        "integer": "org.apache.samza.serializers.IntegerSerdeFactory",
        "json": "org.apache.samza.serializers.JsonSerdeFactory",
        "long": "org.apache.samza.serializers.LongSerdeFactory",
        "string": "org.apache.samza.serializers.StringSerdeFactory",
        "double": "org.apache.samza.serializers.DoubleSerdeFactory",
    }
    assert SerializerConfig({}).serde_factory_classes() == PREDEFINED_SERDES


def test_registered_serdes_add_to_and_override_predefined() -> None:
    s = SerializerConfig(
        {
            "serializers.registry.metrics.class": "org.apache.samza.serializers.MetricsSnapshotSerdeFactory",
            "serializers.registry.json.class": "my.JsonFactory",
            "serializers.registry.avro.v1.class": "my.Avro",
        }
    )
    classes = s.serde_factory_classes()
    assert classes["metrics"] == "org.apache.samza.serializers.MetricsSnapshotSerdeFactory"
    assert classes["json"] == "my.JsonFactory"
    assert classes["avro.v1"] == "my.Avro"
    assert classes["string"] == "org.apache.samza.serializers.StringSerdeFactory"
    assert s.registered_names() == ["avro.v1", "json", "metrics"]
    assert s.is_known("avro.v1") and s.is_known("byte") and not s.is_known("foo")
    assert s.serde_factory_class("foo") is None
