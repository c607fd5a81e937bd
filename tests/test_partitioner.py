"""Java hashCode reproduction and Samza's Kafka partition choice."""

from __future__ import annotations

import struct

import pytest

from samza_py.system.kafka import partitioner
from samza_py.system.kafka.partitioner import java_hash_code, samza_partition

INT_MIN = -(2**31)


@pytest.fixture(autouse=True, params=["compiled", "python"])
def implementation(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with the compiled hash (as installed) and with the Python one (an install without
    a C compiler): both must give Java's answers."""
    if request.param == "python":
        monkeypatch.setattr(partitioner, "_string_hash", partitioner.python_string_hash)
        monkeypatch.setattr(partitioner, "_bytes_hash", partitioner.python_bytes_hash)
        monkeypatch.setattr(partitioner, "_exact_string_hash", partitioner._cached_string_hash)
        monkeypatch.setattr(partitioner, "_exact_bytes_hash", partitioner._cached_bytes_hash)
    return str(request.param)


def test_the_compiled_hash_is_built() -> None:
    # bin/setup makes sure of a C compiler, so the project's own install always has it.
    assert partitioner.COMPILED
    assert partitioner._compiled is not None and partitioner._compiled.__file__.endswith(".so")


def test_compiled_and_python_hashes_agree_on_any_text_and_bytes() -> None:
    import random

    compiled = partitioner._compiled
    assert compiled is not None
    rng = random.Random(7)
    # ASCII, Latin-1, BMP, astral (surrogate pairs in Java) and lone surrogates: every string kind.
    ranges = [(0, 0x7F), (0x80, 0xFF), (0x100, 0xD7FF), (0xD800, 0xDFFF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)]
    for _ in range(2000):
        picked = rng.sample(ranges, rng.randint(1, 3))
        text = "".join(chr(rng.randint(*rng.choice(picked))) for _ in range(rng.randint(0, 40)))
        assert compiled.string_hash(text) == partitioner.python_string_hash(text) == _reference_string_hash(text)
        data = rng.randbytes(rng.randint(0, 300))
        assert compiled.bytes_hash(data) == partitioner.python_bytes_hash(data) == _reference_bytes_hash(data)
        assert compiled.bytes_hash(bytearray(data)) == compiled.bytes_hash(data)


def test_compiled_hash_refuses_what_is_not_text_or_bytes() -> None:
    compiled = partitioner._compiled
    assert compiled is not None
    with pytest.raises(TypeError, match="takes a str, not int"):
        compiled.string_hash(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compiled.bytes_hash("text")  # type: ignore[arg-type]


def _signed32(value: int) -> int:
    value %= 2**32
    return value - 2**32 if value >= 2**31 else value


def _reference_string_hash(text: str) -> int:
    """s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in unbounded ints, reduced once at the end."""
    units: list[int] = []
    for ch in text:
        cp = ord(ch)
        if cp > 0xFFFF:
            cp -= 0x10000
            units += [0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)]
        else:
            units.append(cp)
    n = len(units)
    return _signed32(sum(u * 31 ** (n - 1 - i) for i, u in enumerate(units)))


def _reference_long_hash(value: int) -> int:
    unsigned = value % 2**64
    return _signed32((unsigned ^ (unsigned >> 32)) % 2**32)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("a", 97),
        ("Aa", 2112),
        ("BB", 2112),
        ("hello", 99162322),
        ("polygenelubricants", INT_MIN),
        ("\U0001f600", 1772899),  # one emoji = surrogate pair D83D DE00
    ],
)
def test_known_string_hashes(text: str, expected: int) -> None:
    assert java_hash_code(text) == expected
    assert _reference_string_hash(text) == expected


@pytest.mark.parametrize(
    "text", ["wikipedia-edits", "Partition 0", "été", "日本語のテキスト", "a\U00010348b", "x" * 200, "key-12345"]
)
def test_string_hash_matches_java_formula(text: str) -> None:
    assert java_hash_code(text) == _reference_string_hash(text)


def test_lone_surrogate_is_one_code_unit() -> None:
    assert java_hash_code("\ud800") == 0xD800


@pytest.mark.parametrize("value", [0, 1, -1, 42, 2**31 - 1, INT_MIN])
def test_int_in_32_bits_is_its_own_hash(value: int) -> None:
    assert java_hash_code(value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2**40, 256),
        (2**31, INT_MIN),
        (-(2**63), INT_MIN),
        (2**63 - 1, INT_MIN),
        (-(2**31) - 1, INT_MIN),
        (-(2**32), -1),
    ],
)
def test_long_hash(value: int, expected: int) -> None:
    assert java_hash_code(value) == expected
    assert _reference_long_hash(value) == expected


@pytest.mark.parametrize("value", [2**32, 123456789012345, -987654321098765, 2**62 + 12345])
def test_long_hash_matches_java_formula(value: int) -> None:
    assert java_hash_code(value) == _reference_long_hash(value)


def test_int_beyond_long_is_rejected() -> None:
    with pytest.raises(OverflowError):
        java_hash_code(2**63)


