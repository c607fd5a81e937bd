"""Standalone mode: run-app processors that form one job through ZooKeeper, with state that moves with its tasks.

Counts are checked exactly: the store of each task (read back as the latest value per key of its changelog
partition) must equal the number of messages with that key in its input partition. State always matches
the checkpoint (transactional state), so a processor killed mid-stream makes its tasks' next owner redo the
input after the checkpoint on top of the state as of that checkpoint: duplicates in processing never show
in the counts, and a lost or doubly counted message would.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ZOOKEEPER_CONNECT
from .jobs import changelog_counts, wait_for, wait_for_counts
from .standalone import (
    PARTITIONS,
    PrivateZooKeeper,
    Processor,
    SteadyInput,
    create_input,
    group_state,
    job_properties,
    produce_keys,
    run_app_status,
    settled_on,
    started_tasks,
    write_config,
    zk_client,
)


@pytest.fixture
def processors() -> Iterator[list[Processor]]:
    started: list[Processor] = []
    yield started
    for processor in started:
        if processor.alive():
            processor.stop()


def wait_for_more_counting(unique: str, what: str) -> None:
    """Poll until the stores hold more counts than now: input is processed by whoever owns the tasks."""
    start = sum(changelog_counts(unique).values())
    wait_for(lambda: sum(changelog_counts(unique).values()) > start, 60, what)


def test_three_processors_split_the_tasks_and_count_exactly(
    unique: str, tmp_path: Path, processors: list[Processor]
) -> None:
    properties = job_properties(unique)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    truth = produce_keys(f"{unique}-in", 0, 3000)
    zk = zk_client()
    try:
        for pid in ("p1", "p2", "p3"):
            processors.append(Processor(config, pid, tmp_path))
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2", "p3"}), 90, "three processors sharing the tasks")
        _, assignment = group_state(zk, properties)
        assert assignment is not None
        # GroupByContainerIds: the six tasks in name order dealt round-robin over the sorted processor ids.
        assert assignment == {"p1": {"Partition 0", "Partition 3"}, "p2": {"Partition 1", "Partition 4"},
                              "p3": {"Partition 2", "Partition 5"}}
        wait_for_counts(unique, truth, 120, "the counts to reach the truth")
        # Each processor runs exactly its own tasks now.
        for processor in processors:
            assert sorted(started_tasks(processor)[-1]) == sorted(assignment[processor.processor_id])
        # --operation status shows the same, read from ZooKeeper.
        status = run_app_status(config, tmp_path)
        assert status.returncode == 0, status.stderr
        lines = status.stdout.splitlines()
        leader = _leader(zk, properties)
        assert lines[0] == f"zk-{unique}-1: 3 processor(s), leader {leader}"
        assert lines[1] == "job model version 1 (barrier DONE), active version 1"
        host = socket.gethostname()
        assert sorted(lines[2:]) == [
            f"processor p1 on {host}{' (leader)' if leader == 'p1' else ''}: Partition 0, Partition 3",
            f"processor p2 on {host}{' (leader)' if leader == 'p2' else ''}: Partition 1, Partition 4",
            f"processor p3 on {host}{' (leader)' if leader == 'p3' else ''}: Partition 2, Partition 5",
        ]
    finally:
        zk.stop()
        zk.close()
    for processor in processors:
        assert processor.stop() == 0, processor.text()[-3000:]


def test_processors_without_ids_generate_uuids_and_share_the_tasks(
    unique: str, tmp_path: Path, processors: list[Processor]
) -> None:
    properties = job_properties(unique)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    truth = produce_keys(f"{unique}-in", 0, 600)
    zk = zk_client()
    try:
        processors.extend(Processor(config, name, tmp_path, set_id=False) for name in ("a", "b"))
        uuid_form = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

        def two_uuids_settled() -> bool:
            live, _ = group_state(zk, properties)
            return (len(live) == 2 and all(uuid_form.fullmatch(pid) for pid in live)
                    and settled_on(zk, properties, live))

        wait_for(two_uuids_settled, 90, "two processors with generated ids sharing the tasks")
        wait_for_counts(unique, truth, 120, "the counts to reach the truth")
    finally:
        zk.stop()
        zk.close()


def test_unreachable_zookeeper_fails_naming_the_key(unique: str, tmp_path: Path) -> None:
    properties = job_properties(unique, zk_connect="127.0.0.1:1")
    properties["job.coordinator.zk.connection.timeout.ms"] = "3000"
    config = write_config(tmp_path / "job.properties", properties)
    started = time.monotonic()
    processor = Processor(config, "p1", tmp_path)
    code = processor.process.wait(60)
    elapsed = time.monotonic() - started
    assert code == 1
    assert "job.coordinator.zk.connect: cannot connect to ZooKeeper at '127.0.0.1:1'" in processor.text()
    assert elapsed < 3 + 15, elapsed  # the connection timeout, plus the interpreter's start


def test_missing_zk_connect_is_rejected_before_anything_starts(unique: str, tmp_path: Path) -> None:
    properties = job_properties(unique)
    del properties["job.coordinator.zk.connect"]
    config = write_config(tmp_path / "job.properties", properties)
    processor = Processor(config, "p1", tmp_path)
    assert processor.process.wait(60) == 2
    assert "job.coordinator.zk.connect: is required" in processor.text()


def test_a_second_processor_with_the_same_id_refuses_to_start(
    unique: str, tmp_path: Path, processors: list[Processor]
) -> None:
    # Under a chroot of the connect string, which the first processor creates.
    connect = f"{ZOOKEEPER_CONNECT}/samza-py-it/{unique}"
    properties = job_properties(unique, zk_connect=connect)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    processors.append(Processor(config, "p1", tmp_path))
    plain = zk_client()
    try:
        wait_for(lambda: plain.exists(f"/samza-py-it/{unique}") is not None, 60, "the processor to create the chroot")
    finally:
        plain.stop()
        plain.close()
    zk = zk_client(connect)
    try:
        wait_for(lambda: settled_on(zk, properties, {"p1"}), 90, "the first processor to run every task")
        twin = Processor(config, "p1", tmp_path / "twin")
        assert twin.process.wait(60) == 1
        assert "processor.id 'p1' is already used by a live processor of this job" in twin.text()
        # The first one is untouched: still the only member, still running every task.
        assert settled_on(zk, properties, {"p1"})
        assert processors[0].alive()
    finally:
        zk.stop()
        zk.close()


def _leader(zk: object, properties: dict[str, str]) -> str:
    from samza_py.config.config import Config
    from samza_py.coordinator.zk.membership import list_members
    from samza_py.coordinator.zk.paths import ZkPaths

    return list_members(zk, ZkPaths.from_config(Config(properties)))[0].processor_id


def test_kill_9_of_the_leader_moves_its_tasks_and_state_to_the_others(
    unique: str, tmp_path: Path, processors: list[Processor]
) -> None:
    properties = job_properties(unique)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    zk = zk_client()
    steady = None
    try:
        by_id = {pid: Processor(config, pid, tmp_path) for pid in ("p1", "p2", "p3")}
        processors.extend(by_id.values())
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2", "p3"}), 90, "three processors sharing the tasks")
        steady = SteadyInput(f"{unique}-in")
        # Every task has counted (and checkpointed) something before the kill.
        wait_for(lambda: len({p for p, _ in changelog_counts(unique)}) == PARTITIONS, 60, "state in every task")
        victim = _leader(zk, properties)
        _, before = group_state(zk, properties)
        assert before is not None
        wait_for_more_counting(unique, "more counted before the kill")
        by_id[victim].kill9()
        killed_at = time.monotonic()
        survivors = {"p1", "p2", "p3"} - {victim}
        wait_for(lambda: settled_on(zk, properties, survivors), 60, "the two survivors to own every task")
        took = time.monotonic() - killed_at
        # Session timeout (6 s) + debounce (1 s), plus the model's computation (topic metadata, the
        # coordinator stream) and the barrier, with room for a busy machine.
        assert took < 6 + 1 + 10, took
        _, after = group_state(zk, properties)
        assert after is not None and set().union(*after.values()) == set().union(*before.values())
        moved = before[victim]
        for pid in survivors:
            wait_for(lambda pid=pid: sorted((started_tasks(by_id[pid]) or [[]])[-1]) == sorted(after[pid]), 30,
                     f"{pid} to start its tasks of the new model")
        # The victim's tasks are restored from the changelog on their new owners (nothing local there).

        def restored(task: str) -> bool:
            logs = "\n".join(by_id[pid].text() for pid in survivors)
            return re.search(rf"restored store 'counts' of '{task}' from .*: [1-9]\d* records", logs) is not None

        for task in moved:
            wait_for(lambda task=task: restored(task), 30, f"the restore of {task}'s state on its new owner")
        wait_for_more_counting(unique, "the new owners to count more input")
        truth = steady.stop()
        steady = None
        wait_for_counts(unique, truth, 120, "the counts to reach the truth")
    finally:
        if steady is not None:
            steady.stop()
        zk.stop()
        zk.close()


def test_a_fourth_processor_joins_and_the_tasks_spread_over_four(
    unique: str, tmp_path: Path, processors: list[Processor]
) -> None:
    properties = job_properties(unique)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    zk = zk_client()
    steady = None
    try:
        by_id = {pid: Processor(config, pid, tmp_path) for pid in ("p1", "p2", "p3")}
        processors.extend(by_id.values())
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2", "p3"}), 90, "three processors sharing the tasks")
        steady = SteadyInput(f"{unique}-in")
        wait_for(lambda: len({p for p, _ in changelog_counts(unique)}) == PARTITIONS, 60, "state in every task")
        by_id["p4"] = Processor(config, "p4", tmp_path)
        processors.append(by_id["p4"])
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2", "p3", "p4"}), 60, "four processors sharing the tasks")
        _, after = group_state(zk, properties)
        assert after == {"p1": {"Partition 0", "Partition 4"}, "p2": {"Partition 1", "Partition 5"},
                         "p3": {"Partition 2"}, "p4": {"Partition 3"}}
        wait_for(lambda: started_tasks(by_id["p4"]) == [["Partition 3"]], 30, "p4 to start its one task")
        wait_for_more_counting(unique, "more input counted under the new model")
        truth = steady.stop()
        steady = None
        wait_for_counts(unique, truth, 120, "the counts to reach the truth")
        # Every processor stops gracefully, with a last commit.
        for processor in processors:
            assert processor.stop() == 0, processor.text()[-3000:]
    finally:
        if steady is not None:
            steady.stop()
        zk.stop()
        zk.close()


@pytest.fixture
def private_zk(tmp_path: Path) -> Iterator[PrivateZooKeeper]:
    missing = [jar for jar in PrivateZooKeeper.JARS if not Path(jar).is_file()]
    if missing:
        pytest.skip(f"no ZooKeeper jars to run a private ZooKeeper from: {missing}")
    zk = PrivateZooKeeper(tmp_path / "zookeeper")
    yield zk
    zk.stop()


def test_processors_ride_out_a_zookeeper_restart(
    unique: str, tmp_path: Path, private_zk: PrivateZooKeeper, processors: list[Processor]
) -> None:
    properties = job_properties(unique, zk_connect=private_zk.connect)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    steady = None
    zk = zk_client(private_zk.connect)
    try:
        by_id = {pid: Processor(config, pid, tmp_path) for pid in ("p1", "p2")}
        processors.extend(by_id.values())
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2"}), 90, "two processors sharing the tasks")
        _, before = group_state(zk, properties)
        steady = SteadyInput(f"{unique}-in")
        wait_for(lambda: len({p for p, _ in changelog_counts(unique)}) == PARTITIONS, 60, "state in every task")
        zk.stop()
        zk.close()
        private_zk.stop()
        # Both notice the outage and fence their containers: no processing or commits without ZooKeeper.
        for processor in by_id.values():
            wait_for(lambda p=processor: "ZooKeeper session SUSPENDED" in p.text(), 30, "the processors to notice")
        time.sleep(3.0)  # shorter than the session timeout (6 s): the sessions survive the restart
        private_zk.start()
        for processor in by_id.values():
            wait_for(lambda p=processor: len(started_tasks(p)) >= 2, 60, f"{processor.processor_id} to start again")
        zk = zk_client(private_zk.connect)
        live, after = group_state(zk, properties)
        # The same members and the same model: nothing was given away.
        assert live == {"p1", "p2"} and after == before
        assert all(started_tasks(p)[-1] == started_tasks(p)[0] for p in by_id.values())
        assert all(p.alive() for p in by_id.values())
        wait_for_more_counting(unique, "more input counted under the new model")
        truth = steady.stop()
        steady = None
        wait_for_counts(unique, truth, 120, "the counts to reach the truth")
        for processor in processors:
            assert processor.stop() == 0, processor.text()[-3000:]
    finally:
        if steady is not None:
            steady.stop()
        zk.stop()
        zk.close()


def test_a_frozen_processor_is_fenced_and_rejoins_as_a_new_member(
    unique: str, tmp_path: Path, processors: list[Processor]
) -> None:
    properties = job_properties(unique)
    config = write_config(tmp_path / "job.properties", properties)
    create_input(unique)
    zk = zk_client()
    steady = None
    try:
        by_id = {pid: Processor(config, pid, tmp_path) for pid in ("p1", "p2", "p3")}
        processors.extend(by_id.values())
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2", "p3"}), 90, "three processors sharing the tasks")
        steady = SteadyInput(f"{unique}-in")
        wait_for(lambda: len({p for p, _ in changelog_counts(unique)}) == PARTITIONS, 60, "state in every task")
        frozen = by_id["p3"]
        frozen.pause()  # as a long GC pause or a stalled host: its session expires while it cannot act
        others = {"p1", "p2"}
        wait_for(lambda: settled_on(zk, properties, others), 60, "the others to take the frozen one's tasks")
        wait_for_more_counting(unique, "the new owners to count its tasks' input")
        frozen.resume()
        # On waking it fences itself first (its lease ran out), then rejoins and gets tasks again.
        wait_for(lambda: settled_on(zk, properties, {"p1", "p2", "p3"}), 60, "the frozen one to rejoin")
        text = frozen.text()
        assert "fenced" in text
        assert "processor p3 rejoins the job as a new member" in text
        wait_for_more_counting(unique, "more input counted under the new model")
        truth = steady.stop()
        steady = None
        wait_for_counts(unique, truth, 120, "the counts to reach the truth")
    finally:
        if steady is not None:
            steady.stop()
        zk.stop()
        zk.close()
