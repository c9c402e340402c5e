"""Benchmark: the full default report on the embedded data, village profile over 11 villages.

Run from the repository root::

    .venv/bin/python benchmarks/bench_report.py [--jobs N] [--villages designated]

Prints the wall time of the whole run (planning, every notebook, HTML, index, manifest and
the privacy check) and each notebook's own time; writes into ``benchmarks/out/report``.
The target is under 90 s wall on a 2-core machine; record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from fupin_analysis.report import run_report

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="notebooks at once (config: 2)")
    parser.add_argument("--villages", default="designated", help="fan-out of village_profile")
    args = parser.parse_args()
    start = time.perf_counter()
    run = run_report(
        REPO / "reports.yml",
        out=REPO / "benchmarks" / "out" / "report",
        jobs=args.jobs,
        villages=args.villages,
        progress=False,
    )
    wall = time.perf_counter() - start
    print(run.summary[["job", "status", "seconds"]].to_string(index=False))
    print(
        f"\n{len(run.summary)} notebooks, {int((run.summary['status'] == 'ok').sum())} ok, "
        f"privacy hits {len(run.privacy)}; jobs={args.jobs or 'config'}, "
        f"cpus={os.cpu_count()}; wall {wall:.1f} s"
    )


if __name__ == "__main__":
    main()
