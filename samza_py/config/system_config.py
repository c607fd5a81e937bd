"""SystemConfig: the ``systems.<s>.*`` keys (factory, default serdes and offsets, client settings)."""

from __future__ import annotations

from samza_py.config._view import ConfigView
from samza_py.config.errors import ConfigException

OFFSET_DEFAULTS = ("oldest", "upcoming")
DEFAULT_OFFSET = "upcoming"
DEFAULT_FETCH_THRESHOLD = 50000


def checked_offset_default(key: str, value: str) -> str:
    """``oldest`` or ``upcoming`` (any case, as Samza upper-cases it), else a ConfigException on ``key``."""
    lowered = value.strip().lower()
    if lowered not in OFFSET_DEFAULTS:
        raise ConfigException(key, f"must be 'oldest' or 'upcoming', got {value!r}")
    return lowered


class SystemConfig(ConfigView):
    __slots__ = ()

    def system_names(self) -> list[str]:
        """Systems with ``systems.<s>.samza.factory`` set, sorted."""
        return self.names_between("systems.", ".samza.factory")

    def is_defined(self, system: str) -> bool:
        return self.config.get_str(f"systems.{system}.samza.factory") is not None

    def factory_class(self, system: str) -> str:
        """The system's factory; a ConfigException when the system is not defined."""
        return self.config.require(f"systems.{system}.samza.factory")

    def _default_stream_key(self, system: str, prop: str) -> str | None:
        # The 1.x spelling systems.<s>.default.stream.samza.X wins over the classic systems.<s>.samza.X.
        return self.first_set(f"systems.{system}.default.stream.samza.{prop}", f"systems.{system}.samza.{prop}")

    def key_serde(self, system: str) -> str | None:
        key = self._default_stream_key(system, "key.serde")
        return None if key is None else self.config[key].strip()

    def msg_serde(self, system: str) -> str | None:
        key = self._default_stream_key(system, "msg.serde")
        return None if key is None else self.config[key].strip()

    def offset_default(self, system: str) -> str:
        key = self._default_stream_key(system, "offset.default")
        return DEFAULT_OFFSET if key is None else checked_offset_default(key, self.config[key])

    def consumer_config(self, system: str) -> dict[str, str]:
        return self.prefixed(f"systems.{system}.consumer.")

    def producer_config(self, system: str) -> dict[str, str]:
        return self.prefixed(f"systems.{system}.producer.")

    def fetch_threshold(self, system: str) -> int:
        return self.config.get_int(f"systems.{system}.samza.fetch.threshold", DEFAULT_FETCH_THRESHOLD)

    def default_stream_replication_factor(self, system: str) -> int | None:
        key = f"systems.{system}.default.stream.replication.factor"
        return None if self.config.get_str(key) is None else self.config.get_int(key, 0)
