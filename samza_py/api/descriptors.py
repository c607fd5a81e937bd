"""System and stream descriptors: the systems and streams of a high-level application, in code.

Each descriptor turns into the config keys a job would otherwise write by hand (``systems.<s>.*``,
``streams.<id>.*``); the job's own config file wins over them key by key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from samza_py.api.serdes import KVSerde, NoOpSerde, Serde
from samza_py.api.streams import SystemStream

M = TypeVar("M")

KAFKA_SYSTEM_FACTORY = "org.apache.samza.system.kafka.KafkaSystemFactory"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def check_id(what: str, value: str) -> str:
    """Ids become config key segments and topic names: letters, digits, '-' and '_' only (as Samza)."""
    if not _ID.match(value):
        raise ValueError(f"{what} {value!r} must match [A-Za-z0-9_-]+")
    return value


class SystemDescriptor:
    """A system by name and factory, with its own config keys (``systems.<name>.<key>``)."""

    def __init__(self, system_name: str, factory_class_name: str) -> None:
        self.system_name = check_id("system name", system_name)
        self.factory_class_name = factory_class_name
        self._config: dict[str, str] = {}
        self._default_stream_config: dict[str, str] = {}

    def with_system_config(self, key: str, value: str) -> SystemDescriptor:
        """Any ``systems.<name>.<key>`` (samza-py's general escape hatch)."""
        self._config[key] = value
        return self

    def with_default_stream_offset_default(self, offset_default: str) -> SystemDescriptor:
        """``oldest`` or ``upcoming`` for the system's streams without a checkpoint."""
        self._default_stream_config["samza.offset.default"] = offset_default
        return self

    def with_default_stream_configs(self, configs: Mapping[str, str]) -> SystemDescriptor:
        self._default_stream_config.update(configs)
        return self

    def to_config(self) -> dict[str, str]:
        prefix = f"systems.{self.system_name}."
        config = {f"{prefix}samza.factory": self.factory_class_name}
        config.update({prefix + key: value for key, value in self._config.items()})
        config.update({f"{prefix}default.stream.{key}": value for key, value in self._default_stream_config.items()})
        return config

    def get_input_descriptor(self, stream_id: str, serde: Serde | None = None) -> InputDescriptor[Any]:
        """A stream this application reads; a plain serde is the message serde (no key serde)."""
        return InputDescriptor(stream_id, self, serde if serde is not None else KVSerde(NoOpSerde(), NoOpSerde()))

    def get_output_descriptor(self, stream_id: str, serde: Serde | None = None) -> OutputDescriptor[Any]:
        """A stream this application writes; a plain serde is the message serde (no key serde)."""
        return OutputDescriptor(stream_id, self, serde if serde is not None else KVSerde(NoOpSerde(), NoOpSerde()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.system_name!r})"


class KafkaSystemDescriptor(SystemDescriptor):
    """A Kafka system (Samza's ``KafkaSystemDescriptor``)."""

    def __init__(self, system_name: str) -> None:
        super().__init__(system_name, KAFKA_SYSTEM_FACTORY)

    def with_consumer_bootstrap_servers(self, servers: list[str]) -> KafkaSystemDescriptor:
        self.with_system_config("consumer.bootstrap.servers", ",".join(servers))
        return self

    def with_producer_bootstrap_servers(self, servers: list[str]) -> KafkaSystemDescriptor:
        self.with_system_config("producer.bootstrap.servers", ",".join(servers))
        return self

    def with_consumer_configs(self, configs: Mapping[str, str]) -> KafkaSystemDescriptor:
        for key, value in configs.items():
            self.with_system_config(f"consumer.{key}", value)
        return self

    def with_producer_configs(self, configs: Mapping[str, str]) -> KafkaSystemDescriptor:
        for key, value in configs.items():
            self.with_system_config(f"producer.{key}", value)
        return self


class StreamDescriptor(Generic[M]):
    """A stream by id on a system; the physical (topic) name defaults to the id."""

    def __init__(self, stream_id: str, system: SystemDescriptor, serde: Serde) -> None:
        self.stream_id = check_id("stream id", stream_id)
        self.system_descriptor = system
        self.serde = serde
        self.physical_name = stream_id
        self._config: dict[str, str] = {}

    @property
    def is_keyed(self) -> bool:
        """A keyed stream's messages are ``KV(key, value)``; otherwise they are the values alone."""
        return isinstance(self.serde, KVSerde)

    @property
    def system_stream(self) -> SystemStream:
        return SystemStream(self.system_descriptor.system_name, self.physical_name)

    def _set(self, key: str, value: str) -> None:
        self._config[key] = value

    def with_physical_name(self, physical_name: str) -> StreamDescriptor[M]:
        self.physical_name = physical_name
        return self

    def with_stream_config(self, key: str, value: str) -> StreamDescriptor[M]:
        """Any ``streams.<id>.<key>``."""
        self._set(key, value)
        return self

    def serde_names(self) -> tuple[str | None, str | None]:
        """(key serde name, message serde name); None where objects pass as they are."""
        if isinstance(self.serde, KVSerde):
            return self.serde.key_serde.name, self.serde.value_serde.name
        return None, self.serde.name

    def to_config(self) -> dict[str, str]:
        prefix = f"streams.{self.stream_id}."
        config = {
            f"{prefix}samza.system": self.system_descriptor.system_name,
            f"{prefix}samza.physical.name": self.physical_name,
        }
        key_serde, msg_serde = self.serde_names()
        if key_serde is not None:
            config[f"{prefix}samza.key.serde"] = key_serde
        if msg_serde is not None:
            config[f"{prefix}samza.msg.serde"] = msg_serde
        config.update({prefix + key: value for key, value in self._config.items()})
        return config

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.stream_id!r} on {self.system_descriptor.system_name!r})"


class InputDescriptor(StreamDescriptor[M]):
    def with_offset_default(self, offset_default: str) -> InputDescriptor[M]:
        """``oldest`` or ``upcoming``: where to start without a checkpoint."""
        self._set("samza.offset.default", offset_default)
        return self

    def should_reset_offset(self) -> InputDescriptor[M]:
        self._set("samza.reset.offset", "true")
        return self

    def is_bounded(self) -> InputDescriptor[M]:
        """samza-py: the stream ends at the offsets current when the job starts."""
        self._set("samza.bounded", "true")
        return self

    def with_priority(self, priority: int) -> InputDescriptor[M]:
        self._set("samza.priority", str(priority))
        return self


class OutputDescriptor(StreamDescriptor[M]):
    pass
