"""County and province tables from a partitioned clean dataset, without loading all rows.

:func:`county_summary` reads only the few household columns it needs
(``members``, ``exited``, ``exit_year``, ``relocation_mode``, ``credit_granted``) and the
``counts_as_person`` flag of the quarantine, partition by partition, with
``dask.dataframe``: each partition is reduced to one row per county on its worker and only
those rows meet, so memory holds a partition's few columns, never the roster. Dask,
rather than DuckDB, because it is already the dependency of the ``scale`` extra, runs
on the same cluster as the cleaning, and reads the same hive-partitioned folders; a
provincial office can equally point DuckDB, pyarrow or pandas at the folders
(``read_parquet("out/households")``).

The numbers are the roster's own: registered households and people, the exits of a
year, relocation and credit counts, and the real persons quarantined (who would add to
the registered people). A count whose fields the roster lacks (``fields`` of the
folder's ``clean.json``: 脱贫状态/脱贫年度, 易地扶贫搬迁, 小额信贷) is missing, never 0
(:mod:`fupin_analysis.availability`). Incidence (registered people per 100 residents) needs the
counties' populations, which no roster holds: it is given only for the counties of a
``population`` table, and missing (never 0) otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..divisions import load_divisions
from .partitions import UNKNOWN, partition_column

__all__ = ["SUMMARY_COLUMNS", "county_summary"]

#: Columns of :func:`county_summary`, in order.
SUMMARY_COLUMNS = (
    "level",
    "code",
    "name",
    "households",
    "people",
    "exited_households",
    "exited_people",
    "exited_share",
    "relocated_households",
    "credit_households",
    "quarantined_persons",
    "population",
    "incidence",
)

#: Counts and the roster fields they need (any one of them).
_NEEDS = {
    ("exited_households", "exited_people", "exited_share"): {"exit_status", "exit_year"},
    ("relocated_households",): {"relocation_mode"},
    ("credit_households",): {"credit_granted"},
}
_HOUSEHOLD_COLUMNS = ["members", "exited", "exit_year", "relocation_mode", "credit_granted"]


def _dataset(path: Path, columns: list[str], partition: str) -> Any:
    import dask.dataframe as dd
    import pyarrow as pa
    import pyarrow.dataset as ds

    hive = ds.partitioning(pa.schema([(partition, pa.string())]), flavor="hive")
    return dd.read_parquet(str(path), columns=[*columns, partition],
                           dataset={"partitioning": hive})  # fmt: skip


def _per_household(frame: pd.DataFrame, year: int, partition: str) -> pd.DataFrame:
    exited = frame["exited"].astype("boolean").fillna(False) & frame["exit_year"].eq(year).fillna(
        False
    )
    return pd.DataFrame({
        "code": frame[partition].astype("str"),
        "households": 1,
        "people": frame["members"].astype("int64"),
        "exited_households": exited.astype("int64"),
        "exited_people": frame["members"].where(exited, 0).astype("int64"),
        "relocated_households": frame["relocation_mode"].notna().astype("int64"),
        "credit_households": frame["credit_granted"].astype("boolean").fillna(False)
        .astype("int64"),
    })  # fmt: skip


def county_summary(
    out: str | Path,
    year: int = 2016,
    population: pd.DataFrame | None = None,
    partition_by: str = "county",
) -> pd.DataFrame:
    """Per county (or township) and per province: registered households and people,
    exits of ``year``, relocation, credit, quarantined real persons and incidence.

    Parameters
    ----------
    out : str or Path
        The output folder of :func:`~fupin_analysis.scale.clean_partitioned`.
    year : int
        Year of the exits counted (``exit_year``).
    population : pandas.DataFrame, optional
        ``code`` (county or province code, 6 or 2 digits) and ``population``
        (residents): the denominators of ``incidence``.
    partition_by : str
        How ``out`` was partitioned.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`: ``level`` (``county`` or ``township``, then
        ``province``), ``code``, ``name`` (of the division table; the partition of rows
        without a village code is ``unknown``, in no province), the counts,
        ``exited_share`` (exited people / people), ``population`` and ``incidence``
        (people per 100 residents; missing without a population).
    """
    out = Path(out)
    partition = partition_column(partition_by)
    households = _dataset(out / "households", _HOUSEHOLD_COLUMNS, partition)
    meta = _per_household(households._meta, year, partition)
    counts = households.map_partitions(_per_household, year, partition, meta=meta)
    table = counts.groupby("code").sum().compute()
    quarantine = _dataset(out / "quarantine", ["counts_as_person"], partition)
    persons = quarantine.groupby(partition)["counts_as_person"].sum().compute()
    table["quarantined_persons"] = persons.reindex(table.index).fillna(0).astype("int64")
    table = table.sort_index().reset_index()
    table.insert(0, "level", partition_by)
    known = table[table["code"] != UNKNOWN]
    provinces = known.assign(code=known["code"].str[:2]).groupby("code").sum(numeric_only=True)
    provinces = provinces.reset_index().assign(level="province")
    table = pd.concat([table, provinces], ignore_index=True)
    table["exited_share"] = table["exited_people"] / table["people"].where(table["people"] > 0)
    divisions = load_divisions()
    names = dict(zip(divisions["code"], divisions["name"], strict=True))
    table["name"] = table["code"].map(lambda c: names.get(c.ljust(12, "0"), pd.NA))
    given = pd.Series(dtype="float64") if population is None else (
        population.set_index(population["code"].astype("str"))["population"].astype("float64"))
    table["population"] = table["code"].map(given).astype("float64")
    table["incidence"] = 100 * table["people"] / table["population"]
    fields = set(json.loads((out / "clean.json").read_text(encoding="utf-8"))["fields"])
    for names, needs in _NEEDS.items():
        if not fields & needs:
            table[list(names)] = float("nan")
    return table.loc[:, list(SUMMARY_COLUMNS)]
