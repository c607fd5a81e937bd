from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samza_py.api.storage import KeyValueStore
from samza_py.config.config import Config
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.storage import cached as cached_module
from samza_py.storage import rocksdb as rocksdb_module
from samza_py.storage import serialized as serialized_module
from samza_py.storage.inmemory import InMemoryKeyValueStorageEngineFactory, InMemoryKeyValueStore
from samza_py.storage.rocksdb import RocksDbKeyValueStorageEngineFactory, RocksDbKeyValueStore

MB = 1024 * 1024


@pytest.fixture(params=["compiled", "python"])
def store_implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store stack's compiled parts as installed (bin/setup makes sure of a C compiler): the cache (its LRU,
    get and put), the serde layer's read and batch conversion and RocksDB's batch fill; or their Python
    versions (an install without one). A test using this runs with both, and both must behave alike."""
    if request.param == "compiled":
        assert cached_module.ObjectCache is not None and cached_module.CachedGet is not None
        assert serialized_module.SerdeGet is not None and rocksdb_module.fill_write_batch is not None
        assert serialized_module.serialize_pairs is not None
    else:
        monkeypatch.setattr(cached_module, "ObjectCache", None)
        monkeypatch.setattr(cached_module, "CachedGet", None)
        monkeypatch.setattr(cached_module, "CachedPut", None)
        monkeypatch.setattr(serialized_module, "SerdeGet", None)
        monkeypatch.setattr(serialized_module, "serialize_pairs", None)
        monkeypatch.setattr(rocksdb_module, "fill_write_batch", None)
    return str(request.param)


def open_rocksdb(path: Path, **kwargs: Any) -> RocksDbKeyValueStore:
    kwargs.setdefault("write_buffer_size", 4 * MB)
    kwargs.setdefault("block_cache_size", 8 * MB)
    return RocksDbKeyValueStore(path, **kwargs)


# Every flavour the KeyValueStore contract must hold for: both raw stores, and the full factory-built
# stack on each (a small cache and batch so that caching, batching and eviction happen in the tests).
STORE_KINDS = ["rocksdb", "inmemory", "stack-rocksdb", "stack-inmemory", "stack-rocksdb-nocache"]


def build_store(kind: str, tmp_path: Path, sends: list[tuple[bytes, bytes | None]]) -> KeyValueStore[Any, Any]:
    if kind == "rocksdb":
        return open_rocksdb(tmp_path / "raw")
    if kind == "inmemory":
        return InMemoryKeyValueStore()
    factory: Any = InMemoryKeyValueStorageEngineFactory()
    if kind.startswith("stack-rocksdb"):
        factory = RocksDbKeyValueStorageEngineFactory()
    cache = "0" if kind.endswith("nocache") else "4"
    config = Config({
        "stores.s.object.cache.size": cache,
        "stores.s.write.batch.size": "2",
        "stores.s.container.write.buffer.size.bytes": str(4 * MB),
        "stores.s.container.cache.size.bytes": str(8 * MB),
    })
    return factory.get_storage_engine(
        "s", tmp_path / "stack", None, None, lambda k, v: sends.append((k, v)), config, 1, MetricsRegistryMap("t")
    )


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyValueStore[Any, Any]]:
    built = build_store(request.param, tmp_path, [])
    yield built
    built.close()
