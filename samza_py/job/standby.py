"""Standby tasks (``job.standbytask.replication.factor``): Samza's names and placement rules.

With a replication factor r > 1 every container ``c`` of the job model gets r-1 standby containers
``c-0`` … ``c-(r-2)``. Standby container ``c-i`` holds ``Standby-<task>-<i>`` for each task of ``c``: the same
changelog partition, no input of its own. A standby keeps a copy of its task's stores on its host by tailing
their changelogs; when ``c`` fails, the AM stops a standby and starts ``c`` on that standby's host, where the
copy is. So a container and its standbys never share a host (they would share the store directories too).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.job.model import STANDBY, ContainerModel, JobModel, TaskModel

REPLICATION_FACTOR_KEY = "job.standbytask.replication.factor"
STANDBY_PREFIX = "Standby"
SEPARATOR = "-"
YARN_JOB_FACTORY = "org.apache.samza.job.yarn.YarnJobFactory"


def replication_factor(config: Config) -> int:
    """``job.standbytask.replication.factor``: copies of each task, the active one included (default 1)."""
    value = config.get_str(REPLICATION_FACTOR_KEY)
    if value is None or not value.strip():
        return 1
    try:
        factor = int(value.strip())
    except ValueError:
        raise ConfigException(REPLICATION_FACTOR_KEY, f"must be a whole number, got {value!r}") from None
    if factor < 1:
        raise ConfigException(REPLICATION_FACTOR_KEY, f"must be at least 1 (the active copy), got {factor}")
    return factor


def standby_container_id(active_id: str, replica: int) -> str:
    return f"{active_id}{SEPARATOR}{replica}"


def active_container_id(container_id: str) -> str:
    """``0-1`` → ``0``; an active container's own id is returned as it is (YARN ids have no separator)."""
    return container_id.split(SEPARATOR, 1)[0]


def standby_task_name(active_task: str, replica: int) -> str:
    return f"{STANDBY_PREFIX}{SEPARATOR}{active_task}{SEPARATOR}{replica}"


def active_task_name(task_name: str) -> str:
    """``Standby-Partition 0-1`` → ``Partition 0``; an active task's name is returned as it is."""
    prefix = f"{STANDBY_PREFIX}{SEPARATOR}"
    if not task_name.startswith(prefix):
        return task_name
    return task_name[len(prefix):].rsplit(SEPARATOR, 1)[0]


def is_standby(container: ContainerModel) -> bool:
    return bool(container.tasks) and all(task.mode == STANDBY for task in container.tasks.values())


def add_standby_containers(containers: Mapping[str, ContainerModel], factor: int) -> dict[str, ContainerModel]:
    """The active containers followed by factor-1 standby containers for each (Samza's TaskNameGrouperProxy)."""
    result = dict(containers)
    for replica in range(factor - 1):
        for cid, container in containers.items():
            sid = standby_container_id(cid, replica)
            tasks = {}
            for name, task in container.tasks.items():
                standby = standby_task_name(name, replica)
                tasks[standby] = TaskModel(standby, task.system_stream_partitions, task.changelog_partition, STANDBY)
            result[sid] = ContainerModel(sid, tasks)
    return result


def host_constraints(model: JobModel) -> dict[str, list[str]]:
    """Container id → the containers that must not run on its host: a container's standbys, and a
    standby's active and sibling standbys."""
    groups: dict[str, list[str]] = {}
    for cid in model.containers:
        groups.setdefault(active_container_id(cid), []).append(cid)
    return {cid: [other for other in groups[active_container_id(cid)] if other != cid] for cid in model.containers}


def active_ids(model: JobModel) -> list[str]:
    return [cid for cid, container in model.containers.items() if not is_standby(container)]


def standbys_of(model: JobModel, active_id: str) -> list[str]:
    return [cid for cid, container in model.containers.items()
            if is_standby(container) and active_container_id(cid) == active_id]


def check_standby(cfg: Config) -> Iterator[ConfigException]:
    """What standby tasks need from the rest of the config (run before anything is submitted)."""
    from samza_py.config.aliases import canonical_class_name
    from samza_py.config.job_config import JobConfig
    from samza_py.config.storage_config import StorageConfig

    factor = replication_factor(cfg)  # raises for a bad value
    if factor == 1:
        return
    factory = cfg.get_str("job.factory.class")
    if factory is None or canonical_class_name(factory) != canonical_class_name(YARN_JOB_FACTORY):
        yield ConfigException(REPLICATION_FACTOR_KEY, f"is {factor}, but standby tasks run on YARN only (each "
                              f"standby on another host than its active); job.factory.class is {factory!r}: set "
                              f"{YARN_JOB_FACTORY} or a factor of 1")
    if not JobConfig(cfg).host_affinity_enabled:
        yield ConfigException("job.host-affinity.enabled", f"must be true when {REPLICATION_FACTOR_KEY} is {factor}: "
                              "a failed container moves to its standby's host to find the standby's copy of its stores")
    storage = StorageConfig(cfg)
    if not any(storage.changelog(store) is not None for store in storage.store_names()):
        yield ConfigException(REPLICATION_FACTOR_KEY, f"is {factor}, but no store of the job has a changelog: "
                              "standbys copy stores by reading their changelogs, so they would hold nothing")
    if cfg.get_str("job.coordinator.factory") is not None:
        yield ConfigException(REPLICATION_FACTOR_KEY, "standby tasks are not supported with standalone processors "
                              "(job.coordinator.factory): their tasks move to the processors that remain")
