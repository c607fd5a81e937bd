"""Config: an immutable string-to-string map with typed getters, as Samza's ``Config``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from samza_py.config.errors import ConfigException
from samza_py.config.secrets import protect, redacted

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class Config(Mapping[str, str]):
    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        # Values of secret keys become ``Secret``s: whatever prints them shows "[redacted]".
        self._values: dict[str, str] = protect(
            {str(k): v if isinstance(v, str) else str(v) for k, v in (values or {}).items()})

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Config({redacted(self._values)!r})"

    def get_str(self, key: str, default: str | None = None) -> str | None:
        value = self._values.get(key)
        return default if value is None or value == "" else value

    def require(self, key: str) -> str:
        value = self.get_str(key)
        if value is None:
            raise ConfigException(key, "is required")
        return value

    def get_int(self, key: str, default: int) -> int:
        value = self.get_str(key)
        if value is None:
            return default
        try:
            return int(value.strip())
        except ValueError:
            raise ConfigException(key, f"must be an integer, got {value!r}") from None

    def get_float(self, key: str, default: float) -> float:
        value = self.get_str(key)
        if value is None:
            return default
        try:
            return float(value.strip())
        except ValueError:
            raise ConfigException(key, f"must be a number, got {value!r}") from None

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.get_str(key)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigException(key, f"must be true or false, got {value!r}")

    def get_list(self, key: str) -> list[str]:
        """A comma-separated list, items stripped, empty items dropped."""
        value = self.get_str(key)
        if value is None:
            return []
        return [item.strip() for item in value.split(",") if item.strip()]

    def subset(self, prefix: str, strip_prefix: bool = True) -> Config:
        """Keys that start with ``prefix``, with the prefix removed unless told otherwise."""
        cut = len(prefix) if strip_prefix else 0
        return Config({k[cut:]: v for k, v in self._values.items() if k.startswith(prefix)})

    def with_overrides(self, overrides: Mapping[str, str]) -> Config:
        merged = dict(self._values)
        merged.update(overrides)
        return Config(merged)

    def to_dict(self) -> dict[str, str]:
        return dict(self._values)
