"""MetricsSnapshot, the message a snapshot reporter sends, and its JSON serde."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from samza_py.config.config import Config
from samza_py.serializers.serde import Serde, SerdeException, SerdeFactory

# Header keys in the order the spec lists them; Samza writes a HashMap, so readers must not rely on order.
HEADER_FIELDS: tuple[str, ...] = (
    "job-name",
    "job-id",
    "container-name",
    "exec-env-container-id",
    "samza-epoch-id",
    "source",
    "version",
    "samza-version",
    "host",
    "time",
    "reset-time",
)


@dataclass(frozen=True)
class MetricsSnapshot:
    """One registry's metrics at one moment: ``metrics[group][name] = value``."""

    header: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"header": self.header, "metrics": self.metrics}

    @classmethod
    def from_dict(cls, data: Any) -> MetricsSnapshot:
        if not isinstance(data, dict):
            raise SerdeException("MetricsSnapshot must be a JSON object")
        header, metrics = data.get("header"), data.get("metrics")
        if not isinstance(header, dict):
            raise SerdeException("MetricsSnapshot needs a 'header' object")
        if not isinstance(metrics, dict) or not all(isinstance(group, dict) for group in metrics.values()):
            raise SerdeException("MetricsSnapshot needs a 'metrics' object of group objects")
        return cls(dict(header), {group: dict(values) for group, values in metrics.items()})


class MetricsSnapshotSerde(Serde):
    """``{"header": {...}, "metrics": {...}}`` as compact UTF-8 JSON; reads back a MetricsSnapshot."""

    def to_bytes(self, obj: Any) -> bytes:
        if isinstance(obj, MetricsSnapshot):
            obj = obj.to_dict()
        elif isinstance(obj, dict):
            MetricsSnapshot.from_dict(obj)  # validates the shape before writing it
        else:
            raise SerdeException(f"MetricsSnapshotSerde expects a MetricsSnapshot, got {type(obj).__name__}")
        try:
            return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise SerdeException(f"MetricsSnapshotSerde cannot encode the snapshot: {exc}") from exc

    def from_bytes(self, data: bytes) -> MetricsSnapshot:
        try:
            parsed = json.loads(bytes(data).decode("utf-8"))
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
            raise SerdeException(f"MetricsSnapshotSerde: invalid JSON: {exc}") from exc
        return MetricsSnapshot.from_dict(parsed)


class MetricsSnapshotSerdeFactory(SerdeFactory):
    def get_serde(self, name: str, config: Config) -> Serde:
        return MetricsSnapshotSerde()
