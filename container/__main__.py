"""The container program: ``python -m samza_py.container``.

Learns its processor id from ``SAMZA_CONTAINER_ID`` and the JobModel from ``SAMZA_JOB_MODEL_URL``
(``file://`` or ``http://``), runs its ContainerModel, and exits 0 on a clean stop, 1 on failure.
SIGTERM and SIGINT are graceful stops.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import urllib.request
from types import FrameType

from samza_py.config.config import Config
from samza_py.container.gc_policy import tune_for_streaming
from samza_py.container.liveness import publish_liveness
from samza_py.container.promotion import watch_for_promotion
from samza_py.container.samza_container import SamzaContainer
from samza_py.container.standby_container import StandbyContainer
from samza_py.coordinator.stream import CoordinatorStream
from samza_py.job.locality import ContainerLocality, container_host
from samza_py.job.model import JobModel
from samza_py.job.standby import is_standby
from samza_py.job.status_summary import METRICS_URL_KEY

log = logging.getLogger("samza_py.container")


def read_job_model(url: str) -> JobModel:
    """From ``file://<path>``, ``http(s)://…``, or ``skein-kv:<key>`` (the AM's key-value store on YARN)."""
    if url.startswith("skein-kv:"):
        import skein

        return JobModel.from_json(skein.ApplicationClient.from_current().kv.wait(url[len("skein-kv:"):]))
    if url.startswith("file://"):
        with open(url[len("file://"):], "rb") as f:
            return JobModel.from_json(f.read())
    with urllib.request.urlopen(url, timeout=30) as response:
        return JobModel.from_json(response.read())


def publish_metrics_url(url: str) -> None:
    """On YARN, tell the AM where this container serves its metrics (it records it with the locality)."""
    skein_id = os.environ.get("SKEIN_CONTAINER_ID")
    if skein_id is None:
        return  # a local job: the reporter logs its URL
    import skein

    skein.ApplicationClient.from_current().kv[f"{METRICS_URL_KEY}{skein_id}"] = url.encode()


def configure_logging(processor_id: str) -> None:
    logging.basicConfig(
        level=os.environ.get("SAMZA_LOG_LEVEL", "INFO"),
        format=f"%(asctime)s %(levelname)s [container {processor_id}] %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main() -> int:
    processor_id = os.environ.get("SAMZA_CONTAINER_ID")
    url = os.environ.get("SAMZA_JOB_MODEL_URL")
    configure_logging(processor_id or "?")
    log.info("Python %s (prefix %s)", sys.executable, sys.prefix)  # on YARN: the job package's, if one is shipped
    if processor_id is None or url is None:
        log.error("SAMZA_CONTAINER_ID and SAMZA_JOB_MODEL_URL must be set")
        return 2
    # The job's own modules (task.class) are found relative to where the job was started.
    sys.path.insert(0, os.getcwd())
    job_model = read_job_model(url)
    model = job_model.containers.get(processor_id)
    if model is None:
        log.error("the job model has no container %r (it has %s)", processor_id, sorted(job_model.containers))
        return 2
    config = Config(job_model.config)
    on_metrics_url = publish_metrics_url
    locality: ContainerLocality | None = None
    if os.environ.get("SKEIN_CONTAINER_ID"):
        # On YARN the container records the node it runs on (host affinity's input, the status page's host),
        # and again with its metrics endpoint once a reporter serves one.
        locality = ContainerLocality(CoordinatorStream(config), processor_id, container_host())
        locality.record()
        log.info("container %s runs on %s", processor_id, locality.host)

        def on_metrics_url(url: str) -> None:
            publish_metrics_url(url)
            if locality is not None:
                locality.record(url)

    # Held open to the end of the process: its closing tells the AM that this process is gone.
    liveness = publish_liveness(container_host()) if os.environ.get("SKEIN_CONTAINER_ID") else None
    log.debug("liveness socket: %s", liveness.address if liveness is not None else "none (not on YARN)")
    running: list[SamzaContainer | StandbyContainer] = []
    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping gracefully", signal.Signals(signum).name)
        stopping.set()
        for each in running:
            each.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if is_standby(model):
            standby = StandbyContainer(config, model, on_metrics_url=on_metrics_url)
            running.append(standby)
            watch_for_promotion(standby.promote)
            standby.run()
            if standby.promoted_to is None or stopping.is_set():
                return 0
            processor_id = standby.promoted_to
            model = job_model.containers[processor_id]
            if locality is not None:  # host affinity now follows the active container here
                locality = ContainerLocality(locality.stream, processor_id, locality.host)
                locality.record()
        container = SamzaContainer(config, model, on_metrics_url=on_metrics_url)
        tune_for_streaming()  # this process runs this one container from here on
        running.append(container)
        if stopping.is_set():  # a signal between the two
            container.request_stop()
        container.run()
    except Exception:
        log.exception("container %s failed", processor_id)
        return 1
    finally:
        if liveness is not None:
            liveness.goodbye()
    return 0


if __name__ == "__main__":
    sys.exit(main())
