"""Before a run: name every input stream that does not exist yet, so a misspelled topic is easy to spot.

Only a warning: as with Java Samza, a broker with ``auto.create.topics.enable=true`` creates a missing topic
(with its default partition count) as soon as a client asks for it, and a job may be started before the job
that writes its input. The check itself asks with auto-creation off, so it never creates anything.
"""

from __future__ import annotations

import logging

from samza_py.api import SystemStream
from samza_py.config.config import Config
from samza_py.config.task_config import TaskConfig
from samza_py.job.dry_run import dry_run_admins, existing_partitions

log = logging.getLogger(__name__)


def missing_inputs(config: Config) -> list[SystemStream]:
    """The job's input streams that do not exist yet, sorted."""
    admins = dry_run_admins(config)
    for admin in admins.values():
        admin.start()
    try:
        return [s for s in TaskConfig(config).input_streams if existing_partitions(admins, s.system, s.stream) is None]
    finally:
        for admin in admins.values():
            admin.stop()


def warn_missing_inputs(config: Config) -> list[SystemStream]:
    missing = missing_inputs(config)
    for stream in missing:
        log.warning("input stream %s.%s does not exist yet: the broker may create it when it is first used "
                    "(with its default partition count); check task.inputs if that name is not expected",
                    stream.system, stream.stream)
    return missing
