"""Metrics reporters: Samza's snapshot JSON on a stream, the Prometheus endpoint, wiring from config."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any, ClassVar

import pytest
from prometheus_client.parser import text_string_to_metric_families

from samza_py.api import SystemStream
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.validation import validate
from samza_py.metrics.prometheus_reporter import PrometheusReporter, PrometheusReporterFactory, prometheus_name
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.metrics.reporter import MetricsReporter, MetricsReporterFactory
from samza_py.metrics.reporters import build_reporters
from samza_py.metrics.snapshot_reporter import MetricsSnapshotReporter, MetricsSnapshotReporterFactory
from samza_py.serializers.metrics_snapshot import HEADER_FIELDS, MetricsSnapshotSerde
from samza_py.system.interfaces import SystemProducer
from tests import test_container_samza_container as container_tests
from tests.fakes import FakeWorld
from tests.test_container_run_loop import wait_until
from tests.test_container_samza_container import world  # noqa: F401 - the container tests' fixture

CONTAINER_GROUP = "org.apache.samza.container.SamzaContainerMetrics"
TASK_GROUP = "org.apache.samza.container.TaskInstanceMetrics"


class RecordingProducer(SystemProducer):
    def __init__(self) -> None:
        self.sent: list[tuple[str, SystemStream, Any, Any, bytes]] = []
        self.flushes = 0
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def send(self, source: str, envelope: Any) -> None:
        raise AssertionError("the reporter sends serialized bytes")

    def send_serialized(self, source: str, stream: SystemStream, partition_key: Any, key: Any, message: Any) -> None:
        self.sent.append((source, stream, partition_key, key, message))

    def flush(self, source: str) -> None:
        self.flushes += 1


def header() -> dict[str, Any]:
    return {"job-name": "wikipedia-parser", "job-id": "1", "container-name": "samza-container-0",
            "exec-env-container-id": "c1", "samza-epoch-id": "e1", "version": "0.0.1", "samza-version": "0.1.0",
            "host": "node-1"}


def registries() -> tuple[MetricsRegistryMap, MetricsRegistryMap]:
    container = MetricsRegistryMap("samza-container-0")
    container.new_counter(CONTAINER_GROUP, "process-envelopes").inc(7)
    container.new_timer(CONTAINER_GROUP, "commit-ns").update(4000)
    container.new_timer(CONTAINER_GROUP, "commit-ns").update(2000)
    task = MetricsRegistryMap("TaskName-Partition 0")
    task.new_counter(TASK_GROUP, "process-calls").inc(3)
    task.new_gauge(TASK_GROUP, "kafka-wikipedia-raw-0-offset", "41")
    return container, task


def test_snapshot_reporter_sends_samzas_json_per_registry_keyed_by_host_and_flushes() -> None:
    producer = RecordingProducer()
    stream = SystemStream("kafka", "metrics")
    reporter = MetricsSnapshotReporter("snapshot", header(), stream, producer, MetricsSnapshotSerde(), 60,
                                       clock_ms=lambda: 1_700_000_000_000)
    container, task = registries()
    reporter.register(container.source, container)
    reporter.register(task.source, task)
    reporter.report()

    assert producer.flushes == 1
    assert [(s[1], s[2], s[3]) for s in producer.sent] == [(stream, "node-1", None)] * 2
    first, second = (json.loads(s[4]) for s in producer.sent)
    assert set(first) == {"header", "metrics"}
    assert set(first["header"]) == set(HEADER_FIELDS)
    assert first["header"]["source"] == "samza-container-0"
    assert second["header"]["source"] == "TaskName-Partition 0"
    assert first["header"]["time"] == 1_700_000_000_000
    assert first["header"]["job-name"] == "wikipedia-parser"
    # Counters as counts, timers as their average, gauges as values.
    assert first["metrics"] == {CONTAINER_GROUP: {"process-envelopes": 7, "commit-ns": 3000.0}}
    assert second["metrics"] == {TASK_GROUP: {"process-calls": 3, "kafka-wikipedia-raw-0-offset": "41"}}


def test_snapshot_reporter_fires_on_its_interval_and_once_more_at_stop() -> None:
    producer = RecordingProducer()
    reporter = MetricsSnapshotReporter("snapshot", header(), SystemStream("kafka", "metrics"), producer,
                                       MetricsSnapshotSerde(), 0.05)
    container, _task = registries()
    counter = container.new_counter(CONTAINER_GROUP, "process-envelopes")
    reporter.register(container.source, container)
    reporter.start()
    assert producer.started
    wait_until(lambda: reporter.rounds >= 2)
    counter.inc(100)
    rounds = reporter.rounds
    reporter.stop()
    assert producer.stopped
    assert reporter.rounds > rounds  # the final round at stop
    counts = [json.loads(s[4])["metrics"][CONTAINER_GROUP]["process-envelopes"] for s in producer.sent]
    assert counts[0] == 7 and counts[-1] == 107
    assert counts == sorted(counts)


def test_snapshot_factory_needs_a_stream_and_uses_the_streams_serde() -> None:
    base = {"job.name": "j", "metrics.reporters": "snapshot",
            "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
            "systems.fake.samza.factory": "tests.test_metrics_reporters.RecordingSystemFactory"}
    with pytest.raises(ConfigException) as info:
        MetricsSnapshotReporterFactory().get_metrics_reporter("snapshot", "samza-container-0", Config(base))
    assert info.value.key == "metrics.reporter.snapshot.stream"
    assert any(p.key == "metrics.reporter.snapshot.stream" for p in validate(Config({
        **base, "task.class": "x.Y", "task.inputs": "fake.in",
        "job.factory.class": "samza_py.job.local.ThreadJobFactory",
    })))
    reporter = MetricsSnapshotReporterFactory().get_metrics_reporter(
        "snapshot", "samza-container-3", Config({**base, "metrics.reporter.snapshot.stream": "fake.metrics",
                                                 "metrics.reporter.snapshot.interval": "5"}))
    assert reporter._interval_s == 5
    assert reporter._stream == SystemStream("fake", "metrics")
    assert reporter._header["container-name"] == "samza-container-3"


class RecordingSystemFactory:
    def get_producer(self, system: str, config: Config, registry: Any) -> RecordingProducer:
        return RecordingProducer()


def scrape(url: str) -> dict[tuple[str, str, str], float]:
    """(sample name, group, source) → value."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, sample.labels.get("group", ""), sample.labels.get("source", ""))] = sample.value
    return out


