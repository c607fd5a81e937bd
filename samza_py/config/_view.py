"""What every typed view shares: the wrapped Config and lookups over Samza's key patterns."""

from __future__ import annotations

from collections.abc import Mapping

from samza_py.api.streams import SystemStream
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException


class ConfigView:
    """A typed, read-only window onto a Config; every getter reads the config afresh."""

    __slots__ = ("config",)

    def __init__(self, config: Mapping[str, str]) -> None:
        self.config = config if isinstance(config, Config) else Config(config)

    def first_set(self, *keys: str) -> str | None:
        """The first of ``keys`` that has a non-empty value (1.x keys come before legacy ones)."""
        for key in keys:
            if self.config.get_str(key) is not None:
                return key
        return None

    def int_of(self, keys: tuple[str, ...], default: int) -> int:
        key = self.first_set(*keys)
        return default if key is None else self.config.get_int(key, default)

    def bool_of(self, keys: tuple[str, ...], default: bool) -> bool:
        key = self.first_set(*keys)
        return default if key is None else self.config.get_bool(key, default)

    def names_between(self, prefix: str, suffix: str) -> list[str]:
        """Sorted ``<name>`` of every set key ``prefix<name>suffix``; names may contain dots."""
        names = {
            key[len(prefix) : len(key) - len(suffix)]
            for key, value in self.config.items()
            if value and key.startswith(prefix) and key.endswith(suffix) and len(key) > len(prefix) + len(suffix)
        }
        return sorted(names)

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Keys under ``prefix``, prefix removed (pass-through settings such as a Kafka client's)."""
        return self.config.subset(prefix).to_dict()


def parse_system_stream(key: str, text: str) -> SystemStream:
    """``system.stream`` split at the first dot, as a ConfigException naming ``key`` when malformed."""
    try:
        return SystemStream.parse(text)
    except ValueError:
        raise ConfigException(key, f"{text.strip()!r} is not 'system.stream'") from None
