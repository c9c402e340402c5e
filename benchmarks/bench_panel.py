"""Benchmark of linking yearly rosters (run by hand, not a test).

Six yearly rosters of a county of about a million registered people a year
(``synth.write_scale_panel``: ``--households`` 305,000 ≈ 1 million people a year, with
entries, removals, deaths, births, exits and renumbered households) are cleaned, one year
at a time (``clean_roster`` of the parquet, ages at 31 December of its year; the clean
tables written as ``fupin clean`` writes them), and then linked by ``link_rosters`` in a
fresh process that reads the six clean outputs. Reported: the time of each step and the
peak memory (``ru_maxrss``) of each process, and for the linking also the memory the
clean tables take before linking starts.

Usage::

    .venv/bin/python benchmarks/bench_panel.py [--households 305000] [--keep]

``--keep`` reuses the inputs and clean outputs of an earlier run (``benchmarks/out/``).
Results are printed and written to ``benchmarks/out/bench_panel.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # KiB on Linux


def _child(mode: str, folder: str, households: int) -> dict:
    """One step, in this (fresh) process."""
    import pandas as pd

    from fupin_analysis import synth
    from fupin_analysis.clean import CleanRoster, clean_roster, write_outputs
    from fupin_analysis.panel import link_rosters
    from fupin_analysis.panel.outputs import write_panel

    base = Path(folder)
    years = list(synth.PANEL_YEARS)
    if mode == "make":
        start = time.perf_counter()
        synth.write_scale_panel(base / "input", households)
        return {"mode": mode, "seconds": time.perf_counter() - start, "peak_gb": _peak_gb()}
    if mode == "clean":
        seconds, rows = {}, {}
        for year in years:
            start = time.perf_counter()
            result = clean_roster(
                base / "input" / f"scale_panel_{households}_{year}.parquet",
                reference_date=f"{year}-12-31", salt="bench",
            )  # fmt: skip
            write_outputs(result, base / "clean" / str(year))
            seconds[year] = time.perf_counter() - start
            rows[year] = len(result.members) + len(result.quarantine)
        return {"mode": mode, "seconds": seconds, "rows": rows, "peak_gb": _peak_gb()}
    if mode == "link":
        rosters = {}
        for year in years:
            folder_year = base / "clean" / str(year)
            rosters[year] = [
                CleanRoster(
                    pd.read_parquet(folder_year / "members.parquet"),
                    pd.read_parquet(folder_year / "households.parquet"),
                    pd.read_parquet(folder_year / "quarantine.parquet"),
                    pd.DataFrame(),
                )
            ]
        loaded_gb = _peak_gb()
        start, cpu = time.perf_counter(), time.process_time()
        panel = link_rosters(rosters)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        linked_gb = _peak_gb()
        start = time.perf_counter()
        write_panel(panel, base / "panel")
        return {
            "mode": mode, "seconds": seconds, "cpu_seconds": cpu,
            "write_seconds": time.perf_counter() - start,
            "loaded_gb": loaded_gb, "peak_gb": linked_gb,
            "person_years": len(panel.person_years), "household_years": len(panel.household_years),
            "transitions": len(panel.transitions), "checks": len(panel.checks),
        }  # fmt: skip
    raise SystemExit(f"unknown mode {mode}")


def _run(mode: str, folder: Path, households: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), "--households", str(households)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=305_000)
    parser.add_argument("--keep", action="store_true", help="reuse inputs and clean outputs")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], args.child[1], args.households)))
        return
    folder = OUT / f"panel_{args.households}"
    results = {"households": args.households, "python": platform.python_version()}
    if not (args.keep and (folder / "input").exists()):
        results["make"] = _run("make", folder, args.households)
        print(f"made the six rosters in {results['make']['seconds']:.1f} s")
    if not (args.keep and (folder / "clean").exists()):
        results["clean"] = _run("clean", folder, args.households)
        clean = results["clean"]
        rows, seconds = sum(clean["rows"].values()), sum(clean["seconds"].values())
        print(f"cleaned {rows:,} rows in {seconds:.1f} s, peak {clean['peak_gb']:.2f} GB")
    link = results["link"] = _run("link", folder, args.households)
    print(
        f"linked {link['person_years']:,} person-years ({link['household_years']:,} "
        f"household-years, {link['transitions']:,} transitions, {link['checks']:,} checks) in "
        f"{link['seconds']:.1f} s ({link['cpu_seconds']:.1f} s CPU); wrote the tables in "
        f"{link['write_seconds']:.1f} s; memory "
        f"{link['loaded_gb']:.2f} GB with the clean tables loaded, peak {link['peak_gb']:.2f} GB"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_panel.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
