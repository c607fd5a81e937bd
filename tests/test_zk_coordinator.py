"""ZkJobCoordinator's decisions, pass by pass, against an in-memory ZooKeeper and a recording container runner:
stop and commit before the barrier, start only after DONE, fall back on TIMED_OUT, resume after a fence, and
ignore old versions after rejoining."""

from __future__ import annotations

from collections.abc import Sequence

from samza_py.config.config import Config
from samza_py.coordinator.zk import barrier
from samza_py.coordinator.zk.coordinator import ZkJobCoordinator
from samza_py.coordinator.zk.job_models import read_version
from samza_py.job.model import ContainerModel, JobModel
from tests.test_zk_coordination import model_for
from tests.zk_fakes import FakeZk

CONFIG = Config({"job.name": "counts", "job.debounce.time.ms": "0", "job.coordinator.zk.consensus.timeout.ms": "0"})


class RecordingRunner:
    def __init__(self, events: list[tuple[str, str, int | None, list[str]]], processor_id: str) -> None:
        self.events, self.processor_id = events, processor_id
        self.running, self.self_fenced = False, False
        self.version: int | None = None
        self.tasks: list[str] = []

    def start(self, version: int, model: ContainerModel) -> None:
        assert not self.running
        self.running, self.version, self.tasks = True, version, sorted(model.tasks)
        self.events.append(("start", self.processor_id, version, self.tasks))

    def _end(self, what: str) -> None:
        if self.running:
            self.events.append((what, self.processor_id, self.version, self.tasks))
        self.running, self.version, self.tasks = False, None, []

    def stop(self) -> None:
        self._end("stop")

    def fence(self) -> None:
        self._end("fence")

    def signal_fence(self) -> None:
        self.self_fenced = self.running
        self._end("fence")


def compute(config: Config, ids: Sequence[str]) -> JobModel:
    return model_for(config, ids)


def processor(zk: FakeZk, pid: str, events: list[tuple[str, str, int | None, list[str]]]) -> ZkJobCoordinator:
    coordinator = ZkJobCoordinator(CONFIG, pid, zk=zk, compute=compute)  # type: ignore[arg-type]
    coordinator.runner = RecordingRunner(events, pid)  # type: ignore[assignment]
    coordinator._connected = True
    coordinator._join_group()
    return coordinator


def settle(*coordinators: ZkJobCoordinator, passes: int = 6) -> None:
    for _ in range(passes):
        for coordinator in coordinators:
            coordinator._reconcile()


def running(*coordinators: ZkJobCoordinator) -> dict[str, list[str]]:
    return {c.processor_id: c.runner.tasks for c in coordinators if c.runner.running}


def test_two_processors_stop_before_the_barrier_and_start_after_it() -> None:
    server, events = FakeZk(), []
    p1 = processor(server.client(1), "p1", events)
    settle(p1)
    assert running(p1) == {"p1": ["Partition 0", "Partition 1", "Partition 2", "Partition 3", "Partition 4",
                                  "Partition 5"]}
    p2 = processor(server.client(2), "p2", events)
    events.clear()
    settle(p1, p2)
    assert running(p1, p2) == {"p1": ["Partition 0", "Partition 2", "Partition 4"],
                               "p2": ["Partition 1", "Partition 3", "Partition 5"]}
    # p1 committed and stopped version 1 before anyone started version 2.
    assert events[0][:3] == ("stop", "p1", 1)
    assert sorted(e[:3] for e in events[1:]) == [("start", "p1", 2), ("start", "p2", 2)]
    assert read_version(server, p1.paths.active_job_model_version) == 2
    assert p1.is_leader and not p2.is_leader


def test_a_timed_out_barrier_sends_processors_back_to_the_previous_model() -> None:
    server, events = FakeZk(), []
    p1 = processor(server.client(1), "p1", events)
    settle(p1)
    processor(server.client(2), "p2", events)  # registers, then never acts (stuck)
    events.clear()
    p1._reconcile()  # the leader publishes version 2 for p1 and p2
    p1._reconcile()  # p1 stops version 1 and joins; p2 never does: TIMED_OUT (consensus timeout 0)
    p1._reconcile()  # p1 goes back to version 1
    assert barrier.barrier_state(server, p1.paths, 2) == barrier.TIMED_OUT
    assert [e[:3] for e in events] == [("stop", "p1", 1), ("start", "p1", 1)]
    assert len(running(p1)["p1"]) == 6


def test_a_fenced_container_resumes_when_the_session_comes_back() -> None:
    server, events = FakeZk(), []
    p1 = processor(server.client(1), "p1", events)
    settle(p1)
    p1._connected = False
    p1.runner.signal_fence()  # what the session listener does on SUSPENDED
    p1._reconcile()
    assert running(p1) == {}
    p1._connected = True
    p1._reconcile()
    assert [e[:3] for e in events[-2:]] == [("fence", "p1", 1), ("start", "p1", 1)]


def test_a_processor_whose_session_expired_waits_for_a_model_made_after_it_rejoined() -> None:
    server, events = FakeZk(), []
    p1 = processor(server.client(1), "p1", events)
    p2 = processor(server.client(2), "p2", events)
    settle(p1, p2)
    assert set(running(p1, p2)) == {"p1", "p2"}
    server.expire(2)  # p2's session ends (it was frozen): its znode goes
    p2.runner.signal_fence()
    p2._session_lost = True
    p2._zk = server.client(3)  # kazoo reconnects with a new session
    p2._reconcile()  # rejoins at once; version 1 (which still names p2) is not run again
    assert "p2" not in running(p1, p2)
    assert p2._floor == 1
    settle(p1, p2)
    assert running(p1, p2) == {"p1": ["Partition 0", "Partition 2", "Partition 4"],
                               "p2": ["Partition 1", "Partition 3", "Partition 5"]}
    # The same ids as version 1, but p2 is a new member: the leader made version 2 for it.
    assert read_version(server, p1.paths.job_model_version) == 2
