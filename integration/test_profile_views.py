"""The seeds' "who viewed your profile" on generated page views: views, viewers and companies per profile."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from samza_py.examples.profiles.generator import generate, produce

from .conftest import KAFKA_BOOTSTRAP, ROOT
from .jobs import create_topic, read_topic, run_job

CONFIG = ROOT / "config" / "profile-views.properties"


def test_profile_views_match_the_page_views(unique: str, tmp_path: Path) -> None:
    events = generate(4000, seed=5)
    create_topic(f"{unique}-views", 2)
    produce(KAFKA_BOOTSTRAP, f"{unique}-views", events)
    result = run_job(CONFIG, f"job.name=pv-{unique}", "job.container.count=2", f"task.inputs=kafka.{unique}-views",
                     f"profiles.views.output=kafka.{unique}-out",
                     f"stores.profile-views.changelog=kafka.{unique}-changelog",
                     f"systems.kafka.streams.{unique}-views.samza.bounded=true", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]

    latest = {}
    for msg in read_topic(f"{unique}-out"):
        update = json.loads(msg.value())
        latest[update["profile_id"]] = update
    views = [e for e in events if e["viewer_id"] != e["viewed_profile_id"]]
    per_profile = Counter(e["viewed_profile_id"] for e in views)
    assert {p: u["views"] for p, u in latest.items()} == dict(per_profile)
    busiest = per_profile.most_common(1)[0][0]
    mine = [e for e in views if e["viewed_profile_id"] == busiest]
    assert latest[busiest]["distinct_viewers"] == len({e["viewer_id"] for e in mine})
    companies = Counter(e["viewer_company"] for e in mine)
    top = sorted(companies.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    assert latest[busiest]["top_companies"] == [{"company": c, "views": n} for c, n in top]
