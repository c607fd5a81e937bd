"""A job moved from Java Samza 1.8 to samza-py (same job.name and job.id) resumes where Java left off.

The checkpoint topic is written here byte for byte as Samza 1.8's KafkaCheckpointManager writes it: per
task a v1 record and a ``checkpoint-v2`` record. The two are given different offsets so that the run
shows which one ``task.checkpoint.read.versions`` selected.
"""

from __future__ import annotations

import json
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import V1, V2, create_topic, latest_checkpoints, produce_round_robin, read_topic, run_job

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"
PARTITIONS = 2
PER_PARTITION = 100
GROUPER = "org.apache.samza.container.grouper.stream.GroupByPartitionFactory"


def java_key(task: str, key_type: str) -> bytes:
    return json.dumps({"systemstreampartition-grouper-factory": GROUPER, "taskName": task, "type": key_type},
                      separators=(",", ":")).encode()


def java_v1(stream: str, partition: int, offset: int) -> bytes:
    ssp = f"SystemStreamPartition [kafka, {stream}, {partition}]"
    entry = {"system": "kafka", "partition": str(partition), "offset": str(offset), "stream": stream}
    return json.dumps({ssp: entry}, separators=(",", ":")).encode()


def java_v2(stream: str, partition: int, offset: int) -> bytes:
    return json.dumps({"checkpoint-id": "1614147487244-33577", "input-offsets": {f"kafka.{stream}.{partition}":
                       str(offset)}, "state-checkpoint-markers": {}, "version": 2}, separators=(",", ":")).encode()


def write_java_checkpoints(job: str, stream: str, v1_offset: int, v2_offset: int) -> None:
    topic = f"__samza_checkpoint_ver_1_for_{job}_1"
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    admin.create_topics([NewTopic(topic, 1, 1, config={"cleanup.policy": "compact"})])[topic].result(30)
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "acks": "all"})
    for p in range(PARTITIONS):
        producer.produce(topic, java_v1(stream, p, v1_offset), java_key(f"Partition {p}", V1), 0)
        producer.produce(topic, java_v2(stream, p, v2_offset), java_key(f"Partition {p}", V2), 0)
    assert producer.flush(30) == 0


def produce_marked_edits(unique: str) -> None:
    """Parsable edits only, each marked with its index j: partition j % 2, offset j // 2."""
    edits = [e for e in wikipedia_events() if parse_edit(e["raw"]) is not None][: PARTITIONS * PER_PARTITION]
    create_topic(f"{unique}-raw", PARTITIONS)
    produce_round_robin(f"{unique}-raw", PARTITIONS, (json.dumps(dict(e, source=f"m-{j}")).encode()
                                                      for j, e in enumerate(edits)))


def run_moved_job(unique: str, job: str, tmp_path: Path, *extra: str) -> None:
    """Run the job over what the input holds now."""
    overrides = [
        f"job.name={job}", "job.container.count=1", f"task.inputs=kafka.{unique}-raw",
        f"wikipedia.parser.output=kafka.{job}-edits", f"systems.kafka.streams.{unique}-raw.samza.bounded=true",
        *extra,
    ]
    result = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]


def processed_offsets(job: str) -> dict[int, list[int]]:
    """Input partition → the offsets the job wrote an edit for, in order (a repeat would show twice)."""
    by_partition: dict[int, list[int]] = {}
    for m in read_topic(f"{job}-edits"):
        j = int(json.loads(m.value())["source"][2:])
        by_partition.setdefault(j % PARTITIONS, []).append(j // PARTITIONS)
    return {p: sorted(offsets) for p, offsets in by_partition.items()}


def test_a_job_moved_from_java_samza_18_resumes_from_the_checkpoint_version_it_reads(
    unique: str, tmp_path: Path
) -> None:
    produce_marked_edits(unique)
    rest_after = {v1: list(range(v1 + 1, PER_PARTITION)) for v1 in (19, 59)}
    for job, extra, resumes_after in (
        (f"moved-{unique}", [], 19),  # Samza 1.8's default: read v1
        (f"moved-v2-{unique}", ["task.checkpoint.read.versions=2"], 59),
    ):
        write_java_checkpoints(job, f"{unique}-raw", v1_offset=19, v2_offset=59)
        run_moved_job(unique, job, tmp_path, *extra)
        assert processed_offsets(job) == {p: rest_after[resumes_after] for p in range(PARTITIONS)}, job
        # samza-py left both versions behind, at the end, for whichever Samza reads the topic next.
        checkpoints = f"__samza_checkpoint_ver_1_for_{job}_1"
        end = {p: PER_PARTITION - 1 for p in range(PARTITIONS)}
        assert latest_checkpoints(checkpoints, V1) == end
        assert latest_checkpoints(checkpoints, V2) == end
