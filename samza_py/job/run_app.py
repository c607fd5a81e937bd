"""run-app: one standalone processor of a job, in the foreground (Samza's run-app.sh).

    run-app --config-path job.properties [--config key=value]            # run until Ctrl-C / SIGTERM
    run-app --config-path job.properties --operation status              # the group, as ZooKeeper holds it

Processors started with the same job config find each other through ZooKeeper
(``job.coordinator.factory=org.apache.samza.zk.ZkJobCoordinatorFactory``, ``job.coordinator.zk.connect``),
elect a leader and share the job's tasks. Exit status: 0 ok, 2 invalid config, 1 runtime failure.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from samza_py.config.config import Config
from samza_py.config.zk_config import COORDINATOR_FACTORY_KEY, ZK_JOB_COORDINATOR_FACTORY, ZkConfig
from samza_py.job.run_job import EXIT_FAILED, EXIT_INVALID, EXIT_OK, load_valid_config

log = logging.getLogger("samza_py.run_app")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run-app", description="Run one standalone processor of a samza-py job.")
    parser.add_argument("--config-path", action="append", required=True, metavar="PATH",
                        help="a .properties or .yaml config file (or file:// URL); repeat to merge, later wins")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key; repeatable")
    parser.add_argument("--operation", choices=("run", "status"), default="run")
    parser.add_argument("--config-factory", help="accepted for Samza compatibility; the file type decides")
    return parser.parse_args(argv)


def run(config: Config) -> int:
    from samza_py.application.intermediate import create_intermediate_streams
    from samza_py.container.gc_policy import tune_for_streaming
    from samza_py.coordinator.zk.coordinator import ZkJobCoordinator
    from samza_py.coordinator.zk.processor_id import processor_id_for
    from samza_py.job.input_check import warn_missing_inputs

    processor_id = processor_id_for(config)
    create_intermediate_streams(config)  # every processor tries; a stream that exists is kept
    warn_missing_inputs(config)
    coordinator = ZkJobCoordinator(config, processor_id)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping processor %s", signal.Signals(signum).name, processor_id)
        coordinator.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("processor %s of job %s joins through ZooKeeper at %s", processor_id, config.get_str("job.name"),
             ZkConfig(config).connect)
    tune_for_streaming()  # this process runs the processor's containers from here on
    coordinator.run()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=os.environ.get("SAMZA_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s [run-app] %(name)s: %(message)s")
    sys.path.insert(0, os.getcwd())  # the job's task class lives with the job
    config = load_valid_config(args, prog="run-app")
    if config is None:
        return EXIT_INVALID
    if not ZkConfig(config).standalone:
        print(f"run-app: {COORDINATOR_FACTORY_KEY}: must be {ZK_JOB_COORDINATOR_FACTORY} "
              "(run-job runs jobs on YARN or locally)", file=sys.stderr)
        return EXIT_INVALID
    try:
        if args.operation == "status":
            from samza_py.coordinator.zk.status import print_status

            return print_status(config, sys.stdout)
        return run(config)
    except Exception as exc:
        from samza_py.coordinator.zk.coordinator import ZkConnectError
        from samza_py.coordinator.zk.membership import DuplicateProcessorIdError

        if isinstance(exc, ZkConnectError | DuplicateProcessorIdError):
            print(f"run-app: {exc}", file=sys.stderr)
        else:
            log.exception("run-app %s failed", args.operation)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
