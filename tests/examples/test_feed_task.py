"""WikipediaFeedStreamTask: a raw line from a channel → hello-samza's feed event."""

from __future__ import annotations

import time

from samza_py.api import IncomingMessageEnvelope, SystemStream, SystemStreamPartition
from samza_py.container.coordinator import ReadableCoordinator
from samza_py.examples.wikipedia.feed import WikipediaFeedStreamTask
from tests.examples.support import ListCollector, stub_context

LINE = "[[Porto]] M http://en.wikipedia.org/w/index.php?diff=7&oldid=5 * Anna * (+12) ce"
EN = SystemStreamPartition.of("wikipedia", "#en.wikipedia", 0)


def run(task: WikipediaFeedStreamTask, envelope: IncomingMessageEnvelope) -> ListCollector:
    collector = ListCollector()
    task.process(envelope, collector, ReadableCoordinator())
    return collector


def test_a_line_becomes_a_feed_event_on_wikipedia_raw() -> None:
    task = WikipediaFeedStreamTask()
    task.init(stub_context())
    collector = run(task, IncomingMessageEnvelope(EN, "3", None, LINE, event_time=1_438_000_000_123))
    [sent] = collector.sent
    assert sent.system_stream == SystemStream("kafka", "wikipedia-raw")
    assert sent.key is None and sent.partition_key is None
    assert sent.message == {"time": 1_438_000_000_123, "channel": "#en.wikipedia", "source": "rc-pmtpa", "raw": LINE}


def test_the_output_is_configurable_and_bytes_are_decoded() -> None:
    task = WikipediaFeedStreamTask()
    task.init(stub_context({"wikipedia.feed.output": "other.raw-edits"}))
    news = SystemStreamPartition.of("wikipedia", "#en.wikinews", 0)
    collector = run(task, IncomingMessageEnvelope(news, "0", None, LINE.encode(), event_time=5))
    [sent] = collector.sent
    assert sent.system_stream == SystemStream("other", "raw-edits")
    assert sent.message["raw"] == LINE and sent.message["channel"] == "#en.wikinews"


def test_without_an_event_time_the_event_is_stamped_now() -> None:
    task = WikipediaFeedStreamTask()
    before = int(time.time() * 1000)
    collector = run(task, IncomingMessageEnvelope(EN, "0", None, LINE))
    after = int(time.time() * 1000)
    assert before <= collector.sent[0].message["time"] <= after