def test_bool_hash() -> None:
    assert java_hash_code(True) == 1231
    assert java_hash_code(False) == 1237


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, 0), (1.0, 1072693248), (-0.0, INT_MIN), (float("nan"), 2146959360)],
)
def test_double_hash(value: float, expected: int) -> None:
    assert java_hash_code(value) == expected


@pytest.mark.parametrize("value", [3.14159, -2.5e300, 1e-310, float("inf")])
def test_double_hash_matches_java_formula(value: float) -> None:
    bits = struct.unpack(">Q", struct.pack(">d", value))[0]
    assert java_hash_code(value) == _reference_long_hash(bits)


def test_every_nan_hashes_like_the_canonical_nan() -> None:
    payload_nan = struct.unpack(">d", bytes.fromhex("7ff0000000000001"))[0]
    assert java_hash_code(payload_nan) == java_hash_code(float("nan"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"", 1), (b"\x01\x02\x03", 30817), (b"\xff", 30), (bytearray(b"\x01\x02\x03"), 30817)],
)
def test_bytes_hash_is_arrays_hashcode(value: bytes, expected: int) -> None:
    assert java_hash_code(value) == expected


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, object()])
def test_other_types_are_rejected(value: object) -> None:
    with pytest.raises(TypeError):
        java_hash_code(value)


def test_samza_partition() -> None:
    assert samza_partition("hello", 12) == 99162322 % 12
    assert samza_partition(-7, 4) == 3  # abs first, then modulo
    assert samza_partition("polygenelubricants", 7) == 0  # abs(Integer.MIN_VALUE) taken as 0
    assert samza_partition(2**31, 5) == 0
    for key in ["a", "b", "Partition 3", 17, -17, 2.5, b"k"]:
        assert 0 <= samza_partition(key, 3) < 3


def test_samza_partition_needs_partitions() -> None:
    with pytest.raises(ValueError):
        samza_partition("k", 0)


def _reference_bytes_hash(data: bytes) -> int:
    """Arrays.hashCode(byte[]): 1*31^n + sum(b[i] * 31^(n-1-i)) over signed bytes, reduced once at the end."""
    n = len(data)
    signed = [b - 256 if b > 127 else b for b in data]
    return _signed32(31**n + sum(b * 31 ** (n - 1 - i) for i, b in enumerate(signed)))


@pytest.mark.parametrize(("text", "expected"), [("abc", 96354), ("Hello World", -862545276)])
def test_more_known_java_string_hashes(text: str, expected: int) -> None:
    assert java_hash_code(text) == expected == _reference_string_hash(text)


@pytest.mark.parametrize("length", [0, 1, 255, 256, 257, 512, 600, 2000, 4500])
def test_long_strings_and_bytes_match_the_formula(length: int) -> None:
    # Long inputs are hashed a chunk at a time (int() refuses digit strings past 4300 digits).
    ascii_text = "".join(chr(33 + (i * 7) % 90) for i in range(length))
    mixed = "".join(("é", "\U0001f600", "k", "日", "\udc00")[i % 5] for i in range(length))
    data = bytes((i * 37) % 256 for i in range(length))
    assert java_hash_code(ascii_text) == _reference_string_hash(ascii_text)
    assert java_hash_code(mixed) == _reference_string_hash(mixed)
    assert java_hash_code(data) == _reference_bytes_hash(data)
    assert java_hash_code(bytearray(data)) == _reference_bytes_hash(data)


def test_random_keys_match_the_formula_every_time() -> None:
    # Asked twice: the second answer comes from the cache and must be the same.
    import random

    rng = random.Random(13)
    alphabet = "abcXYZ019-_:éß日本\U0001f600\U00010348"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(10, 24)))
        data = rng.randbytes(rng.randint(0, 40))
        for _ in range(2):
            assert java_hash_code(text) == _reference_string_hash(text)
            assert java_hash_code(data) == _reference_bytes_hash(data)


def test_the_hash_cache_stays_bounded(implementation: str) -> None:
    if implementation == "compiled":
        partitioner._string_hashes.clear()
        partitioner._bytes_hashes.clear()
    for i in range(partitioner.HASH_CACHE_SIZE + 10):
        text = f"k-{i}"
        assert java_hash_code(text) == _reference_string_hash(text)
        assert java_hash_code(text.encode()) == _reference_bytes_hash(text.encode())
    if implementation == "compiled":  # the compiled hash is cheaper than a lookup: nothing is remembered
        assert not partitioner._string_hashes and not partitioner._bytes_hashes
    else:
        assert 0 < len(partitioner._string_hashes) <= partitioner.HASH_CACHE_SIZE
        assert 0 < len(partitioner._bytes_hashes) <= partitioner.HASH_CACHE_SIZE
    assert java_hash_code("hello") == 99162322  # emptied, not broken


def test_one_partition_takes_every_key_and_other_counts_still_hash() -> None:
    for key in ["hello", "polygenelubricants", b"\xff\x00", "日本"]:
        assert samza_partition(key, 1) == 0
        h = java_hash_code(key)
        assert samza_partition(key, 5) == (0 if h == INT_MIN else abs(h)) % 5
    with pytest.raises(TypeError):
        samza_partition([1], 1)  # a key with no Java hashCode is refused whatever the partition count
