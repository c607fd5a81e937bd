"""hello-samza's pipeline on YARN: generated feed → parser → stats, checked end to end through the topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from samza_py.examples.wikipedia.parser import parse_edit

from .conftest import ROOT
from .jobs import count_messages, create_topic, read_topic, run_job, wait_for
from .test_yarn_job import wait_for_state

CONFIG = ROOT / "config"
PER_CHANNEL = 200


def test_stats_windows_count_exactly_the_parsed_edits(skein_client: Any, unique: str, tmp_path: Path) -> None:
    create_topic(f"{unique}-raw", 2)
    create_topic(f"{unique}-edits", 1)
    create_topic(f"{unique}-stats", 1)
    jobs = {
        "wikipedia-feed": [f"job.name=feed-{unique}", f"wikipedia.feed.output=kafka.{unique}-raw",
                           f"systems.wikipedia.max.messages={PER_CHANNEL}", "systems.wikipedia.rate.per.second=0"],
        "wikipedia-parser": [f"job.name=parser-{unique}", f"task.inputs=kafka.{unique}-raw",
                             f"wikipedia.parser.output=kafka.{unique}-edits",
                             "systems.kafka.samza.offset.default=oldest"],
        "wikipedia-stats": [f"job.name=stats-{unique}", f"task.inputs=kafka.{unique}-edits",
                            f"wikipedia.stats.output=kafka.{unique}-stats", "task.window.ms=2000",
                            f"stores.wikipedia-stats.changelog=kafka.{unique}-stats-changelog",
                            "systems.kafka.samza.offset.default=oldest"],
    }
    apps = []
    try:
        for job, overrides in jobs.items():
            result = run_job(CONFIG / f"{job}-yarn.properties", *overrides, cwd=tmp_path, timeout_s=120)
            assert result.returncode == 0, result.stderr[-3000:]
            apps.append(wait_for_state(skein_client, f"{overrides[0].split('=')[1]}_1", {"RUNNING", "FINISHED"}).id)

        # The bounded feed ends by itself: three channels of PER_CHANNEL lines each.
        wait_for(lambda: count_messages(f"{unique}-raw") == 3 * PER_CHANNEL, 180, "the feed's lines")
        raw = [json.loads(m.value()) for m in read_topic(f"{unique}-raw")]
        parsed = sum(1 for event in raw if parse_edit(event["raw"]) is not None)
        assert 0.9 * len(raw) < parsed < len(raw)  # a few Special:Log lines are not edits
        wait_for(lambda: count_messages(f"{unique}-edits") == parsed, 180, "the parser's edits")

        def windows() -> list[dict[str, Any]]:
            return [json.loads(m.value()) for m in read_topic(f"{unique}-stats")]

        wait_for(lambda: sum(w["edits"] for w in windows()) == parsed, 180, "stats windows covering every edit")
        assert windows()[-1]["edits-all-time"] == parsed
        assert str(skein_client.application_report(apps[0]).final_status) == "SUCCEEDED"  # the feed finished
    finally:
        for app_id in apps:
            skein_client.kill_application(app_id)
