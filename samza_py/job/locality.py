"""Host affinity's input kept in the coordinator stream: where each processor ran last.

A container records its own node at start (Samza's ``set-container-host-assignment``): the host is
YARN's ``NM_HOST``, the node name YARN schedules by, so the AM can ask for that node again.
"""

from __future__ import annotations

import os
import socket

from samza_py.coordinator.stream import SET_CONTAINER_HOST, CoordinatorStream


def container_host() -> str:
    """The node this process runs on: ``NM_HOST`` in a YARN container, else this machine's FQDN."""
    return os.environ.get("NM_HOST") or socket.getfqdn()


class ContainerLocality:
    """Writes one processor's locality record: its host, and its metrics endpoint (Samza's jmx-url) once known."""

    def __init__(self, stream: CoordinatorStream, processor_id: str, host: str) -> None:
        self.stream = stream
        self.processor_id = processor_id
        self.host = host

    def record(self, metrics_url: str = "") -> None:
        self.stream.write(f"SamzaContainer-{self.processor_id}", {(SET_CONTAINER_HOST, self.processor_id): {
            "host": self.host, "jmx-url": metrics_url, "jmx-tunneling-url": ""}})
