"""The operators that repartition and join: what ``MessageStream.partition_by``, ``join`` and
``send_to(table)`` add to the graph, and the details the runtime builds them from.

- partition_by: the graph is split at an intermediate stream ``<job.name>-<job.id>-partition_by-<op id>``
  on the default system. The operator sends ``KV(key_fn(m), value_fn(m))`` to it, keyed by the key; the
  operators after partition_by hang off the stream's input operator, so in every task they see the
  messages of that task's partitions of the intermediate stream.
- join: one operator per side (``<op id>-L`` and ``-R``, as Samza names its partial joins and their
  stores). Each side keeps the latest message per key in its store; a message that finds the other
  side's message for its key, put there within ``ttl`` (processing time), gives one result.
- stream-table join and send_to(table): a lookup in, or a write to, the table's store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from samza_py.api.descriptors import InputDescriptor, check_id
from samza_py.api.functions import JoinFunction, StreamTableJoinFunction
from samza_py.api.operators import OpCode, OperatorSpec
from samza_py.api.serdes import KVSerde, Serde
from samza_py.api.tables import LocalTableDescriptor

if TYPE_CHECKING:
    from samza_py.api.application import StreamApplicationDescriptor
    from samza_py.api.message_stream import MessageStream


@dataclass(frozen=True)
class PartitionBy:
    key_fn: Callable[[Any], Any]
    value_fn: Callable[[Any], Any]
    stream: InputDescriptor[Any]  # the intermediate stream


@dataclass(frozen=True)
class Join:
    op_id: str
    join_fn: JoinFunction[Any, Any, Any, Any]
    key_serde: Serde
    message_serde: Serde  # of the left (first) stream
    other_message_serde: Serde
    ttl_ms: int

    @property
    def left_store(self) -> str:
        return f"{self.op_id}-L"

    @property
    def right_store(self) -> str:
        return f"{self.op_id}-R"


@dataclass(frozen=True)
class PartialJoin:
    join: Join
    is_left: bool

    @property
    def store(self) -> str:
        return self.join.left_store if self.is_left else self.join.right_store

    @property
    def other_store(self) -> str:
        return self.join.right_store if self.is_left else self.join.left_store


@dataclass(frozen=True)
class TableJoin:
    table: LocalTableDescriptor
    join_fn: StreamTableJoinFunction[Any, Any, Any, Any]


@dataclass(frozen=True)
class SendToTable:
    table: LocalTableDescriptor


def millis(duration: timedelta | int) -> int:
    return duration if isinstance(duration, int) else int(duration.total_seconds() * 1000)


def _app(stream: MessageStream[Any]) -> StreamApplicationDescriptor:
    from samza_py.api.application import StreamApplicationDescriptor

    graph = stream._graph
    if not isinstance(graph, StreamApplicationDescriptor):
        raise TypeError("this operator needs a stream of a StreamApplicationDescriptor")
    return graph


def _then(stream: MessageStream[Any], spec: OperatorSpec) -> OperatorSpec:
    stream.spec.next_specs.append(spec)
    return spec


def partition_by(stream: MessageStream[Any], key_fn: Callable[[Any], Any], value_fn: Callable[[Any], Any],
                 serde: KVSerde, op_id: str) -> OperatorSpec:
    """The input operator of the new intermediate stream (the partition_by operator leads to it)."""
    app = _app(stream)
    if not isinstance(serde, KVSerde):
        raise TypeError(f"partition_by needs a KVSerde for its intermediate stream, got {serde!r}")
    system = app.default_system
    if system is None:
        raise ValueError("partition_by needs a default system for its intermediate stream "
                         "(app_descriptor.with_default_system)")
    stream_id = app.next_op_id(OpCode.PARTITION_BY, check_id("partition_by op id", op_id))
    intermediate = system.get_input_descriptor(stream_id, serde)
    # samza.intermediate and the top chooser priority as Samza's planner sets them (a task drains what the job
    # repartitioned before reading more input); oldest because every message of the stream was written by
    # this job for itself (with upcoming, a task starting after another task has sent to its partition would
    # skip those messages).
    intermediate.with_stream_config("samza.intermediate", "true")
    intermediate.with_stream_config("samza.priority", str(2**31 - 1))
    intermediate.with_offset_default("oldest")
    _then(stream, OperatorSpec(OpCode.PARTITION_BY, stream_id, details=PartitionBy(key_fn, value_fn, intermediate)))
    return app.get_intermediate_stream(intermediate)


def join(stream: MessageStream[Any], other: MessageStream[Any], join_fn: JoinFunction[Any, Any, Any, Any],
         key_serde: Serde, message_serde: Serde, other_message_serde: Serde, ttl: timedelta | int,
         op_id: str) -> OperatorSpec:
    """The left partial join's spec (the right one shares its next operators)."""
    app = _app(stream)
    if other is stream or other.spec is stream.spec:
        raise ValueError("cannot join a MessageStream with itself")
    if other._graph is not app:
        raise ValueError("cannot join streams of different applications")
    if not isinstance(join_fn, JoinFunction):
        raise TypeError(f"join needs a JoinFunction, got {join_fn!r}")
    for what, serde in (("key", key_serde), ("message", message_serde), ("other message", other_message_serde)):
        if serde.name is None or isinstance(serde, KVSerde):
            raise ValueError(f"join needs a named {what} serde (its stores keep bytes), got {serde!r}")
    ttl_ms = millis(ttl)
    if ttl_ms <= 0:
        raise ValueError(f"a join's ttl must be positive, got {ttl_ms} ms")
    join_id = app.next_op_id(OpCode.JOIN, check_id("join op id", op_id))
    details = Join(join_id, join_fn, key_serde, message_serde, other_message_serde, ttl_ms)
    left = _then(stream, OperatorSpec(OpCode.JOIN, details.left_store, details=PartialJoin(details, True)))
    right = _then(other, OperatorSpec(OpCode.JOIN, details.right_store, details=PartialJoin(details, False)))
    right.next_specs = left.next_specs  # one join: both sides' results go to the same operators
    return left


def table_join(stream: MessageStream[Any], table: LocalTableDescriptor,
               join_fn: StreamTableJoinFunction[Any, Any, Any, Any]) -> OperatorSpec:
    app = _app(stream)
    if app.tables.get(table.table_id) is not table:
        raise ValueError(f"table {table.table_id!r} is not a table of this application (use get_table)")
    if not isinstance(join_fn, StreamTableJoinFunction):
        raise TypeError(f"a stream-table join needs a StreamTableJoinFunction, got {join_fn!r}")
    return _then(stream, OperatorSpec(OpCode.STREAM_TABLE_JOIN, app.next_op_id(OpCode.JOIN),
                                      details=TableJoin(table, join_fn)))


def send_to_table(stream: MessageStream[Any], table: LocalTableDescriptor) -> OperatorSpec:
    app = _app(stream)
    if app.tables.get(table.table_id) is not table:
        raise ValueError(f"table {table.table_id!r} is not a table of this application (use get_table)")
    return _then(stream, OperatorSpec(OpCode.SEND_TO_TABLE, app.next_op_id(OpCode.SEND_TO),
                                      details=SendToTable(table)))
