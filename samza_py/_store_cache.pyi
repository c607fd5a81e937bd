# The compiled module of samza_py/_store_cache.c: a store cache's get and put.
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from samza_py.api.metrics import Counter

class CachedGet:
    def __init__(
        self, cache: OrderedDict[Any, Any], dirty: dict[Any, Any], cache_size: int, inner_get: Callable[[Any], Any],
        store: Any, gets: Counter, null_key: str | None,
    ) -> None: ...
    def __call__(self, key: Any, /) -> Any: ...

class CachedPut:
    def __init__(
        self, cache: OrderedDict[Any, Any], dirty: dict[Any, Any], cache_size: int, write_batch_size: int,
        store: Any, puts: Counter, null_key: str | None, null_value: str | None,
    ) -> None: ...
    def __call__(self, key: Any, value: Any, /) -> None: ...
