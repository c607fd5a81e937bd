"""Windows: tumbling windows over processing time, keyed or not, and keyed session windows (Samza's ``Windows``).

A window folds the messages of each key and interval into a value, starting from ``initial_value()``;
when the interval is over, the next ``window()`` timer of the task emits a ``WindowPane`` with the key,
the window's start (ms since the epoch) and the folded value. Intervals are aligned on the epoch, so
all tasks agree on where windows start. The state is in a RocksDB store with a changelog, named after
the window operator's id.

A session window of a key closes (its pane fires) once no message of that key came for the session gap;
its pane id is the processing time of the session's first message. ``set_early_trigger`` adds panes
before that (``TriggerType.EARLY``), ``set_accumulation_mode`` says whether they restart from the
initial value. As in Samza 1.x, messages are assigned to windows by processing time, so none is ever
late: a late trigger is accepted and kept, but never fires.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, NamedTuple, TypeVar

from samza_py.api.serdes import Serde
from samza_py.api.triggers import AccumulationMode, Trigger, millis

M = TypeVar("M")
K = TypeVar("K")
WK = TypeVar("WK")
WV = TypeVar("WV")


class TriggerType(enum.Enum):
    EARLY = "EARLY"
    DEFAULT = "DEFAULT"
    LATE = "LATE"


class WindowKey(NamedTuple, Generic[K]):
    """The key of a pane: the message key (None for an unkeyed window) and the window's start in ms."""

    key: K
    pane_id: int


class WindowPane(NamedTuple, Generic[K, WV]):
    key: WindowKey[K]
    message: WV
    trigger_type: TriggerType


class Window(Generic[M, WK, WV]):
    """What ``MessageStream.window`` takes; build one with ``Windows``."""

    def __init__(self, key_fn: Callable[[M], WK] | None, size_ms: int, initial_value: Callable[[], WV],
                 fold_fn: Callable[[M, WV], WV], key_serde: Serde | None, value_serde: Serde,
                 session: bool = False) -> None:
        if size_ms <= 0:
            raise ValueError(f"a window's duration must be positive, got {size_ms} ms")
        if key_fn is not None and (key_serde is None or key_serde.name is None):
            raise ValueError("a keyed window needs a key serde (its store keeps the keys)")
        if value_serde.name is None:
            raise ValueError("a window needs a value serde (its store keeps the folded values)")
        self.key_fn = key_fn
        self.size_ms = size_ms
        self.initial_value = initial_value
        self.fold_fn = fold_fn
        self.key_serde = key_serde
        self.value_serde = value_serde
        self.session = session  # size_ms is then the session gap
        self.early_trigger: Trigger | None = None
        self.late_trigger: Trigger | None = None
        self.accumulation_mode = AccumulationMode.DISCARDING

    def set_early_trigger(self, trigger: Trigger) -> Window[M, WK, WV]:
        """Panes of type EARLY before the window closes, whenever ``trigger`` fires."""
        self.early_trigger = _checked(trigger)
        return self

    def set_late_trigger(self, trigger: Trigger) -> Window[M, WK, WV]:
        """Kept for Samza's API: windows assign messages by processing time, so no message is late."""
        self.late_trigger = _checked(trigger)
        return self

    def set_accumulation_mode(self, mode: AccumulationMode) -> Window[M, WK, WV]:
        self.accumulation_mode = mode
        return self

    def durations_ms(self) -> list[int]:
        """The window's own duration and its triggers': what the task's timer has to keep up with."""
        triggers = [t for t in (self.early_trigger, self.late_trigger) if t is not None]
        return [self.size_ms, *(d for t in triggers for d in t.durations_ms())]

    @property
    def keyed(self) -> bool:
        return self.key_fn is not None


def _checked(trigger: Trigger) -> Trigger:
    if not isinstance(trigger, Trigger):
        raise TypeError(f"expected a trigger from Triggers, got {type(trigger).__name__}")
    return trigger


_millis = millis


class Windows:
    @staticmethod
    def keyed_tumbling_window(key_fn: Callable[[M], K], duration: timedelta | int, initial_value: Callable[[], WV],
                              fold_fn: Callable[[M, WV], WV], key_serde: Serde,
                              value_serde: Serde) -> Window[M, K, WV]:
        """Per key ``key_fn(message)``, consecutive windows of ``duration`` (a timedelta or ms)."""
        return Window(key_fn, _millis(duration), initial_value, fold_fn, key_serde, value_serde)

    @staticmethod
    def tumbling_window(duration: timedelta | int, initial_value: Callable[[], WV], fold_fn: Callable[[M, WV], WV],
                        value_serde: Serde) -> Window[M, None, WV]:
        """All messages together, in consecutive windows of ``duration`` (a timedelta or ms)."""
        return Window(None, _millis(duration), initial_value, fold_fn, None, value_serde)

    @staticmethod
    def keyed_session_window(key_fn: Callable[[M], K], session_gap: timedelta | int,
                             initial_value: Callable[[], WV], fold_fn: Callable[[M, WV], WV], key_serde: Serde,
                             value_serde: Serde) -> Window[M, K, WV]:
        """Per key, a session that lasts while messages of the key come less than ``session_gap`` apart."""
        return Window(key_fn, _millis(session_gap), initial_value, fold_fn, key_serde, value_serde, session=True)
