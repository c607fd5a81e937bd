"""SerdeManager: the key and message serdes of each stream, looked up once per stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

from samza_py.api import SystemStream
from samza_py.config.config import Config

if TYPE_CHECKING:
    from samza_py.serializers.serde import Serde


class SerdeManager:
    def __init__(self, config: Config) -> None:
        from samza_py.config.stream_config import StreamConfig
        from samza_py.serializers.registry import SerdeRegistry

        self._streams = StreamConfig(config)
        self._registry = SerdeRegistry.from_config(config)
        self._cache: dict[SystemStream, tuple[Serde | None, Serde | None]] = {}

    def serdes(self, stream: SystemStream) -> tuple[Serde | None, Serde | None]:
        """(key serde, message serde) for a stream; None where none is configured (objects pass as they are)."""
        found = self._cache.get(stream)
        if found is None:
            key_name = self._streams.key_serde(stream)
            msg_name = self._streams.msg_serde(stream)
            found = (
                self._registry.get(key_name) if key_name else None,
                self._registry.get(msg_name) if msg_name else None,
            )
            self._cache[stream] = found
        return found

    def serde(self, name: str) -> Serde:
        return self._registry.get(name)
