"""Message envelopes: what a task receives and what it sends."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from samza_py.api.streams import SystemStream, SystemStreamPartition

END_OF_STREAM_OFFSET = "\0END_OF_STREAM"

_SAME_AS_KEY: Any = object()
_UNSET: Any = object()  # a positional argument not given (None is a valid key or message)


class IncomingMessageEnvelope:
    """A message read from a stream partition, already deserialised.

    ``offset`` is a string, as in Samza (decimal for Kafka). ``size`` is key + message bytes.
    """

    # A consumer may store the offset as an int in ``_offset``: most envelopes' offsets are never read
    # (a run's last one is), and str() of every one cost a good part of the per-message work.
    __slots__ = ("system_stream_partition", "_offset", "key", "message", "size", "event_time", "arrival_time")

    def __init__(
        self,
        system_stream_partition: SystemStreamPartition,
        offset: str,
        key: Any,
        message: Any,
        size: int = 0,
        event_time: int = 0,
        arrival_time: int = 0,
    ) -> None:
        self.system_stream_partition = system_stream_partition
        self._offset: str | int = offset
        self.key = key
        self.message = message
        self.size = size
        self.event_time = event_time
        self.arrival_time = arrival_time

    @property
    def offset(self) -> str:
        offset = self._offset
        if type(offset) is str:
            return offset
        self._offset = text = str(offset)
        return text

    @offset.setter
    def offset(self, offset: str) -> None:
        self._offset = offset

    @classmethod
    def end_of_stream(cls, ssp: SystemStreamPartition) -> IncomingMessageEnvelope:
        return cls(ssp, END_OF_STREAM_OFFSET, None, None)

    def is_end_of_stream(self) -> bool:
        return self.offset == END_OF_STREAM_OFFSET

    def __repr__(self) -> str:
        return (
            f"IncomingMessageEnvelope({self.system_stream_partition}, offset={self.offset!r}, "
            f"key={self.key!r}, message={self.message!r})"
        )


class OutgoingMessageEnvelope:
    """A message to send, with Samza's constructor meanings.

    - ``OutgoingMessageEnvelope(stream, message)``: no key, no partition key
    - ``OutgoingMessageEnvelope(stream, key, message)``: the key is also the partition key
    - ``OutgoingMessageEnvelope(stream, partition_key, key, message)``
    Keywords (``message=``, ``key=``, ``partition_key=``) may be used instead; a partition key that is
    not given is the key. ``key_serde``/``msg_serde`` name serdes that override the stream's.
    """

    __slots__ = ("system_stream", "partition_key", "key", "message", "key_serde", "msg_serde")

    system_stream: SystemStream
    partition_key: Any
    key: Any
    message: Any
    key_serde: str | None
    msg_serde: str | None

    def __init__(
        self,
        system_stream: SystemStream,
        first: Any = _UNSET,
        second: Any = _UNSET,
        third: Any = _UNSET,
        /,
        **options: Any,
    ) -> None:
        # Built for every message a task sends: positional arguments take the quick way, keywords
        # (``message=``, ``key=``, ``partition_key=``, ``key_serde=``, ``msg_serde=``) the general one.
        self.system_stream = system_stream
        if options:
            self._with_keywords(first, second, third, **options)
        elif second is _UNSET:
            self.key = self.partition_key = None
            self.message = None if first is _UNSET else first
            self.key_serde = self.msg_serde = None
        elif third is _UNSET:
            self.key = self.partition_key = first
            self.message = second
            self.key_serde = self.msg_serde = None
        else:
            self.partition_key, self.key, self.message = first, second, third
            self.key_serde = self.msg_serde = None

    def _with_keywords(
        self,
        first: Any,
        second: Any,
        third: Any,
        *,
        message: Any = None,
        key: Any = None,
        partition_key: Any = _SAME_AS_KEY,
        key_serde: str | None = None,
        msg_serde: str | None = None,
    ) -> None:
        if third is not _UNSET:
            partition_key, key, message = first, second, third
        elif second is not _UNSET:
            key, message = first, second
        elif first is not _UNSET:
            message = first
        self.key = key
        self.message = message
        self.partition_key = key if partition_key is _SAME_AS_KEY else partition_key
        self.key_serde = key_serde
        self.msg_serde = msg_serde

    def __repr__(self) -> str:
        return (
            f"OutgoingMessageEnvelope({self.system_stream}, partition_key={self.partition_key!r}, "
            f"key={self.key!r}, message={self.message!r})"
        )


# The reference above, kept for installs without a C compiler and for tests that run both alike.
PythonOutgoingMessageEnvelope = OutgoingMessageEnvelope

if not TYPE_CHECKING:
    # The same envelope compiled (samza_py/_send_path.c) where it was built: a task builds one for every
    # message it sends. Without a C compiler, the class above.
    with contextlib.suppress(ImportError):
        from samza_py._send_path import OutgoingMessageEnvelope
