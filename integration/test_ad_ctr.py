"""The seeds' CTR join on generated, out-of-order data: exactly the CTR computed offline, crash or not."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from samza_py.examples.ads.generator import expected_ctr, generate, produce

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import count_messages, create_topic, read_topic, run_job, start_run_job, wait_for

CONFIG = ROOT / "config" / "ad-ctr.properties"


def overrides(unique: str) -> list[str]:
    values = {
        "job.name": f"ctr-{unique}",
        "task.inputs": f"kafka.{unique}-imps,kafka.{unique}-clicks",
        "ads.ctr.output": f"kafka.{unique}-ctr",
        "stores.ad-join.changelog": f"kafka.{unique}-join-changelog",
        "stores.ad-ctr.changelog": f"kafka.{unique}-ctr-changelog",
        f"systems.kafka.streams.{unique}-imps.samza.bounded": "true",
        f"systems.kafka.streams.{unique}-clicks.samza.bounded": "true",
        "task.commit.ms": "300",
    }
    return [f"{k}={v}" for k, v in values.items()]


def latest_ctr(unique: str) -> dict[tuple[str, int], tuple[int, int]]:
    """The job's answer: each task's latest share per (ad, bucket), added up over the tasks."""
    latest: dict[tuple[str, str, int], tuple[int, int]] = {}
    for msg in read_topic(f"{unique}-ctr"):
        update = json.loads(msg.value())
        latest[(update["task"], update["ad_id"], update["bucket"])] = (update["impressions"], update["clicks"])
    total: dict[tuple[str, int], tuple[int, int]] = {}
    for (_task, ad, bucket), (impressions, clicks) in latest.items():
        before = total.get((ad, bucket), (0, 0))
        total[(ad, bucket)] = (before[0] + impressions, before[1] + clicks)
    return total


def prepare(unique: str, impressions: int) -> dict[tuple[str, int], tuple[int, int]]:
    imps, clicks = generate(impressions, seed=11)
    for topic in (f"{unique}-imps", f"{unique}-clicks"):
        create_topic(topic, 4)
    produce(KAFKA_BOOTSTRAP, f"{unique}-imps", f"{unique}-clicks", imps, clicks)
    return expected_ctr(imps, clicks, 60_000)


def test_ctr_join_equals_the_offline_answer(unique: str, tmp_path: Path) -> None:
    expected = prepare(unique, 5000)
    assert any(clicks for _, clicks in expected.values())
    result = run_job(CONFIG, *overrides(unique), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert latest_ctr(unique) == expected


def test_a_container_kill_mid_run_changes_nothing_in_the_final_answer(unique: str, tmp_path: Path) -> None:
    expected = prepare(unique, 30000)
    first = start_run_job(CONFIG, *overrides(unique), cwd=tmp_path, log=tmp_path / "first.log")
    try:
        wait_for(lambda: count_messages(f"{unique}-join-changelog") >= 5000, 120, "the join to get going")
        pids = json.loads((tmp_path / "run" / f"ctr-{unique}-1" / "pids.json").read_text())
        os.kill(pids["containers"]["0"], signal.SIGKILL)
        assert first.wait(120) == 1
    finally:
        if first.poll() is None:
            first.kill()
    second = run_job(CONFIG, *overrides(unique), cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert latest_ctr(unique) == expected
