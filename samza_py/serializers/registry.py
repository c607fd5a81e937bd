"""The serdes a job can name: ``serializers.registry.<name>.class`` plus Samza's predefined names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from samza_py.config.aliases import ClassResolutionError, resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.serializer_config import SerializerConfig
from samza_py.serializers.serde import Serde

_PREFIX = "serializers.registry."
_SUFFIX = ".class"

class UnknownSerdeError(KeyError):
    """A serde name that is neither registered nor predefined."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        # KeyError's own str() would print only the quoted name.
        return (
            f"no serde named {self.name!r}: set {_PREFIX}{self.name}{_SUFFIX} "
            f"(known: {', '.join(self.known) or 'none'})"
        )


def _build(name: str, class_name: str, key: str, config: Config) -> Serde:
    try:
        factory = resolve_class(class_name)()
    except ClassResolutionError as exc:
        raise ConfigException(key, str(exc)) from exc
    get_serde = getattr(factory, "get_serde", None)
    if not callable(get_serde):
        raise ConfigException(key, f"{class_name!r} is not a serde factory (it has no get_serde(name, config))")
    serde = get_serde(name, config)
    if not (callable(getattr(serde, "to_bytes", None)) and callable(getattr(serde, "from_bytes", None))):
        raise ConfigException(key, f"{class_name!r} returned {type(serde).__name__}, which is not a Serde")
    return serde  # type: ignore[no-any-return]


class SerdeRegistry:
    """Name -> Serde, built eagerly as Samza's container does, so a bad class fails at startup."""

    def __init__(self, serdes: Mapping[str, Serde]) -> None:
        self._serdes = dict(serdes)

    @classmethod
    def from_config(cls, config: Config) -> SerdeRegistry:
        factories = SerializerConfig(config).serde_factory_classes()
        return cls({
            name: _build(name, class_name, f"{_PREFIX}{name}{_SUFFIX}", config)
            for name, class_name in factories.items()
        })

    def get(self, name: str) -> Serde:
        try:
            return self._serdes[name]
        except KeyError:
            raise UnknownSerdeError(name, sorted(self._serdes)) from None

    __getitem__ = get

    def __contains__(self, name: object) -> bool:
        return name in self._serdes

    def __iter__(self) -> Iterator[str]:
        return iter(self._serdes)

    def __len__(self) -> int:
        return len(self._serdes)

    def names(self) -> list[str]:
        return list(self._serdes)
