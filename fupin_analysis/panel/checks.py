"""Histories that cannot be true: each flagged, none repaired.

:data:`CHECKS`:

``exit_reversed``
    a household exited in one roster and 未脱贫 in the next, without a 返贫 mark;
``returned_without_exit``
    a household marked 返贫 that earlier rosters show, never exited;
``exit_year_changed``
    a household exited in two consecutive rosters with two different exit years;
``person_in_two_households``
    a person listed in two households of one year (rosters in several files);
``person_listed_twice``
    a person listed twice in the same household of one year (two files that overlap);
``age_not_advancing``
    a person's age grows by more or less than the years between two rosters (a year
    cleaned with another reference date, or an identity number that changed hands).

Examples
--------
>>> CHECKS[:2]
('exit_reversed', 'returned_without_exit')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["CHECKS", "CHECK_COLUMNS", "impossible_histories"]

CHECKS: tuple[str, ...] = (
    "exit_reversed", "returned_without_exit", "exit_year_changed", "person_in_two_households",
    "person_listed_twice", "age_not_advancing",
)  # fmt: skip
#: Columns of the checks table.
CHECK_COLUMNS: tuple[str, ...] = (
    "check", "year", "panel_household", "household_key", "person_key", "detail",
)  # fmt: skip


def _households_in_order(households: pd.DataFrame) -> pd.DataFrame:
    """Household-years by household followed, then year, with the previous year's values."""
    columns = ["panel_household", "year", "household_key", "exited", "exit_year", "exit_status"]
    h = households[columns].sort_values(["panel_household", "year"], kind="stable")
    h = h.reset_index(drop=True)
    same = h["panel_household"].eq(h["panel_household"].shift())
    for col in ("year", "exited", "exit_year", "exit_status"):
        h[f"prev_{col}"] = h[col].shift().where(same)
    h["seen_before"] = same
    exited = h["exited"].astype(bool)
    h["exited_before"] = exited.groupby(h["panel_household"]).cummax().shift(fill_value=False)
    h["exited_before"] = h["exited_before"].where(same, False).astype(bool)
    return h


def _when(values: pd.Series, years: pd.Series) -> pd.Series:
    """``"<value> in <year>"`` per row."""
    return values.astype("str") + " in " + years.astype("Int64").astype("str")


def _household_rows(check: str, rows: pd.DataFrame, detail: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"check": check, "year": rows["year"], "panel_household": rows["panel_household"],
         "household_key": rows["household_key"], "person_key": pd.NA, "detail": detail}
    )  # fmt: skip


