"""Every config key samza-py reads, with its default and meaning; README.md's table is rendered from this.

Placeholders: ``<s>`` a system, ``<stream>`` a stream (or, under ``streams.``, a stream id), ``<store>`` a
store, ``<name>`` a serde or metrics reporter. A default of ``—`` means unset (the feature is off or the
value is taken from elsewhere, as the meaning says); ``required`` means validation rejects a config
without it (where it applies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from samza_py.config.job_config import DEFAULT_SSP_GROUPER_FACTORY, DEFAULT_TASK_NAME_GROUPER_FACTORY
from samza_py.config.task_config import DEFAULT_CHOOSER_CLASS
from samza_py.config.zk_config import (
    DEFAULT_CONNECTION_TIMEOUT_MS,
    DEFAULT_CONSENSUS_TIMEOUT_MS,
    DEFAULT_DEBOUNCE_MS,
    DEFAULT_SESSION_TIMEOUT_MS,
    UUID_GENERATOR,
)

NONE = "—"
REQUIRED = "required"


NOT_YET = "**Not yet** (accepted, not acted on; setting it warns):"


class ConfigKey(NamedTuple):
    key: str
    default: str
    meaning: str
    acted_on: bool = True


def _k(key: str, default: str, meaning: str) -> ConfigKey:
    return ConfigKey(key, default, meaning)


def _not_yet(key: str, default: str, meaning: str) -> ConfigKey:
    """A Samza key samza-py accepts but does not act on yet: the table says so and run-job warns."""
    return ConfigKey(key, default, f"{NOT_YET} {meaning}", acted_on=False)


_SS = "systems.<s>.streams.<stream>.samza."

REFERENCE: list[ConfigKey] = [
    # ------------------------------------------------------------------------------------------ job
    _k("job.name", REQUIRED, "Job name; part of topic names and of the YARN application `<job.name>_<job.id>`"),
    _k("job.id", "1", "Job instance id; part of topic names and of the YARN application name"),
    _k("job.factory.class", REQUIRED,
       "`org.apache.samza.job.yarn.YarnJobFactory`, `…job.local.ProcessJobFactory` or `…job.local.ThreadJobFactory`"
       " (not needed by standalone processors, `run-app`)"),
    _k("job.container.count", "1", "Number of containers (processors) the tasks are spread over"),
    _k("job.container.restore.thread.pool.size", "2",
       "Threads restoring a container's stores at start: min(max(2 × tasks, this), the max size below)"),
    _k("job.container.restore.thread.pool.max.size", "64",
       "Most threads restoring a container's stores at once (1: one store after another)"),
    _k("job.default.system", NONE, "Default system for the coordinator stream, checkpoints, changelogs and stream ids"),
    _k("job.coordinator.system", "job.default.system",
       "System of the coordinator stream `__samza_coordinator_<job>_<id>`"),
    _k("job.coordinator.replication.factor", "3",
       "Replication of the coordinator topic; falls back to `systems.<s>.default.stream.replication.factor`"),
    _k("job.coordinator.kafka.*", NONE,
       "samza-py: topic settings passed to the coordinator stream's topic (e.g. `min.insync.replicas`)"),
    _k("job.coordinator.monitor-partition-change.frequency.ms", "300000",
       "How often the YARN AM checks input partition counts (a change restarts a stateless job, fails a stateful one)"),
    _k("job.changelog.system", "job.default.system", "System of a store changelog given as a bare stream name"),
    _k("job.intermediate.stream.partitions", NONE,
       "Partitions of the intermediate streams `partition_by` creates (unset: those joined with inputs get the"
       " inputs' count, others the largest count among the job's inputs and outputs)"),
    _k("job.systemstreampartition.grouper.factory", DEFAULT_SSP_GROUPER_FACTORY,
       "SSP grouper: input partitions → tasks (or `…GroupBySystemStreamPartitionFactory`)"),
    _k("task.name.grouper.factory", DEFAULT_TASK_NAME_GROUPER_FACTORY, "Task grouper: tasks → containers"),
    _k("job.host-affinity.enabled", "false", "A restarted processor asks YARN for the host it last ran on"),
    _k("job.standbytask.replication.factor", "1",
       "Copies of each task: above 1, each container `c` gets standby containers `c-0`… on other hosts that keep"
       " its stores by tailing their changelogs, and a failed `c` restarts on a standby's host (YARN, host"
       " affinity on)"),
    _k("job.logged.store.base.dir", "./state",
       "Base directory of store state; `$LOGGED_STORE_BASE_DIR/<job>-<id>` wins; on YARN, unset means the"
       " container's dir"),
    _k("job.checkpoint.validation.enabled", "true", "Fail when the checkpoint was written with another SSP grouper"),
    # ---------------------------------------------------------------------------- standalone (run-app)
    _k("job.coordinator.factory", NONE,
       "`org.apache.samza.zk.ZkJobCoordinatorFactory`: standalone processors (`run-app`) form the job through"
       " ZooKeeper"),
    _k("job.coordinator.zk.connect", REQUIRED,
       "ZooKeeper of standalone processors, `host:port[,host:port…][/chroot]` (required by the ZooKeeper coordinator)"),
    _k("job.coordinator.zk.session.timeout.ms", str(DEFAULT_SESSION_TIMEOUT_MS),
       "ZooKeeper session timeout: a processor silent this long leaves the group and its tasks move"),
    _k("job.coordinator.zk.connection.timeout.ms", str(DEFAULT_CONNECTION_TIMEOUT_MS),
       "How long a processor waits to reach ZooKeeper at start before it fails"),
    _k("job.coordinator.zk.consensus.timeout.ms", str(DEFAULT_CONSENSUS_TIMEOUT_MS),
       "How long the processors have to pass the barrier to a new job model before it is given up (TIMED_OUT)"),
    _k("job.debounce.time.ms", str(DEFAULT_DEBOUNCE_MS),
       "How long the group must stay unchanged before the leader publishes a new job model"),
    _k("processor.id", NONE,
       "This processor's id in the group (letters, digits, `._:@-`); unset = generated by the class below"),
    _k("app.processor-id-generator.class", UUID_GENERATOR,
       "Generates a processor id when `processor.id` is unset (a class with `generate_processor_id(config)`)"),
    _k("app.name", "job.name", "Application name in the ZooKeeper path `/app-<app.name>-<app.id>/…`"),
    _k("app.id", "job.id", "Application id in the ZooKeeper path"),
    # ----------------------------------------------------------------------------------------- task
    _k("app.class", NONE,
       "A `StreamApplication` or `TaskApplication` (high-level API); run-job generates `task.class`, "
       "`task.inputs`, stream, serde and store keys from it, under the job's own keys"),
    _k("task.class", REQUIRED, "The task class, as a Python path (`mypackage.tasks.UpperCaseTask`); "
       "not needed with `app.class`"),
    _k("task.inputs", NONE, "Comma list of `system.stream` inputs (split at the first dot)"),
    _k("task.broadcast.inputs", NONE, "Comma list of `system.stream#N` or `system.stream#[N-M]` every task reads"),
    _k("task.window.ms", "-1", "Interval of `window()` calls; negative disables them"),
    _k("task.commit.ms", "60000", "Interval of timer commits (checkpoints); ≤0 disables them"),
    _k("task.processing.guarantee", "at-least-once",
       "samza-py: `exactly-once` puts each commit interval's outputs, changelog writes and checkpoints into one "
       "Kafka transaction per container (needs Kafka checkpoints on the changelogs' system)"),
    _k("task.checkpoint.factory", NONE,
       "`…checkpoint.kafka.KafkaCheckpointManagerFactory` or `…checkpoint.file.FileSystemCheckpointManagerFactory`;"
       " unset = no checkpoints"),
    _k("task.checkpoint.system", "job.default.system", "System of the Kafka checkpoint topic"),
    _k("task.checkpoint.replication.factor", "3",
       "Replication of the checkpoint topic; falls back to `systems.<s>.default.stream.replication.factor`"),
    _k("task.checkpoint.kafka.*", NONE,
       "samza-py: topic settings passed to the Kafka checkpoint topic (e.g. `min.insync.replicas`)"),
    _k("task.checkpoint.path", NONE, "Directory of the file checkpoints (required by the file checkpoint factory)"),
    _k("task.checkpoint.write.versions", "1,2",
       "Checkpoint versions each Kafka commit writes, in order: `1` (Samza's v1 value) and `2` (`checkpoint-v2`)"),
    _k("task.checkpoint.read.versions", "1",
       "Checkpoint versions read at start, most preferred first (Samza 1.8 reads v1 unless told otherwise)"),
    _k("task.live.checkpoint.max.age", "600000",
       "A less preferred checkpoint version written this many ms after the preferred one is read instead"),
    _k("task.checkpoint.write.timeout.ms", "900000",
       "How long a Kafka checkpoint write is retried (backoff 1 s doubling to 10 s) before the container fails"
       " (Samza: a fixed 15 minutes)"),
    _k("task.chooser.class", DEFAULT_CHOOSER_CLASS,
       "Message chooser factory (one chooser per priority tier): Samza's round-robin, or a Python class whose"
       " `get_chooser(config)` returns a chooser (`offer`, `choose`, `choose_run`, `give_back`, `exhausted`,"
       " `empty`; see `samza_py.container.chooser.MessageChooser`)"),
    _k("task.consumer.batch.size", "1", "Messages taken in a row from one SSP by the round-robin chooser"),
    _k("task.poll.interval.ms", "50", "How often empty SSP buffers are refreshed"),
    _k("task.shutdown.ms", "30000", "Time allowed for a graceful container shutdown"),
    _k("task.drop.deserialization.errors", "false",
       "Skip (log and count) input the serde cannot read instead of failing"),
    _k("task.ignored.exceptions", NONE,
       "Comma list of exception class names `process()` may raise without failing; `*` = all"),
    _k("task.max.concurrency", "1",
       "Messages in flight per task of an async task (`AsyncStreamTask.process_async`, or `async def process`);"
       " 1 keeps each partition's order; sync tasks always process one at a time"),
    _k("task.callback.timeout.ms", "-1",
       "An async task's callback not called within this fails the container naming the message's offset;"
       " negative = no timeout"),
    _not_yet("task.transactional.state.checkpoint.enabled", "true",
             "Snapshot stores and record changelog offsets at commit; samza-py always does"),
    _not_yet("task.transactional.state.restore.enabled", "true",
             "Restore from the checkpointed snapshot and changelog offset; samza-py always does"),
    _k("task.transactional.state.retain.existing.state", "true",
       "Keep a matching local snapshot instead of a full restore"),
    # -------------------------------------------------------------------------------------- systems
    _k("systems.<s>.samza.factory", REQUIRED,
       "System factory, e.g. `org.apache.samza.system.kafka.KafkaSystemFactory`"),
    _k("systems.<s>.samza.key.serde", NONE, "Default key serde of the system's streams"),
    _k("systems.<s>.samza.msg.serde", NONE, "Default message serde of the system's streams"),
    _k("systems.<s>.samza.offset.default", "upcoming", "`oldest` or `upcoming`: where to start without a checkpoint"),
    _k("systems.<s>.default.stream.samza.key.serde", NONE, "1.x spelling of `systems.<s>.samza.key.serde` (wins)"),
    _k("systems.<s>.default.stream.samza.msg.serde", NONE, "1.x spelling of `systems.<s>.samza.msg.serde` (wins)"),
    _k("systems.<s>.default.stream.samza.offset.default", "upcoming",
       "1.x spelling of `systems.<s>.samza.offset.default` (wins)"),
    _k("systems.<s>.default.stream.replication.factor", NONE,
       "Replication of the topics samza-py creates on the system (checkpoint, coordinator, changelogs)"),
    _k("systems.<s>.samza.fetch.threshold", "50000",
       "samza-py: messages buffered per system, shared by its partitions"),
    _k("systems.<s>.samza.poll.batch.size", "1000", "samza-py: messages the Kafka consumer fetches per poll"),
    _k("systems.<s>.consumer.*", NONE,
       "Kafka consumer settings, Java client names (translated for librdkafka; Java-only keys warned about)"),
    _k("systems.<s>.consumer.fetch.queue.backoff.ms", "10",
       "samza-py: librdkafka's pause before fetching again once its local queue is full (librdkafka: 1000,"
       " which idles a busy job)"),
    _k("systems.<s>.consumer.queued.min.messages", "10000",
       "samza-py: messages librdkafka prefetches per partition (librdkafka: 100000, doubling what the"
       " container's own buffer holds)"),
    _k("systems.<s>.producer.*", NONE, "Kafka producer settings, Java client names"),
    _k("systems.<s>.producer.bootstrap.servers", NONE, "Kafka brokers (also read from `systems.<s>.consumer.*`)"),
    _k("systems.<s>.producer.buffer.memory", "33554432",
       "Bytes the producer may queue before a send waits (Java's meaning; librdkafka's"
       " `queue.buffering.max.kbytes`)"),
    _k("systems.<s>.producer.queue.buffering.max.messages", "20000",
       "samza-py: messages the producer may queue before a send waits (librdkafka: 100000, ~34 MB of memory"
       " for small messages)"),
    _k("systems.<s>.producer.max.block.ms", "60000",
       "How long a send waits for room in a full producer queue before the container fails (Java's meaning)"),
    _k(_SS + "key.serde", "systems.<s>.samza.key.serde", "Key serde of one stream"),
    _k(_SS + "msg.serde", "systems.<s>.samza.msg.serde", "Message serde of one stream"),
    _k(_SS + "offset.default", "systems.<s>.samza.offset.default", "`oldest` or `upcoming` for one stream"),
    _k(_SS + "reset.offset", "false", "Ignore the checkpoint at every start and begin at `offset.default`"),
    _k(_SS + "priority", "-1",
       "Chooser priority: a higher tier is always chosen while it has buffered messages; equal priorities take"
       " turns"),
    _k(_SS + "bootstrap", "false",
       "Each partition is read up to its newest offset at container start before any other input of its task"
       " (with `reset.offset=true` and `offset.default=oldest`: in full at every start); ranks above every"
       " priority"),
    _k(_SS + "bounded", "false",
       "samza-py: the stream ends at the offsets current when the job started; then `on_end_of_stream` and"
       " the job ends"),
    # -------------------------------------------------------------------------------------- streams
    _k("streams.<stream>.samza.system", "job.default.system", "System of the stream id `<stream>`"),
    _k("streams.<stream>.samza.physical.name", "the stream id", "Topic the stream id stands for"),
    _k("streams.<stream>.samza.intermediate", "false",
       "Set by `partition_by` for its stream: run-job and run-app create it before the job model is computed"),
    _k("streams.<stream>.samza.<property>", NONE,
       "Any per-stream property above (key.serde, msg.serde, offset.default, reset.offset, priority, bootstrap,"
       " bounded); wins over the `systems.` spellings"),
    # ---------------------------------------------------------------------------------- serializers
    _k("serializers.registry.<name>.class", NONE,
       "Serde factory of `<name>`; `byte`, `integer`, `json`, `long`, `string`, `double` are predefined"),
    _k("serializers.registry.<name>.encoding", "UTF-8", "Charset of a `StringSerdeFactory` serde"),
    # --------------------------------------------------------------------------------------- stores
    _k("stores.<store>.factory", REQUIRED,
       "`…storage.kv.RocksDbKeyValueStorageEngineFactory` or `…kv.inmemory.InMemoryKeyValueStorageEngineFactory`"),
    _k("stores.<store>.key.serde", REQUIRED, "Key serde of the store"),
    _k("stores.<store>.msg.serde", REQUIRED, "Value serde of the store"),
    _k("stores.<store>.changelog", NONE, "Changelog `system.stream` (or a stream on `job.changelog.system`)"),
    _k("stores.<store>.changelog.replication.factor", "2",
       "Changelog replication; then `stores.default.changelog.replication.factor`,"
       " then `systems.<s>.default.stream.replication.factor`"),
    _k("stores.default.changelog.replication.factor", NONE, "Changelog replication for every store"),
    _k("stores.<store>.changelog.kafka.*", NONE, "Topic settings passed to the changelog topic"),
    _k("stores.<store>.changelog.delete.retention.ms", "86400000", "Changelog `delete.retention.ms`"),
    _k("stores.<store>.changelog.min.compaction.lag.ms", "14400000", "Changelog `min.compaction.lag.ms`"),
    _k("stores.<store>.write.batch.size", "500", "Writes batched before they reach the store"),
    _k("stores.<store>.object.cache.size", "max(1000, write.batch.size)", "Objects in the LRU cache; `0` = no cache"),
    _k("stores.<store>.container.cache.size.bytes", "104857600", "RocksDB block cache, divided among the tasks"),
    _k("stores.<store>.container.write.buffer.size.bytes", "33554432", "RocksDB write buffer, divided among the tasks"),
    _k("stores.<store>.rocksdb.compression", "snappy", "`none`, `snappy`, `zlib`, `bzip2`, `lz4`, `lz4hc`, `zstd`"),
    _k("stores.<store>.rocksdb.compaction.style", "universal", "`universal`, `level`, `fifo`"),
    _k("stores.<store>.rocksdb.ttl.ms", NONE, "Entry time-to-live; unset = forever"),
    _k("stores.<store>.rocksdb.wal.enabled", "false", "RocksDB write-ahead log"),
    # ------------------------------------------------------------------------------ cluster manager
    _k("cluster-manager.container.memory.mb", "1024", "Memory of each container"),
    _k("cluster-manager.container.cpu.cores", "1", "Virtual cores of each container"),
    _k("cluster-manager.container.retry.count", "8",
       "Failures of one processor allowed within the window; `0` = first failure fails the job, <0 = unlimited"),
    _k("cluster-manager.container.retry.window.ms", "300000", "Window in which failures are counted"),
    _k("cluster-manager.container.fail.job.after.retries", "true",
       "Fail the job when a processor fails too often (else leave it stopped)"),
    _k("cluster-manager.container.preferred-host.last.retry.delay.ms", "360000",
       "With host affinity, delay before the last retry on the preferred host"),
    _k("cluster-manager.container.request.timeout.ms", "5000", "Wait for the preferred host before taking any host"),
    _k("cluster-manager.allocator.sleep.ms", "3600", "AM allocator loop interval"),
    _k("yarn.container.count", "1", "Legacy name of `job.container.count`"),
    _k("yarn.container.memory.mb", "1024", "Legacy name of `cluster-manager.container.memory.mb`"),
    _k("yarn.container.cpu.cores", "1", "Legacy name of `cluster-manager.container.cpu.cores`"),
    _k("yarn.container.retry.count", "8", "Legacy name of `cluster-manager.container.retry.count`"),
    _k("yarn.container.retry.window.ms", "300000", "Legacy name of `cluster-manager.container.retry.window.ms`"),
    _k("yarn.container.request.timeout.ms", "5000", "Legacy name of `cluster-manager.container.request.timeout.ms`"),
    _k("yarn.allocator.sleep.ms", "3600", "Legacy name of `cluster-manager.allocator.sleep.ms`"),
    _k("yarn.samza.host-affinity.enabled", "false", "Legacy name of `job.host-affinity.enabled`"),
    _k("yarn.am.container.memory.mb", "1024", "Memory of the ApplicationMaster"),
    _k("yarn.am.container.cpu.cores", "1", "Virtual cores of the ApplicationMaster"),
    _k("yarn.am.poll.interval.ms", "1000", "AM poll interval"),
    _k("yarn.queue", "default", "YARN queue of the application"),
    _k("yarn.package.path", NONE,
       "Archive YARN localizes as `__package` (venv-pack'ed env or code tarball); unset = run in place (single node)"),
    _k("yarn.resourcemanager.am.max-attempts", "1", "AM attempts YARN makes; >1 lets a new AM resume the job"),
    _k("yarn.kerberos.principal", NONE,
       "Kerberos principal run-job logs in as (skein's driver) on a secure YARN; needs `yarn.kerberos.keytab`"),
    _k("yarn.kerberos.keytab", NONE,
       "Keytab of `yarn.kerberos.principal`; also localized for the ApplicationMaster only, as `samza.keytab`"),
    _k("samza-py.python", "the Python running run-job", "samza-py: interpreter of the AM and containers on YARN"),
    # -------------------------------------------------------------------------------------- metrics
    _k("metrics.reporters", NONE, "Comma list of reporter names"),
    _k("metrics.reporter.<name>.class", NONE,
       "`…metrics.reporter.JmxReporterFactory` or `…MetricsSnapshotReporterFactory` (required for a listed reporter)"),
    _k("metrics.reporter.<name>.stream", NONE, "`system.stream` the snapshot reporter writes to"),
    _k("metrics.reporter.<name>.interval", "60", "Reporting interval, seconds"),
    _k("metrics.reporter.<name>.port", "0",
       "Prometheus (`JmxReporterFactory`) endpoint port; 0 = any free port, recorded with the container's locality"),
    _k("metrics.reporter.<name>.host", "0.0.0.0", "Address the Prometheus endpoint listens on"),
    _k("metrics.timer.enabled", "false",
       "Time every `process` call (`process-ns`); off by default to keep clock reads off the hot path (Samza: true)"),
]


def _key_pattern(key: str) -> str:
    """A reference key as a regex: ``<placeholder>`` and ``*`` stand for any non-empty text."""
    parts = re.split(r"(<[a-z]+>|\*)", key)
    return "".join(".+" if part == "*" or part.startswith("<") else re.escape(part) for part in parts)


def _not_yet_patterns() -> re.Pattern[str]:
    keys = [entry.key for entry in REFERENCE if not entry.acted_on]
    # A per-stream property also has its stream-id spelling, ``streams.<stream>.samza.<property>``.
    keys += ["streams.<stream>.samza." + key[len(_SS):] for key in keys if key.startswith(_SS)]
    return re.compile("|".join(f"(?:{_key_pattern(key)})" for key in keys))


def keys_not_acted_on(config: Iterable[str]) -> list[str]:
    """The keys of ``config`` that samza-py accepts but does not act on yet, sorted."""
    pattern = _not_yet_patterns()
    return sorted(key for key in config if pattern.fullmatch(key))


def _default_cell(default: str) -> str:
    if default in (NONE, REQUIRED) or " " in default:
        return default
    return f"`{default}`"


def render_markdown() -> str:
    """REFERENCE as a markdown table (Key | Default | Meaning), ending in a newline."""
    lines = ["| Key | Default | Meaning |", "|---|---|---|"]
    for entry in REFERENCE:
        lines.append(f"| `{entry.key}` | {_default_cell(entry.default)} | {entry.meaning} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    print(render_markdown(), end="")


if __name__ == "__main__":
    main()
