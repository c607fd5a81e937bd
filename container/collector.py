"""TaskInstanceCollector: serialises a task's output with the stream's serdes and hands it to the producer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from samza_py.api import Counter, MessageCollector, OutgoingMessageEnvelope, SystemStream
from samza_py.serializers.manager import SerdeManager
from samza_py.serializers.serde import Serde
from samza_py.system.interfaces import SystemProducer

try:  # the emitter and send compiled (samza_py/_send_path.c, built by setup.py where a C compiler is found)
    from samza_py._send_path import Emitter as CompiledEmitter
    from samza_py._send_path import EnvelopeSend as CompiledEnvelopeSend
except ImportError:  # pragma: no cover - an install without a C compiler: the methods and closures below
    CompiledEmitter = None  # type: ignore[misc,assignment]
    CompiledEnvelopeSend = None  # type: ignore[misc,assignment]

# (partition key, key, message) -> serialised and sent to one output stream
Emit = Callable[[Any, Any, Any], None]


class UnknownOutputSystemError(Exception):
    pass


class TaskInstanceCollector(MessageCollector):
    __slots__ = ("_producers", "_serdes", "_source", "_sends", "_routes", "_overridden", "send")

    # Set per instance: the compiled send (a routed stream's envelope straight to its emitter, everything
    # else to send_envelope), or send_envelope itself. A method here would cost a Python call per message.
    send: Callable[[OutgoingMessageEnvelope], None]  # type: ignore[assignment]  # the method, as an attribute

    def __init__(
        self, producers: dict[str, SystemProducer], serdes: SerdeManager, source: str, sends: Counter
    ) -> None:
        self._producers = producers
        self._serdes = serdes
        self._source = source
        self._sends = sends
        # Per output stream, built at its first send: one function that serialises and sends (the
        # per-message path has no lookups of producer, serdes or topic left).
        self._routes: dict[SystemStream, Emit] = {}
        # The same for envelopes that name their own serdes, per (stream, key serde, message serde).
        self._overridden: dict[tuple[SystemStream, str | None, str | None], Emit] = {}
        self.send = (CompiledEnvelopeSend(self._routes, self.send_envelope) if CompiledEnvelopeSend is not None
                     else self.send_envelope)

    def send_envelope(self, envelope: OutgoingMessageEnvelope) -> None:
        """send(): serialise with the stream's serdes (or the envelope's own) and hand to the producer."""
        if envelope.key_serde or envelope.msg_serde:
            self._send_overridden(envelope)
            return
        stream = envelope.system_stream
        emit = self._routes.get(stream) or self._route(stream)
        emit(envelope.partition_key, envelope.key, envelope.message)

    def send_to(self, stream: SystemStream, key: object, message: object) -> None:
        # send() of OutgoingMessageEnvelope(stream, key, message), without the envelope: the key is the
        # partition key and the stream's serdes apply.
        (self._routes.get(stream) or self._route(stream))(key, key, message)

    def _route(self, stream: SystemStream) -> Emit:
        key_serde, msg_serde = self._serdes.serdes(stream)
        emit = self._routes[stream] = self._emitter(stream, key_serde, msg_serde)
        return emit

    def _send_overridden(self, envelope: OutgoingMessageEnvelope) -> None:
        stream = envelope.system_stream
        names = (stream, envelope.key_serde or None, envelope.msg_serde or None)
        emit = self._overridden.get(names)
        if emit is None:
            key_serde, msg_serde = self._serdes.serdes(stream)
            if envelope.key_serde:
                key_serde = self._serdes.serde(envelope.key_serde)
            if envelope.msg_serde:
                msg_serde = self._serdes.serde(envelope.msg_serde)
            emit = self._overridden[names] = self._emitter(stream, key_serde, msg_serde)
        emit(envelope.partition_key, envelope.key, envelope.message)

    def _emitter(self, stream: SystemStream, key_serde: Serde | None, msg_serde: Serde | None) -> Emit:
        """Serialise key and message (bytes or text only without a serde), count, and send to ``stream``."""
        producer = self._producers.get(stream.system)
        if producer is None:
            raise UnknownOutputSystemError(
                f"output to {stream.system}.{stream.stream}: system {stream.system!r} is not configured "
                f"(systems.{stream.system}.samza.factory)"
            )
        send = producer.sender(self._source, stream)
        sends = self._sends
        # A serde's C-level function where it has one; when that raises, its method gives the answer or
        # the serde's own error.
        key_to = (key_serde.fast_to_bytes or key_serde.to_bytes) if key_serde is not None else None
        msg_to = (msg_serde.fast_to_bytes or msg_serde.to_bytes) if msg_serde is not None else None
        if CompiledEmitter is not None:
            return CompiledEmitter(  # type: ignore[no-any-return]
                partial(_check_raw, stream), sends, send, key_to, key_serde.to_bytes if key_serde is not None else None,
                msg_to, msg_serde.to_bytes if msg_serde is not None else None)
        if key_serde is None and msg_serde is None:
            # The usual pass-through: bytes in, bytes out.
            def emit_raw(partition_key: Any, key: Any, message: Any) -> None:
                if key is not None and type(key) is not bytes:
                    _check_raw(stream, "key", "key.serde", key)
                if message is not None and type(message) is not bytes:
                    _check_raw(stream, "message", "msg.serde", message)
                sends.count += 1
                send(partition_key, key, message)

            return emit_raw

        def emit(partition_key: Any, key: Any, message: Any) -> None:
            if key is not None:
                if key_to is not None:
                    try:
                        key = key_to(key)
                    except Exception:
                        key = key_serde.to_bytes(key)  # type: ignore[union-attr]
                elif type(key) is not bytes:
                    _check_raw(stream, "key", "key.serde", key)
            if message is not None:
                if msg_to is not None:
                    try:
                        message = msg_to(message)
                    except Exception:
                        message = msg_serde.to_bytes(message)  # type: ignore[union-attr]
                elif type(message) is not bytes:
                    _check_raw(stream, "message", "msg.serde", message)
            sends.count += 1
            send(partition_key, key, message)

        return emit


def _check_raw(stream: SystemStream, what: str, serde_key: str, value: object) -> None:
    """Without a serde only bytes (or text, sent as UTF-8) can go out."""
    if not isinstance(value, bytes | bytearray | str):
        raise TypeError(
            f"output to {stream.system}.{stream.stream}: the {what} is a {type(value).__name__} and no "
            f"serde is configured for it (systems.{stream.system}.samza.{serde_key})"
        )
