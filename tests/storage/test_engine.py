"""KeyValueStorageEngine metrics and restore, and how the factories assemble the stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from samza_py.api.storage import Entry
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.builtin import IntegerSerde, StringSerde
from samza_py.storage.cached import CachedStore
from samza_py.storage.engine import METRICS_GROUP, KeyValueStorageEngine
from samza_py.storage.inmemory import InMemoryKeyValueStorageEngineFactory, InMemoryKeyValueStore
from samza_py.storage.logged import LoggedStore
from samza_py.storage.null_safe import NullSafeKeyValueStore
from samza_py.storage.rocksdb import RocksDbKeyValueStorageEngineFactory, RocksDbKeyValueStore
from samza_py.storage.serialized import SerializedKeyValueStore
from tests.storage.recording import RecordingStore

METRIC_NAMES = ["puts", "gets", "deletes", "ranges", "alls", "flushes", "restored-messages", "restored-bytes"]

# Every test with the compiled cache accessors and with the Python ones.
pytestmark = pytest.mark.usefixtures("store_implementation")


def counts(registry: MetricsRegistryMap, store: str = "s") -> dict[str, int]:
    group = registry.snapshot()[METRICS_GROUP]
    return {name: group[f"{store}-{name}"] for name in METRIC_NAMES}


def engine_over(raw: Any, registry: MetricsRegistryMap, outer: Any = None) -> KeyValueStorageEngine:
    return KeyValueStorageEngine("s", outer if outer is not None else raw, raw, persistent=False, registry=registry)


def test_metrics_names_group_and_counts() -> None:
    registry = MetricsRegistryMap("TaskName-Partition 0")
    engine = engine_over(InMemoryKeyValueStore(), registry)
    assert counts(registry) == dict.fromkeys(METRIC_NAMES, 0)
    engine.put(b"a", b"1")
    engine.put_all([Entry(b"b", b"2"), Entry(b"c", b"3")])
    engine.put_all({b"d": b"4"})
    engine.get(b"a")
    engine.get_all(iter([b"a", b"b", b"zz"]))
    engine.delete(b"a")
    engine.delete_all([b"b", b"c"])
    engine.range(b"a", b"z").close()
    engine.all().close()
    engine.all().close()
    engine.flush()
    assert counts(registry) == {
        "puts": 4, "gets": 4, "deletes": 3, "ranges": 1, "alls": 2, "flushes": 1,
        "restored-messages": 0, "restored-bytes": 0,
    }
    assert [(e.key, e.value) for e in engine.all()] == [(b"d", b"4")]


def test_engine_delegates_to_outer_and_returns_its_results() -> None:
    outer = RecordingStore()
    raw = InMemoryKeyValueStore()
    engine = KeyValueStorageEngine("s", outer, raw, persistent=True, registry=MetricsRegistryMap("t"))
    engine.put(b"a", b"1")
    assert engine.get(b"a") == b"1"
    engine.flush()
    engine.close()
    engine.close()  # idempotent
    assert outer.events == [("put", b"a", b"1"), ("get", b"a"), ("flush",), ("close",)]
    assert engine.persistent is True and engine.store_name == "s"


def test_restore_writes_the_raw_store_in_batches_bypassing_the_stack_and_counts() -> None:
    registry = MetricsRegistryMap("t")
    sends: list[Any] = []
    raw = RecordingStore()
    outer = NullSafeKeyValueStore(CachedStore(SerializedKeyValueStore(
        LoggedStore(raw, lambda k, v: sends.append((k, v))), StringSerde(), StringSerde()), 10, 5))
    engine = engine_over(raw, registry, outer)
    records: list[tuple[bytes, bytes | None]] = [(b"k%d" % i, b"v%d" % i) for i in range(5)]
    records += [(b"k1", None), (b"k2", b"new")]
    assert engine.restore(iter(records), batch_size=3) == 7
    assert raw.events == [
        ("put_all", [(b"k0", b"v0"), (b"k1", b"v1"), (b"k2", b"v2")]),
        ("put_all", [(b"k3", b"v3"), (b"k4", b"v4"), (b"k1", None)]),
        ("put_all", [(b"k2", b"new")]),
    ]
    assert sends == []
    assert [(e.key, e.value) for e in raw.data.all()] == [
        (b"k0", b"v0"), (b"k2", b"new"), (b"k3", b"v3"), (b"k4", b"v4"),
    ]
    # key bytes of every record plus value bytes of the non-deletes: 7*2 + 5*2 + 3
    assert counts(registry)["restored-messages"] == 7
    assert counts(registry)["restored-bytes"] == 14 + 10 + 3
    assert counts(registry)["puts"] == 0
    assert engine.get("k2") == "new"  # the task sees restored state through the serdes
    assert engine.raw_get(b"k2") == b"new" and engine.raw_get(b"k1") is None


def test_restore_of_nothing_and_default_batch() -> None:
    raw = RecordingStore()
    engine = engine_over(raw, MetricsRegistryMap("t"))
    assert engine.restore([]) == 0
    assert raw.events == []
    assert engine.restore((b"%05d" % i, b"") for i in range(2500)) == 2500
    assert [len(event[1]) for event in raw.events] == [1000, 1000, 500]
    with pytest.raises(ValueError, match="batch size must be at least 1"):
        engine.restore([(b"k", b"v")], batch_size=0)
    with pytest.raises(ValueError, match="null key"):
        engine.restore([(None, b"v")])  # type: ignore[list-item]


def test_raw_get_does_not_see_cached_writes_until_flush(tmp_path: Path) -> None:
    sends: list[Any] = []
    engine = RocksDbKeyValueStorageEngineFactory().get_storage_engine(
        "s", tmp_path / "db", StringSerde(), IntegerSerde(), lambda k, v: sends.append((k, v)), Config({}), 1,
        MetricsRegistryMap("t"),
    )
    engine.put("a", 7)
    assert engine.raw_get(b"a") is None and sends == []
    engine.flush()
    assert engine.raw_get(b"a") == b"\x00\x00\x00\x07"
    assert sends == [(b"a", b"\x00\x00\x00\x07")]
    assert list((tmp_path / "db").glob("*.sst"))  # flush reached RocksDB's memtable flush
    engine.close()


def test_close_flushes_the_cache_and_data_survives_reopen(tmp_path: Path) -> None:
    def open_engine() -> KeyValueStorageEngine:
        return RocksDbKeyValueStorageEngineFactory().get_storage_engine(
            "s", tmp_path / "db", StringSerde(), StringSerde(), None, Config({}), 1, MetricsRegistryMap("t"),
        )

    engine = open_engine()
    engine.put("k", "v")
    engine.close()
    engine = open_engine()
    assert engine.get("k") == "v"
    engine.close()


def layers(engine: KeyValueStorageEngine) -> list[type]:
    out: list[type] = []
    store: Any = engine.outer
    while store is not engine.raw:
        out.append(type(store))
        store = store.inner
    out.append(type(store))
    return out


def build(factory: Any, tmp_path: Path, config: dict[str, str], send: Any) -> KeyValueStorageEngine:
    engine: KeyValueStorageEngine = factory.get_storage_engine(
        "st", tmp_path / "st", None, None, send, Config(config), 2, MetricsRegistryMap("t")
    )
    return engine


def test_factory_builds_every_layer_outer_to_inner(tmp_path: Path) -> None:
    engine = build(RocksDbKeyValueStorageEngineFactory(), tmp_path, {}, lambda k, v: None)
    assert layers(engine) == [
        NullSafeKeyValueStore, CachedStore, SerializedKeyValueStore, LoggedStore, RocksDbKeyValueStore,
    ]
    cached = engine.outer.inner  # type: ignore[attr-defined]
    assert (cached.cache_size, cached.write_batch_size) == (1000, 500)  # Samza's defaults
    assert engine.persistent is True
    engine.close()


def test_factory_omits_cache_when_size_is_zero_and_logging_without_changelog(tmp_path: Path) -> None:
    engine = build(InMemoryKeyValueStorageEngineFactory(), tmp_path, {"stores.st.object.cache.size": "0"}, None)
    assert layers(engine) == [NullSafeKeyValueStore, SerializedKeyValueStore, InMemoryKeyValueStore]
    assert engine.persistent is False
    assert not (tmp_path / "st").exists()  # in-memory ignores the directory
    engine.close()


def test_factory_cache_settings_from_config(tmp_path: Path) -> None:
    engine = build(InMemoryKeyValueStorageEngineFactory(), tmp_path,
                   {"stores.st.object.cache.size": "50", "stores.st.write.batch.size": "20"}, None)
    cached = engine.outer.inner  # type: ignore[attr-defined]
    assert (cached.cache_size, cached.write_batch_size) == (50, 20)
    engine.close()


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"stores.st.object.cache.size": "10", "stores.st.write.batch.size": "20"}, "stores.st.object.cache.size"),
        ({"stores.st.write.batch.size": "0"}, "stores.st.write.batch.size"),
        ({"stores.st.object.cache.size": "-1"}, "stores.st.object.cache.size"),
    ],
)
def test_factory_rejects_bad_cache_config_before_opening(tmp_path: Path, config: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigException) as info:
        build(RocksDbKeyValueStorageEngineFactory(), tmp_path, config, None)
    assert info.value.key == key
    assert not (tmp_path / "st").exists()


def test_null_key_and_value_rejected_through_the_engine(tmp_path: Path) -> None:
    engine = build(InMemoryKeyValueStorageEngineFactory(), tmp_path, {}, None)
    with pytest.raises(ValueError, match="^Null key not allowed$"):
        engine.put(None, b"v")
    with pytest.raises(ValueError, match="^Null value not allowed$"):
        engine.put(b"k", None)
    with pytest.raises(ValueError, match="^Null key not allowed$"):
        engine.get_all([None])
    engine.close()


@pytest.mark.parametrize(
    ("java_name", "cls"),
    [
        ("org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory", RocksDbKeyValueStorageEngineFactory),
        ("org.apache.samza.storage.kv.inmemory.InMemoryKeyValueStorageEngineFactory",
         InMemoryKeyValueStorageEngineFactory),
    ],
)
def test_samza_factory_names_resolve_to_these_factories(java_name: str, cls: type) -> None:
    from samza_py.config.aliases import resolve_class

    assert resolve_class(java_name) is cls


def test_over_the_usual_stack_get_and_put_count_check_nulls_and_cache_as_the_layers_do() -> None:
    # Null-safe over a cache: the engine's get and put do the three layers' work in one call each.
    registry, raw = MetricsRegistryMap("t"), InMemoryKeyValueStore()
    cache = CachedStore(SerializedKeyValueStore(raw, StringSerde(), IntegerSerde()), cache_size=2, write_batch_size=2)
    engine = engine_over(raw, registry, NullSafeKeyValueStore(cache))
    engine.put("a", 1)
    assert raw.get(b"a") is None and cache.dirty_count == 1  # pending in the cache's write batch
    engine.put("b", 2)
    assert raw.get(b"a") == (1).to_bytes(4, "big") and cache.dirty_count == 0  # the batch of 2 written
    assert (engine.get("a"), engine.get("zz"), engine.get("b")) == (1, None, 2)
    assert cache.cached_keys() == ["zz", "b"]  # each miss evicted the least recently used key
    engine.delete("b")
    assert engine.get("b") is None
    with pytest.raises(ValueError, match="^Null key not allowed$"):
        engine.get(None)
    with pytest.raises(ValueError, match="^Null key not allowed$"):
        engine.put(None, 1)
    with pytest.raises(ValueError, match="^Null value not allowed$"):
        engine.put("c", None)
    assert cache.cached_keys() == ["zz", "b"] and cache.dirty_count == 1  # refused calls changed nothing
    assert counts(registry)["gets"] == 5 and counts(registry)["puts"] == 4  # refused calls are counted too
    engine.flush()
    assert raw.get(b"b") is None and raw.get(b"a") == (1).to_bytes(4, "big")
