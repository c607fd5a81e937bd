"""Operator specs: the nodes of a high-level application's operator graph, as data.

``MessageStream`` builds them; the runtime (``samza_py.application``) turns each into an operator that
runs inside an ordinary task. An op id is ``<job.name>-<job.id>-<opcode>-<n or user id>``, as Samza names
them, so the store of a stateful operator is unique per job.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any


class OpCode(enum.Enum):
    INPUT = "input"
    MAP = "map"
    FILTER = "filter"
    FLAT_MAP = "flatmap"
    MERGE = "merge"
    SEND_TO = "send_to"
    SINK = "sink"
    WINDOW = "window"
    PARTITION_BY = "partition_by"
    JOIN = "join"
    # Ids of these two follow Samza's ("send_to", "join"); the op codes tell the runtime what they do.
    SEND_TO_TABLE = "send_to_table"
    STREAM_TABLE_JOIN = "stream_table_join"


class OperatorSpec:
    """One operator: what it does (``fn`` or ``details``) and the operators its output goes to."""

    __slots__ = ("op_code", "op_id", "fn", "details", "next_specs")

    def __init__(self, op_code: OpCode, op_id: str, fn: Callable[..., Any] | None = None,
                 details: Any = None) -> None:
        self.op_code = op_code
        self.op_id = op_id
        self.fn = fn
        self.details = details  # the stream descriptor of input/send_to, the window of a window operator
        self.next_specs: list[OperatorSpec] = []

    def __repr__(self) -> str:
        return f"OperatorSpec({self.op_code.value}, {self.op_id!r})"
