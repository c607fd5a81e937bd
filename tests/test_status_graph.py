"""The status page's operator graph (with per-operator counts from the tasks' metrics) and its history of
throughput and lag."""

from __future__ import annotations

from samza_py.application.config_generator import with_application_config
from samza_py.application.graph_view import operator_nodes
from samza_py.appmaster.job_status import JobState, MetricsScraper, Samples, Scrape, build_status
from samza_py.appmaster.status_history import StatusHistory
from samza_py.config.config import Config

APP_CONFIG = with_application_config(Config({
    "job.name": "pvc", "job.id": "1", "app.class": "samza_py.examples.pageviews.app.PageViewCounterApp",
    "systems.kafka.producer.bootstrap.servers": "127.0.0.1:9092",
}))
WINDOW = "pvc-1-window-count-per-member"


def test_the_graph_of_an_application_names_each_operator_and_where_its_output_goes() -> None:
    nodes = {node.op_id: node for node in operator_nodes(APP_CONFIG)}

    assert [(n.name, n.kind) for n in nodes.values()] == [
        ("input-page-views", "input"), ("window-count-per-member", "window"), ("map-0", "map"),
        ("send_to-1", "send_to")]
    assert nodes["pvc-1-input-page-views"].next == (WINDOW,)
    assert nodes[WINDOW].next == ("pvc-1-map-0",)
    assert nodes["pvc-1-send_to-1"].next == ()
    assert "keyed tumbling window of 10000 ms" in nodes[WINDOW].description


def test_a_low_level_job_or_an_application_that_cannot_be_described_has_no_graph() -> None:
    assert operator_nodes(Config({"job.name": "j", "task.class": "x.Task"})) == []
    broken = Config({**APP_CONFIG, "app.class": "samza_py.examples.pageviews.app.NoSuchApp"})
    assert operator_nodes(broken) == []


def test_operator_counts_are_summed_over_the_tasks_of_every_container() -> None:
    rounds: dict[str, Samples] = {
        "http://a/metrics": {("samza_pvc_1_input_page_views_messages_total", "TaskName-Partition 0"): 7,
                             ("samza_pvc_1_window_count_per_member_messages_total", "TaskName-Partition 0"): 7},
        "http://b/metrics": {("samza_pvc_1_input_page_views_messages_total", "TaskName-Partition 1"): 5,
                             ("samza_pvc_1_window_count_per_member_messages_total", "TaskName-Partition 1"): 5,
                             ("samza_pvc_1_map_0_messages_total", "TaskName-Partition 1"): 2},
    }
    scraper = MetricsScraper(fetch=lambda url: rounds[url])
    scraper.targets = {"0": "http://a/metrics", "1": "http://b/metrics"}
    scraper.scrape_once()

    status = build_status(JobState("pvc", "1", None), None, APP_CONFIG, scraper.scrapes,
                          operators=operator_nodes(APP_CONFIG))

    counts = {op["name"]: op["messages"] for op in status["operators"]}
    assert counts == {"input-page-views": 12, "window-count-per-member": 12, "map-0": 2, "send_to-1": None}
    assert status["operators"][0]["next"] == [WINDOW]


def scrape(at: float, envelopes: float, behind: list[float], before: tuple[float, float] | None = None) -> Scrape:
    samples: Samples = {("samza_process_envelopes_total", "samza-container-0"): envelopes}
    for partition, lag in enumerate(behind):
        samples[(f"samza_kafka_views_{partition}_messages_behind_high_watermark", "samza-container-0")] = lag
    if before is None:
        return Scrape("u", at, samples)
    return Scrape("u", at, samples, before[0], {("samza_process_envelopes_total", "samza-container-0"): before[1]})


def test_history_keeps_the_jobs_throughput_and_lag_of_the_last_fifteen_minutes() -> None:
    history = StatusHistory()
    first = history.record(1_000, {"0": scrape(1.0, 100, [30, 12])})
    assert (first.throughput, first.lag) == (None, 42)  # one scrape: no rate yet
    second = history.record(3_000, {"0": scrape(3.0, 300, [0, 2], before=(1.0, 100))})
    assert (second.throughput, second.lag) == (100.0, 2)
    history.record(3_000 + 15 * 60 * 1000, {})
    points = history.points()
    assert [p.at_ms for p in points] == [3_000, 3_000 + 15 * 60 * 1000]  # the first fell out of the window
    assert points[-1].to_json() == {"t": 3_000 + 15 * 60 * 1000, "throughput": None, "lag": None}


def test_each_scrape_round_adds_a_point_and_the_status_carries_the_history() -> None:
    history = StatusHistory()
    now = [10.0]
    scraper = MetricsScraper(fetch=lambda url: {("samza_process_envelopes_total", "samza-container-0"): now[0] * 50},
                             clock=lambda: now[0], on_scrape=lambda s: history.record(int(now[0] * 1000), s))
    scraper.targets = {"0": "http://a/metrics"}
    scraper.scrape_once()
    now[0] = 12.0
    scraper.scrape_once()

    status = build_status(JobState("j", "1", None), None, Config({"job.name": "j"}), scraper.scrapes,
                          history=history.points())
    assert status["history"] == [{"t": 10_000, "throughput": None, "lag": None},
                                 {"t": 12_000, "throughput": 50.0, "lag": None}]
    assert status["operators"] == []


def test_the_status_command_lists_each_operator_with_its_count() -> None:
    from samza_py.job.status_summary import render_status

    status = {"containers": [], "operators": [
        {"id": "pvc-1-input-page-views", "messages": 1200, "next": [WINDOW]},
        {"id": WINDOW, "messages": None, "next": []},
    ]}
    assert render_status(status).splitlines() == [
        "no containers yet", "operators (messages taken, all tasks):",
        f"  pvc-1-input-page-views: 1,200 -> {WINDOW}", f"  {WINDOW}: ?"]
