"""High-level windows on the real broker, with run-job and two containers: the page-view counter's panes
against what the job processed (a side output stamps each view with its processing time), exact totals
across a kill -9 and restart from the changelog, sessions and their early trigger's count across a
kill -9, and open windows firing when a bounded input ends (the high-level wikipedia-stats job too)."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka import Producer

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import count_messages, create_topic, read_topic, run_job, start_run_job, wait_for

CONFIG = ROOT / "config" / "page-view-counter.properties"
AUDITED_APP = "integration.hl_window_apps.AuditedPageViewCounterApp"
MEMBERS = [f"member-{i:02d}" for i in range(20)]
# The side output's stamp and the window operator's clock read are a few function calls apart: a view
# stamped this close to a window's end may have gone to the next window.
SLACK_MS = 250

Pane = tuple[str, int]  # member, window start
RESTORED = re.compile(r"restored store '(?:[^']+)-window-count-per-member' .*?: (\d+) records")


@pytest.fixture(autouse=True)
def importable_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The containers import the test application from this checkout."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))


def produce_paced(topic: str, count: int, seconds: float, seed: int) -> Counter[str]:
    """``count`` views with ids, spread evenly over ``seconds`` so they fall into many windows."""
    rng = random.Random(seed)
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    views: Counter[str] = Counter()
    began = time.monotonic()
    for n in range(count):
        member = rng.choice(MEMBERS)
        views[member] += 1
        view = {"member": member, "page": f"/page/{n % 17}", "id": f"{seed}-{n}"}
        producer.produce(topic, json.dumps(view).encode(), member.encode())
        producer.poll(0)
        ahead = began + seconds * (n + 1) / count - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    assert producer.flush(30) == 0
    return views


def job_overrides(job: str, unique: str, window_ms: int, **extra: str) -> list[str]:
    values = {
        "job.name": job, "app.class": AUDITED_APP, "job.container.count": "2", "pageviews.window.ms": str(window_ms),
        "task.commit.ms": "300",
        "streams.page-views.samza.physical.name": f"{unique}-views",
        "streams.page-view-counts.samza.physical.name": f"{unique}-counts",
        "streams.page-views-processed.samza.physical.name": f"{unique}-processed",
        **extra,
    }
    return [f"{k}={v}" for k, v in values.items()]


def last_panes(topic: str) -> tuple[dict[Pane, int], int]:
    """Each (member, window)'s count from its last pane (a restart may fire a restored pane again), and
    how many panes repeated one before them. A member's panes share a partition, so log order is time order."""
    panes: dict[Pane, int] = {}
    repeats = 0
    for msg in read_topic(topic):
        pane = json.loads(msg.value())
        assert msg.key().decode() == pane["member"] and pane["count"] > 0, pane
        repeats += (pane["member"], pane["window_start"]) in panes
        panes[(pane["member"], pane["window_start"])] = pane["count"]
    return panes, repeats


def last_stamps(topic: str) -> dict[str, tuple[str, int]]:
    """Per view id, (member, processing time) of the last time the job processed it."""
    stamps: dict[str, tuple[str, int]] = {}
    for msg in read_topic(topic):
        view = json.loads(msg.value())
        stamps[view["id"]] = (view["member"], view["processed_ms"])
    return stamps


def counted(topic: str) -> int:
    return sum(last_panes(topic)[0].values()) if count_messages(topic) else 0


def check_panes_against_stamps(panes: dict[Pane, int], stamps: dict[str, tuple[str, int]], window_ms: int) -> int:
    """Every pane counts the views whose last processing fell into its window; returns how many panes
    matched exactly (the others differ only by views stamped within SLACK_MS of a window's end)."""
    sure: Counter[Pane] = Counter()
    near_end: Counter[Pane] = Counter()
    for member, at in stamps.values():
        start = at - at % window_ms
        (near_end if start + window_ms - at <= SLACK_MS else sure)[(member, start)] += 1
    assert set(sure) <= set(panes), f"views processed in windows that emitted no pane: {set(sure) - set(panes)}"
    exact = 0
    for (member, start), count in panes.items():
        low = sure[(member, start)]
        high = low + near_end[(member, start)] + near_end[(member, start - window_ms)]
        assert low <= count <= high, f"{member}'s window at {start}: counted {count}, processed {low}..{high}"
        exact += count == low + near_end[(member, start)]
    return exact


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.wait(60)
    assert process.returncode == 0, log.read_text()[-3000:]