def impossible_histories(
    households: pd.DataFrame, persons: pd.DataFrame, repeats: pd.DataFrame
) -> pd.DataFrame:
    """Flag the impossible histories of :data:`CHECKS`.

    Parameters
    ----------
    households : pandas.DataFrame
        Household-years: ``panel_household``, ``year``, ``household_key``, ``exited``,
        ``exit_year``, ``exit_status``.
    persons : pandas.DataFrame
        Person-years: ``person_key``, ``year``, ``household_key``, ``panel_household``,
        ``age``.
    repeats : pandas.DataFrame
        Rows left out of the person-years (:class:`.link.YearRows`): ``year``,
        ``person_key``, ``household_key``, ``kept_household_key``.

    Returns
    -------
    pandas.DataFrame
        One row per finding: :data:`CHECK_COLUMNS` (``person_key`` NA for household
        checks), ordered by check, year and keys.

    Examples
    --------
    >>> h = pd.DataFrame({"panel_household": ["A", "A"], "year": [2015, 2016],
    ...                   "household_key": ["h", "h"], "exited": [True, False],
    ...                   "exit_year": pd.array([2015, pd.NA], dtype="Int64"),
    ...                   "exit_status": ["已脱贫(享受政策)", "未脱贫"]})
    >>> p = pd.DataFrame({"person_key": ["a", "a"], "year": [2015, 2016],
    ...                   "household_key": ["h", "h"], "panel_household": ["A", "A"],
    ...                   "age": [40, 40]})
    >>> checks = impossible_histories(h, p, pd.DataFrame(columns=["year", "person_key",
    ...     "household_key", "kept_household_key"]))
    >>> checks["check"].tolist()
    ['exit_reversed', 'age_not_advancing']
    >>> checks["detail"].tolist()
    ['已脱贫(享受政策) in 2015, 未脱贫 in 2016', 'age 40 in 2015, 40 in 2016']
    """
    h = _households_in_order(households)
    found = []
    status = h["exit_status"].astype("str")
    reversed_ = h["prev_exited"].eq(True) & ~h["exited"].astype(bool) & status.ne("返贫")
    rows = h[reversed_]
    detail = _when(rows["prev_exit_status"], rows["prev_year"]) + ", "
    found.append(
        _household_rows("exit_reversed", rows, detail + _when(rows["exit_status"], rows["year"]))
    )
    rows = h[status.eq("返贫") & h["seen_before"] & ~h["exited_before"]]
    found.append(_household_rows(
        "returned_without_exit", rows,
        "返贫 in " + rows["year"].astype("str") + ", never exited before",
    ))  # fmt: skip
    both = h["prev_exited"].eq(True) & h["exited"].astype(bool)
    prev_year = pd.to_numeric(h["prev_exit_year"], errors="coerce")
    now_year = pd.to_numeric(h["exit_year"], errors="coerce")
    rows = h[both & prev_year.notna() & now_year.notna() & prev_year.ne(now_year)]
    found.append(_household_rows(
        "exit_year_changed", rows,
        "exit year " + prev_year[rows.index].astype("Int64").astype("str") + " in "
        + rows["prev_year"].astype("Int64").astype("str") + ", "
        + now_year[rows.index].astype("Int64").astype("str") + " in " + rows["year"].astype("str"),
    ))  # fmt: skip
    if len(repeats):
        lineage = persons.drop_duplicates(["year", "household_key"]).set_index(
            ["year", "household_key"]
        )["panel_household"]
        other = repeats["household_key"].ne(repeats["kept_household_key"])
        where = pd.MultiIndex.from_frame(repeats[["year", "kept_household_key"]])
        found.append(pd.DataFrame({
            "check": np.where(other, "person_in_two_households", "person_listed_twice"),
            "year": repeats["year"].to_numpy(),
            "panel_household": lineage.reindex(where).to_numpy(),
            "household_key": repeats["household_key"].to_numpy(),
            "person_key": repeats["person_key"].to_numpy(),
            "detail": np.where(other, "also in household " + repeats["kept_household_key"]
                               .astype("str"), "listed again in the same household"),
        }))  # fmt: skip
    p = persons[["person_key", "year", "household_key", "panel_household", "age"]]
    p = p.sort_values(["person_key", "year"], kind="stable")
    same = p["person_key"].eq(p["person_key"].shift())
    age = pd.to_numeric(p["age"], errors="coerce")
    grew = age - age.shift()
    years = p["year"] - p["year"].shift()
    rows = p[same & age.notna() & age.shift().notna() & grew.ne(years)]
    found.append(pd.DataFrame({
        "check": "age_not_advancing", "year": rows["year"],
        "panel_household": rows["panel_household"], "household_key": rows["household_key"],
        "person_key": rows["person_key"],
        "detail": "age " + age.shift()[rows.index].astype("Int64").astype("str") + " in "
        + p["year"].shift()[rows.index].astype("Int64").astype("str") + ", "
        + age[rows.index].astype("Int64").astype("str") + " in " + rows["year"].astype("str"),
    }))  # fmt: skip
    out = pd.concat([f for f in found if len(f)], ignore_index=True) if any(
        len(f) for f in found
    ) else pd.DataFrame({c: [] for c in CHECK_COLUMNS})  # fmt: skip
    out["check"] = pd.Categorical(out["check"], categories=CHECKS)
    out = out.sort_values(["check", "year", "panel_household", "person_key"], kind="stable")
    out["check"] = out["check"].astype("str")
    out["year"] = out["year"].astype("int64")
    for col in ("panel_household", "household_key", "person_key", "detail"):
        out[col] = out[col].astype("str")
    return out[list(CHECK_COLUMNS)].reset_index(drop=True)
