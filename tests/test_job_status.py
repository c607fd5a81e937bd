"""The AM's job status: processor states, restarts and exit statuses, metrics scraped from containers."""

from __future__ import annotations

from typing import Any

from samza_py.api import SystemStreamPartition
from samza_py.appmaster.job_status import JobState, MetricsScraper, ProcessorState, Samples, build_status
from samza_py.config.config import Config
from samza_py.job.model import ContainerModel, JobModel, TaskModel
from samza_py.job.status_summary import render_status
from samza_py.metrics.prometheus_reporter import PrometheusReporter
from samza_py.metrics.registry import MetricsRegistryMap
from tests.test_appmaster import FakeApp, FakeContainer, make_am

CONFIG = Config({"job.name": "wiki", "stores.counts.factory": "x.Y"})
A0 = SystemStreamPartition.of("kafka", "edits", 0)
A1 = SystemStreamPartition.of("kafka", "edits", 1)
MODEL = JobModel({}, {
    "0": ContainerModel("0", {"Partition 0": TaskModel("Partition 0", frozenset({A0}), 0)}),
    "1": ContainerModel("1", {"Partition 1": TaskModel("Partition 1", frozenset({A1}), 1)}),
})


def container_samples(envelopes: float, processed: float, behind: float, restored: float, done: int) -> Samples:
    return {
        ("samza_process_envelopes_total", "samza-container-0"): envelopes,
        ("samza_kafka_edits_0_messages_behind_high_watermark", "samza-container-0"): behind,
        ("samza_messages_actually_processed_total", "TaskName-Partition 0"): processed,
        ("samza_counts_restored_messages_total", "TaskName-Partition 0"): restored,
        ("samza_counts_restore_total", "TaskName-Partition 0"): 400,
        ("samza_counts_restore_done", "TaskName-Partition 0"): done,
    }


def test_scraped_metrics_give_lag_throughput_and_restore_progress_per_task() -> None:
    now = [10.0]
    rounds = [container_samples(100, 90, 50, 100, 0), container_samples(300, 280, 0, 400, 1)]
    fetched: list[str] = []

    def fetch(url: str) -> Samples:
        fetched.append(url)
        return rounds.pop(0)

    scraper = MetricsScraper(fetch=fetch, clock=lambda: now[0])
    scraper.targets = {"0": "http://node:1/metrics"}
    scraper.scrape_once()
    job = JobState("wiki", "1", "application_1_0001",
                   processors={"0": ProcessorState("samza-container-0_0", "RUNNING", "node", 0, None,
                                                   "http://node:1/metrics")})
    first = build_status(job, MODEL, CONFIG, scraper.scrapes, now_ms=5)
    task = first["containers"][0]["tasks"][0]
    assert (task["lag"], task["processed"], task["throughput"]) == (50, 90, None)  # no rate from one scrape
    assert task["restore"] == {"counts": {"restored": 100, "total": 400, "done": False}}

    now[0] = 12.0
    scraper.scrape_once()
    status = build_status(job, MODEL, CONFIG, scraper.scrapes, now_ms=7)
    c0, c1 = status["containers"]
    assert status["job"] == {"name": "wiki", "id": "1", "app_id": "application_1_0001", "state": "RUNNING",
                             "updated_ms": 7, "message": None}
    assert (c0["process_envelopes"], c0["throughput"]) == (300, 100.0)
    assert c0["mode"] == "active"
    assert c0["tasks"][0] == {"name": "Partition 0", "mode": "active", "partitions": ["kafka.edits.0"], "lag": 0,
                              "processed": 280,
                              "throughput": 95.0, "restore": {"counts": {"restored": 400, "total": 400,
                                                                         "done": True}}}
    # Processor 1 has no container and no metrics yet: unknowns are None, not zero.
    assert (c1["state"], c1["process_envelopes"], c1["tasks"][0]["lag"]) == ("REQUESTED", None, None)
    assert fetched == ["http://node:1/metrics"] * 2


def test_a_failed_scrape_forgets_the_numbers_and_a_new_container_starts_its_rates_over() -> None:
    now = [0.0]
    answers: list[Any] = [container_samples(10, 10, 0, 0, 1), OSError("refused"),
                          container_samples(20, 20, 0, 0, 1), container_samples(50, 50, 0, 0, 1)]

    def fetch(url: str) -> Samples:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    scraper = MetricsScraper(fetch=fetch, clock=lambda: now[0])
    scraper.targets = {"0": "http://node:1/metrics"}
    scraper.scrape_once()
    scraper.scrape_once()
    assert "0" not in scraper.scrapes
    scraper.targets = {"0": "http://node:2/metrics"}
    now[0] = 1.0
    scraper.scrape_once()
    assert scraper.scrapes["0"].rate("samza_process_envelopes_total", "samza-container-0") is None
    now[0] = 2.0
    scraper.scrape_once()
    assert scraper.scrapes["0"].rate("samza_process_envelopes_total", "samza-container-0") == 30.0


