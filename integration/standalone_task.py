"""The task the standalone tests run: a per-key count in a RocksDB store with a changelog."""

from __future__ import annotations

from samza_py.api import (
    IncomingMessageEnvelope,
    InitableTask,
    KeyValueStore,
    MessageCollector,
    StreamTask,
    TaskContext,
    TaskCoordinator,
)


class KeyCountTask(StreamTask, InitableTask):
    def init(self, context: TaskContext) -> None:
        self.counts: KeyValueStore[str, int] = context.get_store("counts")

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        self.counts.put(envelope.key, (self.counts.get(envelope.key) or 0) + 1)
