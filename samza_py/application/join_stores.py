"""The stores joins and tables add to a StreamApplication's generated config.

- A stream-stream join ``<op id>``: stores ``<op id>-L`` and ``<op id>-R`` (one per side, Samza's names),
  RocksDB with a changelog of the same name, a RocksDB ttl of the join's ttl, and a changelog that deletes
  (not compacts) after ttl, as Samza's JoinOperatorSpec configures them. The operator encodes keys and
  timestamped values itself, so the stores keep bytes.
- A table: the store ``stores.<table id>`` with the table's serdes (and changelog when enabled).
"""

from __future__ import annotations

from collections.abc import Mapping

from samza_py.api.application import StreamApplicationDescriptor
from samza_py.api.operator_specs import PartialJoin
from samza_py.api.operators import OpCode, OperatorSpec

ROCKSDB_FACTORY = "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"
JOIN_STORE_SERDE = "byte"


def join_store_config(partial: PartialJoin) -> dict[str, str]:
    store, ttl = partial.store, str(partial.join.ttl_ms)
    prefix = f"stores.{store}."
    return {
        prefix + "factory": ROCKSDB_FACTORY,
        prefix + "key.serde": JOIN_STORE_SERDE,
        prefix + "msg.serde": JOIN_STORE_SERDE,
        prefix + "changelog": store,
        prefix + "rocksdb.ttl.ms": ttl,
        prefix + "changelog.kafka.cleanup.policy": "delete",
        prefix + "changelog.kafka.retention.ms": ttl,
    }


def join_and_table_store_config(descriptor: StreamApplicationDescriptor, specs: list[OperatorSpec],
                                config: Mapping[str, str]) -> dict[str, str]:
    generated: dict[str, str] = {}
    for spec in specs:
        if spec.op_code is OpCode.JOIN:
            generated.update(join_store_config(spec.details))
    job_name, job_id = config.get("job.name", "job"), config.get("job.id", "1")
    for table in descriptor.tables.values():
        generated.update(table.to_config(job_name, job_id))
    return generated
