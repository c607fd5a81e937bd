"""AdClickThroughRateTask: joins ad impressions and clicks by impression id and keeps CTR per ad per window.

Inputs (JSON, both keyed and co-partitioned by impression id, so one task sees both sides of a join;
the stream names are the job's, each event says what it is):
- impressions, e.g. ``ad-impressions``: ``{"impression_id", "ad_id", "time"}`` (event time, ms)
- clicks, e.g. ``ad-clicks``: ``{"impression_id", "time"}``
The join lives in RocksDB (store ``ad-join``) so it survives restarts: a click that arrives before
its impression waits there; a click more than ``ads.join.window.ms`` away from its impression, a
second click of one impression, or a repeated impression is not counted. Counts are kept per
(ad, event-time bucket of ``ads.ctr.window.ms``) in store ``ad-ctr``; every ``task.window.ms`` (and
at the end of bounded input) the buckets that changed go out to ``ads.ctr.output`` as ``{"task",
"ad_id", "bucket", "impressions", "clicks", "ctr"}``: the latest message per (task, ad, bucket) is
that task's current share, late events included; the job's CTR of an ad in a bucket is the sum over
tasks (a downstream job keyed by ad would add them up). Which buckets changed is kept in the store
too, so a restart after a crash still emits what the crash interrupted.
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    EndOfStreamListenerTask,
    IncomingMessageEnvelope,
    InitableTask,
    KeyValueStore,
    MessageCollector,
    OutgoingMessageEnvelope,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
    WindowableTask,
)


def bucket_of(time_ms: int, width_ms: int) -> int:
    return time_ms - time_ms % width_ms


class AdClickThroughRateTask(StreamTask, InitableTask, WindowableTask, EndOfStreamListenerTask):
    def init(self, context: TaskContext) -> None:
        config = context.config
        self.join: KeyValueStore[str, dict[str, Any]] = context.get_store("ad-join")
        self.counts: KeyValueStore[str, dict[str, Any]] = context.get_store("ad-ctr")
        self.join_window_ms = int(config.get("ads.join.window.ms", "600000"))
        self.bucket_ms = int(config.get("ads.ctr.window.ms", "60000"))
        self.output = SystemStream.parse(config.get("ads.ctr.output", "kafka.ad-ctr"))
        self.task_name = context.task_name

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        event: dict[str, Any] = envelope.message
        impression_id = str(event["impression_id"])
        if "ad_id" in event:  # impressions name their ad; clicks only their impression
            self._impression(impression_id, event)
        else:
            self._click(impression_id, int(event["time"]))

    def _impression(self, impression_id: str, event: dict[str, Any]) -> None:
        key = f"imp:{impression_id}"
        if self.join.get(key) is not None:
            return  # a repeated impression
        impression = {"ad_id": str(event["ad_id"]), "time": int(event["time"]), "clicked": False}
        self._count(impression, impressions=1)
        pending = self.join.get(f"click:{impression_id}")
        if pending is not None:
            self.join.delete(f"click:{impression_id}")
            self._maybe_click(impression, int(pending["time"]))
        self.join.put(key, impression)

    def _click(self, impression_id: str, time_ms: int) -> None:
        key = f"imp:{impression_id}"
        impression = self.join.get(key)
        if impression is None:
            # The click came first: keep the earliest until its impression arrives.
            pending = self.join.get(f"click:{impression_id}")
            if pending is None or time_ms < int(pending["time"]):
                self.join.put(f"click:{impression_id}", {"time": time_ms})
            return
        if self._maybe_click(impression, time_ms):
            self.join.put(key, impression)

    def _maybe_click(self, impression: dict[str, Any], time_ms: int) -> bool:
        if impression["clicked"] or abs(time_ms - impression["time"]) > self.join_window_ms:
            return False
        impression["clicked"] = True
        self._count(impression, clicks=1)
        return True

    def _count(self, impression: dict[str, Any], impressions: int = 0, clicks: int = 0) -> None:
        key = f"{impression['ad_id']}|{bucket_of(impression['time'], self.bucket_ms)}"
        counts = self.counts.get(f"c|{key}") or {"impressions": 0, "clicks": 0}
        counts["impressions"] += impressions
        counts["clicks"] += clicks
        self.counts.put(f"c|{key}", counts)
        self.counts.put(f"d|{key}", {})  # changed since the last emission

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        with self.counts.range("d|", "d}") as changed:
            keys = [entry.key[2:] for entry in changed]
        for key in keys:
            counts = self.counts.get(f"c|{key}") or {"impressions": 0, "clicks": 0}
            ad_id, bucket = key.rsplit("|", 1)
            ctr = counts["clicks"] / counts["impressions"] if counts["impressions"] else 0.0
            collector.send(OutgoingMessageEnvelope(self.output, f"{self.task_name}|{key}", {
                "task": self.task_name, "ad_id": ad_id, "bucket": int(bucket), "impressions": counts["impressions"],
                "clicks": counts["clicks"], "ctr": round(ctr, 6),
            }))
            self.counts.delete(f"d|{key}")

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.window(collector, coordinator)
