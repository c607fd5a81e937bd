"""PageViewEnricherApp: page views joined with member profiles kept in a table (stream-table join).

Inputs: ``member-profiles``, JSON profiles ``{"member", "company"}`` keyed by member, and
``page-views-by-page``, JSON page views ``{"member", "page"}`` keyed by page. Profiles go into the local
RocksDB table ``profiles`` (with its changelog ``<job>-<id>-table-profiles``, so a restarted task gets it
back); views are repartitioned by member (``partition_by``: the intermediate stream gets the profiles'
partition count, so a member's views and profile meet in one task) and joined with the member's profile.
Output ``enriched-page-views``, keyed by member: ``{"member", "page", "company"}``, company None for a
member without a profile (an outer join).
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    KV,
    JsonSerde,
    KafkaSystemDescriptor,
    KVSerde,
    RocksDbTableDescriptor,
    StreamApplication,
    StreamApplicationDescriptor,
    StreamTableJoinFunction,
    StringSerde,
)

View = KV[str, dict[str, Any]]


class ProfileJoin(StreamTableJoinFunction[str, View, View, View]):
    def get_message_key(self, message: View) -> str:
        return message.key

    def get_record_key(self, record: View) -> str:
        return record.key

    def apply(self, message: View, record: View | None) -> View:
        company = None if record is None else record.value.get("company")
        return KV(message.key, {"member": message.key, "page": message.value["page"], "company": company})


def member_of(view: View) -> str:
    return str(view.value["member"])


def view_of(view: View) -> dict[str, Any]:
    return view.value


class PageViewEnricherApp(StreamApplication):
    def describe(self, app_descriptor: StreamApplicationDescriptor) -> None:
        kafka = KafkaSystemDescriptor("kafka")
        app_descriptor.with_default_system(kafka)
        keyed_json = KVSerde(StringSerde(), JsonSerde())
        profiles = app_descriptor.get_input_stream(kafka.get_input_descriptor("member-profiles", keyed_json))
        views = app_descriptor.get_input_stream(kafka.get_input_descriptor("page-views-by-page", keyed_json))
        enriched = app_descriptor.get_output_stream(kafka.get_output_descriptor("enriched-page-views", keyed_json))
        table = app_descriptor.get_table(RocksDbTableDescriptor("profiles", keyed_json).with_changelog_enabled())
        profiles.send_to(table)
        views.partition_by(member_of, view_of, keyed_json, "by-member").join(table, ProfileJoin()).send_to(enriched)
