"""app.class: the config a described application generates, how it merges with the job's, and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.application.config_generator import OPERATOR_TASK_CLASS, generate_config, with_application_config
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.validation import validate
from samza_py.job.run_job import load_valid_config, parse_args

BASE = {"job.name": "pv", "job.factory.class": "org.apache.samza.job.local.ThreadJobFactory"}


def test_a_stream_application_generates_systems_streams_inputs_and_the_operator_task() -> None:
    generated = generate_config({**BASE, "app.class": "tests.application.apps.UpperCaseApp"})
    assert generated == {
        "systems.fake.samza.factory": "tests.fakes.FakeSystemFactory",
        "job.default.system": "fake",
        "streams.words.samza.system": "fake",
        "streams.words.samza.physical.name": "words",
        "streams.words.samza.msg.serde": "string",
        "streams.shouts.samza.system": "fake",
        "streams.shouts.samza.physical.name": "shouts",
        "streams.shouts.samza.key.serde": "string",
        "streams.shouts.samza.msg.serde": "string",
        "task.inputs": "fake.words",
        "task.class": OPERATOR_TASK_CLASS,
    }


def test_a_window_gets_a_rocksdb_store_with_a_changelog_named_after_its_op_id_and_a_timer() -> None:
    generated = generate_config({**BASE, "app.class": "tests.application.apps.PageViewCountApp"})
    store = "pv-1-window-count"
    assert {k: v for k, v in generated.items() if k.startswith("stores.")} == {
        f"stores.{store}.factory": "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory",
        f"stores.{store}.key.serde": "byte",
        f"stores.{store}.msg.serde": "byte",
        f"stores.{store}.changelog": store,
    }
    assert generated["task.window.ms"] == "1000"  # a tenth of the 10 s window, at most 1 s


def test_the_job_s_own_keys_win_except_task_class_which_the_application_owns() -> None:
    config = with_application_config(Config({
        **BASE, "app.class": "tests.application.apps.UpperCaseApp", "streams.words.samza.physical.name": "words-v2",
        "task.window.ms": "250", "task.class": "tests.config.sample_classes.GoodTask",
    }))
    assert config["streams.words.samza.physical.name"] == "words-v2"
    assert config["task.inputs"] == "fake.words-v2"  # the input is the topic the job maps the stream id to
    assert config["task.window.ms"] == "250"
    assert config["task.class"] == OPERATOR_TASK_CLASS
    assert with_application_config(Config(BASE)) == Config(BASE)  # no app.class: nothing generated


def test_a_task_application_names_its_task_class_and_inputs() -> None:
    generated = generate_config({**BASE, "app.class": "tests.application.apps.GoodTaskApp"})
    assert generated["task.class"] == "tests.config.sample_classes.GoodTask"
    assert generated["task.inputs"] == "fake.in"
    assert generated["streams.in.samza.msg.serde"] == "json"


def problems_of(config: dict[str, str]) -> list[tuple[str, str]]:
    return [(p.key, p.message) for p in validate(Config(config))]


def test_validation_accepts_app_class_without_task_class_and_rejects_neither() -> None:
    assert [k for k, _ in problems_of({**BASE, "app.class": "tests.application.apps.UpperCaseApp"})] == []
    ((key, message),) = [p for p in problems_of(BASE) if p[0] == "task.class"]
    assert "is required" in message and "app.class" in message
    assert [k for k, m in problems_of({**BASE, "app.class": "tests.application.apps.NotAnApp"})
            if "not a StreamApplication or TaskApplication" in m] == ["app.class"]
    assert [k for k, m in problems_of({**BASE, "app.class": "tests.application.apps.Missing"})
            if "cannot be loaded" in m] == ["app.class"]


def run_job_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str], app_class: str) -> tuple[Config | None, str]:
    path = tmp_path / "job.properties"
    path.write_text("".join(f"{k}={v}\n" for k, v in {**BASE, "app.class": app_class}.items()))
    config = load_valid_config(parse_args(["--config-path", str(path)]))
    return config, capsys.readouterr().err


def test_run_job_expands_the_application_before_validating(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, err = run_job_problems(tmp_path, capsys, "tests.application.apps.UpperCaseApp")
    assert err == ""
    assert config is not None and config["task.inputs"] == "fake.words" and config["task.class"] == OPERATOR_TASK_CLASS

    config, err = run_job_problems(tmp_path, capsys, "tests.application.apps.FailingApp")
    assert config is None
    assert "app.class: 'tests.application.apps.FailingApp' describe() failed: RuntimeError: no inputs today" in err

    config, err = run_job_problems(tmp_path, capsys, "tests.application.apps.NotAnApp")
    assert config is None
    assert err.count("app.class:") == 1


def test_dry_run_prints_the_operator_graph() -> None:
    from samza_py.application.graph import render_operator_graph

    config = with_application_config(Config({**BASE, "app.class": "tests.application.apps.PageViewCountApp"}))
    assert render_operator_graph(config) == (
        "\nOperator graph of tests.application.apps.PageViewCountApp (one copy per task):\n"
        "  pv-1-input-page-views -> pv-1-window-count\n"
        "  pv-1-window-count (keyed tumbling window of 10000 ms, store pv-1-window-count) -> pv-1-map-0\n"
        "  pv-1-map-0 -> pv-1-send_to-1\n"
        "  pv-1-send_to-1 -> fake.page-view-counts\n"
    )
    assert render_operator_graph(Config(BASE)) == ""


@pytest.mark.parametrize(("app", "message"), [
    ("NoInputApp", "describe() added no input stream"),
    ("NoTaskApp", "describe() named no task (call with_task_factory)"),
    ("TwoSystemsNamedAlikeApp", "describe() failed: ValueError: system 'fake' is described twice"),
])
def test_an_application_that_describes_no_job_is_a_problem_with_app_class(app: str, message: str) -> None:
    with pytest.raises(ConfigException) as info:
        generate_config({**BASE, "app.class": f"tests.application.apps.{app}"})
    assert info.value.key == "app.class" and message in str(info.value)
