"""Session windows, early triggers and accumulation modes against hand-computed answers (injected clock),
restarts from the window's store, end-of-stream firing and the task timer they imply."""

from __future__ import annotations

from typing import Any

import pytest

from samza_py.api import (
    AccumulationMode,
    IncomingMessageEnvelope,
    IntegerSerde,
    JsonSerde,
    KVSerde,
    StreamApplicationDescriptor,
    StringSerde,
    SystemStreamPartition,
    Triggers,
    Window,
    Windows,
)
from samza_py.application.config_generator import window_timer_ms
from samza_py.application.graph import OperatorGraph
from samza_py.application.triggered_window import PaneWindowOperator
from samza_py.application.window import WindowOperator
from samza_py.config.config import Config
from samza_py.serializers.registry import SerdeRegistry
from tests.application.helpers import DictStore, FakeContext, NullCoordinator, RecordingCollector
from tests.application.test_operators import CONFIG, FAKE, Clock

Pane = tuple[Any, int, Any, str]  # key, window start, value, trigger type


def count_one(_message: Any, count: int) -> int:
    return count + 1


def member(view: Any) -> str:
    return str(view.value["member"])


class Harness:
    """One window operator in a graph: views in, panes recorded as (key, start, value, trigger type)."""

    def __init__(self, window: Window[Any, Any, Any], store: DictStore | None = None, now: int = 0) -> None:
        app = StreamApplicationDescriptor(CONFIG)
        views = app.get_input_stream(FAKE.get_input_descriptor("views", KVSerde(StringSerde(), JsonSerde())))
        self.panes: list[Pane] = []
        windowed = views.window(window, "w")
        windowed.sink(lambda p, c, co: self.panes.append((p.key.key, p.key.pane_id, p.message, p.trigger_type.value)))
        self.store = store if store is not None else DictStore()
        self.clock = Clock(now)
        self.graph = OperatorGraph(app, clock=self.clock)
        self.graph.init(FakeContext(CONFIG, {windowed.spec.op_id: self.store}),
                        SerdeRegistry.from_config(Config(CONFIG)))
        (self.operator,) = self.graph.timed
        self.collector = RecordingCollector()
        self.ssp = SystemStreamPartition.of("fake", "views", 0)

    def view(self, at: int, who: str) -> None:
        self.clock.now = at
        envelope = IncomingMessageEnvelope(self.ssp, "0", who, {"member": who})
        self.graph.inputs[self.ssp.system_stream].on_envelope(envelope, self.collector, NullCoordinator())

    def timer(self, at: int) -> list[Pane]:
        """The panes the timer at ``at`` fired."""
        before = len(self.panes)
        self.clock.now = at
        self.operator.on_timer(at, self.collector, NullCoordinator())
        return self.panes[before:]

    def since(self, before: int) -> list[Pane]:
        return self.panes[before:]


def session(gap: int = 5_000) -> Window[Any, str, int]:
    return Windows.keyed_session_window(member, gap, lambda: 0, count_one, StringSerde(), IntegerSerde())


def tumbling(size: int = 10_000) -> Window[Any, str, int]:
    return Windows.keyed_tumbling_window(member, size, lambda: 0, count_one, StringSerde(), IntegerSerde())


def test_a_session_closes_once_its_key_had_no_message_for_the_gap() -> None:
    h = Harness(session(5_000))
    assert isinstance(h.operator, PaneWindowOperator)
    h.view(1_000, "m1")
    h.view(2_000, "m2")
    h.view(5_999, "m1")  # within the gap of 1_000: same session
    assert h.timer(6_999) == []
    assert h.timer(7_000) == [("m2", 2_000, 1, "DEFAULT")]  # m2's last view + 5 s
    assert h.timer(10_998) == []
    assert h.timer(10_999) == [("m1", 1_000, 2, "DEFAULT")]  # the session started at its first view
    h.view(12_000, "m1")  # a new session
    assert h.timer(16_999) == [] and h.timer(17_000) == [("m1", 12_000, 1, "DEFAULT")]
    assert h.store.data == {}


def test_a_message_after_the_gap_starts_a_new_session_even_before_the_timer_closed_the_old_one() -> None:
    h = Harness(session(5_000))
    h.view(1_000, "m1")
    h.view(6_000, "m1")  # exactly the gap later: the first session is over
    assert h.panes == [("m1", 1_000, 1, "DEFAULT")]
    h.view(10_999, "m1")
    assert h.timer(15_999) == [("m1", 6_000, 2, "DEFAULT")]


