"""Starting offsets (Samza's OffsetManager rules): checkpoint, reset, init override, samza.offset.default."""

from __future__ import annotations

import pytest

from samza_py.api import SystemStream, SystemStreamPartition
from samza_py.checkpoint.checkpoint import Checkpoint
from samza_py.checkpoint.offsets import OffsetResolutionError, checkpointed_offsets, starting_offsets
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.stream_config import StreamConfig
from samza_py.system.interfaces import SystemStreamPartitionMetadata
from tests.fakes import FakeSystemAdmin, partition_metadata

A0 = SystemStreamPartition.of("fake", "a", 0)
A1 = SystemStreamPartition.of("fake", "a", 1)
B0 = SystemStreamPartition.of("fake", "b", 0)
K0 = SystemStreamPartition.of("kafka", "k", 0)

# a: messages 3..9 (upcoming 10); b: empty, upcoming 0; k: messages 100..199.
METADATA = {
    A0: partition_metadata(3, 10),
    A1: partition_metadata(0, 5),
    B0: partition_metadata(None, 0),
    K0: partition_metadata(100, 200),
}


def resolve(
    ssps: set[SystemStreamPartition],
    config: dict[str, str] | None = None,
    checkpoint: Checkpoint | None = None,
    overrides: dict[SystemStreamPartition, str] | None = None,
    metadata: dict[SystemStreamPartition, SystemStreamPartitionMetadata] | None = None,
) -> tuple[dict[SystemStreamPartition, str], dict[str, FakeSystemAdmin]]:
    streams = StreamConfig(Config(config or {}))
    admins = {"fake": FakeSystemAdmin("fake"), "kafka": FakeSystemAdmin("kafka")}
    result = starting_offsets(
        frozenset(ssps),
        checkpointed_offsets(checkpoint, streams.reset_offset),
        overrides or {},
        admins,
        METADATA if metadata is None else metadata,
        streams.offset_default,
    )
    return result, admins


def test_a_checkpointed_offset_resumes_at_the_offset_after_it() -> None:
    result, admins = resolve({A0, A1}, checkpoint=Checkpoint({A0: "4", A1: "0"}))
    assert result == {A0: "5", A1: "1"}
    # One get_offsets_after call per system, with the checkpointed offsets.
    assert admins["fake"].offsets_after_calls == [{A0: "4", A1: "0"}]
    assert admins["kafka"].offsets_after_calls == []


def test_checkpointed_offsets_are_resolved_per_system() -> None:
    result, admins = resolve({A0, K0}, checkpoint=Checkpoint({A0: "6", K0: "150"}))
    assert result == {A0: "7", K0: "151"}
    assert admins["fake"].offsets_after_calls == [{A0: "6"}]
    assert admins["kafka"].offsets_after_calls == [{K0: "150"}]


def test_a_checkpointed_ssp_needs_no_metadata() -> None:
    result, _ = resolve({A0}, checkpoint=Checkpoint({A0: "4"}), metadata={})
    assert result == {A0: "5"}


def test_no_checkpoint_defaults_to_upcoming() -> None:
    result, admins = resolve({A0, A1, B0})
    assert result == {A0: "10", A1: "5", B0: "0"}
    assert admins["fake"].offsets_after_calls == []


def test_no_checkpoint_with_oldest_starts_at_the_oldest_offset() -> None:
    result, _ = resolve({A0, A1}, config={"systems.fake.samza.offset.default": "oldest"})
    assert result == {A0: "3", A1: "0"}


def test_offset_default_per_stream_wins_over_the_systems() -> None:
    config = {
        "systems.fake.samza.offset.default": "oldest",
        "systems.fake.streams.a.samza.offset.default": "upcoming",
        "systems.kafka.default.stream.samza.offset.default": "OLDEST",
    }
    result, _ = resolve({A0, B0, K0}, config=config)
    assert result == {A0: "10", B0: "0", K0: "100"}


