"""The AM's status page on YARN, in headless Chromium: from the RM's tracking URL to every container and
task, and a container killed with SIGKILL seen coming back."""

from __future__ import annotations

import json
import os
import signal
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.wikipedia_data import wikipedia_events

from .browser import open_browser, save_screenshot
from .jobs import create_topic, produce_round_robin, run_job, wait_for
from .test_yarn_job import PARSER_CONFIG, container_pids, wait_for_state, yarn_overrides

TIMEOUT_MS = 60_000


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode())
    except OSError:
        return ""


def test_status_page_shows_containers_tasks_and_a_killed_container_coming_back(
    skein_client: Any, unique: str, tmp_path: Path
) -> None:
    copies = 20
    events = [dict(e, source=f"replay-{c}") for c in range(copies) for e in wikipedia_events()]
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in events))
    overrides = yarn_overrides(unique, **{
        "job.container.count": "2",
        "metrics.reporters": "jmx",
        "metrics.reporter.jmx.class": "org.apache.samza.metrics.reporter.JmxReporterFactory",
        "systems.kafka.samza.offset.default": "oldest",
    })
    assert run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120).returncode == 0
    report = wait_for_state(skein_client, f"yarn-{unique}_1", {"RUNNING"})
    try:
        with open_browser() as page:
            # YARN's tracking URL is skein's web UI behind the RM proxy; the job's page is linked from it.
            assert report.tracking_url and "/proxy/" in report.tracking_url
            # The application is RUNNING once skein's AM registers; the Samza AM adds its page just after.
            wait_for(lambda: "Samza job" in fetch(report.tracking_url), 60, "the status page's link")
            page.goto(report.tracking_url)
            # skein lists the page under a "Service Pages" dropdown; follow the link's target.
            href = page.locator("a", has_text="Samza job").get_attribute("href")
            assert href == "./pages/samza/"
            page.goto(urllib.parse.urljoin(report.tracking_url, href))
            expect(page.locator("#job-name")).to_have_text(f"yarn-{unique}", timeout=TIMEOUT_MS)
            expect(page.locator("#app-id")).to_have_text(report.id)
            for pid, tasks in (("0", ("Partition 0", "Partition 2")), ("1", ("Partition 1", "Partition 3"))):
                row = page.locator(f'tr[data-container="{pid}"]')
                expect(row.locator('[data-field="state"]')).to_have_text("RUNNING", timeout=TIMEOUT_MS)
                for name in tasks:
                    task = page.locator(f'[data-tasks-of="{pid}"] tr[data-task="{name}"]')
                    partition = name.split()[1]
                    expect(task.locator('[data-field="partitions"]')).to_have_text(
                        f"kafka.{unique}-raw.{partition}")
                    # Lag is read from the container's metrics endpoint and reaches 0 once all is read.
                    expect(task.locator('[data-field="lag"]')).to_have_attribute("data-value", "0",
                                                                               timeout=TIMEOUT_MS)
            save_screenshot(page, "status-page-running")

            wait_for(lambda: bool(container_pids(report.id, "samza-container-0_0")), 30, "container 0's process")
            for pid in container_pids(report.id, "samza-container-0_0"):
                os.kill(pid, signal.SIGKILL)
            row = page.locator('tr[data-container="0"]')
            expect(row.locator('[data-field="restarts"]')).to_have_text("1", timeout=TIMEOUT_MS)
            expect(row.locator('[data-field="last_exit_status"]')).to_have_text("137", timeout=TIMEOUT_MS)
            expect(row.locator('[data-field="yarn_container"]')).to_have_text("samza-container-0_1")
            expect(row.locator('[data-field="state"]')).to_have_text("RUNNING", timeout=TIMEOUT_MS)
            expect(page.locator('tr[data-container="1"] [data-field="restarts"]')).to_have_text("0")
            shot = save_screenshot(page, "status-page-after-restart")
            assert shot.stat().st_size > 0
    finally:
        skein_client.kill_application(report.id)
