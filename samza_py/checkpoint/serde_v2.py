"""Checkpoint v2 wire format (Samza 1.6+), under the log key type ``checkpoint-v2``.

Value: ``{"checkpoint-id":"<millis>-<nanoId>", "input-offsets":{"<system>.<stream>.<partition>":"<offset>"},
"state-checkpoint-markers":{"<state backend factory>":{"<store>":"<marker>"}}, "version":2}``. The Kafka
changelog backend's marker is itself JSON, in a string: ``{"version":1,"changelog-ssp":{...},
"changelog-offset":"<offset>"}``.

samza-py keeps one in-memory form, the v1 one: input offsets plus, per changelog partition,
``"<checkpoint id>:<changelog offset>"``. These functions convert between that form and v2.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from samza_py.api.streams import SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.serde import CheckpointFormatError, json_bytes, parse_json

CHECKPOINT_V2_KEY_TYPE = "checkpoint-v2"
# The log key type of each checkpoint version, as Samza's KafkaCheckpointLogKey maps them.
KEY_TYPE_VERSIONS = {"checkpoint": 1, CHECKPOINT_V2_KEY_TYPE: 2}
KAFKA_STATE_BACKEND_FACTORY = "org.apache.samza.storage.KafkaChangelogStateBackendFactory"
_MARKER_VERSION = 1


def new_checkpoint_id() -> str:
    """Samza's CheckpointId: epoch millis, a dash, and nanoTime modulo a million."""
    return f"{int(time.time() * 1000)}-{time.monotonic_ns() % 1_000_000}"


def _ssp_key(ssp: SystemStreamPartition) -> str:
    return f"{ssp.system}.{ssp.stream}.{ssp.partition_id}"


def _parse_ssp_key(text: str) -> SystemStreamPartition:
    # Samza splits at every dot and uses the first three parts, so it cannot read a stream name with a
    # dot; we take the first part as the system and the last as the partition, which agrees wherever
    # Samza's reading is right.
    system, _, rest = text.partition(".")
    stream, _, partition = rest.rpartition(".")
    if not system or not stream or not partition.isascii() or not partition.isdigit():
        raise CheckpointFormatError(f"checkpoint v2 input {text!r} is not '<system>.<stream>.<partition>'")
    return SystemStreamPartition.of(system, stream, int(partition))


def kafka_state_marker(changelog: SystemStreamPartition, offset: str | None) -> str:
    """The Kafka changelog backend's marker, in Samza's field order (the SSP's fields in the order Java's
    HashMap iterates them)."""
    return json_bytes({
        "version": _MARKER_VERSION,
        "changelog-ssp": {"system": changelog.system, "partition": changelog.partition_id,
                          "stream": changelog.stream, "keyBucket": -1},
        "changelog-offset": offset,
    }).decode("utf-8")


def parse_kafka_state_marker(text: str) -> tuple[SystemStreamPartition, str | None]:
    node = parse_json(text.encode("utf-8"), "state checkpoint marker")
    ssp = node.get("changelog-ssp") if isinstance(node, dict) else None
    if not isinstance(ssp, dict):
        raise CheckpointFormatError(f"Kafka state checkpoint marker {text!r} has no changelog-ssp object")
    system, stream, partition = ssp.get("system"), ssp.get("stream"), ssp.get("partition")
    offset = node.get("changelog-offset")
    if not isinstance(system, str) or not isinstance(stream, str) or not isinstance(partition, int):
        raise CheckpointFormatError(f"Kafka state checkpoint marker {text!r}: bad changelog-ssp")
    if offset is not None and not isinstance(offset, str):
        raise CheckpointFormatError(f"Kafka state checkpoint marker {text!r}: changelog-offset must be a string")
    return SystemStreamPartition.of(system, stream, partition), offset


def checkpoint_v2_value_bytes(
    checkpoint: Checkpoint, changelog_stores: Mapping[tuple[str, str], str], checkpoint_id: str | None = None
) -> bytes:
    """The v2 record of a checkpoint in samza-py's form.

    ``changelog_stores`` maps each changelog (system, stream) to its store: those entries become state
    checkpoint markers, the rest input offsets. Without ``checkpoint_id`` the changelog entries' id is
    used, or a new one when there are none.
    """
    inputs: dict[str, str | None] = {}
    markers: dict[str, str] = {}
    for ssp in sorted(checkpoint.offsets, key=lambda s: (s.system, s.stream, s.partition_id)):
        value = checkpoint.offsets[ssp]
        store = changelog_stores.get((ssp.system, ssp.stream))
        if store is None:
            inputs[_ssp_key(ssp)] = value
            continue
        position_id, sep, offset = (value or "").rpartition(":")
        if not sep:
            raise CheckpointFormatError(f"changelog {ssp} of store {store!r}: {value!r} is not '<id>:<offset>'")
        checkpoint_id = checkpoint_id or position_id
        # An empty changelog has no newest offset: Samza writes null.
        markers[store] = kafka_state_marker(ssp, None if offset in ("", "-1", "null") else offset)
    return json_bytes({
        "checkpoint-id": checkpoint_id or new_checkpoint_id(),
        "input-offsets": inputs,
        "state-checkpoint-markers": {KAFKA_STATE_BACKEND_FACTORY: markers} if markers else {},
        "version": 2,
    })


def parse_checkpoint_v2_value(data: bytes) -> Checkpoint:
    """A v2 record in samza-py's form: input offsets, and ``"<id>:<offset>"`` per Kafka changelog marker.

    Markers of other state backends (blob stores) are not samza-py's and are left out.
    """
    node: Any = parse_json(data, "v2 value")
    if not isinstance(node, dict):
        raise CheckpointFormatError("checkpoint v2 value must be a JSON object")
    checkpoint_id = node.get("checkpoint-id")
    inputs = node.get("input-offsets")
    backends = node.get("state-checkpoint-markers") or {}
    if not isinstance(checkpoint_id, str) or not checkpoint_id:
        raise CheckpointFormatError("checkpoint v2 value needs a string 'checkpoint-id'")
    if not isinstance(inputs, dict) or not isinstance(backends, dict):
        raise CheckpointFormatError("checkpoint v2 value needs 'input-offsets' and 'state-checkpoint-markers' objects")
    offsets: dict[SystemStreamPartition, str | None] = {}
    for text, offset in inputs.items():
        if offset is not None and not isinstance(offset, str):
            raise CheckpointFormatError(f"checkpoint v2 input {text!r}: offset must be a string or null")
        offsets[_parse_ssp_key(text)] = offset
    stores = backends.get(KAFKA_STATE_BACKEND_FACTORY) or {}
    if not isinstance(stores, dict):
        raise CheckpointFormatError(f"checkpoint v2 markers of {KAFKA_STATE_BACKEND_FACTORY} must be an object")
    for store, marker in stores.items():
        if not isinstance(marker, str):
            raise CheckpointFormatError(f"checkpoint v2 marker of store {store!r} must be a string")
        changelog, offset = parse_kafka_state_marker(marker)
        offsets[changelog] = f"{checkpoint_id}:{'null' if offset is None else offset}"
    return Checkpoint(offsets)
