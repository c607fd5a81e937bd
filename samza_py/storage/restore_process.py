"""Replaying a changelog into a persistent store in a child process of its own.

rocksdict keeps the GIL while RocksDB applies a write batch (another Python thread runs at about a tenth
of its speed meanwhile), so the restore threads of one container take turns on their stores' writes and
a container restoring several large stores uses about one core. A large replay therefore runs in a child
Python process: the restore thread that started it only waits on it (without the GIL), and the replays
of a container run on every core. The child opens the store through the store's own factory (the same
options as the container), reads the changelog range with the reader settings the container built, writes
it, flushes and closes the store; the container then opens it again. Small replays stay in-process: a
child costs a Python start-up.

The child reads one JSON request on stdin and answers on stdout: ``progress <records> <bytes>`` lines, then
one JSON line, ``{"done": [records, bytes]}`` or ``{"error": "..."}``. Its log goes to the container's stderr.
"""

from __future__ import annotations

import json
import logging
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5
POLL_S = 0.2
KILL_WAIT_S = 30.0


class ReplayProcessError(Exception):
    """The child replaying a changelog failed, or could not be run."""


@dataclass(frozen=True)
class ReplayRequest:
    store: str
    store_dir: str
    config: dict[str, str]
    tasks_in_container: int
    settings: dict[str, Any]  # the changelog reader's consumer settings, without callbacks
    topic: str
    partition: int
    first: int
    last_exclusive: int
    timeout_s: float


def transferable_settings(settings: Mapping[str, object]) -> dict[str, Any] | None:
    """The reader settings a child can be given: plain values only (callbacks stay behind; the child logs
    client errors itself). None when a setting that is not a callback cannot be passed on."""
    plain: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, str | int | float | bool):
            plain[key] = value
        elif not (callable(value) and key.endswith("_cb")):
            return None
    return plain


def replay_in_child(request: ReplayRequest, cancelled: threading.Event | None,
                    on_progress: Callable[[int, int], None]) -> tuple[int, int]:
    """Run the replay in a child process; ``(records, bytes)`` applied. ``cancelled`` kills the child."""
    child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    assert child.stdin is not None and child.stdout is not None
    log.info("store %r: replaying offsets %d..%d of %s[%d] in child process %d", request.store, request.first,
             request.last_exclusive - 1, request.topic, request.partition, child.pid)
    lines: queue.Queue[str | None] = queue.Queue()

    def read(stdout: Any) -> None:
        for line in stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, args=(child.stdout,), name=f"replay-{request.store}", daemon=True)
    reader.start()
    try:
        child.stdin.write(json.dumps(asdict(request)) + "\n")
        child.stdin.close()
        # The child's own reads are bounded by timeout_s; a margin for its start and its store's close.
        deadline = time.monotonic() + request.timeout_s + 120.0
        while True:
            if cancelled is not None and cancelled.is_set():
                from samza_py.storage.storage_manager import RestoreCancelledError

                raise RestoreCancelledError(f"replay of store {request.store!r} cancelled")
            if time.monotonic() > deadline:
                raise ReplayProcessError(f"replaying store {request.store!r} from {request.topic}[{request.partition}]"
                                         f" did not end within {request.timeout_s + 120.0:.0f} s")
            try:
                line = lines.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if line is None:
                code = child.wait(KILL_WAIT_S)
                raise ReplayProcessError(f"the process replaying store {request.store!r} from {request.topic}"
                                         f"[{request.partition}] exited with status {code} without an answer")
            if line.startswith("progress "):
                _, records, size = line.split()
                on_progress(int(records), int(size))
                continue
            answer = json.loads(line)
            if "error" in answer:
                raise ReplayProcessError(f"replaying store {request.store!r} from {request.topic}"
                                         f"[{request.partition}] failed: {answer['error']}")
            child.wait(KILL_WAIT_S)
            records, size = answer["done"]
            return int(records), int(size)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(KILL_WAIT_S)


def _run_child(request: ReplayRequest) -> tuple[int, int]:
    from samza_py.config.aliases import resolve_class
    from samza_py.config.config import Config
    from samza_py.config.storage_config import StorageConfig
    from samza_py.system.kafka.partition_reader import read_partition

    storage = StorageConfig(Config(request.config))
    factory = resolve_class(storage.factory(request.store))()
    raw = factory.create_raw_store(request.store, Path(request.store_dir), storage, request.tasks_in_container)
    counts = [0, 0]
    last_report = time.monotonic()

    def apply(batch: list[tuple[bytes, bytes | None]]) -> None:
        nonlocal last_report
        raw.write_pairs(batch)
        counts[0] += len(batch)
        counts[1] += sum([len(k) + (len(v) if v is not None else 0) for k, v in batch])
        now = time.monotonic()
        if now - last_report >= PROGRESS_EVERY_S:
            last_report = now
            print(f"progress {counts[0]} {counts[1]}", flush=True)

    settings = dict(request.settings)
    settings["error_cb"] = lambda err: log.warning("changelog reader of store %r: %s", request.store, err)
    try:
        read_partition(settings, request.topic, request.partition, request.first, request.last_exclusive, apply,
                       timeout_s=request.timeout_s)
    finally:
        raw.close()  # flushes: with the WAL off, what is not flushed is not there for the container
    return counts[0], counts[1]


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s [restore-child] %(name)s: %(message)s")
    try:
        request = ReplayRequest(**json.loads(sys.stdin.readline()))
        records, size = _run_child(request)
    except Exception as exc:  # the parent raises it, naming the store and changelog
        log.exception("replay failed")
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 1
    print(json.dumps({"done": [records, size]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
