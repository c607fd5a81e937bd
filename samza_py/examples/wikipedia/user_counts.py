"""UserEditCountTask: how many edits each Wikipedia user made, kept in a RocksDB store with a changelog.

Input: raw feed events (JSON, as the parser reads them). State: store ``user-edit-counts`` (string key,
integer count). Every update also goes out to ``wikipedia.user-counts.output`` (default
``kafka.wikipedia-user-counts``) as ``{"user", "count"}`` keyed by user, so the latest count per user
can be read there too.
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
)
from samza_py.examples.wikipedia.parser import parse_edit

STORE = "user-edit-counts"


class UserEditCountTask(StreamTask, InitableTask):
    def init(self, context: TaskContext) -> None:
        self.counts: KeyValueStore[str, int] = context.get_store(STORE)
        self.output = SystemStream.parse(context.config.get("wikipedia.user-counts.output",
                                                            "kafka.wikipedia-user-counts"))

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        event: dict[str, Any] = envelope.message
        edit = parse_edit(event.get("raw", ""))
        if edit is None:
            return
        user = edit["user"]
        count = (self.counts.get(user) or 0) + 1
        self.counts.put(user, count)
        collector.send(OutgoingMessageEnvelope(self.output, user, {"user": user, "count": count}))
