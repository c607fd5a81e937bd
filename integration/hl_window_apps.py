"""Applications the high-level window tests run (containers import them: the tests put the checkout on
PYTHONPATH)."""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    AccumulationMode,
    IntegerSerde,
    JsonSerde,
    KafkaSystemDescriptor,
    KVSerde,
    StreamApplication,
    StreamApplicationDescriptor,
    StringSerde,
    Triggers,
    WindowPane,
    Windows,
)
from samza_py.application.window import wall_clock_ms
from samza_py.examples.pageviews.app import DEFAULT_WINDOW_MS, count_one, member_of, no_views, to_count


def stamped(view: KV[Any, Any]) -> KV[Any, Any]:
    """The view with the processing time at which the job took it."""
    return KV(view.key, {**view.value, "processed_ms": wall_clock_ms()})


class AuditedPageViewCounterApp(StreamApplication):
    """The page-view counter, plus a side output ``page-views-processed``: every view the job processed,
    stamped with its processing time just before the window operator reads the clock for it. The stamp
    says which window the view went to (unless the window operator's own read crossed a window end)."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        window_ms = int(app_descriptor.config.get("pageviews.window.ms", DEFAULT_WINDOW_MS))
        keyed_json = KVSerde(StringSerde(), JsonSerde())
        views = app_descriptor.get_input_stream(kafka.get_input_descriptor("page-views", keyed_json))
        processed = app_descriptor.get_output_stream(kafka.get_output_descriptor("page-views-processed", keyed_json))
        counts = app_descriptor.get_output_stream(kafka.get_output_descriptor("page-view-counts", keyed_json))
        views = views.map(stamped)
        views.send_to(processed)  # first: the stamp is taken before the window's clock read
        window = Windows.keyed_tumbling_window(member_of, window_ms, no_views, count_one, StringSerde(), IntegerSerde())
        views.window(window, "count-per-member").map(to_count).send_to(counts)


class PageViewSessionsApp(StreamApplication):
    """Page-view sessions per member: a keyed session window (gap ``pageviews.session.gap.ms``) counting
    views, with an early pane every ``pageviews.early.count`` views, accumulating. Output
    ``page-view-sessions``: ``{"member", "session_start", "count", "trigger"}`` per pane."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        gap_ms = int(app_descriptor.config.get("pageviews.session.gap.ms", 30_000))
        early_count = int(app_descriptor.config.get("pageviews.early.count", 25))
        keyed_json = KVSerde(StringSerde(), JsonSerde())
        views = app_descriptor.get_input_stream(kafka.get_input_descriptor("page-views", keyed_json))
        sessions = app_descriptor.get_output_stream(kafka.get_output_descriptor("page-view-sessions", keyed_json))
        window = Windows.keyed_session_window(member_of, gap_ms, no_views, count_one, StringSerde(), IntegerSerde())
        window.set_early_trigger(Triggers.repeat(Triggers.count(early_count)))
        window.set_accumulation_mode(AccumulationMode.ACCUMULATING)
        views.window(window, "sessions").map(to_session).send_to(sessions)


def to_session(pane: WindowPane[str, int]) -> KV[str, dict[str, Any]]:
    member = pane.key.key
    return KV(member, {"member": member, "session_start": pane.key.pane_id, "count": pane.message,
                       "trigger": pane.trigger_type.value})
