"""Benchmark: the shipped national division table (size, load time) and `fupin init`.

Run from the repository root::

    .venv/bin/python benchmarks/bench_divisions.py [--repeat 5] [--shared PATH]

Each measurement runs in a fresh child process (imports done before the clock starts):
``load_divisions()`` of the shipped table against pandas reading the shared source
(``pd.read_parquet``), the first ``find_division`` (which indexes the 46,000 provinces …
townships), ``init_project`` of a township (寨市乡) and of a county (绥宁县, 239 units).
Prints medians, file sizes and the child's peak memory; record results in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from fupin_analysis.divisions import DIVISIONS_PATH

SHARED = Path("/work/shared/reference/divisions_2016.parquet")

CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
import pandas as pd
from fupin_analysis import divisions, project
what, shared = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    start = time.perf_counter()
    if what == "load_shipped":
        divisions.load_divisions()
    elif what == "read_shared":
        pd.read_parquet(shared)
    elif what == "find_first":
        divisions.find_division("寨市乡")
    elif what == "init_township":
        project.init_project("430527203", Path(tmp) / "p")
    elif what == "init_county":
        project.init_project("430527", Path(tmp) / "p")
    seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak}))
"""


def _run(what: str, shared: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, what, str(shared)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    steps = ["load_shipped", "find_first", "init_township", "init_county"]
    if args.shared.exists():
        steps.insert(1, "read_shared")
    results: dict[str, list[dict]] = {s: [] for s in steps}
    for _ in range(args.repeat):
        for step in steps:  # interleaved, so machine load hits every step alike
            results[step].append(_run(step, args.shared))
    print(f"shipped {DIVISIONS_PATH.stat().st_size / 1e6:.2f} MB", end="")
    if args.shared.exists():
        print(f", shared source {args.shared.stat().st_size / 1e6:.2f} MB", end="")
    print(f"; load average {os.getloadavg()[0]:.1f}, cpus {os.cpu_count()}")
    for step, runs in results.items():
        times = [r["seconds"] for r in runs]
        print(
            f"{step:14s} median {statistics.median(times):.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f}); "
            f"peak {max(r['peak_mb'] for r in runs):.0f} MB"
        )


if __name__ == "__main__":
    main()
