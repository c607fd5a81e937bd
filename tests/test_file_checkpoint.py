"""The file checkpoint backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.api.streams import SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.file.manager import FileSystemCheckpointManager, FileSystemCheckpointManagerFactory
from samza_py.checkpoint.serde import CheckpointFormatError
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException

SSP = SystemStreamPartition.of


def _manager(root: Path) -> FileSystemCheckpointManager:
    config = Config({"job.name": "wikipedia-stats", "task.checkpoint.path": str(root)})
    factory = resolve_class("org.apache.samza.checkpoint.file.FileSystemCheckpointManagerFactory")()
    manager = factory.get_checkpoint_manager(config, None)
    assert isinstance(manager, FileSystemCheckpointManager)
    return manager


def test_checkpoint_survives_reopen(tmp_path: Path) -> None:
    first = _manager(tmp_path)
    first.register("Partition 0")
    first.start()
    assert first.read_last_checkpoint("Partition 0") is None
    checkpoint = Checkpoint({SSP("kafka", "wikipedia-edits", 0): "1234", SSP("kafka", "other", 0): None})
    first.write_checkpoint("Partition 0", checkpoint)
    first.write_checkpoint("Partition 0", Checkpoint({SSP("kafka", "wikipedia-edits", 0): "1300"}))
    first.stop()

    second = _manager(tmp_path)
    second.register("Partition 0")
    second.start()
    assert second.read_last_checkpoint("Partition 0") == Checkpoint({SSP("kafka", "wikipedia-edits", 0): "1300"})
    assert second.read_last_checkpoint("Partition 1") is None


def test_file_name_and_content(tmp_path: Path) -> None:
    manager = _manager(tmp_path)
    manager.start()
    manager.write_checkpoint("Partition 0", Checkpoint({SSP("kafka", "wikipedia-edits", 0): "1234"}))
    assert [p.name for p in tmp_path.iterdir()] == ["wikipedia-stats-Partition 0-checkpoints"]  # no temp files left
    assert (tmp_path / "wikipedia-stats-Partition 0-checkpoints").read_bytes() == (
        b'{"SystemStreamPartition [kafka, wikipedia-edits, 0]":'
        b'{"system":"kafka","stream":"wikipedia-edits","partition":"0","offset":"1234"}}'
    )


def test_missing_path_is_a_config_error() -> None:
    with pytest.raises(ConfigException) as info:
        FileSystemCheckpointManagerFactory().get_checkpoint_manager(Config({"job.name": "j"}), None)  # type: ignore[arg-type]
    assert info.value.key == "task.checkpoint.path"


def test_missing_directory_fails_at_start(tmp_path: Path) -> None:
    manager = FileSystemCheckpointManager("j", tmp_path / "absent")
    with pytest.raises(ConfigException) as info:
        manager.start()
    assert info.value.key == "task.checkpoint.path"


def test_corrupt_file_names_the_file(tmp_path: Path) -> None:
    manager = FileSystemCheckpointManager("j", tmp_path)
    (tmp_path / "j-Partition 0-checkpoints").write_bytes(b"{broken")
    with pytest.raises(CheckpointFormatError, match="j-Partition 0-checkpoints"):
        manager.read_last_checkpoint("Partition 0")
