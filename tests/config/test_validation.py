"""validate() reports every problem at once, each with the key at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from samza_py.config import (
    Config,
    ConfigException,
    ConfigValidationError,
    aliases,
    load_config,
    validate,
    validate_or_raise,
)
from samza_py.config.aliases import ClassResolutionError, resolve_class

HERE = "tests.config.sample_classes"
TASK = f"{HERE}.GoodTask"
ANY = f"{HERE}.AnyFactory"

# hello-samza's wikipedia-stats.properties (§9.2) with our task class.
HELLO_SAMZA = f"""\
job.factory.class=org.apache.samza.job.yarn.YarnJobFactory
job.name=wikipedia-stats
yarn.package.path=file://${{basedir}}/target/${{project.artifactId}}-${{pom.version}}-dist.tar.gz
task.class={TASK}
task.inputs=kafka.wikipedia-edits
task.window.ms=10000
serializers.registry.json.class=org.apache.samza.serializers.JsonSerdeFactory
serializers.registry.string.class=org.apache.samza.serializers.StringSerdeFactory
serializers.registry.integer.class=org.apache.samza.serializers.IntegerSerdeFactory
systems.kafka.samza.factory=org.apache.samza.system.kafka.KafkaSystemFactory
systems.kafka.samza.msg.serde=json
systems.kafka.consumer.zookeeper.connect=localhost:2181/
systems.kafka.consumer.auto.offset.reset=largest
systems.kafka.producer.bootstrap.servers=localhost:9092
stores.wikipedia-stats.factory=org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory
stores.wikipedia-stats.changelog=kafka.wikipedia-stats-changelog
stores.wikipedia-stats.key.serde=string
stores.wikipedia-stats.msg.serde=integer
stores.wikipedia-stats.changelog.replication.factor=1
stores.wikipedia-stats.write.batch.size=0
stores.wikipedia-stats.object.cache.size=0
job.coordinator.system=kafka
job.coordinator.replication.factor=1
"""


TASK_CLASS_REQUIRED = "is required (or app.class, naming a StreamApplication or TaskApplication)"

def problems_of(values: dict[str, str]) -> list[tuple[str, str]]:
    return [(p.key, p.message) for p in validate(Config(values))]


def valid_python_config() -> dict[str, str]:
    """A complete job whose every class is one of the test's own, so it validates whatever else exists."""
    return {
        "job.name": "wikipedia-stats",
        "job.factory.class": ANY,
        "task.class": TASK,
        "task.inputs": "kafka.wikipedia-edits",
        "task.broadcast.inputs": "kafka.config#[0-1]",
        "task.window.ms": "10000",
        "serializers.registry.json.class": ANY,
        "systems.kafka.samza.factory": ANY,
        "systems.kafka.samza.msg.serde": "json",
        "systems.kafka.samza.offset.default": "oldest",
        "stores.wikipedia-stats.factory": ANY,
        "stores.wikipedia-stats.changelog": "kafka.wikipedia-stats-changelog",
        "stores.wikipedia-stats.key.serde": "string",
        "stores.wikipedia-stats.msg.serde": "integer",
        "job.coordinator.system": "kafka",
        "job.coordinator.replication.factor": "1",
        "job.default.system": "kafka",
    }


def without_default_system() -> dict[str, str]:
    config = valid_python_config()
    del config["job.default.system"]
    return config


def test_valid_python_config_has_no_problems() -> None:
    assert validate(Config(valid_python_config())) == []
    validate_or_raise(Config(valid_python_config()))


def test_hello_samza_with_java_serde_and_system_names_is_valid(tmp_path: Path) -> None:
    pytest.importorskip("samza_py.serializers.builtin")
    pytest.importorskip("samza_py.system.kafka.factory")
    path = tmp_path / "wikipedia-stats.properties"
    path.write_text(HELLO_SAMZA)
    # Only the job and store factories are swapped for importable ones, to test the rest now.
    config = load_config(
        [f"file://{path}"], overrides=[f"job.factory.class={ANY}", f"stores.wikipedia-stats.factory={ANY}"]
    )
    assert validate(config) == []


