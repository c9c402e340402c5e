"""Statistical disclosure control of published tables: no count a neighbour could recognise.

A village has a few hundred residents; "1 household relocated in 白寨村, moved 2.3 km
downhill" points at one family. Statistics offices publish such tables with small counts
suppressed. :func:`protect` does that to a table before it is published:

1. **Primary suppression.** A count of people or households (a column of
   :data:`COUNT_COLUMNS`, or in a long table a ``value`` whose measure is in
   :data:`COUNT_MEASURES`) with ``0 < count < threshold`` is suppressed. Zeros are shown:
   they say nothing about a person.
2. **What is computed from it.** A column of :data:`DERIVED_COLUMNS` (a rate, a share, a
   cost, a distance describing the counted group) is suppressed in every row where one
   of the counts it comes from is.
3. **Complementary suppression.** In a table with a total row (code of a township, or a
   name such as 合计 / 全乡 / total), a column with exactly one suppressed cell among the
   other rows would give it away by subtraction; the smallest other non-zero cell of that
   column is suppressed too.

Suppressed cells read ``<3`` (for the default threshold of 3) in pages, CSV and Excel.
The rule is stated on every page that shows such a table (:func:`rule_text`).

Sentences and figures follow the same rule: :func:`shown_count` writes a count as a
sentence shows it (``<3``), :func:`group_small` merges the small categories of a bar
chart into one group, :func:`suppress_small` blanks the small cells of a table a figure
draws (an age-sex pyramid).

Examples
--------
>>> table = pd.DataFrame({"village_name": ["李家村", "竹桥村", "全乡"],
...                       "households": [40, 2, 42], "people": [150, 7, 157],
...                       "exit_share": [0.5, 1.0, 0.52]})
>>> protect(table).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'village_name': ['李家村', '竹桥村', '全乡'], 'households': ['<3', '<3', 42],
 'people': ['<3', '<3', 157], 'exit_share': ['<3', '<3', 0.52]}
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = [
    "COUNT_COLUMNS",
    "COUNT_MEASURES",
    "DERIVED_COLUMNS",
    "DERIVED_MEASURES",
    "NOT_COUNTS",
    "DEFAULT_THRESHOLD",
    "protect",
    "suppressed_cells",
    "rule_text",
    "shown_count",
    "group_small",
    "suppress_small",
]

#: Counts below this are suppressed unless a caller asks for another threshold.
DEFAULT_THRESHOLD = 3

#: Columns that count people or households (or roster rows, which are people).
COUNT_COLUMNS: frozenset[str] = frozenset(
    {
        "households", "people", "members", "persons", "poor", "registered_poor",
        "remaining_poor", "exited", "exited_households", "exited_people", "false_exits",
        "eligible_not_exited", "primary_students", "secondary_students", "students",
        "rated", "granted", "scattered_households", "scattered_people",
        "concentrated_households", "concentrated_people", "layer_households",
        "layer_people", "demand_households", "units", "poor_units", "rows",
        "real_persons",
        # yearly rosters linked (fupin_analysis.panel)
        "poor_start", "poor_end", "stayed", "entered", "left", "new", "returned",
        "born_or_married_in", "removed", "died_or_married_out", "household_gone",
        "unobserved_in", "unobserved_out", "below_line", "designated_poor",
        "at_risk_households", "censored_households", "returned_households", "returned_people",
        "linked_persons", "new_households", "split_households", "renumbered_households",
        "merged_households", "gone_households", "unobserved_persons", "refused_persons",
        # the Alkire-Foster index by group (fupin_analysis.assurances)
        "deprived_units", "censored_units",
    }
)  # fmt: skip

#: Integer columns that are not counts of people: codes, ranks, parameters, populations
#: of the public registry, capacities. A published table's integer column must be in
#: one of the two sets (``tests/test_notebooks.py`` checks the test report).
NOT_COUNTS: frozenset[str] = frozenset(
    {
        "code", "village_code", "urban_rural", "population", "rank", "n_neighbours", "p",
        "radius_m", "exit_year", "year", "capacity_households", "max_poor_below_line",
        "still_to_exit", "published", "difference", "k", "weight", "villages", "value",
        "quarantined", "value_with_quarantined", "years", "median_years", "line_yuan",
        # spatial inference (notebook 07): units, strata, neighbour sets, test settings
        "arrangements", "strata", "smallest_stratum", "overlay_strata", "n_1", "n_2",
        "stratum_1", "stratum_2", "n", "islands", "permutations", "significant_seeds",
        "significant", "significant_fdr", "significant_bonferroni", "df",
        # map features (the geography's cleaning), not people
        "features",
    }
)  # fmt: skip

#: Column → the counts (same row) it is computed from or describes. People counted in a
#: row whose households are hidden describe those households, and are hidden with them.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {
    "people": ("households",),
    "members": ("households",),
    "exited_people": ("exited_households",),
    "scattered_people": ("scattered_households",),
    "concentrated_people": ("concentrated_households",),
    "layer_people": ("layer_households",),
    "incidence": ("poor",),
    "ci_low": ("poor",),
    "ci_high": ("poor",),
    "raw": ("poor",),
    "eb": ("poor",),
    "seb": ("poor",),
    "lq": ("poor",),
    "share_of_poor": ("poor",),
    "incidence_registered": ("registered_poor",),
    "incidence_remaining": ("remaining_poor",),
    "exit_share": ("households", "people", "exited_households", "exited_people"),
    "false_exit_share": ("exited", "false_exits"),
    "rated_share": ("households", "rated"),
    "granted_share": ("households", "granted"),
    "primary_cost_yuan": ("primary_students",),
    "secondary_cost_yuan": ("secondary_students",),
    "total_cost_yuan": ("primary_students", "secondary_students"),
    "H": ("units", "poor_units"),
    "A": ("poor_units",),
    "M0": ("units", "poor_units"),
    "move_m": ("households", "people"),
    "old_road_m": ("households", "people"),
    "new_road_m": ("households", "people"),
    "nearer_road": ("households", "people"),
    "elevation_change_m": ("households", "people"),
    "incidence_below_line": ("below_line",),
    "designated_share": ("designated_poor",),
    "concentration_ratio": ("designated_poor",),
    "return_rate": ("exited_households", "returned_households"),
    "survival": ("exited_households",),
    "headcount": ("deprived_units",),
    "censored_headcount": ("censored_units",),
    "contribution": ("censored_units",),
    # the work summary: the figure with the refused rows, and its gap to the published one
    "value_with_quarantined": ("quarantined",),
    "difference": ("value_with_quarantined",),
}

#: Measures of long tables (``measure``/``item``/``figure`` and ``value``) that count people.
COUNT_MEASURES: frozenset[str] = frozenset(
    {
        "rows_read", "members", "households", "quarantined", "quarantined_persons",
        "persons", "poor", "designated_poor", "registered_people", "registered_households",
        "designated_people", "exited_people", "scattered_households", "scattered_people",
        "concentrated_households", "concentrated_people", "education_primary_students",
        "education_secondary_students",
    }
)  # fmt: skip

#: Measures of long tables computed from the counts of other measures (same column).
DERIVED_MEASURES: dict[str, tuple[str, ...]] = {
    "education_primary_cost": ("education_primary_students",),
    "education_secondary_cost": ("education_secondary_students",),
    "education_total_cost": ("education_primary_students", "education_secondary_students"),
}

_MEASURE_COLUMNS = ("measure", "item", "figure")
_LONG_VALUES = ("value", "quarantined", "value_with_quarantined")
_TOTAL_NAMES = re.compile(r"^(合计|总计|全乡|全镇|全县|全村|total|township|all)$", re.IGNORECASE)


def _marker(threshold: int) -> str:
    return f"<{threshold}"


def _small(values: pd.Series, threshold: int) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return ((numbers > 0) & (numbers < threshold)).fillna(False).astype(bool)


def _total_rows(table: pd.DataFrame) -> pd.Series:
    """Rows that total the others: a 9-digit (township) code, or a total's name."""
    total = pd.Series(False, index=table.index)
    for col in ("village_code", "code"):
        if col in table:
            total |= table[col].astype("string").str.fullmatch(r"\d{6}|\d{9}").fillna(False)
    for col in ("village_name", "name", "village"):
        if col in table:
            total |= table[col].astype("string").str.strip().str.match(_TOTAL_NAMES).fillna(
                False
            )
    return total.astype(bool)


