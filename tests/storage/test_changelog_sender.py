"""ChangelogSender: a store's changes to its task's changelog partition, singly or as a batch."""

from __future__ import annotations

from samza_py.api import SystemStreamPartition
from samza_py.storage.changelog_sender import ChangelogSender
from tests.fakes import EventLog, FakeSystemProducer


def test_single_and_batch_sends_carry_the_partition_number_as_partition_key_in_order() -> None:
    log = EventLog()
    sender = ChangelogSender(FakeSystemProducer("kafka", log), "Partition 3",
                             SystemStreamPartition.of("kafka", "store-changelog", 3))
    sender(b"a", b"1")
    # A producer without its own batch send gets each change through send_serialized, in order.
    sender.send_all([(b"b", b"2"), (b"a", None)])
    assert log.of("send") == [
        ("send", "kafka", "Partition 3", "store-changelog", 3, b"a", b"1"),
        ("send", "kafka", "Partition 3", "store-changelog", 3, b"b", b"2"),
        ("send", "kafka", "Partition 3", "store-changelog", 3, b"a", None),  # a tombstone
    ]
