"""SSP groupers and task-name groupers (semantics §3.1-3.3)."""

from __future__ import annotations

import pytest

from samza_py.api.streams import SystemStreamPartition
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.job.grouper import (
    GroupByPartition,
    GroupByPartitionFactory,
    GroupBySystemStreamPartition,
    GroupBySystemStreamPartitionFactory,
)
from samza_py.job.model import ContainerModel, TaskModel
from samza_py.job.task_grouper import (
    GroupByContainerCount,
    GroupByContainerCountFactory,
    GroupByContainerIds,
    GroupByContainerIdsFactory,
    TaskGroupingError,
)

SSP = SystemStreamPartition.of


def _inputs() -> set[SystemStreamPartition]:
    return {SSP("kafka", "small", p) for p in range(12)} | {SSP("kafka", "large", p) for p in range(14)}


def _tasks(count: int) -> dict[str, TaskModel]:
    return {f"Partition {i}": TaskModel(f"Partition {i}", frozenset({SSP("kafka", "x", i)}), i) for i in range(count)}


def _layout(containers: dict[str, ContainerModel]) -> dict[str, list[str]]:
    return {pid: list(c.tasks) for pid, c in containers.items()}


# --- SSP groupers --------------------------------------------------------------------------------------------


def test_group_by_partition_12_and_14() -> None:
    groups = GroupByPartition().group(_inputs())
    assert len(groups) == 14
    assert groups["Partition 3"] == {SSP("kafka", "small", 3), SSP("kafka", "large", 3)}
    assert groups["Partition 12"] == {SSP("kafka", "large", 12)}
    assert groups["Partition 13"] == {SSP("kafka", "large", 13)}


def test_group_by_ssp_12_and_14() -> None:
    groups = GroupBySystemStreamPartition().group(_inputs())
    assert len(groups) == 26
    assert groups["SystemStreamPartition [kafka, large, 13]"] == {SSP("kafka", "large", 13)}


def test_broadcast_ssps_join_every_task() -> None:
    broadcast = {SSP("kafka", "config", 0)}
    inputs = _inputs() | broadcast
    for grouper in (GroupByPartition(broadcast), GroupBySystemStreamPartition(broadcast)):
        groups = grouper.group(inputs)
        assert all(SSP("kafka", "config", 0) in members for members in groups.values())
        assert "SystemStreamPartition [kafka, config, 0]" not in groups
    # With GroupByPartition the broadcast partition 0 does not make "Partition 0" special.
    assert len(GroupByPartition(broadcast).group(inputs)) == 14
    assert len(GroupBySystemStreamPartition(broadcast).group(inputs)) == 26


def test_grouper_factories_read_broadcast_inputs() -> None:
    config = Config({"task.broadcast.inputs": "kafka.config#[0-1]"})
    groups = GroupByPartitionFactory().get_system_stream_partition_grouper(config).group({SSP("kafka", "x", 5)})
    assert groups == {"Partition 5": {SSP("kafka", "x", 5), SSP("kafka", "config", 0), SSP("kafka", "config", 1)}}
    plain = GroupBySystemStreamPartitionFactory().get_system_stream_partition_grouper(Config({}))
    assert plain.group({SSP("kafka", "x", 5)}) == {"SystemStreamPartition [kafka, x, 5]": {SSP("kafka", "x", 5)}}


# --- GroupByContainerCount -----------------------------------------------------------------------------------


def test_twelve_tasks_three_containers_table() -> None:
    containers = GroupByContainerCount(3).group(_tasks(12))
    assert _layout(containers) == {
        "0": ["Partition 0", "Partition 11", "Partition 4", "Partition 7"],
        "1": ["Partition 1", "Partition 2", "Partition 5", "Partition 8"],
        "2": ["Partition 10", "Partition 3", "Partition 6", "Partition 9"],
    }
    assert all(c.processor_id == pid for pid, c in containers.items())
    assert containers["2"].tasks["Partition 10"] == _tasks(12)["Partition 10"]


def test_string_order_puts_partition_10_before_2() -> None:
    assert sorted(_tasks(12)).index("Partition 10") < sorted(_tasks(12)).index("Partition 2")
    containers = GroupByContainerCount(2).group(_tasks(3))
    assert _layout(containers) == {"0": ["Partition 0", "Partition 2"], "1": ["Partition 1"]}


def test_more_containers_than_tasks_fails() -> None:
    with pytest.raises(TaskGroupingError) as info:
        GroupByContainerCount(4).group(_tasks(3))
    assert info.value.key == "job.container.count"
    assert "Your container count (4) is larger than your task count (3)" in str(info.value)
    assert isinstance(info.value, ConfigException)


def test_no_tasks_or_no_containers_fails() -> None:
    with pytest.raises(TaskGroupingError, match="No tasks found"):
        GroupByContainerCount(1).group({})
    with pytest.raises(TaskGroupingError):
        GroupByContainerCount(0)


