"""The served embed.js is the readable source through rjsmin, and stays under 5 KB gzipped.

Run this file as a script to rebuild the served file after editing the source:
`python tests/answers/test_widget_size.py`."""

from __future__ import annotations

import gzip
from pathlib import Path

import rjsmin
from starlette.testclient import TestClient

STATIC = Path(__file__).resolve().parents[2] / "feedback" / "static"
SOURCE, SERVED = STATIC / "embed.src.js", STATIC / "embed.js"
BUDGET = 5 * 1024  # bytes, gzip level 9


def minified() -> str:
    """What the served file must be: the source through rjsmin, licence comment dropped."""
    return rjsmin.jsmin(SOURCE.read_text(encoding="utf-8")).strip() + "\n"


def test_served_file_is_the_minified_source() -> None:
    assert SERVED.read_text(encoding="utf-8") == minified(), (
        "embed.js is stale: run `python tests/answers/test_widget_size.py`"
    )


def test_served_widget_is_at_most_5_kb_gzipped(client: TestClient) -> None:
    served = client.get("/embed.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert served.content == SERVED.read_bytes()
    size = len(gzip.compress(served.content, compresslevel=9))
    assert size <= BUDGET, f"embed.js is {size} bytes gzipped, over the {BUDGET} byte budget"


if __name__ == "__main__":
    SERVED.write_text(minified(), encoding="utf-8")
    data = SERVED.read_bytes()
    print(f"{SERVED}: {len(data)} bytes, {len(gzip.compress(data, compresslevel=9))} gzipped")
