"""Serdes of the high-level API: which serde a stream or a window's store uses, by name.

A descriptor names one of Samza's predefined serdes (``string``, ``json``, ...) or one the job registers
(``serializers.registry.<name>.class``); the generated config sets the streams' ``samza.key.serde`` and
``samza.msg.serde`` to those names, so the container's serde layer does the work as for any task.
"""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class KV(NamedTuple, Generic[K, V]):
    """A message of a keyed stream (one whose serde is a KVSerde): its key and its value."""

    key: K
    value: V


class Serde:
    """A serde registered under ``name``; None (NoOpSerde) means objects pass as they are."""

    __slots__ = ("name",)

    def __init__(self, name: str | None) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Serde) and other.name == self.name

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))


class RegisteredSerde(Serde):
    """A serde the job registers itself: ``serializers.registry.<name>.class``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)


class NoOpSerde(Serde):
    def __init__(self) -> None:
        super().__init__(None)


class StringSerde(Serde):
    def __init__(self) -> None:
        super().__init__("string")


class JsonSerde(Serde):
    def __init__(self) -> None:
        super().__init__("json")


class IntegerSerde(Serde):
    def __init__(self) -> None:
        super().__init__("integer")


class LongSerde(Serde):
    def __init__(self) -> None:
        super().__init__("long")


class DoubleSerde(Serde):
    def __init__(self) -> None:
        super().__init__("double")


class ByteSerde(Serde):
    def __init__(self) -> None:
        super().__init__("byte")


class KVSerde(Serde):
    """Key and value serdes of a keyed stream; its messages are ``KV(key, value)``."""

    __slots__ = ("key_serde", "value_serde")

    def __init__(self, key_serde: Serde, value_serde: Serde) -> None:
        super().__init__(None)
        if isinstance(key_serde, KVSerde) or isinstance(value_serde, KVSerde):
            raise TypeError("a KVSerde's key and value serdes cannot be KVSerdes themselves")
        self.key_serde = key_serde
        self.value_serde = value_serde

    @classmethod
    def of(cls, key_serde: Serde, value_serde: Serde) -> KVSerde:
        return cls(key_serde, value_serde)

    def __repr__(self) -> str:
        return f"KVSerde({self.key_serde!r}, {self.value_serde!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KVSerde) and (other.key_serde, other.value_serde) == (self.key_serde, self.value_serde)

    def __hash__(self) -> int:
        return hash(("KVSerde", self.key_serde, self.value_serde))
