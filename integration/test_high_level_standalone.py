"""A high-level application in standalone mode: the page-view counter run by two run-app processors that
split its tasks through ZooKeeper, its panes covering every view exactly once."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

from samza_py.config.loader import load_properties

from .conftest import ROOT, ZOOKEEPER_CONNECT
from .jobs import count_messages, create_topic, read_topic, wait_for
from .standalone import Processor, group_state, write_config, zk_client
from .test_high_level_api import produce_views

CONFIG = ROOT / "config" / "page-view-counter.properties"


def test_two_run_app_processors_run_the_page_view_counter_and_count_every_view_once(
    unique: str, tmp_path: Path
) -> None:
    views_topic, counts_topic = f"{unique}-views", f"{unique}-counts"
    create_topic(views_topic, 2)
    properties = {
        **load_properties(str(CONFIG)),
        "job.name": f"hl-zk-{unique}",
        "job.coordinator.factory": "org.apache.samza.zk.ZkJobCoordinatorFactory",
        "job.coordinator.zk.connect": ZOOKEEPER_CONNECT,
        "job.coordinator.zk.session.timeout.ms": "6000",
        "job.debounce.time.ms": "1000",
        "pageviews.window.ms": "2000",
        "task.commit.ms": "500",
        "streams.page-views.samza.physical.name": views_topic,
        "streams.page-view-counts.samza.physical.name": counts_topic,
    }
    config = write_config(tmp_path / "job.properties", properties)
    processors = [Processor(config, pid, tmp_path) for pid in ("p1", "p2")]
    zk = zk_client()
    try:
        # GroupByContainerIds: the two tasks dealt over the sorted processor ids.
        split = {"p1": {"Partition 0"}, "p2": {"Partition 1"}}
        wait_for(lambda: group_state(zk, properties) == ({"p1", "p2"}, split), 90, "two processors sharing the tasks")
        expected = produce_views(views_topic, 500, random.Random(17))

        def counted() -> Counter[str]:
            totals: Counter[str] = Counter()
            if count_messages(counts_topic) == 0:
                return totals
            for message in read_topic(counts_topic):
                pane = json.loads(message.value())
                totals[pane["member"]] += pane["count"]
            return totals

        wait_for(lambda: sum(counted().values()) >= 500, 120, "panes covering all 500 views")
        assert counted() == expected
        for processor in processors:
            assert processor.alive(), processor.text()[-3000:]
    finally:
        zk.stop()
        zk.close()
        for processor in processors:
            processor.stop()
    for processor in processors:
        assert processor.process.returncode == 0, processor.text()[-3000:]