@pytest.mark.parametrize(("mode", "expected"), [
    (AccumulationMode.DISCARDING, [("m1", 0, 2, "EARLY"), ("m1", 0, 2, "EARLY"), ("m1", 0, 1, "DEFAULT")]),
    (AccumulationMode.ACCUMULATING, [("m1", 0, 2, "EARLY"), ("m1", 0, 4, "EARLY"), ("m1", 0, 5, "DEFAULT")]),
])
def test_a_repeating_count_trigger_fires_early_panes_and_the_mode_decides_what_they_hold(
        mode: AccumulationMode, expected: list[Pane]) -> None:
    h = Harness(tumbling().set_early_trigger(Triggers.repeat(Triggers.count(2))).set_accumulation_mode(mode))
    for at in (1_000, 2_000, 3_000, 4_000, 5_000):
        h.view(at, "m1")
    h.view(6_000, "m2")
    assert h.panes == expected[:2]  # early panes fire as the second and fourth views arrive
    assert h.timer(10_000) == [*expected[2:], ("m2", 0, 1, "DEFAULT")]


def test_a_discarding_pane_with_nothing_new_since_its_early_pane_emits_no_default_pane() -> None:
    h = Harness(tumbling().set_early_trigger(Triggers.repeat(Triggers.count(2))))  # DISCARDING is the default
    for at in (1_000, 2_000):
        h.view(at, "m1")
    assert h.panes == [("m1", 0, 2, "EARLY")]
    assert h.timer(10_000) == []
    assert h.store.data == {}


def test_a_one_shot_count_trigger_fires_once_per_window() -> None:
    h = Harness(tumbling().set_early_trigger(Triggers.count(2)))
    for at in (1_000, 2_000, 3_000, 4_000, 5_000, 12_000, 13_000):
        h.view(at, "m1")
    assert h.panes == [("m1", 0, 2, "EARLY"), ("m1", 10_000, 2, "EARLY")]  # the next window triggers afresh
    assert h.timer(10_000) == [("m1", 0, 3, "DEFAULT")]


def test_time_since_first_message_fires_on_the_timer_and_repeats_from_the_next_message() -> None:
    window = tumbling().set_early_trigger(Triggers.repeat(Triggers.time_since_first_message(3_000)))
    h = Harness(window.set_accumulation_mode(AccumulationMode.ACCUMULATING))
    h.view(1_000, "m1")
    h.view(2_000, "m1")
    assert h.timer(3_999) == []
    assert h.timer(4_000) == [("m1", 0, 2, "EARLY")]  # 3 s after the first view
    assert h.timer(7_000) == []  # no view since: the repeated trigger has not started
    h.view(5_000, "m1")
    assert h.timer(7_999) == [] and h.timer(8_000) == [("m1", 0, 3, "EARLY")]
    h.view(9_000, "m1")  # its early pane would be due at 12 s, after the window ends
    assert h.timer(12_500) == [("m1", 0, 4, "DEFAULT")]


def test_any_of_count_and_time_since_last_message_fires_on_whichever_comes_first() -> None:
    early = Triggers.repeat(Triggers.any(Triggers.count(3), Triggers.time_since_last_message(1_000)))
    h = Harness(session(10_000).set_early_trigger(early))
    for at in (0, 100, 200):  # three quick views: the count fires
        h.view(at, "m1")
    assert h.panes == [("m1", 0, 3, "EARLY")]
    h.view(500, "m1")
    h.view(900, "m1")
    assert h.timer(1_899) == []
    assert h.timer(1_900) == [("m1", 0, 2, "EARLY")]  # 1 s after the last view (discarding: 2 new)
    h.view(5_000, "m1")
    assert h.timer(14_999) == [("m1", 0, 1, "EARLY")]  # at 6 s the early pane; the session lasts until 15 s
    assert h.timer(15_000) == []  # discarding and nothing new: the session closes silently


def test_a_restarted_task_resumes_fold_values_and_trigger_state_from_the_store() -> None:
    store = DictStore()
    window = session(5_000).set_early_trigger(Triggers.repeat(Triggers.count(3)))
    first = Harness(window.set_accumulation_mode(AccumulationMode.ACCUMULATING), store)
    first.view(1_000, "m1")
    first.view(2_000, "m1")
    first.view(2_500, "m2")
    assert first.panes == []
    # A new operator over the restored store (as after a restart from the changelog): the count goes on.
    second = Harness(session(5_000).set_early_trigger(Triggers.repeat(Triggers.count(3)))
                     .set_accumulation_mode(AccumulationMode.ACCUMULATING), store)
    second.view(3_000, "m1")
    assert second.panes == [("m1", 1_000, 3, "EARLY")]
    # Both sessions ended while the task was down: they fire at the first timer, with their own starts.
    # In the order they fell due: m2 at 7.5 s, m1 at 8 s.
    assert second.timer(8_000) == [("m2", 2_500, 1, "DEFAULT"), ("m1", 1_000, 3, "DEFAULT")]


