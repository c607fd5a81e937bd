"""Code shipping: bin/package builds a venv-pack'ed environment with samza-py and a job's code, and with
``yarn.package.path`` pointing at it the AM and the containers run that environment's Python, not the
submitter's. The package goes to the grid's HDFS (its default file system), as it would on a cluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import skein

from samza_py.job.package import hadoop_fs

from .conftest import ROOT
from .hdfs import grid_fs
from .jobs import count_messages, create_topic, produce_round_robin, read_topic, run_job, wait_for
from .test_yarn_job import am_log, wait_for_state

pytestmark = pytest.mark.yarn_core

WHERE_TASK = '''
import os
import sys

from samza_py.api import InitableTask, OutgoingMessageEnvelope, StreamTask, SystemStream


class WhereTask(StreamTask, InitableTask):
    """Tells which Python runs it and where its own module was loaded from."""

    def init(self, context):
        self.output = SystemStream.parse(context.config.get("where.output"))

    def process(self, envelope, collector, coordinator):
        collector.send(OutgoingMessageEnvelope(self.output, message={
            "n": envelope.message["n"], "executable": sys.executable, "module": __file__, "cwd": os.getcwd()}))
'''

JOB_PROPERTIES = """
job.factory.class=org.apache.samza.job.yarn.YarnJobFactory
job.container.count=1
job.default.system=kafka
task.class=where_task.WhereTask
task.commit.ms=1000
serializers.registry.json.class=samza_py.serializers.builtin.JsonSerdeFactory
systems.kafka.samza.factory=samza_py.system.kafka.factory.KafkaSystemFactory
systems.kafka.samza.msg.serde=json
systems.kafka.samza.offset.default=oldest
systems.kafka.producer.bootstrap.servers=127.0.0.1:9092
systems.kafka.default.stream.replication.factor=1
yarn.am.container.memory.mb=512
cluster-manager.container.memory.mb=384
yarn.am.poll.interval.ms=500
"""


def package_dir_url(unique: str) -> str:
    return f"{os.environ.get('SAMZA_TEST_PACKAGE_ROOT') or grid_fs() + '/apps'}/{unique}"


@pytest.fixture
def job_dir(tmp_path: Path) -> Path:
    job = tmp_path / "job"
    job.mkdir()
    (job / "where_task.py").write_text(WHERE_TASK)
    return job


def test_a_packaged_job_runs_its_own_python_on_yarn(job_dir: Path, unique: str, tmp_path: Path) -> None:
    url = f"{package_dir_url(unique)}/job.tar.gz"
    built = subprocess.run([str(ROOT / "bin" / "package"), str(job_dir), url], capture_output=True, text=True,
                           timeout=900, env=dict(os.environ))
    assert built.returncode == 0, built.stderr[-3000:]
    assert f"set yarn.package.path={url}" in built.stdout
    create_topic(f"{unique}-in", 2)
    produce_round_robin(f"{unique}-in", 2, (json.dumps({"n": n}).encode() for n in range(10)))
    config = tmp_path / "where.properties"
    config.write_text(JOB_PROPERTIES)
    overrides = [f"job.name=pkg-{unique}", f"task.inputs=kafka.{unique}-in", f"where.output=kafka.{unique}-out",
                 f"yarn.package.path={url}"]
    app_id = None
    with skein.Client(log=False) as client:
        try:
            # run-job checks task.class where it runs: the job's directory. The containers import it from the
            # package only (their PYTHONPATH does not name this directory).
            submitted = run_job(config, *overrides, cwd=job_dir, timeout_s=180)
            assert submitted.returncode == 0, submitted.stderr[-3000:]
            app_id = wait_for_state(client, f"pkg-{unique}_1", {"RUNNING"}).id
            wait_for(lambda: count_messages(f"{unique}-out") >= 10, 240, "every message through the packaged job")
            records: list[dict[str, Any]] = [json.loads(m.value()) for m in read_topic(f"{unique}-out")]
            assert sorted(r["n"] for r in records) == list(range(10))
            for record in records:
                package = os.path.join(record["cwd"], "__package")
                assert record["executable"] == os.path.join(package, "bin", "python") != sys.executable
                assert record["module"] == os.path.join(package, "samza-job", "where_task.py")
                # The localized archive lives in the NodeManager's file cache, not in this checkout.
                assert "/filecache/" in os.path.realpath(record["module"])
            wait_for(lambda: "/__package/bin/python (prefix" in am_log(app_id), 60, "the AM's Python in its log")
        finally:
            if app_id is not None:
                client.kill_application(app_id)
            hadoop_fs("-rm", "-r", "-f", package_dir_url(unique))
