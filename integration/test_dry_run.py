"""run-job --dry-run against the grid: the job model of a real topic, with nothing created, written or submitted."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient

from samza_py.config.config import Config
from samza_py.config.loader import load_config
from samza_py.coordinator.stream import CoordinatorStream

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import create_topic, end_offsets, run_job_command

CONFIGS = {
    "process": ROOT / "config" / "wikipedia-stats.properties",
    "yarn": ROOT / "config" / "wikipedia-stats-yarn.properties",
}
ALL_STATES = ["SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"]


def overrides(unique: str) -> list[str]:
    values = {
        "job.name": f"dry-{unique}",
        "job.container.count": "2",
        "task.inputs": f"kafka.{unique}-in",
        "stores.wikipedia-stats.changelog": f"kafka.{unique}-changelog",
        "metrics.reporters": "snapshot",
        "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
        "metrics.reporter.snapshot.stream": f"kafka.{unique}-metrics",
        "wikipedia.stats.output": f"kafka.{unique}-stats",
    }
    return [f"{key}={value}" for key, value in values.items()]


def dry_run(config_path: Path, unique: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [*run_job_command(config_path, *overrides(unique)), "--dry-run"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, env=dict(os.environ))


def section(stdout: str, title: str) -> list[list[str]]:
    """The rows under ``<title> (n):`` / ``<title>:`` up to the next blank line, cells split on 2+ spaces."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"{title}( \(\d+\))?:", line))
    rows = []
    for line in lines[start + 2:]:  # past the title and the header row
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def topics() -> set[str]:
    return set(AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP}).list_topics(timeout=10).topics)


@pytest.mark.parametrize("factory", ["process", "yarn"])
def test_dry_run_prints_the_model_and_creates_and_submits_nothing(
    factory: str, unique: str, tmp_path: Path, skein_client: Any
) -> None:
    create_topic(f"{unique}-in", 4)
    job = f"dry-{unique}"
    result = dry_run(CONFIGS[factory], unique, tmp_path)
    assert result.returncode == 0, result.stderr

    assert result.stdout.startswith(f"Dry run of job {job} (id 1)")
    assert section(result.stdout, "Tasks") == [
        [f"Partition {p}", f"kafka.{unique}-in.{p}", str(p)] for p in range(4)
    ]
    # GroupByContainerCount: tasks in string order, dealt round-robin to processors 0 and 1.
    assert section(result.stdout, "Containers") == [
        ["0", "Partition 0, Partition 2"],
        ["1", "Partition 1, Partition 3"],
    ]
    coordinator, checkpoint = f"__samza_coordinator_{job}_1", f"__samza_checkpoint_ver_1_for_{job}_1"
    assert section(result.stdout, "Streams") == [
        ["coordinator", f"kafka.{coordinator}", "1", "no, a run creates it"],
        ["checkpoint", f"kafka.{checkpoint}", "1", "no, a run creates it"],
        ["changelog", f"kafka.{unique}-changelog (store wikipedia-stats)", "4", "no, a run creates it"],
        ["metrics", f"kafka.{unique}-metrics (reporter snapshot)", "-",
         "no, created on the first write if the broker auto-creates topics"],
        ["input", f"kafka.{unique}-in", "-", "yes, 4 partition(s)"],
    ]

    # The grid's broker auto-creates topics: a careless metadata request would have made these.
    assert not {coordinator, checkpoint, f"{unique}-changelog", f"{unique}-metrics", f"{unique}-stats"} & topics()
    assert not skein_client.get_applications(states=ALL_STATES, name=f"{job}_1")
    assert not (tmp_path / "run").exists()


def test_dry_run_reads_an_existing_coordinator_stream_without_writing_it(unique: str, tmp_path: Path) -> None:
    create_topic(f"{unique}-in", 4)
    config: Config = load_config([str(CONFIGS["process"])], overrides(unique))
    stream = CoordinatorStream(Config(dict(config, **{"job.coordinator.replication.factor": "1"})))
    stream.create()
    # An earlier run's mapping, reversed, so the printed partitions can only have come from the stream.
    stream.write_changelog_mapping({f"Partition {p}": 3 - p for p in range(4)}, {})
    before = end_offsets(stream.topic)

    result = dry_run(CONFIGS["process"], unique, tmp_path)
    assert result.returncode == 0, result.stderr
    assert section(result.stdout, "Tasks") == [
        [f"Partition {p}", f"kafka.{unique}-in.{p}", str(3 - p)] for p in range(4)
    ]
    assert ["coordinator", f"kafka.{stream.topic}", "1", "yes, 1 partition(s)"] in section(result.stdout, "Streams")
    assert "changelog partitions of 4 task(s) kept from the coordinator stream" in result.stdout
    assert end_offsets(stream.topic) == before
    assert not {f"__samza_checkpoint_ver_1_for_dry-{unique}_1", f"{unique}-changelog"} & topics()
