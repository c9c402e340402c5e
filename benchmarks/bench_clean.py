"""Benchmark of roster ingest and cleaning (run by hand, not a test).

1. A ``fupin synth``-style scale roster (``--households`` 300,000 ≈ 1 million people, CSV)
   is cleaned with ``clean_roster(path)`` (read + clean) and compared, in the same run, with
   the time pyarrow takes merely to read the same file (``pyarrow.csv.read_csv``). Targets:
   at most 3x the pyarrow time, peak memory under 3 GB.
2. The same layout as .xlsx (``--xlsx-rows`` rows) read by ``read_roster`` through
   python-calamine and through the openpyxl fallback.

Each measurement runs in a fresh child process (so peak memory, ``ru_maxrss``, is its own),
after the same operation on a 200-row copy (imports and first-call initialisation are not
timed), the contenders interleaved, ``--repeat`` times; medians are reported.

Usage::

    .venv/bin/python benchmarks/bench_clean.py [--households 300000] [--repeat 3]

Results are printed and written to ``benchmarks/out/bench_clean.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TARGET_RATIO = 3.0
TARGET_PEAK_GB = 3.0


def _warmup_copy(path: Path, lines: int = 203) -> Path:
    """The first ``lines`` lines of a CSV roster (title, export date, header, 200 rows)."""
    small = path.with_name(f"warmup_{path.name}")
    if not small.exists():
        with path.open("rb") as source:
            small.write_bytes(b"".join(source.readline() for _ in range(lines)))
    return small


def _child(mode: str, path: str) -> dict:
    """One measurement, in this (fresh) process.

    Library imports and one-time initialisation are not timed: before the clock starts,
    the same operation runs on a 200-row copy of the CSV (pandera, for one, imports
    geopandas and hypothesis on its first validation).
    """
    import pyarrow.csv as pacsv

    from fupin_analysis import clean_roster, ingest
    from fupin_analysis.ingest import excel

    if mode == "xlsx-openpyxl":
        def refuse(path):
            raise RuntimeError("calamine disabled for the benchmark")

        excel.sheets_calamine = refuse

    def run(target) -> int:
        if mode == "pyarrow":
            return pacsv.read_csv(target, read_options=pacsv.ReadOptions(skip_rows=2)).num_rows
        if mode == "clean":
            result = clean_roster(target)
            return len(result.members) + len(result.quarantine)
        if mode in ("xlsx-calamine", "xlsx-openpyxl"):
            return len(ingest.read_roster(target))
        raise SystemExit(f"unknown mode {mode}")

    if mode in ("pyarrow", "clean"):
        run(_warmup_copy(Path(path)))
    start = time.perf_counter()
    rows = run(path)
    seconds = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # KiB on Linux
    return {"mode": mode, "seconds": seconds, "peak_gb": peak_gb, "rows": rows}


def _measure(mode: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _scale_csv(households: int) -> Path:
    path = OUT / f"scale_roster_{households}.csv"
    if not path.exists():
        from fupin_analysis.synth import write_scale

        write_scale(OUT, households)
    return path


def _scale_xlsx(csv_path: Path, rows: int) -> Path:
    path = OUT / f"scale_roster_{rows}.xlsx"
    if path.exists():
        return path
    import csv

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("贫困人口")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for k, row in enumerate(csv.reader(handle)):
            if k >= rows + 3:  # title, export date, header
                break
            sheet.append(row)
    book.save(path)
    return path


def _runs(modes: list[str], path: Path, repeat: int) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(repeat):
        for mode in modes:  # interleaved, so load on the machine hits both alike
            runs[mode].append(_measure(mode, path))
    return runs


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=300_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = _scale_csv(args.households)
    xlsx_path = _scale_xlsx(csv_path, args.xlsx_rows)
    csv_runs = _runs(["pyarrow", "clean"], csv_path, args.repeat)
    xlsx_runs = _runs(["xlsx-calamine", "xlsx-openpyxl"], xlsx_path, args.repeat)

    arrow_s = _median(csv_runs["pyarrow"], "seconds")
    clean_s = _median(csv_runs["clean"], "seconds")
    peak = max(r["peak_gb"] for r in csv_runs["clean"])
    ratios = [c["seconds"] / a["seconds"] for a, c in zip(csv_runs["pyarrow"], csv_runs["clean"],
                                                          strict=True)]
    summary = {
        "machine": f"{platform.machine()}, {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores",
        "csv": str(csv_path.name),
        "rows": csv_runs["clean"][0]["rows"],
        "pyarrow_read_s_median": round(arrow_s, 2),
        "clean_roster_s_median": round(clean_s, 2),
        "ratio_of_medians": round(clean_s / arrow_s, 2),
        "ratio_per_pair": [round(r, 2) for r in ratios],
        "clean_peak_gb_max": round(peak, 2),
        "xlsx": str(xlsx_path.name),
        "xlsx_calamine_s_median": round(_median(xlsx_runs["xlsx-calamine"], "seconds"), 2),
        "xlsx_openpyxl_s_median": round(_median(xlsx_runs["xlsx-openpyxl"], "seconds"), 2),
        "runs": {**csv_runs, **xlsx_runs},
    }
    summary["ratio_target_met"] = summary["ratio_of_medians"] <= TARGET_RATIO
    summary["memory_target_met"] = peak < TARGET_PEAK_GB
    (OUT / "bench_clean.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    for key, value in summary.items():
        if key != "runs":
            print(f"{key:26} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
