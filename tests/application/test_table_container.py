"""A table in an ordinary SamzaContainer (fake systems, real RocksDB store and serdes): send_to(table) and a
stream-table join, and a restart that finds the table in the task's local store."""

from __future__ import annotations

import json
from pathlib import Path

from samza_py.api import SystemStreamPartition
from samza_py.application.config_generator import with_application_config
from samza_py.config.config import Config
from samza_py.container.samza_container import SamzaContainer
from samza_py.job.model import ContainerModel, TaskModel
from tests.application.helpers import run_until
from tests.fakes import FakeWorld, partition_metadata, raw

P0 = "Partition 0"



def test_views_join_the_profiles_table_and_the_table_survives_a_restart(world: FakeWorld, tmp_path: Path) -> None:
    profiles = SystemStreamPartition.of("fake", "profiles", 0)
    views = SystemStreamPartition.of("fake", "views", 0)
    world.admin("fake").metadata = {"profiles": {0: partition_metadata(0, 2)}, "views": {0: partition_metadata(0, 2)}}
    config = with_application_config(Config({
        "job.name": "app", "app.class": "tests.application.join_apps.EnrichViewsApp",
        "task.checkpoint.factory": "tests.fakes.FakeCheckpointManagerFactory", "task.commit.ms": "50",
        "job.logged.store.base.dir": str(tmp_path), "stores.profiles.changelog": "",  # fake systems: no topics
    }))
    assert config["stores.profiles.key.serde"] == "string" and config["stores.profiles.msg.serde"] == "json"
    model = ContainerModel("0", {P0: TaskModel(P0, frozenset({profiles, views}), 0)})
    world.consumer("fake").add(raw(profiles, 0, b'{"company":"acme"}', b"m1"),
                               raw(profiles, 1, b'{"company":"initech"}', b"m2"))
    run_until(SamzaContainer(config, model),
              lambda: world.log.of("checkpoint")[-1:] == [("checkpoint", P0, {profiles: "1"})])
    assert world.log.of("send") == []

    world.consumer("fake").add(raw(views, 0, b'{"page":"/a"}', b"m2"), raw(views, 1, b'{"page":"/b"}', b"m9"))
    run_until(SamzaContainer(config, model), lambda: len(world.log.of("send")) == 2)
    sent = [(key, json.loads(message)) for (_, _, _, _, _, key, message) in world.log.of("send")]
    assert sent == [(b"m2", {"page": "/a", "company": "initech"}), (b"m9", {"page": "/b", "company": None})]
