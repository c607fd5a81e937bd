"""The ApplicationMaster's part for standby containers: placing them away from their actives, promoting one
when its active fails, and stopping them when the job is done (rules in standby_manager.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from samza_py.container.promotion import PROMOTE_KEY
from samza_py.job.status_summary import METRICS_URL_KEY

from .host_affinity import HostAffinity
from .job_status import ProcessorState
from .retry_policy import ContainerRetryPolicy
from .standby_manager import StandbyManager

log = logging.getLogger("samza_py.appmaster")


class JobFailed(Exception):
    pass


class StandbyFailover:
    """Mixed into SamzaApplicationMaster, whose state these methods share."""

    app: Any
    clock: Callable[[], float]
    current: dict[str, str]
    stopped: set[str]
    standby: StandbyManager | None
    affinity: HostAffinity
    policy: ContainerRetryPolicy

    def processor(self, pid: str) -> ProcessorState:
        raise NotImplementedError

    def last_host(self, processor_id: str) -> str | None:
        raise NotImplementedError

    def start_container(self, processor_id: str, why: str, restart: bool = False, any_host: bool = False,
                        host: str | None = None) -> None:
        raise NotImplementedError

    def running_hosts(self) -> dict[str, str]:
        """Processor id → host, for the containers running now."""
        return {pid: host for pid in self.current
                if (proc := self.processor(pid)).state == "RUNNING" and (host := proc.host) is not None}

    def place_standbys(self) -> None:
        """Request containers for the standbys that can be placed now (see StandbyManager.choose_host)."""
        if self.standby is None:
            return
        hosts = {pid: self.processor(pid).host or self.processor(pid).preferred_host for pid in self.current}
        for pid in sorted(self.standby.pending):
            if pid in self.stopped:
                self.standby.pending.discard(pid)
                continue
            host = self.standby.choose_host(pid, self.affinity.node_services, hosts, self.last_host(pid))
            if host is None:
                if pid not in self.standby.told_waiting and all(hosts.get(o) for o in self.standby.constraints[pid]
                                                                if o in hosts):
                    self.standby.told_waiting.add(pid)
                    log.warning("standby %s waits: every node (%s) runs a container it must not share a host with",
                                pid, ", ".join(sorted(self.affinity.node_services)) or "none known")
                continue
            self.standby.told_waiting.discard(pid)
            self.standby.pending.discard(pid)
            self.start_container(pid, "standby", host=host)
            hosts[pid] = host

    def enforce_constraints(self) -> None:
        """A standby found sharing a host with its active (the active fell back to any host) gives way."""
        if self.standby is None:
            return
        running = self.running_hosts()
        for pid, host in running.items():
            if not self.standby.is_standby(pid):
                continue
            clash = self.standby.conflicts(pid, host, running)
            if clash:
                log.warning("standby %s shares host %s with %s: stopping it to place it elsewhere", pid, host, clash)
                self.app.kill_container(self.current.pop(pid))
                self.affinity.forget(pid)
                self.processor(pid).state = "PENDING"
                self.standby.avoid.setdefault(pid, set()).add(host)
                self.standby.pending.add(pid)
                del running[pid]

    def restart_active(self, pid: str, why: str, restart: bool = True, any_host: bool = False) -> None:
        """Restart a failed active container: in a running standby of it, else by host affinity (or on any
        host, when its own is gone)."""
        if self.standby is not None:
            chosen = self.standby.select_standby(pid, self.running_hosts())
            if chosen is not None:
                self.promote(pid, chosen[0], chosen[1], why)
                return
            self.standby.failovers_to_any_host += 1
            log.info("no running standby for container %s: restarting it without one", pid)
        self.start_container(pid, why, restart=restart, any_host=any_host)

    def promote(self, pid: str, standby: str, host: str, why: str) -> None:
        """Run container ``pid`` in the process of its standby (samza_py.container.promotion)."""
        assert self.standby is not None
        cid = self.current.pop(standby)
        self.affinity.forget(standby)
        self.app.kv.pop(f"{METRICS_URL_KEY}{cid}", None)  # the standby's endpoint; the active publishes its own
        self.app.kv[f"{PROMOTE_KEY}{cid}"] = pid.encode()
        self.current[pid] = cid
        proc = self.processor(pid)
        proc.container, proc.state, proc.metrics_url = cid, "PROMOTED", None
        proc.last_host, proc.host, proc.preferred_host = proc.host or proc.last_host, host, host
        proc.restarts += 1
        replaced = self.processor(standby)
        replaced.container, replaced.state, replaced.host, replaced.metrics_url = None, "PENDING", None, None
        self.standby.pending.add(standby)
        self.standby.failovers_to_standby += 1
        log.info("container %s (%s) failed over to its standby %s on %s: promoted in %s", pid, why, standby, host, cid)

    def on_standby_finished(self, pid: str, cid: str, described: str, counted: bool) -> None:
        assert self.standby is not None
        proc = self.processor(pid)
        proc.state = "FAILED"
        if not counted:
            log.warning("standby container %s (%s) ended by YARN, not counted: %s", pid, cid, described)
            proc.state = "PENDING"
            self.standby.pending.add(pid)
            return
        decision = self.policy.on_failure(pid, int(self.clock() * 1000))
        log.warning("standby container %s (%s) failed (failure %d): %s", pid, cid, decision.failures, described)
        if decision.restart:
            proc.restarts += 1
            proc.state = "PENDING"
            self.standby.pending.add(pid)  # placed again by place_standbys
            return
        if decision.fail_job:
            raise JobFailed(f"standby container {pid} failed {decision.failures} time(s); last: {cid}, {described}")
        proc.state = "STOPPED"
        self.stopped.add(pid)

    def stop_standbys(self) -> None:
        """The active containers are done: their standbys have nothing left to follow."""
        if self.standby is None:
            return
        for pid in [p for p in self.current if self.standby.is_standby(p)]:
            self.app.kill_container(self.current.pop(pid))
            self.processor(pid).state = "STOPPED"
        self.standby.pending.clear()
