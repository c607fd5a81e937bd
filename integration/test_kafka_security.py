"""Jobs against the grid's secure broker (deploy/grid start kafka-secure): SASL_SSL with SCRAM-SHA-512 as the
only client listener, ACLs enforced. The jobs get the Java client's settings (sasl.jaas.config, a PEM
truststore) and samza-py translates them for every client it opens.

1. The wikipedia parser and the stateful user-counts job end to end, as a user with ACLs on exactly the
   job's topics: outputs, checkpoints, metrics snapshots, and a restart that restores from the changelog.
2. A user without ACLs on the output topic: the job fails naming the topic and the authorization failure;
   once the ACL is granted, a rerun produces every output.
3. A wrong password: a clear authentication error within seconds.
4. No secret in any log, the dry-run output, the outputs, the metrics stream or the coordinator stream.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AclOperation

from samza_py.examples.wikipedia.parser import parse_edit
from samza_py.job.status_summary import STATUS_URL_KEY
from tests.wikipedia_data import parsable_count, wikipedia_events

from .conftest import ROOT, run_grid
from .jobs import RUN_JOB, V1, checkpointed_offsets, run_job, wait_for
from .secure_kafka import SecureKafka, SecureUser, secure_user
from .test_yarn_job import USERLOGS, YARN, wait_for_state

PARSER_CONFIG = ROOT / "config" / "wikipedia-parser.properties"
COUNTS_CONFIG = ROOT / "config" / "wikipedia-user-counts.properties"
PARTITIONS = 4
INPUT_OPS = [AclOperation.READ, AclOperation.DESCRIBE]


@pytest.fixture(scope="module")
def kafka() -> Iterator[SecureKafka]:
    run_grid("start", "kafka-secure")  # installs it first if it never ran
    yield SecureKafka()


def job_topics(job: str, *streams: str) -> list[str]:
    """The topics a job writes besides its outputs: checkpoints and coordinator stream."""
    return [*streams, f"__samza_checkpoint_ver_1_for_{job}_1", f"__samza_coordinator_{job}_1"]


def secure_overrides(user: SecureUser, unique: str, job: str, password: str | None = None,
                     **extra: str) -> list[str]:
    values = {
        "job.name": job,
        "task.inputs": f"kafka.{unique}-raw",
        f"systems.kafka.streams.{unique}-raw.samza.bounded": "true",
        "task.commit.ms": "300",
        "metrics.reporters": "snapshot",
        "metrics.reporter.snapshot.class": "org.apache.samza.metrics.reporter.MetricsSnapshotReporterFactory",
        "serializers.registry.metrics.class": "org.apache.samza.serializers.MetricsSnapshotSerdeFactory",
        "metrics.reporter.snapshot.stream": f"kafka.{unique}-metrics",
        f"systems.kafka.streams.{unique}-metrics.samza.msg.serde": "metrics",
        "metrics.reporter.snapshot.interval": "1",
        # Only the secure broker: its SASL_SSL listener and this user's credentials.
        **user.system_overrides(password=password),
        **extra,
    }
    return [f"{k}={v}" for k, v in values.items()]


def parser_overrides(user: SecureUser, unique: str, password: str | None = None) -> list[str]:
    return secure_overrides(user, unique, f"parser-{unique}", password,
                            **{"wikipedia.parser.output": f"kafka.{unique}-edits", "job.container.count": "2"})


def produce_raw(kafka: SecureKafka, unique: str, copies: int = 1) -> list[dict]:
    events = [dict(e, source=f"copy-{c}") for c in range(copies) for e in wikipedia_events()]
    kafka.create_topic(f"{unique}-raw", PARTITIONS)
    kafka.produce(f"{unique}-raw", PARTITIONS, (json.dumps(e).encode() for e in events))
    return events


def expected_edits(events: list[dict]) -> Counter[tuple[str, str]]:
    return Counter((e["source"], p["diff-url"]) for e in events if (p := parse_edit(e["raw"])) is not None)


def edits(kafka: SecureKafka, unique: str) -> Counter[tuple[str, str]]:
    return Counter((e["source"], e["diff-url"]) for m in kafka.read_topic(f"{unique}-edits")
                   if (e := json.loads(m.value())))


def last_checkpoints(kafka: SecureKafka, job: str, unique: str) -> dict[int, int]:
    """Input partition → its latest checkpointed offset (v1 records; changelog entries left out)."""
    latest: dict[int, int] = {}
    for msg in kafka.read_topic(f"__samza_checkpoint_ver_1_for_{job}_1"):
        if json.loads(msg.key())["type"] == V1 and msg.value() is not None:
            latest.update({p: int(o) for (stream, p), o in checkpointed_offsets(msg.value(), V1).items()
                           if stream == f"{unique}-raw"})
    return latest


def all_text(result: subprocess.CompletedProcess[str], cwd: Path) -> str:
    """What a run showed: its output and every log or other file it left under its working directory but
    the job model the containers read their config from (which must hold the secret: it is the owner's
    only)."""
    texts = [result.stdout, result.stderr]
    for path in cwd.rglob("*"):
        if path.name == "job-model.json":
            assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
        elif path.is_file() and "state" not in path.relative_to(cwd).parts[0]:
            texts.append(path.read_text(errors="replace"))
    return "\n".join(texts)


def assert_no_secret(secret: str, **places: str | bytes) -> None:
    for where, text in places.items():
        data = text.encode() if isinstance(text, str) else text
        assert secret.encode() not in data, f"the password appears in {where}"


def test_parser_runs_on_sasl_ssl_only_and_shows_no_secret(kafka: SecureKafka, unique: str, tmp_path: Path) -> None:
    job, user = f"parser-{unique}", secure_user("job")
    events = produce_raw(kafka, unique)
    kafka.grant("job", [f"{unique}-raw"], INPUT_OPS)
    kafka.grant("job", job_topics(job, f"{unique}-edits", f"{unique}-metrics"), [AclOperation.ALL])
    kafka.grant_groups("job")

    dry = subprocess.run([str(RUN_JOB), "--config-path", str(PARSER_CONFIG), "--dry-run",
                          *(a for o in parser_overrides(user, unique) for a in ("--config", o))],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr[-4000:]
    assert f"kafka.{unique}-raw" in dry.stdout, dry.stdout  # it read the input's partitions from the secure broker

    result = run_job(PARSER_CONFIG, *parser_overrides(user, unique), cwd=tmp_path, timeout_s=240)
    assert result.returncode == 0, result.stderr[-4000:]
    assert edits(kafka, unique) == expected_edits(events)
    assert last_checkpoints(kafka, job, unique) == {p: len(events) // PARTITIONS - 1 for p in range(PARTITIONS)}
    metrics = kafka.read_topic(f"{unique}-metrics")
    assert metrics, "no metrics snapshot reached the metrics stream"
    assert {json.loads(m.value())["header"]["job-name"] for m in metrics} == {job}

    coordinator = kafka.read_topic(f"__samza_coordinator_{job}_1")
    jaas = [json.loads(m.value())["values"]["value"] for m in coordinator
            if json.loads(m.key())[2] == "systems.kafka.consumer.sasl.jaas.config"]
    assert jaas == ["[redacted]"], "the coordinator stream holds the JAAS config"
    assert_no_secret(user.password, logs=all_text(result, tmp_path), dry_run=dry.stdout + dry.stderr,
                     coordinator_stream=b"\n".join((m.key() or b"") + (m.value() or b"") for m in coordinator),
                     outputs=b"\n".join(m.value() for m in kafka.read_topic(f"{unique}-edits")),
                     metrics_stream=b"\n".join(m.value() for m in metrics))


RESTORED = re.compile(r"restored store 'user-edit-counts' .*?: (\d+) records")


def user_counts(kafka: SecureKafka, unique: str) -> dict[tuple[int, str], int]:
    """The latest count per (changelog partition, user): the stores' contents."""
    latest: dict[tuple[int, str], int] = {}
    for msg in kafka.read_topic(f"{unique}-changelog"):
        latest[(msg.partition(), msg.key().decode())] = int.from_bytes(msg.value(), "big", signed=True)
    return latest


