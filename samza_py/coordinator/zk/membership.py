"""Processor registration: ephemeral sequential znodes under ``processors/``; the lowest sequence leads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kazoo.exceptions import NoNodeError

from samza_py.config.zk_config import PROCESSOR_ID_KEY, SESSION_TIMEOUT_KEY
from samza_py.coordinator.zk.paths import ZkPaths, parse_processor_data, processor_data, sequence_of

log = logging.getLogger(__name__)


class DuplicateProcessorIdError(Exception):
    """Another live processor of the job already registered this ``processor.id``."""


@dataclass(frozen=True)
class Member:
    znode: str  # name under processors/, e.g. "0000000007"
    host: str
    processor_id: str

    @property
    def sequence(self) -> int:
        return sequence_of(self.znode)


def list_members(zk: Any, paths: ZkPaths, watch: Callable[..., Any] | None = None) -> list[Member]:
    """Live processors in registration order (the first is the leader)."""
    members = []
    for name in zk.get_children(paths.processors, watch=watch):
        try:
            data = zk.get(f"{paths.processors}/{name}")[0]
        except NoNodeError:
            continue  # left between the listing and the read
        host, processor_id = parse_processor_data(data)
        members.append(Member(name, host, processor_id))
    return sorted(members, key=lambda m: m.sequence)


def leader_of(members: list[Member]) -> Member | None:
    return members[0] if members else None


def register(zk: Any, paths: ZkPaths, host: str, processor_id: str) -> Member:
    """Join the group; refuse (and leave again) when an earlier live member has the same processor id.

    Registering first and comparing sequences afterwards settles two simultaneous starts the same way
    for both: the earlier registration wins.
    """
    zk.ensure_path(paths.processors)
    created = zk.create(paths.processor_prefix, processor_data(host, processor_id), ephemeral=True, sequence=True)
    me = Member(created.rsplit("/", 1)[1], host, processor_id)
    for other in list_members(zk, paths):
        if other.processor_id != processor_id or other.sequence >= me.sequence:
            continue
        stat = zk.exists(f"{paths.processors}/{other.znode}")
        if stat is not None and stat.ephemeralOwner == zk.client_id[0]:
            # Ours, from an earlier attempt whose reply was lost: not a rival.
            zk.delete(f"{paths.processors}/{other.znode}")
            continue
        zk.delete(f"{paths.processors}/{me.znode}")
        raise DuplicateProcessorIdError(
            f"{PROCESSOR_ID_KEY} {processor_id!r} is already used by a live processor of this job on "
            f"{other.host} (znode {paths.processors}/{other.znode}): every processor needs its own id (a "
            f"processor that was just killed leaves within {SESSION_TIMEOUT_KEY})")
    log.info("registered processor %s as %s/%s", processor_id, paths.processors, me.znode)
    return me
