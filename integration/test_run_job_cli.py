"""run-job as a user meets it: a classic hello-samza config, status and kill, and a broken config."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import (
    create_topic,
    end_offsets,
    produce_round_robin,
    read_topic,
    run_job,
    start_run_job,
    wait_for,
)

CLASSIC = ROOT / "integration" / "configs" / "hello-samza-wikipedia-parser.properties"


def test_classic_hello_samza_parser_config_runs_as_is(tmp_path: Path) -> None:
    # The topic may be left by an earlier run or the demo; the job reads only what comes after it starts.
    with contextlib.suppress(KafkaException):
        create_topic("wikipedia-raw", 1)
    try:
        before = end_offsets("wikipedia-edits")
    except KeyError:
        before = {}
    log = tmp_path / "run-job.log"
    job = start_run_job(CLASSIC, cwd=tmp_path, log=log)
    try:
        # auto.offset.reset=largest and no checkpoints: only messages produced after the start count.
        wait_for(lambda: "container 0 started" in log.read_text(), 60, "the container to start")
        events = wikipedia_events()
        produce_round_robin("wikipedia-raw", 1, (json.dumps(e).encode() for e in events))
        expected = Counter(
            (e["source"], p["diff-url"]) for e in events if (p := parse_edit(e["raw"])) is not None
        )

        def edits() -> list[dict]:
            try:
                return [json.loads(m.value()) for m in read_topic("wikipedia-edits", before)]
            except KeyError:
                return []

        wait_for(lambda: len(edits()) >= sum(expected.values()), 120, "930 parsed edits")

        status = run_job(CLASSIC, cwd=tmp_path, operation="status")
        assert status.returncode == 0
        assert "wikipedia-parser-classic-1: Running, 1 container(s)" in status.stdout

        killed = run_job(CLASSIC, cwd=tmp_path, operation="kill")
        assert killed.returncode == 0 and "killed" in killed.stdout
        assert job.wait(60) == 0, log.read_text()[-3000:]
    finally:
        if job.poll() is None:
            job.kill()
    assert Counter((e["source"], e["diff-url"]) for e in edits()) == expected
    assert "not running" in run_job(CLASSIC, cwd=tmp_path, operation="status").stdout
    # The obsolete ZooKeeper setting is named once, not fatal.
    assert "ignoring systems.kafka.consumer.zookeeper.connect" in log.read_text()


def test_broken_config_lists_every_problem_and_touches_nothing(tmp_path: Path, unique: str) -> None:
    config = tmp_path / "broken.properties"
    config.write_text(
        "job.factory.class=org.apache.samza.job.local.NoSuchJobFactory\n"
        "task.class=no_such_module.Task\n"
        f"task.inputs=kafka.{unique}-in,nosystem.events\n"
        "task.window.ms=ten seconds\n"
        "task.checkpoint.factory=org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory\n"
        "task.checkpoint.system=kafka\n"
        "systems.kafka.samza.factory=org.apache.samza.system.kafka.KafkaSystemFactory\n"
        "systems.kafka.samza.msg.serde=avro\n"
        f"systems.kafka.producer.bootstrap.servers={KAFKA_BOOTSTRAP}\n"
    )
    topics_before = set(AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP}).list_topics(timeout=10).topics)
    result = run_job(config, cwd=tmp_path)
    assert result.returncode == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    for key in ("job.name", "job.factory.class", "task.class", "task.inputs", "task.window.ms",
                "systems.kafka.samza.msg.serde"):
        assert any(line.startswith(f"  - {key}:") for line in problems), (key, result.stderr)
    assert "nosystem" in result.stderr and "avro" in result.stderr
    topics_after = set(AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP}).list_topics(timeout=10).topics)
    assert topics_after == topics_before
    assert not (tmp_path / "run").exists()
