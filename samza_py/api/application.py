"""Applications: what ``app.class`` names (Samza's ``StreamApplication`` and ``TaskApplication``).

run-job calls ``describe`` with a descriptor; what the application declares there (inputs, outputs,
operators, the task class) becomes the job's generated config, under the job's own config.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, TypeVar

from samza_py.api.descriptors import InputDescriptor, OutputDescriptor, StreamDescriptor, SystemDescriptor
from samza_py.api.message_stream import MessageStream, OutputStream
from samza_py.api.operators import OpCode, OperatorSpec
from samza_py.api.tables import LocalTableDescriptor, Table

M = TypeVar("M")


class ApplicationDescriptor:
    """What both kinds of application declare: config, a default system, and the streams they use."""

    def __init__(self, config: Mapping[str, str]) -> None:
        self.config = config
        self.default_system: SystemDescriptor | None = None
        self.inputs: dict[str, InputDescriptor[Any]] = {}
        self.outputs: dict[str, OutputDescriptor[Any]] = {}
        self.tables: dict[str, LocalTableDescriptor] = {}

    def with_default_system(self, system: SystemDescriptor) -> ApplicationDescriptor:
        """``job.default.system`` (and the system's config), for checkpoints, changelogs and coordination."""
        self.default_system = system
        return self

    def _add(self, table: dict[str, Any], descriptor: StreamDescriptor[Any]) -> None:
        other = self.inputs.get(descriptor.stream_id) or self.outputs.get(descriptor.stream_id)
        if other is not None and other is not descriptor:
            raise ValueError(f"stream id {descriptor.stream_id!r} is described twice")
        if descriptor.stream_id in table:
            raise ValueError(f"stream {descriptor.stream_id!r} is already added")
        table[descriptor.stream_id] = descriptor

    def get_table(self, descriptor: LocalTableDescriptor) -> Table[Any]:
        """The table ``descriptor`` describes (its store is added to every task)."""
        other = self.tables.setdefault(descriptor.table_id, descriptor)
        if other is not descriptor:
            raise ValueError(f"table id {descriptor.table_id!r} is described twice")
        return Table(descriptor)

    def systems(self) -> list[SystemDescriptor]:
        """Every system used, the default system first."""
        found: dict[str, SystemDescriptor] = {}
        if self.default_system is not None:
            found[self.default_system.system_name] = self.default_system
        for stream in [*self.inputs.values(), *self.outputs.values()]:
            system = stream.system_descriptor
            if found.setdefault(system.system_name, system) is not system:
                raise ValueError(f"system {system.system_name!r} is described twice")
        return list(found.values())


class StreamApplicationDescriptor(ApplicationDescriptor):
    """Where a StreamApplication gets its input streams and output streams and builds its operators."""

    def __init__(self, config: Mapping[str, str]) -> None:
        super().__init__(config)
        self.input_specs: dict[str, OperatorSpec] = {}
        self._job = f"{config.get('job.name', 'job')}-{config.get('job.id', '1')}"
        self._op_ids: set[str] = set()
        self._next_number = 0

    def next_op_id(self, op_code: OpCode, user_id: str | None = None) -> str:
        if user_id is None:
            user_id = str(self._next_number)
            self._next_number += 1
        op_id = f"{self._job}-{op_code.value}-{user_id}"
        if op_id in self._op_ids:
            raise ValueError(f"operator id {user_id!r} is used twice (op ids must be unique in an application)")
        self._op_ids.add(op_id)
        return op_id

    def get_input_stream(self, descriptor: InputDescriptor[M]) -> MessageStream[M]:
        """The stream's messages: ``KV(key, value)`` if its serde is a KVSerde, else the values alone."""
        self._add(self.inputs, descriptor)
        spec = OperatorSpec(OpCode.INPUT, self.next_op_id(OpCode.INPUT, descriptor.stream_id), details=descriptor)
        self.input_specs[descriptor.stream_id] = spec
        return MessageStream(self, spec)

    def get_output_stream(self, descriptor: OutputDescriptor[M]) -> OutputStream[M]:
        self._add(self.outputs, descriptor)
        return OutputStream(descriptor)

    def get_intermediate_stream(self, descriptor: InputDescriptor[M]) -> OperatorSpec:
        """A stream the application both writes and reads (partition_by): an output, and an input whose
        operator the rest of the graph hangs off, so every task reads it as it reads any input."""
        self._add(self.inputs, descriptor)
        self._add(self.outputs, descriptor)
        spec = OperatorSpec(OpCode.INPUT, self.next_op_id(OpCode.INPUT), details=descriptor)
        self.input_specs[descriptor.stream_id] = spec
        return spec


class TaskApplicationDescriptor(ApplicationDescriptor):
    """Where a TaskApplication names its task class and the streams the task reads and writes."""

    def __init__(self, config: Mapping[str, str]) -> None:
        super().__init__(config)
        self.task_class: type | None = None

    def with_task_factory(self, task_class: type) -> TaskApplicationDescriptor:
        """The task class (a class is Python's task factory: the container calls it once per task)."""
        if not isinstance(task_class, type):
            raise TypeError(f"with_task_factory takes the task class, got {task_class!r}")
        self.task_class = task_class
        return self

    def add_input_stream(self, descriptor: InputDescriptor[Any]) -> TaskApplicationDescriptor:
        self._add(self.inputs, descriptor)
        return self

    def add_output_stream(self, descriptor: OutputDescriptor[Any]) -> TaskApplicationDescriptor:
        self._add(self.outputs, descriptor)
        return self


class StreamApplication(ABC):
    @abstractmethod
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        """Declare the inputs, operators and outputs; called at run-job and again in every task."""


class TaskApplication(ABC):
    @abstractmethod
    def describe(self, app_descriptor: TaskApplicationDescriptor) -> None:
        """Name the task class and its input and output streams."""
