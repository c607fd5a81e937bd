"""A changelog replay in a child process: what it may be given, how its failure and a cancel surface."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from samza_py.storage.restore_process import (
    ReplayProcessError,
    ReplayRequest,
    replay_in_child,
    transferable_settings,
)
from samza_py.storage.storage_manager import RestoreCancelledError


def request(tmp_path: Path, **config: str) -> ReplayRequest:
    return ReplayRequest(
        store="counts", store_dir=str(tmp_path / "counts"), config={"job.name": "j", **config},
        tasks_in_container=1,
        # Nothing listens on port 1: a read there waits for its deadline.
        settings={"bootstrap.servers": "127.0.0.1:1", "socket.connection.setup.timeout.ms": 1000},
        topic="changelog", partition=0, first=0, last_exclusive=10, timeout_s=60.0,
    )


def test_only_plain_settings_pass_to_the_child_and_callbacks_stay_behind() -> None:
    settings = {"bootstrap.servers": "b:9092", "fetch.min.bytes": 1, "check.crcs": True,
                "error_cb": lambda err: None}
    assert transferable_settings(settings) == {"bootstrap.servers": "b:9092", "fetch.min.bytes": 1,
                                               "check.crcs": True}
    assert transferable_settings({"oauth_token": object()}) is None


def test_a_child_that_cannot_open_the_store_fails_the_replay_naming_store_and_changelog(tmp_path: Path) -> None:
    bad = request(tmp_path, **{"stores.counts.factory": "no.such.Factory"})
    with pytest.raises(ReplayProcessError, match=r"store 'counts' from changelog\[0\] failed: .*no\.such"):
        replay_in_child(bad, None, lambda records, size: None)


def test_a_cancel_kills_the_child_at_once(tmp_path: Path) -> None:
    waiting = request(tmp_path, **{
        "stores.counts.factory": "samza_py.storage.rocksdb.RocksDbKeyValueStorageEngineFactory"})
    cancelled = threading.Event()
    timer = threading.Timer(2.0, cancelled.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(RestoreCancelledError, match="'counts' cancelled"):
            replay_in_child(waiting, cancelled, lambda records, size: None)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30  # not the read's 60 s deadline
