"""The partition_by operator: sends each message to the intermediate stream, keyed by its new key.

The key is also the partition key, so the producer puts it where Samza would (abs(Java hashCode) % the
stream's partitions) and every message of a key is read back by the one task that owns that partition;
the operators after partition_by run there, fed by the intermediate stream's input operator.
"""

from __future__ import annotations

from typing import Any

from samza_py.api import MessageCollector, TaskCoordinator
from samza_py.api.operator_specs import PartitionBy
from samza_py.api.operators import OperatorSpec
from samza_py.api.streams import SystemStream
from samza_py.application.graph import Operator


class PartitionByOperator(Operator):
    def __init__(self, spec: OperatorSpec, system_stream: SystemStream) -> None:
        super().__init__(spec)
        self.details: PartitionBy = spec.details
        self.system_stream = system_stream

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        details = self.details
        collector.send_to(self.system_stream, details.key_fn(message), details.value_fn(message))

    def describe(self) -> str:
        return f"{self.spec.op_id} -> {self.system_stream.system}.{self.system_stream.stream} (intermediate)"