def test_hello_samza_properties_as_shipped_only_lacks_a_resolved_package_path(tmp_path: Path) -> None:
    for module in (
        "samza_py.serializers.builtin",
        "samza_py.system.kafka.factory",
        "samza_py.job.yarn",
        "samza_py.storage.rocksdb",
    ):
        pytest.importorskip(module)
    path = tmp_path / "wikipedia-stats.properties"
    path.write_text(HELLO_SAMZA)
    # Maven fills ${basedir} in when it builds hello-samza's package; left as text it names no file.
    problems = validate(load_config([str(path)]))
    assert [(p.key, p.message) for p in problems] == [("yarn.package.path", (
        "has an unresolved placeholder: "
        "'file://${basedir}/target/${project.artifactId}-${pom.version}-dist.tar.gz'"
    ))]
    assert validate(load_config([str(path)], ["yarn.package.path="])) == []


def test_many_problems_reported_together_each_with_its_key() -> None:
    config = {
        "job.factory.class": "no.such.Factory",
        "task.class": f"{HERE}.NotATask",
        "task.inputs": "kafka.ok,nodot,ghost.stream",
        "task.broadcast.inputs": "kafka.b#x,ghost.c#1",
        "task.window.ms": "soon",
        "task.commit.ms": "1_000",
        "job.container.count": "0",
        "task.drop.deserialization.errors": "perhaps",
        "systems.kafka.samza.factory": ANY,
        "systems.kafka.samza.msg.serde": "foo",
        "systems.kafka.samza.offset.default": "newest",
        "systems.kafka.streams.x.samza.reset.offset": "sure",
        "systems.kafka.samza.fetch.threshold": "lots",
        "serializers.registry.bad.class": "org.apache.samza.serializers.NoSuchSerdeFactory",
        "stores.st.factory": ANY,
        "stores.st.key.serde": "bar",
        "stores.st.changelog": "ghost.st-changelog",
        "task.checkpoint.factory": "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory",
        "metrics.reporter.snap.interval": "often",
    }
    bad_serde_error = _resolution_error("org.apache.samza.serializers.NoSuchSerdeFactory")
    factory_error = _resolution_error("no.such.Factory")
    assert problems_of(config) == [
        ("job.name", "is required"),
        ("job.factory.class", f"class 'no.such.Factory' cannot be loaded: {factory_error}"),
        ("job.container.count", "must be at least 1, got '0'"),
        ("task.class", f"'{HERE}.NotATask' is not a task: it has no process() method"),
        ("task.inputs", "'nodot' is not 'system.stream'"),
        ("task.inputs", "ghost.stream: system 'ghost' is not defined: set systems.ghost.samza.factory"),
        ("task.broadcast.inputs",
         "'kafka.b#x': 'x' is not a partition number; expected 'system.stream#N' or 'system.stream#[N-M]'"),
        ("task.broadcast.inputs", "ghost.c#1: system 'ghost' is not defined: set systems.ghost.samza.factory"),
        ("stores.st.key.serde", "serde 'bar' is not registered: set serializers.registry.bar.class"),
        ("systems.kafka.samza.msg.serde", "serde 'foo' is not registered: set serializers.registry.foo.class"),
        ("serializers.registry.bad.class",
         f"class 'org.apache.samza.serializers.NoSuchSerdeFactory' cannot be loaded: {bad_serde_error}"),
        ("metrics.reporter.snap.interval", "must be an integer, got 'often'"),
        ("systems.kafka.samza.fetch.threshold", "must be an integer, got 'lots'"),
        ("systems.kafka.samza.offset.default", "must be 'oldest' or 'upcoming', got 'newest'"),
        ("systems.kafka.streams.x.samza.reset.offset", "must be true or false, got 'sure'"),
        ("task.commit.ms", "must be an integer, got '1_000'"),
        ("task.drop.deserialization.errors", "must be true or false, got 'perhaps'"),
        ("task.window.ms", "must be an integer, got 'soon'"),
        ("stores.st.msg.serde", "is required: a store needs both serdes"),
        ("stores.st.changelog", "system 'ghost' is not defined: set systems.ghost.samza.factory"),
        ("task.checkpoint.system",
         "is required by org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory: "
         "set it or job.default.system"),
    ]
    with pytest.raises(ConfigValidationError) as info:
        validate_or_raise(Config(config))
    assert [(p.key, p.message) for p in info.value.problems] == problems_of(config)
    assert "invalid configuration (21 problem(s))" in str(info.value)


def _resolution_error(name: str) -> str:
    with pytest.raises(ClassResolutionError) as info:
        resolve_class(name)
    return str(info.value)


def test_empty_config_names_the_three_required_keys() -> None:
    assert problems_of({}) == [
        ("job.name", "is required"),
        ("job.factory.class", "is required"),
        ("task.class", TASK_CLASS_REQUIRED),
    ]


