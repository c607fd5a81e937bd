"""The example job configs load, validate, and say what the jobs need."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.config import load_config
from samza_py.examples.wikipedia.feed_system import settings_from_config

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
YARN = "org.apache.samza.job.yarn.YarnJobFactory"
LOCAL = "samza_py.job.local.ProcessJobFactory"
YARN_ONLY = {"job.factory.class", "yarn.am.container.memory.mb", "cluster-manager.container.memory.mb"}


def load(name: str) -> dict[str, str]:
    return load_config([str(CONFIG_DIR / name)]).to_dict()


@pytest.mark.parametrize(("local", "yarn"), [
    ("wikipedia-feed.properties", "wikipedia-feed-yarn.properties"),
    ("wikipedia-stats.properties", "wikipedia-stats-yarn.properties"),
    ("wikipedia-parser.properties", "wikipedia-parser-yarn.properties"),
])
def test_yarn_variants_differ_from_the_local_ones_only_in_where_they_run(local: str, yarn: str) -> None:
    on_yarn, here = load(yarn), load(local)
    assert here["job.factory.class"] == LOCAL and on_yarn["job.factory.class"] == YARN
    assert on_yarn["yarn.am.container.memory.mb"] == "512"
    assert on_yarn["cluster-manager.container.memory.mb"] == "384"
    differing = {k for k in on_yarn.keys() | here.keys() if on_yarn.get(k) != here.get(k)}
    # The local stats config leaves job.container.count at its default (1).
    assert differing - {"job.container.count"} <= YARN_ONLY


def test_feed_reads_the_three_channels_of_the_generated_system() -> None:
    config = load("wikipedia-feed.properties")
    assert config["task.inputs"].split(",") == [
        "wikipedia.#en.wikipedia", "wikipedia.#en.wiktionary", "wikipedia.#en.wikinews"]
    settings = settings_from_config("wikipedia", config)
    assert (settings.seed, settings.rate_per_second, settings.max_messages) == (1, 20.0, None)
    assert config["wikipedia.feed.output"] == "kafka.wikipedia-raw"
    assert load("wikipedia-feed-yarn.properties")["job.container.count"] == "1"


def test_stats_windows_every_ten_seconds_over_a_changelogged_store() -> None:
    for name in ("wikipedia-stats.properties", "wikipedia-stats-yarn.properties"):
        config = load(name)
        assert config["task.window.ms"] == "10000"
        assert config["stores.wikipedia-stats.changelog"] == "kafka.wikipedia-stats-changelog"
        assert (config["stores.wikipedia-stats.key.serde"], config["stores.wikipedia-stats.msg.serde"]) == (
            "string", "integer")
        assert config["job.default.system"] == "kafka"
        assert config["systems.kafka.default.stream.replication.factor"] == "1"
        assert "Kafka" in config["task.checkpoint.factory"]


def test_the_parser_runs_two_containers_on_yarn() -> None:
    assert load("wikipedia-parser-yarn.properties")["job.container.count"] == "2"
