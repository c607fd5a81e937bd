"""The AM's status page in headless Chromium: it renders the status and follows it as it changes."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from samza_py.appmaster.status_server import StatusServer

from .browser import open_browser, save_screenshot

TIMEOUT_MS = 15_000  # the page polls every 2 s


def task(name: str, partition: int, lag: int | None, processed: int | None, restore: dict) -> dict:
    return {"name": name, "partitions": [f"kafka.wikipedia-raw.{partition}"], "lag": lag, "processed": processed,
            "throughput": 12.25 if processed else None, "restore": restore}


INITIAL: dict[str, Any] = {
    "job": {"name": "wikipedia-stats", "id": "1", "app_id": "application_1_0007", "state": "RUNNING",
            "updated_ms": 1_700_000_000_000, "message": None},
    "containers": [
        {"id": "0", "yarn_container": "container_1_0007_01_000002", "host": "node1", "state": "RUNNING",
         "restarts": 0, "last_exit_status": None, "metrics_url": None, "process_envelopes": 1234,
         "throughput": 24.5,
         "tasks": [task("Partition 0", 0, 17, 1234, {"stats": {"restored": 250, "total": 1000, "done": False}})]},
        {"id": "1", "yarn_container": None, "host": None, "preferred_host": "node2", "state": "REQUESTED",
         "restarts": 0, "last_exit_status": None, "metrics_url": None, "process_envelopes": None, "throughput": None,
         "tasks": [task("Partition 1", 1, None, None, {})]},
    ],
}


class FakeStatus:
    """What the AM would report; the test changes it while the page is open."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value = copy.deepcopy(INITIAL)
        self.error: str | None = None

    def __call__(self) -> dict:
        with self.lock:
            if self.error:
                raise RuntimeError(self.error)
            value = copy.deepcopy(self.value)
        value["job"]["updated_ms"] = int(time.time() * 1000)
        return value

    def restart_container_0(self) -> None:
        with self.lock:
            c0 = self.value["containers"][0]
            c0.update(restarts=1, last_exit_status="137", yarn_container="container_1_0007_01_000004")
            c0["tasks"][0]["restore"]["stats"] = {"restored": 1000, "total": 1000, "done": True}
            c1 = self.value["containers"][1]
            c1.update(state="RUNNING", host="node2", yarn_container="container_1_0007_01_000003")


@pytest.fixture
def status() -> FakeStatus:
    return FakeStatus()


@pytest.fixture
def page_url(status: FakeStatus) -> Iterator[str]:
    server = StatusServer(status)
    url = server.start(host="127.0.0.1")
    yield url
    server.stop()


@pytest.fixture
def page() -> Iterator[Page]:
    with open_browser() as p:
        yield p


def field(page: Page, row: str, name: str) -> Any:
    return page.locator(f'{row} [data-field="{name}"]')


def test_status_page_renders_containers_and_tasks_and_follows_changes(
    page: Page, page_url: str, status: FakeStatus
) -> None:
    page.goto(page_url)
    c0, c1 = '[data-container="0"]', '[data-container="1"]'
    t0, t1 = '[data-task="Partition 0"]', '[data-task="Partition 1"]'
    expect(page.locator("#job-name")).to_have_text("wikipedia-stats", timeout=TIMEOUT_MS)
    expect(page.locator("#app-id")).to_have_text("application_1_0007")
    expect(page.locator("#job-state")).to_have_text("RUNNING")
    expect(field(page, c0, "state")).to_have_text("RUNNING")
    expect(field(page, c0, "host")).to_have_text("node1")
    expect(field(page, c0, "restarts")).to_have_text("0")
    expect(field(page, c0, "process_envelopes")).to_have_text("1,234")
    expect(field(page, c0, "throughput")).to_have_text("24.5")
    expect(field(page, c1, "state")).to_have_text("REQUESTED")
    expect(field(page, c1, "yarn_container")).to_have_text("\u2014")
    expect(field(page, c1, "host")).to_have_text("asked for node2")  # host affinity: not running yet
    expect(field(page, t0, "partitions")).to_have_text("kafka.wikipedia-raw.0")
    expect(field(page, t0, "lag")).to_have_text("17")
    expect(field(page, t0, "processed")).to_have_text("1,234")
    expect(field(page, t0, "restore")).to_have_text("stats: 250/1,000 (25%)")
    expect(field(page, t1, "lag")).to_have_text("\u2014")
    # Each task sits under its own container.
    expect(page.locator('[data-tasks-of="1"] [data-task]')).to_have_count(1)
    expect(page.locator('[data-tasks-of="1"] [data-task="Partition 1"]')).to_be_visible()
    save_screenshot(page, "status-page-initial")

    status.restart_container_0()
    expect(field(page, c0, "restarts")).to_have_text("1", timeout=TIMEOUT_MS)
    expect(field(page, c0, "last_exit_status")).to_have_text("137")
    expect(field(page, t0, "restore")).to_have_text("stats: done")
    expect(field(page, c1, "state")).to_have_text("RUNNING")
    expect(field(page, c1, "host")).to_have_text("node2")
    expect(page.locator("#error")).to_be_hidden()
    save_screenshot(page, "status-page-restarted")

    # The AM failing to report shows an error and keeps the last status; the page recovers by itself.
    status.error = "job model not ready"
    expect(page.locator("#error")).to_contain_text("job model not ready", timeout=TIMEOUT_MS)
    expect(field(page, c0, "restarts")).to_have_text("1")
    save_screenshot(page, "status-page-error")
    status.error = None
    expect(page.locator("#error")).to_be_hidden(timeout=TIMEOUT_MS)


