"""Built-in serdes, MetricsSnapshot serde and the serde registry."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.serializers.builtin import (
    ByteSerde,
    DoubleSerde,
    IntegerSerde,
    JsonSerde,
    LongSerde,
    StringSerde,
    StringSerdeFactory,
)
from samza_py.serializers.metrics_snapshot import MetricsSnapshot, MetricsSnapshotSerde
from samza_py.serializers.registry import SerdeRegistry, UnknownSerdeError
from samza_py.serializers.serde import Serde, SerdeException, SerdeFactory

# --- exact bytes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "data"),
    [
        (1, b"\x00\x00\x00\x01"),
        (0, b"\x00\x00\x00\x00"),
        (-1, b"\xff\xff\xff\xff"),
        (-2, b"\xff\xff\xff\xfe"),
        (2**31 - 1, b"\x7f\xff\xff\xff"),
        (-(2**31), b"\x80\x00\x00\x00"),
        (258, b"\x00\x00\x01\x02"),
    ],
)
def test_integer_serde_bytes(value: int, data: bytes) -> None:
    assert IntegerSerde().to_bytes(value) == data
    assert IntegerSerde().from_bytes(data) == value


@pytest.mark.parametrize(
    ("value", "data"),
    [
        (1, b"\x00" * 7 + b"\x01"),
        (-1, b"\xff" * 8),
        (2**40, b"\x00\x00\x01\x00\x00\x00\x00\x00"),
        (-(2**63), b"\x80" + b"\x00" * 7),
    ],
)
def test_long_serde_bytes(value: int, data: bytes) -> None:
    assert LongSerde().to_bytes(value) == data
    assert LongSerde().from_bytes(data) == value


@pytest.mark.parametrize(
    ("value", "data"),
    [
        (1.0, bytes.fromhex("3ff0000000000000")),
        (-2.5, bytes.fromhex("c004000000000000")),
        (0.0, bytes(8)),
        (float("inf"), bytes.fromhex("7ff0000000000000")),
    ],
)
def test_double_serde_bytes(value: float, data: bytes) -> None:
    assert DoubleSerde().to_bytes(value) == data
    assert DoubleSerde().from_bytes(data) == value


def test_double_serde_nan_and_int_input() -> None:
    assert math.isnan(DoubleSerde().from_bytes(DoubleSerde().to_bytes(float("nan"))))
    assert DoubleSerde().to_bytes(3) == DoubleSerde().to_bytes(3.0)


def test_string_serde_utf8() -> None:
    serde = StringSerde()
    assert serde.to_bytes("héllo") == b"h\xc3\xa9llo"
    assert serde.from_bytes(b"h\xc3\xa9llo") == "héllo"
    assert serde.from_bytes(serde.to_bytes("\U0001f600 日本")) == "\U0001f600 日本"


def test_string_serde_other_encodings() -> None:
    assert StringSerde("ISO-8859-1").to_bytes("é") == b"\xe9"
    # Java's "UTF-16" writes big-endian with a byte-order mark, and reads big-endian without one.
    utf16 = StringSerde("UTF-16")
    assert utf16.to_bytes("A") == b"\xfe\xff\x00A"
    assert utf16.from_bytes(b"\x00A") == "A"
    assert utf16.from_bytes(b"\xff\xfeA\x00") == "A"


def test_byte_serde_passes_through() -> None:
    assert ByteSerde().to_bytes(b"\x00\xff") == b"\x00\xff"
    assert ByteSerde().to_bytes(bytearray(b"ab")) == b"ab"
    assert ByteSerde().from_bytes(b"\x00\xff") == b"\x00\xff"


def test_json_serde_is_compact_utf8() -> None:
    serde = JsonSerde()
    value = {"b": [1, 2.5, None, True], "a": "é日", "nested": {"x": "y"}}
    data = serde.to_bytes(value)
    assert data == '{"b":[1,2.5,null,true],"a":"é日","nested":{"x":"y"}}'.encode()
    assert serde.from_bytes(data) == value
    assert list(serde.from_bytes(data)) == ["b", "a", "nested"]  # key order kept


# --- errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serde", "data"),
    [
        (IntegerSerde(), b"\x00\x00\x01"),
        (IntegerSerde(), b"\x00\x00\x00\x00\x01"),
        (LongSerde(), b"\x00" * 4),
        (DoubleSerde(), b""),
        (StringSerde(), b"\xff\xfe\xfd"),
        (JsonSerde(), b"{not json"),
        (JsonSerde(), b""),
        (JsonSerde(), b"NaN"),
        (JsonSerde(), b'"\xff"'),
    ],
)
def test_from_bytes_rejects_bad_data(serde: Serde, data: bytes) -> None:
    with pytest.raises(SerdeException):
        serde.from_bytes(data)


@pytest.mark.parametrize(
    ("serde", "value"),
    [
        (IntegerSerde(), 2**31),
        (IntegerSerde(), "1"),
        (IntegerSerde(), True),
        (LongSerde(), 2**63),
        (DoubleSerde(), "1.0"),
        (StringSerde(), 5),
        (StringSerde("US-ASCII"), "é"),
        (ByteSerde(), "text"),
        (JsonSerde(), {"x": object()}),
        (JsonSerde(), float("nan")),
    ],
)
def test_to_bytes_rejects_bad_values(serde: Serde, value: Any) -> None:
    with pytest.raises(SerdeException):
        serde.to_bytes(value)


def test_serde_exception_is_a_value_error() -> None:
    assert issubclass(SerdeException, ValueError)
    with pytest.raises(SerdeException, match="4 bytes, got 3"):
        IntegerSerde().from_bytes(b"abc")


# --- MetricsSnapshot -----------------------------------------------------------------------------------------


def _snapshot() -> MetricsSnapshot:
    header = {
        "job-name": "wikipedia-parser",
        "job-id": "1",
        "container-name": "samza-container-0",
        "source": "TaskName-Partition 0",
        "version": "0.0.1",
        "samza-version": "0.10.0",
        "host": "h1",
        "time": 1700000000000,
        "reset-time": 1690000000000,
    }
    metrics = {"org.apache.samza.container.TaskInstanceMetrics": {"process-calls": 12, "kafka-x-0-offset": "41"}}
    return MetricsSnapshot(header, metrics)


def test_metrics_snapshot_round_trip_and_shape() -> None:
    serde = MetricsSnapshotSerde()
    data = serde.to_bytes(_snapshot())
    assert data.startswith(b'{"header":{"job-name":"wikipedia-parser",')
    assert b'"metrics":{"org.apache.samza.container.TaskInstanceMetrics":{"process-calls":12,' in data
    assert serde.from_bytes(data) == _snapshot()


def test_metrics_snapshot_rejects_wrong_shape() -> None:
    serde = MetricsSnapshotSerde()
    for bad in (b"[]", b'{"header":{}}', b'{"header":{},"metrics":{"g":1}}', b"x"):
        with pytest.raises(SerdeException):
            serde.from_bytes(bad)


# --- registry ------------------------------------------------------------------------------------------------


def test_registry_predefined_names() -> None:
    registry = SerdeRegistry.from_config(Config({}))
    assert sorted(registry.names()) == ["byte", "double", "integer", "json", "long", "string"]
    assert isinstance(registry.get("integer"), IntegerSerde)
    assert isinstance(registry.get("json"), JsonSerde)


def test_registry_from_config_with_java_and_python_names() -> None:
    config = Config(
        {
            "serializers.registry.metrics.class": "org.apache.samza.serializers.MetricsSnapshotSerdeFactory",
            "serializers.registry.text.class": "samza_py.serializers.builtin.StringSerdeFactory",
            "serializers.registry.text.encoding": "ISO-8859-1",
            "serializers.registry.string.class": "org.apache.samza.serializers.JsonSerdeFactory",
        }
    )
    registry = SerdeRegistry.from_config(config)
    assert isinstance(registry.get("metrics"), MetricsSnapshotSerde)
    assert registry.get("text").to_bytes("é") == b"\xe9"
    assert isinstance(registry.get("string"), JsonSerde)  # a registration overrides the predefined name
    assert "metrics" in registry and "nope" not in registry


def test_registry_unknown_name() -> None:
    registry = SerdeRegistry.from_config(Config({}))
    with pytest.raises(UnknownSerdeError) as info:
        registry.get("avro")
    assert isinstance(info.value, KeyError)
    assert info.value.name == "avro"
    assert "serializers.registry.avro.class" in str(info.value)


def test_registry_bad_class_names_the_key() -> None:
    config = Config({"serializers.registry.x.class": "org.apache.samza.serializers.SerializableSerdeFactory"})
    with pytest.raises(ConfigException) as info:
        SerdeRegistry.from_config(config)
    assert info.value.key == "serializers.registry.x.class"


def test_registry_rejects_a_class_that_is_not_a_factory() -> None:
    config = Config({"serializers.registry.x.class": "samza_py.serializers.builtin.IntegerSerde"})
    with pytest.raises(ConfigException, match="not a serde factory"):
        SerdeRegistry.from_config(config)


class UpperSerdeFactory(SerdeFactory):
    """A user serde, named by its Python path."""

    def get_serde(self, name: str, config: Config) -> Serde:
        return _Upper()


class _Upper(Serde):
    def to_bytes(self, obj: Any) -> bytes:
        return str(obj).upper().encode()

    def from_bytes(self, data: bytes) -> Any:
        return data.decode()


def test_registry_user_factory() -> None:
    config = Config({"serializers.registry.up.class": f"{__name__}.UpperSerdeFactory"})
    assert SerdeRegistry.from_config(config).get("up").to_bytes("ab") == b"AB"


def test_string_factory_encoding_errors_name_the_key() -> None:
    with pytest.raises(ConfigException) as info:
        StringSerdeFactory().get_serde("s", Config({"serializers.registry.s.encoding": "no-such-charset"}))
    assert info.value.key == "serializers.registry.s.encoding"


def test_string_factory_falls_back_to_samzas_bare_encoding_key() -> None:
    serde = StringSerdeFactory().get_serde("s", Config({"encoding": "ISO-8859-1"}))
    assert serde.to_bytes("é") == b"\xe9"


@pytest.mark.parametrize("text", ["", "plain ascii", "caf\u00e9 \u65e5\u672c", "emoji \U0001f600 pair"])
def test_utf8_string_serde_fast_functions_give_the_methods_answers(text: str) -> None:
    serde = StringSerde()
    assert serde.fast_to_bytes is not None and serde.fast_from_bytes is not None
    encoded = serde.to_bytes(text)
    assert serde.fast_to_bytes(text) == encoded
    assert serde.fast_from_bytes(encoded) == serde.from_bytes(encoded) == text


@pytest.mark.parametrize("encoding", ["UTF-16", "ISO-8859-1"])
def test_other_charsets_have_no_fast_functions(encoding: str) -> None:
    # Java's UTF-16 differs from Python's, and the fast functions are UTF-8 only.
    serde = StringSerde(encoding)
    assert serde.fast_to_bytes is None and serde.fast_from_bytes is None


INT_SERDES = [(IntegerSerde, 4), (LongSerde, 8)]


@pytest.mark.parametrize(("serde_class", "size"), INT_SERDES)
def test_integer_serdes_fast_functions_give_the_methods_answers(serde_class: type[Serde], size: int) -> None:
    serde = serde_class()
    fast_to, fast_from = serde.fast_to_bytes, serde.fast_from_bytes
    assert fast_to is not None and fast_from is not None  # compiled (bin/setup makes sure of a C compiler)
    bits = 8 * size
    edges = [0, 1, -1, 255, 256, -256, 2**31 - 1, -(2**31), 2 ** (bits - 1) - 1, -(2 ** (bits - 1)), 0x0102030405]
    for value in [v for v in edges if -(2 ** (bits - 1)) <= v < 2 ** (bits - 1)]:
        data = serde.to_bytes(value)
        assert fast_to(value) == data == value.to_bytes(size, "big", signed=True)
        assert fast_from(data) == serde.from_bytes(data) == value
    rng = random.Random(13)
    for _ in range(2000):
        data = rng.randbytes(size)
        assert fast_from(data) == serde.from_bytes(data) == int.from_bytes(data, "big", signed=True)


class Small(int):
    pass


@pytest.mark.parametrize(("serde_class", "size"), INT_SERDES)
def test_integer_serdes_fast_functions_refuse_what_they_cannot_answer_exactly(
    serde_class: type[Serde], size: int
) -> None:
    serde = serde_class()
    assert serde.fast_to_bytes is not None and serde.fast_from_bytes is not None
    # Refused by the serde too: the caller then asks the method, whose error names the serde.
    for bad in (True, 1.0, "1", None, 2 ** (8 * size - 1), -(2 ** (8 * size - 1)) - 1, 2**80):
        with pytest.raises((TypeError, ValueError)):
            serde.fast_to_bytes(bad)
        with pytest.raises(SerdeException):
            serde.to_bytes(bad)
    for bad_data in (b"", b"\x00" * (size - 1), b"\x00" * (size + 1), "abcd"):
        with pytest.raises((TypeError, ValueError)):
            serde.fast_from_bytes(bad_data)  # type: ignore[arg-type]
    # Accepted by the method but not exactly an int or bytes: left to the method.
    with pytest.raises((TypeError, ValueError)):
        serde.fast_to_bytes(Small(5))
    assert serde.to_bytes(Small(5)) == (5).to_bytes(size, "big")
    with pytest.raises((TypeError, ValueError)):
        serde.fast_from_bytes(bytearray(size))  # type: ignore[arg-type]
    assert serde.from_bytes(bytearray(size)) == 0  # type: ignore[arg-type]


def test_an_integer_serde_subclass_with_its_own_methods_has_no_fast_functions() -> None:
    class Doubling(IntegerSerde):
        def to_bytes(self, obj: Any) -> bytes:
            return super().to_bytes(2 * obj)

        def from_bytes(self, data: bytes) -> int:
            return super().from_bytes(data) // 2

    serde = Doubling()
    assert serde.fast_to_bytes is None and serde.fast_from_bytes is None
    assert serde.from_bytes(serde.to_bytes(21)) == 21
