"""The operator graph as data for people: the nodes and edges the status page draws.

Built once from the job's config (``app.class``); the message counts come later from the tasks' metrics
(``<op id>-messages``, summed over tasks).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from samza_py.application.config_generator import runs_operator_graph
from samza_py.application.graph import OPERATOR_METRICS_GROUP, build_graph
from samza_py.application.partition_by import PartitionByOperator
from samza_py.config.config import Config
from samza_py.config.job_config import JobConfig

log = logging.getLogger(__name__)

__all__ = ["OPERATOR_METRICS_GROUP", "OperatorNode", "operator_nodes"]


@dataclass(frozen=True)
class OperatorNode:
    op_id: str
    name: str  # the op id without the ``<job.name>-<job.id>-`` every op id of the job starts with
    kind: str  # the op code: input, map, window, send_to, ...
    description: str
    next: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"id": self.op_id, "name": self.name, "kind": self.kind, "description": self.description,
                "next": list(self.next)}


def operator_nodes(config: Config) -> list[OperatorNode]:
    """The operators of the job's StreamApplication, inputs first; empty for a job of the low-level API.

    A page is no reason to fail a job: an application that cannot be described here is logged and shows
    no graph (the containers report the real error).
    """
    if not runs_operator_graph(config):
        return []
    try:
        graph = build_graph(config)
    except Exception:
        log.exception("cannot build the operator graph of app.class %r for the status page",
                      config.get_str("app.class"))
        return []
    job = JobConfig(config)
    prefix = f"{job.name}-{job.id}-"
    nodes = []
    for op_id, operator in graph.operators.items():
        following = [n.spec.op_id for n in operator.next]
        if isinstance(operator, PartitionByOperator) and operator.system_stream in graph.inputs:
            # Drawn as an edge: partition_by leads (through its intermediate stream) to that stream's input.
            following.append(graph.inputs[operator.system_stream].spec.op_id)
        nodes.append(OperatorNode(op_id, op_id.removeprefix(prefix), operator.spec.op_code.value,
                                  operator.describe(), tuple(following)))
    return nodes