def test_prometheus_endpoint_serves_the_registries_live_under_samza_names() -> None:
    reporter = PrometheusReporter("jmx", "wikipedia-parser-1", "samza-container-0", "127.0.0.1", 0, "127.0.0.1")
    container, task = registries()
    reporter.register(container.source, container)
    reporter.start()
    try:
        assert reporter.url == f"http://127.0.0.1:{reporter.port}/metrics"
        reporter.register(task.source, task)  # registries may arrive after start (tasks come after metrics)
        samples = scrape(reporter.url)
        assert samples[("samza_process_envelopes_total", CONTAINER_GROUP, "samza-container-0")] == 7
        assert samples[("samza_process_calls_total", TASK_GROUP, "TaskName-Partition 0")] == 3
        assert samples[("samza_commit_ns", CONTAINER_GROUP, "samza-container-0")] == 3000
        assert samples[("samza_kafka_wikipedia_raw_0_offset", TASK_GROUP, "TaskName-Partition 0")] == 41
        container.new_counter(CONTAINER_GROUP, "process-envelopes").inc(5)
        assert scrape(reporter.url)[("samza_process_envelopes_total", CONTAINER_GROUP, "samza-container-0")] == 12
    finally:
        reporter.stop()


def test_jmx_reporter_name_resolves_to_the_prometheus_endpoint_on_the_configured_port() -> None:
    assert resolve_class("org.apache.samza.metrics.reporter.JmxReporterFactory") is PrometheusReporterFactory
    config = Config({"job.name": "j", "metrics.reporters": "jmx",
                     "metrics.reporter.jmx.class": "org.apache.samza.metrics.reporter.JmxReporterFactory",
                     "metrics.reporter.jmx.host": "127.0.0.1"})
    reporters = build_reporters(config, "samza-container-0")
    jmx = reporters["jmx"]
    assert isinstance(jmx, PrometheusReporter)
    jmx.start()
    try:
        assert jmx.port and jmx.port > 0  # port 0 (the default) means any free port
    finally:
        jmx.stop()
    assert prometheus_name("kafka-wiki.raw-0-messages-behind-high-watermark") == (
        "samza_kafka_wiki_raw_0_messages_behind_high_watermark")


