"""WikipediaFeedConsumer: hands out generated feed lines at a steady rate per channel.

Line ``i`` of a channel is due ``i / rate`` seconds after the channel starts; ``poll`` returns what is
due and otherwise sleeps (at most its timeout) until the next line is. A poll that comes late catches
up at most ``MAX_BURST_S`` of the schedule, as an IRC client's buffer would, not the whole backlog.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from samza_py.api import IncomingMessageEnvelope, MetricsRegistry, SystemStreamPartition
from samza_py.examples.wikipedia.feed_lines import feed_line
from samza_py.system.interfaces import SystemConsumer

MAX_BATCH = 1000  # lines per poll, shared among the channels
MAX_BURST_S = 1.0
METRICS_GROUP = "samza_py.examples.wikipedia.feed_consumer.WikipediaFeedConsumer"


@dataclass(frozen=True, slots=True)
class FeedSettings:
    seed: int = 1
    rate_per_second: float = 20.0  # per channel; 0 = no pacing
    max_messages: int | None = None  # per channel; None = endless


class _Channel:
    __slots__ = ("ssp", "next_offset", "next_due", "done")

    def __init__(self, ssp: SystemStreamPartition, next_offset: int) -> None:
        self.ssp = ssp
        self.next_offset = next_offset
        self.next_due: float | None = None  # set when the consumer starts (or at its first poll)
        self.done = False  # end-of-stream handed out


class WikipediaFeedConsumer(SystemConsumer):
    """``clock`` (monotonic seconds) and ``sleep`` are injectable so tests can run on a fake clock."""

    def __init__(
        self,
        system: str,
        settings: FeedSettings,
        registry: MetricsRegistry | None = None,
        on_progress: Callable[[str, int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.system = system
        self.settings = settings
        self._on_progress = on_progress
        self._clock = clock
        self._stopped = threading.Event()
        # The default sleep wakes up at once when stop() is called.
        self._sleep = sleep if sleep is not None else self._stopped.wait
        self._wall_clock = wall_clock
        self._channels: dict[SystemStreamPartition, _Channel] = {}
        self._paused: set[SystemStreamPartition] = set()
        self._generated = registry.new_counter(METRICS_GROUP, f"{system}-messages-generated") if registry else None

    def register(self, ssp: SystemStreamPartition, offset: str) -> None:
        if ssp.system != self.system:
            raise ValueError(f"{ssp} does not belong to system {self.system!r}")
        if ssp.partition_id != 0:
            raise ValueError(f"{ssp}: a Wikipedia feed channel has only partition 0")
        try:
            start = int(offset)
        except (TypeError, ValueError):
            raise ValueError(f"{ssp}: offset {offset!r} is not a line number") from None
        if start < 0:
            raise ValueError(f"{ssp}: offset {offset!r} is negative")
        self._channels[ssp] = _Channel(ssp, start)

    def start(self) -> None:
        now = self._clock()
        for channel in self._channels.values():
            channel.next_due = now

    def stop(self) -> None:
        self._stopped.set()

    def pause(self, ssps: Iterable[SystemStreamPartition]) -> None:
        self._paused.update(ssps)

    def resume(self, ssps: Iterable[SystemStreamPartition]) -> None:
        self._paused.difference_update(ssps)

    def poll(self, timeout_s: float) -> list[IncomingMessageEnvelope]:
        if self._stopped.is_set():
            return []
        batch = self._collect(self._clock())
        if batch or timeout_s <= 0:
            return batch
        wait = timeout_s
        due = self._earliest_due()
        if due is not None:
            wait = min(wait, max(0.0, due - self._clock()))
        if wait > 0:
            self._sleep(wait)
        if self._stopped.is_set():
            return []
        return self._collect(self._clock())

    def _active(self) -> list[_Channel]:
        return [c for c in self._channels.values() if not c.done and c.ssp not in self._paused]

    def _earliest_due(self) -> float | None:
        dues = [c.next_due for c in self._active() if c.next_due is not None]
        return min(dues) if dues else None

    def _collect(self, now: float) -> list[IncomingMessageEnvelope]:
        active = self._active()
        if not active:
            return []
        settings = self.settings
        rate = settings.rate_per_second
        interval = 1.0 / rate if rate > 0 else 0.0
        share = max(1, MAX_BATCH // len(active))
        wall_ms = int(self._wall_clock() * 1000)
        out: list[IncomingMessageEnvelope] = []
        for channel in active:
            due = now if channel.next_due is None else max(channel.next_due, now - MAX_BURST_S)
            taken = 0
            while taken < share:
                if settings.max_messages is not None and channel.next_offset >= settings.max_messages:
                    out.append(IncomingMessageEnvelope.end_of_stream(channel.ssp))
                    channel.done = True
                    break
                if rate > 0 and due > now:
                    break
                line = feed_line(settings.seed, channel.ssp.stream, channel.next_offset).render()
                out.append(IncomingMessageEnvelope(
                    channel.ssp, str(channel.next_offset), None, line, len(line.encode()), wall_ms, wall_ms
                ))
                channel.next_offset += 1
                due += interval
                taken += 1
            channel.next_due = due
            if taken:
                if self._generated is not None:
                    self._generated.count += taken
                if self._on_progress is not None:
                    self._on_progress(channel.ssp.stream, channel.next_offset)
        return out
