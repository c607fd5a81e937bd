"""Keys samza-py accepts but does not act on yet: the reference table says so, and run-job warns per key set."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from samza_py.config.reference import NOT_YET, REFERENCE, keys_not_acted_on
from samza_py.job import run_job

NOT_ACTED_ON = {"task.transactional.state.checkpoint.enabled", "task.transactional.state.restore.enabled"}


def test_the_reference_marks_exactly_the_keys_not_acted_on() -> None:
    assert {e.key for e in REFERENCE if not e.acted_on} == NOT_ACTED_ON
    assert all(e.meaning.startswith(NOT_YET) == (not e.acted_on) for e in REFERENCE)


def test_only_set_keys_not_acted_on_are_reported() -> None:
    config = {
        "task.max.concurrency": "4",  # acted on
        "task.transactional.state.checkpoint.enabled": "true",
        "task.transactional.state.retain.existing.state": "false",  # acted on
        "systems.kafka.streams.wikipedia-raw.samza.priority": "2",
        "streams.edits.samza.bootstrap": "true",
        "systems.kafka.streams.wikipedia-raw.samza.bounded": "true",  # acted on
        "systems.kafka.samza.priority": "1",  # not a stream key
    }
    assert keys_not_acted_on(config) == ["task.transactional.state.checkpoint.enabled"]


def test_run_job_warns_once_per_key_and_still_accepts_the_config(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "job.properties"
    path.write_text(
        "job.name=j\njob.factory.class=org.apache.samza.job.local.ThreadJobFactory\n"
        "task.class=samza_py.examples.wikipedia.parser.WikipediaParserStreamTask\n"
        "task.inputs=kafka.raw\nsystems.kafka.samza.factory=org.apache.samza.system.kafka.KafkaSystemFactory\n"
        "task.callback.timeout.ms=1000\ntask.transactional.state.restore.enabled=true\n"
        "task.transactional.state.checkpoint.enabled=true\n"
    )
    args = run_job.parse_args(["--config-path", str(path)])
    with caplog.at_level(logging.WARNING, logger="samza_py.run_job"):
        assert run_job.load_valid_config(args) is not None
    assert [r.getMessage() for r in caplog.records] == [
        f"{key} is not acted on yet by samza-py: the job runs as if it were not set"
        for key in ("task.transactional.state.checkpoint.enabled", "task.transactional.state.restore.enabled")
    ]
