"""The task of the standby failover drill: it keeps a large store and echoes every input to the output.

``fill <start> <count> <size>`` puts ``count`` keys of ``size``-character values into the store (the drill's
state); any other input is remembered in the store and echoed, so the drill sees when processing resumes.
"""

from __future__ import annotations

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


class BigStateTask(StreamTask, InitableTask):
    def init(self, context: TaskContext) -> None:
        self.store = context.get_store("big")
        self.output = SystemStream("kafka", str(context.config["drill.output"]))

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        text = str(envelope.message)
        if text.startswith("fill "):
            _, start, count, size = text.split()
            first, pad = int(start), "x" * int(size)
            self.store.put_all({f"k{i:09d}": pad for i in range(first, first + int(count))})
        else:
            self.store.put(f"seen-{text}", text)
        collector.send(OutgoingMessageEnvelope(self.output, text))
