"""The operator graph at run time: one operator object per spec, wired as the application described them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samza_py.api import Counter, IncomingMessageEnvelope, MessageCollector, TaskContext, TaskCoordinator
from samza_py.api.application import StreamApplicationDescriptor
from samza_py.api.descriptors import StreamDescriptor
from samza_py.api.operators import OpCode, OperatorSpec
from samza_py.api.serdes import KV
from samza_py.api.streams import SystemStream
from samza_py.application.config_generator import describe, reachable_specs, runs_operator_graph
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.stream_config import StreamConfig
from samza_py.serializers.registry import SerdeRegistry

# Samza's per-operator metrics group; each operator counts the messages it takes as ``<op id>-messages``.
OPERATOR_METRICS_GROUP = "org.apache.samza.operators.impl.OperatorImpl"


class Operator:
    """Takes a message, hands what it produces to the next operators."""

    def __init__(self, spec: OperatorSpec) -> None:
        self.spec = spec
        self.next: list[Operator] = []
        # Replaced by the task's registered counter in ``OperatorGraph.init``.
        self.messages = Counter(f"{spec.op_id}-messages")

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        """After the task's stores are restored."""

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        raise NotImplementedError

    def on_timer(self, now_ms: int, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Every ``task.window.ms``: operators with time-based output emit it here."""

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """Every input of the task ended: operators holding state (open windows) emit it here."""

    def close(self) -> None:
        """When the task closes."""

    def emit(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        for operator in self.next:
            operator.messages.inc()
            operator.on_message(message, collector, coordinator)

    def describe(self) -> str:
        return self.spec.op_id


class InputOperator(Operator):
    def __init__(self, spec: OperatorSpec) -> None:
        super().__init__(spec)
        self.descriptor: StreamDescriptor[Any] = spec.details
        self.keyed = self.descriptor.is_keyed

    def on_envelope(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                    coordinator: TaskCoordinator) -> None:
        self.messages.inc()
        message = KV(envelope.key, envelope.message) if self.keyed else envelope.message
        self.emit(message, collector, coordinator)

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.emit(message, collector, coordinator)


class MapOperator(Operator):
    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        assert self.spec.fn is not None
        self.emit(self.spec.fn(message), collector, coordinator)


class FilterOperator(Operator):
    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        assert self.spec.fn is not None
        if self.spec.fn(message):
            self.emit(message, collector, coordinator)


class FlatMapOperator(Operator):
    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        assert self.spec.fn is not None
        for result in self.spec.fn(message):
            self.emit(result, collector, coordinator)


class MergeOperator(Operator):
    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.emit(message, collector, coordinator)


class SendToOperator(Operator):
    """Sends to the output stream; a keyed stream's ``KV`` gives the key (and partition key) and message."""

    def __init__(self, spec: OperatorSpec, system_stream: SystemStream) -> None:
        super().__init__(spec)
        self.descriptor: StreamDescriptor[Any] = spec.details
        self.system_stream = system_stream
        self.keyed = self.descriptor.is_keyed

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        if self.keyed:
            if not isinstance(message, tuple) or len(message) != 2:
                raise TypeError(f"output stream {self.descriptor.stream_id!r} is keyed (KVSerde): "
                                f"expected KV(key, value), got {type(message).__name__}")
            collector.send_to(self.system_stream, message[0], message[1])
        else:
            collector.send_to(self.system_stream, None, message)

    def describe(self) -> str:
        return f"{self.spec.op_id} -> {self.system_stream.system}.{self.system_stream.stream}"


class SinkOperator(Operator):
    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        assert self.spec.fn is not None
        self.spec.fn(message, collector, coordinator)


class OperatorGraph:
    """The operators of one task, built from a described application."""

    def __init__(self, descriptor: StreamApplicationDescriptor,
                 stream_of: Callable[[StreamDescriptor[Any]], SystemStream] | None = None,
                 clock: Callable[[], int] | None = None) -> None:
        from samza_py.application.extra_operators import EXTRA_OP_CODES, build_extra_operator
        from samza_py.application.triggered_window import window_operator

        stream_of = stream_of or (lambda d: d.system_stream)
        self.operators: dict[str, Operator] = {}
        for spec in reachable_specs(descriptor):
            operator: Operator
            if spec.op_code is OpCode.INPUT:
                operator = InputOperator(spec)
            elif spec.op_code is OpCode.SEND_TO:
                operator = SendToOperator(spec, stream_of(spec.details))
            elif spec.op_code is OpCode.WINDOW:
                operator = window_operator(spec, clock)
            elif spec.op_code in EXTRA_OP_CODES:  # partition_by, joins, tables
                operator = build_extra_operator(spec, stream_of, clock)
            else:
                operator = _SIMPLE[spec.op_code](spec)
            self.operators[spec.op_id] = operator
        for operator in self.operators.values():
            operator.next = [self.operators[s.op_id] for s in operator.spec.next_specs]
        self.inputs: dict[SystemStream, InputOperator] = {}
        for spec in descriptor.input_specs.values():
            operator = self.operators[spec.op_id]
            assert isinstance(operator, InputOperator)
            self.inputs[stream_of(spec.details)] = operator
        self.timed = [op for op in self.operators.values() if type(op).on_timer is not Operator.on_timer]

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        registry = context.metrics_registry
        for operator in self.operators.values():
            operator.messages = registry.new_counter(OPERATOR_METRICS_GROUP, f"{operator.spec.op_id}-messages")
            operator.init(context, serdes)

    def close(self) -> None:
        for operator in self.operators.values():
            operator.close()

    def describe(self) -> list[str]:
        """One line per edge, ``op -> next``, for people reading a dry run."""
        lines = []
        for operator in self.operators.values():
            targets = [n.spec.op_id for n in operator.next]
            lines.append(f"{operator.describe()}" + (f" -> {', '.join(targets)}" if targets else ""))
        return lines


_SIMPLE: dict[OpCode, type[Operator]] = {
    OpCode.MAP: MapOperator,
    OpCode.FILTER: FilterOperator,
    OpCode.FLAT_MAP: FlatMapOperator,
    OpCode.MERGE: MergeOperator,
    OpCode.SINK: SinkOperator,
}


def build_graph(config: Config, clock: Callable[[], int] | None = None) -> OperatorGraph:
    """The operator graph of ``app.class``, with streams resolved through the job's config (which may map a
    stream id to another topic)."""
    descriptor = describe(config)
    if not isinstance(descriptor, StreamApplicationDescriptor):
        raise ConfigException("app.class", f"{config.get_str('app.class')!r} is not a StreamApplication")
    streams = StreamConfig(config)

    def stream_of(stream: StreamDescriptor[Any]) -> SystemStream:
        return streams.system_stream_of(stream.stream_id) or stream.system_stream

    return OperatorGraph(descriptor, stream_of, clock)


def render_operator_graph(config: Config) -> str:
    """The operator graph as text for a dry run; empty when the job has no StreamApplication."""
    if not runs_operator_graph(config):
        return ""
    graph = build_graph(config)
    lines = ["", f"Operator graph of {config.get_str('app.class')} (one copy per task):"]
    lines += [f"  {line}" for line in graph.describe()]
    return "\n".join(lines) + "\n"
