"""The JobModel from config and partition metadata: SSP grouper → changelog mapping → task-name grouper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from samza_py.api import SystemStreamPartition
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig
from samza_py.config.task_config import TaskConfig
from samza_py.job.changelog_mapping import assign_changelog_partitions
from samza_py.job.model import JobModel, build_task_models
from samza_py.job.standby import add_standby_containers, replication_factor
from samza_py.job.task_grouper import GroupByContainerIds
from samza_py.system.interfaces import SystemAdmin


class JobModelError(Exception):
    pass


def input_ssps(config: Config, admins: Mapping[str, SystemAdmin]) -> set[SystemStreamPartition]:
    """Every partition of every ``task.inputs`` stream, plus the broadcast SSPs."""
    task_config = TaskConfig(config)
    broadcast = task_config.broadcast_inputs
    streams_by_system: dict[str, set[str]] = {}
    for stream in task_config.inputs:
        streams_by_system.setdefault(stream.system, set()).add(stream.stream)
    ssps: set[SystemStreamPartition] = set()
    for system, streams in sorted(streams_by_system.items()):
        for name, meta in admins[system].get_system_stream_metadata(sorted(streams)).items():
            ssps.update(SystemStreamPartition.of(system, name, p) for p in meta.partitions)
    for ssp in broadcast:
        meta = admins[ssp.system].get_system_stream_metadata([ssp.stream])[ssp.stream]
        if ssp.partition_id not in meta.partitions:
            raise JobModelError(f"task.broadcast.inputs names {ssp}, but {ssp.stream} has {len(meta.partitions)} "
                                "partition(s)")
    return ssps | broadcast


def compute_job_model(
    config: Config,
    admins: Mapping[str, SystemAdmin],
    previous_changelog: Mapping[str, int] | None = None,
    previous_assignment: Mapping[str, str] | None = None,
    processor_ids: Sequence[str] | None = None,
) -> tuple[JobModel, dict[str, int]]:
    """The JobModel and the (possibly extended) task → changelog partition mapping.

    With ``previous_assignment`` (host affinity) tasks stay in the containers they ran in where the
    task-name grouper can balance; otherwise they are grouped afresh. With ``processor_ids`` (standalone)
    the tasks are dealt over those processors.
    """
    job = JobConfig(config)
    ssps = input_ssps(config, admins)
    if not ssps:
        raise JobModelError("task.inputs yields no partitions: the job would have no tasks")
    grouper = resolve_class(job.ssp_grouper_factory)().get_system_stream_partition_grouper(config)
    groups = grouper.group(ssps)
    changelog = assign_changelog_partitions(groups, previous_changelog or {})
    tasks = build_task_models(groups, changelog)
    if processor_ids is not None:
        # Standalone: the live processors, in sorted order, take the tasks round-robin (GroupByContainerIds).
        task_grouper = GroupByContainerIds(sorted(processor_ids))
    else:
        task_grouper = resolve_class(job.task_name_grouper_factory)().build(config)
    balance = getattr(task_grouper, "balance", None)
    if previous_assignment and balance is not None:
        containers = balance(tasks, previous_assignment)
    else:
        containers = task_grouper.group(tasks)
    if processor_ids is None:
        # Standby copies follow the grouping (Samza's TaskNameGrouperProxy): containers c-0, c-1, … beside c.
        containers = add_standby_containers(containers, replication_factor(config))
    return JobModel(config.to_dict(), containers), changelog
