"""The ApplicationMaster's part for standby containers: placing them away from their actives, promoting one
when its active fails, and stopping them when the job is done (rules in standby_manager.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping
from typing import Protocol

from samza_py.container.promotion import PROMOTE_KEY
from samza_py.job.status_summary import METRICS_URL_KEY

from .container_book import ContainerBook
from .host_affinity import HostAffinity
from .retry_policy import ContainerRetryPolicy

log = logging.getLogger("samza_py.appmaster")


class JobFailed(Exception):
    pass


class StartContainer(Protocol):
    """SamzaApplicationMaster.start_container: request a YARN container for a processor."""

    def __call__(self, processor_id: str, why: str, restart: bool = False, any_host: bool = False,
                 host: str | None = None) -> None: ...


class StandbyFailover:
    """Works on the AM's ContainerBook; starts and kills containers through the AM's callables."""

    def __init__(self, book: ContainerBook, affinity: HostAffinity, policy: ContainerRetryPolicy,
                 start_container: StartContainer, kill_container: Callable[[str], object],
                 kv: MutableMapping[str, bytes], clock: Callable[[], float]) -> None:
        self.book = book
        self.affinity = affinity
        self.policy = policy
        self.start_container = start_container
        self.kill_container = kill_container
        self.kv = kv  # the application's key-value store (skein): promotion requests, metrics URLs
        self.clock = clock

    def place_standbys(self) -> None:
        """Request containers for the standbys that can be placed now (see StandbyManager.choose_host)."""
        book, standby = self.book, self.book.standby
        if standby is None:
            return
        hosts = {pid: book.processor(pid).host or book.processor(pid).preferred_host for pid in book.current}
        for pid in sorted(standby.pending):
            if pid in book.stopped:
                standby.pending.discard(pid)
                continue
            host = standby.choose_host(pid, self.affinity.node_services, hosts, book.last_host(pid))
            if host is None:
                if pid not in standby.told_waiting and all(hosts.get(o) for o in standby.constraints[pid]
                                                           if o in hosts):
                    standby.told_waiting.add(pid)
                    log.warning("standby %s waits: every node (%s) runs a container it must not share a host with",
                                pid, ", ".join(sorted(self.affinity.node_services)) or "none known")
                continue
            standby.told_waiting.discard(pid)
            standby.pending.discard(pid)
            self.start_container(pid, "standby", host=host)
            hosts[pid] = host

    def enforce_constraints(self) -> None:
        """A standby found sharing a host with its active (the active fell back to any host) gives way."""
        book, standby = self.book, self.book.standby
        if standby is None:
            return
        running = book.running_hosts()
        for pid, host in running.items():
            if not standby.is_standby(pid):
                continue
            clash = standby.conflicts(pid, host, running)
            if clash:
                log.warning("standby %s shares host %s with %s: stopping it to place it elsewhere", pid, host, clash)
                self.kill_container(book.current.pop(pid))
                self.affinity.forget(pid)
                book.processor(pid).state = "PENDING"
                standby.avoid.setdefault(pid, set()).add(host)
                standby.pending.add(pid)
                del running[pid]

    def restart_active(self, pid: str, why: str, restart: bool = True, any_host: bool = False) -> None:
        """Restart a failed active container: in a running standby of it, else by host affinity (or on any
        host, when its own is gone)."""
        standby = self.book.standby
        if standby is not None:
            chosen = standby.select_standby(pid, self.book.running_hosts())
            if chosen is not None:
                self.promote(pid, chosen[0], chosen[1], why)
                return
            standby.failovers_to_any_host += 1
            log.info("no running standby for container %s: restarting it without one", pid)
        self.start_container(pid, why, restart=restart, any_host=any_host)

    def promote(self, pid: str, standby_id: str, host: str, why: str) -> None:
        """Run container ``pid`` in the process of its standby (samza_py.container.promotion)."""
        book, standby = self.book, self.book.standby
        assert standby is not None
        cid = book.current.pop(standby_id)
        self.affinity.forget(standby_id)
        self.kv.pop(f"{METRICS_URL_KEY}{cid}", None)  # the standby's endpoint; the active publishes its own
        self.kv[f"{PROMOTE_KEY}{cid}"] = pid.encode()
        book.current[pid] = cid
        proc = book.processor(pid)
        proc.container, proc.state, proc.metrics_url = cid, "PROMOTED", None
        proc.last_host, proc.host, proc.preferred_host = proc.host or proc.last_host, host, host
        proc.restarts += 1
        replaced = book.processor(standby_id)
        replaced.container, replaced.state, replaced.host, replaced.metrics_url = None, "PENDING", None, None
        standby.pending.add(standby_id)
        standby.failovers_to_standby += 1
        log.info("container %s (%s) failed over to its standby %s on %s: promoted in %s", pid, why, standby_id,
                 host, cid)

    def on_standby_finished(self, pid: str, cid: str, described: str, counted: bool) -> None:
        book, standby = self.book, self.book.standby
        assert standby is not None
        proc = book.processor(pid)
        proc.state = "FAILED"
        if not counted:
            log.warning("standby container %s (%s) ended by YARN, not counted: %s", pid, cid, described)
            proc.state = "PENDING"
            standby.pending.add(pid)
            return
        decision = self.policy.on_failure(pid, int(self.clock() * 1000))
        log.warning("standby container %s (%s) failed (failure %d): %s", pid, cid, decision.failures, described)
        if decision.restart:
            proc.restarts += 1
            proc.state = "PENDING"
            standby.pending.add(pid)  # placed again by place_standbys
            return
        if decision.fail_job:
            raise JobFailed(f"standby container {pid} failed {decision.failures} time(s); last: {cid}, {described}")
        proc.state = "STOPPED"
        book.stopped.add(pid)

    def stop_standbys(self) -> None:
        """The active containers are done: their standbys have nothing left to follow."""
        book, standby = self.book, self.book.standby
        if standby is None:
            return
        for pid in [p for p in book.current if standby.is_standby(p)]:
            self.kill_container(book.current.pop(pid))
            book.processor(pid).state = "STOPPED"
        standby.pending.clear()
