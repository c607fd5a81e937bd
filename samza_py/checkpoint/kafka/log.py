"""CheckpointLog: which record of the checkpoint topic is each task's checkpoint.

Samza 1.8's rule, record by record in log order: a record whose key type is one of
``task.checkpoint.read.versions`` replaces the task's current one when there is none, when its version
is at least as preferred (earlier in the list), or when it was appended more than
``task.live.checkpoint.max.age`` after the current one (the job no longer writes the preferred version).
Key types outside the list, such as a newer version's, are skipped.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.serde import parse_checkpoint_key, parse_checkpoint_value
from samza_py.checkpoint.serde_v2 import KEY_TYPE_VERSIONS, parse_checkpoint_v2_value

log = logging.getLogger(__name__)


class CheckpointError(Exception):
    pass


class _Chosen(NamedTuple):
    version: int
    timestamp_ms: int
    checkpoint: Checkpoint | None  # None: a tombstone


class CheckpointLog:
    def __init__(self, topic: str, grouper: str, validate: bool, read_versions: list[int], max_age_ms: int) -> None:
        self.topic = topic
        self._grouper = grouper
        self._validate = validate
        self._preference = {version: rank for rank, version in enumerate(read_versions)}
        self._max_age_ms = max_age_ms
        self._chosen: dict[str, _Chosen] = {}
        self._skipped: set[str] = set()

    def apply(self, key: bytes | None, value: bytes | None, timestamp_ms: int) -> None:
        if key is None:
            return
        kind, task_name, grouper = parse_checkpoint_key(key)
        if self._validate and grouper != self._grouper:
            raise CheckpointError(
                f"the checkpoint of task {task_name!r} in {self.topic} was written with grouper "
                f"{grouper}, but job.systemstreampartition.grouper.factory is {self._grouper}; "
                "set job.checkpoint.validation.enabled=false to ignore"
            )
        version = KEY_TYPE_VERSIONS.get(kind)
        rank = None if version is None else self._preference.get(version)
        if version is None or rank is None:
            if kind not in self._skipped:
                self._skipped.add(kind)
                log.info("%s: skipping checkpoints of key type %r (not in task.checkpoint.read.versions)",
                         self.topic, kind)
            return
        current = self._chosen.get(task_name)
        if (current is not None and rank > self._preference[current.version]
                and timestamp_ms - current.timestamp_ms <= self._max_age_ms):
            return  # a less preferred version, written alongside the preferred one
        if value is None:
            checkpoint = None
        elif version == 1:
            checkpoint = parse_checkpoint_value(value)
        else:
            checkpoint = parse_checkpoint_v2_value(value)
        self._chosen[task_name] = _Chosen(version, timestamp_ms, checkpoint)

    def latest(self) -> dict[str, Checkpoint]:
        return {task: chosen.checkpoint for task, chosen in self._chosen.items() if chosen.checkpoint is not None}
