"""A high-level application on YARN: the page-view counter submitted by run-job to the real ResourceManager,
its panes exact, and the AM's status page showing its operator graph with counts that match the input and
output, and the job's throughput and lag over time."""

from __future__ import annotations

import json
import random
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from .conftest import ROOT
from .jobs import count_messages, create_topic, read_topic, run_job, wait_for
from .test_high_level_api import produce_views
from .test_yarn_job import YARN, wait_for_state

CONFIG = ROOT / "config" / "page-view-counter.properties"


def status_of(tracking_url: str) -> dict[str, Any] | None:
    url = urllib.parse.urljoin(tracking_url, "./pages/samza/api/status")
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            status: dict[str, Any] = json.loads(response.read())
            return status
    except (OSError, ValueError):
        return None  # the AM has not added its page yet


def test_page_view_counter_on_yarn_counts_exactly_and_its_page_draws_the_operator_graph(
    skein_client: Any, unique: str, tmp_path: Path
) -> None:
    views_topic, counts_topic, job = f"{unique}-views", f"{unique}-counts", f"hl-{unique}"
    create_topic(views_topic, 2)
    expected = produce_views(views_topic, 600, random.Random(16))
    overrides = {
        "job.factory.class": YARN, "job.name": job, "job.container.count": "2",
        "yarn.am.container.memory.mb": "512", "cluster-manager.container.memory.mb": "384",
        "yarn.am.poll.interval.ms": "500", "pageviews.window.ms": "2000", "task.commit.ms": "500",
        "metrics.reporters": "jmx",
        "metrics.reporter.jmx.class": "org.apache.samza.metrics.reporter.JmxReporterFactory",
        "streams.page-views.samza.physical.name": views_topic,
        "streams.page-view-counts.samza.physical.name": counts_topic,
    }
    result = run_job(CONFIG, *[f"{k}={v}" for k, v in overrides.items()], cwd=tmp_path, timeout_s=120)
    assert result.returncode == 0, result.stderr[-3000:]
    report = wait_for_state(skein_client, f"{job}_1", {"RUNNING"})  # YARN names it <job.name>_<job.id>
    try:
        def counted() -> Counter[str]:
            if count_messages(counts_topic) == 0:
                return Counter()
            totals: Counter[str] = Counter()
            for message in read_topic(counts_topic):
                pane = json.loads(message.value())
                totals[pane["member"]] += pane["count"]
            return totals

        wait_for(lambda: sum(counted().values()) >= 600, 180, "panes covering all 600 views")
        assert counted() == expected  # every view in exactly one pane, per member
        panes = count_messages(counts_topic)

        def operators() -> dict[str, Any]:
            status = status_of(report.tracking_url) or {}
            return {op["name"]: op for op in status.get("operators", [])}

        # The AM scrapes the containers' metrics every 2 s: wait for counts that cover everything.
        wait_for(lambda: (operators().get("send_to-1") or {}).get("messages") == panes, 60,
                 f"the page's send_to count to reach the {panes} panes")
        ops = operators()
        assert list(ops) == ["input-page-views", "window-count-per-member", "map-0", "send_to-1"]
        assert ops["input-page-views"]["messages"] == 600
        assert ops["window-count-per-member"]["messages"] == 600
        assert ops["map-0"]["messages"] == panes
        assert ops["input-page-views"]["next"] == [f"{job}-1-window-count-per-member"]
        def history() -> list[dict[str, Any]]:
            return list((status_of(report.tracking_url) or {}).get("history", []))

        # A throughput needs two scrapes of a container; the lag is known from the first.
        wait_for(lambda: any(p["throughput"] is not None for p in history()), 30, "a throughput in the history")
        points = history()
        assert len(points) >= 2 and all(p["t"] > 0 for p in points)
        assert points[-1]["lag"] == 0  # both partitions read to their end
        assert [p["t"] for p in points] == sorted(p["t"] for p in points)
    finally:
        skein_client.kill_application(report.id)
