"""Table operators: send_to(table) writes ``KV`` messages into the table's store; a stream-table join
looks each message's key up in it.

A local table is the store ``stores.<table id>`` of every task, with the table's serdes, so a task sees
the records of its own partitions: a stream joined with a table must be partitioned like the stream
that fills the table (partition_by gets it there).
"""

from __future__ import annotations

from typing import Any

from samza_py.api import KV, KeyValueStore, MessageCollector, TaskContext, TaskCoordinator
from samza_py.api.operator_specs import SendToTable, TableJoin
from samza_py.api.operators import OperatorSpec
from samza_py.application.graph import Operator
from samza_py.serializers.registry import SerdeRegistry


class SendToTableOperator(Operator):
    def __init__(self, spec: OperatorSpec) -> None:
        super().__init__(spec)
        self.details: SendToTable = spec.details
        self.table: KeyValueStore[Any, Any] | None = None

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        self.table = context.get_store(self.details.table.table_id)

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        table = self.table
        assert table is not None, "send_to(table) used before init"
        if not isinstance(message, tuple) or len(message) != 2:
            raise TypeError(f"table {self.details.table.table_id!r} takes KV(key, value) messages, "
                            f"got {type(message).__name__}")
        key, value = message
        if value is None:
            table.delete(key)
        else:
            table.put(key, value)
        self.emit(message, collector, coordinator)

    def describe(self) -> str:
        return f"{self.spec.op_id} -> table {self.details.table.table_id}"


class StreamTableJoinOperator(Operator):
    def __init__(self, spec: OperatorSpec) -> None:
        super().__init__(spec)
        self.details: TableJoin = spec.details
        self.table: KeyValueStore[Any, Any] | None = None

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        self.table = context.get_store(self.details.table.table_id)
        self.details.join_fn.init(context)

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        table = self.table
        assert table is not None, "stream-table join used before init"
        join_fn = self.details.join_fn
        key = join_fn.get_message_key(message)
        value = None if key is None else table.get(key)
        result = join_fn.apply(message, None if value is None else KV(key, value))
        if result is not None:  # None: no result (e.g. an inner join's miss)
            self.emit(result, collector, coordinator)

    def close(self) -> None:
        self.details.join_fn.close()

    def describe(self) -> str:
        return f"{self.spec.op_id} (stream-table join with table {self.details.table.table_id})"
