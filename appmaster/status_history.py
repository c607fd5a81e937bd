"""The job's throughput and lag over the last minutes, for the status page's charts.

After each scrape of the containers the AM adds one point: the job's messages per second (every
container's ``process-envelopes`` rate, summed) and its lag (every input partition's messages behind
the high watermark, summed). A container not yet scraped twice has no rate: a point then holds what
is known, and ``None`` when nothing is.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from samza_py.metrics.prometheus_reporter import prometheus_name

from .job_status import Scrape

HISTORY_S = 15 * 60
_ENVELOPES = prometheus_name("process-envelopes") + "_total"
_BEHIND = "_messages_behind_high_watermark"


@dataclass(frozen=True)
class HistoryPoint:
    at_ms: int
    throughput: float | None
    lag: int | None

    def to_json(self) -> dict[str, object]:
        return {"t": self.at_ms, "throughput": self.throughput, "lag": self.lag}


class StatusHistory:
    """Points of the last ``keep_s`` seconds; written by the scraper's thread, read by status requests."""

    def __init__(self, keep_s: float = HISTORY_S) -> None:
        self.keep_ms = int(keep_s * 1000)
        self._points: deque[HistoryPoint] = deque()
        self._lock = threading.Lock()

    def record(self, now_ms: int, scrapes: Mapping[str, Scrape]) -> HistoryPoint:
        rates: list[float] = []
        lags: list[float] = []
        for pid, scrape in scrapes.items():
            source = f"samza-container-{pid}"
            rate = scrape.rate(_ENVELOPES, source)
            if rate is not None:
                rates.append(rate)
            lags.extend(value for (name, src), value in scrape.samples.items()
                        if src == source and name.endswith(_BEHIND))
        point = HistoryPoint(now_ms, sum(rates) if rates else None, int(sum(lags)) if lags else None)
        with self._lock:
            self._points.append(point)
            while self._points and self._points[0].at_ms < now_ms - self.keep_ms:
                self._points.popleft()
        return point

    def points(self) -> list[HistoryPoint]:
        with self._lock:
            return list(self._points)
