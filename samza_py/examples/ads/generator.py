"""Seeded ad events for the CTR example: impressions, clicks (some early, some late, some repeated).

    python -m samza_py.examples.ads.generator --impressions 20000 [--seed 7] [--bootstrap 127.0.0.1:9092]

writes both topics keyed by impression id (so they are co-partitioned) and prints nothing else.
``expected_ctr`` computes the answer offline from the same events.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterable
from typing import Any

JOIN_WINDOW_MS = 600_000


def generate(impressions: int, seed: int = 7, ads: int = 20) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(impressions, clicks) in the order they are sent: clicks shuffled among themselves, so many
    arrive before their impression when both streams are read side by side."""
    rng = random.Random(seed)
    start = 1_700_000_000_000
    imps: list[dict[str, Any]] = []
    clicks: list[dict[str, Any]] = []
    for i in range(impressions):
        imp: dict[str, Any] = {"impression_id": f"imp-{i}", "ad_id": f"ad-{rng.randrange(ads)}", "time": start + i * 50}
        imps.append(imp)
        if rng.random() < 0.05:
            imps.append(dict(imp))  # a repeated impression: must not count twice
        if rng.random() < 0.1 + 0.02 * (int(imp["ad_id"][3:]) % 5):
            delay = rng.choice([rng.randrange(1, 60_000), rng.randrange(JOIN_WINDOW_MS, 2 * JOIN_WINDOW_MS)])
            clicks.append({"impression_id": imp["impression_id"], "time": imp["time"] + delay})
            if rng.random() < 0.1:
                clicks.append({"impression_id": imp["impression_id"], "time": imp["time"] + delay + 5})
    rng.shuffle(clicks)
    return imps, clicks


def expected_ctr(imps: Iterable[dict[str, Any]], clicks: Iterable[dict[str, Any]], bucket_ms: int,
                 join_window_ms: int = JOIN_WINDOW_MS) -> dict[tuple[str, int], tuple[int, int]]:
    """(ad, bucket) → (impressions, clicks): each impression once; a click counts if it is within the
    join window of its impression, once per impression."""
    first: dict[str, dict[str, Any]] = {}
    for imp in imps:
        first.setdefault(imp["impression_id"], imp)
    clicked: set[str] = set()
    counts: dict[tuple[str, int], list[int]] = {}
    for imp in first.values():
        key = (imp["ad_id"], imp["time"] - imp["time"] % bucket_ms)
        counts.setdefault(key, [0, 0])[0] += 1
    for click in clicks:
        target = first.get(click["impression_id"])
        if target is None or click["impression_id"] in clicked or abs(click["time"] - target["time"]) > join_window_ms:
            continue
        clicked.add(click["impression_id"])
        counts[(target["ad_id"], target["time"] - target["time"] % bucket_ms)][1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def produce(bootstrap: str, impressions_topic: str, clicks_topic: str,
            imps: list[dict[str, Any]], clicks: list[dict[str, Any]]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for topic, events in ((impressions_topic, imps), (clicks_topic, clicks)):
        for event in events:
            producer.produce(topic, json.dumps(event).encode(), event["impression_id"].encode())
            producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("not every ad event was delivered")


def main() -> None:
    parser = argparse.ArgumentParser(description="Produce seeded ad impressions and clicks.")
    parser.add_argument("--impressions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--impressions-topic", default="ad-impressions")
    parser.add_argument("--clicks-topic", default="ad-clicks")
    args = parser.parse_args()
    imps, clicks = generate(args.impressions, args.seed)
    produce(args.bootstrap, args.impressions_topic, args.clicks_topic, imps, clicks)


if __name__ == "__main__":
    main()
