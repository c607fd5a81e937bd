"""YAML flattening, file URLs, merge order and --config overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.config import Config, ConfigException, ConfigFileError, load_config, load_yaml


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_yaml_is_flattened_to_dotted_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path / "job.yaml",
        """
job:
  name: wikipedia-stats
  container.count: 2
task.inputs: [kafka.a, kafka.b]
task:
  window.ms: 10000
systems:
  kafka:
    samza:
      factory: org.apache.samza.system.kafka.KafkaSystemFactory
    consumer:
      auto.offset.reset: largest
flags: {on: true, off: false, nothing: null, ratio: 0.5}
""",
    )
    assert load_yaml(path) == {
        "job.name": "wikipedia-stats",
        "job.container.count": "2",
        "task.inputs": "kafka.a,kafka.b",
        "task.window.ms": "10000",
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.consumer.auto.offset.reset": "largest",
        # YAML 1.1 reads the keys 'on'/'off' as booleans too; they come back as Samza spells them.
        "flags.true": "true",
        "flags.false": "false",
        "flags.nothing": "",
        "flags.ratio": "0.5",
    }


def test_yaml_list_of_mixed_scalars(tmp_path: Path) -> None:
    path = write(tmp_path / "l.yml", "xs: [1, true, null, b]\n")
    assert load_yaml(path) == {"xs": "1,true,,b"}


def test_empty_yaml_is_empty(tmp_path: Path) -> None:
    assert load_yaml(write(tmp_path / "e.yaml", "")) == {}


def test_yaml_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "list.yaml", "- a\n- b\n")
    with pytest.raises(ConfigFileError) as info:
        load_yaml(path)
    assert info.value.reason == "the top level must be a mapping, got list"


def test_yaml_list_of_mappings_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "nested.yaml", "a:\n  b:\n    - {c: 1}\n")
    with pytest.raises(ConfigFileError) as info:
        load_yaml(path)
    assert info.value.reason == "a.b: a list may hold only scalars"


def test_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "a: [unclosed\n")
    with pytest.raises(ConfigFileError) as info:
        load_yaml(path)
    assert info.value.path == path
    assert info.value.reason.startswith("invalid YAML")


def test_merge_in_order_later_wins_then_overrides(tmp_path: Path) -> None:
    first = write(tmp_path / "base.properties", "job.name=base\ntask.window.ms=1000\nonly.base=1\n")
    second = write(tmp_path / "over.yaml", "task:\n  window.ms: 2000\nonly.yaml: y\njob.id: 7\n")
    third = write(tmp_path / "last.properties", "job.id=8\n")
    config = load_config(
        [first, second, third], overrides=["job.name=cli", "url=http://x/?a=b", " spaced.key =  v ", "empty="]
    )
    assert isinstance(config, Config)
    assert config.to_dict() == {
        "job.name": "cli",
        "task.window.ms": "2000",
        "only.base": "1",
        "only.yaml": "y",
        "job.id": "8",
        "url": "http://x/?a=b",
        "spaced.key": "  v ",
        "empty": "",
    }


def test_file_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "my job.properties", "job.name=url\n")
    assert load_config([f"file://{path}"])["job.name"] == "url"
    assert load_config([f"file://localhost{path}"])["job.name"] == "url"
    assert load_config(["file://" + str(path).replace(" ", "%20")])["job.name"] == "url"
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "rel.properties", "job.name=relative\n")
    assert load_config(["file://rel.properties"])["job.name"] == "relative"
    assert load_config(["rel.properties"])["job.name"] == "relative"


def test_yml_extension_case_insensitive(tmp_path: Path) -> None:
    path = write(tmp_path / "JOB.YML", "job: {name: upper}\n")
    assert load_config([path])["job.name"] == "upper"


def test_missing_config_path(tmp_path: Path) -> None:
    good = write(tmp_path / "a.properties", "a=1\n")
    missing = str(tmp_path / "missing.properties")
    with pytest.raises(ConfigFileError) as info:
        load_config([good, f"file://{missing}"])
    assert info.value.path == missing
    assert info.value.reason == "no such file"


@pytest.mark.parametrize("override", ["no-equals", "=value", "  =v"])
def test_malformed_override(override: str) -> None:
    with pytest.raises(ConfigException) as info:
        load_config([], overrides=[override])
    assert info.value.key == "--config"
    assert repr(override) in info.value.message


def test_no_paths_gives_overrides_only() -> None:
    assert load_config([], overrides=["a=b"]).to_dict() == {"a": "b"}
