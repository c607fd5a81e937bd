"""Samza's built-in serdes: string, integer, long, double, byte and JSON, each with its factory."""

from __future__ import annotations

import codecs
import json
import struct
from typing import Any

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.serializers.serde import Serde, SerdeException, SerdeFactory

_INT = struct.Struct(">i")
_LONG = struct.Struct(">q")
_DOUBLE = struct.Struct(">d")
_pack_int32, _unpack_int32 = _INT.pack, _INT.unpack

try:
    from samza_py._int_codecs import int32_from_bytes, int32_to_bytes, int64_from_bytes, int64_to_bytes
except ImportError:  # pragma: no cover - an install without a C compiler
    int32_from_bytes = int32_to_bytes = int64_from_bytes = int64_to_bytes = None  # type: ignore[assignment]


def _use_fast(serde: Serde, base: type[Serde], to_bytes: Any, from_bytes: Any) -> None:
    """Give ``serde`` built-in equivalents of ``base``'s methods (see Serde.fast_to_bytes), each only where its
    class keeps ``base``'s method: a subclass's own method must see every object."""
    if to_bytes is not None and type(serde).to_bytes is base.to_bytes:
        serde.fast_to_bytes = to_bytes
    if from_bytes is not None and type(serde).from_bytes is base.from_bytes:
        serde.fast_from_bytes = from_bytes


def _check_length(data: bytes, expected: int, what: str) -> None:
    # Java's ByteBuffer would silently read a prefix of longer input; we refuse instead of guessing.
    if len(data) != expected:
        raise SerdeException(f"{what} needs exactly {expected} bytes, got {len(data)}")


class _JavaUtf16:
    """Java's "UTF-16": writes big-endian with a BOM; reads a BOM if present, else big-endian.

    Python's "utf-16" writes native order (little-endian on x86), so bytes would differ from Samza's.
    """

    @staticmethod
    def encode(text: str) -> bytes:
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")

    @staticmethod
    def decode(data: bytes) -> str:
        if data.startswith(codecs.BOM_UTF16_BE):
            return data[2:].decode("utf-16-be")
        if data.startswith(codecs.BOM_UTF16_LE):
            return data[2:].decode("utf-16-le")
        return data.decode("utf-16-be")


class StringSerde(Serde):
    """Text in the given charset (default UTF-8). Undecodable bytes raise, where Java would substitute U+FFFD."""

    def __init__(self, encoding: str = "UTF-8") -> None:
        # Resolving now turns an unknown charset into an error at startup, not at the first message.
        self.encoding = encoding
        self._codec = codecs.lookup(encoding).name
        self._utf8 = self._codec == "utf-8"  # the usual case: str.encode/bytes.decode with no codec lookup
        if self._utf8:
            # str.encode and bytes.decode default to strict UTF-8: the methods' answers, without their frames.
            _use_fast(self, StringSerde, str.encode, bytes.decode)

    def to_bytes(self, obj: Any) -> bytes:
        if self._utf8 and type(obj) is str:
            try:
                return obj.encode()
            except UnicodeEncodeError as exc:
                raise SerdeException(f"cannot encode text as {self.encoding}: {exc}") from exc
        if not isinstance(obj, str):
            raise SerdeException(f"StringSerde expects str, got {type(obj).__name__}")
        try:
            return _JavaUtf16.encode(obj) if self._codec == "utf-16" else obj.encode(self._codec)
        except UnicodeEncodeError as exc:
            raise SerdeException(f"cannot encode text as {self.encoding}: {exc}") from exc

    def from_bytes(self, data: bytes) -> str:
        try:
            if self._utf8 and type(data) is bytes:
                return data.decode()
            return _JavaUtf16.decode(data) if self._codec == "utf-16" else bytes(data).decode(self._codec)
        except UnicodeDecodeError as exc:
            raise SerdeException(f"invalid {self.encoding} text: {exc}") from exc


class IntegerSerde(Serde):
    """Java int: 4 bytes, big-endian, two's complement."""

    def __init__(self) -> None:
        _use_fast(self, IntegerSerde, int32_to_bytes, int32_from_bytes)  # compiled: samza_py/_int_codecs.c

    def to_bytes(self, obj: Any) -> bytes:
        if type(obj) is int and -(2**31) <= obj <= 2**31 - 1:  # the usual case, checked inline
            return _pack_int32(obj)
        return _pack_int(_INT, obj, "IntegerSerde", -(2**31), 2**31 - 1)

    def from_bytes(self, data: bytes) -> int:
        if len(data) != 4:
            _check_length(data, 4, "IntegerSerde")  # raises, naming the length
        value: int = _unpack_int32(data)[0]
        return value


