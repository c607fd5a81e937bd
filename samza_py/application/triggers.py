"""Trigger state at run time: what a pane's early (or late) trigger has seen, as JSON-ready data.

The window operator keeps this state next to the pane's folded value in the window's store, so a task
restarted from its changelog resumes each trigger where the checkpoint left it: a count trigger goes
on counting, a time trigger keeps the time of the message that started it.
"""

from __future__ import annotations

from typing import Any

from samza_py.api.triggers import (
    AnyTrigger,
    CountTrigger,
    RepeatingTrigger,
    TimeSinceFirstMessageTrigger,
    TimeSinceLastMessageTrigger,
    Trigger,
)

State = dict[str, Any]


def new_state(trigger: Trigger) -> State:
    """The state of ``trigger`` before any message."""
    if isinstance(trigger, CountTrigger):
        return {"n": 0}
    if isinstance(trigger, TimeSinceFirstMessageTrigger):  # and TimeSinceLastMessageTrigger
        return {"t": None}
    if isinstance(trigger, AnyTrigger):
        return {"any": [new_state(t) for t in trigger.triggers]}
    if isinstance(trigger, RepeatingTrigger):
        return {"repeat": new_state(trigger.trigger)}
    raise TypeError(f"unknown trigger {trigger!r}")


def on_message(trigger: Trigger, state: State, now_ms: int) -> None:
    """A message came to the pane at ``now_ms``."""
    if isinstance(trigger, CountTrigger):
        state["n"] += 1
    elif isinstance(trigger, TimeSinceLastMessageTrigger):
        state["t"] = now_ms
    elif isinstance(trigger, TimeSinceFirstMessageTrigger):
        if state["t"] is None:
            state["t"] = now_ms
    elif isinstance(trigger, AnyTrigger):
        for child, child_state in zip(trigger.triggers, state["any"], strict=True):
            on_message(child, child_state, now_ms)
    elif isinstance(trigger, RepeatingTrigger):
        on_message(trigger.trigger, state["repeat"], now_ms)


def due_ms(trigger: Trigger, state: State) -> int | None:
    """When the trigger fires by time alone (None: not by time, or not started)."""
    if isinstance(trigger, TimeSinceFirstMessageTrigger):
        return None if state["t"] is None else int(state["t"]) + trigger.duration_ms
    if isinstance(trigger, AnyTrigger):
        dues = [d for c, s in zip(trigger.triggers, state["any"], strict=True) if (d := due_ms(c, s)) is not None]
        return min(dues, default=None)
    if isinstance(trigger, RepeatingTrigger):
        return due_ms(trigger.trigger, state["repeat"])
    return None


def should_fire(trigger: Trigger, state: State, now_ms: int) -> bool:
    if isinstance(trigger, CountTrigger):
        return int(state["n"]) >= trigger.count
    if isinstance(trigger, AnyTrigger):
        return any(should_fire(c, s, now_ms) for c, s in zip(trigger.triggers, state["any"], strict=True))
    if isinstance(trigger, RepeatingTrigger):
        return should_fire(trigger.trigger, state["repeat"], now_ms)
    due = due_ms(trigger, state)
    return due is not None and now_ms >= due


def after_firing(trigger: Trigger, state: State) -> State | None:
    """The state once the trigger fired: a repeating trigger starts afresh; any other is done (None)."""
    if isinstance(trigger, RepeatingTrigger):
        return new_state(trigger)
    return None
