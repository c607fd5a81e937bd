"""Undecodable input (fail with its offset, or drop and count it); ThreadJobFactory with file checkpoints."""

from __future__ import annotations

import json
import re
from pathlib import Path

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import parsable_count, wikipedia_events

from .conftest import ROOT
from .jobs import V1, V2, create_topic, latest_checkpoints, produce_round_robin, read_topic, run_job

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"


def overrides(unique: str, **extra: str) -> list[str]:
    values = {
        "job.name": f"parser-{unique}",
        "job.container.count": "1",
        "task.inputs": f"kafka.{unique}-raw",
        "wikipedia.parser.output": f"kafka.{unique}-edits",
        f"systems.kafka.streams.{unique}-raw.samza.bounded": "true",
        **extra,
    }
    return [f"{k}={v}" for k, v in values.items()]


def input_with_one_bad_message(unique: str) -> list[bytes]:
    parsable = [e for e in wikipedia_events() if parse_edit(e["raw"]) is not None][:6]
    values = [json.dumps(e).encode() for e in parsable]
    values.insert(3, b"\xff this is not JSON")
    create_topic(f"{unique}-raw", 1)
    produce_round_robin(f"{unique}-raw", 1, values)
    return values


def test_undecodable_message_fails_the_job_naming_its_offset(unique: str, tmp_path: Path) -> None:
    input_with_one_bad_message(unique)
    result = run_job(PARSER_CONFIG, *overrides(unique), cwd=tmp_path)
    assert result.returncode == 1
    assert f"cannot deserialize the message at offset 3 of SystemStreamPartition [kafka, {unique}-raw, 0]" in (
        result.stderr
    )
    # Nothing past the bad message was checkpointed: a fixed job starts again at or before it.
    for key_type in (V1, V2):
        assert all(offset < 3 for offset in latest_checkpoints(
            f"__samza_checkpoint_ver_1_for_parser-{unique}_1", key_type).values())


def test_undecodable_message_is_dropped_and_counted_when_asked(unique: str, tmp_path: Path) -> None:
    input_with_one_bad_message(unique)
    result = run_job(
        PARSER_CONFIG, *overrides(unique, **{"task.drop.deserialization.errors": "true"}), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"dropped undecodable message at offset 3 of SystemStreamPartition [kafka, {unique}-raw, 0]" in (
        result.stderr
    )
    assert "dropped 1 undecodable message(s)" in result.stderr
    assert len(read_topic(f"{unique}-edits")) == 6


def test_thread_job_with_file_checkpoints_resumes_where_it_stopped(unique: str, tmp_path: Path) -> None:
    events = wikipedia_events()
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in events))
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    settings = overrides(unique, **{
        "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory",
        "job.container.count": "2",
        "task.checkpoint.factory": "org.apache.samza.checkpoint.file.FileSystemCheckpointManagerFactory",
        "task.checkpoint.path": str(checkpoints),
    })
    first = run_job(PARSER_CONFIG, *settings, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    # run-job runs a ThreadJobFactory job's containers in its own process: the streaming GC policy applies
    assert re.search(r"gc: \d+ start-up objects frozen; a young collection every 10000 allocations", first.stderr)
    assert len(read_topic(f"{unique}-edits")) == parsable_count(events)

    for p in range(4):
        saved = json.loads((checkpoints / f"parser-{unique}-Partition {p}-checkpoints").read_text())
        assert saved == {f"SystemStreamPartition [kafka, {unique}-raw, {p}]": {
            "system": "kafka", "stream": f"{unique}-raw", "partition": str(p), "offset": "249"}}

    second = run_job(PARSER_CONFIG, *settings, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "starts at offset 250" in second.stderr
    assert len(read_topic(f"{unique}-edits")) == parsable_count(events)
