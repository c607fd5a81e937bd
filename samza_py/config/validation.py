"""Whole-config validation: every problem at once, each naming the key at fault.

run-job validates before it writes anything, so a job never half-starts on a config Samza would reject.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Iterator, Mapping

from samza_py.config.aliases import ClassResolutionError, canonical_class_name, resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException, ConfigValidationError
from samza_py.config.metrics_config import MetricsConfig
from samza_py.config.processing_guarantee import KAFKA_SYSTEM_FACTORY, check_processing_guarantee
from samza_py.config.serializer_config import SerializerConfig
from samza_py.config.storage_config import StorageConfig
from samza_py.config.stream_config import StreamConfig
from samza_py.config.system_config import SystemConfig, checked_offset_default
from samza_py.config.task_config import BROADCAST_INPUTS, TaskConfig, parse_broadcast_item
from samza_py.config.zk_config import (
    COORDINATOR_FACTORY_KEY,
    PROCESSOR_ID_GENERATOR_KEY,
    ZK_CONNECT_KEY,
    ZkConfig,
    check_processor_id,
    check_zk_connect,
    is_zk_coordinator,
)
from samza_py.job.standby import check_standby
from samza_py.system.kafka.client_config import check_client_settings

KAFKA_CHECKPOINT_FACTORY = canonical_class_name("org.apache.samza.checkpoint.kafka.KafkaCheckpointManagerFactory")
FILE_CHECKPOINT_FACTORY = canonical_class_name("org.apache.samza.checkpoint.file.FileSystemCheckpointManagerFactory")
YARN_JOB_FACTORY = canonical_class_name("org.apache.samza.job.yarn.YarnJobFactory")
SNAPSHOT_FACTORY = canonical_class_name("org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory")

_INTEGER_KEYS = re.compile(
    r"""^(?:
      task\.(?:window\.ms|commit\.ms|consumer\.batch\.size|poll\.interval\.ms|shutdown\.ms
              |max\.concurrency|callback\.timeout\.ms|checkpoint\.write\.timeout\.ms|live\.checkpoint\.max\.age)
    | (?:job|yarn)\.container\.count
    | job\.container\.restore\.thread\.pool\.(?:size|max\.size)
    | .+\.replication\.factor
    | (?:cluster-manager|yarn)\.container\.(?:memory\.mb|cpu\.cores|retry\.count|retry\.window\.ms
                                             |request\.timeout\.ms)
    | cluster-manager\.container\.preferred-host\.last\.retry\.delay\.ms
    | (?:cluster-manager|yarn)\.allocator\.sleep\.ms
    | yarn\.am\.container\.(?:memory\.mb|cpu\.cores)
    | yarn\.am\.poll\.interval\.ms
    | job\.coordinator\.zk\.(?:session|connection|consensus)\.timeout\.ms
    | job\.debounce\.time\.ms
    | stores\..+\.(?:write\.batch\.size|object\.cache\.size|container\.cache\.size\.bytes
                   |container\.write\.buffer\.size\.bytes|changelog\.delete\.retention\.ms
                   |changelog\.min\.compaction\.lag\.ms|rocksdb\.ttl\.ms)
    | systems\..+\.samza\.fetch\.threshold
    | systems\..+\.producer\.max\.block\.ms
    | metrics\.reporter\..+\.(?:interval|port)
    | (?:systems|streams)\..+\.samza\.priority
    )$""",
    re.VERBOSE,
)
_BOOLEAN_KEYS = re.compile(
    r"""^(?:
      task\.drop\.deserialization\.errors
    | (?:job|yarn\.samza)\.host-affinity\.enabled
    | job\.checkpoint\.validation\.enabled
    | (?:systems|streams)\..+\.samza\.(?:reset\.offset|bootstrap)
    | cluster-manager\.container\.fail\.job\.after\.retries
    | task\.transactional\.state\.(?:checkpoint\.enabled|restore\.enabled|retain\.existing\.state)
    | stores\..+\.rocksdb\.wal\.enabled
    | metrics\.timer\.enabled
    )$""",
    re.VERBOSE,
)
_OFFSET_DEFAULT_KEYS = re.compile(r"^(?:systems|streams)\..+\.samza\.offset\.default$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")

Problems = Iterator[ConfigException]


def validate(config: Mapping[str, str]) -> list[ConfigException]:
    """Every problem in ``config``, in a stable order, without duplicates; empty when it is valid."""
    cfg = config if isinstance(config, Config) else Config(config)
    found: dict[tuple[str, str], ConfigException] = {}
    for check in _CHECKS:
        for problem in _run(check, cfg):
            found.setdefault((problem.key, problem.message), problem)
    return list(found.values())


def validate_or_raise(config: Mapping[str, str]) -> None:
    problems = validate(config)
    if problems:
        raise ConfigValidationError(problems)


def _run(check: Callable[[Config], Problems], cfg: Config) -> list[ConfigException]:
    # A check yields what it finds; one that trips over a bad value mid-way still reports that value.
    problems: list[ConfigException] = []
    try:
        problems.extend(check(cfg))
    except ConfigException as exc:
        problems.append(exc)
    return problems


def _undefined_system(key: str, system: str, what: str = "") -> ConfigException:
    prefix = f"{what}: " if what else ""
    return ConfigException(key, f"{prefix}system {system!r} is not defined: set systems.{system}.samza.factory")


def _load_class(key: str, name: str) -> tuple[object | None, ConfigException | None]:
    try:
        return resolve_class(name), None
    except Exception as exc:  # user modules can fail to import in any way; report, never crash validation
        reason = str(exc) if isinstance(exc, ClassResolutionError) else f"{type(exc).__name__}: {exc}"
        return None, ConfigException(key, f"class {name.strip()!r} cannot be loaded: {reason}")


def _check_job(cfg: Config) -> Problems:
    if cfg.get_str("job.name") is None:
        yield ConfigException("job.name", "is required")
    factory = cfg.get_str("job.factory.class")
    if factory is None:
        # Standalone processors (run-app) coordinate through ZooKeeper and need no job factory.
        if not ZkConfig(cfg).standalone:
            yield ConfigException("job.factory.class", "is required")
    else:
        _, problem = _load_class("job.factory.class", factory)
        if problem is not None:
            yield problem
        package = cfg.get_str("yarn.package.path")
        if canonical_class_name(factory) == YARN_JOB_FACTORY and package is not None:
            # Optional in samza-py (a single-node grid runs the local interpreter); if set, it must exist.
            if "${" in package:
                yield ConfigException("yarn.package.path", f"has an unresolved placeholder: {package!r}")
            elif "://" not in package or package.startswith("file://"):
                local = package.removeprefix("file://")
                if not os.path.isfile(local):
                    yield ConfigException("yarn.package.path", f"no such file: {local!r}")
    for key in ("job.container.count", "yarn.container.count", "job.container.restore.thread.pool.size",
                "job.container.restore.thread.pool.max.size"):
        value = cfg.get_str(key)
        if value is not None and _INTEGER.match(value.strip()) and int(value) < 1:
            yield ConfigException(key, f"must be at least 1, got {value!r}")
    systems = SystemConfig(cfg)
    coordinator_key = _first_set(cfg, "job.coordinator.system", "job.default.system")
    if coordinator_key is not None and not systems.is_defined(cfg[coordinator_key].strip()):
        yield _undefined_system(coordinator_key, cfg[coordinator_key].strip())
    changelog_system = cfg.get_str("job.changelog.system")
    if changelog_system is not None and not systems.is_defined(changelog_system.strip()):
        yield _undefined_system("job.changelog.system", changelog_system.strip())


def _first_set(cfg: Config, *keys: str) -> str | None:
    return next((key for key in keys if cfg.get_str(key) is not None), None)


def _check_task_class(cfg: Config) -> Problems:
    name = cfg.get_str("task.class")
    app_class = cfg.get_str("app.class")
    if app_class is not None:
        yield from _check_app_class(app_class)
    if name is None:
        if app_class is None:
            yield ConfigException("task.class", "is required (or app.class, naming a StreamApplication or "
                                                "TaskApplication)")
        return  # run-job generates task.class from app.class
    task, problem = _load_class("task.class", name)
    if problem is not None:
        yield problem
    elif not isinstance(task, type):
        yield ConfigException("task.class", f"{name.strip()!r} is not a class but {task!r}")
    elif not callable(getattr(task, "process", None)) and not callable(getattr(task, "process_async", None)):
        yield ConfigException("task.class", f"{name.strip()!r} is not a task: it has no process() method")
    elif inspect.isabstract(task):
        missing = ", ".join(sorted(getattr(task, "__abstractmethods__", ())))
        yield ConfigException("task.class", f"{name.strip()!r} is abstract (does not implement {missing})")


def _check_app_class(name: str) -> Problems:
    app, problem = _load_class("app.class", name)
    if problem is not None:
        yield problem
        return
    from samza_py.api.application import StreamApplication, TaskApplication

    if not (isinstance(app, type) and issubclass(app, StreamApplication | TaskApplication)):
        yield ConfigException("app.class", f"{name.strip()!r} is not a StreamApplication or TaskApplication")
    elif inspect.isabstract(app):
        yield ConfigException("app.class", f"{name.strip()!r} is abstract (does not implement describe)")


def _check_inputs(cfg: Config) -> Problems:
    systems = SystemConfig(cfg)
    for item in cfg.get_list("task.inputs"):
        system, dot, stream = item.partition(".")
        if not dot or not system or not stream:
            yield ConfigException("task.inputs", f"{item!r} is not 'system.stream'")
        elif not systems.is_defined(system):
            yield _undefined_system("task.inputs", system, item)
    for item in (cfg.get_str(BROADCAST_INPUTS) or "").split(","):
        if not item.strip():
            continue
        try:
            ssps = parse_broadcast_item(item)
        except ConfigException as exc:
            yield exc
            continue
        system = next(iter(ssps)).system
        if not systems.is_defined(system):
            yield _undefined_system(BROADCAST_INPUTS, system, item.strip())


def _is_serde_key(key: str) -> bool:
    if key.startswith(("systems.", "streams.")):
        return key.endswith((".samza.key.serde", ".samza.msg.serde"))
    return key.startswith("stores.") and key.endswith((".key.serde", ".msg.serde"))


def _check_serde_names(cfg: Config) -> Problems:
    known = SerializerConfig(cfg).serde_factory_classes()
    for key in sorted(cfg):
        name = (cfg.get_str(key) or "").strip()
        if name and _is_serde_key(key) and name not in known:
            yield ConfigException(key, f"serde {name!r} is not registered: set serializers.registry.{name}.class")


def _class_keys(cfg: Config) -> Iterator[str]:
    """Every set key that names a class samza-py will load (a default is checked where it is used)."""
    yield from (f"serializers.registry.{n}.class" for n in SerializerConfig(cfg).registered_names())
    yield from (f"systems.{s}.samza.factory" for s in SystemConfig(cfg).system_names())
    yield from (f"stores.{st}.factory" for st in StorageConfig(cfg).store_names())
    for key in (
        "task.checkpoint.factory",
        "job.systemstreampartition.grouper.factory",
        "task.name.grouper.factory",
        "task.chooser.class",
    ):
        if cfg.get_str(key) is not None:
            yield key


def _check_classes(cfg: Config) -> Problems:
    for key in _class_keys(cfg):
        _, problem = _load_class(key, cfg[key])
        if problem is not None:
            yield problem


def _check_value_formats(cfg: Config) -> Problems:
    for key in sorted(cfg):
        value = cfg.get_str(key)
        if value is None:
            continue
        if _INTEGER_KEYS.match(key) and not _INTEGER.match(value.strip()):
            yield ConfigException(key, f"must be an integer, got {value!r}")
        elif _BOOLEAN_KEYS.match(key):
            try:
                cfg.get_bool(key, False)
            except ConfigException as exc:
                yield exc
        elif _OFFSET_DEFAULT_KEYS.match(key):
            try:
                checked_offset_default(key, value)
            except ConfigException as exc:
                yield exc


def _check_stores(cfg: Config) -> Problems:
    storage = StorageConfig(cfg)
    systems = SystemConfig(cfg)
    for store in storage.store_names():
        for which in ("key", "msg"):
            if cfg.get_str(f"stores.{store}.{which}.serde") is None:
                yield ConfigException(f"stores.{store}.{which}.serde", "is required: a store needs both serdes")
        for getter in (storage.rocksdb_compression, storage.rocksdb_compaction_style):
            try:
                getter(store)
            except ConfigException as exc:
                yield exc
        try:
            changelog = storage.changelog(store)
        except ConfigException as exc:
            yield exc
            continue
        if changelog is not None and not systems.is_defined(changelog.system):
            yield _undefined_system(f"stores.{store}.changelog", changelog.system)


def _check_checkpoint(cfg: Config) -> Problems:
    factory = cfg.get_str("task.checkpoint.factory")
    if factory is None:
        return
    kind = canonical_class_name(factory)
    if kind == KAFKA_CHECKPOINT_FACTORY:
        key = _first_set(cfg, "task.checkpoint.system", "job.default.system")
        if key is None:
            yield ConfigException(
                "task.checkpoint.system", f"is required by {factory.strip()}: set it or job.default.system"
            )
        elif not SystemConfig(cfg).is_defined(cfg[key].strip()):
            yield _undefined_system(key, cfg[key].strip())
        task = TaskConfig(cfg)
        for versions in (lambda: task.checkpoint_write_versions, lambda: task.checkpoint_read_versions):
            try:
                versions()
            except ConfigException as exc:
                yield exc
    elif kind == FILE_CHECKPOINT_FACTORY and cfg.get_str("task.checkpoint.path") is None:
        yield ConfigException("task.checkpoint.path", f"is required by {factory.strip()}")


def _check_streams(cfg: Config) -> Problems:
    streams = StreamConfig(cfg)
    systems = SystemConfig(cfg)
    owners: dict[tuple[str, str], str] = {}
    for stream_id in streams.stream_ids():
        ss = streams.system_stream_of(stream_id)
        system_key = f"streams.{stream_id}.samza.system"
        if ss is None:
            yield ConfigException(system_key, "is required: no job.default.system to fall back on")
            continue
        if not systems.is_defined(ss.system):
            yield _undefined_system(_first_set(cfg, system_key) or "job.default.system", ss.system, stream_id)
        owner = owners.setdefault((ss.system, ss.stream), stream_id)
        if owner != stream_id:
            yield ConfigException(
                f"streams.{stream_id}.samza.physical.name",
                f"stream ids {owner} and {stream_id} both map to {ss.system}.{ss.stream}",
            )


def _check_kafka_clients(cfg: Config) -> Problems:
    systems = SystemConfig(cfg)
    for system in systems.system_names():
        factory = systems.factory_class(system)
        if factory and canonical_class_name(factory) == KAFKA_SYSTEM_FACTORY:
            yield from check_client_settings(cfg, system)


def _check_standalone(cfg: Config) -> Problems:
    factory = cfg.get_str(COORDINATOR_FACTORY_KEY)
    if factory is None:
        return
    if not is_zk_coordinator(factory):
        yield ConfigException(COORDINATOR_FACTORY_KEY,
                              f"{factory.strip()!r} is not supported: use org.apache.samza.zk.ZkJobCoordinatorFactory")
        return
    try:
        check_zk_connect(cfg.get_str(ZK_CONNECT_KEY))
    except ConfigException as exc:
        yield exc
    processor_id = cfg.get_str("processor.id")
    if processor_id is not None:
        try:
            check_processor_id(processor_id.strip())
        except ConfigException as exc:
            yield exc
    elif cfg.get_str(PROCESSOR_ID_GENERATOR_KEY) is not None:
        _, problem = _load_class(PROCESSOR_ID_GENERATOR_KEY, cfg[PROCESSOR_ID_GENERATOR_KEY])
        if problem is not None:
            yield problem
    for key in ("job.coordinator.zk.session.timeout.ms", "job.coordinator.zk.connection.timeout.ms",
                "job.coordinator.zk.consensus.timeout.ms"):
        value = cfg.get_str(key)
        if value is not None and _INTEGER.match(value.strip()) and int(value) <= 0:
            yield ConfigException(key, f"must be positive, got {value!r}")
    debounce = cfg.get_str("job.debounce.time.ms")
    if debounce is not None and _INTEGER.match(debounce.strip()) and int(debounce) < 0:
        yield ConfigException("job.debounce.time.ms", f"must not be negative, got {debounce!r}")


def _check_metrics(cfg: Config) -> Problems:
    metrics = MetricsConfig(cfg)
    systems = SystemConfig(cfg)
    for reporter in metrics.reporters:
        if metrics.reporter_class(reporter) is None:
            yield ConfigException(f"metrics.reporter.{reporter}.class", "is required by metrics.reporters")
        try:
            stream = metrics.reporter_stream(reporter)
        except ConfigException as exc:
            yield exc
            continue
        if stream is not None and not systems.is_defined(stream.system):
            yield _undefined_system(f"metrics.reporter.{reporter}.stream", stream.system)
        elif stream is None and canonical_class_name(metrics.reporter_class(reporter) or "") == SNAPSHOT_FACTORY:
            yield ConfigException(f"metrics.reporter.{reporter}.stream", "is required by the snapshot reporter")


_CHECKS: tuple[Callable[[Config], Problems], ...] = (
    _check_job,
    _check_task_class,
    _check_inputs,
    _check_serde_names,
    _check_classes,
    _check_value_formats,
    _check_stores,
    _check_checkpoint,
    check_processing_guarantee,
    check_standby,
    _check_streams,
    _check_kafka_clients,
    _check_metrics,
    _check_standalone,
)
