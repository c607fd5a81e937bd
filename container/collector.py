"""TaskInstanceCollector: serialises a task's output with the stream's serdes and hands it to the producer."""

from __future__ import annotations

from samza_py.api import Counter, MessageCollector, OutgoingMessageEnvelope
from samza_py.serializers.manager import SerdeManager
from samza_py.system.interfaces import SystemProducer


class UnknownOutputSystemError(Exception):
    pass


class TaskInstanceCollector(MessageCollector):
    __slots__ = ("_producers", "_serdes", "_source", "_sends")

    def __init__(
        self, producers: dict[str, SystemProducer], serdes: SerdeManager, source: str, sends: Counter
    ) -> None:
        self._producers = producers
        self._serdes = serdes
        self._source = source
        self._sends = sends

    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        stream = envelope.system_stream
        producer = self._producers.get(stream.system)
        if producer is None:
            raise UnknownOutputSystemError(
                f"output to {stream.system}.{stream.stream}: system {stream.system!r} is not configured "
                f"(systems.{stream.system}.samza.factory)"
            )
        key_serde, msg_serde = self._serdes.serdes(stream)
        if envelope.key_serde:
            key_serde = self._serdes.serde(envelope.key_serde)
        if envelope.msg_serde:
            msg_serde = self._serdes.serde(envelope.msg_serde)
        key, message = envelope.key, envelope.message
        if key is not None and key_serde is not None:
            key = key_serde.to_bytes(key)
        if message is not None and msg_serde is not None:
            message = msg_serde.to_bytes(message)
        for what, serde_key, value in (("key", "key.serde", key), ("message", "msg.serde", message)):
            if value is not None and not isinstance(value, bytes | bytearray | str):
                raise TypeError(
                    f"output to {stream.system}.{stream.stream}: the {what} is a {type(value).__name__} and no "
                    f"serde is configured for it (systems.{stream.system}.samza.{serde_key})"
                )
        self._sends.count += 1
        producer.send(self._source, OutgoingMessageEnvelope(stream, envelope.partition_key, key, message))
