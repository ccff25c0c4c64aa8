"""Print the size of the served widget (embed.js) raw and gzipped, against the budget.

Usage: python bench/embed_size.py   (results go in docs/benchmarks.md, "Embed script size")
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "feedback" / "static"
BUDGET = 5 * 1024  # 5 KB, as tests/answers/test_widget_size.py


def main() -> None:
    """One line per file: bytes raw, gzip -9, deflate -9."""
    for name in ("embed.src.js", "embed.js", "frame.js"):
        data = (STATIC / name).read_bytes()
        gz = len(gzip.compress(data, compresslevel=9))
        deflate = len(zlib.compress(data, 9))
        print(f"{name:14} {len(data):7,} bytes raw {gz:7,} gzip -9 {deflate:7,} deflate -9")
    served = len(gzip.compress((STATIC / "embed.js").read_bytes(), compresslevel=9))
    print(f"budget {BUDGET:,} bytes gzipped: {served:,} used, {BUDGET - served:,} left")


if __name__ == "__main__":
    main()
