# The compiled module of samza_py/_store_io.c: a store's per-message reads and batched writes.
from collections.abc import Callable
from typing import Any

class SerdeGet:
    def __init__(
        self, key_fast: Callable[[Any], bytes] | None, key_to_bytes: Callable[[Any], bytes] | None,
        raw_fast_get: Callable[[bytes], Any] | None, raw_get: Callable[[bytes], Any],
        value_fast: Callable[[bytes], Any] | None, value_from_bytes: Callable[[bytes], Any] | None,
    ) -> None: ...
    def __call__(self, key: Any, /) -> Any: ...

def fill_write_batch(
    put: Callable[[bytes, bytes], Any], delete: Callable[[bytes], Any], pairs: list[tuple[Any, Any]], /
) -> int: ...
def serialize_pairs(
    pairs: list[tuple[Any, Any]], key_to_bytes: Callable[[Any], Any] | None,
    value_to_bytes: Callable[[Any], Any] | None, /,
) -> list[tuple[Any, Any]] | None: ...
