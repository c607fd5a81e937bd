"""Checkpoint wire format: the Kafka log key and the v1 value JSON, byte-compatible with Samza."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from samza_py.api.streams import SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.config.aliases import SAMZA_NAME_OF, canonical_class_name

CHECKPOINT_KEY_TYPE = "checkpoint"
_GROUPER_FIELD = "systemstreampartition-grouper-factory"
_TASK_FIELD = "taskName"
_TYPE_FIELD = "type"
# What Java's Integer.parseInt accepts (Python's int() would also take "1_0" and surrounding spaces).
_JAVA_INT = re.compile(r"[+-]?[0-9]+")


class CheckpointFormatError(ValueError):
    """Checkpoint key or value bytes that are not Samza's format."""


class CheckpointKey(NamedTuple):
    type: str
    task_name: str
    grouper_factory: str


def json_bytes(value: Any) -> bytes:
    # Jackson's default output: compact, UTF-8, non-ASCII unescaped.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(bytes(data).decode("utf-8"))
    except ValueError as exc:
        raise CheckpointFormatError(f"checkpoint {what} is not UTF-8 JSON: {exc}") from exc


def samza_grouper_factory_name(name: str) -> str:
    """The name to put on the wire: Samza's Java name for our built-in groupers, any other name unchanged.

    A Java job and a samza-py job then agree on the key, so checkpoint validation passes across the two.
    """
    return SAMZA_NAME_OF.get(canonical_class_name(name), name.strip())


def checkpoint_key_bytes(task_name: str, grouper_factory_java_name: str, key_type: str = CHECKPOINT_KEY_TYPE) -> bytes:
    # Field order is fixed to match Samza's key bytes exactly; compaction keys on the raw bytes.
    return json_bytes(
        {
            _GROUPER_FIELD: samza_grouper_factory_name(grouper_factory_java_name),
            _TASK_FIELD: task_name,
            _TYPE_FIELD: key_type,
        }
    )


def parse_checkpoint_key(data: bytes) -> CheckpointKey:
    node = parse_json(data, "key")
    if not isinstance(node, dict):
        raise CheckpointFormatError("checkpoint key must be a JSON object")
    fields = []
    for name in (_TYPE_FIELD, _TASK_FIELD, _GROUPER_FIELD):
        value = node.get(name)
        if not isinstance(value, str) or not value:
            raise CheckpointFormatError(f"checkpoint key needs a non-empty string {name!r}")
        fields.append(value)
    return CheckpointKey(*fields)


def _ssp_order(ssp: SystemStreamPartition) -> tuple[str, str, int]:
    return (ssp.system, ssp.stream, ssp.partition_id)


def checkpoint_value_bytes(checkpoint: Checkpoint) -> bytes:
    """v1 JSON keyed by ``str(ssp)``, all values strings, SSPs sorted so the bytes are deterministic."""
    return json_bytes(
        {
            str(ssp): {
                "system": ssp.system,
                "stream": ssp.stream,
                "partition": str(ssp.partition_id),
                "offset": checkpoint.offsets[ssp],
            }
            for ssp in sorted(checkpoint.offsets, key=_ssp_order)
        }
    )


def parse_checkpoint_value(data: bytes) -> Checkpoint:
    """Reads v1 JSON; the outer keys are ignored (the inner fields are the truth), as Samza does.

    Extra inner fields (1.x writes "keyBucket") are ignored.
    """
    node = parse_json(data, "value")
    if not isinstance(node, dict):
        raise CheckpointFormatError("checkpoint value must be a JSON object")
    offsets: dict[SystemStreamPartition, str | None] = {}
    for outer, entry in node.items():
        if not isinstance(entry, dict):
            raise CheckpointFormatError(f"checkpoint entry {outer!r} must be an object")
        offsets[_ssp_from_entry(outer, entry)] = _offset(outer, entry.get("offset"))
    return Checkpoint(offsets)


def _ssp_from_entry(outer: str, entry: dict[str, Any]) -> SystemStreamPartition:
    parts = []
    for name in ("system", "stream", "partition"):
        value = entry.get(name)
        if not isinstance(value, str):
            raise CheckpointFormatError(f"checkpoint entry {outer!r} needs a string {name!r}")
        parts.append(value)
    if not _JAVA_INT.fullmatch(parts[2]):
        raise CheckpointFormatError(f"checkpoint entry {outer!r}: partition {parts[2]!r} is not an integer")
    return SystemStreamPartition.of(parts[0], parts[1], int(parts[2]))


def _offset(outer: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise CheckpointFormatError(f"checkpoint entry {outer!r}: offset must be a string or null")
