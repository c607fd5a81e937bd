"""The high-level API on the real broker: the page-view counter (app.class, a keyed tumbling window per member)
run by run-job with two containers; every view is counted in exactly one pane, and the window store's
changelog ends empty once every pane has fired."""

from __future__ import annotations

import json
import random
import signal
from collections import Counter
from pathlib import Path

from confluent_kafka import Producer

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import count_messages, create_topic, read_topic, start_run_job, wait_for

CONFIG = ROOT / "config" / "page-view-counter.properties"
WINDOW_MS = 2000
MEMBERS = [f"member-{i:02d}" for i in range(25)]


def produce_views(topic: str, count: int, rng: random.Random) -> Counter[str]:
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    views: Counter[str] = Counter()
    for n in range(count):
        member = rng.choice(MEMBERS)
        views[member] += 1
        producer.produce(topic, json.dumps({"member": member, "page": f"/page/{n % 17}"}).encode(), member.encode())
    assert producer.flush(30) == 0
    return views


def test_page_view_counter_counts_every_view_in_exactly_one_pane(unique: str, tmp_path: Path) -> None:
    views_topic, counts_topic = f"{unique}-views", f"{unique}-counts"
    job = f"pvc-{unique}"
    create_topic(views_topic, 2)
    rng = random.Random(15)
    process = start_run_job(
        CONFIG, f"job.name={job}", "job.container.count=2", f"pageviews.window.ms={WINDOW_MS}", "task.commit.ms=500",
        f"streams.page-views.samza.physical.name={views_topic}",
        f"streams.page-view-counts.samza.physical.name={counts_topic}",
        cwd=tmp_path, log=tmp_path / "run-job.log")
    try:
        def counted() -> int:
            if count_messages(counts_topic) == 0:  # not created yet, or nothing in it
                return 0
            return sum(json.loads(m.value())["count"] for m in read_topic(counts_topic))

        # Three bursts, each produced once the panes of the one before have fired: they land in different
        # windows, and each wait checks the panes cover exactly what was produced so far.
        expected: Counter[str] = Counter()
        for _ in range(3):
            expected += produce_views(views_topic, 400, rng)
            total = sum(expected.values())
            wait_for(lambda: process.poll() is not None or counted() >= total, 120,  # noqa: B023
                     f"panes covering {total} views")
            assert process.poll() is None, (tmp_path / "run-job.log").read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(60)
    assert process.returncode == 0, (tmp_path / "run-job.log").read_text()[-3000:]

    panes = read_topic(counts_topic)
    per_member: Counter[str] = Counter()
    seen: set[tuple[str, int]] = set()
    for msg in panes:
        pane = json.loads(msg.value())
        assert msg.key().decode() == pane["member"]
        assert pane["count"] > 0 and pane["window_start"] % WINDOW_MS == 0, pane
        assert (pane["member"], pane["window_start"]) not in seen, f"pane emitted twice: {pane}"
        seen.add((pane["member"], pane["window_start"]))
        per_member[pane["member"]] += pane["count"]
    assert per_member == expected
    assert len({start for _, start in seen}) >= 3  # each burst in windows of its own

    # Every pane fired and was deleted: the window store's changelog (named after the operator) ends empty.
    changelog = read_topic(f"{job}-1-window-count-per-member")
    latest: dict[tuple[int, bytes], bytes | None] = {}
    for msg in changelog:
        latest[(msg.partition(), msg.key())] = msg.value()
    assert len(changelog) >= len(seen)  # a tombstone per fired pane at least (the cache may fold the puts)
    assert [key for key, value in latest.items() if value is not None] == []