def test_status_page_works_under_a_proxy_prefix_without_a_trailing_slash(page: Page, page_url: str) -> None:
    """Through the RM, the page may be opened as .../pages/samza (no slash); the API is still found."""
    requested: list[str] = []
    prefix = "http://rm.invalid/proxy/application_1_0007/pages/samza"

    def forward(route: Any) -> None:
        path = route.request.url.removeprefix(prefix)
        requested.append(path)
        route.fulfill(response=page.request.fetch(page_url + path.lstrip("/")))

    page.route("http://rm.invalid/**", forward)
    page.goto(prefix)
    expect(field(page, '[data-container="0"]', "state")).to_have_text("RUNNING", timeout=TIMEOUT_MS)
    assert "/api/status" in requested


def page_view_graph(counts: list[int | None]) -> list[dict]:
    ids = ["pvc-1-input-page-views", "pvc-1-window-count-per-member", "pvc-1-map-0", "pvc-1-send_to-1"]
    kinds = ["input", "window", "map", "send_to"]
    pairs = enumerate(zip(ids, kinds, strict=True))
    return [{"id": op_id, "name": op_id.removeprefix("pvc-1-"), "kind": kind, "description": op_id,
             "next": ids[i + 1:i + 2], "messages": counts[i]} for i, (op_id, kind) in pairs]


def test_status_page_draws_the_operator_graph_with_counts_and_charts_of_throughput_and_lag(
    page: Page, page_url: str, status: FakeStatus
) -> None:
    now = int(time.time() * 1000)
    with status.lock:
        status.value["operators"] = page_view_graph([1200, 1200, 40, None])
        # A point every 2 s for 10 minutes, the first without a rate (one scrape), then a gap (no scrape).
        history = [{"t": now - 600_000 + 2000 * i, "throughput": None if i == 0 else 100.0 + i,
                    "lag": 500 - i} for i in range(300)]
        history[150].update(throughput=None, lag=None)
        status.value["history"] = history
    page.goto(page_url)
    graph = page.locator("#operator-graph")
    expect(graph.locator("g[data-op]")).to_have_count(4, timeout=TIMEOUT_MS)
    expect(graph.locator('g[data-op="pvc-1-input-page-views"]')).to_have_attribute("data-messages", "1200")
    expect(graph.locator('g[data-op="pvc-1-map-0"]')).to_contain_text("map \u00b7 40 messages")
    expect(graph.locator('g[data-op="pvc-1-send_to-1"]')).to_contain_text("send_to \u00b7 \u2014 messages")
    # One edge per link of the chain, each pointing right: a later operator sits in a column further right.
    expect(graph.locator("path[data-edge]")).to_have_count(3)
    xs = [float(page.locator(f'g[data-op="{op}"] rect').get_attribute("x") or "nan")
          for op in ("pvc-1-input-page-views", "pvc-1-window-count-per-member", "pvc-1-map-0")]
    assert xs == sorted(xs) and len(set(xs)) == 3
    throughput, lag = page.locator("#chart-throughput"), page.locator("#chart-lag")
    expect(throughput).to_have_attribute("data-points", "298")  # 300 less the first (no rate) and the gap
    expect(lag).to_have_attribute("data-points", "299")
    expect(throughput.locator("polyline")).to_have_count(2)  # the gap splits the line
    expect(page.locator("#chart-lag-now")).to_have_text("201")
    expect(page.locator("#chart-throughput-now")).to_have_text("399.0")
    save_screenshot(page, "status-page-operator-graph")

    # Counts follow the tasks' metrics.
    with status.lock:
        status.value["operators"] = page_view_graph([1500, 1500, 55, 55])
    expect(graph.locator('g[data-op="pvc-1-send_to-1"]')).to_have_attribute("data-messages", "55",
                                                                             timeout=TIMEOUT_MS)


def test_a_job_without_an_application_shows_no_operator_graph(page: Page, page_url: str) -> None:
    page.goto(page_url)
    expect(page.locator("#job-name")).to_have_text("wikipedia-stats", timeout=TIMEOUT_MS)
    expect(page.locator("#operators-section")).to_be_hidden()
    expect(page.locator("#chart-throughput")).to_have_attribute("data-points", "0")
    expect(page.locator("#chart-lag-now")).to_have_text("\u2014")


def test_standby_containers_are_marked_and_show_their_changelog_lag(page: Page, status: FakeStatus) -> None:
    with status.lock:
        status.value["containers"].append(
            {"id": "0-0", "yarn_container": "container_1_0007_01_000005", "host": "node3", "state": "RUNNING",
             "restarts": 0, "last_exit_status": None, "metrics_url": None, "process_envelopes": None,
             "throughput": None, "mode": "standby",
             "tasks": [{"name": "Standby-Partition 0-0", "mode": "standby", "partitions": [], "lag": 42,
                        "standby_lag": {"stats": 42}, "processed": None, "throughput": None, "restore": {}}]})
        status.value["failovers_to_standby"] = 0
    server = StatusServer(status)
    url = server.start(host="127.0.0.1")
    try:
        page.goto(url)
        standby, copy = '[data-container="0-0"]', '[data-task="Standby-Partition 0-0"]'
        expect(page.locator(standby)).to_have_attribute("data-mode", "standby", timeout=TIMEOUT_MS)
        expect(field(page, standby, "id")).to_have_text("0-0 (standby)")
        expect(field(page, copy, "partitions")).to_have_text("standby copy (changelog lag)")
        expect(field(page, copy, "lag")).to_have_text("42")
        expect(page.locator('[data-container="0"]')).to_have_attribute("data-mode", "active")
    finally:
        server.stop()