def test_end_of_stream_fires_every_open_pane_of_both_window_operators() -> None:
    plain = Harness(tumbling())
    assert isinstance(plain.operator, WindowOperator)
    plain.view(1_000, "m1")
    plain.view(11_000, "m1")
    plain.operator.on_end_of_stream(plain.collector, NullCoordinator())
    assert plain.panes == [("m1", 0, 1, "DEFAULT"), ("m1", 10_000, 1, "DEFAULT")]
    assert plain.store.data == {}

    sessions = Harness(session(5_000).set_early_trigger(Triggers.count(5)))
    sessions.view(1_000, "m2")
    sessions.view(1_500, "m1")
    sessions.operator.on_end_of_stream(sessions.collector, NullCoordinator())
    assert sessions.panes == [("m1", 1_500, 1, "DEFAULT"), ("m2", 1_000, 1, "DEFAULT")]
    assert sessions.store.data == {}


def test_the_task_timer_is_a_tenth_of_the_gcd_of_window_and_trigger_durations() -> None:
    assert window_timer_ms([tumbling(10_000)]) == 1_000
    assert window_timer_ms([tumbling(10_000), session(6_000)]) == 200  # gcd 2 s
    with_early = session(6_000).set_early_trigger(Triggers.repeat(Triggers.time_since_first_message(1_500)))
    assert window_timer_ms([tumbling(10_000), with_early]) == 50  # gcd 500 ms
    assert window_timer_ms([tumbling(10_001), session(6_000)]) == 10  # gcd 1 ms: the lower bound
    counted = tumbling(60_000).set_early_trigger(Triggers.count(100))  # a count has no duration
    assert window_timer_ms([counted]) == 1_000


def test_trigger_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="positive count"):
        Triggers.count(0)
    with pytest.raises(ValueError, match="positive duration"):
        Triggers.time_since_last_message(0)
    with pytest.raises(ValueError, match="at least one"):
        Triggers.any()
    with pytest.raises(TypeError, match="expected a trigger"):
        tumbling().set_early_trigger(3)  # type: ignore[arg-type]
    from samza_py.api import NoOpSerde

    with pytest.raises(ValueError, match="needs a key serde"):
        Windows.keyed_session_window(member, 10, lambda: 0, count_one, NoOpSerde(), IntegerSerde())


def test_a_store_written_by_a_plain_tumbling_window_is_refused_by_name() -> None:
    store = DictStore()
    store.data[(0).to_bytes(8, "big") + b"m1"] = (2).to_bytes(4, "big")  # a plain window's pane: count 2
    with pytest.raises(ValueError, match="window store 'j-1-window-w'.*another kind of window"):
        Harness(tumbling().set_early_trigger(Triggers.count(2)), store)


def test_the_dry_run_names_the_kind_of_window_and_its_early_trigger() -> None:
    h = Harness(session(5_000).set_early_trigger(Triggers.repeat(Triggers.count(3))))
    assert h.operator.describe() == ("j-1-window-w (keyed session window, gap 5000 ms, early trigger repeat(count(3)), "
                                     "discarding, store j-1-window-w)")


def test_an_unkeyed_tumbling_window_with_an_early_trigger_folds_every_message_into_one_pane() -> None:
    window = Windows.tumbling_window(10_000, lambda: 0, count_one, IntegerSerde())
    h = Harness(window.set_early_trigger(Triggers.time_since_first_message(2_000)))
    h.view(1_000, "m1")
    h.view(1_500, "m2")
    assert h.timer(3_000) == [(None, 0, 2, "EARLY")]  # once: the trigger does not repeat
    h.view(4_000, "m3")
    assert h.timer(9_999) == []
    assert h.timer(10_000) == [(None, 0, 1, "DEFAULT")]


def test_a_late_trigger_is_kept_but_never_fires_since_processing_time_has_no_late_messages() -> None:
    window = tumbling().set_late_trigger(Triggers.count(1))
    assert window.late_trigger is not None and window.durations_ms() == [10_000]
    h = Harness(window)
    h.view(1_000, "m1")
    h.view(12_000, "m1")  # after its first window ended: it belongs to the next window, not late to the first
    assert h.timer(10_000) == [("m1", 0, 1, "DEFAULT")]
    assert h.timer(20_000) == [("m1", 10_000, 1, "DEFAULT")]
