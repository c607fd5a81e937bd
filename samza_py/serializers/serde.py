"""The Serde contract: objects to bytes and back, and the factories a config names."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from samza_py.config.config import Config


class SerdeException(ValueError):
    """Bytes that a serde cannot decode, or an object it cannot encode.

    The container adds the SSP and offset when it reports the failure.
    """


class Serde(ABC):
    """Converts one kind of object to bytes and back.

    Serdes never see ``None``: as in Samza, a null key or message passes through unchanged,
    and the caller (the container's serde layer) is the one that skips it.

    ``fast_to_bytes``/``fast_from_bytes`` may name C-level functions that give the same answer as the
    methods for every input the methods accept (the per-message paths then skip a Python call); on any
    exception from them, callers call the method, whose answer or error is the serde's own.
    """

    fast_to_bytes: Callable[[Any], bytes] | None = None
    fast_from_bytes: Callable[[bytes], Any] | None = None

    @abstractmethod
    def to_bytes(self, obj: Any) -> bytes: ...

    @abstractmethod
    def from_bytes(self, data: bytes) -> Any: ...


class SerdeFactory(ABC):
    """What ``serializers.registry.<name>.class`` names; builds the serde registered as ``name``."""

    @abstractmethod
    def get_serde(self, name: str, config: Config) -> Serde: ...
