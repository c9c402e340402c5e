"""Benchmark: what the presentation layer adds to a page — the CJK font subset and tables.

Run from the repository root on a report folder (``fupin report --out DIR`` first)::

    .venv/bin/python benchmarks/bench_pages.py DIR [--repeat 3]

For each page of ``DIR/html`` and ``DIR/index.html``: its Chinese characters, the time of
:func:`fupin_analysis.report.webfont.font_css` (subsetting the machine's CJK font to them)
and the size of the ``<style>`` it adds; then the time of
:func:`fupin_analysis.presentation.html_table` for a 30-village table. Prints medians;
record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

from fupin_analysis import presentation
from fupin_analysis.report import webfont


def _median_seconds(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"CJK font: {webfont.cjk_font_file()}")
    pages = sorted((args.run / "html").glob("*.html")) + [args.run / "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        characters = len(set(webfont._CJK.findall(text)))
        seconds = _median_seconds(lambda text=text: webfont.font_css(text), args.repeat)
        size = len(webfont.font_css(text))
        print(f"{page.name:45s} {characters:5d} chars {seconds:6.2f} s {size / 1000:7.1f} kB")
    table = pd.DataFrame({"village_code": [f"4305272032{i:02d}" for i in range(30)],
                          "village_name": ["李家村"] * 30, "poor": range(30),
                          "incidence": [i / 100 for i in range(30)],
                          "designated": [i % 2 == 0 for i in range(30)]})  # fmt: skip
    seconds = _median_seconds(lambda: presentation.html_table(table), args.repeat)
    print(f"html_table, 30 rows x 5 columns: {seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()