def suppressed_cells(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """The cells :func:`protect` suppresses: a boolean frame shaped like ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        A table about to be published (columns named as the package names them).
    threshold : int
        Counts ``0 < count < threshold`` are suppressed; ``threshold <= 1`` suppresses
        nothing.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["A", "B", "C"], "poor": [1, 10, 0], "incidence": [.01, .1, 0]})
    >>> suppressed_cells(t).to_dict("list")
    {'name': [False, False, False], 'poor': [True, False, False], 'incidence': [True, False, False]}
    """
    hidden = pd.DataFrame(False, index=table.index, columns=table.columns)
    if threshold <= 1 or table.empty:
        return hidden
    for col in table.columns:
        if col in COUNT_COLUMNS:
            hidden[col] |= _small(table[col], threshold)
    measure = next((c for c in _MEASURE_COLUMNS if c in table.columns), None)
    if measure is not None:
        counted = table[measure].isin(COUNT_MEASURES)
        for col in _LONG_VALUES:
            if col in table.columns:
                hidden[col] |= counted & _small(table[col], threshold)
        if "quarantined" in table.columns:  # refused people or households, whatever the row
            money = table["unit"].eq("元") if "unit" in table.columns else False
            hidden["quarantined"] |= ~money & _small(table["quarantined"], threshold)
        for col in (c for c in _LONG_VALUES if c in table.columns):
            for derived, bases in DERIVED_MEASURES.items():
                if hidden.loc[table[measure].isin(bases), col].any():
                    hidden.loc[table[measure] == derived, col] = True
    totals = _total_rows(table)
    changed = True
    while changed:
        changed = False
        for col, bases in DERIVED_COLUMNS.items():
            if col in table.columns:
                from_hidden = hidden[[b for b in bases if b in table.columns]].any(axis=1)
                new = from_hidden & ~hidden[col]
                if new.any():
                    hidden[col] |= new
                    changed = True
        if totals.any():
            changed |= _complement(table, hidden, ~totals)
    return hidden


def _complement(table: pd.DataFrame, hidden: pd.DataFrame, parts: pd.Series) -> bool:
    """Hide a second cell where a column of the parts has exactly one hidden cell."""
    changed = False
    for col in table.columns:
        if col not in COUNT_COLUMNS:
            continue
        if int((hidden[col] & parts).sum()) != 1:
            continue
        values = pd.to_numeric(table[col], errors="coerce")
        candidates = values[parts & ~hidden[col] & (values > 0)]
        if candidates.empty:
            continue
        hidden.loc[candidates.idxmin(), col] = True
        changed = True
    return changed


def protect(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """``table`` with its small counts and what would reveal them replaced by ``<threshold``.

    See the module docstring for the rule. Columns with a suppressed cell become text
    columns (``object``); the others keep their dtypes.

    Examples
    --------
    >>> t = pd.DataFrame({"village_code": ["430527203203", "430527203207", "430527203"],
    ...                   "scattered_households": [1, 5, 6]})
    >>> protect(t)["scattered_households"].tolist()
    ['<3', '<3', 6]
    """
    hidden = suppressed_cells(table, threshold)
    if not hidden.to_numpy().any():
        return table
    out = table.copy()
    for col in hidden.columns[hidden.any(axis=0).to_numpy()]:
        values = out[col].astype(object)
        values[hidden[col].to_numpy()] = _marker(threshold)
        out[col] = values
    return out


def rule_text(threshold: int = DEFAULT_THRESHOLD, lang: str = "zh") -> str:
    """The disclosure rule as a page states it.

    Examples
    --------
    >>> rule_text(3, "en")[:48]
    'Counts of 1 or 2 people or households are shown '
    """
    if threshold <= 1:
        return (
            "未做小数值隐藏（min_count ≤ 1）。" if lang == "zh" else
            "No small counts are suppressed (min_count ≤ 1)."
        )  # fmt: skip
    below = "1" if threshold == 2 else f"1 to {threshold - 1}" if threshold > 3 else "1 or 2"
    if lang == "zh":
        return (
            f"为防止识别到具体农户，少于{threshold}的人数或户数显示为“<{threshold}”，由其算出的比例、"
            "金额等一并隐藏；有合计行时另隐藏一个数，使隐藏值不能由合计反推。"
        )
    return (
        f"Counts of {below} people or households are shown as <{threshold}, with the rates, "
        "shares and amounts computed from them; where a table has a total, one more cell is "
        "hidden so that the suppressed value cannot be recovered by subtraction. This keeps "
        "a household from being recognised, as statistics offices do."
    )


def shown_count(count: float, threshold: int = DEFAULT_THRESHOLD) -> str:
    """A count of people or households as a sentence shows it: ``<3`` when small.

    Examples
    --------
    >>> shown_count(1), shown_count(0), shown_count(1234), shown_count(2, threshold=1)
    ('<3', '0', '1,234', '2')
    """
    count = int(count)
    return _marker(threshold) if 0 < count < threshold else f"{count:,}"


def group_small(
    counts: pd.Series, threshold: int = DEFAULT_THRESHOLD, other: str = "其他"
) -> pd.Series:
    """Bar-chart counts with the small categories merged into one group ``other``.

    Categories with ``0 < count < threshold`` are merged; while the merged group is
    itself below the threshold, the smallest remaining category joins it (so that no
    bar, and no difference from the total, is a small count). Zeros are dropped. A group
    that stays small (every category together is below the threshold) has no value
    (``NA``): draw it as ``<3`` without a bar.

    Parameters
    ----------
    counts : pandas.Series
        Category → count, in the order to draw.
    threshold : int
        As in :func:`protect`; 1 merges nothing.
    other : str
        The label of the merged group.

    Returns
    -------
    pandas.Series
        The categories kept (in their order), then ``other`` when anything was merged;
        dtype ``Int64``.

    Examples
    --------
    >>> group_small(pd.Series({"因病": 10, "因学": 1, "因残": 4, "缺资金": 0})).to_dict()
    {'因病': 10, '其他': 5}
    >>> group_small(pd.Series({"因病": 2})).isna().to_dict()
    {'其他': True}
    >>> group_small(pd.Series({"因病": 10, "因学": 1}), threshold=1).to_dict()
    {'因病': 10, '因学': 1}
    """
    counts = pd.to_numeric(counts).astype("Int64")
    counts = counts[counts > 0]
    merged = counts[counts < threshold]
    kept = counts[counts >= threshold]
    while len(merged) and merged.sum() < threshold and len(kept):
        smallest = kept.idxmin()
        merged = pd.concat([merged, kept[[smallest]]])
        kept = kept.drop(smallest)
    if not len(merged):
        return kept
    total = merged.sum()
    value = total if total >= threshold else pd.NA
    return pd.concat([kept, pd.Series({other: value}, dtype="Int64")])


def suppress_small(table: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """A table of counts with every cell ``0 < count < threshold`` blanked (``NA``).

    For the counts a figure draws cell by cell (an age-sex pyramid): a blank cell is not
    drawn and is labelled ``<3``.

    Examples
    --------
    >>> wide = pd.DataFrame({"男": [5, 1], "女": [0, 7]}, index=["0-9", "10-19"])
    >>> suppress_small(wide)["男"].isna().tolist()
    [False, True]
    """
    numbers = table.apply(pd.to_numeric).astype("Int64")
    return numbers.mask((numbers > 0) & (numbers < threshold))
