"""OperatorTask: the task a StreamApplication runs as (``task.class`` of its generated config).

Each task describes the application again (from ``app.class``) and builds its own operators, so the
container, checkpoints and stores work as for any task: messages of an input stream go through the
graph, outputs leave through the collector, windows fire from ``window()``.
"""

from __future__ import annotations

from collections.abc import Callable

from samza_py.api import (
    ClosableTask,
    EndOfStreamListenerTask,
    IncomingMessageEnvelope,
    InitableTask,
    MessageCollector,
    StreamTask,
    TaskContext,
    TaskCoordinator,
    WindowableTask,
)
from samza_py.api.streams import SystemStream
from samza_py.application.graph import InputOperator, OperatorGraph, build_graph
from samza_py.application.window import wall_clock_ms
from samza_py.config.config import Config
from samza_py.serializers.registry import SerdeRegistry


class OperatorTask(StreamTask, InitableTask, WindowableTask, ClosableTask, EndOfStreamListenerTask):
    # Processing time, in ms: what windows assign messages by and fire by (tests move it).
    clock: Callable[[], int] = staticmethod(wall_clock_ms)

    def __init__(self) -> None:
        self.graph: OperatorGraph | None = None
        self._inputs: dict[SystemStream, InputOperator] = {}

    def init(self, context: TaskContext) -> None:
        config = context.config if isinstance(context.config, Config) else Config(context.config)
        self.graph = build_graph(config, type(self).clock)
        self._inputs = self.graph.inputs
        self.graph.init(context, SerdeRegistry.from_config(config))

    def process(self, envelope: IncomingMessageEnvelope, collector: MessageCollector,
                coordinator: TaskCoordinator) -> None:
        ssp = envelope.system_stream_partition
        operator = self._inputs.get(SystemStream(ssp.system, ssp.stream))
        if operator is None:
            raise ValueError(f"{ssp} (offset {envelope.offset}) is not an input stream of the application")
        operator.on_envelope(envelope, collector, coordinator)

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        assert self.graph is not None
        now = type(self).clock()
        for operator in self.graph.timed:
            operator.on_timer(now, collector, coordinator)

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        """All inputs ended (a bounded job): open windows fire before the task shuts down, upstream first."""
        assert self.graph is not None
        for operator in self.graph.operators.values():
            operator.on_end_of_stream(collector, coordinator)

    def close(self) -> None:
        if self.graph is not None:
            self.graph.close()
        self.graph = None
