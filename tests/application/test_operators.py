"""Each operator of the graph against hand-computed answers: map, filter, flat_map, merge, send_to, sink, windows."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.api import (
    KV,
    IncomingMessageEnvelope,
    IntegerSerde,
    JsonSerde,
    KVSerde,
    MessageCollector,
    MessageStream,
    StreamApplicationDescriptor,
    StringSerde,
    SystemDescriptor,
    SystemStreamPartition,
    TaskCoordinator,
    TriggerType,
    WindowKey,
    WindowPane,
    Windows,
)
from samza_py.application.graph import OperatorGraph
from samza_py.config.config import Config
from samza_py.serializers.registry import SerdeRegistry
from tests.application.helpers import DictStore, FakeContext, NullCoordinator, RecordingCollector

FAKE = SystemDescriptor("fake", "tests.fakes.FakeSystemFactory")
CONFIG = {"job.name": "j", "job.id": "1"}


class Clock:
    def __init__(self, now: int = 0) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def run(app: StreamApplicationDescriptor, messages: list[tuple[str, Any, Any]],
        stores: dict[str, DictStore] | None = None,
        clock: Clock | None = None) -> tuple[OperatorGraph, RecordingCollector]:
    graph = OperatorGraph(app, clock=clock)
    graph.init(FakeContext(CONFIG, stores or {}), SerdeRegistry.from_config(Config(CONFIG)))
    collector = RecordingCollector()
    for offset, (stream, key, message) in enumerate(messages):
        ssp = SystemStreamPartition.of("fake", stream, 0)
        graph.inputs[ssp.system_stream].on_envelope(IncomingMessageEnvelope(ssp, str(offset), key, message),
                                                    collector, NullCoordinator())
    return graph, collector


def test_map_filter_flat_map_and_send_to_a_keyed_stream() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    words = app.get_input_stream(FAKE.get_input_descriptor("lines", StringSerde()))
    out = app.get_output_stream(FAKE.get_output_descriptor("words", KVSerde(StringSerde(), IntegerSerde())))
    words.flat_map(str.split).filter(lambda w: w != "the").map(lambda w: KV(w, len(w))).send_to(out)

    _, collector = run(app, [("lines", None, "the cat sat"), ("lines", None, ""), ("lines", None, "on the mat")])

    assert collector.sent == [("words", "cat", 3), ("words", "sat", 3), ("words", "on", 2), ("words", "mat", 3)]


def test_a_keyed_input_gives_kv_messages_and_an_unkeyed_output_takes_the_whole_message() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    pairs = app.get_input_stream(FAKE.get_input_descriptor("pairs", KVSerde(StringSerde(), JsonSerde())))
    out = app.get_output_stream(FAKE.get_output_descriptor("seen", JsonSerde()))
    pairs.map(lambda kv: {"k": kv.key, "v": kv.value}).send_to(out)

    _, collector = run(app, [("pairs", "a", 1), ("pairs", None, [2])])

    assert collector.sent == [("seen", None, {"k": "a", "v": 1}), ("seen", None, {"k": None, "v": [2]})]


def test_a_keyed_output_rejects_a_message_that_is_not_a_kv() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    lines = app.get_input_stream(FAKE.get_input_descriptor("lines", StringSerde()))
    lines.send_to(app.get_output_stream(FAKE.get_output_descriptor("out", KVSerde(StringSerde(), StringSerde()))))

    with pytest.raises(TypeError, match="'out' is keyed"):
        run(app, [("lines", None, "x")])


def test_merge_sends_each_stream_s_messages_on_in_arrival_order_and_sink_sees_them() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    a = app.get_input_stream(FAKE.get_input_descriptor("a", StringSerde()))
    b = app.get_input_stream(FAKE.get_input_descriptor("b", StringSerde()))
    c = app.get_input_stream(FAKE.get_input_descriptor("c", StringSerde()))
    seen: list[str] = []

    def sink(message: str, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        seen.append(message)

    MessageStream.merge_all([a.map(str.upper), b, c.filter(lambda m: m != "c2")]).sink(sink)

    graph, _ = run(app, [("a", None, "a1"), ("b", None, "b1"), ("c", None, "c1"), ("c", None, "c2"),
                         ("a", None, "a2")])

    assert seen == ["A1", "b1", "c1", "A2"]
    merges = [op for op in graph.operators.values() if op.spec.op_code.value == "merge"]
    assert len(merges) == 1  # reached from three parents, built once


def test_op_ids_follow_samza_s_scheme_and_a_window_id_is_unique() -> None:
    app = StreamApplicationDescriptor({"job.name": "pv", "job.id": "2"})
    views = app.get_input_stream(FAKE.get_input_descriptor("views", JsonSerde()))
    mapped = views.map(lambda m: m)
    window = Windows.tumbling_window(1000, lambda: 0, lambda m, n: n + 1, IntegerSerde())
    counted = mapped.window(window, "count")

    assert [views.spec.op_id, mapped.spec.op_id, counted.spec.op_id] == [
        "pv-2-input-views", "pv-2-map-0", "pv-2-window-count"]
    with pytest.raises(ValueError, match="'count' is used twice"):
        mapped.window(window, "count")
    with pytest.raises(ValueError, match=r"must match \[A-Za-z0-9_-\]\+"):
        mapped.window(window, "bad id")


def page_view_app() -> tuple[StreamApplicationDescriptor, str]:
    app = StreamApplicationDescriptor(CONFIG)
    views = app.get_input_stream(FAKE.get_input_descriptor("views", KVSerde(StringSerde(), JsonSerde())))
    out = app.get_output_stream(FAKE.get_output_descriptor("counts", KVSerde(StringSerde(), JsonSerde())))
    window = Windows.keyed_tumbling_window(lambda kv: kv.value["member"], 10_000, lambda: 0,
                                           lambda _m, n: n + 1, StringSerde(), IntegerSerde())
    counted = views.window(window, "count")
    counted.map(lambda p: KV(p.key.key, [p.key.pane_id, p.message, p.trigger_type.value])).send_to(out)
    return app, counted.spec.op_id


def view(member: str) -> tuple[str, str, dict[str, str]]:
    return ("views", member, {"member": member})


def test_keyed_tumbling_window_counts_per_member_and_window_and_fires_when_the_window_ends() -> None:
    app, store_name = page_view_app()
    store = DictStore()
    clock = Clock(1_000)
    graph = OperatorGraph(app, clock=clock)
    graph.init(FakeContext(CONFIG, {store_name: store}), SerdeRegistry.from_config(Config(CONFIG)))
    collector = RecordingCollector()
    ssp = SystemStreamPartition.of("fake", "views", 0)
    (window_op,) = graph.timed

    def process(at: int, member: str) -> None:
        clock.now = at
        envelope = IncomingMessageEnvelope(ssp, "0", member, {"member": member})
        graph.inputs[ssp.system_stream].on_envelope(envelope, collector, NullCoordinator())

    for at, member in [(1_000, "m1"), (2_000, "m2"), (9_999, "m1"), (10_000, "m1"), (15_000, "m2"), (19_999, "m2")]:
        process(at, member)
    window_op.on_timer(9_999, collector, NullCoordinator())
    assert collector.sent == []  # [0, 10 s) is still open
    window_op.on_timer(10_000, collector, NullCoordinator())
    assert collector.sent == [("counts", "m1", [0, 2, "DEFAULT"]), ("counts", "m2", [0, 1, "DEFAULT"])]
    window_op.on_timer(15_000, collector, NullCoordinator())  # nothing more has closed, nothing fires twice
    assert store.range_calls == 2  # the store is scanned once per window, not at every timer
    process(20_500, "m1")
    window_op.on_timer(20_500, collector, NullCoordinator())
    assert collector.sent[2:] == [("counts", "m1", [10_000, 1, "DEFAULT"]), ("counts", "m2", [10_000, 2, "DEFAULT"])]
    # Only the open window's pane is left in the store: start 20000, key m1, value 1 (IntegerSerde).
    assert store.data == {(20_000).to_bytes(8, "big") + b"m1": (1).to_bytes(4, "big")}


def test_a_window_resumes_from_its_store_as_a_restarted_task_does() -> None:
    app, store_name = page_view_app()
    store = DictStore()
    clock = Clock(3_000)
    run(app, [view("m1"), view("m1")], {store_name: store}, clock)
    # A new graph over the same (restored) store: the count goes on from 2, the pane fires after the restart.
    graph, collector = run(page_view_app()[0], [view("m1")], {store_name: store}, Clock(4_000))
    graph.timed[0].on_timer(60_000, collector, NullCoordinator())
    assert collector.sent == [("counts", "m1", [0, 3, "DEFAULT"])]
    assert store.data == {}


def test_unkeyed_tumbling_window_folds_everything_and_emits_a_window_pane() -> None:
    app = StreamApplicationDescriptor(CONFIG)
    lines = app.get_input_stream(FAKE.get_input_descriptor("lines", StringSerde()))
    panes: list[Any] = []
    window = Windows.tumbling_window(5_000, lambda: [], lambda m, acc: [*acc, m], JsonSerde())
    counted = lines.window(window, "all")
    counted.sink(lambda p, c, co: panes.append(p))
    store = DictStore()
    graph, collector = run(app, [("lines", None, "x"), ("lines", None, "y")], {counted.spec.op_id: store},
                           Clock(7_000))
    graph.timed[0].on_timer(10_001, collector, NullCoordinator())
    assert panes == [WindowPane(WindowKey(None, 5_000), ["x", "y"], TriggerType.DEFAULT)]


def test_window_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        Windows.tumbling_window(0, lambda: 0, lambda m, n: n, IntegerSerde())
    from samza_py.api import NoOpSerde

    with pytest.raises(ValueError, match="needs a value serde"):
        Windows.tumbling_window(10, lambda: 0, lambda m, n: n, NoOpSerde())
    with pytest.raises(ValueError, match="needs a key serde"):
        Windows.keyed_tumbling_window(lambda m: m, 10, lambda: 0, lambda m, n: n, NoOpSerde(), IntegerSerde())
