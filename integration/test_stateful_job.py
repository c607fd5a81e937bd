"""Stateful tasks on YARN: RocksDB stores with Kafka changelogs, restored to exactly the checkpoint."""

from __future__ import annotations

import json
import os
import re
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import parsable_count, wikipedia_events

from .conftest import ROOT
from .jobs import (
    count_messages,
    create_topic,
    end_offsets,
    produce_round_robin,
    read_topic,
    run_job,
    wait_for,
    wait_for_counts,
)
from .test_yarn_job import USERLOGS, am_log, container_pids, wait_for_state

pytestmark = pytest.mark.yarn_core

COUNTS_CONFIG = ROOT / "config" / "wikipedia-user-counts.properties"
COPIES = 60


def overrides(unique: str, **extra: str) -> list[str]:
    values = {
        "job.factory.class": "org.apache.samza.job.yarn.YarnJobFactory",
        "job.name": f"counts-{unique}",
        "task.inputs": f"kafka.{unique}-raw",
        "task.commit.ms": "300",
        "wikipedia.user-counts.output": f"kafka.{unique}-counts",
        "stores.user-edit-counts.changelog": f"kafka.{unique}-changelog",
        "yarn.am.container.memory.mb": "512",
        "cluster-manager.container.memory.mb": "384",
        "yarn.am.poll.interval.ms": "500",
        **extra,
    }
    return [f"{k}={v}" for k, v in values.items()]


def produce_edits(unique: str) -> dict[tuple[int, str], int]:
    """The raw data set COPIES times over four partitions; returns the true counts per (partition, user).

    Each task counts the edits of its own input partition (Partition p, changelog partition p).
    """
    events = wikipedia_events() * COPIES
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in events))
    return dict(Counter(
        (j % 4, p["user"]) for j, e in enumerate(events) if (p := parse_edit(e["raw"])) is not None
    ))


def container_0_logs(app_id: str) -> str:
    # In container order: the first container's log, then its replacement's (with host affinity the replacement
    # is asked for through its node's service, so its log is samza-container-on-<host>.log).
    logs = (p.read_text() for p in sorted(USERLOGS.glob(f"{app_id}/container_*/samza-container-*.log")))
    return "\n".join(text for text in logs if "[container 0]" in text)


RESTORED = re.compile(r"restored store 'user-edit-counts' .*?: (\d+) records")


def wait_for_replacement_restore(app_id: str) -> list[int]:
    """Records each restore of container 0's stores replayed: its two tasks at first start, then again."""
    wait_for(lambda: len(RESTORED.findall(container_0_logs(app_id))) >= 4, 180, "the replacement's restore")
    return [int(n) for n in RESTORED.findall(container_0_logs(app_id))]


def kill_container_0_mid_stream(skein_client: Any, unique: str, settings: list[str], tmp_path: Path) -> str:
    assert run_job(COUNTS_CONFIG, *settings, cwd=tmp_path, timeout_s=120).returncode == 0
    app_id = wait_for_state(skein_client, f"counts-{unique}_1", {"RUNNING"}).id
    # Every parsable edit yields one count update on the output stream: kill once a tenth are through
    # and container 0 itself (tasks Partition 0 and 2, changelog partitions 0 and 2) has written state.
    tenth = parsable_count(wikipedia_events()) * COPIES // 10
    wait_for(lambda: count_messages(f"{unique}-counts") >= tenth, 180, "the first count updates")
    wait_for(lambda: all(end_offsets(f"{unique}-changelog").get(p, 0) > 0 for p in (0, 2)), 180,
             "container 0's first changelog writes")
    wait_for(lambda: bool(container_pids(app_id, "samza-container-0_0")), 30, "container 0's process")
    for pid in container_pids(app_id, "samza-container-0_0"):
        os.kill(pid, signal.SIGKILL)
    return app_id


def test_kill_9_with_state_lost_restores_from_the_changelog_to_exact_counts(
    skein_client: Any, unique: str, tmp_path: Path
) -> None:
    truth = produce_edits(unique)
    # Without a state base dir, YARN gives every container a fresh directory: the replacement starts empty.
    app_id = kill_container_0_mid_stream(skein_client, unique, overrides(unique), tmp_path)
    try:
        restored = wait_for_replacement_restore(app_id)
        wait_for_counts(unique, truth, 300, "the counts to reach the truth")
        assert any(n > 0 for n in restored[2:]), "the replacement did not restore from the changelog"
    finally:
        skein_client.kill_application(app_id)


def test_host_affinity_with_state_kept_replays_only_the_changelog_tail(
    skein_client: Any, unique: str, tmp_path: Path
) -> None:
    truth = produce_edits(unique)
    state = tmp_path / "state"
    settings = overrides(unique, **{"job.host-affinity.enabled": "true", "job.logged.store.base.dir": str(state)})
    app_id = kill_container_0_mid_stream(skein_client, unique, settings, tmp_path)
    try:
        restored = wait_for_replacement_restore(app_id)
        wait_for_counts(unique, truth, 300, "the counts to reach the truth")
        assert "reusing local snapshot" in container_0_logs(app_id)
        # It came back on its node because the AM asked for that node, not by chance.
        assert "(restart after failure 1): samza-container-on-" in am_log(app_id)
        assert "asking for any host" not in am_log(app_id)
        # Two restores of each of container 0's two tasks: at first start (empty) and after the kill.
        assert len(restored) == 4
        changelog_size = len(read_topic(f"{unique}-changelog"))
        assert sum(restored) < changelog_size // 4, (restored, changelog_size)
    finally:
        skein_client.kill_application(app_id)
