"""SystemConfig and StreamConfig, including the four levels of stream-property precedence."""

from __future__ import annotations

import pytest

from samza_py.api import SystemStream
from samza_py.config import Config, ConfigException, StreamConfig, SystemConfig

KAFKA = "org.apache.samza.system.kafka.KafkaSystemFactory"
EDITS = SystemStream("kafka", "wikipedia-edits")


def test_system_names_need_a_factory() -> None:
    s = SystemConfig(
        {
            "systems.kafka.samza.factory": KAFKA,
            "systems.wikipedia.samza.factory": "x.Wiki",
            "systems.empty.samza.factory": "",
            "systems.nofactory.consumer.a": "1",
        }
    )
    assert s.system_names() == ["kafka", "wikipedia"]
    assert s.factory_class("kafka") == KAFKA
    assert s.is_defined("kafka") and not s.is_defined("nofactory") and not s.is_defined("empty")
    with pytest.raises(ConfigException) as info:
        s.factory_class("nofactory")
    assert info.value.key == "systems.nofactory.samza.factory"


def test_system_defaults() -> None:
    s = SystemConfig(Config({"systems.kafka.samza.factory": KAFKA}))
    assert s.key_serde("kafka") is None
    assert s.msg_serde("kafka") is None
    assert s.offset_default("kafka") == "upcoming"
    assert s.consumer_config("kafka") == {}
    assert s.producer_config("kafka") == {}
    assert s.fetch_threshold("kafka") == 50000
    assert s.default_stream_replication_factor("kafka") is None


def test_system_values_and_client_configs() -> None:
    s = SystemConfig(
        {
            "systems.kafka.samza.key.serde": "string",
            "systems.kafka.samza.msg.serde": "json",
            "systems.kafka.samza.offset.default": "oldest",
            "systems.kafka.samza.fetch.threshold": "1000",
            "systems.kafka.default.stream.replication.factor": "1",
            "systems.kafka.consumer.auto.offset.reset": "largest",
            "systems.kafka.consumer.zookeeper.connect": "localhost:2181/",
            "systems.kafka.producer.bootstrap.servers": "localhost:9092",
            "systems.other.producer.bootstrap.servers": "elsewhere:9092",
        }
    )
    assert (s.key_serde("kafka"), s.msg_serde("kafka"), s.offset_default("kafka")) == ("string", "json", "oldest")
    assert s.fetch_threshold("kafka") == 1000
    assert s.default_stream_replication_factor("kafka") == 1
    assert s.consumer_config("kafka") == {"auto.offset.reset": "largest", "zookeeper.connect": "localhost:2181/"}
    assert s.producer_config("kafka") == {"bootstrap.servers": "localhost:9092"}


def test_default_stream_alias_wins_over_classic_key() -> None:
    s = SystemConfig(
        {
            "systems.kafka.samza.key.serde": "string",
            "systems.kafka.default.stream.samza.key.serde": "long",
            "systems.kafka.samza.msg.serde": "json",
            "systems.kafka.default.stream.samza.msg.serde": "byte",
            "systems.kafka.samza.offset.default": "upcoming",
            "systems.kafka.default.stream.samza.offset.default": "oldest",
        }
    )
    assert (s.key_serde("kafka"), s.msg_serde("kafka"), s.offset_default("kafka")) == ("long", "byte", "oldest")


def test_system_offset_default_validated_with_its_key() -> None:
    s = SystemConfig({"systems.kafka.samza.offset.default": "newest"})
    with pytest.raises(ConfigException) as info:
        s.offset_default("kafka")
    assert info.value.key == "systems.kafka.samza.offset.default"
    assert SystemConfig({"systems.kafka.samza.offset.default": "OLDEST"}).offset_default("kafka") == "oldest"


def levels(prop: str, upto: int) -> dict[str, str]:
    """Set ``samza.<prop>`` at the lowest ``upto`` precedence levels for kafka.wikipedia-edits."""
    keys = [
        f"systems.kafka.samza.{prop}",
        f"systems.kafka.default.stream.samza.{prop}",
        f"systems.kafka.streams.wikipedia-edits.samza.{prop}",
        f"streams.edits.samza.{prop}",
    ]
    values = {keys[i]: f"level{i}" for i in range(upto)}
    values.update({"streams.edits.samza.system": "kafka", "streams.edits.samza.physical.name": "wikipedia-edits"})
    return values