def test_page_view_counter_panes_equal_the_views_processed_in_each_window(unique: str, tmp_path: Path) -> None:
    window_ms = 10_000  # the 10 s window; the views are spread over 25 s, so over three or four windows
    job, log = f"hlw-{unique}", tmp_path / "run-job.log"
    create_topic(f"{unique}-views", 2)
    process = start_run_job(CONFIG, *job_overrides(job, unique, window_ms), cwd=tmp_path, log=log)
    try:
        wait_for(lambda: log.read_text().count(" started 1 task(s)") == 2 or process.poll() is not None, 60,
                 "both containers to start")
        assert process.poll() is None, log.read_text()[-3000:]
        expected = produce_paced(f"{unique}-views", 1200, 25, seed=21)
        total = sum(expected.values())
        wait_for(lambda: process.poll() is not None or counted(f"{unique}-counts") >= total, window_ms / 1000 + 60,
                 f"panes covering {total} views")
    finally:
        stop(process, log)

    panes, repeats = last_panes(f"{unique}-counts")
    assert repeats == 0, "a pane fired twice without any failure"
    per_member: Counter[str] = Counter()
    for (member, _), count in panes.items():
        per_member[member] += count
    assert per_member == expected  # the offline count per member
    assert len({start for _, start in panes}) >= 3
    stamps = last_stamps(f"{unique}-processed")
    assert len(stamps) == total  # each view processed (and stamped) once: nothing lost, nothing made up
    exact = check_panes_against_stamps(panes, stamps, window_ms)
    assert exact >= 0.9 * len(panes), (exact, len(panes))


def test_kill_9_mid_window_then_restart_keeps_every_window_total_exact(unique: str, tmp_path: Path) -> None:
    # 5 s windows (not 10 s) keep the test short; the kill still lands mid-window, seconds after the last
    # panes fired and were checkpointed.
    window_ms = 5_000
    job, state = f"hlk-{unique}", tmp_path / "state"
    overrides = job_overrides(job, unique, window_ms, **{"job.logged.store.base.dir": str(state)})
    create_topic(f"{unique}-views", 2)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_run_job(CONFIG, *overrides, cwd=tmp_path, log=first_log)
    produced: list[Counter[str]] = []
    producer = threading.Thread(target=lambda: produced.append(produce_paced(f"{unique}-views", 1500, 30, seed=22)))
    try:
        wait_for(lambda: first_log.read_text().count(" started 1 task(s)") == 2 or first.poll() is not None, 60,
                 "both containers to start")
        assert first.poll() is None, first_log.read_text()[-3000:]
        producer.start()
        wait_for(lambda: count_messages(f"{unique}-counts") >= 10, 60, "the first panes")
        wait_for(lambda: 2_000 <= time.time() * 1000 % window_ms < 3_000, window_ms / 1000 + 5, "mid-window")
        pids = json.loads((tmp_path / "run" / f"{job}-1" / "pids.json").read_text())
        os.kill(pids["containers"]["0"], signal.SIGKILL)
        assert first.wait(120) == 1, first_log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
    before_restart = count_messages(f"{unique}-counts")
    # Without the local stores, the windows come back from their changelog, to the checkpoint's state.
    shutil.rmtree(state, ignore_errors=True)
    second = start_run_job(CONFIG, *overrides, cwd=tmp_path, log=second_log)
    try:
        producer.join(120)
        assert produced, "the producer failed"
        (expected,) = produced
        total = sum(expected.values())
        wait_for(lambda: second.poll() is not None or counted(f"{unique}-counts") >= total, window_ms / 1000 + 90,
                 f"panes covering {total} views")
    finally:
        stop(second, second_log)

    assert before_restart > 0 and count_messages(f"{unique}-counts") > before_restart
    panes, _ = last_panes(f"{unique}-counts")
    per_member: Counter[str] = Counter()
    for (member, _), count in panes.items():
        per_member[member] += count
    assert per_member == expected  # no view lost, none counted twice across the kill
    stamps = last_stamps(f"{unique}-processed")
    assert set(stamps) == {f"22-{n}" for n in range(1500)}
    check_panes_against_stamps(panes, stamps, window_ms)
    restored = [int(n) for n in RESTORED.findall(second_log.read_text())]
    assert sum(restored) > 0, restored  # the open windows came back from the changelog


