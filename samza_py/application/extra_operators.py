"""Builds the operators of partition_by, joins and tables for the operator graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from samza_py.api.descriptors import StreamDescriptor
from samza_py.api.operators import OpCode, OperatorSpec
from samza_py.api.streams import SystemStream
from samza_py.application.graph import Operator

EXTRA_OP_CODES = frozenset({OpCode.PARTITION_BY, OpCode.JOIN, OpCode.SEND_TO_TABLE, OpCode.STREAM_TABLE_JOIN})


def build_extra_operator(spec: OperatorSpec, stream_of: Callable[[StreamDescriptor[Any]], SystemStream],
                         clock: Callable[[], int] | None) -> Operator:
    from samza_py.application.join import PartialJoinOperator
    from samza_py.application.partition_by import PartitionByOperator
    from samza_py.application.table import SendToTableOperator, StreamTableJoinOperator

    if spec.op_code is OpCode.PARTITION_BY:
        return PartitionByOperator(spec, stream_of(spec.details.stream))
    if spec.op_code is OpCode.JOIN:
        return PartialJoinOperator(spec, clock)
    if spec.op_code is OpCode.SEND_TO_TABLE:
        return SendToTableOperator(spec)
    if spec.op_code is OpCode.STREAM_TABLE_JOIN:
        return StreamTableJoinOperator(spec)
    raise ValueError(f"no operator for {spec!r}")
