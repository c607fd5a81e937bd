"""hello-samza's walk-through, locally: the shipped feed, parser and stats configs started one after another
(each as its own run-job, as in three shells) on a broker where none of their topics exists yet."""

from __future__ import annotations

import json
import subprocess
from itertools import accumulate
from pathlib import Path

from .conftest import ROOT
from .jobs import count_messages, delete_topics, read_topic, run_job, start_run_job, wait_for

JOBS = ("wikipedia-feed", "wikipedia-parser", "wikipedia-stats")
# Every topic the three jobs read, write or own: none may be left from an earlier run.
TOPICS = ["wikipedia-raw", "wikipedia-edits", "wikipedia-stats", "wikipedia-stats-changelog", "metrics"] + [
    f"__samza_{kind}{job}_1" for job in JOBS for kind in ("coordinator_", "checkpoint_ver_1_for_")
]


def config(job: str) -> Path:
    return ROOT / "config" / f"{job}.properties"


def windows(start: dict[int, int] | None = None) -> list[dict]:
    return [json.loads(m.value()) for m in read_topic("wikipedia-stats", start)] if count_messages(
        "wikipedia-stats") else []


def three_busy_windows_in_a_row(stats: list[dict]) -> bool:
    busy = [w["edits"] > 0 for w in stats]
    return any(all(busy[i:i + 3]) for i in range(len(busy) - 2))


def test_feed_then_parser_then_stats_on_an_empty_broker(tmp_path: Path) -> None:
    delete_topics(TOPICS)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {job: tmp_path / f"{job}.log" for job in JOBS}
    try:
        for job in JOBS:
            processes[job] = start_run_job(config(job), cwd=tmp_path, log=logs[job])
            wait_for(lambda job=job: "container 0 started" in logs[job].read_text(), 90, f"{job}'s container")
        # The parser's input came from the feed, created by the broker with one partition: one task.
        assert count_messages("wikipedia-raw") > 0
        wait_for(lambda: three_busy_windows_in_a_row(windows()), 180, "three stats windows in a row with edits")
        stats = windows()
        assert all({"edits", "bytes-added", "unique-titles", "edits-all-time"} <= set(w) for w in stats)
        # A new store: the all-time count after each window is the sum of the windows so far.
        assert [w["edits-all-time"] for w in stats] == list(accumulate(w["edits"] for w in stats))
    finally:
        for job in reversed(JOBS):
            if processes.get(job) and processes[job].poll() is None:
                run_job(config(job), cwd=tmp_path, operation="kill", timeout_s=60)
        for job, process in processes.items():
            try:
                assert process.wait(60) == 0, logs[job].read_text()[-3000:]
            finally:
                if process.poll() is None:
                    process.kill()
    for job in JOBS:
        assert "Traceback" not in logs[job].read_text(), logs[job].read_text()[-3000:]


def test_a_missing_input_topic_is_named_in_one_warning_line(unique: str, tmp_path: Path) -> None:
    # A misspelled input: the broker auto-creates it empty, so the bounded job ends at once, but run-job said so.
    overrides = (f"job.name=missing-{unique}", f"task.inputs=kafka.{unique}-rwa",
                 f"systems.kafka.streams.{unique}-rwa.samza.bounded=true",
                 f"wikipedia.parser.output=kafka.{unique}-out")
    result = run_job(config("wikipedia-parser"), *overrides, cwd=tmp_path, timeout_s=120)
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if "does not exist yet" in line]
    assert len(warnings) == 1 and f"input stream kafka.{unique}-rwa does not exist yet" in warnings[0], warnings
    assert "WARNING" in warnings[0]
