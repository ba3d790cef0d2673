"""The floor for any libcst-based tool: parse every Python file under ROOT, on every core.

Usage: python bench/parse_only.py ROOT
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libcst


def parses(path: Path) -> bool:
    try:
        libcst.parse_module(path.read_bytes())
    except libcst.ParserSyntaxError:
        return False
    return True


def main(root: Path) -> int:
    paths = sorted(root.rglob("*.py"))
    workers = len(os.sched_getaffinity(0))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parsed = sum(pool.map(parses, paths, chunksize=8))
    print(f"parsed {parsed} of {len(paths)} files with {workers} processes")
    return 0 if parsed == len(paths) else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
