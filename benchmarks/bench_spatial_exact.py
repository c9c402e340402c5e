"""Benchmark: exact conditional p-values (spatial.exact) against esda's permutations.

Run from the repository root::

    .venv/bin/python benchmarks/bench_spatial_exact.py [--repeat 5]

Measures, each as the median of ``--repeat`` runs in this process (imports and the
village frame built before the clock starts):

* ``exact_local_moran`` of the embedded incidence (30 villages, queen: every village
  counted exactly) against esda's ``Moran_Local`` with 9,999 permutations
  (``spatial.local_moran``);
* ``subset_sum_tails`` for larger neighbourhoods: the partial sums held and the time of
  one unit's exact count, for ``n`` units and ``k`` neighbours, beside ``C(n - 1, k)``.

Prints a table; record results in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings

import numpy as np

from fupin_analysis import clean_roster, geo, reference, spatial
from fupin_analysis.reference import data_dir
from fupin_analysis.spatial import exact


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    raw = data_dir() / "raw"
    clean = clean_roster(raw / "zhaishi_roster_2016.xlsx")
    villages = geo.read_geography(raw / "zhaishi_geography.gpkg").villages
    registry = reference.read_village_registry(raw / "zhaishi_village_registry_2016.csv")
    rates = spatial.village_rates(clean.households, villages, registry, 2016)

    exact_s = _median_seconds(lambda: exact.exact_local_moran(rates, "incidence"), args.repeat)
    esda_s = _median_seconds(
        lambda: spatial.local_moran(rates, "incidence", permutations=9999, seed=0), args.repeat
    )
    print("| what | median |")
    print("|---|---|")
    print(f"| exact_local_moran, 30 villages (all exact) | {exact_s * 1000:.1f} ms |")
    print(f"| local_moran (esda), 9,999 permutations | {esda_s * 1000:.1f} ms |")
    print()
    print("| n | k | C(n-1, k) | partial sums | one unit's exact count |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for n, k in ((30, 9), (30, 14), (60, 8), (100, 6), (200, 4), (44, 21)):
        pool = rng.random(n - 1)
        observed = float(pool[:k].sum())
        needed = exact.subset_sums_needed(n - 1, k)
        seconds = _median_seconds(
            lambda pool=pool, k=k, observed=observed: exact.subset_sum_tails(
                pool, k, observed, limit=10**8
            ),
            args.repeat,
        )
        print(f"| {n} | {k} | {math.comb(n - 1, k):,} | {needed:,} | {seconds * 1000:.1f} ms |")


if __name__ == "__main__":
    main()
