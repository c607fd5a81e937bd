"""StandbyManager: where standby containers may run, and failing an active container over to its standby.

Samza's rules (StandbyContainerManager), as the AM applies them here:
- A container and its standbys never run on one host: they would share its store directories. A standby is
  therefore started only once the hosts of the containers it must avoid are known, on a node none of them
  uses (its last host when allowed, else the node running the fewest of the job's containers); with no such
  node it waits.
- When an active container fails, the AM promotes one of its running standbys: the standby's process stops
  copying and runs the active container itself, on its host, where its snapshots of the stores are (Samza
  stops the standby and asks YARN for a new container on its host: seconds of YARN heartbeats more). The
  standby starts again on another host. Samza fails over only when the active's node is lost and restarts
  other failures in place; here every failure fails over, because a failure in place finds the stores as
  the failed container left them (or not at all, when its disk went), while the standby's copy is current.
- Without a running standby the active restarts as it would without standbys (host affinity).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from samza_py.job.model import JobModel
from samza_py.job.standby import active_ids, host_constraints, is_standby, standbys_of

log = logging.getLogger("samza_py.appmaster.standby")


class StandbyManager:
    def __init__(self, model: JobModel) -> None:
        self.model = model
        self.constraints = host_constraints(model)
        self.standbys = {cid for cid, c in model.containers.items() if is_standby(c)}
        self.actives = active_ids(model)
        self.pending: set[str] = set(self.standbys)  # standbys to place once their constraints allow
        self.avoid: dict[str, set[str]] = {}  # standby id → hosts that did not give it a container
        self.told_waiting: set[str] = set()  # standbys whose wait for a host was logged
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
        """A running standby of ``active``: (its id, its host)."""
        for standby in standbys_of(self.model, active):
            host = running.get(standby)
            if host is not None:
                return standby, host
        return None
