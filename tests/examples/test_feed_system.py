"""The `wikipedia` system as the container uses it: factory, admin, producer, SystemConsumers, a whole container."""

from __future__ import annotations

import json

import pytest

from samza_py.api import OutgoingMessageEnvelope, SystemStream, SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.container.chooser import RoundRobinChooser
from samza_py.container.consumers import SystemConsumers
from samza_py.container.samza_container import SamzaContainer
from samza_py.examples.wikipedia.feed_lines import feed_line
from samza_py.examples.wikipedia.feed_system import (
    FeedSettings,
    ReadOnlySystemError,
    WikipediaSystemFactory,
    settings_from_config,
)
from samza_py.job.model import ContainerModel, TaskModel
from samza_py.metrics.registry import MetricsRegistryMap
from samza_py.serializers.manager import SerdeManager
from samza_py.system.interfaces import StreamSpec
from tests.fakes import FakeWorld

EN = SystemStreamPartition.of("wikipedia", "#en.wikipedia", 0)
WIKT = SystemStreamPartition.of("wikipedia", "#en.wiktionary", 0)
NEWS = SystemStreamPartition.of("wikipedia", "#en.wikinews", 0)
FACTORY = "samza_py.examples.wikipedia.feed_system.WikipediaSystemFactory"


def test_settings_default_and_from_config() -> None:
    assert settings_from_config("wikipedia", Config()) == FeedSettings(1, 20.0, None)
    config = {"systems.irc.seed": "7", "systems.irc.rate.per.second": "0", "systems.irc.max.messages": "10"}
    assert settings_from_config("irc", config) == FeedSettings(7, 0.0, 10)
    with pytest.raises(ConfigException, match="rate.per.second"):
        settings_from_config("irc", {"systems.irc.rate.per.second": "-1"})
    with pytest.raises(ConfigException, match="max.messages"):
        settings_from_config("irc", {"systems.irc.max.messages": "lots"})


def test_admin_reports_partition_zero_with_the_lines_generated_so_far() -> None:
    factory = WikipediaSystemFactory()
    config = Config({"systems.wikipedia.rate.per.second": "0", "systems.wikipedia.max.messages": "6"})
    admin = factory.get_admin("wikipedia", config)
    meta = admin.get_system_stream_metadata(["#en.wikipedia", "#en.wikinews"])
    assert set(meta) == {"#en.wikipedia", "#en.wikinews"}
    fresh = meta["#en.wikipedia"].partitions
    assert list(fresh) == [0]
    assert (fresh[0].oldest_offset, fresh[0].newest_offset, fresh[0].upcoming_offset) == ("0", None, "0")

    feed = factory.get_consumer("wikipedia", config, MetricsRegistryMap("c"))
    feed.register(EN, "2")
    feed.start()
    feed.poll(0)
    after = admin.get_system_stream_metadata(["#en.wikipedia"])["#en.wikipedia"].partitions[0]
    assert (after.oldest_offset, after.newest_offset, after.upcoming_offset) == ("0", "5", "6")

    assert admin.get_offsets_after({EN: "41", NEWS: "0"}) == {EN: "42", NEWS: "1"}
    assert admin.create_stream(StreamSpec("#en.wikipedia", 1, 1)) is False
    assert admin.offset_comparator("9", "10") < 0 < admin.offset_comparator("10", "9")
    assert admin.offset_comparator("3", "3") == 0


def test_the_producer_starts_and_flushes_but_refuses_to_send() -> None:
    producer = WikipediaSystemFactory().get_producer("wikipedia", Config(), MetricsRegistryMap("c"))
    producer.register("Partition 0")
    producer.start()
    producer.flush("Partition 0")
    with pytest.raises(ReadOnlySystemError, match="only reads"):
        producer.send("Partition 0", OutgoingMessageEnvelope(SystemStream("wikipedia", "#en.wikipedia"), "x"))
    producer.stop()


def test_system_consumers_pass_the_lines_through_unchanged() -> None:
    config = Config({
        "systems.wikipedia.samza.factory": FACTORY,
        "systems.wikipedia.rate.per.second": "0",
        "systems.wikipedia.max.messages": "2",
    })
    registry = MetricsRegistryMap("samza-container-0")
    feed = WikipediaSystemFactory().get_consumer("wikipedia", config, registry)
    consumers = SystemConsumers({"wikipedia": feed}, SerdeManager(config), RoundRobinChooser(), registry)
    consumers.register(EN, "0")
    consumers.register(NEWS, "1")
    consumers.start()
    chosen = []
    while (envelope := consumers.choose(0.01)) is not None:
        chosen.append((envelope.system_stream_partition, envelope.offset, envelope.message))
    consumers.stop()
    assert sorted(chosen, key=lambda c: (c[0].stream, c[1])) == sorted([
        (EN, "0", feed_line(1, "#en.wikipedia", 0).render()),
        (EN, "1", feed_line(1, "#en.wikipedia", 1).render()),
        (EN, "\0END_OF_STREAM", None),
        (NEWS, "1", feed_line(1, "#en.wikinews", 1).render()),
        (NEWS, "\0END_OF_STREAM", None),
    ], key=lambda c: (c[0].stream, c[1]))


def test_a_feed_container_resumes_from_its_checkpoint_and_stops_at_the_end_of_the_channels(world: FakeWorld) -> None:
    config = Config({
        "job.name": "wikipedia-feed",
        "task.class": "samza_py.examples.wikipedia.feed.WikipediaFeedStreamTask",
        "task.inputs": "wikipedia.#en.wikipedia,wikipedia.#en.wiktionary,wikipedia.#en.wikinews",
        "task.checkpoint.factory": "tests.fakes.FakeCheckpointManagerFactory",
        "task.commit.ms": "-1",
        "systems.wikipedia.samza.factory": FACTORY,
        "systems.wikipedia.rate.per.second": "0",
        "systems.wikipedia.max.messages": "4",
        "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory",
        "serializers.registry.json.class": "samza_py.serializers.builtin.JsonSerdeFactory",
        "systems.fake.samza.msg.serde": "json",
        "wikipedia.feed.output": "fake.wikipedia-raw",
    })
    # One task reads the three channels; #en.wikipedia was checkpointed at line 1 by an earlier run.
    world.checkpoints.checkpoints = {"Partition 0": Checkpoint({EN: "1"})}
    model = ContainerModel("0", {"Partition 0": TaskModel("Partition 0", frozenset({EN, WIKT, NEWS}), 0)})
    SamzaContainer(config, model).run()

    sends = [json.loads(e[6]) for e in world.log.of("send")]
    assert all(s["source"] == "rc-pmtpa" and isinstance(s["time"], int) for s in sends)
    by_channel: dict[str, list[str]] = {}
    for s in sends:
        by_channel.setdefault(s["channel"], []).append(s["raw"])
    assert by_channel == {
        "#en.wikipedia": [feed_line(1, "#en.wikipedia", i).render() for i in (2, 3)],
        "#en.wiktionary": [feed_line(1, "#en.wiktionary", i).render() for i in range(4)],
        "#en.wikinews": [feed_line(1, "#en.wikinews", i).render() for i in range(4)],
    }
    # The stop commit checkpoints the last line of every channel.
    assert world.log.of("checkpoint")[-1] == ("checkpoint", "Partition 0", {EN: "3", WIKT: "3", NEWS: "3"})
