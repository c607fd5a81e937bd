"""The high-level API's joins and repartitioning on the real broker, run by run-job with two containers.

(a) The ad click-through-rate app: impressions ⋈ clicks within the join's ttl (processing time) equals the
    join computed offline from when each event was sent, and its CTR panes (impressions and joined clicks
    repartitioned by ad) add up to the offline counts per ad.
(b) Page views keyed by page, repartitioned by member: every count lands in the partition Samza's
    partitioner gives its member, and the counts per member equal the offline counts (also on YARN).
Also: join state and a table restored from their changelogs after a restart without local stores, and a
dry run that lists the intermediate stream and the stores and creates nothing.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource

from samza_py.system.kafka.partitioner import samza_partition

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import (
    V1,
    checkpointed_offsets,
    count_messages,
    create_topic,
    end_offsets,
    read_topic,
    run_job,
    run_job_command,
    start_run_job,
    wait_for,
)
from .test_yarn_job import YARN, wait_for_state

AD_CTR = ROOT / "config" / "ad-ctr-high-level.properties"
BY_MEMBER = ROOT / "config" / "page-views-by-member.properties"
TTL_MS = 8_000
WINDOW_MS = 2_000


def produce(topic: str, events: list[tuple[str, dict[str, Any]]], samza_partitions: int | None = None) -> None:
    """Keyed JSON events; with ``samza_partitions``, each in the partition a Samza job would send its key to
    (the client's own partitioner hashes keys differently)."""
    producer = Producer({"bootstrap.servers": KAFKA_BOOTSTRAP, "linger.ms": 5})
    for key, value in events:
        if samza_partitions is None:
            producer.produce(topic, json.dumps(value).encode(), key.encode())
        else:
            producer.produce(topic, json.dumps(value).encode(), key.encode(), samza_partition(key, samza_partitions))
    assert producer.flush(30) == 0


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.wait(60)
    assert process.returncode == 0, log.read_text()[-3000:]


def all_processed(job: str, topic: str) -> bool:
    """The job's checkpoints cover every message now in ``topic`` (processed, and its state committed)."""
    checkpoints = f"__samza_checkpoint_ver_1_for_{job}_1"
    if count_messages(checkpoints) == 0:
        return False
    latest: dict[int, int] = {}
    for msg in read_topic(checkpoints):
        if json.loads(msg.key())["type"] == V1:  # v1 also lists the changelogs: keep the topic's offsets
            latest.update({partition: int(offset) for (stream, partition), offset
                           in checkpointed_offsets(msg.value(), V1).items() if stream == topic})
    return all(latest.get(p, -1) >= end - 1 for p, end in end_offsets(topic).items() if end > 0)


def offline_join(impressions: list[tuple[int, dict[str, Any]]], clicks: list[tuple[int, dict[str, Any]]],
                 ttl_ms: int) -> dict[str, dict[str, Any]]:
    """impression id → the joined click, for (sent at, event) pairs: a click joins the impression with its id
    sent less than ttl before or after it (each id has one impression and at most one click here)."""
    by_id = {imp["impression_id"]: (at, imp) for at, imp in impressions}
    joined = {}
    for click_at, click in clicks:
        imp_at, imp = by_id[click["impression_id"]]
        if abs(click_at - imp_at) < ttl_ms:
            joined[imp["impression_id"]] = {"impression_id": imp["impression_id"], "ad_id": imp["ad_id"],
                                            "impression_time": imp["time"], "click_time": click["time"]}
    return joined


def test_impressions_join_clicks_within_the_ttl_as_the_offline_join(unique: str, tmp_path: Path) -> None:
    job = f"ctr-{unique}"
    imps, clicks, joins, ctr = (f"{unique}-{name}" for name in ("imps", "clicks", "joins", "ctr"))
    for topic in (imps, clicks, joins, ctr):
        create_topic(topic, 3)
    log = tmp_path / "run-job.log"
    process = start_run_job(
        AD_CTR, f"job.name={job}", f"ads.join.ttl.ms={TTL_MS}", f"ads.ctr.window.ms={WINDOW_MS}",
        "task.commit.ms=300", f"streams.ad-impressions.samza.physical.name={imps}",
        f"streams.ad-clicks.samza.physical.name={clicks}", f"streams.ad-click-joins.samza.physical.name={joins}",
        f"streams.ad-ctr.samza.physical.name={ctr}", cwd=tmp_path, log=log)
    rng = random.Random(15)
    sent_imps: list[tuple[int, dict[str, Any]]] = []
    sent_clicks: list[tuple[int, dict[str, Any]]] = []

    def impression(n: int, at: int) -> dict[str, Any]:
        event = {"impression_id": f"imp-{n}", "ad_id": f"ad-{rng.randrange(7)}", "time": 1_700_000_000_000 + n}
        sent_imps.append((at, event))
        return event

    def click(n: int, at: int) -> dict[str, Any]:
        event = {"impression_id": f"imp-{n}", "time": 1_700_000_100_000 + n}
        sent_clicks.append((at, event))
        return event

    try:
        # Phase 1 (sent "at" 0): impressions 0-299; clicks for a third of them, some sent before their impression.
        early = [n for n in range(300) if n % 3 == 0]
        produce(clicks, [(f"imp-{n}", click(n, 0)) for n in early[:40]])
        produce(imps, [(f"imp-{n}", impression(n, 0)) for n in range(300)])
        produce(clicks, [(f"imp-{n}", click(n, 0)) for n in early[40:]])
        wait_for(lambda: process.poll() is not None or all_processed(job, imps) and all_processed(job, clicks), 120,
                 "every phase-1 impression and click processed")
        assert process.poll() is None, log.read_text()[-3000:]
        stored_at = time.monotonic()
        # Phase 2, more than the ttl later (processing time: the join's clock is the wall clock): clicks for
        # another third of the phase-1 impressions (too late to join), and fresh impressions with clicks.
        wait_for(lambda: time.monotonic() > stored_at + 2 * TTL_MS / 1000, 3 * TTL_MS / 1000, "the ttl to pass")
        late_at = 10 * TTL_MS
        late = [n for n in range(300) if n % 3 == 1]
        fresh = list(range(1000, 1060))
        produce(clicks, [(f"imp-{n}", click(n, late_at)) for n in late])
        produce(imps, [(f"imp-{n}", impression(n, late_at)) for n in fresh])
        produce(clicks, [(f"imp-{n}", click(n, late_at)) for n in fresh if n % 2 == 0])
        expected = offline_join(sent_imps, sent_clicks, TTL_MS)
        assert len(expected) == len(early) + 30
        wait_for(lambda: process.poll() is not None or all_processed(job, imps) and all_processed(job, clicks), 120,
                 "every phase-2 impression and click processed")
        wait_for(lambda: process.poll() is not None or count_messages(joins) >= len(expected), 60,
                 f"{len(expected)} joined clicks")
        assert process.poll() is None, log.read_text()[-3000:]

        # The CTR panes: every impression and every joined click counted once, per ad.
        imps_per_ad = Counter(imp["ad_id"] for _, imp in sent_imps)
        clicks_per_ad = Counter(j["ad_id"] for j in expected.values())

        def ctr_totals() -> tuple[Counter[str], Counter[str]]:
            shown, clicked = Counter[str](), Counter[str]()
            if count_messages(ctr):
                for msg in read_topic(ctr):
                    pane = json.loads(msg.value())
                    shown[pane["ad_id"]] += pane["impressions"]
                    clicked[pane["ad_id"]] += pane["clicks"]
            return shown, clicked

        def covered() -> bool:
            shown, clicked = ctr_totals()
            return sum(shown.values()) >= len(sent_imps) and sum(clicked.values()) >= len(expected)

        # A click's pane may close a window after its impression's: wait for both counts.
        wait_for(lambda: process.poll() is not None or covered(), 60, "CTR panes covering every impression and click")
    finally:
        stop(process, log)

    # The join's state: a store per side, named after the join's op id, with a changelog that deletes after ttl.
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    for side in ("L", "R"):
        resource = ConfigResource(ConfigResource.Type.TOPIC, f"{job}-1-join-impression-click-{side}")
        topic_config = admin.describe_configs([resource])[resource].result(30)
        assert (topic_config["cleanup.policy"].value, topic_config["retention.ms"].value) == ("delete", str(TTL_MS))
    results = read_topic(joins)
    got = {msg.key().decode(): json.loads(msg.value()) for msg in results}
    assert len(results) == len(expected), "a click joined twice, or a late click joined"
    assert got == expected
    shown, clicked = ctr_totals()
    assert (shown, clicked) == (imps_per_ad, clicks_per_ad)
    partitions = len(end_offsets(ctr))
    for msg in read_topic(ctr):
        assert msg.partition() == samza_partition(json.loads(msg.value())["ad_id"], partitions)


def test_views_keyed_by_page_are_counted_per_member_after_partition_by(unique: str, tmp_path: Path) -> None:
    job = f"pvm-{unique}"
    views, counts = f"{unique}-views", f"{unique}-counts"
    create_topic(views, 3)
    create_topic(counts, 4)
    rng = random.Random(16)
    members = [f"member-{i:02d}" for i in range(30)]
    events = []
    for n in range(900):
        page = f"/page/{rng.randrange(40)}"
        events.append((page, {"member": rng.choice(members), "page": page, "n": n}))
    expected = Counter(view["member"] for _, view in events)
    log = tmp_path / "run-job.log"
    process = start_run_job(
        BY_MEMBER, f"job.name={job}", f"pageviews.window.ms={WINDOW_MS}", "task.commit.ms=300",
        f"streams.page-views-by-page.samza.physical.name={views}",
        f"streams.member-view-counts.samza.physical.name={counts}", cwd=tmp_path, log=log)
    intermediate = f"{job}-1-partition_by-by-member"
    try:
        produce(views, events)

        def counted() -> int:
            if count_messages(counts) == 0:
                return 0
            return sum(json.loads(m.value())["count"] for m in read_topic(counts))

        wait_for(lambda: process.poll() is not None or counted() >= len(events), 120,
                 f"panes covering {len(events)} views")
        assert process.poll() is None, log.read_text()[-3000:]
    finally:
        stop(process, log)

    # The intermediate stream: created with the largest partition count of the job's input (3) and output (4)
    # streams, as Samza's planner; each view in its member's partition.
    assert len(end_offsets(intermediate)) == 4
    repartitioned = read_topic(intermediate)
    assert len(repartitioned) == len(events)
    for msg in repartitioned:
        view = json.loads(msg.value())
        assert msg.key().decode() == view["member"] and msg.partition() == samza_partition(view["member"], 4)
    # The output: every count in its member's partition, the counts per member as offline.
    per_member: Counter[str] = Counter()
    for msg in read_topic(counts):
        pane = json.loads(msg.value())
        assert msg.key().decode() == pane["member"]
        assert msg.partition() == samza_partition(pane["member"], 4), pane
        per_member[pane["member"]] += pane["count"]
    assert per_member == expected


RESTORED = re.compile(r"restored store '[^']+-join-impression-click-L' .*?: (\d+) records")


def test_a_restarted_job_joins_with_the_impressions_restored_from_the_changelog(unique: str, tmp_path: Path) -> None:
    job = f"ctr-{unique}"
    imps, clicks, joins = (f"{unique}-{name}" for name in ("imps", "clicks", "joins"))
    for topic in (imps, clicks, joins):
        create_topic(topic, 2)
    state = tmp_path / "state"
    overrides = [
        f"job.name={job}", "ads.join.ttl.ms=120000", "task.commit.ms=300", f"job.logged.store.base.dir={state}",
        f"streams.ad-impressions.samza.physical.name={imps}", f"streams.ad-clicks.samza.physical.name={clicks}",
        f"streams.ad-click-joins.samza.physical.name={joins}", f"streams.ad-ctr.samza.physical.name={unique}-ctr",
    ]
    impressions = [{"impression_id": f"imp-{n}", "ad_id": f"ad-{n % 5}", "time": n} for n in range(200)]
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_run_job(AD_CTR, *overrides, cwd=tmp_path, log=first_log)
    try:
        produce(imps, [(imp["impression_id"], imp) for imp in impressions])
        wait_for(lambda: first.poll() is not None or all_processed(job, imps), 120,
                 "every impression processed (and the join's left store committed)")
    finally:
        stop(first, first_log)
    # Without its local stores, the restarted job has only the changelog to get the impressions from.
    shutil.rmtree(state)
    second = start_run_job(AD_CTR, *overrides, cwd=tmp_path, log=second_log)
    clicked = [n for n in range(200) if n % 4 == 0]
    try:
        produce(clicks, [(f"imp-{n}", {"impression_id": f"imp-{n}", "time": 1000 + n}) for n in clicked])
        wait_for(lambda: second.poll() is not None or count_messages(joins) >= len(clicked), 120,
                 f"{len(clicked)} joined clicks")
    finally:
        stop(second, second_log)
    got = {msg.key().decode(): json.loads(msg.value()) for msg in read_topic(joins)}
    assert got == {f"imp-{n}": {"impression_id": f"imp-{n}", "ad_id": f"ad-{n % 5}", "impression_time": n,
                                "click_time": 1000 + n} for n in clicked}
    assert count_messages(joins) == len(clicked)
    assert sum(int(n) for n in RESTORED.findall(second_log.read_text())) == len(impressions)


def test_dry_run_shows_the_intermediate_stream_and_the_stores_and_creates_nothing(unique: str, tmp_path: Path) -> None:
    job = f"dry-{unique}"
    imps, clicks = f"{unique}-imps", f"{unique}-clicks"
    for topic in (imps, clicks):
        create_topic(topic, 3)
    admin = AdminClient({"bootstrap.servers": KAFKA_BOOTSTRAP})
    result = subprocess.run(
        run_job_command(AD_CTR, f"job.name={job}", f"streams.ad-impressions.samza.physical.name={imps}",
                        f"streams.ad-clicks.samza.physical.name={clicks}") + ["--dry-run"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {" ".join(line.split()[:3]) for line in result.stdout.splitlines()}
    assert f"intermediate kafka.{job}-1-partition_by-by-ad 3" in rows  # the inputs' partition count
    for side, name in (("L", "left"), ("R", "right")):
        store = f"{job}-1-join-impression-click-{side}"
        assert f"changelog kafka.{store} (store" in rows
        assert re.search(rf"^  {store}\s+{name} side of join {job}-1-join-impression-click\s+kafka\.{store}\s+600000$",
                         result.stdout, re.M), result.stdout
    assert re.search(rf"^  {job}-1-window-ctr-per-ad\s+window ", result.stdout, re.M)
    # Nothing of the job exists (others share the broker: only the job's own topics are looked at).
    assert {t for t in admin.list_topics(timeout=10).topics if job in t} == set()


ENRICHER = ROOT / "config" / "page-view-enricher.properties"
RESTORED_TABLE = re.compile(r"restored store 'profiles' .*?: (\d+) records")


def test_views_join_the_profiles_table_and_a_restarted_job_gets_the_table_back(unique: str, tmp_path: Path) -> None:
    job = f"pve-{unique}"
    profiles, views, enriched = f"{unique}-profiles", f"{unique}-views", f"{unique}-enriched"
    create_topic(profiles, 2)
    create_topic(views, 5)
    create_topic(enriched, 2)
    state = tmp_path / "state"
    overrides = [
        f"job.name={job}", "task.commit.ms=300", f"job.logged.store.base.dir={state}",
        f"streams.member-profiles.samza.physical.name={profiles}",
        f"streams.page-views-by-page.samza.physical.name={views}",
        f"streams.enriched-page-views.samza.physical.name={enriched}",
    ]
    rng = random.Random(17)
    members = [f"member-{i:02d}" for i in range(40)]
    companies = {m: f"company-{rng.randrange(6)}" for m in members[:30]}  # ten members without a profile

    def view_batch(count: int) -> list[tuple[str, dict[str, Any]]]:
        batch = []
        for _ in range(count):
            page = f"/page/{rng.randrange(25)}"
            batch.append((page, {"member": rng.choice(members), "page": page}))
        return batch

    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    sent: list[dict[str, Any]] = []
    first = start_run_job(ENRICHER, *overrides, cwd=tmp_path, log=first_log)
    try:
        # The table first: views only once every profile is in it, so each view's answer is known offline.
        # Partitioned as a Samza job would write them: the views reach the table through partition_by, which
        # partitions by Samza's partitioner, so a member's profile must be in the partition its views go to.
        produce(profiles, [(m, {"member": m, "company": c}) for m, c in companies.items()], samza_partitions=2)
        wait_for(lambda: first.poll() is not None or all_processed(job, profiles), 120, "every profile in the table")
        batch = view_batch(300)
        sent += [view for _, view in batch]
        produce(views, batch)
        wait_for(lambda: first.poll() is not None or count_messages(enriched) >= len(sent), 120,
                 f"{len(sent)} enriched views")
        wait_for(lambda: first.poll() is not None or all_processed(job, profiles), 60, "a checkpoint of the table")
    finally:
        stop(first, first_log)
    # The intermediate stream took the partition count of the stream filling the table it is joined with.
    assert len(end_offsets(f"{job}-1-partition_by-by-member")) == 2
    # Without local stores, the restarted job has only the table's changelog to get the profiles from.
    shutil.rmtree(state)
    second = start_run_job(ENRICHER, *overrides, cwd=tmp_path, log=second_log)
    try:
        batch = view_batch(200)
        sent += [view for _, view in batch]
        produce(views, batch)
        wait_for(lambda: second.poll() is not None or count_messages(enriched) >= len(sent), 120,
                 f"{len(sent)} enriched views")
    finally:
        stop(second, second_log)

    expected = Counter((v["member"], v["page"], companies.get(v["member"])) for v in sent)
    got: Counter[tuple[str, str, str | None]] = Counter()
    for msg in read_topic(enriched):
        view = json.loads(msg.value())
        assert msg.key().decode() == view["member"]
        assert msg.partition() == samza_partition(view["member"], 2)
        got[(view["member"], view["page"], view["company"])] += 1
    assert got == expected
    assert sum(int(n) for n in RESTORED_TABLE.findall(second_log.read_text())) == len(companies)


def test_partition_by_on_yarn_counts_every_view_per_member(skein_client: Any, unique: str, tmp_path: Path) -> None:
    job = f"pvm-{unique}"
    views, counts = f"{unique}-views", f"{unique}-counts"
    create_topic(views, 2)
    rng = random.Random(18)
    events = [(f"/page/{rng.randrange(20)}", {"member": f"member-{rng.randrange(25):02d}", "n": n}) for n in range(400)]
    produce(views, events)
    overrides = {
        "job.factory.class": YARN, "job.name": job, "job.container.count": "2",
        "yarn.am.container.memory.mb": "512", "cluster-manager.container.memory.mb": "384",
        "yarn.am.poll.interval.ms": "500", "pageviews.window.ms": str(WINDOW_MS), "task.commit.ms": "500",
        "streams.page-views-by-page.samza.physical.name": views,
        "streams.member-view-counts.samza.physical.name": counts,
    }
    # run-job creates the intermediate stream before it submits: the AM's job model reads its partitions.
    result = run_job(BY_MEMBER, *[f"{k}={v}" for k, v in overrides.items()], cwd=tmp_path, timeout_s=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(end_offsets(f"{job}-1-partition_by-by-member")) == 2
    report = wait_for_state(skein_client, f"{job}_1", {"RUNNING"})
    try:
        def per_member() -> Counter[str]:
            totals: Counter[str] = Counter()
            if count_messages(counts):
                for msg in read_topic(counts):
                    pane = json.loads(msg.value())
                    totals[pane["member"]] += pane["count"]
            return totals

        wait_for(lambda: sum(per_member().values()) >= len(events), 180, f"panes covering {len(events)} views")
        assert per_member() == Counter(view["member"] for _, view in events)
    finally:
        skein_client.kill_application(report.id)
