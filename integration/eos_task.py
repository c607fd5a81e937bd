"""The counting task of the exactly-once test: counts each key in a RocksDB store and emits, per input, the
input's id with the key's new count."""

from __future__ import annotations

import json

from samza_py.api import (
    IncomingMessageEnvelope,
    InitableTask,
    MessageCollector,
    OutgoingMessageEnvelope,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
)


class CountAndEmitTask(StreamTask, InitableTask):
    def init(self, context: TaskContext) -> None:
        self.store = context.get_store("counts")
        self.output = SystemStream("kafka", str(context.config["eos.output"]))

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        key = envelope.key
        count = (self.store.get(key) or 0) + 1
        self.store.put(key, count)
        record = {"id": envelope.message, "key": key, "count": count}
        collector.send(OutgoingMessageEnvelope(self.output, json.dumps(record), key=key))
