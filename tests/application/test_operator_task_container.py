"""A StreamApplication run by an ordinary SamzaContainer (fake systems): the operator task, its window store,
its commits, and a restart that resumes the window from the store's changelog-free local store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from samza_py.api import SystemStreamPartition
from samza_py.application.config_generator import with_application_config
from samza_py.application.task import OperatorTask
from samza_py.application.window import wall_clock_ms
from samza_py.config.config import Config
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.model import ContainerModel, TaskModel
from tests.application.helpers import run_until
from tests.fakes import FakeWorld, partition_metadata, raw

P0 = "Partition 0"



def config(app: str, **extra: str) -> Config:
    return with_application_config(Config({
        "job.name": "app", "app.class": f"tests.application.apps.{app}",
        "task.checkpoint.factory": "tests.fakes.FakeCheckpointManagerFactory", **extra,
    }))


def test_the_operator_task_routes_input_through_the_graph_and_commits(world: FakeWorld) -> None:
    words = SystemStreamPartition.of("fake", "words", 0)
    world.admin("fake").metadata = {"words": {0: partition_metadata(0, 3)}}
    world.consumer("fake").add(raw(words, 0, b"hi"), raw(words, 1, b"skip"), raw(words, 2, b"yo"))
    container = SamzaContainer(config("UpperCaseApp"), ContainerModel("0", {P0: TaskModel(P0, frozenset({words}), 0)}))

    run_until(container, lambda: len(world.log.of("send")) == 2)

    assert world.log.of("send") == [
        ("send", "fake", P0, "shouts", "hi", b"hi", b"HI"),  # partition key, key, message
        ("send", "fake", P0, "shouts", "yo", b"yo", b"YO"),
    ]
    assert world.log.of("checkpoint")[-1] == ("checkpoint", P0, {words: "2"})


def test_a_window_keeps_its_panes_in_the_store_across_a_restart(world: FakeWorld, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    views = SystemStreamPartition.of("fake", "page-views", 0)
    world.admin("fake").metadata = {"page-views": {0: partition_metadata(0, 3)}}
    store = "app-1-window-count"
    # A 10 s window: the pane stays open during the first run; no changelog (the fake system has no topics).
    cfg = config("PageViewCountApp", **{"job.logged.store.base.dir": str(tmp_path), f"stores.{store}.changelog": "",
                                        "task.window.ms": "20", "task.commit.ms": "50"})
    model = ContainerModel("0", {P0: TaskModel(P0, frozenset({views}), 0)})
    world.consumer("fake").add(*(raw(views, i, b'{"member":"m1"}', b"m1") for i in range(2)))
    now = wall_clock_ms()
    monkeypatch.setattr(OperatorTask, "clock", staticmethod(lambda: now))
    first = SamzaContainer(cfg, model)
    run_until(first, lambda: world.log.of("checkpoint")[-1:] == [("checkpoint", P0, {views: "1"})])
    assert world.log.of("send") == []

    world.consumer("fake").add(raw(views, 2, b'{"member":"m1"}', b"m1"))
    second = SamzaContainer(cfg, model)
    # The second run starts in the next 10 s window, so the first window's pane fires at its first timer.
    offset = 10_000 - wall_clock_ms() % 10_000
    monkeypatch.setattr(OperatorTask, "clock", staticmethod(lambda: wall_clock_ms() + offset))
    run_until(second, lambda: len(world.log.of("send")) >= 1)
    ((_, _, task, stream, partition_key, key, message),) = world.log.of("send")
    assert (task, stream, partition_key, key) == (P0, "page-view-counts", "m1", b"m1")
    # The first window's two views came back from the store; the third view is in the next window, still open.
    assert json.loads(message) == {"member": "m1", "window_start": now - now % 10_000, "count": 2}
    assert world.log.of("checkpoint")[-1] == ("checkpoint", P0, {views: "2"})
