"""The window operator: tumbling windows over processing time, state in the operator's store.

A pane is stored under ``window start (8 bytes, big-endian) + key bytes``, so the store's key order is
window order and the closed panes are one range scan. Values are the folded values in the window's value
serde. Every fold and every fired pane is a store write, so the changelog carries the windows and a
restarted task resumes with exactly the panes of its last checkpoint; panes whose window ended while
the job was down fire at the first timer after the restart.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import Any

from samza_py.api import KeyValueStore, MessageCollector, TaskContext, TaskCoordinator
from samza_py.api.operators import OperatorSpec
from samza_py.api.windows import TriggerType, Window, WindowKey, WindowPane
from samza_py.application.graph import Operator
from samza_py.serializers.registry import SerdeRegistry
from samza_py.serializers.serde import Serde

_START = struct.Struct(">q")


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class StoredWindowOperator(Operator):
    """What every window operator has: its window, clock, store (named after the op id) and serdes."""

    def __init__(self, spec: OperatorSpec, clock: Callable[[], int] | None = None) -> None:
        super().__init__(spec)
        self.window: Window[Any, Any, Any] = spec.details
        self.clock = clock or wall_clock_ms
        self.store: KeyValueStore[bytes, bytes] | None = None
        self.key_serde: Serde | None = None
        self.value_serde: Serde | None = None

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        self.store = context.get_store(self.spec.op_id)
        window = self.window
        if window.key_serde is not None and window.key_serde.name is not None:
            self.key_serde = serdes.get(window.key_serde.name)
        assert window.value_serde.name is not None
        self.value_serde = serdes.get(window.value_serde.name)


class WindowOperator(StoredWindowOperator):
    def __init__(self, spec: OperatorSpec, clock: Callable[[], int] | None = None) -> None:
        super().__init__(spec, clock)
        self._scanned_before = -1  # panes that start before this have been emitted (-1: none yet)

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        store, value_serde = self.store, self.value_serde
        assert store is not None and value_serde is not None, "window operator used before init"
        window = self.window
        now = self.clock()
        start = now - now % window.size_ms
        pane = _START.pack(start)
        if window.key_fn is not None:
            assert self.key_serde is not None
            pane += self.key_serde.to_bytes(window.key_fn(message))
        stored = store.get(pane)
        value = window.initial_value() if stored is None else value_serde.from_bytes(stored)
        store.put(pane, value_serde.to_bytes(window.fold_fn(message, value)))

    def on_timer(self, now_ms: int, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Emit and forget every pane whose window has ended (it started before the current window)."""
        store, value_serde = self.store, self.value_serde
        assert store is not None and value_serde is not None, "window operator used before init"
        current_start = now_ms - now_ms % self.window.size_ms
        if current_start <= self._scanned_before:
            # Panes are only added to the current window, and every earlier one has been emitted: a scan per
            # window, not per timer (a range read also flushes the store's cache).
            return
        self._scanned_before = current_start
        with store.range(b"", _START.pack(current_start)) as entries:
            closed = [(entry.key, entry.value) for entry in entries]
        for pane, stored in closed:
            (start,) = _START.unpack_from(pane)
            key = None
            if self.key_serde is not None:
                key = self.key_serde.from_bytes(pane[_START.size:])
            result = WindowPane(WindowKey(key, start), value_serde.from_bytes(stored), TriggerType.DEFAULT)
            self.emit(result, collector, coordinator)
        if closed:
            store.delete_all([pane for pane, _ in closed])

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """The input ended: fire every pane, the open window's too (as Samza does at end-of-stream)."""
        self._scanned_before = -1
        self.on_timer(2**62, collector, coordinator)  # a time after every window's end
        self._scanned_before = -1

    def describe(self) -> str:
        kind = "keyed tumbling" if self.window.keyed else "tumbling"
        return f"{self.spec.op_id} ({kind} window of {self.window.size_ms} ms, store {self.spec.op_id})"