def test_factory_alias_reports_the_resolution_error(monkeypatch: pytest.MonkeyPatch) -> None:
    java = "org.apache.samza.job.test.MissingJobFactory"
    monkeypatch.setitem(aliases.JAVA_CLASS_ALIASES, java, "tests.config.no_such_module.MissingJobFactory")
    error = _resolution_error(java)
    assert "tests.config.no_such_module" in error
    config = {**valid_python_config(), "job.factory.class": java, "systems.kafka.samza.factory": java}
    assert problems_of(config) == [
        ("job.factory.class", f"class '{java}' cannot be loaded: {error}"),
        ("systems.kafka.samza.factory", f"class '{java}' cannot be loaded: {error}"),
    ]


def test_missing_attribute_in_existing_module() -> None:
    config = {**valid_python_config(), "stores.wikipedia-stats.factory": f"{HERE}.Nope"}
    [(key, message)] = problems_of(config)
    assert key == "stores.wikipedia-stats.factory"
    assert message == f"class '{HERE}.Nope' cannot be loaded: module '{HERE}' has no 'Nope' (for '{HERE}.Nope')"


@pytest.mark.parametrize(
    ("task_class", "message"),
    [
        (f"{HERE}.DuckTask", None),
        (f"{HERE}.GoodTask", None),
        (f"{HERE}.AbstractTask", f"'{HERE}.AbstractTask' is abstract (does not implement process)"),
        (f"{HERE}.NotATask", f"'{HERE}.NotATask' is not a task: it has no process() method"),
        ("NoDots", "class 'NoDots' cannot be loaded: 'NoDots' is not a dotted path 'package.module.ClassName'"),
        ("tests.config.broken_module.Task",
         "class 'tests.config.broken_module.Task' cannot be loaded: RuntimeError: boom at import"),
    ],
)
def test_task_class_checks(task_class: str, message: str | None) -> None:
    problems = problems_of({**valid_python_config(), "task.class": task_class})
    assert problems == ([] if message is None else [("task.class", message)])


def test_task_class_that_is_a_function() -> None:
    [(key, message)] = problems_of({**valid_python_config(), "task.class": f"{HERE}.task_function"})
    assert key == "task.class"
    assert message.startswith(f"'{HERE}.task_function' is not a class but <function task_function")


def test_predefined_serdes_need_no_registration() -> None:
    config = {**valid_python_config()}
    for i, name in enumerate(["byte", "integer", "json", "long", "string", "double"]):
        config[f"systems.kafka.streams.s{i}.samza.key.serde"] = name
    assert problems_of(config) == []


@pytest.mark.parametrize(
    "key",
    [
        "systems.kafka.samza.key.serde",
        "systems.kafka.default.stream.samza.msg.serde",
        "systems.kafka.streams.wikipedia-edits.samza.key.serde",
        "streams.edits.samza.msg.serde",
        "stores.wikipedia-stats.key.serde",
    ],
)
def test_every_serde_reference_is_checked(key: str) -> None:
    config = {**valid_python_config(), key: "nosuch"}
    assert problems_of(config) == [(key, "serde 'nosuch' is not registered: set serializers.registry.nosuch.class")]


@pytest.mark.parametrize(
    "key",
    [
        "task.consumer.batch.size",
        "task.poll.interval.ms",
        "task.shutdown.ms",
        "job.container.count",
        "yarn.container.count",
        "job.coordinator.replication.factor",
        "task.checkpoint.replication.factor",
        "systems.kafka.default.stream.replication.factor",
        "stores.default.changelog.replication.factor",
        "cluster-manager.container.memory.mb",
        "cluster-manager.container.cpu.cores",
        "cluster-manager.container.retry.count",
        "cluster-manager.container.retry.window.ms",
        "cluster-manager.container.request.timeout.ms",
        "yarn.container.memory.mb",
        "yarn.container.cpu.cores",
        "yarn.container.retry.count",
        "yarn.container.retry.window.ms",
        "yarn.am.container.memory.mb",
        "yarn.am.container.cpu.cores",
        "stores.wikipedia-stats.write.batch.size",
        "stores.wikipedia-stats.object.cache.size",
        "stores.wikipedia-stats.container.cache.size.bytes",
        "stores.wikipedia-stats.container.write.buffer.size.bytes",
        "stores.wikipedia-stats.changelog.replication.factor",
        "systems.kafka.samza.fetch.threshold",
        "systems.kafka.producer.max.block.ms",
        "metrics.reporter.snapshot.interval",
        "systems.kafka.streams.wikipedia-edits.samza.priority",
    ],
)
def test_integer_keys(key: str) -> None:
    assert problems_of({**valid_python_config(), key: "12"}) == []
    assert problems_of({**valid_python_config(), key: "1.5"}) == [(key, "must be an integer, got '1.5'")]


