"""A store that cannot be opened, on a real job: rebuilt only when RocksDB reports corruption and a
changelog can rebuild it; otherwise the container fails naming the directory and the cause."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from samza_py.examples.wikipedia.parser import parse_edit
from tests.wikipedia_data import wikipedia_events

from .conftest import ROOT
from .jobs import create_topic, produce_round_robin, read_topic, run_job

COUNTS_CONFIG = ROOT / "config" / "wikipedia-user-counts.properties"
STORE = "user-edit-counts"
TASK_DIR = "Partition_0"


def settings(unique: str, state: Path) -> list[str]:
    values = {
        "job.name": f"counts-{unique}",
        "job.container.count": "1",
        "job.logged.store.base.dir": str(state),
        "task.inputs": f"kafka.{unique}-raw",
        f"systems.kafka.streams.{unique}-raw.samza.bounded": "true",
        "wikipedia.user-counts.output": f"kafka.{unique}-counts",
        f"stores.{STORE}.changelog": f"kafka.{unique}-changelog",
    }
    return [f"{k}={v}" for k, v in values.items()]


def without_changelog(tmp_path: Path) -> Path:
    """The user-counts config with no changelog for its store."""
    path = tmp_path / "no-changelog.properties"
    lines = COUNTS_CONFIG.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if not line.startswith(f"stores.{STORE}.changelog")) + "\n")
    return path


def produce(unique: str, truth: Counter[str]) -> None:
    events = wikipedia_events()
    produce_round_robin(f"{unique}-raw", 1, (json.dumps(e).encode() for e in events))
    truth.update(p["user"] for e in events if (p := parse_edit(e["raw"])) is not None)


def latest_counts(unique: str) -> dict[str, int]:
    """The last count the job sent per user."""
    return {json.loads(m.value())["user"]: json.loads(m.value())["count"] for m in read_topic(f"{unique}-counts")}


def corrupt_sst(directory: Path) -> bytes:
    """Zero the footer of the store's first table file (RocksDB: "Corruption: Bad table magic number")."""
    sst = sorted(directory.glob("*.sst"))[0]
    data = sst.read_bytes()[:-48] + bytes(48)
    sst.write_bytes(data)
    return data


def test_a_corrupted_snapshot_with_a_changelog_is_rebuilt_from_it(unique: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    create_topic(f"{unique}-raw", 1)
    truth: Counter[str] = Counter()
    produce(unique, truth)
    first = run_job(COUNTS_CONFIG, *settings(unique, state), cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-4000:]
    [snapshot] = [p for p in (state / STORE).iterdir() if p.name.startswith(f"{TASK_DIR}-")]
    corrupt_sst(snapshot)

    produce(unique, truth)
    second = run_job(COUNTS_CONFIG, *settings(unique, state), cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-4000:]
    assert "Corruption:" in second.stderr and "wiping it and rebuilding from the whole changelog" in second.stderr
    assert latest_counts(unique) == dict(truth)  # the second run counted on from the rebuilt state


def test_a_corrupted_store_without_a_changelog_fails_the_container_and_is_kept(unique: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    config = without_changelog(tmp_path)
    create_topic(f"{unique}-raw", 1)
    produce(unique, Counter())
    first = run_job(config, *settings(unique, state)[:-1], cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-4000:]
    directory = state / STORE / TASK_DIR
    corrupted = corrupt_sst(directory)

    second = run_job(config, *settings(unique, state)[:-1], cwd=tmp_path)
    assert second.returncode != 0
    assert f"in {directory} is corrupted and has no changelog" in second.stderr, second.stderr[-4000:]
    assert sorted(directory.glob("*.sst"))[0].read_bytes() == corrupted


def test_a_store_directory_that_cannot_be_made_fails_the_container_naming_it(unique: str, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file where the state base dir's parent should be")
    create_topic(f"{unique}-raw", 1)
    produce(unique, Counter())
    result = run_job(COUNTS_CONFIG, *settings(unique, blocker / "state"), cwd=tmp_path)
    assert result.returncode != 0
    directory = blocker / "state" / STORE / TASK_DIR
    assert f"store {directory} cannot be opened: " in result.stderr, result.stderr[-4000:]
    assert "Not a directory" in result.stderr
    assert blocker.read_text().startswith("a regular file")
