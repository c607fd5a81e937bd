"""Applications with partition_by, joins and tables for the tests (named by app.class, so in a module)."""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    JoinFunction,
    JsonSerde,
    KVSerde,
    RocksDbTableDescriptor,
    StreamApplication,
    StreamApplicationDescriptor,
    StreamTableJoinFunction,
    StringSerde,
    SystemDescriptor,
)

FAKE_FACTORY = "tests.fakes.FakeSystemFactory"


class ViewClickJoin(JoinFunction[str, dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Page views (first stream) and ad clicks (second), joined on the view id."""

    def get_first_key(self, message: dict[str, Any]) -> str:
        return str(message["view"])

    def get_second_key(self, message: dict[str, Any]) -> str:
        return str(message["view"])

    def apply(self, message: dict[str, Any], other_message: dict[str, Any]) -> dict[str, Any]:
        return {"view": message["view"], "page": message["page"], "ad": other_message["ad"]}


class ProfileJoin(StreamTableJoinFunction[str, KV[str, Any], KV[str, Any], Any]):
    """A view (KV member → view) with the member's profile; a miss gives None (inner join) unless outer."""

    def __init__(self, outer: bool = False) -> None:
        self.outer = outer

    def get_message_key(self, message: KV[str, Any]) -> str:
        return message.key

    def get_record_key(self, record: KV[str, Any]) -> str:
        return record.key

    def apply(self, message: KV[str, Any], record: KV[str, Any] | None) -> Any:
        if record is None:
            return KV(message.key, {**message.value, "company": None}) if self.outer else None
        return KV(message.key, {**message.value, "company": record.value["company"]})


class ViewsJoinClicksApp(StreamApplication):
    """views ⋈ clicks within 10 minutes -> joined (JSON)."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        views = app_descriptor.get_input_stream(fake.get_input_descriptor("views", JsonSerde()))
        clicks = app_descriptor.get_input_stream(fake.get_input_descriptor("clicks", JsonSerde()))
        joined = app_descriptor.get_output_stream(fake.get_output_descriptor("joined", JsonSerde()))
        views.join(clicks, ViewClickJoin(), StringSerde(), JsonSerde(), JsonSerde(), 600_000, "view-click") \
            .send_to(joined)


class RepartitionApp(StreamApplication):
    """views (keyed by page) -> partition_by member -> by-member (KV member -> view)."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        views = app_descriptor.get_input_stream(
            fake.get_input_descriptor("views", KVSerde(StringSerde(), JsonSerde())))
        out = app_descriptor.get_output_stream(
            fake.get_output_descriptor("by-member", KVSerde(StringSerde(), JsonSerde())))
        views.partition_by(lambda kv: kv.value["member"], lambda kv: kv.value,
                           KVSerde(StringSerde(), JsonSerde()), "by-member").send_to(out)


class ProfileTableApp(StreamApplication):
    """profiles (KV member -> profile) -> table; views partitioned by member ⋈ table -> enriched."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        profiles = app_descriptor.get_input_stream(
            fake.get_input_descriptor("profiles", KVSerde(StringSerde(), JsonSerde())))
        views = app_descriptor.get_input_stream(fake.get_input_descriptor("views", JsonSerde()))
        out = app_descriptor.get_output_stream(
            fake.get_output_descriptor("enriched", KVSerde(StringSerde(), JsonSerde())))
        table = app_descriptor.get_table(
            RocksDbTableDescriptor("profiles", KVSerde(StringSerde(), JsonSerde())).with_changelog_enabled())
        profiles.send_to(table)
        views.partition_by(lambda v: v["member"], lambda v: v, KVSerde(StringSerde(), JsonSerde()), "member") \
            .join(table, ProfileJoin()).send_to(out)


class EnrichViewsApp(StreamApplication):
    """profiles (KV member -> profile) -> table (with changelog); views (KV member -> view) ⋈ table -> enriched."""

    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        fake = SystemDescriptor("fake", FAKE_FACTORY)
        app_descriptor.with_default_system(fake)
        keyed_json = KVSerde(StringSerde(), JsonSerde())
        profiles = app_descriptor.get_input_stream(fake.get_input_descriptor("profiles", keyed_json))
        views = app_descriptor.get_input_stream(fake.get_input_descriptor("views", keyed_json))
        out = app_descriptor.get_output_stream(fake.get_output_descriptor("enriched", keyed_json))
        table = app_descriptor.get_table(RocksDbTableDescriptor("profiles", keyed_json).with_changelog_enabled())
        profiles.send_to(table)
        views.join(table, ProfileJoin(outer=True)).send_to(out)
