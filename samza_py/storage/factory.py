"""Builds a store's layers, outer to inner: null checks, object cache, serdes, changelog, raw store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from samza_py.api.metrics import MetricsRegistry
from samza_py.api.storage import KeyValueStore
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.storage_config import StorageConfig
from samza_py.serializers.serde import Serde
from samza_py.storage.cached import CachedStore
from samza_py.storage.engine import KeyValueStorageEngine
from samza_py.storage.entries import ByteStore
from samza_py.storage.logged import ChangelogSend, LoggedStore
from samza_py.storage.null_safe import NullSafeKeyValueStore
from samza_py.storage.serialized import SerializedKeyValueStore


def cache_settings(storage: StorageConfig, store_name: str) -> tuple[int, int]:
    """``(object cache size, write batch size)``; the batch lives in the cache, so it cannot be larger."""
    batch_size = storage.write_batch_size(store_name)
    cache_size = storage.object_cache_size(store_name)
    if batch_size < 1:
        raise ConfigException(f"stores.{store_name}.write.batch.size", f"must be at least 1, got {batch_size}")
    if cache_size < 0:
        raise ConfigException(f"stores.{store_name}.object.cache.size", f"must not be negative, got {cache_size}")
    if 0 < cache_size < batch_size:
        raise ConfigException(
            f"stores.{store_name}.object.cache.size",
            f"{cache_size} is below stores.{store_name}.write.batch.size ({batch_size}); pending writes live in "
            "the cache, so it must hold a whole batch",
        )
    return cache_size, batch_size


class BaseKeyValueStorageEngineFactory(ABC):
    """What ``stores.<st>.factory`` names; subclasses supply the raw store."""

    persistent: ClassVar[bool]

    @abstractmethod
    def create_raw_store(
        self, store_name: str, store_dir: Path, storage: StorageConfig, tasks_in_container: int
    ) -> ByteStore: ...

    def get_storage_engine(
        self,
        store_name: str,
        store_dir: Path,
        key_serde: Serde | None,
        msg_serde: Serde | None,
        changelog_send: ChangelogSend | None,
        config: Config,
        tasks_in_container: int,
        registry: MetricsRegistry,
    ) -> KeyValueStorageEngine:
        storage = StorageConfig(config)
        cache_size, batch_size = cache_settings(storage, store_name)  # config errors before the raw store opens
        raw = self.create_raw_store(store_name, store_dir, storage, tasks_in_container)
        store: KeyValueStore[Any, Any] = raw
        if changelog_send is not None:
            store = LoggedStore(store, changelog_send)
        store = SerializedKeyValueStore(store, key_serde, msg_serde)
        if cache_size > 0:
            store = CachedStore(store, cache_size, batch_size)
        store = NullSafeKeyValueStore(store)
        return KeyValueStorageEngine(store_name, store, raw, persistent=self.persistent, registry=registry)
