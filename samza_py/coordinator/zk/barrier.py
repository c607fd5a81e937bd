"""The barrier every processor passes on its way to a new job model version.

The leader creates ``barrier_<v>`` (state NEW; the node's data maps each expected processor id to its
member znode, a samza-py addition that tells a processor that came back under its id from the original); each
processor, once its old container has stopped and committed, adds itself under ``barrier_participants``;
the leader marks the barrier DONE when every expected processor is in, or TIMED_OUT when one left or the
consensus timeout passed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from kazoo.exceptions import NodeExistsError, NoNodeError

from samza_py.coordinator.zk.paths import ZkPaths

NEW, DONE, TIMED_OUT = "NEW", "DONE", "TIMED_OUT"


def create_barrier(zk: Any, paths: ZkPaths, version: int, members: Mapping[str, str]) -> None:
    """``members``: processor id -> its znode under ``processors/``."""
    zk.create(paths.barrier(version), json.dumps(dict(sorted(members.items()))).encode(), makepath=True)
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


def expected_members(zk: Any, paths: ZkPaths, version: int) -> dict[str, str]:
    """Processor id -> member znode of every processor the barrier waits for."""
    data = json.loads(zk.get(paths.barrier(version))[0] or b"{}")
    return {str(pid): str(znode) for pid, znode in data.items()}


def expected_participants(zk: Any, paths: ZkPaths, version: int) -> list[str]:
    return sorted(expected_members(zk, paths, version))


def joined_participants(zk: Any, paths: ZkPaths, version: int, watch: Callable[..., Any] | None = None) -> set[str]:
    try:
        return set(zk.get_children(paths.barrier_participants(version), watch=watch))
    except NoNodeError:
        return set()
