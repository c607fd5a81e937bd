"""AdClickThroughRateApp: the ad click-through-rate example with the high-level API.

Inputs, both keyed by impression id (JSON values, as ``samza_py.examples.ads.generator`` writes them):
``ad-impressions`` ``{"impression_id", "ad_id", "time"}`` and ``ad-clicks`` ``{"impression_id", "time"}``.

1. Impressions ⋈ clicks on the impression id, within ``ads.join.ttl.ms`` (10 minutes) of processing time:
   a click joins the latest impression with its id that arrived at most that long before or after it.
   Each joined click goes to ``ad-click-joins``, keyed by impression id:
   ``{"impression_id", "ad_id", "impression_time", "click_time"}``.
2. Impressions and joined clicks, repartitioned by ad (``partition_by``), are counted per ad in tumbling
   windows of ``ads.ctr.window.ms`` (1 minute) of processing time; each pane goes to ``ad-ctr``, keyed by
   ad: ``{"ad_id", "window_start", "impressions", "clicks", "ctr"}``.

The join's two stores (``<job>-<id>-join-impression-click-L`` / ``-R``) and the window's store have
changelogs, so a restarted job resumes with the state of its last checkpoint. The join is Samza's: the
latest message per key on each side, so a repeated impression or click joins again.
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    JoinFunction,
    JsonSerde,
    KafkaSystemDescriptor,
    KVSerde,
    MessageStream,
    StreamApplication,
    StreamApplicationDescriptor,
    StringSerde,
    WindowPane,
    Windows,
)

DEFAULT_JOIN_TTL_MS = 600_000
DEFAULT_CTR_WINDOW_MS = 60_000

Event = dict[str, Any]


class ImpressionClickJoin(JoinFunction[str, Event, Event, Event]):
    def get_first_key(self, message: Event) -> str:
        return str(message["impression_id"])

    def get_second_key(self, message: Event) -> str:
        return str(message["impression_id"])

    def apply(self, message: Event, other_message: Event) -> Event:
        return {"impression_id": message["impression_id"], "ad_id": message["ad_id"],
                "impression_time": message["time"], "click_time": other_message["time"]}


def value_of(kv: KV[str, Event]) -> Event:
    return kv.value


def keyed_by_impression(joined: Event) -> KV[str, Event]:
    return KV(str(joined["impression_id"]), joined)


def as_impression(impression: Event) -> Event:
    return {"ad_id": impression["ad_id"], "impressions": 1, "clicks": 0}


def as_click(joined: Event) -> Event:
    return {"ad_id": joined["ad_id"], "impressions": 0, "clicks": 1}


def ad_of(count: Event) -> str:
    return str(count["ad_id"])


def no_counts() -> Event:
    return {"impressions": 0, "clicks": 0}


def add_counts(kv: KV[str, Event], total: Event) -> Event:
    return {"impressions": total["impressions"] + kv.value["impressions"],
            "clicks": total["clicks"] + kv.value["clicks"]}


def ad_of_kv(kv: KV[str, Event]) -> str:
    return kv.key


def to_ctr(pane: WindowPane[str, Event]) -> KV[str, Event]:
    ad, counts = pane.key.key, pane.message
    ctr = counts["clicks"] / counts["impressions"] if counts["impressions"] else 0.0
    return KV(ad, {"ad_id": ad, "window_start": pane.key.pane_id, "impressions": counts["impressions"],
                   "clicks": counts["clicks"], "ctr": round(ctr, 6)})


class AdClickThroughRateApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        config = app_descriptor.config
        ttl_ms = int(config.get("ads.join.ttl.ms", DEFAULT_JOIN_TTL_MS))
        window_ms = int(config.get("ads.ctr.window.ms", DEFAULT_CTR_WINDOW_MS))
        keyed_json = KVSerde(StringSerde(), JsonSerde())

        impressions = app_descriptor.get_input_stream(kafka.get_input_descriptor("ad-impressions", keyed_json))
        clicks = app_descriptor.get_input_stream(kafka.get_input_descriptor("ad-clicks", keyed_json))
        joins = app_descriptor.get_output_stream(kafka.get_output_descriptor("ad-click-joins", keyed_json))
        ctr = app_descriptor.get_output_stream(kafka.get_output_descriptor("ad-ctr", keyed_json))

        # Both inputs are keyed (and so partitioned) by impression id: the join needs no repartitioning.
        impression_values = impressions.map(value_of)
        clicked = impression_values.join(clicks.map(value_of), ImpressionClickJoin(), StringSerde(), JsonSerde(),
                                         JsonSerde(), ttl_ms, "impression-click")
        clicked.map(keyed_by_impression).send_to(joins)

        counts: MessageStream[Event] = MessageStream.merge_all([impression_values.map(as_impression),
                                                                clicked.map(as_click)])
        window = Windows.keyed_tumbling_window(ad_of_kv, window_ms, no_counts, add_counts, StringSerde(), JsonSerde())
        counts.partition_by(ad_of, lambda count: count, keyed_json, "by-ad") \
            .window(window, "ctr-per-ad").map(to_ctr).send_to(ctr)
