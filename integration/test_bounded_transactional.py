"""A bounded input written by a transactional producer: its last offset is a commit marker no consumer
sees, and the job must still end by itself."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from confluent_kafka import Producer

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import create_topic, end_offsets, read_topic, run_job

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"
PARTITIONS = 2
PER_TRANSACTION = 250


def produce_in_transactions(topic: str, values: list[bytes]) -> dict[int, int]:
    """Message j to partition j % PARTITIONS, PER_TRANSACTION messages per committed transaction;
    returns how many records each partition got."""
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "transactional.id": f"{topic}-writer"})
    producer.init_transactions(60)
    for start in range(0, len(values), PER_TRANSACTION):
        producer.begin_transaction()
        for j in range(start, min(start + PER_TRANSACTION, len(values))):
            producer.produce(topic, values[j], None, j % PARTITIONS)
        producer.commit_transaction(60)
    return dict(Counter(j % PARTITIONS for j in range(len(values))))


def test_a_bounded_input_ending_in_a_commit_marker_ends_and_every_record_is_processed(
    unique: str, tmp_path: Path
) -> None:
    events = wikipedia_events()
    create_topic(f"{unique}-raw", PARTITIONS)
    records = produce_in_transactions(f"{unique}-raw", [json.dumps(e).encode() for e in events])
    ends = end_offsets(f"{unique}-raw")
    # Each partition's end is past its records: commit markers take offsets, the last one included.
    assert all(ends[p] > records[p] for p in range(PARTITIONS)), (ends, records)

    result = run_job(
        PARSER_CONFIG,
        f"job.name=parser-{unique}",
        f"task.inputs=kafka.{unique}-raw",
        f"wikipedia.parser.output=kafka.{unique}-edits",
        f"systems.kafka.streams.{unique}-raw.samza.bounded=true",
        cwd=tmp_path,
        timeout_s=180,
    )
    assert result.returncode == 0, result.stderr[-4000:]

    expected = Counter((e["source"], p["diff-url"]) for e in events if (p := parse_edit(e["raw"])) is not None)
    outputs = [json.loads(m.value()) for m in read_topic(f"{unique}-edits")]
    assert Counter((edit["source"], edit["diff-url"]) for edit in outputs) == expected
