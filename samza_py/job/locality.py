"""Host affinity inputs kept in the coordinator stream: where each processor ran last."""

from __future__ import annotations

from samza_py.config.config import Config
from samza_py.coordinator.stream import CoordinatorStream, container_hosts


def preferred_hosts(config: Config) -> dict[str, str]:
    """Processor id → last host, empty on a job's first run."""
    stream = CoordinatorStream(config)
    stream.create()
    return container_hosts(stream.read())
