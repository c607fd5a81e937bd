"""The high-level API on the real broker: the page-view counter (app.class, a keyed tumbling window per member)
run by run-job with two containers. Every view is counted in exactly one pane, the window store's changelog
ends empty once every pane has fired, and a job stopped with windows open resumes them from the changelog."""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from confluent_kafka import Producer

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import (
    V1,
    checkpointed_offsets,
    count_messages,
    create_topic,
    end_offsets,
    read_topic,
    start_run_job,
    wait_for,
)

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


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.wait(60)
    assert process.returncode == 0, log.read_text()[-3000:]


def panes_per_member(topic: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    seen: set[tuple[str, int]] = set()
    for msg in read_topic(topic):
        pane = json.loads(msg.value())
        assert (pane["member"], pane["window_start"]) not in seen, f"pane emitted twice: {pane}"
        seen.add((pane["member"], pane["window_start"]))
        counts[pane["member"]] += pane["count"]
    return counts


RESTORED = re.compile(r"restored store '(?:[^']+)-window-count-per-member' .*?: (\d+) records")


def test_a_stopped_job_resumes_its_open_windows_from_the_changelog(unique: str, tmp_path: Path) -> None:
    window_ms = 20_000
    views_topic, counts_topic, job = f"{unique}-views", f"{unique}-counts", f"pvc-{unique}"
    state = tmp_path / "state"
    create_topic(views_topic, 2)
    overrides = [
        f"job.name={job}", "job.container.count=2", f"pageviews.window.ms={window_ms}", "task.commit.ms=300",
        f"streams.page-views.samza.physical.name={views_topic}",
        f"streams.page-view-counts.samza.physical.name={counts_topic}", f"job.logged.store.base.dir={state}",
    ]
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_run_job(CONFIG, *overrides, cwd=tmp_path, log=first_log)
    try:
        wait_for(lambda: first_log.read_text().count(" started 1 task(s)") == 2 or first.poll() is not None, 60,
                 "both containers to start")
        assert first.poll() is None, first_log.read_text()[-3000:]
        # Views early in a window, so their panes are still open when the job stops a few seconds later.
        wait_for(lambda: time.time() * 1000 % window_ms < 2000, window_ms / 1000 + 5, "the start of a window")
        expected = produce_views(views_topic, 300, random.Random(16))
        ends = end_offsets(views_topic)
        checkpoints = f"__samza_checkpoint_ver_1_for_{job}_1"

        def all_checkpointed() -> bool:
            if count_messages(checkpoints) == 0:
                return False
            latest: dict[int, int] = {}
            for msg in read_topic(checkpoints):
                if json.loads(msg.key())["type"] == V1:  # v1 also lists the changelogs: keep the input's offsets
                    latest.update({partition: int(offset) for (stream, partition), offset
                                   in checkpointed_offsets(msg.value(), V1).items() if stream == views_topic})
            return all(latest.get(p, -1) >= end - 1 for p, end in ends.items() if end > 0)

        wait_for(all_checkpointed, 30, "checkpoints covering every view")
    finally:
        stop(first, first_log)
    assert count_messages(counts_topic) == 0, "a window closed before the stop: nothing left to restore"

    # Without its local stores, the restarted job has only the changelog to get the open panes from.
    shutil.rmtree(state)
    second = start_run_job(CONFIG, *overrides, cwd=tmp_path, log=second_log)
    try:
        def counted() -> int:
            if count_messages(counts_topic) == 0:
                return 0
            return sum(json.loads(m.value())["count"] for m in read_topic(counts_topic))

        total = sum(expected.values())
        wait_for(lambda: second.poll() is not None or counted() >= total, window_ms / 1000 + 60,
                 f"panes covering {total} views")
    finally:
        stop(second, second_log)
    assert panes_per_member(counts_topic) == expected
    restored = [int(n) for n in RESTORED.findall(second_log.read_text())]
    assert sum(restored) > 0, restored  # the tasks' stores came back from their changelog partitions