@pytest.mark.parametrize(
    "meta",
    [
        SystemStreamPartitionMetadata(None, None, "0"),  # never written
        SystemStreamPartitionMetadata(None, None, "42"),
        partition_metadata(42, 42),  # Kafka reports an emptied partition as oldest == upcoming
    ],
)
def test_empty_partition_with_oldest_starts_at_upcoming(meta: SystemStreamPartitionMetadata) -> None:
    result, _ = resolve({B0}, config={"systems.fake.samza.offset.default": "oldest"}, metadata={B0: meta})
    assert result == {B0: meta.upcoming_offset}


def test_reset_offset_ignores_the_checkpoint() -> None:
    config = {"systems.fake.streams.a.samza.reset.offset": "true", "systems.fake.samza.offset.default": "oldest"}
    checkpoint = Checkpoint({A0: "7", A1: "2", B0: "0"})
    result, admins = resolve({A0, A1, B0}, config=config, checkpoint=checkpoint)
    # Stream a resets to its default (oldest); stream b keeps its checkpoint.
    assert result == {A0: "3", A1: "0", B0: "1"}
    assert admins["fake"].offsets_after_calls == [{B0: "0"}]


def test_reset_offset_false_keeps_the_checkpoint() -> None:
    config = {"systems.fake.samza.reset.offset": "false"}
    result, _ = resolve({A0}, config=config, checkpoint=Checkpoint({A0: "7"}))
    assert result == {A0: "8"}


def test_reset_offset_for_the_whole_system() -> None:
    config = {"systems.fake.samza.reset.offset": "true"}
    result, _ = resolve({A0, K0}, config=config, checkpoint=Checkpoint({A0: "7", K0: "150"}))
    assert result == {A0: "10", K0: "151"}


def test_init_override_wins_over_checkpoint_reset_and_default() -> None:
    config = {"systems.fake.streams.a.samza.reset.offset": "true", "systems.fake.samza.offset.default": "oldest"}
    result, admins = resolve(
        {A0, A1, B0},
        config=config,
        checkpoint=Checkpoint({A0: "7", B0: "0"}),
        overrides={A0: "5", A1: "2", B0: "0"},
    )
    assert result == {A0: "5", A1: "2", B0: "0"}
    # An overridden offset is the first to read: the admin is not asked for the one after it.
    assert admins["fake"].offsets_after_calls == []


def test_null_checkpoint_offsets_are_ignored() -> None:
    result, admins = resolve({A0, A1}, checkpoint=Checkpoint({A0: None, A1: "3"}))
    assert result == {A0: "10", A1: "4"}
    assert admins["fake"].offsets_after_calls == [{A1: "3"}]


def test_checkpointed_offsets_filters_nulls_and_reset_streams() -> None:
    assert checkpointed_offsets(None, lambda ss: False) == {}
    checkpoint = Checkpoint({A0: "1", A1: None, B0: "2", K0: "3"})
    assert checkpointed_offsets(checkpoint, lambda ss: False) == {A0: "1", B0: "2", K0: "3"}
    assert checkpointed_offsets(checkpoint, lambda ss: ss == SystemStream("fake", "b")) == {A0: "1", K0: "3"}


def test_checkpoint_entries_of_other_ssps_do_not_produce_offsets() -> None:
    result, _ = resolve({A0}, checkpoint=Checkpoint({A0: "4", A1: "9"}))
    assert result == {A0: "5"}


def test_missing_metadata_without_checkpoint_is_an_error() -> None:
    with pytest.raises(OffsetResolutionError, match=r"SystemStreamPartition \[fake, a, 0\]"):
        resolve({A0}, metadata={})


def test_an_unknown_offset_default_is_an_error() -> None:
    with pytest.raises(ConfigException, match="oldest"):
        resolve({A0}, config={"systems.fake.samza.offset.default": "newest"})
    with pytest.raises(OffsetResolutionError, match="'newest'"):
        starting_offsets(frozenset({A0}), {}, {}, {}, METADATA, lambda ss: "newest")
