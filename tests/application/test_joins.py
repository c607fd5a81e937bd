"""partition_by, stream-stream joins and tables against hand-computed answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from samza_py.api import (
    KV,
    Entry,
    IncomingMessageEnvelope,
    JsonSerde,
    KeyValueIterator,
    KeyValueStore,
    KVSerde,
    RocksDbTableDescriptor,
    StreamApplicationDescriptor,
    StringSerde,
    SystemDescriptor,
    SystemStreamPartition,
)
from samza_py.application.config_generator import generate_config
from samza_py.application.graph import OperatorGraph
from samza_py.config.config import Config
from samza_py.serializers.registry import SerdeRegistry
from tests.application.helpers import DictStore, FakeContext, NullCoordinator, RecordingCollector
from tests.application.join_apps import ProfileJoin, ViewClickJoin

FAKE = SystemDescriptor("fake", "tests.fakes.FakeSystemFactory")
CONFIG = {"job.name": "j", "job.id": "1"}
TTL = 600_000
LEFT, RIGHT = "j-1-join-vc-L", "j-1-join-vc-R"


class Clock:
    def __init__(self, now: int = 0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


class ObjectStore(KeyValueStore[Any, Any]):
    """A table's store: objects in, objects out (the serde layer is not under test here)."""

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self.data.get(key)

    def get_all(self, keys: Iterable[Any]) -> dict[Any, Any]:
        return {k: self.data[k] for k in keys if k in self.data}

    def put(self, key: Any, value: Any) -> None:
        self.data[key] = value

    def put_all(self, entries: Iterable[Entry[Any, Any]] | dict[Any, Any]) -> None:
        raise NotImplementedError

    def delete(self, key: Any) -> None:
        self.data.pop(key, None)

    def delete_all(self, keys: Iterable[Any]) -> None:
        for key in keys:
            self.delete(key)

    def range(self, from_key: Any, to_key: Any) -> KeyValueIterator[Any, Any]:
        raise NotImplementedError

    def all(self) -> KeyValueIterator[Any, Any]:
        raise NotImplementedError

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class Harness:
    def __init__(self, app: StreamApplicationDescriptor, stores: dict[str, Any], clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.graph = OperatorGraph(app, clock=self.clock)
        self.graph.init(FakeContext(CONFIG, stores), SerdeRegistry.from_config(Config(CONFIG)))
        self.collector = RecordingCollector()

    def send(self, stream: str, key: Any, message: Any, at: int | None = None, partition: int = 0) -> None:
        if at is not None:
            self.clock.now = at
        ssp = SystemStreamPartition.of("fake", stream, partition)
        self.graph.inputs[ssp.system_stream].on_envelope(IncomingMessageEnvelope(ssp, "0", key, message),
                                                        self.collector, NullCoordinator())


def join_app() -> StreamApplicationDescriptor:
    app = StreamApplicationDescriptor(CONFIG)
    views = app.get_input_stream(FAKE.get_input_descriptor("views", JsonSerde()))
    clicks = app.get_input_stream(FAKE.get_input_descriptor("clicks", JsonSerde()))
    out = app.get_output_stream(FAKE.get_output_descriptor("joined", JsonSerde()))
    views.join(clicks, ViewClickJoin(), StringSerde(), JsonSerde(), JsonSerde(), TTL, "vc").send_to(out)
    return app


def view(view_id: str, page: str) -> dict[str, str]:
    return {"view": view_id, "page": page}


def click(view_id: str, ad: str) -> dict[str, str]:
    return {"view": view_id, "ad": ad}


def test_a_join_emits_once_the_second_side_arrives_whichever_side_comes_first() -> None:
    stores = {LEFT: DictStore(), RIGHT: DictStore()}
    h = Harness(join_app(), stores)
    h.send("views", None, view("v1", "/a"), at=1_000)  # left first
    h.send("clicks", None, click("v2", "ad-9"), at=2_000)  # right first
    h.send("views", None, view("v3", "/c"), at=2_500)  # never clicked
    assert h.collector.sent == []
    h.send("clicks", None, click("v1", "ad-1"), at=3_000)
    h.send("views", None, view("v2", "/b"), at=4_000)
    # The first stream's message is always apply's first argument.
    assert h.collector.sent == [("joined", None, {"view": "v1", "page": "/a", "ad": "ad-1"}),
                                ("joined", None, {"view": "v2", "page": "/b", "ad": "ad-9"})]


def test_each_side_keeps_the_latest_message_per_key_with_its_arrival_time() -> None:
    stores = {LEFT: DictStore(), RIGHT: DictStore()}
    h = Harness(join_app(), stores)
    h.send("views", None, view("v1", "/old"), at=1_000)
    h.send("views", None, view("v1", "/new"), at=2_000)  # replaces /old
    h.send("clicks", None, click("v1", "ad-1"), at=3_000)
    h.send("clicks", None, click("v1", "ad-2"), at=4_000)  # joins with the latest view again
    assert [m for _, _, m in h.collector.sent] == [{"view": "v1", "page": "/new", "ad": "ad-1"},
                                                   {"view": "v1", "page": "/new", "ad": "ad-2"}]
    # Samza's TimestampedValueSerde layout: the message's bytes, then the time as an 8-byte big-endian long.
    assert stores[LEFT].data == {b"v1": b'{"view":"v1","page":"/new"}' + (2_000).to_bytes(8, "big")}
    assert stores[RIGHT].data == {b"v1": b'{"view":"v1","ad":"ad-2"}' + (4_000).to_bytes(8, "big")}


@pytest.mark.parametrize(("gap", "joins"), [(TTL - 1, True), (TTL, False), (TTL + 5_000, False)])
def test_a_message_older_than_the_ttl_does_not_join(gap: int, joins: bool) -> None:
    for first, second in (("views", "clicks"), ("clicks", "views")):
        h = Harness(join_app(), {LEFT: DictStore(), RIGHT: DictStore()})
        messages = {"views": view("v1", "/a"), "clicks": click("v1", "ad-1")}
        h.send(first, None, messages[first], at=10_000)
        h.send(second, None, messages[second], at=10_000 + gap)
        assert len(h.collector.sent) == (1 if joins else 0), (first, gap)


def test_a_restarted_task_joins_with_what_its_restored_stores_hold() -> None:
    stores = {LEFT: DictStore(), RIGHT: DictStore()}
    Harness(join_app(), stores).send("views", None, view("v1", "/a"), at=5_000)
    again = Harness(join_app(), stores, Clock())
    again.send("clicks", None, click("v1", "ad-3"), at=6_000)
    assert again.collector.sent == [("joined", None, {"view": "v1", "page": "/a", "ad": "ad-3"})]


def test_join_stores_are_named_after_the_sides_with_ttl_and_deleting_changelogs() -> None:
    generated = generate_config({**CONFIG, "app.class": "tests.application.join_apps.ViewsJoinClicksApp"})
    for store in ("j-1-join-view-click-L", "j-1-join-view-click-R"):
        assert {k[len(f"stores.{store}."):]: v for k, v in generated.items() if k.startswith(f"stores.{store}.")} == {
            "factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
            "key.serde": "byte", "msg.serde": "byte", "changelog": store,
            "rocksdb.ttl.ms": "600000", "changelog.kafka.cleanup.policy": "delete",
            "changelog.kafka.retention.ms": "600000",
        }
    assert generated["task.inputs"] == "fake.views,fake.clicks"


def test_join_arguments_are_checked() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    views = app.get_input_stream(FAKE.get_input_descriptor("views", JsonSerde()))
    clicks = app.get_input_stream(FAKE.get_input_descriptor("clicks", JsonSerde()))
    with pytest.raises(ValueError, match="with itself"):
        views.join(views, ViewClickJoin(), StringSerde(), JsonSerde(), JsonSerde(), TTL, "a")
    with pytest.raises(ValueError, match="ttl must be positive"):
        views.join(clicks, ViewClickJoin(), StringSerde(), JsonSerde(), JsonSerde(), 0, "b")
    with pytest.raises(ValueError, match="named key serde"):
        views.join(clicks, ViewClickJoin(), KVSerde(StringSerde(), JsonSerde()), JsonSerde(), JsonSerde(), TTL, "c")
    with pytest.raises(TypeError, match="needs key_serde"):
        views.join(clicks, ViewClickJoin())  # type: ignore[call-overload]


def partition_app() -> tuple[StreamApplicationDescriptor, list[Any]]:
    app = StreamApplicationDescriptor(CONFIG)
    app.with_default_system(FAKE)
    views = app.get_input_stream(FAKE.get_input_descriptor("views", KVSerde(StringSerde(), JsonSerde())))
    seen: list[Any] = []
    views.partition_by(lambda kv: kv.value["member"], lambda kv: kv.value["page"],
                       KVSerde(StringSerde(), StringSerde()), "by-member").sink(lambda m, c, co: seen.append(m))
    return app, seen


def test_partition_by_sends_to_the_intermediate_stream_keyed_by_the_new_key() -> None:
    app, seen = partition_app()
    h = Harness(app, {})
    h.send("views", "/home", {"member": "m1", "page": "/home"})
    h.send("views", "/jobs", {"member": "m2", "page": "/jobs"})
    # Keyed by member (the key is also the partition key: the producer partitions by it).
    assert h.collector.sent == [("j-1-partition_by-by-member", "m1", "/home"),
                                ("j-1-partition_by-by-member", "m2", "/jobs")]
    assert seen == []  # the graph is split: what follows partition_by reads the intermediate stream
    h.send("j-1-partition_by-by-member", "m2", "/jobs", partition=3)
    assert seen == [KV("m2", "/jobs")]


def test_partition_by_generates_its_intermediate_stream_as_an_input_and_an_output() -> None:
    generated = generate_config({**CONFIG, "app.class": "tests.application.join_apps.RepartitionApp"})
    stream = "j-1-partition_by-by-member"
    assert generated["task.inputs"] == f"fake.views,fake.{stream}"
    assert {k: v for k, v in generated.items() if k.startswith(f"streams.{stream}.")} == {
        f"streams.{stream}.samza.system": "fake",
        f"streams.{stream}.samza.physical.name": stream,
        f"streams.{stream}.samza.key.serde": "string",
        f"streams.{stream}.samza.msg.serde": "json",
        f"streams.{stream}.samza.intermediate": "true",
        f"streams.{stream}.samza.priority": "2147483647",
        f"streams.{stream}.samza.offset.default": "oldest",
    }


def test_partition_by_needs_a_default_system_and_a_kv_serde() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    views = app.get_input_stream(FAKE.get_input_descriptor("views", JsonSerde()))
    with pytest.raises(ValueError, match="default system"):
        views.partition_by(lambda v: v, lambda v: v, KVSerde(StringSerde(), JsonSerde()), "p")
    app.with_default_system(FAKE)
    with pytest.raises(TypeError, match="needs a KVSerde"):
        views.partition_by(lambda v: v, lambda v: v, JsonSerde(), "q")  # type: ignore[arg-type]


def table_app(outer: bool) -> StreamApplicationDescriptor:
    app = StreamApplicationDescriptor(CONFIG)
    profiles = app.get_input_stream(FAKE.get_input_descriptor("profiles", KVSerde(StringSerde(), JsonSerde())))
    views = app.get_input_stream(FAKE.get_input_descriptor("views", KVSerde(StringSerde(), JsonSerde())))
    out = app.get_output_stream(FAKE.get_output_descriptor("enriched", KVSerde(StringSerde(), JsonSerde())))
    table = app.get_table(RocksDbTableDescriptor("profiles", KVSerde(StringSerde(), JsonSerde())))
    profiles.send_to(table)
    views.join(table, ProfileJoin(outer)).send_to(out)
    return app


def test_a_stream_table_join_misses_until_the_table_has_the_key_and_a_none_value_deletes() -> None:
    table = ObjectStore()
    h = Harness(table_app(outer=False), {"profiles": table})
    h.send("views", "m1", {"page": "/a"})  # miss: the inner join sends nothing
    h.send("profiles", "m1", {"company": "acme"})
    h.send("views", "m1", {"page": "/b"})  # hit
    h.send("profiles", "m1", {"company": "initech"})  # an update
    h.send("views", "m1", {"page": "/c"})
    h.send("profiles", "m1", None)  # a delete
    h.send("views", "m1", {"page": "/d"})
    assert h.collector.sent == [("enriched", "m1", {"page": "/b", "company": "acme"}),
                                ("enriched", "m1", {"page": "/c", "company": "initech"})]
    assert table.data == {}


def test_an_outer_stream_table_join_gets_none_for_a_miss() -> None:
    h = Harness(table_app(outer=True), {"profiles": ObjectStore()})
    h.send("views", "m9", {"page": "/a"})
    assert h.collector.sent == [("enriched", "m9", {"page": "/a", "company": None})]


def test_a_table_is_a_store_with_its_serdes_and_samza_s_changelog_name() -> None:
    generated = generate_config({**CONFIG, "app.class": "tests.application.join_apps.ProfileTableApp"})
    assert {k: v for k, v in generated.items() if k.startswith("stores.profiles.")} == {
        "stores.profiles.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        "stores.profiles.key.serde": "string",
        "stores.profiles.msg.serde": "json",
        "stores.profiles.changelog": "j-1-table-profiles",
    }
    with pytest.raises(ValueError, match="KVSerde of named serdes"):
        RocksDbTableDescriptor("t", KVSerde(StringSerde(), JsonSerde()).key_serde)  # type: ignore[arg-type]
    app = StreamApplicationDescriptor(CONFIG)
    other = RocksDbTableDescriptor("t", KVSerde(StringSerde(), JsonSerde()))
    stream = app.get_input_stream(FAKE.get_input_descriptor("x", KVSerde(StringSerde(), JsonSerde())))
    with pytest.raises(ValueError, match="not a table of this application"):
        stream.send_to(StreamApplicationDescriptor(CONFIG).get_table(other))
