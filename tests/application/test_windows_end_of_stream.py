"""Windows in an ordinary SamzaContainer (fake systems, real RocksDB stores): at end-of-stream the open
windows fire before the container stops by itself, and a session window's trigger state survives a
restart in its store."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from samza_py.api import SystemStreamPartition
from samza_py.application.task import OperatorTask
from samza_py.application.window import wall_clock_ms
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.model import ContainerModel, TaskModel
from tests.application.test_operator_task_container import P0, config, run_until
from tests.fakes import FakeWorld, eos, partition_metadata, raw


def test_open_windows_fire_at_end_of_stream_before_the_container_stops(
        world: FakeWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    views = SystemStreamPartition.of("fake", "page-views", 0)
    world.admin("fake").metadata = {"page-views": {0: partition_metadata(0, 3)}}
    store = "app-1-window-count"
    cfg = config("PageViewCountApp", **{"job.logged.store.base.dir": str(tmp_path), f"stores.{store}.changelog": "",
                                        "task.window.ms": "20", "task.commit.ms": "50"})
    members = [b"m1", b"m2", b"m1"]
    world.consumer("fake").add(*(raw(views, i, json.dumps({"member": m.decode()}).encode(), m)
                                 for i, m in enumerate(members)), eos(views))
    now = wall_clock_ms()
    # The clock stands still: the 10 s window is open when the stream ends, so only end-of-stream fires it.
    monkeypatch.setattr(OperatorTask, "clock", staticmethod(lambda: now))
    container = SamzaContainer(cfg, ContainerModel("0", {P0: TaskModel(P0, frozenset({views}), 0)}))

    thread = threading.Thread(target=container.run, daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive(), "the container did not stop at end of stream"

    start = now - now % 10_000
    sent = sorted((key, json.loads(message)) for *_, key, message in world.log.of("send"))
    assert sent == [(b"m1", {"member": "m1", "window_start": start, "count": 2}),
                    (b"m2", {"member": "m2", "window_start": start, "count": 1})]
    assert world.log.of("checkpoint")[-1][:2] == ("checkpoint", P0)


def test_a_session_and_its_early_trigger_resume_from_the_rocksdb_store_after_a_restart(
        world: FakeWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    views = SystemStreamPartition.of("fake", "page-views", 0)
    world.admin("fake").metadata = {"page-views": {0: partition_metadata(0, 3)}}
    store = "app-1-window-sessions"
    cfg = config("SessionCountApp", **{"app.class": "tests.application.window_apps.SessionCountApp",
                                       "job.logged.store.base.dir": str(tmp_path), f"stores.{store}.changelog": "",
                                       "task.window.ms": "20", "task.commit.ms": "50"})
    model = ContainerModel("0", {P0: TaskModel(P0, frozenset({views}), 0)})
    view = b'{"member":"m1"}'
    world.consumer("fake").add(raw(views, 0, view, b"m1"), raw(views, 1, view, b"m1"))
    first_at = wall_clock_ms()
    monkeypatch.setattr(OperatorTask, "clock", staticmethod(lambda: first_at))
    run_until(SamzaContainer(cfg, model), lambda: world.log.of("checkpoint")[-1:] == [("checkpoint", P0, {views: "1"})])
    assert world.log.of("send") == []  # two views: the count trigger (3) has not fired

    world.consumer("fake").add(raw(views, 2, view, b"m1"))
    monkeypatch.setattr(OperatorTask, "clock", staticmethod(lambda: first_at + 1_000))
    run_until(SamzaContainer(cfg, model), lambda: len(world.log.of("send")) >= 1)
    ((*_, key, message),) = world.log.of("send")
    # The third view fires the early pane: the count and the session's start came back from the store.
    assert (key, json.loads(message)) == (b"m1", [first_at, 3, "EARLY"])
