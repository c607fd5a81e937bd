"""Metrics on YARN: hello-samza's ``snapshot,jmx`` reporters on the wikipedia-stats job.

Snapshots reach the metrics stream with a growing ``process-envelopes``; the container's Prometheus
endpoint (Samza's JmxReporterFactory name), recorded with its locality, serves the same counter; lag
goes to 0 once the input stops; ``run-job --operation status`` prints the AM's live summary.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from samza_py.config.config import Config
from samza_py.coordinator.stream import SET_CONTAINER_HOST, CoordinatorStream
from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import ROOT
from .jobs import create_topic, produce_round_robin, read_topic, run_job, wait_for
from .test_yarn_job import wait_for_state

CONFIG = ROOT / "config" / "wikipedia-stats-yarn.properties"
CONTAINER_GROUP = "org.apache.samza.container.SamzaContainerMetrics"
CONSUMER_GROUP = "org.apache.samza.system.kafka.KafkaSystemConsumerMetrics"


def parsed_edits() -> list[bytes]:
    edits = [parse_edit(event["raw"]) for event in wikipedia_events()]
    return [json.dumps(edit).encode() for edit in edits if edit is not None]


def snapshots(topic: str, source: str) -> list[dict[str, Any]]:
    """The snapshots of ``source`` on ``topic``, in the order they were sent (one partition)."""
    out = []
    for message in read_topic(topic):
        snapshot = json.loads(message.value())
        if snapshot["header"]["source"] == source:
            out.append(snapshot)
    return out


def scrape(url: str) -> dict[tuple[str, str], float]:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {(s.name, s.labels["source"]): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_snapshot_and_jmx_reporters_on_yarn(skein_client: Any, unique: str, tmp_path: Path) -> None:
    edits, metrics, job = f"{unique}-edits", f"{unique}-metrics", f"stats-{unique}"
    create_topic(edits, 2)
    create_topic(metrics, 1)
    data = parsed_edits()
    first, second = data[: len(data) // 2], data[len(data) // 2:]
    produce_round_robin(edits, 2, first)
    overrides = [
        f"job.name={job}", f"task.inputs=kafka.{edits}", f"wikipedia.stats.output=kafka.{unique}-stats",
        f"stores.wikipedia-stats.changelog=kafka.{unique}-stats-changelog",
        # hello-samza's metrics settings, unchanged but for the stream name and a short interval
        "metrics.reporters=snapshot,jmx",
        "metrics.reporter.snapshot.class=org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
        f"metrics.reporter.snapshot.stream=kafka.{metrics}",
        "metrics.reporter.snapshot.interval=2",
        "metrics.reporter.jmx.class=org.apache.samza.metrics.reporter.JmxReporterFactory",
        "serializers.registry.metrics.class=org.apache.samza.serializers.MetricsSnapshotSerdeFactory",
        f"systems.kafka.streams.{metrics}.samza.msg.serde=metrics",
    ]
    result = run_job(CONFIG, *overrides, cwd=tmp_path, timeout_s=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = wait_for_state(skein_client, f"{job}_1", {"RUNNING"})
    try:
        def envelopes() -> list[int]:
            return [s["metrics"][CONTAINER_GROUP]["process-envelopes"]
                    for s in snapshots(metrics, "samza-container-0") if CONTAINER_GROUP in s["metrics"]]

        wait_for(lambda: len(first) in envelopes(), 180, f"a snapshot with process-envelopes={len(first)}")
        produce_round_robin(edits, 2, second)
        wait_for(lambda: len(data) in envelopes(), 120, f"a snapshot with process-envelopes={len(data)}")
        seen = envelopes()
        assert seen == sorted(seen) and seen[0] < len(data)  # growing, from before the second half

        latest = snapshots(metrics, "samza-container-0")[-1]
        assert latest["header"]["job-name"] == job and latest["header"]["container-name"] == "samza-container-0"
        task = [s for s in snapshots(metrics, "TaskName-Partition 0") if s["metrics"]][-1]
        assert task["metrics"]["org.apache.samza.container.TaskInstanceMetrics"]["process-calls"] > 0

        # The Prometheus endpoint is recorded with the container's locality in the coordinator stream.
        config = Config({"job.name": job, "job.id": "1", "job.coordinator.system": "kafka",
                         "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
                         "systems.kafka.producer.bootstrap.servers": "127.0.0.1:9092",
                         "systems.kafka.consumer.bootstrap.servers": "127.0.0.1:9092"})
        locality: dict[str, Any] = {}

        def recorded() -> bool:
            locality.update(CoordinatorStream(config).read().get((SET_CONTAINER_HOST, "0"), {}))
            return bool(locality.get("jmx-url"))

        wait_for(recorded, 60, "the metrics URL in the locality record")
        url = locality["jmx-url"]
        assert url.endswith("/metrics")
        lag_names = [f"samza_kafka_{edits.replace('-', '_')}_{p}_messages_behind_high_watermark" for p in (0, 1)]

        def caught_up() -> bool:
            samples = scrape(url)
            return (samples.get(("samza_process_envelopes_total", "samza-container-0")) == len(data)
                    and all(samples.get((name, "samza-container-0")) == 0 for name in lag_names))

        wait_for(caught_up, 60, "the endpoint's process-envelopes and zero lag")
        prefix = f"kafka-{edits}"

        def snapshot_lag_zero() -> bool:
            consumer = snapshots(metrics, "samza-container-0")[-1]["metrics"][CONSUMER_GROUP]
            return all(consumer[f"{prefix}-{p}-messages-behind-high-watermark"] == 0 for p in (0, 1)) and sum(
                consumer[f"{prefix}-{p}-messages-read"] for p in (0, 1)) == len(data)

        wait_for(snapshot_lag_zero, 30, "a snapshot with zero lag")

        status = run_job(CONFIG, *overrides, cwd=tmp_path, operation="status", timeout_s=120)
        assert status.returncode == 0, status.stderr[-3000:]
        assert "container 0: RUNNING" in status.stdout, status.stdout
        assert f"{len(data):,} envelopes" in status.stdout, status.stdout
        for p in (0, 1):
            assert f"  Partition {p}: kafka.{edits}.{p}; lag 0," in status.stdout, status.stdout
        assert f"/proxy/{report.id}/pages/samza/" in status.stdout
    finally:
        skein_client.kill_application(report.id)
