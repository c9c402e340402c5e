"""Benchmark of partitioned cleaning on Dask against the single process (run by hand).

For each size (``--rows`` in millions, default 1 and 3) a province roster of
``fupin synth --counties`` (a CSV file per county of ``--county-households`` households,
≈ 3.3 rows each: fixed-size partitions, so more rows means more counties) is cleaned

* ``single``: ``clean_roster(files)`` and ``write_outputs`` in one process;
* ``dask``: ``clean_partitioned(files, out, client)`` on a ``LocalCluster`` of
  ``--workers`` processes (``local_client``, as the engine makes it), the cluster's start
  timed apart.

Each measurement runs in a fresh child process, the two engines interleaved, ``--repeat``
times (medians). Reported: wall time, seconds per million rows, the ratio dask/single
of the same run, peak memory of the single process and of each Dask worker
(``ru_maxrss``), the cluster start, the Dask steps and how many partitions the settle
step had to clean twice. The machine's load is recorded: on a shared
2-core machine the ratios, measured side by side, say more than the seconds.

Usage::

    .venv/bin/python benchmarks/bench_scale.py [--rows 1 3 6] [--repeat 1]

Results are printed and written to ``benchmarks/out/bench_scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
ROWS_PER_HOUSEHOLD = 3.27  # of the synthetic scale roster


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _child(mode: str, files: list[str], workers: int) -> dict:
    """One measurement, in this (fresh) process."""
    from fupin_analysis.clean import clean_roster, write_outputs
    from fupin_analysis.scale import clean_partitioned
    from fupin_analysis.scale.engine import local_client

    out = Path(tempfile.mkdtemp(prefix="bench_scale_")) / "out"
    try:
        if mode == "single":
            clean_roster(files[0])  # imports and first-call set-up, not timed (small file)
            start = time.perf_counter()
            result = clean_roster(files[1:])
            write_outputs(result, out)
            wall = time.perf_counter() - start
            return {"wall_s": wall, "rows": len(result.members) + len(result.quarantine),
                    "peak_gb": _peak_gb()}  # fmt: skip
        start = time.perf_counter()
        with local_client(workers) as client:
            started = time.perf_counter() - start
            clean_partitioned(files[:1], out.with_name("warm"), client=client)  # not timed
            start = time.perf_counter()
            result = clean_partitioned(files[1:], out, client=client)
            wall = time.perf_counter() - start
            workers_gb = sorted(client.run(_peak_gb).values())
        return {
            "wall_s": wall,
            "rows": result.summary()["rows_read"],
            "cluster_start_s": started,
            "worker_peak_gb": workers_gb,
            "client_peak_gb": _peak_gb(),
            "partitions": result.summary()["partitions"],
            "cleaned_twice": int(result.partitions["cleaned"].gt(1).sum()),
            "steps_s": dict(result.seconds),
        }
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def _measure(mode: str, files: list[Path], workers: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--workers", str(workers),
         *map(str, files)], capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _roster(folder: Path, millions: float, county_households: int) -> list[Path]:
    from fupin_analysis.synth import write_province

    counties = max(1, round(millions * 1e6 / ROWS_PER_HOUSEHOLD / county_households))
    households = counties * county_households
    made = folder / f"province_43_{households}"
    if not made.exists():
        write_province(folder, households, counties=counties, duplicates=200, per_county=True)
    return sorted(made.glob("*.csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[1, 3], help="millions")
    parser.add_argument("--county-households", type=int, default=60_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "bench_scale")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.files, args.workers)))
        return
    from fupin_analysis.synth import write_province

    warm = args.data / "warm"
    if not warm.exists():
        write_province(warm, 300, counties=2, duplicates=10)
    [warm_file] = sorted(warm.glob("*.csv"))
    results = []
    for millions in args.rows:
        files = _roster(args.data, millions, args.county_households)
        runs = {"single": [], "dask": []}
        for _ in range(args.repeat):
            for mode in runs:
                load = os.getloadavg()[0]
                measured = _measure(mode, [warm_file, *files], args.workers)
                runs[mode].append(measured | {"load": load})
        single = statistics.median(r["wall_s"] for r in runs["single"])
        dask = statistics.median(r["wall_s"] for r in runs["dask"])
        rows = runs["single"][0]["rows"]
        entry = {
            "rows": rows,
            "partitions": runs["dask"][0]["partitions"],
            "single_s": round(single, 1),
            "dask_s": round(dask, 1),
            "single_s_per_million": round(single / rows * 1e6, 2),
            "dask_s_per_million": round(dask / rows * 1e6, 2),
            "ratio_dask_to_single": round(dask / single, 2),
            "single_peak_gb": round(max(r["peak_gb"] for r in runs["single"]), 2),
            "worker_peak_gb": [round(g, 2) for g in runs["dask"][-1]["worker_peak_gb"]],
            "cluster_start_s": round(runs["dask"][-1]["cluster_start_s"], 1),
            "dask_steps_s": runs["dask"][-1]["steps_s"],
            "partitions_cleaned_twice": runs["dask"][-1]["cleaned_twice"],
            "load": [round(r["load"], 1) for m in runs.values() for r in m],
        }
        print(json.dumps(entry, ensure_ascii=False))
        results.append(entry)
    OUT.mkdir(exist_ok=True)
    info = {"python": platform.python_version(), "cpus": os.cpu_count(),
            "workers": args.workers, "county_households": args.county_households}  # fmt: skip
    (OUT / "bench_scale.json").write_text(json.dumps({"machine": info, "results": results},
                                                     indent=1) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
