"""Store snapshots on a real job whose task names hold brackets (GroupBySystemStreamPartitionFactory):
only the newest survives the commits, and a restart installs it instead of replaying the changelog."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from confluent_kafka import KafkaException

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import ROOT
from .jobs import (
    create_topic,
    produce_round_robin,
    read_topic,
    run_job,
    start_run_job,
    wait_for,
    wait_for_counts,
)

COUNTS_CONFIG = ROOT / "config" / "wikipedia-user-counts.properties"
STORE = "user-edit-counts"
PARTITIONS = 2
COMMITS = 20
RESTORED = re.compile(rf"restored store '{STORE}' of '(SystemStreamPartition \[[^\]]+\])' from [^:]+: (\d+) records")


def settings(unique: str, state: Path) -> list[str]:
    values = {
        "job.name": f"counts-{unique}",
        "job.container.count": "1",
        "job.systemstreampartition.grouper.factory":
            "org.apache.samza.container.grouper.stream.GroupBySystemStreamPartitionFactory",
        "job.logged.store.base.dir": str(state),
        "task.inputs": f"kafka.{unique}-raw",
        "task.commit.ms": "100",
        "wikipedia.user-counts.output": f"kafka.{unique}-counts",
        f"stores.{STORE}.changelog": f"kafka.{unique}-changelog",
    }
    return [f"{k}={v}" for k, v in values.items()]


def task_names(unique: str) -> list[str]:
    return [f"SystemStreamPartition [kafka, {unique}-raw, {p}]" for p in range(PARTITIONS)]


def produce(unique: str, copies: int, truth: Counter[tuple[int, str]]) -> None:
    """The data set ``copies`` times, round robin; adds each (partition, user)'s edits to ``truth``."""
    events = wikipedia_events() * copies
    produce_round_robin(f"{unique}-raw", PARTITIONS, (json.dumps(e).encode() for e in events))
    truth.update((j % PARTITIONS, p["user"]) for j, e in enumerate(events) if (p := parse_edit(e["raw"])) is not None)


def checkpoints_per_task(unique: str) -> Counter[str]:
    try:
        messages = read_topic(f"__samza_checkpoint_ver_1_for_counts-{unique}_1")
    except (KeyError, KafkaException):  # not created yet
        return Counter()
    return Counter(json.loads(m.key())["taskName"] for m in messages)


def snapshots(state: Path, task_name: str) -> list[str]:
    prefix = task_name.replace(" ", "_") + "-"
    return sorted(p.name for p in (state / STORE).iterdir() if p.name.startswith(prefix))


def run_until(config: Path, unique: str, state: Path, tmp_path: Path, log: Path, truth: Counter[tuple[int, str]],
              committed: Callable[[], bool]) -> str:
    """Run the job until the changelog holds the true counts and ``committed()`` holds; stop it gracefully
    (a last commit); return its log."""
    job = start_run_job(config, *settings(unique, state), cwd=tmp_path, log=log)
    try:
        wait_for_counts(unique, dict(truth), 180, "the counts to reach the truth")
        wait_for(committed, 120, f"{COMMITS} commits of each task")
        assert run_job(config, *settings(unique, state), cwd=tmp_path, operation="kill").returncode == 0
        job.wait(60)
    finally:
        if job.poll() is None:
            job.kill()
    text = log.read_text()
    assert "received SIGTERM: stopping gracefully" in text and "container 0 failed" not in text, text[-4000:]
    return text


def checkpointed(unique: str, commits: int) -> Callable[[], bool]:
    return lambda: all(checkpoints_per_task(unique)[t] >= commits for t in task_names(unique))


def assert_one_snapshot_per_task(unique: str, state: Path) -> None:
    for task in task_names(unique):
        assert len(snapshots(state, task)) == 1, snapshots(state, task)


def test_a_bracketed_task_name_keeps_one_snapshot_and_its_restart_replays_nothing_committed(
    unique: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    create_topic(f"{unique}-raw", PARTITIONS)
    truth: Counter[tuple[int, str]] = Counter()
    produce(unique, 4, truth)
    first = run_until(COUNTS_CONFIG, unique, state, tmp_path, tmp_path / "first.log", truth,
                      checkpointed(unique, COMMITS))
    assert {name for name, _ in RESTORED.findall(first)} == set(task_names(unique))
    assert_one_snapshot_per_task(unique, state)

    produce(unique, 1, truth)  # new input for the second run
    second = run_until(COUNTS_CONFIG, unique, state, tmp_path, tmp_path / "second.log", truth,
                       checkpointed(unique, 2 * COMMITS))
    # The last commit's snapshot holds the whole committed changelog: nothing to replay.
    assert sorted(RESTORED.findall(second)) == sorted((task, "0") for task in task_names(unique)), second[-4000:]
    assert second.count("reusing local snapshot") == PARTITIONS
    assert_one_snapshot_per_task(unique, state)


def test_without_checkpoints_only_the_newest_snapshot_is_kept(unique: str, tmp_path: Path) -> None:
    config = tmp_path / "no-checkpoints.properties"
    lines = COUNTS_CONFIG.read_text().splitlines()
    config.write_text("\n".join(line for line in lines if not line.startswith("task.checkpoint.factory=")) + "\n")
    state = tmp_path / "state"
    create_topic(f"{unique}-raw", PARTITIONS)
    truth: Counter[tuple[int, str]] = Counter()
    produce(unique, 2, truth)
    seen: set[str] = set()

    def snapshots_seen() -> bool:
        """Each commit makes a snapshot with a new name: having seen COMMITS of them per task, that many ran."""
        if (state / STORE).is_dir():
            seen.update(name for task in task_names(unique) for name in snapshots(state, task))
        return len(seen) >= COMMITS * PARTITIONS

    run_until(config, unique, state, tmp_path, tmp_path / "first.log", truth, snapshots_seen)
    assert_one_snapshot_per_task(unique, state)
