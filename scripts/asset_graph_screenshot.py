"""Retake the README's picture of the asset graph: the Dagster UI's lineage view, headless.

Starts ``dagster dev`` on this repository's code location (the demo environment's
accounts; a throwaway ``DAGSTER_HOME``, so no PostgreSQL is needed: nothing runs),
waits for the code location, and has headless Chromium (Debian's ``chromium``
package) render the global asset lineage by group (each tap's API streams and tables, the
staging models, the marts, the report); a group opens in the UI with a click.

Usage: .venv/bin/python scripts/asset_graph_screenshot.py [OUTPUT.png]
(default docs/images/asset-graph.png; after `make dev` and `meltano install`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.processes import free_port, stop_session  # noqa: E402

DAGSTER = ROOT / ".venv-dagster" / "bin" / "dagster"
WORKSPACE = ROOT / "orchestration" / "workspace.yaml"
OUTPUT = ROOT / "docs" / "images" / "asset-graph.png"
WINDOW = "1800,1000"


def graphql(url: str, query: str) -> dict:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(  # noqa: S310 - http, loopback
        f"{url}/graphql", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - http, loopback
        return json.loads(answer.read())["data"]


def asset_count(url: str) -> int:
    return len(graphql(url, "{ assetNodes { id } }")["assetNodes"])


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium on PATH: `apt-get install chromium` (Debian's package)", file=sys.stderr)
        return 2
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "DAGSTER_HOME": home,
            "MELTANO_ENVIRONMENT": os.environ.get("MELTANO_ENVIRONMENT", "demo"),
        }
        dev = subprocess.Popen(  # noqa: S603 - the Dagster venv's dagster
            [str(DAGSTER), "dev", "-w", str(WORKSPACE), "-h", "127.0.0.1", "-p", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and dev.poll() is None:
                try:
                    if asset_count(url):
                        break
                except OSError:
                    pass
                time.sleep(1)
            else:
                print("dagster dev did not serve the code location", file=sys.stderr)
                return 1
            # The UI greets a first visit on localhost with a newsletter dialog; this
            # instance has "seen" it, as after a click on Skip.
            graphql(url, "mutation { setNuxSeen }")
            page = f"{url}/asset-groups"
            output.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(  # noqa: S603 - chromium, headless
                [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-dev-shm-usage",
                 "--hide-scrollbars", f"--window-size={WINDOW}",
                 "--virtual-time-budget=30000", f"--screenshot={output}", page],
                check=True, capture_output=True, timeout=180,
            )  # fmt: skip
        finally:
            stop_session(dev)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
