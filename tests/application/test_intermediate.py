"""Intermediate streams: the partition counts a run creates them with, and what a dry run shows."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

import pytest

from samza_py.application.config_generator import with_application_config
from samza_py.application.intermediate import (
    IntermediateStreamError,
    create_intermediate_streams,
    plan_intermediate_streams,
)
from samza_py.config.config import Config
from samza_py.job.dry_run import dry_run
from samza_py.system.interfaces import StreamNotFoundError, StreamSpec, SystemStreamMetadata
from tests.fakes import FakeSystemAdmin, FakeWorld, partition_metadata

BASE = {"job.name": "j", "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory"}


class Admin(FakeSystemAdmin):
    def __init__(self, partitions: Mapping[str, int]) -> None:
        super().__init__("fake", {s: {p: partition_metadata(0, 3) for p in range(n)} for s, n in partitions.items()})

    def get_system_stream_metadata(self, streams: Iterable[str]) -> dict[str, SystemStreamMetadata]:
        streams = list(streams)
        for stream in streams:
            if stream not in self.metadata:
                raise StreamNotFoundError(self.system, stream)
        return super().get_system_stream_metadata(streams)


def config(app: str, **extra: str) -> Config:
    return with_application_config(Config({**BASE, "app.class": f"tests.application.join_apps.{app}", **extra}))


def planned(app: str, partitions: Mapping[str, int], **extra: str) -> dict[str, int]:
    return {p.spec.stream: p.spec.partitions for p in plan_intermediate_streams(config(app, **extra),
                                                                                {"fake": Admin(partitions)})}


def test_an_intermediate_stream_gets_the_largest_count_of_the_inputs_and_existing_outputs() -> None:
    assert planned("RepartitionApp", {"views": 4}) == {"j-1-partition_by-by-member": 4}
    assert planned("RepartitionApp", {"views": 4, "by-member": 6}) == {"j-1-partition_by-by-member": 6}
    assert planned("RepartitionApp", {"views": 4}, **{"job.intermediate.stream.partitions": "3"}) == {
        "j-1-partition_by-by-member": 3}
    with pytest.raises(IntermediateStreamError, match="must be a positive number"):
        planned("RepartitionApp", {"views": 4}, **{"job.intermediate.stream.partitions": "0"})
    assert planned("ViewsJoinClicksApp", {"views": 4, "clicks": 4}) == {}  # no partition_by, nothing to create


def test_a_stream_joined_with_a_table_takes_the_partition_count_of_the_stream_filling_the_table() -> None:
    # profiles (2 partitions) fill the table; views (8) are repartitioned by member to be joined with it.
    assert planned("ProfileTableApp", {"profiles": 2, "views": 8}) == {"j-1-partition_by-member": 2}
    assert planned("ProfileTableApp", {"profiles": 2, "views": 8}, **{"job.intermediate.stream.partitions": "5"}) \
        == {"j-1-partition_by-member": 2}


def test_dry_run_lists_the_intermediate_stream_and_the_stores_and_groups_as_a_run_would() -> None:
    out, err = io.StringIO(), io.StringIO()
    admin = Admin({"profiles": 2, "views": 8})
    code = dry_run(config("ProfileTableApp"), out, err, {"fake": admin}, lambda c: {})
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "Tasks (8):" in text  # views' 8 partitions; the intermediate stream's 2 are read by tasks 0 and 1
    assert "fake.j-1-partition_by-member.0, fake.profiles.0, fake.views.0" in text
    assert "intermediate  fake.j-1-partition_by-member" in text and "2           no, a run creates it" in text
    assert "Stores of the application (one per task):" in text
    assert "profiles  table profiles  fake.j-1-table-profiles  -" in text
    assert "fake.j-1-partition_by-member takes the partition count of the stream(s) it is joined with: profiles" \
        in text
    assert admin.created == []  # a dry run creates nothing


def test_dry_run_shows_both_sides_of_a_join_with_their_changelogs_and_ttl() -> None:
    out = io.StringIO()
    assert dry_run(config("ViewsJoinClicksApp"), out, io.StringIO(), {"fake": Admin({"views": 2, "clicks": 2})},
                   lambda c: {}) == 0
    text = out.getvalue()
    for side in ("L", "R"):
        store = f"j-1-join-view-click-{side}"
        assert f"{store}  {'left' if side == 'L' else 'right'} side of join j-1-join-view-click" in text
        assert f"fake.{store}  600000" in text


def test_joined_input_streams_must_have_the_same_partition_count() -> None:
    with pytest.raises(IntermediateStreamError, match=r"same partition count: clicks \(3\), views \(4\)"):
        planned("ViewsJoinClicksApp", {"views": 4, "clicks": 3})
    out, err = io.StringIO(), io.StringIO()
    assert dry_run(config("ViewsJoinClicksApp"), out, err, {"fake": Admin({"views": 4, "clicks": 3})},
                   lambda c: {}) == 1
    assert "joined streams must have the same partition count" in err.getvalue()


def test_run_job_creates_the_intermediate_stream_with_the_system_s_replication_factor(world: FakeWorld) -> None:
    world.admin("fake").metadata = {"views": {p: partition_metadata(0, 3) for p in range(4)},
                                    "by-member": {p: partition_metadata(0, 3) for p in range(2)}}
    created = create_intermediate_streams(config("RepartitionApp", **{
        "systems.fake.default.stream.replication.factor": "1"}))
    assert [(p.stream_id, p.system) for p in created] == [("j-1-partition_by-by-member", "fake")]
    assert world.admin("fake").created == [StreamSpec("j-1-partition_by-by-member", 4, 1, {})]
    assert create_intermediate_streams(Config(BASE)) == []  # a job without app.class creates nothing


def test_the_status_page_graph_draws_partition_by_leading_to_its_intermediate_stream_s_input() -> None:
    from samza_py.application.graph_view import operator_nodes

    nodes = {node.name: node for node in operator_nodes(config("RepartitionApp"))}
    assert nodes["partition_by-by-member"].next == ("j-1-input-0",)
    assert nodes["input-0"].next == ("j-1-send_to-1",)
