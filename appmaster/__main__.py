"""The ApplicationMaster program skein runs in the AM container: ``python -m samza_py.appmaster``."""

from __future__ import annotations

import json
import logging
import os
import sys

from samza_py.config.config import Config
from samza_py.job.status_summary import STATUS_URL_KEY
from samza_py.job.yarn import CONFIG_FILE

log = logging.getLogger("samza_py.appmaster")


def main() -> int:
    logging.basicConfig(level=os.environ.get("SAMZA_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s [appmaster] %(name)s: %(message)s", stream=sys.stderr)
    log.info("Python %s (prefix %s)", sys.executable, sys.prefix)
    import skein

    from .application_master import SamzaApplicationMaster
    from .status_server import StatusServer, register_page

    app = skein.ApplicationClient.from_current()
    with open(CONFIG_FILE) as f:
        config = Config(json.load(f))
    am = SamzaApplicationMaster(config, app)
    server = StatusServer(am.status)
    try:
        # The status page is reached from YARN's tracking URL: skein's web UI proxies it as a page.
        url = server.start()
        app.kv[STATUS_URL_KEY] = url.encode()  # run-job --operation status reads the summary there
        register_page(app, url)
    except Exception:
        log.exception("the status page could not be started; the job runs without it")
    try:
        status, diagnostics = am.run()
    except Exception as exc:
        log.exception("the ApplicationMaster failed")
        status, diagnostics = "FAILED", f"ApplicationMaster error: {exc!r}"
    finally:
        server.stop()
    log.info("finishing the application: %s (%s)", status, diagnostics)
    app.shutdown(status, diagnostics)
    return 0 if status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
