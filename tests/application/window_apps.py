"""Window applications the container tests run (named by app.class, so they live in a module)."""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    AccumulationMode,
    IntegerSerde,
    JsonSerde,
    KVSerde,
    StreamApplication,
    StreamApplicationDescriptor,
    StringSerde,
    SystemDescriptor,
    Triggers,
    Windows,
)
from tests.application.apps import FAKE_FACTORY, count_one


class SessionCountApp(StreamApplication):
    """page-views -> per member sessions (gap 60 s) with an early pane every 3 views, accumulating ->
    page-view-sessions (JSON [session start, count, trigger type])."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        views = app_descriptor.get_input_stream(
            fake.get_input_descriptor("page-views", KVSerde(StringSerde(), JsonSerde())))
        out = app_descriptor.get_output_stream(
            fake.get_output_descriptor("page-view-sessions", KVSerde(StringSerde(), JsonSerde())))
        window = Windows.keyed_session_window(lambda kv: kv.value["member"], 60_000, lambda: 0, count_one,
                                              StringSerde(), IntegerSerde())
        window.set_early_trigger(Triggers.repeat(Triggers.count(3))).set_accumulation_mode(
            AccumulationMode.ACCUMULATING)

        def to_output(pane: Any) -> KV[str, list[Any]]:
            return KV(pane.key.key, [pane.key.pane_id, pane.message, pane.trigger_type.value])

        views.window(window, "sessions").map(to_output).send_to(out)