def true_counts(events: list[dict]) -> dict[tuple[int, str], int]:
    return dict(Counter((j % PARTITIONS, p["user"]) for j, e in enumerate(events)
                        if (p := parse_edit(e["raw"])) is not None))


def test_stateful_job_restores_its_store_over_sasl_ssl(kafka: SecureKafka, unique: str, tmp_path: Path) -> None:
    job, user = f"counts-{unique}", secure_user("job")
    first = produce_raw(kafka, unique)
    kafka.grant("job", [f"{unique}-raw"], INPUT_OPS)
    kafka.grant("job", job_topics(job, f"{unique}-counts", f"{unique}-changelog", f"{unique}-metrics"),
                [AclOperation.ALL])
    kafka.grant_groups("job")

    def run(state: str) -> str:
        settings = secure_overrides(user, unique, job, **{
            "wikipedia.user-counts.output": f"kafka.{unique}-counts",
            "stores.user-edit-counts.changelog": f"kafka.{unique}-changelog",
            # A fresh state directory per run: the second run has only the changelog to restore from.
            "job.logged.store.base.dir": str(tmp_path / state),
        })
        result = run_job(COUNTS_CONFIG, *settings, cwd=tmp_path, timeout_s=240)
        assert result.returncode == 0, result.stderr[-4000:]
        assert_no_secret(user.password, logs=all_text(result, tmp_path))
        return result.stdout + result.stderr

    run("state-1")
    assert user_counts(kafka, unique) == true_counts(first)

    second = [dict(e, source="copy-1") for e in wikipedia_events()]
    kafka.produce(f"{unique}-raw", PARTITIONS, (json.dumps(e).encode() for e in second))
    log = run("state-2")
    restored = [int(n) for n in RESTORED.findall(log)]
    assert len(restored) == PARTITIONS and sum(restored) > 0, restored
    # Counted on from the restored state: every user's count covers both runs' input.
    assert user_counts(kafka, unique) == true_counts(first + second)
    assert last_checkpoints(kafka, job, unique) == {p: 2 * len(first) // PARTITIONS - 1 for p in range(PARTITIONS)}
    assert kafka.read_topic(f"{unique}-metrics"), "no metrics snapshot reached the metrics stream"


def test_output_without_acl_fails_naming_the_topic_then_resumes_when_granted(
    kafka: SecureKafka, unique: str, tmp_path: Path
) -> None:
    job, user = f"parser-{unique}", secure_user("other")
    events = produce_raw(kafka, unique)
    kafka.grant("other", [f"{unique}-raw"], INPUT_OPS)
    kafka.grant("other", job_topics(job, f"{unique}-metrics"), [AclOperation.ALL])  # not the output
    kafka.grant_groups("other")
    try:
        denied = run_job(PARSER_CONFIG, *parser_overrides(user, unique), cwd=tmp_path, timeout_s=240)
        assert denied.returncode != 0
        output = denied.stdout + denied.stderr
        assert re.search(rf"{unique}-edits\S* failed: .*(TOPIC_AUTHORIZATION_FAILED|not authorized)", output), \
            output[-4000:]
        assert not edits(kafka, unique)

        kafka.grant("other", [f"{unique}-edits"], [AclOperation.ALL])
        resumed = run_job(PARSER_CONFIG, *parser_overrides(user, unique), cwd=tmp_path, timeout_s=240)
        assert resumed.returncode == 0, resumed.stderr[-4000:]
        # Nothing was lost: every parsable line's edit is there, once (none was written before the grant).
        assert edits(kafka, unique) == expected_edits(events)
        assert sum(expected_edits(events).values()) == parsable_count(events)
        assert_no_secret(user.password, logs=all_text(resumed, tmp_path))
    finally:
        kafka.revoke_all("other")


@pytest.mark.parametrize("wrong_in", ["consumer", "producer"])
def test_wrong_password_is_a_clear_authentication_error_within_seconds(
    kafka: SecureKafka, unique: str, tmp_path: Path, wrong_in: str
) -> None:
    user = secure_user("job")
    kafka.create_topic(f"{unique}-raw", 1)
    kafka.grant("job", [f"{unique}-raw"], INPUT_OPS)
    kafka.grant("job", job_topics(f"parser-{unique}"), [AclOperation.ALL])
    wrong = "not-" + user.password
    overrides = parser_overrides(user, unique)
    # Both clients' settings wrong, or only the producer's (the admins, built from the consumer's, log in).
    overrides += [o for o in parser_overrides(user, unique, password=wrong)
                  if o.startswith(f"systems.kafka.{wrong_in}.sasl.jaas.config=")]
    started = time.monotonic()
    result = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120)
    took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert took < 15, f"the authentication error took {took:.1f}s"
    assert f"authentication to {user.bootstrap} failed" in output, output[-4000:]
    assert f"systems.kafka.{wrong_in}.sasl.jaas.config" in output
    assert_no_secret(wrong, logs=all_text(result, tmp_path))