def test_build_reporters_names_the_missing_or_wrong_class_key() -> None:
    with pytest.raises(ConfigException) as info:
        build_reporters(Config({"metrics.reporters": "a"}), "samza-container-0")
    assert info.value.key == "metrics.reporter.a.class"
    with pytest.raises(ConfigException) as info:
        build_reporters(Config({"metrics.reporters": "a", "metrics.reporter.a.class": "tests.fakes.FakeWorld"}),
                        "samza-container-0")
    assert info.value.key == "metrics.reporter.a.class"


class CapturingReporter(MetricsReporter):
    instances: ClassVar[list[CapturingReporter]] = []

    def __init__(self) -> None:
        self.registries: dict[str, MetricsRegistryMap] = {}
        self.events: list[str] = []
        self.instances.append(self)

    def register(self, source: str, registry: MetricsRegistryMap) -> None:
        self.registries[source] = registry
        self.events.append(f"register {source}")

    def start(self) -> None:
        self.events.append("start")

    def stop(self) -> None:
        self.events.append("stop")


class CapturingReporterFactory(MetricsReporterFactory):
    def get_metrics_reporter(self, name: str, container_name: str, config: Config) -> MetricsReporter:
        return CapturingReporter()


def test_a_container_reports_samzas_metrics_for_itself_and_each_task(
    world: FakeWorld, monkeypatch: pytest.MonkeyPatch  # noqa: F811 - the imported fixture
) -> None:
    monkeypatch.setattr(CapturingReporter, "instances", [])
    monkeypatch.setitem(container_tests.CONFIG, "metrics.reporters", "cap")
    monkeypatch.setitem(container_tests.CONFIG, "metrics.reporter.cap.class",
                        "tests.test_metrics_reporters.CapturingReporterFactory")
    monkeypatch.setitem(container_tests.CONFIG, "metrics.timer.enabled", "true")
    container_tests.script(world)
    container_tests.ScriptedTask.stop_at = (container_tests.P1, "x-0", "6")
    container_tests.container().run()

    (reporter,) = CapturingReporter.instances
    # Started before any task registry exists (restores are visible), stopped last.
    assert reporter.events == ["register samza-container-0", "start", "register TaskName-Partition 0",
                               "register TaskName-Partition 1", "stop"]
    c = reporter.registries["samza-container-0"].snapshot()[CONTAINER_GROUP]
    assert c["process-envelopes"] == 8  # 3 on a-0/a-1 and 5 on the broadcast x-0
    # Partition 0: a-0 5..6 and x-0 2..6; Partition 1: a-1 0 and x-0 6 (it had checkpointed x-0 at 5).
    assert c["process-calls"] == 9
    assert c["commit-calls"] == 2 and c["process-ns"] > 0 and c["commit-ns"] > 0
    assert c["container-startup-time"] > 0
    assert {"Partition 0-restore-time", "Partition 1-restore-time"} <= set(c)
    p0 = reporter.registries["TaskName-Partition 0"].snapshot()
    assert p0[TASK_GROUP]["process-calls"] == 7
    assert p0[TASK_GROUP]["fake-a-0-offset"] == "6"
    assert p0["org.apache.samza.checkpoint.OffsetManagerMetrics"]["fake-x-0-checkpointed-offset"] == "6"


class StuckProducer(RecordingProducer):
    """A broker that is away: flush never returns until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def flush(self, source: str) -> None:
        self.release.wait()
        super().flush(source)


def test_a_stuck_last_snapshot_does_not_hold_up_the_stop(caplog: pytest.LogCaptureFixture) -> None:
    producer = StuckProducer()
    reporter = MetricsSnapshotReporter("snapshot", header(), SystemStream("kafka", "metrics"), producer,
                                       MetricsSnapshotSerde(), 60)
    reporter.start()
    started = time.monotonic()
    reporter.stop(timeout_s=0.2)
    assert time.monotonic() - started < 5
    assert "did not send its last snapshot" in caplog.text
    producer.release.set()  # the broker is back: the last round completes and the producer stops
    wait_until(lambda: producer.stopped)
