"""Samza's Kafka partition choice for a partition key: abs(Java hashCode) % partitions.

Java's hashCode is reproduced so that a key lands on the same partition as it would from a Java Samza job.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

try:  # Java's hashCode compiled (samza_py/_java_hash.c, built by setup.py where a C compiler is found)
    from samza_py import _java_hash as _compiled
except ImportError:  # pragma: no cover - an install without a C compiler: the Python versions below
    _compiled = None  # type: ignore[assignment]

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_LONG_MIN = -(2**63)
_LONG_MAX = 2**63 - 1
_MASK32 = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
# Double.doubleToLongBits folds every NaN into this one bit pattern.
_CANONICAL_NAN_BITS = 0x7FF8000000000000


def _to_int32(value: int) -> int:
    value &= _MASK32
    return value - (1 << 32) if value & 0x80000000 else value


def _long_hash(value: int) -> int:
    """Long.hashCode: (int)(v ^ (v >>> 32))."""
    bits = value & _MASK64
    return _to_int32(bits ^ (bits >> 32))


# Java's hash is the polynomial sum(u[i] * 31^(n-1-i)) mod 2^32 over the code units u. For a byte string
# it is computed in C: each byte b is two base-31 digits (b // 31 and b % 31), bytes.translate writes the
# digit strings and int(..., 31) reads them, so the sum is 31 * int(high digits) + int(low digits).
# Long inputs are taken a chunk at a time (int() refuses very long digit strings).
_CHUNK = 256
_DIGITS = b"0123456789abcdefghijklmnopqrstu"
_HIGH = bytes(_DIGITS[b // 31] for b in range(256))
_LOW = bytes(_DIGITS[b % 31] for b in range(256))
_ABOVE_127 = bytes(1 if b > 127 else 0 for b in range(256))
_POW31 = [pow(31, n, 1 << 32) for n in range(_CHUNK + 1)]  # 31^n mod 2^32
# Without the compiled hash, keys' hashes are remembered (keys repeat: users, pages, ...) in a dict that
# is emptied when it holds HASH_CACHE_SIZE of them. Cheaper than functools.lru_cache, whose bookkeeping on
# a miss costs a good part of the hash itself when keys rarely repeat. The compiled hash costs less than
# a dict lookup, so it is not cached.
HASH_CACHE_SIZE = 65536
_string_hashes: dict[str, int] = {}
_bytes_hashes: dict[bytes, int] = {}


def _byte_poly(data: bytes) -> int:
    """sum(data[i] * 31^(n-1-i)) mod 2^32, bytes taken as unsigned."""
    n = len(data)
    if n == 0:
        return 0
    if n <= _CHUNK:
        return (31 * int(data.translate(_HIGH), 31) + int(data.translate(_LOW), 31)) & _MASK32
    h = 0
    for start in range(0, n, _CHUNK):
        chunk = data[start:start + _CHUNK]
        h = (h * _POW31[len(chunk)] + _byte_poly(chunk)) & _MASK32
    return h


def _remember(cache: dict[Any, int], key: Any, h: int) -> int:
    if len(cache) >= HASH_CACHE_SIZE:
        cache.clear()
    cache[key] = h
    return h


def python_string_hash(text: str) -> int:
    """String.hashCode() in Python: the reference for the compiled one, and its stand-in."""
    if text.isascii():
        data = text.encode("ascii")
        if 0 < len(data) <= _CHUNK:
            # _byte_poly and _to_int32 written out: most keys are short ASCII, and calls cost here.
            h = (31 * int(data.translate(_HIGH), 31) + int(data.translate(_LOW), 31)) & _MASK32
            return h - 0x100000000 if h & 0x80000000 else h
        return _to_int32(_byte_poly(data))
    # UTF-16 code units (a character outside the BMP is a surrogate pair; surrogatepass keeps lone
    # surrogates, which Java strings may also hold): unit = 256 * high byte + low byte.
    units = text.encode("utf-16-be", "surrogatepass")
    return _to_int32(256 * _byte_poly(units[0::2]) + _byte_poly(units[1::2]))


def python_bytes_hash(data: bytes | bytearray) -> int:
    """Arrays.hashCode(byte[]) in Python: the reference for the compiled one, and its stand-in."""
    # Java's byte[].hashCode() is identity-based (differs per object and run), so no Java job could rely
    # on it. Our documented choice is Arrays.hashCode(byte[]): content-based, over signed bytes, i.e.
    # 31^n + the polynomial of the signed bytes (a byte above 127 counts 256 less).
    if type(data) is not bytes:
        data = bytes(data)
    n = len(data)
    h = (_POW31[n] if n <= _CHUNK else pow(31, n, 1 << 32)) + _byte_poly(data)
    if not data.isascii():
        h -= 256 * _byte_poly(data.translate(_ABOVE_127))
    return _to_int32(h)


def _double_hash(value: float) -> int:
    bits = _CANONICAL_NAN_BITS if math.isnan(value) else struct.unpack(">q", struct.pack(">d", value))[0]
    return _long_hash(bits)


COMPILED = _compiled is not None
# Any str or bytes-like; the compiled functions where built.
_string_hash: Callable[[str], int] = _compiled.string_hash if _compiled is not None else python_string_hash
_bytes_hash: Callable[[bytes | bytearray], int] = (
    _compiled.bytes_hash if _compiled is not None else python_bytes_hash
)


def _cached_string_hash(text: str) -> int:
    h = _string_hashes.get(text)
    if h is None:
        h = _remember(_string_hashes, text, python_string_hash(text))
    return h


def _cached_bytes_hash(data: bytes) -> int:
    h = _bytes_hashes.get(data)
    if h is None:
        h = _remember(_bytes_hashes, data, python_bytes_hash(data))
    return h


# Exactly str and exactly bytes (immutable, so their hashes may be remembered), the usual keys.
_exact_string_hash: Callable[[str], int] = _string_hash if _compiled is not None else _cached_string_hash
_exact_bytes_hash: Callable[[bytes], int] = _bytes_hash if _compiled is not None else _cached_bytes_hash


def java_hash_code(value: Any) -> int:
    """The value's Java hashCode, a signed 32-bit int.

    str -> String; bool -> Boolean; int -> Integer if it fits in 32 bits, else Long; float -> Double;
    bytes/bytearray -> Arrays.hashCode(byte[]).
    """
    kind = type(value)
    if kind is str:
        return _exact_string_hash(value)
    if kind is bytes:
        return _exact_bytes_hash(value)
    if isinstance(value, str):
        return _string_hash(value)
    if isinstance(value, bool):  # before int: bool is an int subclass
        return 1231 if value else 1237
    if isinstance(value, int):
        if _INT_MIN <= value <= _INT_MAX:
            return value
        if _LONG_MIN <= value <= _LONG_MAX:
            return _long_hash(value)
        raise OverflowError(f"{value} does not fit in a Java long")
    if isinstance(value, float):
        return _double_hash(value)
    if isinstance(value, bytes | bytearray):  # a subclass, or mutable: not cached
        return _bytes_hash(value)
    raise TypeError(f"no Java hashCode for partition key of type {type(value).__name__}")


def samza_partition(partition_key: Any, num_partitions: int) -> int:
    """abs(hashCode) % num_partitions, with abs(Integer.MIN_VALUE) taken as 0 as Samza's KafkaUtil does."""
    if num_partitions <= 0:
        raise ValueError(f"num_partitions must be positive, got {num_partitions}")
    if type(partition_key) is str:  # the usual key: java_hash_code's first case, written out
        if num_partitions == 1:
            return 0  # whatever its hash (a string always has one)
        h = _exact_string_hash(partition_key)
    elif num_partitions == 1 and type(partition_key) is bytes:
        return 0
    else:
        h = java_hash_code(partition_key)
    return (0 if h == _INT_MIN else abs(h)) % num_partitions