class LongSerde(Serde):
    """Java long: 8 bytes, big-endian, two's complement."""

    def __init__(self) -> None:
        _use_fast(self, LongSerde, int64_to_bytes, int64_from_bytes)  # compiled: samza_py/_int_codecs.c

    def to_bytes(self, obj: Any) -> bytes:
        return _pack_int(_LONG, obj, "LongSerde", -(2**63), 2**63 - 1)

    def from_bytes(self, data: bytes) -> int:
        _check_length(data, 8, "LongSerde")
        return int(_LONG.unpack(data)[0])


def _pack_int(fmt: struct.Struct, obj: Any, what: str, low: int, high: int) -> bytes:
    # bool is an int subclass in Python, but Java's Boolean is never an Integer.
    if isinstance(obj, bool) or not isinstance(obj, int):
        raise SerdeException(f"{what} expects int, got {type(obj).__name__}")
    if not low <= obj <= high:
        raise SerdeException(f"{what}: {obj} is outside [{low}, {high}]")
    return fmt.pack(obj)


class DoubleSerde(Serde):
    """Java double: 8-byte IEEE-754, big-endian."""

    def to_bytes(self, obj: Any) -> bytes:
        if isinstance(obj, bool) or not isinstance(obj, int | float):
            raise SerdeException(f"DoubleSerde expects float, got {type(obj).__name__}")
        try:
            return _DOUBLE.pack(float(obj))
        except OverflowError as exc:
            raise SerdeException(f"DoubleSerde: {obj} does not fit in a double") from exc

    def from_bytes(self, data: bytes) -> float:
        _check_length(data, 8, "DoubleSerde")
        return float(_DOUBLE.unpack(data)[0])


class ByteSerde(Serde):
    """Raw bytes both ways."""

    def to_bytes(self, obj: Any) -> bytes:
        if not isinstance(obj, bytes | bytearray | memoryview):
            raise SerdeException(f"ByteSerde expects bytes, got {type(obj).__name__}")
        return bytes(obj)

    def from_bytes(self, data: bytes) -> bytes:
        return bytes(data)


def _reject_constant(name: str) -> Any:
    # Jackson refuses the non-standard NaN/Infinity literals by default; so do we.
    raise ValueError(f"non-standard JSON literal {name}")


class JsonSerde(Serde):
    """Compact UTF-8 JSON as Jackson writes it: no spaces, non-ASCII left unescaped."""

    def to_bytes(self, obj: Any) -> bytes:
        try:
            text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise SerdeException(f"JsonSerde cannot encode {type(obj).__name__}: {exc}") from exc
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates in a str
            raise SerdeException(f"JsonSerde: text is not valid Unicode: {exc}") from exc

    def from_bytes(self, data: bytes) -> Any:
        try:
            return json.loads(bytes(data).decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError as exc:
            raise SerdeException(f"JsonSerde: invalid UTF-8: {exc}") from exc
        except ValueError as exc:
            raise SerdeException(f"JsonSerde: invalid JSON: {exc}") from exc


class StringSerdeFactory(SerdeFactory):
    """Charset from ``serializers.registry.<name>.encoding``.

    Samza itself reads a bare ``encoding`` key (it hands the whole config to the factory), so that is the fallback.
    """

    def get_serde(self, name: str, config: Config) -> Serde:
        key = f"serializers.registry.{name}.encoding"
        encoding = config.get_str(key) or config.get_str("encoding")
        if encoding is None:
            return StringSerde()
        try:
            return StringSerde(encoding)
        except LookupError:
            used = key if config.get_str(key) else "encoding"
            raise ConfigException(used, f"unknown character encoding {encoding!r}") from None


class IntegerSerdeFactory(SerdeFactory):
    def get_serde(self, name: str, config: Config) -> Serde:
        return IntegerSerde()


class LongSerdeFactory(SerdeFactory):
    def get_serde(self, name: str, config: Config) -> Serde:
        return LongSerde()


class DoubleSerdeFactory(SerdeFactory):
    def get_serde(self, name: str, config: Config) -> Serde:
        return DoubleSerde()


class ByteSerdeFactory(SerdeFactory):
    def get_serde(self, name: str, config: Config) -> Serde:
        return ByteSerde()


class JsonSerdeFactory(SerdeFactory):
    def get_serde(self, name: str, config: Config) -> Serde:
        return JsonSerde()
