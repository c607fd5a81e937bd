"""Applications the high-level API tests describe (named by app.class, so they live in a module)."""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    IntegerSerde,
    JsonSerde,
    KVSerde,
    StreamApplication,
    StreamApplicationDescriptor,
    StringSerde,
    SystemDescriptor,
    TaskApplication,
    TaskApplicationDescriptor,
    Windows,
)
from tests.config.sample_classes import GoodTask

FAKE_FACTORY = "tests.fakes.FakeSystemFactory"


class UpperCaseApp(StreamApplication):
    """words (strings) -> drop "skip" -> KV(word, WORD) -> shouts (string key and message)."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        words = app_descriptor.get_input_stream(fake.get_input_descriptor("words", StringSerde()))
        shouts = app_descriptor.get_output_stream(
            fake.get_output_descriptor("shouts", KVSerde(StringSerde(), StringSerde())))
        words.filter(lambda w: w != "skip").map(lambda w: KV(w, w.upper())).send_to(shouts)


def count_one(_message: Any, count: int) -> int:
    return count + 1


class PageViewCountApp(StreamApplication):
    """page-views (KV member -> JSON view) -> count per member in 10 s windows -> page-view-counts (JSON)."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        views = app_descriptor.get_input_stream(
            fake.get_input_descriptor("page-views", KVSerde(StringSerde(), JsonSerde())))
        counts = app_descriptor.get_output_stream(
            fake.get_output_descriptor("page-view-counts", KVSerde(StringSerde(), JsonSerde())))
        window = Windows.keyed_tumbling_window(lambda kv: kv.value["member"], 10_000, lambda: 0, count_one,
                                               StringSerde(), IntegerSerde())
        views.window(window, "count").map(
            lambda pane: KV(pane.key.key, {"member": pane.key.key, "window_start": pane.key.pane_id,
                                           "count": pane.message})
        ).send_to(counts)


class GoodTaskApp(TaskApplication):
    def describe(self, app_descriptor: TaskApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_task_factory(GoodTask)
        app_descriptor.add_input_stream(fake.get_input_descriptor("in", JsonSerde()))


class FailingApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        raise RuntimeError("no inputs today")


class NotAnApp:
    pass


class NoInputApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        pass


class NoTaskApp(TaskApplication):
    def describe(self, app_descriptor: TaskApplicationDescriptor) -> None:
        app_descriptor.add_input_stream(SystemDescriptor("fake", FAKE_FACTORY).get_input_descriptor("in"))


class TwoSystemsNamedAlikeApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        app_descriptor.get_input_stream(SystemDescriptor("fake", FAKE_FACTORY).get_input_descriptor("a"))
        app_descriptor.get_input_stream(SystemDescriptor("fake", FAKE_FACTORY).get_input_descriptor("b"))
