"""Checkpoints in local files: ``<task.checkpoint.path>/<job.name>-<task name>-checkpoints``, v1 JSON."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from samza_py.api.metrics import MetricsRegistry
from samza_py.checkpoint.checkpoint import Checkpoint, CheckpointManager, CheckpointManagerFactory
from samza_py.checkpoint.serde import CheckpointFormatError, checkpoint_value_bytes, parse_checkpoint_value
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException

CHECKPOINT_PATH_KEY = "task.checkpoint.path"
JOB_NAME_KEY = "job.name"


class FileSystemCheckpointManager(CheckpointManager):
    def __init__(self, job_name: str, root: str | os.PathLike[str]) -> None:
        self.job_name = job_name
        self.root = Path(root)
        self.task_names: set[str] = set()

    def checkpoint_file(self, task_name: str) -> Path:
        if "/" in task_name or "\0" in task_name:
            raise ValueError(f"task name {task_name!r} cannot be part of a file name")
        return self.root / f"{self.job_name}-{task_name}-checkpoints"

    def register(self, task_name: str) -> None:
        self.task_names.add(task_name)

    def start(self) -> None:
        # As in Samza, the directory is not created for you: a typo in the path should not start from scratch.
        if not self.root.is_dir():
            raise ConfigException(CHECKPOINT_PATH_KEY, f"checkpoint directory does not exist: {self.root}")

    def read_last_checkpoint(self, task_name: str) -> Checkpoint | None:
        path = self.checkpoint_file(task_name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return parse_checkpoint_value(data)
        except CheckpointFormatError as exc:
            raise CheckpointFormatError(f"{path}: {exc}") from exc

    def write_checkpoint(self, task_name: str, checkpoint: Checkpoint) -> None:
        # Write-then-rename so a crash leaves either the old or the new checkpoint, never a torn file.
        target = self.checkpoint_file(task_name)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{target.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o644)  # mkstemp makes 0600; a checkpoint is as readable as any job file
            with os.fdopen(fd, "wb") as handle:
                handle.write(checkpoint_value_bytes(checkpoint))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.root)

    def stop(self) -> None:
        pass


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileSystemCheckpointManagerFactory(CheckpointManagerFactory):
    def get_checkpoint_manager(self, config: Config, metrics_registry: MetricsRegistry) -> FileSystemCheckpointManager:
        return FileSystemCheckpointManager(config.require(JOB_NAME_KEY), config.require(CHECKPOINT_PATH_KEY))
