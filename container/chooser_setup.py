"""Builds a container's chooser once at start (Samza's DefaultChooser): the ``task.chooser.class`` factory's
chooser, wrapped in priority tiers only when a stream sets ``samza.priority`` or is a bootstrap stream, and
in a BootstrappingChooser only when a bootstrap SSP has something to read. A job using neither gets the
factory's chooser as is: nothing is checked per message for features it does not use.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from samza_py.api import MetricsRegistry, SystemStreamPartition
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.stream_config import StreamConfig
from samza_py.config.task_config import TaskConfig
from samza_py.container.bootstrapping import BootstrappingChooser
from samza_py.container.chooser import MessageChooser
from samza_py.container.tiered_chooser import TieredPriorityChooser
from samza_py.system.interfaces import SystemStreamPartitionMetadata

DEFAULT_PRIORITY = -1  # streams without samza.priority
_CHOOSER_METHODS = ("offer", "choose", "choose_run", "give_back", "exhausted", "empty")


def factory_chooser(config: Config, registry: MetricsRegistry) -> MessageChooser:
    """One chooser from the ``task.chooser.class`` factory (called once per priority tier, as Samza does)."""
    name = TaskConfig(config).chooser_class
    factory = resolve_class(name)()
    get_chooser = getattr(factory, "get_chooser", None)
    if get_chooser is None:
        raise ConfigException("task.chooser.class", f"{name!r} has no get_chooser(config) method")
    takes_registry = len(inspect.signature(get_chooser).parameters) >= 2
    chooser = get_chooser(config, registry) if takes_registry else get_chooser(config)
    missing = [m for m in _CHOOSER_METHODS if not callable(getattr(chooser, m, None))]
    if missing:
        raise ConfigException(
            "task.chooser.class", f"the chooser {name!r} made has no {', '.join(missing)} method(s)")
    return chooser  # type: ignore[no-any-return]


def bootstrap_targets(
    ssps: set[SystemStreamPartition],
    streams: StreamConfig,
    metadata: Mapping[SystemStreamPartition, SystemStreamPartitionMetadata],
    starts: Mapping[SystemStreamPartition, str],
) -> tuple[set[SystemStreamPartition], dict[SystemStreamPartition, int]]:
    """The bootstrap SSPs, and the newest offset each still has to reach (those already there are left out)."""
    bootstrap = {ssp for ssp in ssps if streams.is_bootstrap(ssp.system_stream)}
    targets: dict[SystemStreamPartition, int] = {}
    for ssp in bootstrap:
        meta = metadata.get(ssp)
        newest = meta.newest_offset if meta is not None else None
        start = starts.get(ssp)
        if newest is None or start is None or int(start) > int(newest):
            continue  # empty, or the start is already past its newest message
        targets[ssp] = int(newest)
    return bootstrap, targets


def build_chooser(
    config: Config,
    tasks: Mapping[str, frozenset[SystemStreamPartition]],
    metadata: Mapping[SystemStreamPartition, SystemStreamPartitionMetadata],
    starts: Mapping[SystemStreamPartition, str],
    registry: MetricsRegistry,
) -> tuple[MessageChooser, BootstrappingChooser | None]:
    """The container's chooser, and its bootstrapping layer when some bootstrap SSP lags."""
    streams = StreamConfig(config)
    ssps = {ssp for owned in tasks.values() for ssp in owned}
    bootstrap, targets = bootstrap_targets(ssps, streams, metadata, starts)
    priorities: dict[SystemStreamPartition, int] = {}
    for ssp in ssps:
        if streams.property_key(ssp.system_stream, "priority") is not None:
            priorities[ssp] = streams.priority(ssp.system_stream)
    if bootstrap:
        # Bootstrap streams stay above every other stream (Samza's DefaultChooser).
        top = max([DEFAULT_PRIORITY, *priorities.values()]) + 1
        priorities.update({ssp: top for ssp in bootstrap})
    if not priorities:
        chooser = factory_chooser(config, registry)
    else:
        levels = sorted({DEFAULT_PRIORITY, *priorities.values()}, reverse=True)
        tiers = [(level, factory_chooser(config, registry)) for level in levels]
        chooser = TieredPriorityChooser(tiers, priorities, DEFAULT_PRIORITY)
    if not targets:
        return chooser, None
    bootstrapping = BootstrappingChooser(chooser, targets, tasks, bootstrap, registry)
    return bootstrapping, bootstrapping
