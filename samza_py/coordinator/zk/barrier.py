"""The barrier every processor passes on its way to a new job model version.

The leader creates ``barrier_<v>`` (state NEW, the expected processor ids as the node's data); each
processor, once its old container has stopped and committed, adds itself under ``barrier_participants``;
the leader marks the barrier DONE when every expected processor is in, or TIMED_OUT when one left or the
consensus timeout passed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from kazoo.exceptions import NodeExistsError, NoNodeError

from samza_py.coordinator.zk.paths import ZkPaths

NEW, DONE, TIMED_OUT = "NEW", "DONE", "TIMED_OUT"


def create_barrier(zk: Any, paths: ZkPaths, version: int, participants: Sequence[str]) -> None:
    zk.create(paths.barrier(version), json.dumps(sorted(participants)).encode(), makepath=True)
    zk.create(paths.barrier_participants(version), b"")
    zk.create(paths.barrier_state(version), NEW.encode())


def join_barrier(zk: Any, paths: ZkPaths, version: int, processor_id: str) -> None:
    with contextlib.suppress(NodeExistsError):  # joined before a reconnect
        zk.create(f"{paths.barrier_participants(version)}/{processor_id}", b"")


def barrier_state(zk: Any, paths: ZkPaths, version: int, watch: Callable[..., Any] | None = None) -> str | None:
    try:
        return str(zk.get(paths.barrier_state(version), watch=watch)[0].decode())
    except NoNodeError:
        return None


def set_barrier_state(zk: Any, paths: ZkPaths, version: int, state: str) -> None:
    zk.set(paths.barrier_state(version), state.encode())


def expected_participants(zk: Any, paths: ZkPaths, version: int) -> list[str]:
    return [str(p) for p in json.loads(zk.get(paths.barrier(version))[0] or b"[]")]


def joined_participants(zk: Any, paths: ZkPaths, version: int, watch: Callable[..., Any] | None = None) -> set[str]:
    try:
        return set(zk.get_children(paths.barrier_participants(version), watch=watch))
    except NoNodeError:
        return set()