def _assignment(containers: dict[str, ContainerModel]) -> dict[str, str]:
    return {name: pid for pid, c in containers.items() for name in c.tasks}


def test_balance_same_count_reuses_previous_assignment() -> None:
    tasks = _tasks(4)
    previous = {"Partition 0": "1", "Partition 1": "1", "Partition 2": "0", "Partition 3": "0"}
    assert _assignment(GroupByContainerCount(2).balance(tasks, previous)) == previous


def test_balance_without_usable_history_groups_normally() -> None:
    grouper = GroupByContainerCount(3)
    expected = grouper.group(_tasks(12))
    assert grouper.balance(_tasks(12), {}) == expected
    fewer = {f"Partition {i}": "0" for i in range(5)}
    assert grouper.balance(_tasks(12), fewer) == expected
    gap = {name: ("0" if i % 2 else "2") for i, name in enumerate(_tasks(12))}  # container "1" missing
    assert grouper.balance(_tasks(12), gap) == expected


def test_balance_more_containers_moves_only_surplus() -> None:
    tasks = _tasks(12)
    previous = _assignment(GroupByContainerCount(3).group(tasks))
    containers = GroupByContainerCount(4).balance(tasks, previous)
    # 3 per container; each old container gives up its last task (in name order) to the new container "3".
    assert _layout(containers) == {
        "0": ["Partition 0", "Partition 11", "Partition 4"],
        "1": ["Partition 1", "Partition 2", "Partition 5"],
        "2": ["Partition 10", "Partition 3", "Partition 6"],
        "3": ["Partition 7", "Partition 8", "Partition 9"],
    }
    moved = [name for name, pid in _assignment(containers).items() if previous[name] != pid]
    assert sorted(moved) == ["Partition 7", "Partition 8", "Partition 9"]


def test_balance_fewer_containers() -> None:
    tasks = _tasks(12)
    previous = _assignment(GroupByContainerCount(3).group(tasks))
    containers = GroupByContainerCount(2).balance(tasks, previous)
    # 6 each; container "2" goes away and its tasks (taken from the end) fill "0" then "1".
    assert _layout(containers) == {
        "0": ["Partition 0", "Partition 11", "Partition 4", "Partition 6", "Partition 7", "Partition 9"],
        "1": ["Partition 1", "Partition 10", "Partition 2", "Partition 3", "Partition 5", "Partition 8"],
    }
    for name, pid in previous.items():
        if pid != "2":
            assert _assignment(containers)[name] == pid


def test_balance_uneven_target() -> None:
    tasks = _tasks(10)
    previous = _assignment(GroupByContainerCount(2).group(tasks))
    containers = GroupByContainerCount(3).balance(tasks, previous)
    assert [len(c.tasks) for c in containers.values()] == [4, 3, 3]
    assert sorted(_assignment(containers)) == sorted(tasks)
    assert GroupByContainerCount(3).balance(tasks, previous) == containers  # deterministic


def test_balance_rejects_non_integer_processor_ids() -> None:
    with pytest.raises(TaskGroupingError):
        GroupByContainerCount(2).balance(_tasks(2), {"Partition 0": "a", "Partition 1": "b"})


def test_container_count_factory() -> None:
    assert GroupByContainerCountFactory().build(Config({})).container_count == 1
    assert GroupByContainerCountFactory().build(Config({"yarn.container.count": "2"})).container_count == 2
    config = Config({"job.container.count": "3", "yarn.container.count": "2"})
    assert GroupByContainerCountFactory().build(config).container_count == 3
    with pytest.raises(ConfigException) as info:
        GroupByContainerCountFactory().build(Config({"yarn.container.count": "0"}))
    assert info.value.key == "yarn.container.count"


# --- GroupByContainerIds -------------------------------------------------------------------------------------


def test_group_by_container_ids() -> None:
    containers = GroupByContainerIds(["b", "a"]).group(_tasks(3))
    assert _layout(containers) == {"b": ["Partition 0", "Partition 2"], "a": ["Partition 1"]}
    # More processors than tasks: the least ids (as strings) are used.
    assert list(GroupByContainerIds(["z", "y", "x"]).group(_tasks(2))) == ["x", "y"]
    with pytest.raises(TaskGroupingError):
        GroupByContainerIds([])
    with pytest.raises(TaskGroupingError):
        GroupByContainerIds(["a"]).group({})


def test_container_ids_factory() -> None:
    factory = GroupByContainerIdsFactory()
    assert factory.build(Config({}), ["p1", "p2"]).processor_ids == ["p1", "p2"]
    assert factory.build(Config({"processor.id": "p9"})).processor_ids == ["p9"]
    assert factory.build(Config({"job.container.count": "2"})).processor_ids == ["0", "1"]
