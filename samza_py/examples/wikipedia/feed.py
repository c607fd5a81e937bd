"""WikipediaFeedStreamTask: one raw IRC line from the ``wikipedia`` system → one feed event, as hello-samza's feed.

Output (JSON via the output system's serde): ``{"time": ms, "channel": "#en.wikipedia", "source": "rc-pmtpa",
"raw": line}`` to ``kafka.wikipedia-raw``, or to the ``system.stream`` named by ``wikipedia.feed.output``.
This is the event the parser and user-counts jobs read.
"""

from __future__ import annotations

import time
from typing import Any

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

DEFAULT_OUTPUT = "kafka.wikipedia-raw"
# The nick that relayed every line on irc.wikimedia.org in hello-samza's day.
SOURCE = "rc-pmtpa"


def feed_event(channel: str, line: str, time_ms: int) -> dict[str, Any]:
    return {"time": time_ms, "channel": channel, "source": SOURCE, "raw": line}


class WikipediaFeedStreamTask(StreamTask, InitableTask):
    def __init__(self) -> None:
        self.output = SystemStream.parse(DEFAULT_OUTPUT)

    def init(self, context: TaskContext) -> None:
        self.output = SystemStream.parse(context.config.get("wikipedia.feed.output", DEFAULT_OUTPUT))

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        line = envelope.message
        if isinstance(line, bytes | bytearray):
            line = bytes(line).decode("utf-8")  # a string serde or none at all: accept both
        # The time the line was received (the consumer stamps it), as hello-samza's IRC listener did.
        time_ms = envelope.event_time or int(time.time() * 1000)
        event = feed_event(envelope.system_stream_partition.stream, line, time_ms)
        collector.send(OutgoingMessageEnvelope(self.output, message=event))
