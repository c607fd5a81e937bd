"""WikipediaStatsStreamTask: edit statistics per window, as hello-samza 0.10's stats job.

Input: parsed edits (the parser's output, ``kafka.wikipedia-edits``). Every ``task.window.ms`` it emits
one map to ``kafka.wikipedia-stats`` (or ``wikipedia.stats.output``): a count per flag that was true at
least once in the window (``is-minor``, ``is-talk`` ...), ``edits``, ``bytes-added`` (net byte change),
``unique-titles`` and ``edits-all-time``, then starts the next window from zero. The all-time count
lives in store ``wikipedia-stats`` (string key, integer value) so it survives restarts via its changelog.
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    IncomingMessageEnvelope,
    InitableTask,
    KeyValueStore,
    MessageCollector,
    OutgoingMessageEnvelope,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
    WindowableTask,
)

STORE = "wikipedia-stats"
ALL_TIME_KEY = "count-edits-all-time"
DEFAULT_OUTPUT = "kafka.wikipedia-stats"


class WikipediaStatsStreamTask(StreamTask, InitableTask, WindowableTask):
    def __init__(self) -> None:
        self.output = SystemStream.parse(DEFAULT_OUTPUT)
        self._reset()

    def _reset(self) -> None:
        self.edits = 0
        self.bytes_added = 0
        self.titles: set[str] = set()
        # Only flags seen true get a key (0.10 emits no zero counts), in the order they first appeared.
        self.flag_counts: dict[str, int] = {}

    def init(self, context: TaskContext) -> None:
        self.store: KeyValueStore[str, int] = context.get_store(STORE)
        self.output = SystemStream.parse(context.config.get("wikipedia.stats.output", DEFAULT_OUTPUT))

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        edit: dict[str, Any] = envelope.message
        self.store.put(ALL_TIME_KEY, (self.store.get(ALL_TIME_KEY) or 0) + 1)
        self.edits += 1
        self.titles.add(edit["title"])
        self.bytes_added += int(edit.get("diff-bytes") or 0)
        for flag, is_set in (edit.get("flags") or {}).items():
            if is_set is True:
                # 1.x's WikipediaStatsTask counts each flag one short; 0.10 (followed here) counts correctly.
                self.flag_counts[flag] = self.flag_counts.get(flag, 0) + 1

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        stats: dict[str, Any] = dict(self.flag_counts)
        stats["edits"] = self.edits
        stats["bytes-added"] = self.bytes_added
        stats["unique-titles"] = len(self.titles)
        # 0.10 sends the raw store value (null before the first edit ever); 0 says the same thing usefully.
        stats["edits-all-time"] = self.store.get(ALL_TIME_KEY) or 0
        collector.send(OutgoingMessageEnvelope(self.output, message=stats))
        self._reset()