def test_the_am_tracks_state_restarts_and_exit_status_per_processor() -> None:
    app, now = FakeApp(), [100.0]
    am = make_am(app, now)
    assert am.job_state.processors["0"].state == "REQUESTED"
    app.kv["exit/samza-container-0_0"] = b"137"
    am.on_finished("0", FakeContainer("samza-container-0", 0, "FAILED", "Container failed during execution"))
    app.kv["exit/samza-container-1_0"] = b"0"
    am.on_finished("1", FakeContainer("samza-container-1", 0, "SUCCEEDED"))
    p0, p1 = am.job_state.processors["0"], am.job_state.processors["1"]
    assert (p0.container, p0.state, p0.restarts, p0.last_exit_status) == ("samza-container-0_1", "REQUESTED", 1, "137")
    assert (p1.state, p1.restarts, p1.last_exit_status) == ("COMPLETED", 0, "0")


def test_the_am_learns_a_containers_host_and_metrics_url() -> None:
    # The container records its own locality (host, metrics URL) in the coordinator stream; the AM only shows it.
    app, now = FakeApp(), [0.0]
    am = make_am(app, now)
    am.expects_metrics_urls = True  # as with metrics.reporters set
    app.containers["samza-container-0_0"] = FakeContainer("samza-container-0", 0, "RUNNING",
                                                          yarn_node_http_address="node-3:8042")
    am.watch_once()
    app.kv["metrics-url/samza-container-0_0"] = b"http://node-3:41234/metrics"
    am.watch_once()
    am.watch_once()
    assert am.scraper.targets == {"0": "http://node-3:41234/metrics"}
    p0 = am.job_state.processors["0"]
    assert (p0.state, p0.host, p0.metrics_url) == ("RUNNING", "node-3", "http://node-3:41234/metrics")


def test_a_real_prometheus_endpoint_feeds_the_status() -> None:
    registry = MetricsRegistryMap("samza-container-0")
    registry.new_counter("org.apache.samza.container.SamzaContainerMetrics", "process-envelopes").inc(42)
    registry.new_gauge("org.apache.samza.system.kafka.KafkaSystemConsumerMetrics",
                       "kafka-edits-0-messages-behind-high-watermark", 9)
    reporter = PrometheusReporter("jmx", "wiki-1", "samza-container-0", "127.0.0.1", 0, "127.0.0.1")
    reporter.register(registry.source, registry)
    reporter.start()
    try:
        assert reporter.url is not None
        scraper = MetricsScraper()
        scraper.targets = {"0": reporter.url}
        scraper.scrape_once()
    finally:
        reporter.stop()
    status = build_status(JobState("wiki", "1", None), MODEL, CONFIG, scraper.scrapes)
    c0 = status["containers"][0]
    assert (c0["process_envelopes"], c0["tasks"][0]["lag"]) == (42, 9)


def test_status_summary_text_names_containers_tasks_lag_and_restore() -> None:
    text = render_status({"containers": [{
        "id": "0", "yarn_container": "samza-container-0_1", "host": "node", "state": "RUNNING", "restarts": 1,
        "last_exit_status": "137", "process_envelopes": 1234, "throughput": 12.5,
        "tasks": [{"name": "Partition 0", "partitions": ["kafka.edits.0"], "lag": 0, "processed": 1200,
                   "throughput": 12.0, "restore": {"counts": {"restored": 50, "total": 200, "done": False}}}],
    }]})
    assert text.splitlines() == [
        "container 0: RUNNING on node (samza-container-0_1), restarts 1, last exit status 137, 1,234 envelopes, "
        "12.5 msg/s",
        "  Partition 0: kafka.edits.0; lag 0, processed 1,200, 12.0 msg/s; counts 50/200 (25%)",
    ]


def test_a_container_no_longer_scraped_shows_no_numbers_of_its_predecessor() -> None:
    scraper = MetricsScraper(fetch=lambda url: container_samples(100, 90, 50, 100, 1), clock=lambda: 1.0)
    scraper.targets = {"0": "http://node:1/metrics"}
    scraper.scrape_once()
    assert "0" in scraper.scrapes
    scraper.targets = {}  # restarted: its new container has not published its endpoint yet
    scraper.scrape_once()
    assert scraper.scrapes == {}
