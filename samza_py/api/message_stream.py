"""MessageStream: a stream of messages and the operators applied to it (Samza's high-level API)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from samza_py.api.collector import MessageCollector
from samza_py.api.coordinator import TaskCoordinator
from samza_py.api.operators import OpCode, OperatorSpec

if TYPE_CHECKING:
    from samza_py.api.descriptors import OutputDescriptor
    from samza_py.api.functions import JoinFunction, StreamTableJoinFunction
    from samza_py.api.serdes import KV, KVSerde, Serde
    from samza_py.api.tables import Table
    from samza_py.api.windows import Window, WindowPane

M = TypeVar("M")
OM = TypeVar("OM")
WK = TypeVar("WK")
WV = TypeVar("WV")
K = TypeVar("K")
V = TypeVar("V")
JM = TypeVar("JM")


class OperatorGraphBuilder(Protocol):
    """What a stream needs from its application descriptor: unique op ids."""

    def next_op_id(self, op_code: OpCode, user_id: str | None = None) -> str: ...


class OutputStream(Generic[M]):
    """A stream the application sends to; from ``get_output_stream``."""

    def __init__(self, descriptor: OutputDescriptor[M]) -> None:
        self.descriptor = descriptor

    def __repr__(self) -> str:
        return f"OutputStream({self.descriptor.stream_id!r})"


class MessageStream(Generic[M]):
    """Messages flowing out of one operator. Each method adds an operator and returns its output stream."""

    def __init__(self, graph: OperatorGraphBuilder, spec: OperatorSpec) -> None:
        self._graph = graph
        self.spec = spec

    def _then(self, op_code: OpCode, fn: Callable[..., Any] | None = None, details: Any = None,
              user_id: str | None = None) -> OperatorSpec:
        spec = OperatorSpec(op_code, self._graph.next_op_id(op_code, user_id), fn, details)
        self.spec.next_specs.append(spec)
        return spec

    def map(self, fn: Callable[[M], OM]) -> MessageStream[OM]:
        """Each message becomes ``fn(message)``."""
        return MessageStream(self._graph, self._then(OpCode.MAP, fn))

    def filter(self, fn: Callable[[M], bool]) -> MessageStream[M]:
        """Only messages for which ``fn`` is true go on."""
        return MessageStream(self._graph, self._then(OpCode.FILTER, fn))

    def flat_map(self, fn: Callable[[M], Iterable[OM]]) -> MessageStream[OM]:
        """Each message becomes the messages ``fn`` returns, in order (none is fine)."""
        return MessageStream(self._graph, self._then(OpCode.FLAT_MAP, fn))

    def merge(self, others: Collection[MessageStream[M]]) -> MessageStream[M]:
        """This stream's and the others' messages, in the order they arrive."""
        spec = self._then(OpCode.MERGE)
        for other in others:
            if other._graph is not self._graph:
                raise ValueError("cannot merge streams of different applications")
            other.spec.next_specs.append(spec)
        return MessageStream(self._graph, spec)

    @staticmethod
    def merge_all(streams: Collection[MessageStream[M]]) -> MessageStream[M]:
        """All the streams' messages as one stream."""
        if not streams:
            raise ValueError("merge_all needs at least one stream")
        first, *rest = list(streams)
        return first.merge(rest)

    @overload
    def send_to(self, output: OutputStream[M]) -> None: ...

    @overload
    def send_to(self, output: Table[Any]) -> MessageStream[M]: ...

    def send_to(self, output: OutputStream[M] | Table[Any]) -> MessageStream[M] | None:
        """Send every message to ``output``; a keyed output stream takes ``KV(key, value)`` messages.

        A table takes ``KV(key, value)`` messages too (None deletes the key); its messages go on unchanged.
        """
        from samza_py.api.tables import Table

        if isinstance(output, Table):
            from samza_py.api.operator_specs import send_to_table

            return MessageStream(self._graph, send_to_table(self, output.descriptor))
        self._then(OpCode.SEND_TO, details=output.descriptor)
        return None

    def sink(self, fn: Callable[[M, MessageCollector, TaskCoordinator], None]) -> None:
        """Hand every message to ``fn(message, collector, coordinator)``."""
        self._then(OpCode.SINK, fn)

    def window(self, window: Window[M, WK, WV], op_id: str) -> MessageStream[WindowPane[WK, WV]]:
        """Group messages into windows (see ``Windows``); emits one ``WindowPane`` per key and window.

        ``op_id`` names the operator and its store, which must stay the same across deployments for the
        state to carry over.
        """
        from samza_py.api.descriptors import check_id

        return MessageStream(self._graph, self._then(OpCode.WINDOW, details=window,
                                                     user_id=check_id("window op id", op_id)))

    def partition_by(self, key_fn: Callable[[M], K], value_fn: Callable[[M], V], serde: KVSerde,
                     op_id: str) -> MessageStream[KV[K, V]]:
        """Repartition by ``key_fn``: messages go as ``KV(key_fn(m), value_fn(m))`` through the intermediate
        stream ``<job.name>-<job.id>-partition_by-<op_id>`` (keyed, so a key's messages meet in one task)
        and come back as ``KV`` messages in the task that reads the key's partition."""
        from samza_py.api.operator_specs import partition_by

        return MessageStream(self._graph, partition_by(self, key_fn, value_fn, serde, op_id))

    @overload
    def join(self, other: MessageStream[OM], join_fn: JoinFunction[K, M, OM, JM], key_serde: Serde,
             message_serde: Serde, other_message_serde: Serde, ttl: timedelta | int,
             op_id: str) -> MessageStream[JM]: ...

    @overload
    def join(self, other: Table[Any], join_fn: StreamTableJoinFunction[K, M, Any, JM]) -> MessageStream[JM]: ...

    def join(self, other: MessageStream[OM] | Table[Any], join_fn: Any, key_serde: Serde | None = None,
             message_serde: Serde | None = None, other_message_serde: Serde | None = None,
             ttl: timedelta | int | None = None, op_id: str | None = None) -> MessageStream[Any]:
        """Stream-stream join (messages of both streams with the same key within ``ttl`` of processing time,
        state in two RocksDB stores with changelogs, ``<job>-<id>-join-<op_id>-L`` and ``-R``), or
        stream-table join (each message with the table's record for its key)."""
        from samza_py.api import operator_specs
        from samza_py.api.tables import Table

        if isinstance(other, Table):
            return MessageStream(self._graph, operator_specs.table_join(self, other.descriptor, join_fn))
        if key_serde is None or message_serde is None or other_message_serde is None or ttl is None or op_id is None:
            raise TypeError("a stream-stream join needs key_serde, message_serde, other_message_serde, ttl and op_id")
        return MessageStream(self._graph, operator_specs.join(self, other, join_fn, key_serde, message_serde,
                                                              other_message_serde, ttl, op_id))
