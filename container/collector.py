"""TaskInstanceCollector: serialises a task's output with the stream's serdes and hands it to the producer."""

from __future__ import annotations

from samza_py.api import Counter, MessageCollector, OutgoingMessageEnvelope, SystemStream
from samza_py.serializers.manager import SerdeManager
from samza_py.serializers.serde import Serde
from samza_py.system.interfaces import SystemProducer


class UnknownOutputSystemError(Exception):
    pass


class TaskInstanceCollector(MessageCollector):
    __slots__ = ("_producers", "_serdes", "_source", "_sends", "_routes")

    def __init__(
        self, producers: dict[str, SystemProducer], serdes: SerdeManager, source: str, sends: Counter
    ) -> None:
        self._producers = producers
        self._serdes = serdes
        self._source = source
        self._sends = sends
        # Per output stream, found once: its producer and its key and message serdes.
        self._routes: dict[SystemStream, tuple[SystemProducer, Serde | None, Serde | None]] = {}

    def _route(self, stream: SystemStream) -> tuple[SystemProducer, Serde | None, Serde | None]:
        producer = self._producers.get(stream.system)
        if producer is None:
            raise UnknownOutputSystemError(
                f"output to {stream.system}.{stream.stream}: system {stream.system!r} is not configured "
                f"(systems.{stream.system}.samza.factory)"
            )
        route = self._routes[stream] = (producer, *self._serdes.serdes(stream))
        return route

    def send(self, envelope: OutgoingMessageEnvelope) -> None:
        stream = envelope.system_stream
        route = self._routes.get(stream)
        producer, key_serde, msg_serde = route if route is not None else self._route(stream)
        if envelope.key_serde:
            key_serde = self._serdes.serde(envelope.key_serde)
        if envelope.msg_serde:
            msg_serde = self._serdes.serde(envelope.msg_serde)
        self._emit(producer, key_serde, msg_serde, stream, envelope.partition_key, envelope.key, envelope.message)

    def send_to(self, stream: SystemStream, key: object, message: object) -> None:
        # send() of OutgoingMessageEnvelope(stream, key, message), without the envelope: the key is the
        # partition key and the stream's serdes apply.
        route = self._routes.get(stream)
        producer, key_serde, msg_serde = route if route is not None else self._route(stream)
        self._emit(producer, key_serde, msg_serde, stream, key, key, message)

    def _emit(self, producer: SystemProducer, key_serde: Serde | None, msg_serde: Serde | None,
              stream: SystemStream, partition_key: object, key: object, message: object) -> None:
        """Serialise key and message (bytes or text only without a serde) and hand them to the producer."""
        if key is not None:
            if key_serde is not None:
                key = key_serde.to_bytes(key)
            elif type(key) is not bytes:
                _check_raw(stream, "key", "key.serde", key)
        if message is not None:
            if msg_serde is not None:
                message = msg_serde.to_bytes(message)
            elif type(message) is not bytes:
                _check_raw(stream, "message", "msg.serde", message)
        self._sends.count += 1
        producer.send_serialized(self._source, stream, partition_key, key, message)


def _check_raw(stream: SystemStream, what: str, serde_key: str, value: object) -> None:
    """Without a serde only bytes (or text, sent as UTF-8) can go out."""
    if not isinstance(value, bytes | bytearray | str):
        raise TypeError(
            f"output to {stream.system}.{stream.stream}: the {what} is a {type(value).__name__} and no "
            f"serde is configured for it (systems.{stream.system}.samza.{serde_key})"
        )
