"""Waiting for a condition in unit tests: polled with a deadline, never a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_INTERVAL_S = 0.01


def first_within(condition: Callable[[], T], timeout_s: float) -> T | None:
    """The first truthy value of ``condition()`` within ``timeout_s``, or None when there was none."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_INTERVAL_S)


def wait_until(condition: Callable[[], T], timeout_s: float, what: str) -> T:
    """The first truthy value of ``condition()``; an AssertionError naming ``what`` if none came in time."""
    value = first_within(condition, timeout_s)
    assert value, f"{what}: not within {timeout_s} s"
    return value
