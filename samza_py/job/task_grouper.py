"""Task-name groupers: which container (processor) runs which tasks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.job.model import ContainerModel, TaskModel

CONTAINER_COUNT_KEY = "job.container.count"
LEGACY_CONTAINER_COUNT_KEY = "yarn.container.count"
PROCESSOR_ID_KEY = "processor.id"


class TaskGroupingError(ConfigException):
    """The tasks cannot be spread over the configured containers; names the key to change."""

    def __init__(self, message: str, key: str = CONTAINER_COUNT_KEY) -> None:
        super().__init__(key, message)


class TaskNameGrouper(ABC):
    @abstractmethod
    def group(self, tasks: Mapping[str, TaskModel]) -> dict[str, ContainerModel]: ...


class TaskNameGrouperFactory(ABC):
    """What ``task.name.grouper.factory`` names."""

    @abstractmethod
    def build(self, config: Config) -> TaskNameGrouper: ...


def _containers(
    tasks: Mapping[str, TaskModel], assignment: Sequence[tuple[str, list[str]]]
) -> dict[str, ContainerModel]:
    """ContainerModels in the given processor order, each container's tasks sorted by name."""
    return {pid: ContainerModel(pid, {name: tasks[name] for name in sorted(names)}) for pid, names in assignment}


def _round_robin(tasks: Mapping[str, TaskModel], processor_ids: Sequence[str]) -> dict[str, ContainerModel]:
    # Python's str order equals Java's String.compareTo for BMP text: "Partition 10" < "Partition 2".
    names = sorted(tasks)
    return _containers(tasks, [(pid, names[i :: len(processor_ids)]) for i, pid in enumerate(processor_ids)])


class GroupByContainerCount(TaskNameGrouper):
    """Sorted tasks dealt round-robin to processors "0".."n-1"; ``balance`` keeps a previous assignment."""

    def __init__(self, container_count: int) -> None:
        if container_count <= 0:
            raise TaskGroupingError(f"must have at least one container, got {container_count}")
        self.container_count = container_count

    def _validate(self, tasks: Mapping[str, TaskModel]) -> None:
        if len(tasks) < 1:
            raise TaskGroupingError("No tasks found. Likely due to no input partitions. Can't run a job with no tasks.")
        if len(tasks) < self.container_count:
            raise TaskGroupingError(
                f"Your container count ({self.container_count}) is larger than your task count ({len(tasks)}). "
                "Can't have containers with nothing to do, so aborting."
            )

    def group(self, tasks: Mapping[str, TaskModel]) -> dict[str, ContainerModel]:
        self._validate(tasks)
        return _round_robin(tasks, [str(i) for i in range(self.container_count)])

    def balance(self, tasks: Mapping[str, TaskModel], previous: Mapping[str, str]) -> dict[str, ContainerModel]:
        """Host affinity: move as few tasks as possible away from their previous processor.

        ``previous`` maps task name -> processor id from the last run. The caller persists the result.
        """
        self._validate(tasks)
        groups = _previous_groups(tasks, previous)
        if groups is None or len(groups) == 1 or self.container_count == 1:
            return self.group(tasks)
        if len(groups) == self.container_count:
            return _containers(tasks, [(str(i), names) for i, names in enumerate(groups)])

        expected = _expected_counts(len(tasks), len(groups), self.container_count)
        # Surplus leaves each previous container from the end of its sorted list, in container order.
        surplus: list[str] = []
        for i, names in enumerate(groups):
            while len(names) > expected[i]:
                surplus.append(names.pop())
        if self.container_count > len(groups):
            groups.extend([] for _ in range(self.container_count - len(groups)))
        else:
            del groups[self.container_count :]
        for i, names in enumerate(groups):
            while len(names) < expected[i]:
                names.append(surplus.pop(0))
        return _containers(tasks, [(str(i), names) for i, names in enumerate(groups)])


def _previous_groups(tasks: Mapping[str, TaskModel], previous: Mapping[str, str]) -> list[list[str]] | None:
    """Previous task lists indexed by processor id, each sorted; None when they cannot be reused."""
    for pid in previous.values():
        if not _is_int(pid):
            raise TaskGroupingError(f"GroupByContainerCount cannot handle non-integer processor id {pid!r}")
    # Samza only compares counts; a renamed task set would break it, so we also require the same names.
    if not previous or set(previous) != set(tasks):
        return None
    by_id: dict[str, list[str]] = {}
    for name, pid in previous.items():
        by_id.setdefault(pid, []).append(name)
    # Ids must be exactly "0".."k-1"; any gap means the stored mapping is unusable.
    if set(by_id) != {str(i) for i in range(len(by_id))}:
        return None
    return [sorted(by_id[str(i)]) for i in range(len(by_id))]


def _expected_counts(task_count: int, previous_count: int, count: int) -> list[int]:
    """t // n per new container, +1 for the first t % n; 0 for containers that go away."""
    expected = [task_count // count + (1 if i < task_count % count else 0) for i in range(count)]
    return expected + [0] * max(0, previous_count - count)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


class GroupByContainerIds(TaskNameGrouper):
    """Standalone: sorted tasks dealt round-robin to the given processor ids, in the order given."""

    def __init__(self, processor_ids: Sequence[str]) -> None:
        if not processor_ids:
            raise TaskGroupingError("must have at least one processor id", PROCESSOR_ID_KEY)
        self.processor_ids = list(processor_ids)

    def group(self, tasks: Mapping[str, TaskModel]) -> dict[str, ContainerModel]:
        if not tasks:
            raise TaskGroupingError(
                f"cannot group an empty set of tasks; processor ids {self.processor_ids}", PROCESSOR_ID_KEY
            )
        ids = self.processor_ids
        if len(ids) > len(tasks):
            # More processors than tasks: the lexicographically least ids get one task each, the rest idle.
            ids = sorted(ids)[: len(tasks)]
        return _round_robin(tasks, ids)


def container_count_from_config(config: Config) -> int:
    """job.container.count, else the legacy yarn.container.count, else 1."""
    key = CONTAINER_COUNT_KEY if config.get_str(CONTAINER_COUNT_KEY) is not None else LEGACY_CONTAINER_COUNT_KEY
    count = config.get_int(key, 1)
    if count <= 0:
        raise TaskGroupingError(f"must be at least 1, got {count}", key)
    return count


class GroupByContainerCountFactory(TaskNameGrouperFactory):
    def build(self, config: Config) -> GroupByContainerCount:
        return GroupByContainerCount(container_count_from_config(config))


class GroupByContainerIdsFactory(TaskNameGrouperFactory):
    def build(self, config: Config, processor_ids: Sequence[str] | None = None) -> GroupByContainerIds:
        """Ids given (standalone: the live processors) win; else ``processor.id``; else "0".."count-1"."""
        if processor_ids:
            return GroupByContainerIds(processor_ids)
        configured = config.get_list(PROCESSOR_ID_KEY)
        if configured:
            return GroupByContainerIds(configured)
        return GroupByContainerIds([str(i) for i in range(container_count_from_config(config))])
