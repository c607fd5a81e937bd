"""Seeded PageViewEvents for the profile-views example.

    python -m samza_py.examples.profiles.generator --views 10000 [--seed 3] [--topic page-views]
"""

from __future__ import annotations

import argparse
import json
import random
from typing import Any

COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne"]


def generate(views: int, seed: int = 3, members: int = 500) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    company_of = {m: COMPANIES[rng.randrange(len(COMPANIES))] for m in range(members)}
    events = []
    for i in range(views):
        # A few popular profiles get most of the views, as on any social network.
        viewed = min(int(rng.paretovariate(1.2)) - 1, members - 1)
        viewer = rng.randrange(members)
        events.append({"viewer_id": f"member-{viewer}", "viewed_profile_id": f"member-{viewed}",
                       "viewer_company": company_of[viewer], "time": 1_700_000_000_000 + i * 100})
    return events


def produce(bootstrap: str, topic: str, events: list[dict[str, Any]]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    for event in events:
        producer.produce(topic, json.dumps(event).encode(), event["viewed_profile_id"].encode())
        producer.poll(0)
    if producer.flush(60):
        raise RuntimeError("not every page view was delivered")


def main() -> None:
    parser = argparse.ArgumentParser(description="Produce seeded page views.")
    parser.add_argument("--views", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topic", default="page-views")
    args = parser.parse_args()
    produce(args.bootstrap, args.topic, generate(args.views, args.seed))


if __name__ == "__main__":
    main()
