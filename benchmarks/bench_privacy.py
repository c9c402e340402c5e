"""Benchmark: the privacy check (``privacy.scan``) over a report folder.

Run from the repository root, on a folder a report wrote (``bench_report.py`` writes
``benchmarks/out/report``; ``fupin report --out DIR`` any other)::

    .venv/bin/python benchmarks/bench_privacy.py [DIR] [--repeat 5]

Prints the number of files and text read, then the wall and CPU time of each scan with
the names of the embedded roster (read once, not timed). CPU time is the steadier number
on a shared machine. Record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from fupin_analysis import privacy, privacy_readers

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "benchmarks/out/report")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--roster", type=Path, default=REPO / "data/raw/zhaishi_roster_2016.xlsx")
    args = parser.parse_args()
    names = privacy.roster_names(args.roster)
    files = [p for p in args.folder.rglob("*") if p.is_file()]
    chars = sum(
        len(text)
        for path in files
        for text, _ in privacy_readers.texts(path)
        if isinstance(text, str)
    )
    walls, cpus = [], []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        hits = privacy.scan(args.folder, names=names)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"{len(files)} files, {chars / 1e6:.1f} M characters of text, {len(hits)} hits, "
        f"{len(names)} names; wall median {statistics.median(walls):.2f} s "
        f"(min {min(walls):.2f}), CPU median {statistics.median(cpus):.2f} s "
        f"(min {min(cpus):.2f}) over {args.repeat} scans"
    )


if __name__ == "__main__":
    main()
