"""SSP groupers: which task reads which input partitions (GroupByPartition, GroupBySystemStreamPartition)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable

from samza_py.api.streams import SystemStreamPartition
from samza_py.config.config import Config

BROADCAST_INPUTS_KEY = "task.broadcast.inputs"


class SystemStreamPartitionGrouper(ABC):
    """Splits the job's input SSPs into named tasks; broadcast SSPs then join every task."""

    def __init__(self, broadcast_ssps: Iterable[SystemStreamPartition] = ()) -> None:
        self.broadcast_ssps: frozenset[SystemStreamPartition] = frozenset(broadcast_ssps)

    @abstractmethod
    def task_name_for(self, ssp: SystemStreamPartition) -> str: ...

    @abstractmethod
    def _sort_key(self, ssp: SystemStreamPartition) -> tuple[str | int, ...]: ...

    def group(self, ssps: set[SystemStreamPartition]) -> dict[str, set[SystemStreamPartition]]:
        groups: dict[str, set[SystemStreamPartition]] = {}
        # Sorted so the result's order is the same on every run (Samza returns an unordered map).
        for ssp in sorted(ssps, key=self._sort_key):
            if ssp not in self.broadcast_ssps:
                groups.setdefault(self.task_name_for(ssp), set()).add(ssp)
        # Broadcast SSPs go to every task, even ones not among the inputs given, as in Samza.
        for members in groups.values():
            members.update(self.broadcast_ssps)
        return groups


class GroupByPartition(SystemStreamPartitionGrouper):
    """Partition N of every input goes to task "Partition N", so co-partitioned streams meet in one task."""

    def task_name_for(self, ssp: SystemStreamPartition) -> str:
        return f"Partition {ssp.partition_id}"

    def _sort_key(self, ssp: SystemStreamPartition) -> tuple[str | int, ...]:
        return (ssp.partition_id, ssp.system, ssp.stream)


class GroupBySystemStreamPartition(SystemStreamPartitionGrouper):
    """One task per SSP, named by the SSP's Samza text."""

    def task_name_for(self, ssp: SystemStreamPartition) -> str:
        return str(ssp)

    def _sort_key(self, ssp: SystemStreamPartition) -> tuple[str | int, ...]:
        return (ssp.system, ssp.stream, ssp.partition_id)


class SystemStreamPartitionGrouperFactory(ABC):
    """What ``job.systemstreampartition.grouper.factory`` names."""

    @abstractmethod
    def get_system_stream_partition_grouper(self, config: Config) -> SystemStreamPartitionGrouper: ...


def broadcast_ssps_from_config(config: Config) -> set[SystemStreamPartition]:
    value = config.get_str(BROADCAST_INPUTS_KEY)
    if value is None:
        return set()
    # Imported here: samza_py.config.task_config is written separately and must not be needed to import this module.
    from samza_py.config.task_config import parse_broadcast_inputs

    return parse_broadcast_inputs(value)


class GroupByPartitionFactory(SystemStreamPartitionGrouperFactory):
    def get_system_stream_partition_grouper(self, config: Config) -> SystemStreamPartitionGrouper:
        return GroupByPartition(broadcast_ssps_from_config(config))


class GroupBySystemStreamPartitionFactory(SystemStreamPartitionGrouperFactory):
    def get_system_stream_partition_grouper(self, config: Config) -> SystemStreamPartitionGrouper:
        return GroupBySystemStreamPartition(broadcast_ssps_from_config(config))
