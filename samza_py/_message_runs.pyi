# The compiled module of samza_py/_message_runs.c: see samza_py.system.kafka.message_runs.python_read_runs.
from typing import Any

def read_runs(
    messages: Any, only_topic: Any, ssps: Any, ends: Any, nexts: Any, envelope_class: Any, now_ms: Any,
    again: Any, on_error: Any, /,
) -> Any: ...
def decode_envelopes(envelopes: Any, start: int, key_from: Any, msg_from: Any, /) -> int: ...
