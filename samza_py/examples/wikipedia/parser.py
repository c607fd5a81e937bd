"""WikipediaParserStreamTask: a raw feed event (one IRC line) → a parsed edit, as hello-samza's parser.

Input (JSON): ``{"time": ms, "channel": "#en.wikipedia", "source": nick, "raw": line}``.
Output (JSON): title, user, unparsed-flags, diff-bytes, diff-url, summary, flags, channel, source, time.
Lines the pattern does not match are dropped and logged, as in hello-samza. The output stream is
``kafka.wikipedia-edits`` unless ``wikipedia.parser.output`` names another ``system.stream``.
"""

from __future__ import annotations

import logging
import re
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

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = "kafka.wikipedia-edits"
EDIT_LINE = re.compile(r"\[\[(.*)\]\]\s(.*)\s(.*)\s\*\s(.*)\s\*\s\(\+?(.\d*)\)\s(.*)")


def parse_edit(raw: str) -> dict[str, Any] | None:
    """The parsed fields of one feed line, or None when it is not an edit line."""
    match = EDIT_LINE.search(raw)
    if match is None:
        return None
    title, flags, diff_url, user, diff_bytes, summary = match.groups()
    try:
        byte_diff = int(diff_bytes)
    except ValueError:
        return None
    return {
        "title": title,
        "user": user,
        "unparsed-flags": flags,
        "diff-bytes": byte_diff,
        "diff-url": diff_url,
        "summary": summary,
        "flags": {
            "is-minor": "M" in flags,
            "is-new": "N" in flags,
            "is-unpatrolled": "!" in flags,
            "is-bot-edit": "B" in flags,
            "is-special": title.startswith("Special:"),
            "is-talk": title.startswith("Talk:"),
        },
    }


class WikipediaParserStreamTask(StreamTask, InitableTask):
    def __init__(self) -> None:
        self.output = SystemStream.parse(DEFAULT_OUTPUT)

    def init(self, context: TaskContext) -> None:
        self.output = SystemStream.parse(context.config.get("wikipedia.parser.output", DEFAULT_OUTPUT))

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        event = envelope.message
        parsed = parse_edit(event.get("raw", ""))
        if parsed is None:
            log.debug("unparsable line at offset %s of %s: %r", envelope.offset, envelope.system_stream_partition,
                     event.get("raw"))
            return
        parsed["channel"] = event.get("channel")
        parsed["source"] = event.get("source")
        parsed["time"] = event.get("time")
        collector.send(OutgoingMessageEnvelope(self.output, message=parsed))