@pytest.mark.parametrize(
    "key",
    [
        "task.drop.deserialization.errors",
        "job.host-affinity.enabled",
        "yarn.samza.host-affinity.enabled",
        "job.checkpoint.validation.enabled",
        "systems.kafka.samza.reset.offset",
        "systems.kafka.streams.wikipedia-edits.samza.reset.offset",
        "streams.edits.samza.bootstrap",
        "systems.kafka.default.stream.samza.bootstrap",
    ],
)
def test_boolean_keys(key: str) -> None:
    assert problems_of({**valid_python_config(), key: "true"}) == []
    assert problems_of({**valid_python_config(), key: "False"}) == []
    assert problems_of({**valid_python_config(), key: "ja"}) == [(key, "must be true or false, got 'ja'")]


@pytest.mark.parametrize(
    "key",
    [
        "systems.kafka.samza.offset.default",
        "systems.kafka.default.stream.samza.offset.default",
        "systems.kafka.streams.wikipedia-edits.samza.offset.default",
        "streams.edits.samza.offset.default",
    ],
)
def test_offset_default_keys(key: str) -> None:
    assert problems_of({**valid_python_config(), key: "upcoming"}) == []
    assert problems_of({**valid_python_config(), key: "largest"}) == [
        (key, "must be 'oldest' or 'upcoming', got 'largest'")
    ]


def test_kafka_checkpoint_system_must_be_defined() -> None:
    kafka_cp = {**valid_python_config(), "task.checkpoint.factory": f"{HERE}.AnyFactory"}
    assert problems_of(kafka_cp) == []  # not the Kafka kind: nothing more to check
    java = "org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory"
    monkey = {**without_default_system(), "task.checkpoint.factory": java}
    pytest.importorskip("samza_py.checkpoint.kafka.manager")
    assert problems_of(monkey) == [("task.checkpoint.system", f"is required by {java}: set it or job.default.system")]
    assert problems_of({**monkey, "job.default.system": "kafka"}) == []
    assert problems_of({**monkey, "task.checkpoint.system": "kafka"}) == []
    undefined = "system 'nope' is not defined: set systems.nope.samza.factory"
    assert problems_of({**monkey, "task.checkpoint.system": "nope"}) == [("task.checkpoint.system", undefined)]


def test_kafka_checkpoint_via_python_path_is_recognised() -> None:
    path = aliases.canonical_class_name("org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory")
    pytest.importorskip(path.rpartition(".")[0])
    problems = problems_of({**without_default_system(), "task.checkpoint.factory": path})
    assert problems == [("task.checkpoint.system", f"is required by {path}: set it or job.default.system")]


def test_file_checkpoint_needs_a_path() -> None:
    pytest.importorskip("samza_py.checkpoint.file.manager")
    java = "org.apache.samza.checkpoint.file.FileSystemCheckpointManagerFactory"
    config = {**valid_python_config(), "task.checkpoint.factory": java}
    assert problems_of(config) == [("task.checkpoint.path", f"is required by {java}")]
    assert problems_of({**config, "task.checkpoint.path": "/tmp/cp"}) == []


