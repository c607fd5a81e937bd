"""run-job keeps the config and the changelog mapping in Samza's coordinator stream."""

from __future__ import annotations

import json
from pathlib import Path

from samza_py.config.config import Config
from samza_py.config.loader import load_config
from samza_py.coordinator.stream import CoordinatorStream
from tests.wikipedia_data import wikipedia_events

from .conftest import ROOT
from .jobs import create_topic, produce_round_robin, read_topic, run_job

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"


def test_config_and_changelog_mapping_in_the_coordinator_stream(unique: str, tmp_path: Path) -> None:
    events = wikipedia_events()[:40]
    create_topic(f"{unique}-raw", 4)
    produce_round_robin(f"{unique}-raw", 4, (json.dumps(e).encode() for e in events))
    base = [
        f"job.name=coord_{unique}",
        "job.id=it_1",
        f"task.inputs=kafka.{unique}-raw",
        f"wikipedia.parser.output=kafka.{unique}-edits",
        f"systems.kafka.streams.{unique}-raw.samza.bounded=true",
    ]
    first = run_job(PARSER_CONFIG, *base, "custom.only.first=yes", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]

    # `_` becomes `-` in the topic name, as in Samza.
    topic = f"__samza_coordinator_coord-{unique}_it-1"
    messages = read_topic(topic)
    assert messages[0].key() == b'[1,"set-config","' + next(iter(load_config([str(PARSER_CONFIG)]))).encode() + b'"]'
    first_value = json.loads(messages[0].value())
    assert set(first_value) == {"host", "username", "source", "timestamp", "values"}
    assert first_value["source"] == "job-runner"

    config = load_config([str(PARSER_CONFIG)], [*base, "custom.only.first=yes"])
    state = CoordinatorStream(config).read()
    assert {k: v["value"] for (kind, k), v in state.items() if kind == "set-config"} == dict(config)
    mapping = {k: v for (kind, k), v in state.items() if kind == "set-changelog"}
    assert mapping == {f"Partition {p}": {"Partition": str(p)} for p in range(4)}

    second = run_job(PARSER_CONFIG, *base, cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    state = CoordinatorStream(Config(dict(config))).read()
    assert ("set-config", "custom.only.first") not in state  # deleted: no longer in the config
    assert CoordinatorStream(config).changelog_mapping() == {f"Partition {p}": p for p in range(4)}
    # The mapping was not written again: it is kept, never reshuffled.
    changelog_writes = [m for m in read_topic(topic) if json.loads(m.key())[1] == "set-changelog"]
    assert len(changelog_writes) == 4
