"""WikipediaFeedConsumer: pacing (on a fake clock), resume from an offset, max.messages, pause and stop."""

from __future__ import annotations

import math
import threading
import time

import pytest

from samza_py.api import IncomingMessageEnvelope, SystemStreamPartition
from samza_py.examples.wikipedia.feed_consumer import MAX_BATCH, MAX_BURST_S, FeedSettings, WikipediaFeedConsumer
from samza_py.examples.wikipedia.feed_lines import feed_line
from samza_py.metrics.registry import MetricsRegistryMap

EN = SystemStreamPartition.of("wikipedia", "#en.wikipedia", 0)
WIKT = SystemStreamPartition.of("wikipedia", "#en.wiktionary", 0)
NEWS = SystemStreamPartition.of("wikipedia", "#en.wikinews", 0)
WALL_S = 1_700_000_000.0


class FakeClock:
    """Monotonic time that moves only when the consumer sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def consumer(clock: FakeClock, rate: float = 20.0, max_messages: int | None = None, seed: int = 1,
             starts: dict[SystemStreamPartition, str] | None = None) -> WikipediaFeedConsumer:
    feed = WikipediaFeedConsumer("wikipedia", FeedSettings(seed, rate, max_messages), clock=clock,
                                 sleep=clock.sleep, wall_clock=lambda: WALL_S)
    for ssp, offset in (starts or {EN: "0", WIKT: "0", NEWS: "0"}).items():
        feed.register(ssp, offset)
    feed.start()
    return feed


def by_ssp(envelopes: list[IncomingMessageEnvelope]) -> dict[SystemStreamPartition, list[IncomingMessageEnvelope]]:
    out: dict[SystemStreamPartition, list[IncomingMessageEnvelope]] = {}
    for envelope in envelopes:
        out.setdefault(envelope.system_stream_partition, []).append(envelope)
    return out


def test_envelopes_carry_the_raw_line_as_str_with_decimal_offsets() -> None:
    clock = FakeClock()
    envelopes = consumer(clock, rate=0, max_messages=3).poll(0.1)
    assert [(e.system_stream_partition, e.offset) for e in envelopes if e.system_stream_partition == EN] == [
        (EN, "0"), (EN, "1"), (EN, "2"), (EN, "\0END_OF_STREAM")]
    first = envelopes[0]
    assert first.key is None
    assert first.message == feed_line(1, "#en.wikipedia", 0).render()
    assert first.size == len(first.message.encode())
    assert first.event_time == first.arrival_time == int(WALL_S * 1000)


@pytest.mark.parametrize(("rate", "timeout"), [(20.0, 0.1), (20.0, 0.01), (5.0, 0.5), (200.0, 0.05)])
def test_each_poll_stays_within_what_the_rate_allows(rate: float, timeout: float) -> None:
    clock = FakeClock()
    feed = consumer(clock, rate=rate)
    started = clock.now
    counts = {EN: 0, WIKT: 0, NEWS: 0}
    for _ in range(200):
        before = clock.now
        got = by_ssp(feed.poll(timeout))
        waited = clock.now - before
        assert waited <= timeout + 1e-9  # sleeps at most the timeout
        for ssp, envelopes in got.items():
            # Lines due since the previous poll: rate × time waited, plus the one due when the poll began.
            assert len(envelopes) <= math.floor(rate * max(waited, 1.0 / rate)) + 1
            counts[ssp] += len(envelopes)
    elapsed = clock.now - started
    for ssp, count in counts.items():
        # The schedule holds over the whole run: neither faster nor noticeably slower than the rate.
        assert rate * elapsed - 1 <= count <= rate * elapsed + 1 + 1e-6, ssp
    assert all(s <= timeout + 1e-9 for s in clock.sleeps)


def test_a_poll_without_timeout_never_sleeps() -> None:
    clock = FakeClock()
    feed = consumer(clock)
    assert len(feed.poll(0)) == 3  # the first line of each channel is due at once
    assert feed.poll(0) == []
    clock.now += 0.05
    assert len(feed.poll(0)) == 3
    assert clock.sleeps == []


def test_a_late_poll_catches_up_at_most_a_burst() -> None:
    clock = FakeClock()
    feed = consumer(clock, rate=20)
    feed.poll(0)
    clock.now += 60.0  # the run loop was busy for a minute
    got = by_ssp(feed.poll(0))
    for envelopes in got.values():
        assert len(envelopes) <= 20 * MAX_BURST_S + 1
    # After the burst, the pace is the rate again.
    assert feed.poll(0) == []


def test_unpaced_polls_return_full_batches_without_sleeping() -> None:
    clock = FakeClock()
    feed = consumer(clock, rate=0)
    got = by_ssp(feed.poll(1.0))
    assert {ssp: len(e) for ssp, e in got.items()} == {EN: MAX_BATCH // 3, WIKT: MAX_BATCH // 3, NEWS: MAX_BATCH // 3}
    assert got[EN][-1].offset == str(MAX_BATCH // 3 - 1)
    assert by_ssp(feed.poll(1.0))[EN][0].offset == str(MAX_BATCH // 3)
    assert clock.sleeps == []


def test_resuming_at_an_offset_skips_exactly_that_many_lines() -> None:
    fresh = consumer(FakeClock(), rate=0, starts={EN: "0"}).poll(0)
    resumed = consumer(FakeClock(), rate=0, starts={EN: "37"}).poll(0)
    assert [(e.offset, e.message) for e in resumed[:100]] == [(e.offset, e.message) for e in fresh[37:137]]


def test_max_messages_ends_each_channel_with_one_end_of_stream() -> None:
    clock = FakeClock()
    feed = consumer(clock, rate=0, max_messages=5, starts={EN: "3", WIKT: "0", NEWS: "5"})
    got = by_ssp(feed.poll(0.1))
    assert [e.offset for e in got[EN]] == ["3", "4", "\0END_OF_STREAM"]
    assert [e.offset for e in got[WIKT]] == ["0", "1", "2", "3", "4", "\0END_OF_STREAM"]
    assert [e.is_end_of_stream() for e in got[NEWS]] == [True]
    # Once every channel ended, polls return nothing and wait out their timeout instead of spinning.
    assert feed.poll(0.2) == []
    assert clock.sleeps == [0.2]


def test_max_messages_with_pacing_ends_after_the_last_line() -> None:
    clock = FakeClock()
    feed = consumer(clock, rate=10, max_messages=3, starts={EN: "0"})
    offsets = [e.offset for _ in range(10) for e in feed.poll(0.5)]
    assert offsets == ["0", "1", "2", "\0END_OF_STREAM"]


def test_paused_channels_generate_nothing_until_resumed() -> None:
    clock = FakeClock()
    feed = consumer(clock, rate=0, starts={EN: "0", WIKT: "0"})
    feed.pause([EN])
    got = by_ssp(feed.poll(0))
    assert set(got) == {WIKT} and len(got[WIKT]) == MAX_BATCH
    feed.resume([EN])
    assert by_ssp(feed.poll(0))[EN][0].offset == "0"


def test_register_rejects_other_partitions_systems_and_offsets() -> None:
    feed = WikipediaFeedConsumer("wikipedia", FeedSettings())
    with pytest.raises(ValueError, match="only partition 0"):
        feed.register(SystemStreamPartition.of("wikipedia", "#en.wikipedia", 1), "0")
    with pytest.raises(ValueError, match="does not belong"):
        feed.register(SystemStreamPartition.of("kafka", "#en.wikipedia", 0), "0")
    with pytest.raises(ValueError, match="not a line number"):
        feed.register(EN, "abc")
    with pytest.raises(ValueError, match="negative"):
        feed.register(EN, "-1")


def test_stop_wakes_a_sleeping_poll_and_later_polls_return_nothing() -> None:
    feed = WikipediaFeedConsumer("wikipedia", FeedSettings(rate_per_second=0.001))
    feed.register(EN, "0")
    feed.start()
    assert len(feed.poll(0)) == 1  # the next line is due in 1000 s
    asleep = threading.Event()
    real_sleep = feed._sleep

    def sleep(seconds: float) -> object:
        asleep.set()
        return real_sleep(seconds)

    feed._sleep = sleep
    result: list[list[IncomingMessageEnvelope]] = []
    poller = threading.Thread(target=lambda: result.append(feed.poll(30.0)))
    started = time.monotonic()
    poller.start()
    assert asleep.wait(5)  # the poll is waiting for the next line when stop comes
    feed.stop()
    poller.join(10)
    assert not poller.is_alive() and time.monotonic() - started < 10
    assert result == [[]]
    assert feed.poll(0) == []


def test_progress_and_metrics_count_the_generated_lines() -> None:
    seen: dict[str, int] = {}
    registry = MetricsRegistryMap("samza-container-0")
    feed = WikipediaFeedConsumer("wikipedia", FeedSettings(rate_per_second=0, max_messages=4), registry,
                                 on_progress=seen.__setitem__)
    feed.register(EN, "1")
    feed.start()
    feed.poll(0)
    assert seen == {"#en.wikipedia": 4}
    counter = registry.new_counter("samza_py.examples.wikipedia.feed_consumer.WikipediaFeedConsumer",
                                   "wikipedia-messages-generated")
    assert counter.count == 3
