"""What each libcst check costs next to the parse, in one process, without a profiler's overhead.

Usage: python bench/check_costs.py ROOT

Every registered check runs with its default options on every Python file under ROOT; the
table gives each one's CPU seconds as a share of libcst's parse of the same files. Work that
checks share through the `ParsedFile` (positions, an `ast` of the file) is charged to the first
check that asks for it. Prints a Markdown table.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import libcst

from gc_bot.scan.checks import check_names, get_check, parse_options
from gc_bot.scan.parsed import ParsedFile


def costs(root: Path) -> tuple[float, Counter[str], int]:
    """Parse seconds, seconds per check, and how many files needed libcst positions."""
    options = {name: parse_options(name, {}) for name in check_names()}
    parse_seconds, spent, positioned = 0.0, Counter[str](), 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        start = time.process_time()
        module = libcst.parse_module(text)
        parse_seconds += time.process_time() - start
        source = ParsedFile(path.relative_to(root.parent).as_posix(), text, module)
        for name, option in options.items():
            start = time.process_time()
            get_check(name).run(source, option)
            spent[name] += time.process_time() - start
        positioned += "_ranges" in vars(source)
    return parse_seconds, spent, positioned


def main(root: Path) -> int:
    parse_seconds, spent, positioned = costs(root)
    print("| stage (one process, CPU) | seconds | x parse |")
    print("|---|---:|---:|")
    print(f"| libcst parse | {parse_seconds:.2f} | 1.00 |")
    for name, seconds in spent.most_common():
        print(f"| check `{name}` | {seconds:.2f} | {seconds / parse_seconds:.2f} |")
    total = sum(spent.values())
    print(f"| all checks | {total:.2f} | {total / parse_seconds:.2f} |")
    print(f"\nFiles that needed libcst positions (a codegen of the whole module): {positioned}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
