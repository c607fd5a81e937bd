"""The raw stores take bytes only: both say so the same way (RocksDB's own error is a KeyError)."""

from __future__ import annotations

from typing import Any


def check_bytes(obj: Any, what: str) -> None:
    if type(obj) is not bytes:
        raise TypeError(f"raw store {what} must be bytes, got {type(obj).__name__} (is a serde missing?)")
