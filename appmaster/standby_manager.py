"""StandbyManager: where standby containers may run, and failing an active container over to its standby.

Samza's rules (StandbyContainerManager), as the AM applies them here:
- A container and its standbys never run on one host: they would share its store directories. A standby is
  therefore started only once the hosts of the containers it must avoid are known, on a node none of them
  uses (its last host when allowed, else the node running the fewest of the job's containers); with no such
  node it waits.
- When an active container fails, the AM stops one of its running standbys and, once that has stopped,
  starts the active container on the standby's host, where the standby's snapshots of the stores are, and
  the standby again on another host. Samza fails over only when the active's node is lost and restarts
  other failures in place; here every failure fails over, because a failure in place finds the stores as
  the failed container left them (or not at all, when its disk went), while the standby's copy is current.
- Without a running standby the active restarts as it would without standbys (host affinity).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from samza_py.job.model import JobModel
from samza_py.job.standby import active_ids, host_constraints, is_standby, standbys_of

log = logging.getLogger("samza_py.appmaster.standby")


@dataclass(frozen=True)
class Failover:
    """An active container waiting for its standby to stop, to start on the standby's host."""

    active: str
    standby: str
    host: str
    why: str


class StandbyManager:
    def __init__(self, model: JobModel) -> None:
        self.model = model
        self.constraints = host_constraints(model)
        self.standbys = {cid for cid, c in model.containers.items() if is_standby(c)}
        self.actives = active_ids(model)
        self.pending: set[str] = set(self.standbys)  # standbys to place once their constraints allow
        self.stopping: dict[str, Failover] = {}  # standby id → the failover it was stopped for
        self.avoid: dict[str, set[str]] = {}  # standby id → hosts that did not give it a container
        self.failovers_to_standby = 0
        self.failovers_to_any_host = 0

    @property
    def enabled(self) -> bool:
        return bool(self.standbys)

    def is_standby(self, cid: str) -> bool:
        return cid in self.standbys

    # ------------------------------------------------------------------------------------ placement
    def choose_host(self, cid: str, nodes: Iterable[str], hosts: Mapping[str, str | None],
                    last_host: str | None) -> str | None:
        """A node for standby ``cid`` away from every container it must avoid, or None (not yet / nowhere).

        ``hosts``: container id → its host for the containers running or requested (None: not known yet).
        """
        forbidden: set[str] = set(self.avoid.get(cid, ()))
        for other in self.constraints.get(cid, ()):
            if other in hosts:
                host = hosts[other]
                if host is None:
                    return None  # wait until it runs somewhere
                forbidden.add(host)
        candidates = sorted(set(nodes) - forbidden)
        if not candidates:
            return None
        if last_host in candidates:
            return last_host
        load = {node: sum(1 for h in hosts.values() if h == node) for node in candidates}
        return min(candidates, key=lambda node: (load[node], node))

    def conflicts(self, cid: str, host: str, running: Mapping[str, str]) -> list[str]:
        """Containers running on ``host`` that ``cid`` must not share it with."""
        return [other for other in self.constraints.get(cid, ()) if running.get(other) == host]

    # ------------------------------------------------------------------------------------ failover
    def select_standby(self, active: str, running: Mapping[str, str]) -> tuple[str, str] | None:
        """A running standby of ``active`` not already being stopped: (its id, its host)."""
        for standby in standbys_of(self.model, active):
            host = running.get(standby)
            if host is not None and standby not in self.stopping:
                return standby, host
        return None

    def begin_failover(self, active: str, running: Mapping[str, str], why: str) -> Failover | None:
        chosen = self.select_standby(active, running)
        if chosen is None:
            self.failovers_to_any_host += 1
            log.info("no running standby for container %s: restarting it without one", active)
            return None
        standby, host = chosen
        failover = self.stopping[standby] = Failover(active, standby, host, why)
        self.failovers_to_standby += 1
        log.info("failing container %s over to standby %s on %s: stopping the standby first", active, standby, host)
        return failover

    def standby_stopped(self, standby: str) -> Failover | None:
        """The failover a stopped standby was stopped for (the AM then starts its active), else None."""
        failover = self.stopping.pop(standby, None)
        self.pending.add(standby)
        return failover
