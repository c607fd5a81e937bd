"""The stream-stream join: one partial join operator per side, each with its own store (Samza's
PartialJoinOperatorImpl).

A message is put in its side's store under its key (the latest message per key is kept, with the
processing time it arrived at), then the other side's store is read for the key: a message put there
less than ``ttl`` ago joins with it. Values are stored as Samza's TimestampedValueSerde writes them (the
message's bytes, then the time as an 8-byte big-endian long), keys in the join's key serde. Both stores
have changelogs (retention ``ttl``) and a RocksDB ttl, so a restarted task joins with what it had at its
checkpoint, and entries older than ``ttl`` never join and are dropped by compaction.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from samza_py.api import KeyValueStore, MessageCollector, TaskContext, TaskCoordinator
from samza_py.api.operator_specs import PartialJoin
from samza_py.api.operators import OperatorSpec
from samza_py.application.graph import Operator
from samza_py.application.window import wall_clock_ms
from samza_py.serializers.registry import SerdeRegistry
from samza_py.serializers.serde import Serde

_TIME = struct.Struct(">q")


def timestamped(value: bytes, time_ms: int) -> bytes:
    return value + _TIME.pack(time_ms)


def split_timestamped(stored: bytes) -> tuple[bytes, int]:
    (time_ms,) = _TIME.unpack_from(stored, len(stored) - _TIME.size)
    return stored[:-_TIME.size], time_ms


class PartialJoinOperator(Operator):
    def __init__(self, spec: OperatorSpec, clock: Callable[[], int] | None = None) -> None:
        super().__init__(spec)
        self.partial: PartialJoin = spec.details
        self.clock = clock or wall_clock_ms
        self.ttl_ms = self.partial.join.ttl_ms
        self.store: KeyValueStore[bytes, bytes] | None = None
        self.other_store: KeyValueStore[bytes, bytes] | None = None
        self.key_serde: Serde | None = None
        self.serde: Serde | None = None
        self.other_serde: Serde | None = None

    def init(self, context: TaskContext, serdes: SerdeRegistry) -> None:
        join = self.partial.join
        self.store = context.get_store(self.partial.store)
        self.other_store = context.get_store(self.partial.other_store)
        names = [join.key_serde.name, join.message_serde.name, join.other_message_serde.name]
        key, left, right = (serdes.get(name) for name in names if name is not None)
        self.key_serde = key
        self.serde, self.other_serde = (left, right) if self.partial.is_left else (right, left)
        if self.partial.is_left:
            join.join_fn.init(context)  # once per task: the left side owns the function

    def on_message(self, message: Any, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        store, other_store, key_serde, serde, other_serde = (
            self.store, self.other_store, self.key_serde, self.serde, self.other_serde)
        assert store is not None and other_store is not None and key_serde is not None, "join used before init"
        assert serde is not None and other_serde is not None
        join_fn = self.partial.join.join_fn
        left = self.partial.is_left
        key = join_fn.get_first_key(message) if left else join_fn.get_second_key(message)
        key_bytes = key_serde.to_bytes(key)
        now = self.clock()
        store.put(key_bytes, timestamped(serde.to_bytes(message), now))
        stored = other_store.get(key_bytes)
        if stored is None:
            return
        other_bytes, put_at = split_timestamped(stored)
        if put_at <= now - self.ttl_ms:
            return  # expired: older than ttl
        other = other_serde.from_bytes(other_bytes)
        result = join_fn.apply(message, other) if left else join_fn.apply(other, message)
        self.emit(result, collector, coordinator)

    def close(self) -> None:
        if self.partial.is_left:
            self.partial.join.join_fn.close()

    def describe(self) -> str:
        side = "left" if self.partial.is_left else "right"
        return (f"{self.spec.op_id} ({side} side of join {self.partial.join.op_id}, ttl {self.ttl_ms} ms, "
                f"store {self.partial.store})")
