"""``app.class``: describe the application and generate the config it implies.

The descriptors' systems and streams become ``systems.*`` / ``streams.*`` keys, its inputs ``task.inputs``,
each window's state a RocksDB store with a changelog, and ``task.class`` the operator task (or, for a
TaskApplication, its task). The generated config goes under the job's own: a key the job sets wins, as
in Samza. Everything after this (validation, job model, containers, checkpoints) sees an ordinary job.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from samza_py.api.application import (
    ApplicationDescriptor,
    StreamApplication,
    StreamApplicationDescriptor,
    TaskApplication,
    TaskApplicationDescriptor,
)
from samza_py.api.operators import OpCode, OperatorSpec
from samza_py.api.windows import Window
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.secrets import Secret, is_secret_key
from samza_py.config.stream_config import StreamConfig

log = logging.getLogger(__name__)

APP_CLASS = "app.class"
OPERATOR_TASK_CLASS = "samza_py.application.task.OperatorTask"
ROCKSDB_FACTORY = "org.apache.samza.storage.kv.RocksDbKeyValueStorageEngineFactory"
# A window's store holds bytes the window operator encodes itself (window start + key, value).
WINDOW_STORE_SERDE = "byte"
MAX_WINDOW_TIMER_MS = 1000


def runs_operator_graph(config: Mapping[str, str]) -> bool:
    """The job is a StreamApplication's, expanded: ``app.class`` set and its operator task as the task."""
    return bool(config.get(APP_CLASS)) and config.get("task.class") == OPERATOR_TASK_CLASS


def load_application(config: Mapping[str, str]) -> StreamApplication | TaskApplication:
    name = (config.get(APP_CLASS) or "").strip()
    try:
        app_class = resolve_class(name)
    except Exception as exc:  # user modules can fail to import in any way
        raise ConfigException(APP_CLASS, f"class {name!r} cannot be loaded: {exc}") from exc
    if not (isinstance(app_class, type) and issubclass(app_class, StreamApplication | TaskApplication)):
        raise ConfigException(APP_CLASS, f"{name!r} is not a StreamApplication or TaskApplication")
    try:
        app: StreamApplication | TaskApplication = app_class()
    except Exception as exc:
        raise ConfigException(APP_CLASS, f"{name!r} cannot be created: {type(exc).__name__}: {exc}") from exc
    return app


def describe(config: Mapping[str, str]) -> ApplicationDescriptor:
    """The descriptor ``app.class`` fills in; a failure in ``describe`` is a problem with ``app.class``."""
    app = load_application(config)
    descriptor: ApplicationDescriptor
    try:
        if isinstance(app, StreamApplication):
            descriptor = StreamApplicationDescriptor(config)
            app.describe(descriptor)
        else:
            descriptor = TaskApplicationDescriptor(config)
            app.describe(descriptor)
        descriptor.systems()  # the same system name described twice shows here
    except Exception as exc:
        raise ConfigException(APP_CLASS, f"{config.get(APP_CLASS)!r} describe() failed: "
                                         f"{type(exc).__name__}: {exc}") from exc
    if isinstance(descriptor, TaskApplicationDescriptor) and descriptor.task_class is None:
        raise ConfigException(APP_CLASS, f"{config.get(APP_CLASS)!r} describe() named no task "
                                         "(call with_task_factory)")
    if not descriptor.inputs:
        raise ConfigException(APP_CLASS, f"{config.get(APP_CLASS)!r} describe() added no input stream")
    return descriptor


def reachable_specs(descriptor: StreamApplicationDescriptor) -> list[OperatorSpec]:
    """Every operator once, inputs first, then breadth-first (a merge is reached from several parents)."""
    seen: dict[str, OperatorSpec] = {}
    queue = list(descriptor.input_specs.values())
    while queue:
        spec = queue.pop(0)
        if spec.op_id not in seen:
            seen[spec.op_id] = spec
            queue.extend(spec.next_specs)
    return list(seen.values())


def window_store_config(spec: OperatorSpec) -> dict[str, str]:
    """The store of a window operator: named after its op id, RocksDB, with a changelog of the same name
    (on ``job.changelog.system``, else ``job.default.system``), as Samza's window stores."""
    prefix = f"stores.{spec.op_id}."
    return {
        prefix + "factory": ROCKSDB_FACTORY,
        prefix + "key.serde": WINDOW_STORE_SERDE,
        prefix + "msg.serde": WINDOW_STORE_SERDE,
        prefix + "changelog": spec.op_id,
    }


def window_timer_ms(windows: list[Window]) -> int:
    """``task.window.ms`` for the windows: a tenth of the greatest common divisor of every window's and
    time trigger's duration, between 10 ms and 1 s. The GCD divides each duration, so each is a whole
    number of GCDs and no pane or time trigger fires more than a tenth of its own duration late; the
    bounds keep the timer from spinning (10 ms) or from making a long window wait (1 s)."""
    gcd = math.gcd(*(d for w in windows for d in w.durations_ms()))
    return max(10, min(MAX_WINDOW_TIMER_MS, gcd // 10))


def generate_config(config: Mapping[str, str]) -> dict[str, str]:
    descriptor = describe(config)
    generated: dict[str, str] = {}
    for system in descriptor.systems():
        generated.update(system.to_config())
    if descriptor.default_system is not None:
        generated["job.default.system"] = descriptor.default_system.system_name
    for stream in [*descriptor.inputs.values(), *descriptor.outputs.values()]:
        generated.update(stream.to_config())
    # Through the job's own keys too: a job may map a stream id to another topic (streams.<id>.samza.physical.name).
    streams = StreamConfig(Config({**generated, **config}))
    inputs = [streams.system_stream_of(d.stream_id) or d.system_stream for d in descriptor.inputs.values()]
    generated["task.inputs"] = ",".join(f"{ss.system}.{ss.stream}" for ss in inputs)
    if isinstance(descriptor, TaskApplicationDescriptor):
        task_class = descriptor.task_class
        assert task_class is not None
        generated["task.class"] = f"{task_class.__module__}.{task_class.__qualname__}"
        return generated
    assert isinstance(descriptor, StreamApplicationDescriptor)
    generated["task.class"] = OPERATOR_TASK_CLASS
    windows = [spec for spec in reachable_specs(descriptor) if spec.op_code is OpCode.WINDOW]
    for spec in windows:
        generated.update(window_store_config(spec))
    if windows:
        generated["task.window.ms"] = str(window_timer_ms([spec.details for spec in windows]))
    from samza_py.application.join_stores import join_and_table_store_config

    generated.update(join_and_table_store_config(descriptor, reachable_specs(descriptor), config))
    return generated


def with_application_config(config: Config) -> Config:
    """``config`` over what its ``app.class`` generates; ``config`` itself when it names no application."""
    if config.get_str(APP_CLASS) is None:
        return config
    generated = generate_config(config)
    for key, value in generated.items():
        if key in config and config[key] != value:
            log.info("%s: the job's %r replaces the generated %r", key, config[key], Secret(value)
                     if is_secret_key(key) else value)
    merged = dict(generated)
    merged.update(config)
    if generated["task.class"] == OPERATOR_TASK_CLASS and merged["task.class"] != OPERATOR_TASK_CLASS:
        # The application is the job's logic: a task.class left over from a low-level config cannot replace it.
        log.warning("task.class %r is ignored: app.class names a StreamApplication", merged["task.class"])
        merged["task.class"] = OPERATOR_TASK_CLASS
    return Config(merged)