def test_yarn_package_path_is_optional_but_must_exist_when_local(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    yarn = "org.apache.samza.job.yarn.YarnJobFactory"
    monkeypatch.setitem(aliases.JAVA_CLASS_ALIASES, yarn, ANY)
    monkeypatch.setattr("samza_py.config.validation.YARN_JOB_FACTORY", ANY)
    config = {**valid_python_config(), "job.factory.class": yarn}
    assert problems_of(config) == []
    assert problems_of({**config, "yarn.package.path": "file:///no/such/pkg.tgz"}) == [
        ("yarn.package.path", "no such file: '/no/such/pkg.tgz'")
    ]
    assert problems_of({**config, "yarn.package.path": "file://${basedir}/pkg.tgz"}) == [
        ("yarn.package.path", "has an unresolved placeholder: 'file://${basedir}/pkg.tgz'")
    ]
    package = tmp_path / "pkg.tgz"
    package.write_bytes(b"")
    assert problems_of({**config, "yarn.package.path": f"file://{package}"}) == []
    assert problems_of({**config, "yarn.package.path": "hdfs:///jobs/pkg.tgz"}) == []


def test_default_groupers_are_not_loaded_but_named_ones_are() -> None:
    config = {**valid_python_config(), "job.systemstreampartition.grouper.factory": f"{HERE}.Missing",
              "task.name.grouper.factory": f"{HERE}.AlsoMissing", "task.chooser.class": f"{HERE}.Gone"}
    assert [key for key, _ in problems_of(config)] == [
        "job.systemstreampartition.grouper.factory",
        "task.name.grouper.factory",
        "task.chooser.class",
    ]


def test_store_checks() -> None:
    config = {
        **without_default_system(),
        "stores.bare.factory": ANY,
        "stores.bare.changelog": "bare-changelog",
        "stores.tuned.factory": ANY,
        "stores.tuned.key.serde": "string",
        "stores.tuned.msg.serde": "string",
        "stores.tuned.rocksdb.compression": "brotli",
        "stores.tuned.rocksdb.compaction.style": "level",
    }
    assert problems_of(config) == [
        ("stores.bare.key.serde", "is required: a store needs both serdes"),
        ("stores.bare.msg.serde", "is required: a store needs both serdes"),
        ("stores.bare.changelog",
         "'bare-changelog' names no system and neither job.changelog.system nor job.default.system is set"),
        ("stores.tuned.rocksdb.compression",
         "must be one of none, snappy, zlib, bzip2, lz4, lz4hc, zstd, got 'brotli'"),
    ]
    assert problems_of({**config, "job.changelog.system": "kafka", "stores.tuned.rocksdb.compression": "lz4",
                        "stores.bare.key.serde": "string", "stores.bare.msg.serde": "json"}) == []


def test_named_job_systems_must_be_defined() -> None:
    undefined = "system 'ghost' is not defined: set systems.ghost.samza.factory"
    assert problems_of({**valid_python_config(), "job.coordinator.system": "ghost"}) == [
        ("job.coordinator.system", undefined)
    ]
    assert problems_of({**valid_python_config(), "job.changelog.system": "ghost"}) == [
        ("job.changelog.system", undefined)
    ]


def test_stream_id_checks() -> None:
    config = {
        **without_default_system(),
        "streams.a.samza.system": "kafka",
        "streams.a.samza.physical.name": "t",
        "streams.b.samza.system": "kafka",
        "streams.b.samza.physical.name": "t",
        "streams.c.samza.system": "ghost",
        "streams.d.samza.priority": "1",
    }
    assert problems_of(config) == [
        ("streams.b.samza.physical.name", "stream ids a and b both map to kafka.t"),
        ("streams.c.samza.system", "c: system 'ghost' is not defined: set systems.ghost.samza.factory"),
        ("streams.d.samza.system", "is required: no job.default.system to fall back on"),
    ]


def test_metrics_reporter_checks() -> None:
    config = {
        **valid_python_config(),
        "metrics.reporters": "snapshot,jmx",
        "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
        "metrics.reporter.snapshot.stream": "ghost.metrics",
    }
    assert problems_of(config) == [
        ("metrics.reporter.snapshot.stream", "system 'ghost' is not defined: set systems.ghost.samza.factory"),
        ("metrics.reporter.jmx.class", "is required by metrics.reporters"),
    ]


def test_validation_accepts_a_plain_mapping_and_returns_config_exceptions() -> None:
    problems = validate({"job.name": "x", "job.factory.class": ANY})
    assert all(isinstance(p, ConfigException) for p in problems)
    assert [(p.key, p.message) for p in problems] == [("task.class", TASK_CLASS_REQUIRED)]


def test_kafka_client_settings_that_cannot_be_translated_are_refused_before_submit() -> None:
    config = {
        **valid_python_config(),
        "systems.kafka.samza.factory": "org.apache.samza.system.kafka.KafkaSystemFactory",
        "systems.kafka.producer.buffer.memory": "32MB",
        "systems.kafka.consumer.auto.offset.reset": "newest",
        "systems.other.samza.factory": ANY,  # not Kafka: its client keys are its own business
        "systems.other.producer.buffer.memory": "lots",
    }
    assert problems_of(config) == [
        ("systems.kafka.consumer.auto.offset.reset", "must be largest, smallest, latest or earliest, got 'newest'"),
        ("systems.kafka.producer.buffer.memory", "must be a number of bytes, got '32MB'"),
    ]
    assert problems_of({**config, "systems.kafka.producer.buffer.memory": "512",
                        "systems.kafka.consumer.auto.offset.reset": "smallest"}) == [
        ("systems.kafka.producer.buffer.memory",
         "must be at least 1024 bytes (librdkafka counts kilobytes), got 512"),
    ]
