"""run-job: load and validate a job's config, then run, kill or query it.

    run-job --config-path job.properties [--config-path more.yaml] [--config key=value] [--operation run]
    run-job --config-path job.properties --dry-run    # print the job model and streams; start nothing

Exit status: 0 ok, 2 invalid config (every problem listed, nothing started), 1 runtime failure.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from samza_py.application.config_generator import with_application_config
from samza_py.config.aliases import resolve_class
from samza_py.config.config import Config
from samza_py.config.errors import ConfigException
from samza_py.config.job_config import JobConfig
from samza_py.config.loader import load_config
from samza_py.config.reference import keys_not_acted_on
from samza_py.config.validation import validate
from samza_py.config.zk_config import ZkConfig
from samza_py.coordinator.stream import CoordinatorStream
from samza_py.job.dry_run import dry_run
from samza_py.job.input_check import warn_missing_inputs
from samza_py.job.stream_job import ApplicationStatus

log = logging.getLogger("samza_py.run_job")

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run-job", description="Run, kill or query a samza-py job.")
    parser.add_argument("--config-path", action="append", required=True, metavar="PATH",
                        help="a .properties or .yaml config file (or file:// URL); repeat to merge, later wins")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config key; repeatable")
    parser.add_argument("--operation", choices=("run", "kill", "status"), default="run")
    parser.add_argument("--config-factory", help="accepted for Samza compatibility; the file type decides")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the job model and the streams a run would create or use; submit nothing")
    args = parser.parse_args(argv)
    if args.dry_run and args.operation != "run":
        parser.error(f"--dry-run applies to --operation run, not {args.operation}")
    return args


def load_valid_config(args: argparse.Namespace, prog: str = "run-job") -> Config | None:
    try:
        config = load_config(args.config_path, args.config)
    except (OSError, ValueError, ConfigException) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return None
    not_described: ConfigException | None = None
    try:
        # A high-level application's descriptors generate config under the job's own (app.class).
        config = with_application_config(config)
    except ConfigException as exc:
        not_described = exc
    problems = validate(config)
    if not_described is not None and not any(p.key == not_described.key for p in problems):
        problems.insert(0, not_described)
    if problems:
        print(f"{prog}: invalid configuration, {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return None
    for key in keys_not_acted_on(config):
        log.warning("%s is not acted on yet by samza-py: the job runs as if it were not set", key)
    return config


def run(config: Config) -> int:
    from samza_py.application.intermediate import create_intermediate_streams
    from samza_py.container.gc_policy import tune_for_streaming
    from samza_py.job.local import ThreadJob

    create_intermediate_streams(config)  # partition_by's streams, before the job model needs their partitions
    warn_missing_inputs(config)
    if JobConfig(config).coordinator_system is not None:
        stream = CoordinatorStream(config)
        stream.create()
        stream.write_config(config)
        log.info("wrote the config to %s", stream.topic)
    job = resolve_class(JobConfig(config).factory_class)().get_job(config)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping the job", signal.Signals(signum).name)
        job.kill()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if isinstance(job, ThreadJob):  # its containers run in this process from here on
        tune_for_streaming()
    job.submit()
    if job.detached:
        return EXIT_OK  # a cluster runs it now (YARN); --operation status|kill find it there
    status = job.wait_for_finish()
    if status is ApplicationStatus.SUCCESSFUL_FINISH:
        log.info("job finished")
        return EXIT_OK
    log.error("job failed: %s", job.diagnostics or status.value)
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=os.environ.get("SAMZA_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s [run-job] %(name)s: %(message)s")
    # A job's task class lives with the job, found from where run-job is started.
    sys.path.insert(0, os.getcwd())
    config = load_valid_config(args)
    if config is None:
        return EXIT_INVALID
    if config.get_str("job.factory.class") is None and ZkConfig(config).standalone:
        print("run-job: job.factory.class: not set, and job.coordinator.factory names the ZooKeeper coordinator: "
              "start this job's processors with run-app", file=sys.stderr)
        return EXIT_INVALID
    try:
        if args.operation == "run":
            return dry_run(config) if args.dry_run else run(config)
        factory = resolve_class(JobConfig(config).factory_class)()
        return int(factory.status(config) if args.operation == "status" else factory.kill(config))
    except Exception:
        log.exception("run-job %s failed", args.operation)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