def test_open_windows_fire_when_a_bounded_input_ends(unique: str, tmp_path: Path) -> None:
    create_topic(f"{unique}-views", 2)
    expected = produce_paced(f"{unique}-views", 300, 0, seed=23)
    # A 10-minute window stays open for the whole run: only the end of the input can fire it.
    result = run_job(CONFIG, *job_overrides(f"hlb-{unique}", unique, 600_000,
                                            **{"streams.page-views.samza.bounded": "true"}), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    panes, repeats = last_panes(f"{unique}-counts")
    assert repeats == 0
    per_member: Counter[str] = Counter()
    for (member, _), count in panes.items():
        per_member[member] += count
    assert per_member == expected
    assert len({start for _, start in panes}) <= 2  # one window (two if the run straddled a window's end)


def test_high_level_wikipedia_stats_over_a_bounded_input_equals_the_offline_statistics(
        unique: str, tmp_path: Path) -> None:
    rng = random.Random(24)
    flags = ["is-minor", "is-talk", "is-bot-edit", "is-new", "is-unpatrolled"]
    edits = [{"title": f"Page {rng.randrange(40)}", "user": f"user{rng.randrange(9)}",
              "diff-bytes": rng.randrange(-300, 900), "flags": {f: rng.random() < 0.3 for f in flags}}
             for _ in range(500)]
    create_topic(f"{unique}-edits", 1)
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP})
    for edit in edits:
        producer.produce(f"{unique}-edits", json.dumps(edit).encode())
    assert producer.flush(30) == 0
    offline: dict[str, int] = dict(Counter(f for e in edits for f, on in e["flags"].items() if on))
    offline.update({"edits": len(edits), "bytes-added": sum(e["diff-bytes"] for e in edits),
                    "unique-titles": len({e["title"] for e in edits})})

    # One window of ten minutes, fired by the end of the input: one statistics map for all the edits.
    result = run_job(ROOT / "config" / "wikipedia-stats-app.properties", f"job.name=hls-{unique}",
                     "wikipedia.stats.window.ms=600000", "streams.wikipedia-edits.samza.bounded=true",
                     f"streams.wikipedia-edits.samza.physical.name={unique}-edits",
                     f"streams.wikipedia-stats.samza.physical.name={unique}-stats", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = [json.loads(m.value()) for m in read_topic(f"{unique}-stats")]
    if len(stats) == 2:  # the run straddled a window's end: two maps that add up
        stats = [{k: stats[0].get(k, 0) + stats[1].get(k, 0) for k in {*stats[0], *stats[1]}}]
        offline.pop("unique-titles")
        stats[0].pop("unique-titles")
    assert stats == [offline]


def test_kill_9_mid_session_resumes_sessions_and_their_early_trigger_counts_from_the_changelog(
        unique: str, tmp_path: Path) -> None:
    # A 30 s session gap outlasts the restart, so each member has one session through the kill; an early
    # pane every 25 views (accumulating) shows the trigger's count came back with the session.
    gap_ms, early = 30_000, 25
    job, state = f"hls-{unique}", tmp_path / "state"
    overrides = job_overrides(job, unique, 1_000, **{
        "app.class": "integration.hl_window_apps.PageViewSessionsApp", "job.logged.store.base.dir": str(state),
        "pageviews.session.gap.ms": str(gap_ms), "pageviews.early.count": str(early),
        "streams.page-view-sessions.samza.physical.name": f"{unique}-sessions"})
    create_topic(f"{unique}-views", 2)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_run_job(CONFIG, *overrides, cwd=tmp_path, log=first_log)
    produced: list[Counter[str]] = []
    producer = threading.Thread(target=lambda: produced.append(produce_paced(f"{unique}-views", 1500, 25, seed=25)))
    try:
        wait_for(lambda: first_log.read_text().count(" started 1 task(s)") == 2 or first.poll() is not None, 60,
                 "both containers to start")
        assert first.poll() is None, first_log.read_text()[-3000:]
        producer.start()
        wait_for(lambda: count_messages(f"{unique}-sessions") >= 20, 60, "the first early panes")
        pids = json.loads((tmp_path / "run" / f"{job}-1" / "pids.json").read_text())
        os.kill(pids["containers"]["0"], signal.SIGKILL)
        assert first.wait(120) == 1, first_log.read_text()[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
    shutil.rmtree(state, ignore_errors=True)
    second = start_run_job(CONFIG, *overrides, cwd=tmp_path, log=second_log)

    def closed_sessions() -> list[dict[str, object]]:
        return [pane for msg in read_topic(f"{unique}-sessions")
                if (pane := json.loads(msg.value()))["trigger"] == "DEFAULT"]

    try:
        producer.join(120)
        assert produced, "the producer failed"
        (expected,) = produced
        wait_for(lambda: second.poll() is not None or len(closed_sessions()) >= len(expected), gap_ms / 1000 + 90,
                 "every member's session to close")
    finally:
        stop(second, second_log)

    panes = [json.loads(m.value()) for m in read_topic(f"{unique}-sessions")]
    closed = [p for p in panes if p["trigger"] == "DEFAULT"]
    # One session per member, holding all its views: none lost or counted twice across the kill.
    assert sorted((p["member"], p["count"]) for p in closed) == sorted(expected.items())
    start_of = {p["member"]: p["session_start"] for p in closed}
    early_counts: dict[str, set[int]] = {}
    for pane in panes:
        if pane["trigger"] == "EARLY":
            assert pane["session_start"] == start_of[pane["member"]], pane  # the session's start came back too
            # The trigger's count was restored with the session: it fires at every 25th view, never between.
            assert pane["count"] % early == 0, pane
            early_counts.setdefault(pane["member"], set()).add(pane["count"])
    for member, total in expected.items():
        assert early_counts.get(member, set()) == set(range(early, total + 1, early)), member
    restored = [int(n) for n in re.findall(r"restored store '[^']+-window-sessions' .*?: (\d+) records",
                                           second_log.read_text())]
    assert sum(restored) > 0, restored
