"""run-job names each input stream that does not exist yet in one warning line, and creates nothing."""

from __future__ import annotations

import logging

import pytest

from samza_py.api import SystemStream
from samza_py.job.input_check import missing_inputs, warn_missing_inputs
from tests.fakes import FakeWorld
from tests.test_dry_run import StrictAdmin, job_config


def test_only_missing_inputs_are_named_broadcast_inputs_included(world: FakeWorld) -> None:
    admin = world.admins["fake"] = StrictAdmin("fake", {"edits": 4})
    config = job_config(**{"task.inputs": "fake.edits,fake.edtis", "task.broadcast.inputs": "fake.rules#0"})
    assert missing_inputs(config) == [SystemStream("fake", "edtis"), SystemStream("fake", "rules")]
    assert admin.created == []


def test_one_warning_line_per_missing_input(world: FakeWorld, caplog: pytest.LogCaptureFixture) -> None:
    world.admins["fake"] = StrictAdmin("fake", {"edits": 4})
    with caplog.at_level(logging.WARNING, logger="samza_py.job.input_check"):
        warn_missing_inputs(job_config(**{"task.inputs": "fake.edits,fake.edtis"}))
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["input stream fake.edtis does not exist yet"]
    assert "task.inputs" in caplog.records[0].getMessage()


def test_no_warning_when_every_input_exists(world: FakeWorld, caplog: pytest.LogCaptureFixture) -> None:
    world.admins["fake"] = StrictAdmin("fake", {"edits": 4})
    with caplog.at_level(logging.WARNING):
        assert warn_missing_inputs(job_config()) == []
    assert caplog.records == []
