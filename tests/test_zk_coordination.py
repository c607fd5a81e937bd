"""Standalone coordination's pure parts: ZooKeeper paths, job model segments, registration, and the leader's
debounce, publish and barrier decisions (against an in-memory ZooKeeper)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from samza_py.api import SystemStreamPartition
from samza_py.config.config import Config
from samza_py.coordinator.zk import barrier
from samza_py.coordinator.zk.job_models import (
    JobModelChecksumError,
    decode_segments,
    encode_segments,
    read_job_model,
    read_version,
    write_job_model,
)
from samza_py.coordinator.zk.leader import Leadership
from samza_py.coordinator.zk.membership import DuplicateProcessorIdError, Member, list_members, register
from samza_py.coordinator.zk.paths import ZkPaths, parse_processor_data, processor_data
from samza_py.job.model import JobModel, TaskModel
from samza_py.job.task_grouper import GroupByContainerIds
from tests.zk_fakes import FakeZk

CONFIG = Config({"job.name": "counts", "job.id": "2", "job.debounce.time.ms": "1000",
                 "job.coordinator.zk.consensus.timeout.ms": "5000"})
PATHS = ZkPaths.from_config(CONFIG)
ROOT = "/app-counts-2/counts-2-2.0-coordinationData"


def tasks(count: int) -> dict[str, TaskModel]:
    return {f"Partition {p}": TaskModel(f"Partition {p}", frozenset({SystemStreamPartition.of("kafka", "in", p)}), p)
            for p in range(count)}


def model_for(config: Config, ids: Sequence[str]) -> JobModel:
    return JobModel(config.to_dict(), GroupByContainerIds(sorted(ids)).group(tasks(6)))


# --------------------------------------------------------------------------------------------------- paths


def test_paths_follow_samzas_layout() -> None:
    assert PATHS.root == ROOT
    assert PATHS.processors == f"{ROOT}/processors"
    assert PATHS.job_model_version == f"{ROOT}/jobModelGeneration/jobModelVersion"
    assert PATHS.active_job_model_version == f"{ROOT}/jobModelGeneration/activeJobModelVersion"
    assert PATHS.job_model(3) == f"{ROOT}/jobModelGeneration/jobModels/3"
    barriers = f"{ROOT}/jobModelGeneration/jobModelUpgradeBarrier/versionBarriers"
    assert PATHS.barrier_state(3) == f"{barriers}/barrier_3/barrier_state"
    assert PATHS.barrier_participants(3) == f"{barriers}/barrier_3/barrier_participants"


def test_app_name_and_id_win_over_the_jobs() -> None:
    paths = ZkPaths.from_config(Config({"job.name": "j", "app.name": "shop", "app.id": "7"}))
    assert paths.root == "/app-shop-7/j-1-2.0-coordinationData"


def test_processor_data_is_host_then_id() -> None:
    assert processor_data("node-1", "p1") == b"node-1 p1"
    assert parse_processor_data(b"node-1 p1") == ("node-1", "p1")


# ------------------------------------------------------------------------------------------------ segments


def test_segments_carry_a_crc32_and_split_at_the_segment_size() -> None:
    value = bytes(range(256)) * 10
    segments = encode_segments(value, segment_size=1000)
    assert [len(s) for s in segments] == [1000, 1000, 568]  # 2560 bytes + 8 of checksum
    assert decode_segments(segments) == value
    assert len(encode_segments(b"x")) == 1 and len(encode_segments(b"x")[0]) == 9


def test_a_damaged_segment_fails_its_checksum() -> None:
    segments = encode_segments(b"hello world", segment_size=4)
    segments[1] = b"HELL"[: len(segments[1])]
    with pytest.raises(JobModelChecksumError, match="checksum mismatch"):
        decode_segments(segments, "jobModels/1")


def test_a_job_model_round_trips_through_zookeeper() -> None:
    zk = FakeZk()
    model = model_for(CONFIG, ["p2", "p1", "p3"])
    write_job_model(zk, PATHS, 4, model)
    assert zk.get_children(PATHS.job_model(4)) == ["0"]
    assert read_job_model(zk, PATHS, 4) == model
    assert {pid: sorted(c.tasks) for pid, c in model.containers.items()} == {
        "p1": ["Partition 0", "Partition 3"], "p2": ["Partition 1", "Partition 4"],
        "p3": ["Partition 2", "Partition 5"]}


# -------------------------------------------------------------------------------------------- registration


def test_members_are_ordered_by_sequence_and_the_first_leads() -> None:
    zk = FakeZk()
    for pid in ("b", "a", "c"):
        register(zk, PATHS, "host", pid)
    members = list_members(zk, PATHS)
    assert [m.processor_id for m in members] == ["b", "a", "c"]
    assert members[0] == Member("0000000000", "host", "b")


def test_a_second_registration_of_an_id_is_refused_and_removed() -> None:
    zk = FakeZk(session=1)
    register(zk, PATHS, "host-1", "p1")
    zk.session = 2  # another process
    with pytest.raises(DuplicateProcessorIdError, match="processor.id 'p1' is already used .* on host-1"):
        register(zk, PATHS, "host-2", "p1")
    assert [m.processor_id for m in list_members(zk, PATHS)] == ["p1"]


def test_an_orphan_of_the_same_session_is_not_a_rival() -> None:
    zk = FakeZk(session=1)
    register(zk, PATHS, "host", "p1")  # as if its reply had been lost and the processor tried again
    me = register(zk, PATHS, "host", "p1")
    assert list_members(zk, PATHS) == [me]


def test_an_expired_member_can_come_back_with_its_id() -> None:
    zk = FakeZk(session=1)
    register(zk, PATHS, "host", "p1")
    zk.expire(1)
    zk.session = 2
    assert register(zk, PATHS, "host", "p1").sequence == 1


# ---------------------------------------------------------------------------------------- leader decisions


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def leader_world(*ids: str) -> tuple[FakeZk, Leadership, Clock, list[list[str]]]:
    zk, clock, computed = FakeZk(), Clock(), []

    def compute(config: Config, processor_ids: Sequence[str]) -> JobModel:
        computed.append(list(processor_ids))
        return model_for(config, processor_ids)

    for pid in ids:
        register(zk, PATHS, "host", pid)
    leadership = Leadership(CONFIG, zk, PATHS, compute, clock)
    assert not act(zk, leadership)  # a new leader's first look starts the debounce
    return zk, leadership, clock, computed


def act(zk: FakeZk, leadership: Leadership) -> bool:
    return leadership.act(list_members(zk, PATHS), lambda *a: None)


def test_the_leader_publishes_only_after_the_debounce() -> None:
    zk, leadership, clock, computed = leader_world("p1", "p2")
    clock.now += 0.9
    register(zk, PATHS, "host", "p3")  # a change restarts the debounce
    assert not act(zk, leadership)
    clock.now += 0.9
    assert not act(zk, leadership)
    clock.now += 0.2
    assert act(zk, leadership)
    assert computed == [["p1", "p2", "p3"]]
    assert read_version(zk, PATHS.job_model_version) == 1
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.NEW
    assert barrier.expected_participants(zk, PATHS, 1) == ["p1", "p2", "p3"]
    assert read_version(zk, PATHS.active_job_model_version) is None


def test_the_barrier_is_done_when_every_processor_joined() -> None:
    zk, leadership, clock, _ = leader_world("p1", "p2")
    clock.now += 1.0
    assert act(zk, leadership)
    barrier.join_barrier(zk, PATHS, 1, "p1")
    assert not act(zk, leadership)
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.NEW
    barrier.join_barrier(zk, PATHS, 1, "p2")
    barrier.join_barrier(zk, PATHS, 1, "p2")  # joining twice (after a reconnect) is harmless
    assert not act(zk, leadership)
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.DONE
    assert read_version(zk, PATHS.active_job_model_version) == 1
    clock.now += 10
    assert not act(zk, leadership)  # same processors: nothing to do


def test_a_barrier_times_out_after_the_consensus_timeout_and_the_leader_tries_again() -> None:
    zk, leadership, clock, computed = leader_world("p1", "p2")
    clock.now += 1.0
    act(zk, leadership)
    barrier.join_barrier(zk, PATHS, 1, "p1")
    clock.now += 4.9
    act(zk, leadership)
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.NEW
    clock.now += 0.2
    act(zk, leadership)
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.TIMED_OUT
    assert read_version(zk, PATHS.active_job_model_version) is None
    assert not act(zk, leadership)  # debounce again
    clock.now += 1.0
    assert act(zk, leadership)
    assert read_version(zk, PATHS.job_model_version) == 2 and len(computed) == 2


def test_a_processor_that_leaves_during_the_barrier_times_it_out_at_once() -> None:
    zk, leadership, clock, computed = leader_world("p1", "p2")
    clock.now += 1.0
    act(zk, leadership)
    barrier.join_barrier(zk, PATHS, 1, "p1")
    zk.delete(f"{PATHS.processors}/0000000001")  # p2 goes
    act(zk, leadership)
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.TIMED_OUT
    clock.now += 1.0
    assert act(zk, leadership)
    assert computed[-1] == ["p1"]
    assert barrier.expected_participants(zk, PATHS, 2) == ["p1"]


def test_a_member_that_came_back_under_its_id_times_the_barrier_out() -> None:
    zk, leadership, clock, _ = leader_world("p1", "p2")
    clock.now += 1.0
    act(zk, leadership)
    barrier.join_barrier(zk, PATHS, 1, "p1")
    zk.delete(f"{PATHS.processors}/0000000001")  # p2's session expired ...
    zk.session = 9
    register(zk, PATHS, "host", "p2")  # ... and it rejoined: a new member, which ignores version 1
    act(zk, leadership)
    assert barrier.barrier_state(zk, PATHS, 1) == barrier.TIMED_OUT


def test_a_new_leader_replaces_a_half_written_version() -> None:
    zk, leadership, clock, _ = leader_world("p1")
    zk.create(f"{PATHS.job_model(1)}/0", b"torn", makepath=True)  # a leader died before announcing it
    clock.now += 1.0
    assert act(zk, leadership)
    assert read_job_model(zk, PATHS, 1).containers.keys() == {"p1"}
