"""The Kafka broker stops for 20 s under a job that commits every second: the job rides the outage out,
resumes by itself, and loses nothing.

Stops and starts only the broker, through deploy/grid; like the other grid_restart tests it runs after
everything else that needs the grid.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import ROOT, port_open, run_grid
from .jobs import (
    V1,
    V2,
    count_messages,
    create_topic,
    latest_checkpoints,
    produce_round_robin,
    read_topic,
    start_run_job,
    wait_for,
)

pytestmark = pytest.mark.grid_restart

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"
PARTITIONS = 4
OUTAGE_S = 20


def marked_edits(first: int, count: int) -> list[bytes]:
    """Parsable edits numbered ``first`` .. ``first + count - 1`` in their "source" (the parser copies it)."""
    edits = [e for e in wikipedia_events() if parse_edit(e["raw"]) is not None]
    return [json.dumps(dict(edits[j % len(edits)], source=f"m-{j}")).encode() for j in range(first, first + count)]


def test_a_20_s_broker_outage_mid_stream_loses_nothing(unique: str, tmp_path: Path) -> None:
    before, after = 40000, 4000
    raw, edits = f"{unique}-raw", f"{unique}-edits"
    checkpoints = f"__samza_checkpoint_ver_1_for_parser-{unique}_1"
    create_topic(raw, PARTITIONS)
    produce_round_robin(raw, PARTITIONS, marked_edits(0, before))
    log = tmp_path / "job.log"
    job = start_run_job(PARSER_CONFIG, f"job.name=parser-{unique}", f"task.inputs=kafka.{raw}",
                        f"wikipedia.parser.output=kafka.{edits}", "task.commit.ms=1000", cwd=tmp_path, log=log)
    try:
        wait_for(lambda: count_messages(edits) >= 4000, 120, "the first edits")
        run_grid("stop", "kafka")
        try:
            assert not port_open(9092)
            # The whole outage long the job keeps running (commits every second wait for the broker).
            with pytest.raises(subprocess.TimeoutExpired):
                job.wait(OUTAGE_S)
        finally:
            run_grid("start", "kafka")
        produce_round_robin(raw, PARTITIONS, marked_edits(before, after))
        end = {p: (before + after) // PARTITIONS - 1 for p in range(PARTITIONS)}
        wait_for(lambda: latest_checkpoints(checkpoints, V1) == end and latest_checkpoints(checkpoints, V2) == end,
                 240, "checkpoints at the end of the input")
        assert job.poll() is None, log.read_text()[-4000:]
    finally:
        if job.poll() is None:
            job.send_signal(signal.SIGTERM)
        try:
            job.wait(60)
        except subprocess.TimeoutExpired:
            job.kill()
    assert job.returncode == 0, log.read_text()[-4000:]
    produced = Counter(int(json.loads(m.value())["source"][2:]) for m in read_topic(edits))
    missing = sorted(set(range(before + after)) - set(produced))
    assert not missing, f"{len(missing)} edits lost, e.g. {missing[:10]}"
    assert max(produced.values()) == 1, "an edit was written twice"
    # librdkafka's reports of the outage reached the log, naming the client.
    assert f"Kafka client parser-{unique}-1-" in log.read_text()
