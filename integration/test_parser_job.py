"""The wikipedia-parser job on the grid's Kafka, run locally through run-job (ProcessJobFactory)."""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import hello_samza_fields, parsable_count, wikipedia_events

from .conftest import ROOT
from .jobs import (
    V2,
    count_messages,
    create_topic,
    latest_checkpoints,
    produce_round_robin,
    read_topic,
    run_job,
    start_run_job,
    wait_for,
)

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"
PARTITIONS = 4


def job_overrides(unique: str, **extra: str) -> list[str]:
    overrides = {
        "job.name": f"parser-{unique}",
        "job.container.count": "2",  # the shipped config runs one, as hello-samza's
        "task.inputs": f"kafka.{unique}-raw",
        "wikipedia.parser.output": f"kafka.{unique}-edits",
        # Bounded input: the job ends by itself once it has read what was there at its start.
        f"systems.kafka.streams.{unique}-raw.samza.bounded": "true",
        **extra,
    }
    return [f"{k}={v}" for k, v in overrides.items()]


def identity(edit: dict) -> tuple[str, str]:
    return edit["source"], edit["diff-url"]


def test_every_parsable_line_yields_exactly_one_edit(unique: str, tmp_path: Path) -> None:
    events = wikipedia_events()
    create_topic(f"{unique}-raw", PARTITIONS)
    produce_round_robin(f"{unique}-raw", PARTITIONS, (json.dumps(e).encode() for e in events))

    result = run_job(PARSER_CONFIG, *job_overrides(unique), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]

    expected = Counter()
    for event in events:
        parsed = parse_edit(event["raw"])
        if parsed is not None:
            expected[(event["source"], parsed["diff-url"])] += 1
    assert sum(expected.values()) == parsable_count(events)  # every line hello-samza's pattern reads as an edit
    edits = [json.loads(m.value()) for m in read_topic(f"{unique}-edits")]
    assert Counter(identity(e) for e in edits) == expected
    # The first line's edit carries hello-samza's fields (real data: "The Elder Scrolls Online" by "ESO Fan").
    title, flags, url, user, diff, _ = next(f for e in events if (f := hello_samza_fields(e["raw"])))
    sample = next(e for e in edits if e["diff-url"] == url)
    assert (sample["title"], sample["user"], sample["diff-bytes"]) == (title, user, diff)
    assert sample["flags"]["is-minor"] is ("M" in flags)
    # Both containers ran: two container processes were started, and each task checkpointed.
    checkpoints = read_topic(f"__samza_checkpoint_ver_1_for_parser-{unique}_1")
    assert {json.loads(m.key())["taskName"] for m in checkpoints} == {f"Partition {p}" for p in range(PARTITIONS)}


def test_kill_9_of_a_container_then_rerun_loses_nothing(unique: str, tmp_path: Path) -> None:
    copies = 60
    events = wikipedia_events()
    # Each replay of the data set gets its own "source", which the parser copies into its output.
    replayed = [dict(e, source=f"replay-{c}") for c in range(copies) for e in events]
    create_topic(f"{unique}-raw", PARTITIONS)
    produce_round_robin(f"{unique}-raw", PARTITIONS, (json.dumps(e).encode() for e in replayed))
    overrides = job_overrides(unique, **{"task.commit.ms": "300"})

    first = start_run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, log=tmp_path / "first.log")
    try:
        wait_for(lambda: count_messages(f"{unique}-edits") >= 5000, 120, "the first edits")
        pids = json.loads((tmp_path / "run" / f"parser-{unique}-1" / "pids.json").read_text())
        os.kill(pids["containers"]["0"], signal.SIGKILL)
        assert first.wait(120) == 1, (tmp_path / "first.log").read_text()[-4000:]
    finally:
        if first.poll() is None:
            first.kill()
    assert "container 0 exited with status -9" in (tmp_path / "first.log").read_text()
    killed_at = latest_checkpoints(f"__samza_checkpoint_ver_1_for_parser-{unique}_1")
    total = len(replayed) // PARTITIONS
    assert any(killed_at.get(p, -1) < total - 1 for p in (0, 2)), "the job finished before the kill"

    second = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-4000:]

    counts = Counter(identity(json.loads(m.value())) for m in read_topic(f"{unique}-edits"))
    for j, event in enumerate(replayed):
        parsed = parse_edit(event["raw"])
        if parsed is None:
            continue
        partition, offset = j % PARTITIONS, j // PARTITIONS
        seen = counts[(event["source"], parsed["diff-url"])]
        assert seen >= 1, f"input offset {offset} of partition {partition} has no output"
        if seen > 1:
            # Only the killed container's partitions (0 and 2 of "Partition 0..3" round-robin over two
            # containers) redo work, and only past what they had checkpointed.
            assert partition in (0, 2), f"duplicate from gracefully stopped partition {partition}"
            assert offset > killed_at.get(partition, -1), f"duplicate of checkpointed offset {offset}"
            assert seen == 2
    final = latest_checkpoints(f"__samza_checkpoint_ver_1_for_parser-{unique}_1")
    assert final == {p: total - 1 for p in range(PARTITIONS)}
    # Each commit wrote Samza 1.8's v2 record too.
    assert latest_checkpoints(f"__samza_checkpoint_ver_1_for_parser-{unique}_1", V2) == final
