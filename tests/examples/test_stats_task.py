"""WikipediaStatsStreamTask: hello-samza 0.10's window statistics over scripted edits."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.api import IncomingMessageEnvelope, KeyValueStore, SystemStream, SystemStreamPartition
from samza_py.container.coordinator import ReadableCoordinator
from samza_py.examples.wikipedia.feed_lines import feed_line
from samza_py.examples.wikipedia.parser import parse_edit
from samza_py.examples.wikipedia.stats import ALL_TIME_KEY, STORE, WikipediaStatsStreamTask
from samza_py.serializers.builtin import JsonSerde
from tests.examples.support import ListCollector, string_int_store, stub_context

EDITS = SystemStreamPartition.of("kafka", "wikipedia-edits", 0)
NO_FLAGS = {"is-minor": False, "is-new": False, "is-unpatrolled": False, "is-bot-edit": False,
            "is-special": False, "is-talk": False}


def edit(title: str, diff_bytes: int, **flags: bool) -> dict[str, Any]:
    named = {name.replace("_", "-"): value for name, value in flags.items()}
    return {"title": title, "user": "Anna", "diff-bytes": diff_bytes, "flags": {**NO_FLAGS, **named}}


class Harness:
    def __init__(self, store: KeyValueStore[Any, Any], config: dict[str, str] | None = None) -> None:
        self.task = WikipediaStatsStreamTask()
        self.task.init(stub_context(config, {STORE: store}))
        self.collector = ListCollector()
        self.offset = 0

    def process(self, *edits: dict[str, Any]) -> None:
        for message in edits:
            envelope = IncomingMessageEnvelope(EDITS, str(self.offset), None, message)
            self.task.process(envelope, self.collector, ReadableCoordinator())
            self.offset += 1

    def window(self) -> dict[str, Any]:
        self.task.window(self.collector, ReadableCoordinator())
        sent = self.collector.sent[-1]
        assert sent.system_stream == SystemStream("kafka", "wikipedia-stats")
        assert sent.key is None
        JsonSerde().to_bytes(sent.message)  # what the json serde will write
        message: dict[str, Any] = sent.message
        return message


@pytest.fixture
def store() -> KeyValueStore[Any, Any]:
    return string_int_store()


def test_windows_count_edits_flags_bytes_and_titles_then_start_over(store: KeyValueStore[Any, Any]) -> None:
    stats = Harness(store)
    stats.process(
        edit("Talk:Porto", 120, is_talk=True, is_minor=True),
        edit("Porto", -30, is_minor=True, is_bot_edit=True),
        edit("Talk:Porto", 0, is_talk=True, is_unpatrolled=True),
        edit("Special:Log/upload", 7, is_special=True),
        edit("Leeds", 2048, is_new=True, is_unpatrolled=True),
    )
    # Every flag is counted in full (0.10), and only flags that were true get a key.
    assert stats.window() == {
        "is-talk": 2, "is-minor": 2, "is-bot-edit": 1, "is-unpatrolled": 2, "is-special": 1, "is-new": 1,
        "edits": 5, "bytes-added": 2145, "unique-titles": 4, "edits-all-time": 5,
    }
    assert store.get(ALL_TIME_KEY) == 5

    assert stats.window() == {"edits": 0, "bytes-added": 0, "unique-titles": 0, "edits-all-time": 5}

    stats.process(edit("Porto", -12), edit("Porto", 4, is_minor=True))
    assert stats.window() == {"is-minor": 1, "edits": 2, "bytes-added": -8, "unique-titles": 1, "edits-all-time": 7}


def test_a_window_before_any_edit_reports_zero(store: KeyValueStore[Any, Any]) -> None:
    assert Harness(store).window() == {"edits": 0, "bytes-added": 0, "unique-titles": 0, "edits-all-time": 0}


def test_the_all_time_count_continues_from_the_store(store: KeyValueStore[Any, Any]) -> None:
    store.put(ALL_TIME_KEY, 41)  # as restored from the changelog after a restart
    stats = Harness(store, {"wikipedia.stats.output": "kafka.wikipedia-stats"})
    stats.process(edit("Porto", 1))
    assert stats.window()["edits-all-time"] == 42
    # A new task instance over the same store (the next container) keeps counting.
    again = Harness(store)
    again.process(edit("Leeds", 1), edit("Leeds", 1))
    assert again.window() == {"edits": 2, "bytes-added": 2, "unique-titles": 1, "edits-all-time": 44}


def test_the_output_stream_is_configurable(store: KeyValueStore[Any, Any]) -> None:
    stats = Harness(store, {"wikipedia.stats.output": "kafka.my-stats"})
    stats.task.window(stats.collector, ReadableCoordinator())
    assert stats.collector.sent[0].system_stream == SystemStream("kafka", "my-stats")


def test_generated_feed_through_the_parser_gives_consistent_stats(store: KeyValueStore[Any, Any]) -> None:
    stats = Harness(store)
    parsed = [p for i in range(400) if (p := parse_edit(feed_line(3, "#en.wikipedia", i).render())) is not None]
    stats.process(*parsed)
    window = stats.window()
    assert window["edits"] == window["edits-all-time"] == len(parsed) < 400
    assert window["bytes-added"] == sum(p["diff-bytes"] for p in parsed)
    assert window["unique-titles"] == len({p["title"] for p in parsed}) < len(parsed)
    for flag in NO_FLAGS:
        assert window.get(flag, 0) == sum(1 for p in parsed if p["flags"][flag])
