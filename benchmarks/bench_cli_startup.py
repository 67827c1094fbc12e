"""How long `skillsight --help` takes, with the commands listed from cli.COMMANDS (each module imported
only when its command runs) against the same listing with every command module imported first, as the
CLI did before: wall time (median of --runs fresh interpreters) and the imports' own total
(`python -X importtime`), side by side.

    python benchmarks/bench_cli_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

ON_DEMAND = "from skillsight.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
EVERY_MODULE = (
    "import importlib\nfrom skillsight.cli import COMMANDS\n"
    "for module, _ in COMMANDS.values():\n    importlib.import_module('skillsight.commands.' + module)\n"
) + ON_DEMAND


def wall_s(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def import_s(code: str) -> float:
    """The interpreter's own count: the cumulative time of every top-level import (-X importtime)."""
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True
    ).stderr
    total = 0
    for line in err.decode().splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            total += int(parts[1])  # cumulative microseconds of a top-level import
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    rows = {}
    for name, code in (("every command module imported", EVERY_MODULE), ("commands on demand", ON_DEMAND)):
        rows[name] = (
            statistics.median(wall_s(code) for _ in range(runs)),
            statistics.median(import_s(code) for _ in range(runs)),
        )
    (eager_wall, eager_imports), (lazy_wall, lazy_imports) = rows.values()
    print(f"skillsight --help, median of {runs} fresh interpreters")
    for name, (wall, imports) in rows.items():
        print(f"  {name:31s} wall {wall:6.3f} s   imports {imports:6.3f} s")
    ratios = f"wall {lazy_wall / eager_wall:5.2f}   imports {lazy_imports / eager_imports:5.2f}"
    print(f"  ratio (on demand / every module imported) {ratios}")


if __name__ == "__main__":
    main()
