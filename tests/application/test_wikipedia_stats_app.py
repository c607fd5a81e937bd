"""The high-level wikipedia-stats job: its generated config and its window output for hand-made edits."""

from __future__ import annotations

from pathlib import Path

from samza_py.api import IncomingMessageEnvelope, SystemStreamPartition
from samza_py.application.config_generator import with_application_config
from samza_py.application.graph import build_graph
from samza_py.config.config import Config
from samza_py.config.loader import load_properties
from samza_py.serializers.registry import SerdeRegistry
from tests.application.helpers import DictStore, FakeContext, NullCoordinator, RecordingCollector
from tests.application.test_operators import Clock

ROOT = Path(__file__).resolve().parents[2]


def test_the_high_level_wikipedia_stats_job_emits_the_low_level_job_s_statistics_per_window() -> None:
    config = with_application_config(Config(load_properties(str(ROOT / "config" / "wikipedia-stats-app.properties"))))
    store = "wikipedia-stats-app-1-window-stats"
    assert config["task.inputs"] == "kafka.wikipedia-edits"
    assert config["task.window.ms"] == "1000"
    assert config[f"stores.{store}.changelog"] == store
    clock = Clock(20_500)
    graph = build_graph(config, clock)
    collector = RecordingCollector()
    graph.init(FakeContext(config, {store: DictStore()}), SerdeRegistry.from_config(config))
    ssp = SystemStreamPartition.of("kafka", "wikipedia-edits", 0)
    edits = [
        {"title": "Samza", "diff-bytes": 120, "flags": {"is-minor": True, "is-talk": False}},
        {"title": "Kafka", "diff-bytes": -20, "flags": {"is-minor": True, "is-bot-edit": True}},
        {"title": "Samza", "diff-bytes": None, "flags": {}},
    ]
    for offset, edit in enumerate(edits):
        graph.inputs[ssp.system_stream].on_envelope(IncomingMessageEnvelope(ssp, str(offset), None, edit),
                                                    collector, NullCoordinator())
    (window,) = graph.timed
    window.on_timer(29_999, collector, NullCoordinator())
    assert collector.sent == []
    window.on_timer(30_000, collector, NullCoordinator())
    assert collector.sent == [("wikipedia-stats", None, {
        "is-minor": 2, "is-bot-edit": 1, "edits": 3, "bytes-added": 100, "unique-titles": 2,
    })]
