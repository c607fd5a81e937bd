"""PageViewsByMemberApp: page views keyed by page, repartitioned by member, counted per member.

Input ``page-views-by-page``: JSON page views ``{"member", "page"}`` keyed by page (string keys). They
are repartitioned by member (``partition_by``, through the intermediate stream
``<job>-<id>-partition_by-by-member`` the job creates), so each member's views meet in one task, and
counted per member in tumbling windows of ``pageviews.window.ms`` (10 s) of processing time. Output
``member-view-counts``: one message per member and window, keyed (and so partitioned) by member,
``{"member", "window_start", "count"}``.
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
    Windows,
)
from samza_py.examples.pageviews.app import DEFAULT_WINDOW_MS, count_one, no_views, to_count


def member_of_view(view: KV[str, dict[str, Any]]) -> str:
    return str(view.value["member"])


def view_of(view: KV[str, dict[str, Any]]) -> dict[str, Any]:
    return view.value


def member_key(view: KV[str, dict[str, Any]]) -> str:
    return view.key


class PageViewsByMemberApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        window_ms = int(app_descriptor.config.get("pageviews.window.ms", DEFAULT_WINDOW_MS))
        keyed_json = KVSerde(StringSerde(), JsonSerde())
        views = app_descriptor.get_input_stream(kafka.get_input_descriptor("page-views-by-page", keyed_json))
        counts = app_descriptor.get_output_stream(kafka.get_output_descriptor("member-view-counts", keyed_json))
        window = Windows.keyed_tumbling_window(member_key, window_ms, no_views, count_one, StringSerde(),
                                               IntegerSerde())
        views.partition_by(member_of_view, view_of, keyed_json, "by-member") \
            .window(window, "views-per-member").map(to_count).send_to(counts)
