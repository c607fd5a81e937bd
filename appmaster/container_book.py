"""ContainerBook: the AM's record of its processors' containers, shared by the AM's loop and its standby
failover (standby_failover.py): which container each processor runs in now, what is known of each
processor, which were given up on, and where each ran before."""

from __future__ import annotations

from dataclasses import dataclass, field

from .job_status import ProcessorState
from .standby_manager import StandbyManager


@dataclass
class ContainerBook:
    # The status page's processors (JobState.processors): the same dict, so the page sees every change.
    processors: dict[str, ProcessorState] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)  # processor id → skein id of its live container
    stopped: set[str] = field(default_factory=set)  # given up on (fail.job.after.retries=false)
    recorded_hosts: dict[str, str] = field(default_factory=dict)  # processor id → host recorded in earlier runs
    standby: StandbyManager | None = None  # with job.standbytask.replication.factor > 1

    def processor(self, pid: str) -> ProcessorState:
        return self.processors.setdefault(pid, ProcessorState())

    def last_host(self, processor_id: str) -> str | None:
        """Where the processor ran last: in this application, else as its container recorded in a run before."""
        proc = self.processor(processor_id)
        return proc.host or proc.last_host or self.recorded_hosts.get(processor_id)

    def running_hosts(self) -> dict[str, str]:
        """Processor id → host, for the containers running now."""
        return {pid: host for pid in self.current
                if (proc := self.processor(pid)).state == "RUNNING" and (host := proc.host) is not None}
