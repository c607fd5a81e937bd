"""MessageStream: a stream of messages and the operators applied to it (Samza's high-level API)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from samza_py.api.collector import MessageCollector
from samza_py.api.coordinator import TaskCoordinator
from samza_py.api.operators import OpCode, OperatorSpec

if TYPE_CHECKING:
    from samza_py.api.descriptors import OutputDescriptor
    from samza_py.api.windows import Window, WindowPane

M = TypeVar("M")
OM = TypeVar("OM")
WK = TypeVar("WK")
WV = TypeVar("WV")


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

    def send_to(self, output: OutputStream[M]) -> None:
        """Send every message to ``output``; a keyed output stream takes ``KV(key, value)`` messages."""
        self._then(OpCode.SEND_TO, details=output.descriptor)

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
