"""SystemConsumers: per-SSP buffers filled from the system consumers, deserialised, handed out by the chooser."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from samza_py.api import END_OF_STREAM_OFFSET, IncomingMessageEnvelope, MetricsRegistry, SystemStreamPartition
from samza_py.container.chooser import MessageChooser
from samza_py.serializers.manager import SerdeManager
from samza_py.serializers.serde import Serde
from samza_py.system.interfaces import SystemConsumer

try:  # compiled (samza_py/_message_runs.c, built by setup.py where a C compiler is found)
    from samza_py._message_runs import decode_envelopes as _compiled_decode
except ImportError:  # pragma: no cover - an install without a C compiler: python_decode_envelopes
    _compiled_decode = None  # type: ignore[assignment]

log = logging.getLogger(__name__)
Decode = Callable[[Any], Any]

GROUP = "org.apache.samza.system.SystemConsumersMetrics"


def python_decode_envelopes(envelopes: list[IncomingMessageEnvelope], start: int, key_from: Decode | None,
                            msg_from: Decode | None) -> int:
    """Deserialise each envelope's key and message in place, from ``start``, up to the first one a
    deserialiser raises for (left as it was); that index, or ``len(envelopes)``. The reference for the
    compiled one (samza_py/_message_runs.c), and its stand-in."""
    for i in range(start, len(envelopes)):
        envelope = envelopes[i]
        key, message = envelope.key, envelope.message
        try:
            if key_from is not None and key is not None:
                key = key_from(key)
            if msg_from is not None and message is not None:
                message = msg_from(message)
        except Exception:
            return i
        envelope.key, envelope.message = key, message
    return len(envelopes)


decode_envelopes: Callable[[list[IncomingMessageEnvelope], int, Decode | None, Decode | None], int] = (
    _compiled_decode if _compiled_decode is not None else python_decode_envelopes
)


class DeserializationError(Exception):
    def __init__(self, ssp: SystemStreamPartition, offset: str, cause: BaseException) -> None:
        super().__init__(f"cannot deserialize the message at offset {offset} of {ssp}: {cause!r}")
        self.ssp = ssp
        self.offset = offset


class SystemConsumers:
    def __init__(
        self,
        consumers: dict[str, SystemConsumer],
        serdes: SerdeManager,
        chooser: MessageChooser,
        registry: MetricsRegistry,
        poll_interval_ms: int = 50,
        fetch_threshold: int = 50000,
        drop_deserialization_errors: bool = False,
    ) -> None:
        self._consumers = consumers
        self._serdes = serdes
        self._chooser = chooser
        self._poll_interval_s = poll_interval_ms / 1000.0
        self._fetch_threshold = fetch_threshold
        self._drop_errors = drop_deserialization_errors
        self._buffers: dict[SystemStreamPartition, deque[IncomingMessageEnvelope]] = {}
        self._ssp_serdes: dict[SystemStreamPartition, tuple[Any, Any]] = {}
        self._paused: set[SystemStreamPartition] = set()
        self._per_ssp_limit = fetch_threshold
        self._last_poll = 0.0
        self._since_clock = 0
        self._granted = 0  # turns the chooser gave the current run
        self.chose_object = registry.new_counter(GROUP, "chose-object")
        self.chose_null = registry.new_counter(GROUP, "chose-null")
        self.dropped = registry.new_counter(GROUP, "deserialization-errors-dropped")
        self.unprocessed = registry.new_gauge(GROUP, "unprocessed-messages", 0)

    def register(self, ssp: SystemStreamPartition, offset: str) -> None:
        consumer = self._consumers.get(ssp.system)
        if consumer is None:
            raise KeyError(f"no consumer for system {ssp.system!r} (input {ssp})")
        consumer.register(ssp, offset)
        self._buffers[ssp] = deque()
        self._ssp_serdes[ssp] = self._serdes.serdes(ssp.system_stream)

    def start(self) -> None:
        # fetch.threshold bounds the messages buffered per system; share it among its partitions.
        self._per_ssp_limit = max(1, self._fetch_threshold // max(1, len(self._buffers)))
        for consumer in self._consumers.values():
            consumer.start()

    def stop(self) -> None:
        for consumer in self._consumers.values():
            consumer.stop()

    def choose(self, timeout_s: float) -> IncomingMessageEnvelope | None:
        """The next envelope, polling (blocking up to ``timeout_s``) when nothing is buffered."""
        if self._chooser.empty():
            self._refill(timeout_s)
        return self.choose_buffered()

    def choose_buffered(self) -> IncomingMessageEnvelope | None:
        """The next buffered envelope, or None; never blocks.

        Buffers are topped up (without waiting) once ``task.poll.interval.ms`` has passed since the
        last poll; the clock is read every few dozen messages, not for each one.
        """
        self._since_clock += 1
        if self._since_clock >= 64:
            self._since_clock = 0
            if time.monotonic() - self._last_poll >= self._poll_interval_s:
                self._refill(0.0)
        ssp = self._chooser.choose()
        if ssp is None:
            self.chose_null.count += 1
            return None
        buffer = self._buffers[ssp]
        envelope = buffer.popleft()
        if not buffer:
            self._chooser.exhausted(ssp)
        paused = self._paused
        if paused and ssp in paused and len(buffer) <= self._per_ssp_limit // 2:
            paused.discard(ssp)
            self._consumers[ssp.system].resume([ssp])
        self.chose_object.count += 1
        return envelope

    def choose_run(
        self, limit: int, timeout_s: float = 0.0, now: float | None = None
    ) -> tuple[SystemStreamPartition, deque[IncomingMessageEnvelope], int] | None:
        """The next run: an SSP, its buffer, and how many envelopes (1..``limit``) to take from the front.

        The caller pops the envelopes it processes from the buffer's left and then calls ``ran``. Buffers
        are topped up (without waiting) once ``task.poll.interval.ms`` has passed since the last poll, and
        when nothing is buffered the poll blocks up to ``timeout_s``. End-of-stream, an SSP's last envelope,
        comes as a run of its own.
        """
        if (time.monotonic() if now is None else now) - self._last_poll >= self._poll_interval_s:
            self._refill(0.0)
        ssp, granted = self._chooser.choose_run(limit)
        if ssp is None:
            if timeout_s > 0.0:
                self._refill(timeout_s)
                ssp, granted = self._chooser.choose_run(limit)
            if ssp is None:
                self.chose_null.count += 1
                return None
        self._granted = granted
        buffer = self._buffers[ssp]
        n = min(granted, len(buffer))
        if n > 1 and n == len(buffer) and buffer[-1].offset == END_OF_STREAM_OFFSET:
            n -= 1
        return ssp, buffer, n

    def ran(self, ssp: SystemStreamPartition, taken: int) -> None:
        """``taken`` envelopes of the run ``choose_run`` gave were popped from ``ssp``'s buffer."""
        self.chose_object.count += taken
        buffer = self._buffers[ssp]
        if not buffer:
            self._chooser.exhausted(ssp)
        elif taken < self._granted:
            self._chooser.give_back(ssp, self._granted - taken)
        paused = self._paused
        if paused and ssp in paused and len(buffer) <= self._per_ssp_limit // 2:
            paused.discard(ssp)
            self._consumers[ssp.system].resume([ssp])

    def _refill(self, timeout_s: float) -> None:
        self._last_poll = time.monotonic()
        share = timeout_s / max(1, len(self._consumers))
        accept = self._accept_run
        for consumer in self._consumers.values():
            for ssp, envelopes in consumer.poll_runs(share):
                accept(ssp, envelopes)
        self.unprocessed.value = sum(len(b) for b in self._buffers.values())

    def _accept_run(self, ssp: SystemStreamPartition, envelopes: list[IncomingMessageEnvelope]) -> None:
        buffer = self._buffers[ssp]
        was_empty = not buffer
        key_serde, msg_serde = self._ssp_serdes[ssp]
        if key_serde is None and msg_serde is None:
            buffer.extend(envelopes)  # raw bytes in, raw bytes to the task: nothing to do per message
        else:
            # End-of-stream has no key nor message: nothing to deserialise.
            key_from = (key_serde.fast_from_bytes or key_serde.from_bytes) if key_serde is not None else None
            msg_from = (msg_serde.fast_from_bytes or msg_serde.from_bytes) if msg_serde is not None else None
            if type(envelopes) is not list:  # the compiled decode takes a list
                envelopes = list(envelopes)
            start, count = 0, len(envelopes)
            while start < count:
                stop = decode_envelopes(envelopes, start, key_from, msg_from)
                buffer.extend(envelopes if start == 0 and stop == count else envelopes[start:stop])
                if stop < count:
                    # Again through the serdes' methods: their answer, or their own error for the report.
                    envelope = envelopes[stop]
                    if self._decode_exactly(envelope, key_serde, msg_serde):
                        buffer.append(envelope)
                start = stop + 1
        if was_empty and buffer:
            self._chooser.offer(ssp)
        if len(buffer) >= self._per_ssp_limit and ssp not in self._paused:
            self._paused.add(ssp)
            self._consumers[ssp.system].pause([ssp])

    def _decode_exactly(self, envelope: IncomingMessageEnvelope, key_serde: Serde | None,
                        msg_serde: Serde | None) -> bool:
        """Deserialise through the serdes' methods; False (after ``_undecodable``) if they fail."""
        try:
            if key_serde is not None and envelope.key is not None:
                key = key_serde.from_bytes(envelope.key)
            else:
                key = envelope.key
            if msg_serde is not None and envelope.message is not None:
                envelope.message = msg_serde.from_bytes(envelope.message)
            envelope.key = key
        except Exception as exc:
            self._undecodable(envelope, exc)
            return False
        return True

    def _undecodable(self, envelope: IncomingMessageEnvelope, exc: Exception) -> None:
        """Fail naming the message, or with task.drop.deserialization.errors, log and count it."""
        ssp = envelope.system_stream_partition
        if not self._drop_errors:
            raise DeserializationError(ssp, envelope.offset, exc) from exc
        self.dropped.count += 1
        log.warning("dropped undecodable message at offset %s of %s: %r", envelope.offset, ssp, exc)
