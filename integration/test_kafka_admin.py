"""KafkaSystemAdmin against the real broker: partition metadata and the commit path's end offsets."""

from __future__ import annotations

from samza_py.api import SystemStreamPartition
from samza_py.system.kafka.admin import KafkaSystemAdmin

from .conftest import KAFKA_BOOTSTRAP
from .jobs import create_topic, produce_round_robin


def test_upcoming_offsets_of_some_partitions_match_the_full_metadata(unique: str) -> None:
    topic = f"{unique}-admin"
    create_topic(topic, 3)
    produce_round_robin(topic, 3, (str(i).encode() for i in range(7)))  # partitions get 3, 2, 2
    admin = KafkaSystemAdmin("kafka", {"bootstrap.servers": KAFKA_BOOTSTRAP})
    p0, p2 = (SystemStreamPartition.of("kafka", topic, p) for p in (0, 2))

    assert admin.upcoming_offsets([p0, p2]) == {p0: 3, p2: 2}
    meta = admin.get_system_stream_metadata([topic])[topic].partitions
    assert {p: (m.oldest_offset, m.newest_offset, m.upcoming_offset) for p, m in meta.items()} == {
        0: ("0", "2", "3"), 1: ("0", "1", "2"), 2: ("0", "1", "2"),
    }
