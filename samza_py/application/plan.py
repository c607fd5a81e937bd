"""What a dry run shows of a StreamApplication beyond the job model: the intermediate streams it would
create and the stores its operators use (windows, the two sides of each join, tables).

For the job model of a dry run, an intermediate stream that does not exist yet is taken to have the
partitions a run would create it with (``PlannedStreamsAdmin``), so the tasks shown are a run's tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from samza_py.api.application import StreamApplicationDescriptor
from samza_py.api.operators import OpCode
from samza_py.api.streams import SystemStreamPartition
from samza_py.application.config_generator import describe, reachable_specs, runs_operator_graph
from samza_py.config.config import Config
from samza_py.config.storage_config import StorageConfig
from samza_py.system.interfaces import (
    StreamNotFoundError,
    StreamSpec,
    SystemAdmin,
    SystemStreamMetadata,
    SystemStreamPartitionMetadata,
)


class PlannedStreamsAdmin(SystemAdmin):
    """An admin that answers for streams a run would create (empty, with their planned partitions) and
    asks the real admin about every other stream. It creates nothing."""

    def __init__(self, admin: SystemAdmin, planned: Mapping[str, int]) -> None:
        self.admin = admin
        self.planned = dict(planned)

    def _missing(self, stream: str) -> bool:
        if stream not in self.planned:
            return False
        try:
            self.admin.partition_count(stream)
            return False
        except StreamNotFoundError:
            return True

    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        streams = list(streams)
        planned = [s for s in streams if self._missing(s)]
        result = self.admin.get_system_stream_metadata([s for s in streams if s not in planned])
        empty = SystemStreamPartitionMetadata("0", None, "0")
        for stream in planned:
            result[stream] = SystemStreamMetadata(stream, dict.fromkeys(range(self.planned[stream]), empty))
        return result

    def partition_count(self, stream: str) -> int:
        return self.planned[stream] if self._missing(stream) else self.admin.partition_count(stream)

    def upcoming_offsets(self, ssps: Iterable[SystemStreamPartition]) -> dict[SystemStreamPartition, int]:
        return self.admin.upcoming_offsets(ssps)

    def get_offsets_after(self, offsets: Mapping[SystemStreamPartition, str]) -> dict[SystemStreamPartition, str]:
        return self.admin.get_offsets_after(offsets)

    def create_stream(self, spec: StreamSpec) -> bool:
        raise RuntimeError(f"a dry run creates no stream ({spec.stream})")

    def offset_comparator(self, a: str, b: str) -> int:
        return self.admin.offset_comparator(a, b)


def store_roles(config: Config) -> dict[str, str]:
    """store name → what it is for, for the stores ``app.class``'s operators use."""
    if not runs_operator_graph(config):
        return {}
    descriptor = describe(config)
    assert isinstance(descriptor, StreamApplicationDescriptor)
    roles: dict[str, str] = {}
    for spec in reachable_specs(descriptor):
        if spec.op_code is OpCode.WINDOW:
            roles[spec.op_id] = f"window {spec.op_id}"
        elif spec.op_code is OpCode.JOIN:
            side = "left" if spec.details.is_left else "right"
            roles[spec.details.store] = f"{side} side of join {spec.details.join.op_id}"
    for table_id in descriptor.tables:
        roles[table_id] = f"table {table_id}"
    return roles


def render_stores(config: Config) -> str:
    """The application's stores as text (name, role, changelog, ttl); empty when it has none."""
    roles = store_roles(config)
    if not roles:
        return ""
    storage = StorageConfig(config)
    lines = ["", "Stores of the application (one per task):"]
    rows = [["STORE", "FOR", "CHANGELOG", "TTL MS"]]
    for store in sorted(roles):
        changelog = storage.changelog(store) if store in storage.store_names() else None
        ttl = storage.rocksdb_ttl_ms(store) if store in storage.store_names() else None
        rows.append([store, roles[store], "-" if changelog is None else f"{changelog.system}.{changelog.stream}",
                     "-" if ttl is None else str(ttl)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"
