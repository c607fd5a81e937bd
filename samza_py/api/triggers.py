"""Triggers and accumulation modes for windows (Samza's ``Triggers`` and ``AccumulationMode``).

A trigger decides when a window emits a pane before (early) or after (late) the window's own default
trigger: the end of a tumbling window, or the session gap of a session window. Triggers are plain data;
the window operator keeps each pane's trigger state in the window's store, so it survives restarts.
"""

from __future__ import annotations

import enum
from datetime import timedelta


class AccumulationMode(enum.Enum):
    """What a pane holds after an early pane fired: everything so far (ACCUMULATING), or only what came
    since the last pane (DISCARDING, Samza's default)."""

    ACCUMULATING = "ACCUMULATING"
    DISCARDING = "DISCARDING"


def millis(duration: timedelta | int) -> int:
    """A timedelta, or milliseconds."""
    return duration if isinstance(duration, int) else int(duration.total_seconds() * 1000)


class Trigger:
    """Base of all triggers; build them with ``Triggers``."""

    def durations_ms(self) -> list[int]:
        """The durations this trigger waits for (the task's timer must be fine enough for them)."""
        return []


class CountTrigger(Trigger):
    """Fires once ``count`` messages arrived in the pane."""

    def __init__(self, count: int) -> None:
        if count <= 0:
            raise ValueError(f"a count trigger needs a positive count, got {count}")
        self.count = count

    def __repr__(self) -> str:
        return f"count({self.count})"


class TimeSinceFirstMessageTrigger(Trigger):
    """Fires ``duration_ms`` after the first message of the pane (since the trigger last fired)."""

    def __init__(self, duration_ms: int) -> None:
        if duration_ms <= 0:
            raise ValueError(f"a time trigger needs a positive duration, got {duration_ms} ms")
        self.duration_ms = duration_ms

    def durations_ms(self) -> list[int]:
        return [self.duration_ms]

    def __repr__(self) -> str:
        return f"time_since_first_message({self.duration_ms} ms)"


class TimeSinceLastMessageTrigger(TimeSinceFirstMessageTrigger):
    """Fires once no message came to the pane for ``duration_ms`` (a session window's default trigger)."""

    def __repr__(self) -> str:
        return f"time_since_last_message({self.duration_ms} ms)"


class AnyTrigger(Trigger):
    """Fires as soon as one of its triggers fires."""

    def __init__(self, triggers: tuple[Trigger, ...]) -> None:
        if not triggers:
            raise ValueError("Triggers.any needs at least one trigger")
        self.triggers = triggers

    def durations_ms(self) -> list[int]:
        return [d for t in self.triggers for d in t.durations_ms()]

    def __repr__(self) -> str:
        return f"any({', '.join(map(repr, self.triggers))})"


class RepeatingTrigger(Trigger):
    """Fires each time its trigger fires, starting the trigger afresh after each firing."""

    def __init__(self, trigger: Trigger) -> None:
        if isinstance(trigger, RepeatingTrigger):
            raise ValueError("a repeating trigger repeats already")
        self.trigger = trigger

    def durations_ms(self) -> list[int]:
        return self.trigger.durations_ms()

    def __repr__(self) -> str:
        return f"repeat({self.trigger!r})"


class Triggers:
    @staticmethod
    def count(count: int) -> Trigger:
        return CountTrigger(count)

    @staticmethod
    def time_since_first_message(duration: timedelta | int) -> Trigger:
        return TimeSinceFirstMessageTrigger(millis(duration))

    @staticmethod
    def time_since_last_message(duration: timedelta | int) -> Trigger:
        return TimeSinceLastMessageTrigger(millis(duration))

    @staticmethod
    def any(*triggers: Trigger) -> Trigger:
        return AnyTrigger(tuple(triggers))

    @staticmethod
    def repeat(trigger: Trigger) -> Trigger:
        return RepeatingTrigger(trigger)
