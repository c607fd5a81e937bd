"""PageViewCounterApp: page views per member in tumbling windows, with the high-level API.

Input ``page-views``: JSON page views ``{"member": ..., "page": ...}`` (string keys, any). Output
``page-view-counts``: one message per member and window, keyed by the member,
``{"member": ..., "window_start": <ms>, "count": <views>}``. The window is ``pageviews.window.ms``
(10 s by default) of processing time; the counts live in the window's RocksDB store and its changelog.
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    IntegerSerde,
    JsonSerde,
    KafkaSystemDescriptor,
    KVSerde,
    StreamApplication,
    StreamApplicationDescriptor,
    StringSerde,
    WindowPane,
    Windows,
)

DEFAULT_WINDOW_MS = 10_000


def member_of(view: KV[Any, Any]) -> str:
    return str(view.value["member"])


def count_one(_view: KV[Any, Any], count: int) -> int:
    return count + 1


def no_views() -> int:
    return 0


def to_count(pane: WindowPane[str, int]) -> KV[str, dict[str, Any]]:
    member = pane.key.key
    return KV(member, {"member": member, "window_start": pane.key.pane_id, "count": pane.message})


class PageViewCounterApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        window_ms = int(app_descriptor.config.get("pageviews.window.ms", DEFAULT_WINDOW_MS))
        views = app_descriptor.get_input_stream(
            kafka.get_input_descriptor("page-views", KVSerde(StringSerde(), JsonSerde())))
        counts = app_descriptor.get_output_stream(
            kafka.get_output_descriptor("page-view-counts", KVSerde(StringSerde(), JsonSerde())))
        window = Windows.keyed_tumbling_window(member_of, window_ms, no_views, count_one, StringSerde(), IntegerSerde())
        views.window(window, "count-per-member").map(to_count).send_to(counts)
