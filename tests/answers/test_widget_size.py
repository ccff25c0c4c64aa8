"""The served embed.js is the readable source through terser (-c -m), and stays within its
gzip budget.

The build is pinned in tools/widget (package.json and package-lock.json). After editing the
source: `npm ci --prefix tools/widget && npm run --prefix tools/widget build`. The product
needs neither Node.js nor terser: it serves the committed embed.js."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "feedback" / "static"
SOURCE, SERVED = STATIC / "embed.src.js", STATIC / "embed.js"
TERSER = ROOT / "tools" / "widget" / "node_modules" / ".bin" / "terser"
BUDGET = 5 * 1024  # bytes, gzip level 9: 5 KB (see docs/benchmarks.md, "Embed script size")


def test_served_file_is_the_built_source() -> None:
    if not TERSER.exists() or shutil.which("node") is None:
        pytest.skip("terser not installed: `npm ci --prefix tools/widget` lets this check run")
    built = subprocess.run(
        [str(TERSER), str(SOURCE), "-c", "-m"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert SERVED.read_text(encoding="utf-8").strip() == built.strip(), (
        "embed.js is stale: run `npm run --prefix tools/widget build`"
    )


def test_served_widget_is_within_its_gzip_budget(client: TestClient) -> None:
    served = client.get("/embed.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert served.content == SERVED.read_bytes()
    size = len(gzip.compress(served.content, compresslevel=9))
    assert size <= BUDGET, f"embed.js is {size} bytes gzipped, over the {BUDGET} byte budget"
