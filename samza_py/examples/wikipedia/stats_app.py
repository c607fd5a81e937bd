"""WikipediaStatsApp: the wikipedia-stats job with the high-level API (as hello-samza's WikipediaApplication).

Input: parsed edits (JSON, ``wikipedia-edits``). A tumbling window of ``wikipedia.stats.window.ms``
(10 s) folds them into the statistics the low-level ``WikipediaStatsStreamTask`` keeps in memory; when
the window ends, one map goes to ``wikipedia-stats``: a count per flag seen true, ``edits``,
``bytes-added`` and ``unique-titles``. The folded statistics live in the window's RocksDB store, so a
restart resumes the open window from the changelog. Unlike the task, it emits no ``edits-all-time``:
operator functions get no store of their own here (Samza's InitableFunction is not ported).
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    JsonSerde,
    KafkaSystemDescriptor,
    StreamApplication,
    StreamApplicationDescriptor,
    WindowPane,
    Windows,
)

DEFAULT_WINDOW_MS = 10_000


def no_stats() -> dict[str, Any]:
    return {"edits": 0, "bytes-added": 0, "titles": {}, "flags": {}}


def add_edit(edit: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    """The window's fold: the stats with one more edit (titles as JSON object keys: a set that serializes)."""
    flags = dict(stats["flags"])
    for flag, is_set in (edit.get("flags") or {}).items():
        if is_set is True:
            flags[flag] = flags.get(flag, 0) + 1
    return {
        "edits": stats["edits"] + 1,
        "bytes-added": stats["bytes-added"] + int(edit.get("diff-bytes") or 0),
        "titles": {**stats["titles"], edit["title"]: 1},
        "flags": flags,
    }


def to_output(pane: WindowPane[None, dict[str, Any]]) -> dict[str, Any]:
    stats = pane.message
    return {**stats["flags"], "edits": stats["edits"], "bytes-added": stats["bytes-added"],
            "unique-titles": len(stats["titles"])}


class WikipediaStatsApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        window_ms = int(app_descriptor.config.get("wikipedia.stats.window.ms", DEFAULT_WINDOW_MS))
        edits = app_descriptor.get_input_stream(kafka.get_input_descriptor("wikipedia-edits", JsonSerde()))
        stats = app_descriptor.get_output_stream(kafka.get_output_descriptor("wikipedia-stats", JsonSerde()))
        window = Windows.tumbling_window(window_ms, no_stats, add_edit, JsonSerde())
        edits.window(window, "stats").map(to_output).send_to(stats)
