"""The window operator for session windows and for windows with an early trigger.

Each open pane is one store record: key ``window start (8 bytes, big-endian) + key bytes`` for a tumbling
window, ``key bytes`` for a session window (a key has one open session at a time); value ``length (4
bytes) + JSON pane state + folded value``. The pane state holds the window start, the time of the last
message and the early trigger's state, so a task restarted from the changelog resumes windows *and*
triggers exactly as they were at its checkpoint. The operator keeps the pane states in memory too (read
back from the store at init), so a timer tick needs no store scan.

Firing, as Samza's window operator does it: an early pane (``TriggerType.EARLY``) whenever the early
trigger fires; in DISCARDING mode the pane then starts again from the initial value. The pane closes
with ``TriggerType.DEFAULT`` at the end of the tumbling window, or once no message of the key came for
the session gap; a DISCARDING pane that has nothing new since its early pane emits nothing then.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

from samza_py.api import MessageCollector, TaskContext, TaskCoordinator
from samza_py.api.operators import OperatorSpec
from samza_py.api.triggers import AccumulationMode
from samza_py.api.windows import TriggerType, Window, WindowKey, WindowPane
from samza_py.application import triggers
from samza_py.application.graph import Operator
from samza_py.application.window import StoredWindowOperator, WindowOperator
from samza_py.serializers.registry import SerdeRegistry

_START = struct.Struct(">q")
_LENGTH = struct.Struct(">I")


def window_operator(spec: OperatorSpec, clock: Callable[[], int] | None = None) -> Operator:
    """A plain tumbling window keeps its own (simpler) operator and store layout; the rest are pane windows."""
    window: Window[Any, Any, Any] = spec.details
    if window.session or window.early_trigger is not None:
        return PaneWindowOperator(spec, clock)
    return WindowOperator(spec, clock)


class PaneWindowOperator(StoredWindowOperator):
    def __init__(self, spec: OperatorSpec, clock: Callable[[], int] | None = None) -> None:
        super().__init__(spec, clock)
        # Open panes by store key: {"start", "last", "has" (a folded value is stored), "early" (trigger state,
        # None once a one-shot early trigger fired)}.
        self.panes: dict[bytes, dict[str, Any]] = {}

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        super().init(context, serdes)
        assert self.store is not None
        with self.store.all() as entries:
            for entry in entries:
                self.panes[entry.key] = self._decode(entry.key, entry.value)[0]

    # -- store records --------------------------------------------------------------------------------------

    def _decode(self, pane_key: bytes, record: bytes) -> tuple[dict[str, Any], Any]:
        assert self.value_serde is not None
        try:
            (length,) = _LENGTH.unpack_from(record)
            state = json.loads(record[_LENGTH.size:_LENGTH.size + length])
            state["has"]  # noqa: B018 - a pane state has it; a plain tumbling window's value does not
        except (struct.error, ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"window store {self.spec.op_id!r}: pane {pane_key!r} has no readable state "
                             f"(a store written by another kind of window?)") from exc
        rest = record[_LENGTH.size + length:]
        return state, (self.value_serde.from_bytes(rest) if state["has"] else None)

    def _write(self, pane_key: bytes, state: dict[str, Any], value: Any) -> None:
        assert self.store is not None and self.value_serde is not None
        encoded = json.dumps(state, separators=(",", ":")).encode()
        stored = self.value_serde.to_bytes(value) if state["has"] else b""
        self.store.put(pane_key, _LENGTH.pack(len(encoded)) + encoded + stored)
        self.panes[pane_key] = state

    def _value(self, pane_key: bytes) -> Any:
        assert self.store is not None, "window operator used before init"
        record = self.store.get(pane_key)
        if record is None:
            raise KeyError(f"window store {self.spec.op_id!r}: pane {pane_key!r} is open but not stored")
        return self._decode(pane_key, record)[1]

    # -- messages and timers --------------------------------------------------------------------------------

    def _pane_key(self, key_bytes: bytes, now_ms: int) -> bytes:
        if self.window.session:
            return key_bytes
        return _START.pack(now_ms - now_ms % self.window.size_ms) + key_bytes

    def _closes_at(self, state: dict[str, Any]) -> int:
        if self.window.session:
            return int(state["last"]) + self.window.size_ms
        return int(state["start"]) + self.window.size_ms

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        window = self.window
        now = self.clock()
        key_bytes = b""
        if window.key_fn is not None:
            assert self.key_serde is not None, "window operator used before init"
            key_bytes = self.key_serde.to_bytes(window.key_fn(message))
        pane_key = self._pane_key(key_bytes, now)
        state = self.panes.get(pane_key)
        if state is not None and now >= self._closes_at(state):
            # The session ended before this message (the timer has not run yet): close it, start a new one.
            self._close(pane_key, collector, coordinator)
            state = None
        if state is None:
            early = None if window.early_trigger is None else triggers.new_state(window.early_trigger)
            state = {"start": now if window.session else now - now % window.size_ms, "last": now, "has": False,
                     "early": early}
            value = window.initial_value()
        else:
            value = self._value(pane_key) if state["has"] else window.initial_value()
        value = window.fold_fn(message, value)
        state = {**state, "last": now, "has": True}
        if window.early_trigger is not None and state["early"] is not None:
            triggers.on_message(window.early_trigger, state["early"], now)
            if triggers.should_fire(window.early_trigger, state["early"], now):
                state, value = self._fire_early(pane_key, state, value, collector, coordinator)
        self._write(pane_key, state, value)

    def _fire_early(self, pane_key: bytes, state: dict[str, Any], value: Any, collector: MessageCollector,
                    coordinator: TaskCoordinator) -> tuple[dict[str, Any], Any]:
        assert self.window.early_trigger is not None
        self._emit_pane(pane_key, state, value, TriggerType.EARLY, collector, coordinator)
        state = {**state, "early": triggers.after_firing(self.window.early_trigger, state["early"])}
        if self.window.accumulation_mode is AccumulationMode.DISCARDING:
            state["has"] = False
            value = None
        return state, value

    def _emit_pane(self, pane_key: bytes, state: dict[str, Any], value: Any, trigger_type: TriggerType,
                   collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        key = None
        if self.key_serde is not None:
            key = self.key_serde.from_bytes(pane_key if self.window.session else pane_key[_START.size:])
        self.emit(WindowPane(WindowKey(key, int(state["start"])), value, trigger_type), collector, coordinator)

    def _close(self, pane_key: bytes, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Fire the pane's DEFAULT pane (if it holds anything) and forget it."""
        assert self.store is not None
        state = self.panes.pop(pane_key)
        if state["has"]:
            self._emit_pane(pane_key, state, self._value(pane_key), TriggerType.DEFAULT, collector, coordinator)
        self.store.delete(pane_key)

    def on_timer(self, now_ms: int, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Fire what is due, in the order it fell due: early panes by time, then closing panes."""
        early_trigger = self.window.early_trigger
        due: list[tuple[int, int, bytes]] = []  # (when, 0 = early / 1 = close, pane key)
        for pane_key, state in self.panes.items():
            closes = self._closes_at(state)
            if early_trigger is not None and state["early"] is not None and state["has"]:
                when = triggers.due_ms(early_trigger, state["early"])
                if when is not None and when <= now_ms and when < closes:
                    due.append((when, 0, pane_key))
            if closes <= now_ms:
                due.append((closes, 1, pane_key))
        for _, kind, pane_key in sorted(due):
            if kind == 1:
                self._close(pane_key, collector, coordinator)
            elif pane_key in self.panes:
                state = self.panes[pane_key]
                assert early_trigger is not None and state["early"] is not None
                if triggers.should_fire(early_trigger, state["early"], now_ms):
                    state, value = self._fire_early(pane_key, state, self._value(pane_key), collector, coordinator)
                    self._write(pane_key, state, value)

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """The input ended: every open pane closes now, as Samza fires open windows at end-of-stream."""
        for pane_key in sorted(self.panes):
            self._close(pane_key, collector, coordinator)

    def describe(self) -> str:
        window = self.window
        kind = "keyed " if window.keyed else ""
        kind += (f"session window, gap {window.size_ms} ms" if window.session
                 else f"tumbling window of {window.size_ms} ms")
        if window.early_trigger is not None:
            kind += f", early trigger {window.early_trigger!r}, {window.accumulation_mode.value.lower()}"
        return f"{self.spec.op_id} ({kind}, store {self.spec.op_id})"
