# The compiled module of samza_py/_send_path.c: the send path of a task's output.
from collections.abc import Callable
from typing import Any

from samza_py.api.envelope import PythonOutgoingMessageEnvelope

class Emitter:
    def __init__(
        self, check: Callable[[str, str, Any], None], sends: Any, send: Callable[[Any, Any, Any], None],
        key_to: Callable[[Any], Any] | None, key_to_bytes: Callable[[Any], Any] | None,
        msg_to: Callable[[Any], Any] | None, msg_to_bytes: Callable[[Any], Any] | None,
    ) -> None: ...
    def __call__(self, partition_key: Any, key: Any, message: Any, /) -> None: ...

class SendTally:
    unpolled: int

class Sender:
    def __init__(
        self, produce: Callable[..., Any], topic: str, producer: Any, tally: SendTally,
        samza_partition: Callable[[Any, int], int],
        kafka_exception: type[BaseException], poll_every: int,
    ) -> None: ...
    def __call__(self, partition_key: Any, key: Any, message: Any, /) -> None: ...

# samza_py.api.envelope's class compiled: the Python class's interface, and constructor meanings
OutgoingMessageEnvelope = PythonOutgoingMessageEnvelope

class EnvelopeSend:
    def __init__(self, routes: dict[Any, Callable[[Any, Any, Any], None]], general: Callable[[Any], None]) -> None: ...
    def __call__(self, envelope: Any, /) -> None: ...

def produce_pairs(
    produce: Callable[..., Any], topic: str, partition: int, pairs: list[tuple[Any, Any]], start: int,
    tally: SendTally, /,
) -> tuple[int, Exception | None]: ...
