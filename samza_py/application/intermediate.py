"""Intermediate streams (partition_by): their partition counts, and their creation before containers start.

As Samza's planner: a stream joined (directly or through a table) with input streams gets their partition
count, so the join's sides are co-partitioned; any other gets ``job.intermediate.stream.partitions``, else
the largest partition count among the job's input and (existing) output streams. run-job and run-app
create them, like Samza's job planners, before the job model is computed; a dry run only plans them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from samza_py.api.application import StreamApplicationDescriptor
from samza_py.api.operators import OpCode, OperatorSpec
from samza_py.api.streams import SystemStream
from samza_py.application.config_generator import describe, runs_operator_graph
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.stream_config import StreamConfig
from samza_py.config.system_config import SystemConfig
from samza_py.system.interfaces import StreamNotFoundError, StreamSpec, SystemAdmin

log = logging.getLogger(__name__)

INTERMEDIATE_PARTITIONS = "job.intermediate.stream.partitions"
DEFAULT_REPLICATION_FACTOR = 2  # Samza's default for the Kafka streams it creates


@dataclass(frozen=True)
class IntermediateStream:
    stream_id: str
    system: str
    spec: StreamSpec
    joined_with: tuple[str, ...] = field(default=())  # input streams whose partition count it takes


class IntermediateStreamError(ConfigException):
    pass


def _sources(descriptor: StreamApplicationDescriptor) -> dict[str, set[str]]:
    """op id → the stream ids (inputs and intermediate streams) whose messages reach the operator."""
    sources: dict[str, set[str]] = {}
    for stream_id, input_spec in descriptor.input_specs.items():
        queue: list[OperatorSpec] = [input_spec]
        while queue:
            spec = queue.pop()
            reached = sources.setdefault(spec.op_id, set())
            if stream_id not in reached:
                reached.add(stream_id)
                queue.extend(spec.next_specs)
    return sources


def joined_stream_sets(descriptor: StreamApplicationDescriptor) -> list[set[str]]:
    """Stream ids that must be co-partitioned: those reaching either side of a join, or a table's writes
    and the stream-table joins that read it."""
    from samza_py.application.config_generator import reachable_specs

    specs = {spec.op_id: spec for spec in reachable_specs(descriptor)}
    by_join: dict[str, set[str]] = {}
    for op_id, reached in _sources(descriptor).items():
        spec = specs[op_id]
        if spec.op_code is OpCode.JOIN:
            by_join.setdefault(spec.details.join.op_id, set()).update(reached)
        elif spec.op_code in (OpCode.SEND_TO_TABLE, OpCode.STREAM_TABLE_JOIN):
            by_join.setdefault(f"table {spec.details.table.table_id}", set()).update(reached)
    return [streams for streams in by_join.values() if len(streams) > 1]


def intermediate_stream_ids(config: Config) -> list[str]:
    streams = StreamConfig(config)
    return [i for i in streams.stream_ids()
            if (config.get_str(f"streams.{i}.samza.intermediate") or "").strip().lower() == "true"]


def _replication_factor(config: Config, stream_id: str, system: str) -> int:
    streams = StreamConfig(config)
    return streams.int_of((f"streams.{stream_id}.replication.factor",
                           f"systems.{system}.default.stream.replication.factor"), DEFAULT_REPLICATION_FACTOR)


def plan_intermediate_streams(config: Config, admins: Mapping[str, SystemAdmin]) -> list[IntermediateStream]:
    """The intermediate streams of ``app.class`` with the partition counts a run creates them with; only
    partition counts are read. Empty for a job without them."""
    descriptor = _operator_application(config)
    ids = intermediate_stream_ids(config)
    if descriptor is None or not (ids or joined_stream_sets(descriptor)):
        return []  # nothing to create, and no join whose inputs must be co-partitioned
    streams = StreamConfig(config)

    def system_stream(stream_id: str) -> SystemStream:
        ss = streams.system_stream_of(stream_id)
        if ss is None:
            raise IntermediateStreamError(f"streams.{stream_id}.samza.system", "names no system and there is no "
                                          "job.default.system for the intermediate stream")
        return ss

    intermediate = set(ids)
    known: dict[str, int] = {}  # stream id → partitions, for the inputs and the outputs that exist
    for stream_id in descriptor.inputs:
        if stream_id not in intermediate:
            ss = system_stream(stream_id)
            known[stream_id] = admins[ss.system].partition_count(ss.stream)
    for stream_id in descriptor.outputs:
        if stream_id not in intermediate:
            ss = system_stream(stream_id)
            with contextlib.suppress(StreamNotFoundError):  # an output the job's first send creates
                known[stream_id] = admins[ss.system].partition_count(ss.stream)
    partitions: dict[str, int] = {}
    joined_with: dict[str, tuple[str, ...]] = {}
    sets = joined_stream_sets(descriptor)
    changed = True
    while changed:  # an intermediate stream's count can settle another's set: go on until nothing changes
        changed = False
        for joined in sets:
            inputs = sorted(s for s in joined if s in known)
            fixed = {known[s] for s in inputs}
            if len(fixed) > 1:
                listed = ", ".join(f"{s} ({known[s]})" for s in inputs)
                raise IntermediateStreamError("task.inputs", f"joined streams must have the same partition count: "
                                                            f"{listed}")
            settled = fixed or {partitions[s] for s in joined if s in partitions}
            if not settled:
                continue
            count = next(iter(settled))
            for stream_id in joined:
                if stream_id in intermediate and stream_id not in partitions:
                    partitions[stream_id], joined_with[stream_id] = count, tuple(inputs)
                    changed = True
    default = config.get_int(INTERMEDIATE_PARTITIONS, -1)
    if config.get_str(INTERMEDIATE_PARTITIONS) is not None and default <= 0:
        raise IntermediateStreamError(INTERMEDIATE_PARTITIONS, f"must be a positive number, got {default}")
    if default <= 0:
        default = max(known.values(), default=1)
    planned = []
    for stream_id in sorted(intermediate):
        ss = system_stream(stream_id)
        spec = StreamSpec(ss.stream, partitions.get(stream_id, default),
                          _replication_factor(config, stream_id, ss.system), {})
        planned.append(IntermediateStream(stream_id, ss.system, spec, joined_with.get(stream_id, ())))
    return planned


def _operator_application(config: Config) -> StreamApplicationDescriptor | None:
    if not runs_operator_graph(config):
        return None
    descriptor = describe(config)
    assert isinstance(descriptor, StreamApplicationDescriptor)
    return descriptor


def create_intermediate_streams(config: Config) -> list[IntermediateStream]:
    """Create the job's intermediate streams unless they exist (a stream that exists is kept as it is); a
    join of input streams with different partition counts is an IntermediateStreamError, as in Samza."""
    descriptor = _operator_application(config)
    if descriptor is None or not (intermediate_stream_ids(config) or joined_stream_sets(descriptor)):
        return []
    systems = SystemConfig(config)
    admins = {s: resolve_class(systems.factory_class(s))().get_admin(s, config) for s in systems.system_names()}
    for admin in admins.values():
        admin.start()
    try:
        planned = plan_intermediate_streams(config, admins)
        for stream in planned:
            admin = admins[stream.system]
            if admin.create_stream(stream.spec):
                log.info("created intermediate stream %s.%s with %d partition(s)", stream.system, stream.spec.stream,
                         stream.spec.partitions)
            else:
                existing = admin.partition_count(stream.spec.stream)
                if existing != stream.spec.partitions:
                    log.warning("intermediate stream %s.%s exists with %d partition(s); the job would create it "
                                "with %d: it is used as it is", stream.system, stream.spec.stream, existing,
                                stream.spec.partitions)
        return planned
    finally:
        for admin in admins.values():
            admin.stop()
