"""Host affinity within a running application: which YARN service a processor's container is asked from.

skein fixes a service's node preference when the application is submitted and cannot change it per
request, so run-job adds one service per YARN node (that node only, no relaxed locality) beside each
processor's own any-node service. With ``job.host-affinity.enabled`` the AM asks the node's service for
the host a processor last ran on, and when YARN has given no container there within
``cluster-manager.container.request.timeout.ms`` (plus the time skein takes to pass the request on) it
withdraws that request and asks the processor's own service for any node (Samza's ContainerAllocator
with host affinity: preferred host, then ANY_HOST).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from samza_py.job.yarn import node_of_service, service_name

# skein's AM passes new requests to the ResourceManager on its next heartbeat, every 5 s while it has none
# pending (min(5 s, yarn.am.liveness-monitor.expiry-interval-ms / 2)), and hands out what YARN allocated on
# the heartbeat after (1 s): the request timeout counts from when YARN could have answered.
SKEIN_REQUEST_LATENCY_S = 6.0


@dataclass(frozen=True)
class ContainerAsk:
    """One container request: the service to ask, the env it overrides, the host it is pinned to (if any)."""

    processor_id: str
    service: str
    env: dict[str, str]
    host: str | None


@dataclass(frozen=True)
class PendingAsk:
    processor_id: str
    container_id: str  # skein's id of the requested container
    host: str
    deadline: float


class HostAffinity:
    def __init__(self, enabled: bool, node_services: Mapping[str, str], request_timeout_ms: int) -> None:
        self.enabled = enabled
        self.node_services = dict(node_services)  # host → its service
        self.timeout_s = request_timeout_ms / 1000.0
        self.wait_s = self.timeout_s + SKEIN_REQUEST_LATENCY_S  # how long a preferred-host request stands
        self.pending: dict[str, PendingAsk] = {}  # processor id → its unanswered preferred-host request

    @classmethod
    def from_services(cls, enabled: bool, services: Iterable[str], request_timeout_ms: int) -> HostAffinity:
        nodes = {host: name for name in services if (host := node_of_service(name)) is not None}
        return cls(enabled, nodes, request_timeout_ms)

    def ask(self, processor_id: str, last_host: str | None) -> ContainerAsk:
        """The last host's service when affinity is on and the host has one, else the processor's own."""
        if self.enabled and last_host is not None and last_host in self.node_services:
            return ContainerAsk(processor_id, self.node_services[last_host], {"SAMZA_CONTAINER_ID": processor_id},
                                last_host)
        return ContainerAsk(processor_id, service_name(processor_id), {}, None)

    def requested(self, ask: ContainerAsk, container_id: str, now: float) -> None:
        self.pending.pop(ask.processor_id, None)
        if ask.host is not None:
            self.pending[ask.processor_id] = PendingAsk(ask.processor_id, container_id, ask.host, now + self.wait_s)

    def running(self, processor_id: str) -> None:
        self.pending.pop(processor_id, None)

    def forget(self, processor_id: str) -> None:
        self.pending.pop(processor_id, None)

    def expired(self, now: float) -> list[PendingAsk]:
        """Preferred-host requests past their deadline, no longer pending once returned."""
        late = [p for p in self.pending.values() if now >= p.deadline]
        for p in late:
            del self.pending[p.processor_id]
        return late