@pytest.mark.parametrize("upto", [1, 2, 3, 4])
def test_stream_property_precedence(upto: int) -> None:
    streams = StreamConfig(levels("key.serde", upto))
    assert streams.stream_property(EDITS, "key.serde") == f"level{upto - 1}"
    assert streams.key_serde(EDITS) == f"level{upto - 1}"


def test_stream_property_default_and_property_key() -> None:
    streams = StreamConfig(levels("x", 2))
    assert streams.property_key(EDITS, "x") == "systems.kafka.default.stream.samza.x"
    assert streams.stream_property(EDITS, "missing", "dflt") == "dflt"
    assert streams.stream_property(EDITS, "missing") is None
    assert streams.stream_property(SystemStream("kafka", "other"), "x") == "level1"
    assert streams.stream_property(SystemStream("elsewhere", "wikipedia-edits"), "x") is None


def test_stream_id_defaults_physical_name_to_id_and_system_to_default() -> None:
    streams = StreamConfig({"job.default.system": "kafka", "streams.clicks.samza.priority": "5"})
    assert streams.stream_ids() == ["clicks"]
    assert streams.system_stream_of("clicks") == SystemStream("kafka", "clicks")
    assert streams.priority(SystemStream("kafka", "clicks")) == 5
    assert streams.priority(SystemStream("kafka", "views")) == -1


def test_stream_id_without_any_system_maps_to_nothing() -> None:
    streams = StreamConfig({"streams.clicks.samza.priority": "5"})
    assert streams.system_stream_of("clicks") is None
    assert streams.priority(SystemStream("kafka", "clicks")) == -1


def test_two_ids_for_one_stream_is_an_error() -> None:
    streams = StreamConfig(
        {
            "streams.a.samza.system": "kafka",
            "streams.a.samza.physical.name": "t",
            "streams.b.samza.system": "kafka",
            "streams.b.samza.physical.name": "t",
        }
    )
    with pytest.raises(ConfigException) as info:
        streams.key_serde(SystemStream("kafka", "t"))
    assert info.value.key == "streams.b.samza.physical.name"
    assert info.value.message == "stream ids a, b all map to kafka.t"


def test_stream_convenience_defaults() -> None:
    streams = StreamConfig({})
    assert streams.key_serde(EDITS) is None
    assert streams.msg_serde(EDITS) is None
    assert streams.offset_default(EDITS) == "upcoming"
    assert streams.reset_offset(EDITS) is False
    assert streams.priority(EDITS) == -1
    assert streams.is_bootstrap(EDITS) is False


def test_stream_convenience_values() -> None:
    streams = StreamConfig(
        {
            "systems.kafka.samza.msg.serde": "json",
            "systems.kafka.streams.wikipedia-edits.samza.offset.default": "oldest",
            "systems.kafka.streams.wikipedia-edits.samza.reset.offset": "true",
            "systems.kafka.streams.wikipedia-edits.samza.priority": "2",
            "systems.kafka.streams.wikipedia-edits.samza.bootstrap": "true",
        }
    )
    assert streams.msg_serde(EDITS) == "json"
    assert streams.offset_default(EDITS) == "oldest"
    assert streams.reset_offset(EDITS) is True
    assert streams.priority(EDITS) == 2
    assert streams.is_bootstrap(EDITS) is True
    assert streams.offset_default(SystemStream("kafka", "other")) == "upcoming"


def test_stream_offset_default_error_names_the_key_that_set_it() -> None:
    streams = StreamConfig(
        {
            "systems.kafka.samza.offset.default": "oldest",
            "systems.kafka.streams.wikipedia-edits.samza.offset.default": "latest",
        }
    )
    with pytest.raises(ConfigException) as info:
        streams.offset_default(EDITS)
    assert info.value.key == "systems.kafka.streams.wikipedia-edits.samza.offset.default"
    assert streams.offset_default(SystemStream("kafka", "other")) == "oldest"


def test_stream_bad_bool_and_int_name_their_key() -> None:
    streams = StreamConfig({"streams.e.samza.system": "kafka", "streams.e.samza.physical.name": "wikipedia-edits",
                            "streams.e.samza.reset.offset": "maybe", "streams.e.samza.priority": "high"})
    with pytest.raises(ConfigException) as info:
        streams.reset_offset(EDITS)
    assert info.value.key == "streams.e.samza.reset.offset"
    with pytest.raises(ConfigException) as info:
        streams.priority(EDITS)
    assert info.value.key == "streams.e.samza.priority"
