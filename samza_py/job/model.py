"""JobModel: which container runs which tasks, and which SSPs each task reads; Samza's JSON shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from samza_py.api.streams import SystemStreamPartition

_INTEGER = re.compile(r"-?[0-9]+")
# Samza 1.x TaskMode: an active task processes its inputs; a standby keeps a copy of its active's stores.
ACTIVE = "Active"
STANDBY = "Standby"


class JobModelFormatError(ValueError):
    """JobModel JSON that cannot be read; the message names the path of the bad field."""


@dataclass(frozen=True)
class TaskModel:
    task_name: str
    system_stream_partitions: frozenset[SystemStreamPartition]
    changelog_partition: int
    mode: str = ACTIVE


@dataclass(frozen=True)
class ContainerModel:
    processor_id: str
    tasks: dict[str, TaskModel]


@dataclass(frozen=True)
class JobModel:
    config: dict[str, str]
    containers: dict[str, ContainerModel]

    def task_models(self) -> dict[str, TaskModel]:
        """Every active task of the job, by name (standby copies are not tasks of their own)."""
        return {name: task for container in self.containers.values() for name, task in container.tasks.items()
                if task.mode == ACTIVE}

    def to_json(self) -> str:
        return json.dumps(job_model_to_dict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> JobModel:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise JobModelFormatError(f"JobModel is not valid JSON: {exc}") from exc
        return job_model_from_dict(data)


def build_task_models(
    groups: Mapping[str, Iterable[SystemStreamPartition]], changelog_partitions: Mapping[str, int]
) -> dict[str, TaskModel]:
    """TaskModels from an SSP grouper's output and the changelog mapping, ordered by task name."""
    return {name: TaskModel(name, frozenset(groups[name]), changelog_partitions[name]) for name in sorted(groups)}


def _ssp_sort_key(ssp: SystemStreamPartition) -> tuple[str, str, int]:
    return (ssp.system, ssp.stream, ssp.partition_id)


def _container_sort_key(processor_id: str) -> tuple[int, int, str]:
    # Numeric ids in numeric order ("2" before "10"); any other ids after them, as strings.
    return (0, int(processor_id), "") if _INTEGER.fullmatch(processor_id) else (1, 0, processor_id)


# --- writing -------------------------------------------------------------------------------------------------


def job_model_to_dict(model: JobModel) -> dict[str, Any]:
    """Plain JSON-ready dicts; every collection sorted so equal models give identical text."""
    return {
        "config": {key: model.config[key] for key in sorted(model.config)},
        "containers": {
            cid: _container_to_dict(model.containers[cid]) for cid in sorted(model.containers, key=_container_sort_key)
        },
    }


def _container_to_dict(container: ContainerModel) -> dict[str, Any]:
    return {
        "processor-id": container.processor_id,
        "tasks": {name: _task_to_dict(container.tasks[name]) for name in sorted(container.tasks)},
    }


def _task_to_dict(task: TaskModel) -> dict[str, Any]:
    return {
        "task-name": task.task_name,
        "system-stream-partitions": [
            {"system": ssp.system, "stream": ssp.stream, "partition": ssp.partition_id}
            for ssp in sorted(task.system_stream_partitions, key=_ssp_sort_key)
        ],
        "changelog-partition": task.changelog_partition,
        # Written only for standbys, so a job without them keeps the model text it always had.
        **({"task-mode": task.mode} if task.mode != ACTIVE else {}),
    }


# --- reading: unknown fields (1.x "keyBucket", ...) are ignored -----------------------------------


def job_model_from_dict(data: Any) -> JobModel:
    root = _object(data, "JobModel")
    config = _object(root.get("config", {}), "config")
    containers = _object(root.get("containers", {}), "containers")
    return JobModel(
        config={str(key): _config_value(value, f"config.{key}") for key, value in config.items()},
        containers={str(cid): _container_from_dict(value, f"containers.{cid}") for cid, value in containers.items()},
    )


def _container_from_dict(data: Any, path: str) -> ContainerModel:
    node = _object(data, path)
    if "processor-id" in node:
        processor_id = _text(node["processor-id"], f"{path}.processor-id")
    elif "container-id" in node:  # before Samza 0.13 the id was an integer "container-id"
        processor_id = str(_integer(node["container-id"], f"{path}.container-id"))
    else:
        raise JobModelFormatError(f"{path}: neither 'processor-id' nor 'container-id' is present")
    tasks = _object(node.get("tasks", {}), f"{path}.tasks")
    return ContainerModel(
        processor_id, {str(name): _task_from_dict(value, f"{path}.tasks.{name}") for name, value in tasks.items()}
    )


def _task_from_dict(data: Any, path: str) -> TaskModel:
    node = _object(data, path)
    name = _text(_field(node, "task-name", path), f"{path}.task-name")
    ssps_node = _field(node, "system-stream-partitions", path)
    if not isinstance(ssps_node, list):
        raise JobModelFormatError(f"{path}.system-stream-partitions: expected a list")
    ssps = frozenset(_ssp_from_dict(item, f"{path}.system-stream-partitions[{i}]") for i, item in enumerate(ssps_node))
    changelog = _integer(_field(node, "changelog-partition", path), f"{path}.changelog-partition")
    mode = _text(node.get("task-mode", ACTIVE), f"{path}.task-mode")
    if mode not in (ACTIVE, STANDBY):
        raise JobModelFormatError(f"{path}.task-mode: expected {ACTIVE!r} or {STANDBY!r}, got {mode!r}")
    return TaskModel(name, ssps, changelog, mode)


def _ssp_from_dict(data: Any, path: str) -> SystemStreamPartition:
    node = _object(data, path)
    return SystemStreamPartition.of(
        _text(_field(node, "system", path), f"{path}.system"),
        _text(_field(node, "stream", path), f"{path}.stream"),
        _integer(_field(node, "partition", path), f"{path}.partition"),
    )


def _field(node: dict[str, Any], key: str, path: str) -> Any:
    if key not in node:
        raise JobModelFormatError(f"{path}: missing '{key}'")
    return node[key]


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise JobModelFormatError(f"{path}: expected an object, got {type(value).__name__}")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise JobModelFormatError(f"{path}: expected a string, got {type(value).__name__}")
    return value


def _integer(value: Any, path: str) -> int:
    # Jackson accepts a numeric string where an int is expected; so do we.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise JobModelFormatError(f"{path}: expected an integer, got {value!r}")


def _config_value(value: Any, path: str) -> str:
    # Config is Map<String, String>; scalars are coerced the way Jackson reads them into strings.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise JobModelFormatError(f"{path}: expected a string, got {type(value).__name__}")
