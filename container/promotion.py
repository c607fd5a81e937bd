"""A standby container told to become its active container (the AM's failover, without a new YARN container).

The AM writes the active container's id under ``promote/<skein container id>`` of the standby; the standby
stops copying, snapshots its copies and closes them, and the same process then runs the active container,
whose restore installs those snapshots. No new container has to be asked of YARN and no new process started.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

PROMOTE_KEY = "promote/"  # + skein container id of the standby


def watch_for_promotion(on_promotion: Callable[[str], None]) -> None:
    """On YARN, call ``on_promotion(active container id)`` from a daemon thread when the AM asks."""
    skein_id = os.environ.get("SKEIN_CONTAINER_ID")
    if skein_id is None:
        return
    import skein

    client = skein.ApplicationClient.from_current()

    def wait() -> None:
        try:
            value = client.kv.wait(f"{PROMOTE_KEY}{skein_id}")
        except Exception:
            log.exception("waiting for a promotion failed: this standby can only be replaced, not promoted")
            return
        on_promotion(value.decode())

    threading.Thread(target=wait, name="promotion", daemon=True).start()