def test_yarn_job_on_sasl_ssl_shows_no_secret_in_logs_status_or_coordinator_stream(
    kafka: SecureKafka, skein_client: Any, unique: str, tmp_path: Path
) -> None:
    job, user = f"parser-{unique}", secure_user("job")
    events = produce_raw(kafka, unique)
    kafka.grant("job", [f"{unique}-raw"], INPUT_OPS)
    kafka.grant("job", job_topics(job, f"{unique}-edits", f"{unique}-metrics"), [AclOperation.ALL])
    kafka.grant_groups("job")
    overrides = [*parser_overrides(user, unique), f"job.factory.class={YARN}", "yarn.am.container.memory.mb=512",
                 "cluster-manager.container.memory.mb=384", "yarn.am.poll.interval.ms=500",
                 f"systems.kafka.streams.{unique}-raw.samza.bounded=false"]
    submitted = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, timeout_s=120)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    report = wait_for_state(skein_client, f"{job}_1", {"RUNNING"})
    try:
        expected = expected_edits(events)
        wait_for(lambda: sum(edits(kafka, unique).values()) >= sum(expected.values()), 180, "every edit")
        assert edits(kafka, unique) == expected
        app = skein_client.connect(report.id, wait=False)
        wait_for(lambda: app.kv.get(STATUS_URL_KEY) is not None, 60, "the AM's status server")
        url = app.kv.get(STATUS_URL_KEY).decode().rstrip("/") + "/api/status"
        with urllib.request.urlopen(url, timeout=10) as response:
            status_json = response.read()
        status = run_job(PARSER_CONFIG, *overrides, cwd=tmp_path, operation="status", timeout_s=120)
        assert f"{report.id} RUNNING" in status.stdout, status.stdout + status.stderr
    finally:
        skein_client.kill_application(report.id)
    wait_for_state(skein_client, f"{job}_1", {"KILLED", "FINISHED", "FAILED"})
    yarn_logs = [p.read_text(errors="replace") for p in USERLOGS.glob(f"{report.id}/*/*") if p.is_file()]
    assert any("samza-container" in text or "container 0" in text for text in yarn_logs), "no container log"
    coordinator = kafka.read_topic(f"__samza_coordinator_{job}_1")
    assert_no_secret(user.password, run_job=all_text(submitted, tmp_path), status=status.stdout + status.stderr,
                     status_json=status_json, yarn_logs="\n".join(yarn_logs),
                     coordinator_stream=b"\n".join((m.key() or b"") + (m.value() or b"") for m in coordinator),
                     metrics_stream=b"\n".join(m.value() for m in kafka.read_topic(f"{unique}-metrics")))
