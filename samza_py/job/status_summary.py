"""The job status the ApplicationMaster serves, as text for ``run-job --operation status``."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

STATUS_URL_KEY = "status-url"  # in the AM's key-value store: the status server's base URL
METRICS_URL_KEY = "metrics-url/"  # + skein container id, in the same store: where a container serves metrics


def fetch_status(base_url: str, timeout_s: float = 10.0) -> dict[str, Any]:
    with urllib.request.urlopen(base_url.rstrip("/") + "/api/status", timeout=timeout_s) as response:
        status: dict[str, Any] = json.loads(response.read())
        return status


def _num(value: Any, fmt: str = "{:,}") -> str:
    return "?" if value is None else fmt.format(value)


def _restore(restore: dict[str, Any]) -> str:
    parts = []
    for store, r in sorted(restore.items()):
        if r.get("done"):
            parts.append(f"{store} restored")
        elif r.get("total"):
            parts.append(f"{store} {r['restored']:,}/{r['total']:,} ({100 * r['restored'] // r['total']}%)")
        else:
            parts.append(f"{store} restoring ({r.get('restored', 0):,})")
    return ", ".join(parts)


def _host(container: dict[str, Any]) -> str:
    """The container's host; before it runs, the host it was asked on (host affinity), if any."""
    if container.get("host"):
        return str(container["host"])
    return f"? (asked for {container['preferred_host']})" if container.get("preferred_host") else "?"


def render_status(status: dict[str, Any]) -> str:
    """One line per container, one indented line per task: state, host, restarts, lag, throughput, restore."""
    lines = []
    for c in status.get("containers", []):
        exit_status = c.get("last_exit_status")
        mode = " (standby)" if c.get("mode") == "standby" else ""
        lines.append(
            f"container {c['id']}{mode}: {c['state']} on {_host(c)} ({c.get('yarn_container') or '-'}), "
            f"restarts {c.get('restarts', 0)}"
            + (f", last exit status {exit_status}" if exit_status is not None else "")
            + f", {_num(c.get('process_envelopes'))} envelopes, {_num(c.get('throughput'), '{:.1f}')} msg/s"
        )
        for t in c.get("tasks", []):
            if t.get("mode") == "standby":
                lines.append(f"  {t['name']}: standby copy; changelog lag {_num(t.get('lag'))}")
                continue
            line = (f"  {t['name']}: {', '.join(t.get('partitions', []))}; lag {_num(t.get('lag'))}, "
                    f"processed {_num(t.get('processed'))}, {_num(t.get('throughput'), '{:.1f}')} msg/s")
            restore = _restore(t.get("restore") or {})
            lines.append(line + (f"; {restore}" if restore else ""))
    if not lines:
        lines.append("no containers yet")
    operators = status.get("operators") or []
    if operators:
        lines.append("operators (messages taken, all tasks):")
        for op in operators:
            after = f" -> {', '.join(op['next'])}" if op.get("next") else ""
            lines.append(f"  {op['id']}: {_num(op.get('messages'))}{after}")
    return "\n".join(lines)
