"""Run by a YARN container's launch script after the container program ends, whatever ended it.

Puts the program's exit status into the application's key-value store (``exit/<skein container id>``)
so the ApplicationMaster can name it; skein itself reports only that a container failed.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    code = sys.argv[1] if len(sys.argv) > 1 else "unknown"
    container_id = os.environ.get("SKEIN_CONTAINER_ID")
    if not container_id:
        return 0
    try:
        import skein

        skein.ApplicationClient.from_current().kv[f"exit/{container_id}"] = code.encode()
    except Exception as exc:  # the AM falls back to skein's own message; say why here, in the log
        print(f"could not report exit status {code} of {container_id}: {exc!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
