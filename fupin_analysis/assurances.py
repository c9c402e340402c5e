"""两不愁三保障 per household, the Alkire-Foster index, and exit checks.

A registered household exits poverty when its per-capita income is stably above the
national line and "two no-worries, three guarantees" (两不愁三保障) are met (FACTS §5).
This module measures each criterion from the roster's own indicators, one boolean
*deprivation* per household and dimension:

``income`` (吃穿不愁)
    per-capita net income at or below the year's national poverty line.
``education`` (义务教育有保障)
    a member aged 6–15 at the reference date is not in school (在校生状况 非在校生 or
    missing), unless that member's health is 患有大病 or 残疾 (dropout for health reasons
    is allowed).
``medical`` (基本医疗有保障)
    a member not enrolled in basic medical insurance or in critical-illness insurance
    (大病保险), or enrolment not recorded (FACTS §5: "basic medical insurance (and
    critical-illness insurance)").
``housing`` (住房安全有保障)
    the household is registered as living in a dilapidated house (危房户).
``water`` (饮水安全)
    safe drinking water not solved (or not recorded).

A household whose indicator is missing counts as deprived: a criterion that the roster
does not show as met cannot justify an exit. A dimension the roster does not measure at
all (no column, or no readable value: :mod:`fupin_analysis.availability`) is *unknown*:
its column is missing (``pd.NA``) for every household, never "deprived"; the index
leaves it out (:attr:`AlkireFoster.left_out`) and the exit checks do not use it. On these
deprivations it computes the Alkire-Foster adjusted headcount (:func:`alkire_foster`),
checks exits (:func:`exit_checks`) and the village exit line (:func:`village_exit_line`).

Examples
--------
>>> import pandas as pd
>>> dep = pd.DataFrame({"income": [True, False], "education": [True, False],
...                     "medical": [False, False], "housing": [False, True],
...                     "water": [False, False]})
>>> alkire_foster(dep, k=0.4).index[["H", "A", "M0"]].round(3).to_dict("records")
[{'H': 0.5, 'A': 0.4, 'M0': 0.2}]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

import pandas as pd

from .availability import (
    DIMENSION_FIELDS,
    DIMENSION_LABELS_ZH,
    MIN_DIMENSIONS,
    exits_known,
    known_fields,
    measured_dimensions,
)
from .errors import FupinError
from .reference import Reference, load_reference
from .spatial.rates import exit_line_status

__all__ = [
    "DIMENSIONS",
    "DIMENSION_LABELS_ZH",
    "AlkireFoster",
    "IncomeOnly",
    "two_assurances",
    "alkire_foster",
    "dimension_table",
    "largest_contribution",
    "income_only",
    "measured",
    "contributions_wide",
    "with_village_names",
    "village_deprivation",
    "checked_criteria",
    "exit_checks",
    "exit_checks_by_village",
    "false_exits_by_criteria",
    "flagged_households",
    "village_exit_line",
    "villages_with_assurances",
]

#: The five dimensions, in the order the policy names them (their Chinese labels:
#: :data:`DIMENSION_LABELS_ZH`, from :mod:`fupin_analysis.availability`).
DIMENSIONS: tuple[str, ...] = tuple(DIMENSION_FIELDS)


_HEALTH_EXCUSES = ("患有大病", "残疾")
_SCHOOL_AGE = (6, 15)


def _national_line(reference: Reference, year: int) -> float:
    lines = reference.poverty_lines
    hit = lines[(lines["year"] == int(year)) & (lines["scope"] == "national")]
    if hit.empty:
        raise FupinError(
            f"poverty_lines.csv: no national poverty line for {year}; add it to "
            "data/reference/poverty_lines.csv or choose another year"
        )
    return float(hit["line_yuan"].iloc[0])


def _true(series: pd.Series) -> pd.Series:
    """Boolean series with missing values as False."""
    return series.astype("boolean").fillna(False).astype(bool)


def two_assurances(
    members: pd.DataFrame,
    households: pd.DataFrame,
    year: int = 2016,
    reference: Reference | None = None,
    *,
    fields: Collection[str] | None = None,
) -> pd.DataFrame:
    """Deprivation in each dimension of 两不愁三保障, one row per household.

    Parameters
    ----------
    members, households : pandas.DataFrame
        The clean roster's tables (docs/architecture.md, "Clean roster"). Members need
        ``household_key``, ``age``, ``school_status``, ``health``, ``medical_insurance``,
        ``critical_illness_insurance``;
        households need ``household_key``, ``village_code``, ``income_per_capita``,
        ``dilapidated_house``, ``safe_water``, ``exited``, ``exit_year``.
    year : int
        Year whose national poverty line the income is compared with.
    reference : Reference, optional
        Reference tables (default :func:`~fupin_analysis.reference.load_reference`).
    fields : collection of str, optional
        ``CleanRoster.fields``: the roster fields the input had. A dimension is measured
        when one of its fields (:data:`fupin_analysis.availability.DIMENSION_FIELDS`) is
        known (:func:`fupin_analysis.availability.known_fields`; without ``fields``:
        when its column holds a value). Medical care is measured by the insurance
        columns the roster has; education excuses a child for health only where 健康状况
        is known.

    Returns
    -------
    pandas.DataFrame
        ``household_key``, ``village_code``, ``members`` (people kept), ``exited``,
        ``exit_year``, ``income_per_capita``, ``poverty_line``, then one boolean column
        per dimension of :data:`DIMENSIONS` (True = deprived; all ``pd.NA`` for a
        dimension not measured), ``deprivations`` (count over the measured dimensions)
        and ``meets_all`` (no deprivation; ``pd.NA`` where a dimension is not measured
        and none of the measured is deprived). ``exited`` is ``pd.NA`` throughout when
        the roster says nothing of exits (neither 脱贫状态 nor 脱贫年度).

    Examples
    --------
    >>> import pandas as pd
    >>> hh = pd.DataFrame({"household_key": ["a", "b"], "village_code": ["v", "v"],
    ...     "income_per_capita": [2000.0, 4000.0], "dilapidated_house": [False, False],
    ...     "safe_water": [True, True], "exited": [True, True], "exit_year": [2016, 2016]})
    >>> mem = pd.DataFrame({"household_key": ["a", "b", "b"], "age": [40, 40, 12],
    ...     "school_status": ["非在校生", "非在校生", "非在校生"],
    ...     "health": ["健康", "健康", "健康"], "medical_insurance": [True, True, True],
    ...     "critical_illness_insurance": [True, True, True]})
    >>> out = two_assurances(mem, hh, 2016)
    >>> out[["household_key", "income", "education", "meets_all"]].to_dict("records")
    [{'household_key': 'a', 'income': True, 'education': False, 'meets_all': False}, \
{'household_key': 'b', 'income': False, 'education': True, 'meets_all': False}]

    Without water (no 是否解决安全饮用水 value), water is unknown, not deprived:

    >>> out = two_assurances(mem, hh.assign(safe_water=pd.NA), 2016)
    >>> out["water"].tolist(), out["meets_all"].tolist()
    ([<NA>, <NA>], [False, False])
    """
    reference = reference or load_reference()
    line = _national_line(reference, year)
    known = known_fields(members, households, fields)
    dims = measured_dimensions(known)
    mem = members.copy()
    in_school = mem["school_status"].notna() & mem["school_status"].astype("string").ne("非在校生")
    health = mem["health"].astype("string").fillna("")
    excused = health.str.contains("|".join(_HEALTH_EXCUSES), regex=True)
    age = pd.to_numeric(mem["age"], errors="coerce")
    mem["_dropout"] = age.between(*_SCHOOL_AGE) & ~in_school & ~excused
    insured = pd.Series(True, index=mem.index)
    for name in DIMENSION_FIELDS["medical"]:
        if name in known:
            insured &= _true(mem[name])
    mem["_uninsured"] = ~insured
    per_hh = mem.groupby("household_key", sort=False).agg(
        members=("household_key", "size"),
        education=("_dropout", "any"),
        medical=("_uninsured", "any"),
    )
    out = households[
        [
            "household_key",
            "village_code",
            "exited",
            "exit_year",
            "income_per_capita",
            "dilapidated_house",
            "safe_water",
        ]
    ].copy()
    out["exited"] = (
        _true(out["exited"]) if exits_known(known)
        else pd.Series(pd.NA, index=out.index, dtype="boolean")
    )  # fmt: skip
    out = out.merge(per_hh, left_on="household_key", right_index=True, how="left")
    out["members"] = out["members"].fillna(0).astype(int)
    out["poverty_line"] = line
    income = pd.to_numeric(out["income_per_capita"], errors="coerce")
    out["income"] = ~(income > line).fillna(False).astype(bool)
    out["education"] = out["education"].fillna(False).astype(bool)
    out["medical"] = out["medical"].fillna(True).astype(bool)
    out["housing"] = ~_false(out.pop("dilapidated_house"))
    out["water"] = ~_true(out.pop("safe_water"))
    for d in DIMENSIONS:
        if d not in dims:
            out[d] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    deprived = out[list(dims)].any(axis=1) if dims else pd.Series(False, index=out.index)
    out["deprivations"] = out[list(dims)].sum(axis=1).astype(int)
    if len(dims) == len(DIMENSIONS):
        out["meets_all"] = out["deprivations"].eq(0)
    else:  # not deprived in what is measured: whether the rest is met is not known
        out["meets_all"] = pd.Series(pd.NA, index=out.index, dtype="boolean").mask(deprived, False)
    return out.reset_index(drop=True)


def measured(deprivations: pd.DataFrame, dimensions: Sequence[str] = DIMENSIONS) -> tuple[str, ...]:
    """The dimensions a deprivation table measures: present, and not missing throughout.

    A table without rows measures every dimension it has (there is nothing to tell).

    Parameters
    ----------
    deprivations : pandas.DataFrame
        :func:`two_assurances`, or any table with a boolean column per dimension.
    dimensions : sequence of str
        The dimensions to look for, in order.

    Examples
    --------
    >>> dep = pd.DataFrame({"income": [True, False], "water": pd.array([pd.NA, pd.NA],
    ...                     dtype="boolean")})
    >>> measured(dep)
    ('income',)
    """
    present = [d for d in dimensions if d in deprivations.columns]
    if deprivations.empty:
        return tuple(present)
    return tuple(d for d in present if deprivations[d].notna().any())


def _false(series: pd.Series) -> pd.Series:
    """True where the value is recorded as False (missing values are not)."""
    return series.astype("boolean").eq(False).fillna(False).astype(bool)


class AlkireFoster(NamedTuple):
    """Result of :func:`alkire_foster`.

    ``index``: one row per group: the group columns, ``units`` (n), ``poor_units`` (q),
    ``H`` (q/n), ``A`` (mean censored deprivation score of the poor), ``M0`` (H·A), ``k``.
    ``dimensions``: one row per group and measured dimension: ``dimension``, ``weight``,
    ``deprived_units`` and ``censored_units`` (units deprived; poor and deprived: the
    counts the shares come from, so that small ones are suppressed with them),
    ``headcount`` (share of units deprived), ``censored_headcount`` (share of units poor
    and deprived), ``contribution`` (weight · censored headcount / M0; sums to 1 over the
    dimensions of a group with M0 > 0).
    ``left_out``: the dimensions not measured (not in the table, or missing throughout),
    in policy order; the index re-weights the others.
    ``available``: False when too few dimensions are measured for an index: ``index``
    then has ``units`` and ``k`` only (``poor_units``, ``H``, ``A``, ``M0`` missing) and
    ``dimensions`` the headcounts of the measured ones (the rest missing).
    """

    index: pd.DataFrame
    dimensions: pd.DataFrame
    left_out: tuple[str, ...] = ()
    available: bool = True


def alkire_foster(
    deprivations: pd.DataFrame,
    k: float = 1 / 3,
    weights: Mapping[str, float] | None = None,
    by: str | Sequence[str] | None = None,
    unit_weight: str | None = None,
    *,
    min_dimensions: int = MIN_DIMENSIONS,
) -> AlkireFoster:
    """Alkire-Foster multidimensional poverty: headcount H, intensity A, M0, contributions.

    Unit *i* has deprivation score c_i = Σ_d w_d g_id with weights summing to 1; it is
    multidimensionally poor when c_i ≥ k. Then H = q/n, A = Σ_poor c_i / q, M0 = H·A, and
    the contribution of dimension d is w_d · h_d(k) / M0, where h_d(k) is the share of
    units that are poor and deprived in d.

    Only measured dimensions count (:func:`measured`): a dimension missing throughout is
    left out and the weights of the others are scaled to sum to 1 (equal weights stay
    equal); with fewer than ``min_dimensions`` measured there is no index
    (``available`` False). A unit missing in a measured dimension counts as deprived.

    Parameters
    ----------
    deprivations : pandas.DataFrame
        One row per unit with a boolean column per dimension (True = deprived).
    k : float
        Poverty cut-off as a share of the weighted dimensions, 0 < k ≤ 1. With five
        equal weights the default 1/3 means "deprived in at least two".
    weights : mapping, optional
        Dimension → weight (normalised to sum to 1). Default: equal weights over the
        columns of :data:`DIMENSIONS` present in ``deprivations``.
    by : str or list of str, optional
        Group columns (e.g. ``"village_code"``); None gives one overall row.
    unit_weight : str, optional
        Column weighting the units (e.g. ``"members"`` to count people, not households).
    min_dimensions : int
        Fewest measured dimensions for an index (default 2: with one, the "index" is
        that dimension's headcount).

    Returns
    -------
    AlkireFoster

    Raises
    ------
    FupinError
        For a cut-off outside (0, 1], a weight column that is missing, or non-positive
        weights.

    Examples
    --------
    Four households, five equal weights (0.2 each), k = 0.4 (two dimensions):

    >>> import pandas as pd
    >>> dep = pd.DataFrame({
    ...     "income":    [True,  True,  False, False],
    ...     "education": [True,  False, False, True],
    ...     "medical":   [True,  False, False, False],
    ...     "housing":   [False, True,  False, False],
    ...     "water":     [False, False, False, False]})
    >>> res = alkire_foster(dep, k=0.4)
    >>> res.index[["units", "poor_units", "H", "A", "M0"]].round(3).to_dict("records")
    [{'units': 4.0, 'poor_units': 2.0, 'H': 0.5, 'A': 0.5, 'M0': 0.25}]
    >>> res.dimensions.set_index("dimension")["contribution"].round(2).to_dict()
    {'income': 0.4, 'education': 0.2, 'medical': 0.2, 'housing': 0.2, 'water': 0.0}

    Housing and water not measured: three dimensions of weight 1/3 each, so only the
    first household (deprived in all three) reaches k = 0.4:

    >>> res = alkire_foster(dep.assign(housing=pd.NA, water=pd.NA), k=0.4)
    >>> res.left_out, res.index[["H", "A", "M0"]].round(3).to_dict("records")
    (('housing', 'water'), [{'H': 0.25, 'A': 1.0, 'M0': 0.25}])

    One dimension measured: no index.

    >>> res = alkire_foster(dep[["income"]], k=0.4)
    >>> res.available, res.left_out, bool(res.index["H"].isna().all())
    (False, ('education', 'medical', 'housing', 'water'), True)
    """
    if not 0 < k <= 1:
        raise FupinError(f"Alkire-Foster cut-off k={k} must be in (0, 1]")
    wanted = list(DIMENSIONS if weights is None else weights)
    if weights is not None:
        missing = [d for d in wanted if d not in deprivations.columns]
        if missing:
            raise FupinError(f"Alkire-Foster: deprivation columns {missing} not in the table")
        w = pd.Series(weights, dtype=float)
        if (w <= 0).any() or w.isna().any():
            raise FupinError(f"Alkire-Foster: weights must be positive, got {dict(weights)}")
    dims = list(measured(deprivations, wanted))
    left_out = tuple(d for d in wanted if d not in dims)
    w = pd.Series(1.0 if weights is None else weights, index=dims, dtype=float)
    w = w / w.sum()
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)

    g = deprivations[dims].astype("boolean").fillna(True).astype(float)
    score = g.mul(w, axis=1).sum(axis=1)
    # A small tolerance so that e.g. 2 × 0.2 counts as reaching k = 0.4.
    poor = score >= k - 1e-9
    n_w = (
        pd.Series(1.0, index=deprivations.index)
        if unit_weight is None
        else pd.to_numeric(deprivations[unit_weight], errors="raise").astype(float)
    )
    work = pd.DataFrame(
        {"_n": n_w, "_q": n_w * poor, "_cs": n_w * score * poor}, index=deprivations.index
    )
    for d in dims:
        work[f"h_{d}"] = n_w * g[d]
        work[f"c_{d}"] = n_w * g[d] * poor
    if by_cols:
        work[by_cols] = deprivations[by_cols]
        sums = work.groupby(by_cols, sort=True, dropna=False, observed=True).sum()
    else:
        sums = work.sum().to_frame().T
    n, q = sums["_n"], sums["_q"]
    index = pd.DataFrame(
        {
            "units": n,
            "poor_units": q,
            "H": q / n,
            "A": (sums["_cs"] / q).where(q > 0, 0.0),
            "M0": sums["_cs"] / n,
            "k": float(k),
        }
    )
    rows = []
    for d in dims:
        m0 = index["M0"]
        rows.append(
            pd.DataFrame(
                {
                    "dimension": d,
                    "weight": w[d],
                    "deprived_units": sums[f"h_{d}"],
                    "censored_units": sums[f"c_{d}"],
                    "headcount": sums[f"h_{d}"] / n,
                    "censored_headcount": sums[f"c_{d}"] / n,
                    "contribution": (w[d] * sums[f"c_{d}"] / n / m0).where(m0 > 0, 0.0),
                }
            )
        )
    columns = ["dimension", "weight", "deprived_units", "censored_units", "headcount",
               "censored_headcount", "contribution"]  # fmt: skip
    dimensions = pd.concat(rows) if rows else pd.DataFrame(columns=columns, index=index.index[:0])
    available = len(dims) >= min_dimensions
    if not available:  # too few dimensions: no index, only the headcounts measured
        index[["poor_units", "H", "A", "M0"]] = float("nan")
        dimensions[["censored_units", "censored_headcount", "contribution"]] = float("nan")
    if by_cols:
        index = index.reset_index()
        dimensions = dimensions.reset_index().sort_values(by_cols, kind="stable")
    else:
        index = index.reset_index(drop=True)
    return AlkireFoster(index, dimensions.reset_index(drop=True), left_out, available)


def checked_criteria(assurances: pd.DataFrame) -> tuple[str, ...]:
    """The criteria the exit checks of a :func:`two_assurances` table use: its measured
    dimensions, as Chinese labels.

    Examples
    --------
    >>> a = pd.DataFrame({"income": [True], "water": pd.array([pd.NA], dtype="boolean")})
    >>> checked_criteria(a)
    ('吃穿不愁(收入)',)
    """
    return tuple(DIMENSION_LABELS_ZH[d] for d in measured(assurances))


def exit_checks(assurances: pd.DataFrame) -> pd.DataFrame:
    """Households whose exit status disagrees with the criteria.

    Only measured criteria are checked (:func:`checked_criteria`): a household is never
    a false exit for a criterion the roster does not measure, and meets "every
    criterion" only when all five are measured.

    Parameters
    ----------
    assurances : pandas.DataFrame
        The result of :func:`two_assurances`.

    Returns
    -------
    pandas.DataFrame
        One row per household: ``household_key``, ``village_code``, ``exited``,
        ``exit_year``, ``failed`` (the measured criteria not met, Chinese labels joined
        by 、), ``false_exit`` (marked exited but fails a measured criterion) and
        ``eligible_not_exited`` (meets every criterion but still registered as poor).
        Where exits are unknown (``exited`` missing), or no criterion is measured,
        ``false_exit`` is missing; where a criterion is not measured,
        ``eligible_not_exited`` is missing for the households failing none of the
        measured ones.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"household_key": ["a", "b"], "village_code": ["v", "v"],
    ...     "exited": [True, False], "exit_year": [2016, pd.NA],
    ...     "income": [True, False], "education": [False, False], "medical": [False, False],
    ...     "housing": [False, False], "water": [False, False],
    ...     "meets_all": [False, True]})
    >>> exit_checks(a)[["failed", "false_exit", "eligible_not_exited"]].to_dict("records")
    [{'failed': '吃穿不愁(收入)', 'false_exit': True, 'eligible_not_exited': False}, \
{'failed': '', 'false_exit': False, 'eligible_not_exited': True}]

    Water not measured: the second household is not known to be eligible.

    >>> a = a.assign(water=pd.NA, meets_all=pd.array([False, pd.NA], dtype="boolean"))
    >>> checks = exit_checks(a)
    >>> checks["false_exit"].tolist(), checks["eligible_not_exited"].tolist()
    ([True, False], [False, <NA>])
    """
    out = assurances[["household_key", "village_code", "exited", "exit_year"]].copy()
    dims = list(measured(assurances))
    dep = assurances[dims].astype(bool)
    failed = [
        "、".join(DIMENSION_LABELS_ZH[d] for d, bad in zip(dims, row, strict=True) if bad)
        for row in dep.itertuples(index=False)
    ]
    out["failed"] = pd.Series(failed, index=out.index, dtype="string")
    meets = assurances["meets_all"]
    exited = assurances["exited"]
    if dims and not exited.isna().any() and not meets.isna().any():
        fails, exited, meets = dep.any(axis=1), exited.astype(bool), meets.astype(bool)
    else:  # something not known: nullable answers (no criterion measured: none known)
        fails = (
            dep.any(axis=1).astype("boolean") if dims
            else pd.Series(pd.NA, index=out.index, dtype="boolean")
        )  # fmt: skip
        exited, meets = exited.astype("boolean"), meets.astype("boolean")
    out["false_exit"] = exited & fails
    out["eligible_not_exited"] = ~exited & meets
    return out


def exit_checks_by_village(
    checks: pd.DataFrame, reference: Reference | None = None
) -> pd.DataFrame:
    """Count false exits and eligible-but-registered households per village.

    Parameters
    ----------
    checks : pandas.DataFrame
        The result of :func:`exit_checks`.
    reference : Reference, optional
        For village names.

    Returns
    -------
    pandas.DataFrame
        ``village_code``, ``village_name``, ``households``, ``exited``, ``false_exits``,
        ``false_exit_share`` (of exited households), ``eligible_not_exited``; one row per
        village with households, sorted by code.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"village_code": ["430527203203"] * 3,
    ...     "exited": [True, True, False], "false_exit": [True, False, False],
    ...     "eligible_not_exited": [False, False, True]})
    >>> exit_checks_by_village(c)[["village_name", "false_exits",
    ...     "false_exit_share", "eligible_not_exited"]].to_dict("records")
    [{'village_name': '李家村', 'false_exits': 1, 'false_exit_share': 0.5, \
'eligible_not_exited': 1}]
    >>> c["eligible_not_exited"] = pd.array([False, False, pd.NA], dtype="boolean")
    >>> exit_checks_by_village(c)["eligible_not_exited"].tolist()
    [<NA>]
    """
    reference = reference or load_reference()
    counted = {"exited": "exited", "false_exits": "false_exit",
               "eligible_not_exited": "eligible_not_exited"}  # fmt: skip
    grouped = checks.groupby("village_code", sort=True)
    out = grouped.agg(
        households=("village_code", "size"), **{k: (v, "sum") for k, v in counted.items()}
    )
    for count, column in counted.items():
        unknown = grouped[column].agg(lambda values: values.isna().any())
        if unknown.any():  # a household not known either way: the count is not known
            out[count] = out[count].astype("Int64").mask(unknown)
    out = out.reset_index()
    out.insert(1, "village_name", out["village_code"].map(_names(reference)))
    out["false_exit_share"] = (out["false_exits"] / out["exited"]).where(out["exited"] > 0)
    cols = [
        "village_code",
        "village_name",
        "households",
        "exited",
        "false_exits",
        "false_exit_share",
        "eligible_not_exited",
    ]
    return out[cols]


def _names(reference: Reference) -> dict[str, str]:
    return dict(zip(reference.villages["code"], reference.villages["name"], strict=True))


def village_exit_line(
    members: pd.DataFrame,
    households: pd.DataFrame,
    registry: pd.DataFrame,
    reference: Reference | None = None,
    *,
    fields: Collection[str] | None = None,
) -> pd.DataFrame:
    """Remaining poverty incidence per village against the village exit line (2%).

    Incidence is the registered poor not yet exited (by exit status) divided by the
    village's registered population (the registry's ``population``); the comparison with
    the line is :func:`fupin_analysis.spatial.exit_line_status`. When the roster says
    nothing of exits (``fields``, or no value of 脱贫状态 and 脱贫年度), the remaining
    poor, their incidence and the comparison are missing, not "none remain".

    Parameters
    ----------
    members, households : pandas.DataFrame
        The clean roster's tables.
    registry : pandas.DataFrame
        ``code`` and ``population`` of every unit (the village registry).
    reference : Reference, optional
        For names, designation and the exit line (``policy.village_exit_incidence``).
    fields : collection of str, optional
        ``CleanRoster.fields`` (:func:`fupin_analysis.availability.known_fields`).

    Returns
    -------
    pandas.DataFrame
        One row per registry unit: ``village_code``, ``village_name``, ``designated``,
        ``population``, ``registered_poor``, ``remaining_poor``, ``incidence_registered``
        (all registered poor / population), ``incidence_remaining`` (not exited /
        population), ``exit_line``, ``below_line``.

    Examples
    --------
    >>> import pandas as pd
    >>> reg = pd.DataFrame({"code": ["430527203203"], "population": [1000]})
    >>> hh = pd.DataFrame({"household_key": ["a", "b"], "exited": [True, False]})
    >>> mem = pd.DataFrame({"household_key": ["a"] * 30 + ["b"] * 15,
    ...                     "village_code": ["430527203203"] * 45})
    >>> village_exit_line(mem, hh, reg)[["remaining_poor", "incidence_remaining",
    ...     "below_line"]].to_dict("records")
    [{'remaining_poor': 15, 'incidence_remaining': 0.015, 'below_line': True}]
    """
    reference = reference or load_reference()
    line = reference.policy.village_exit_incidence
    exited = dict(zip(households["household_key"], _true(households["exited"]), strict=True))
    mem = members[["household_key", "village_code"]].copy()
    mem["_remaining"] = ~mem["household_key"].map(exited).fillna(False).astype(bool)
    counts = mem.groupby("village_code").agg(
        registered_poor=("household_key", "size"), remaining_poor=("_remaining", "sum")
    )
    out = registry[["code", "population"]].rename(columns={"code": "village_code"})
    out = out.merge(counts, left_on="village_code", right_index=True, how="left")
    out[["registered_poor", "remaining_poor"]] = (
        out[["registered_poor", "remaining_poor"]].fillna(0).astype(int)
    )
    villages = reference.villages.set_index("code")
    out.insert(1, "village_name", out["village_code"].map(villages["name"]))
    out.insert(2, "designated", out["village_code"].map(villages["designated"]).fillna(False))
    pop = pd.to_numeric(out["population"], errors="coerce").astype(float)
    out["incidence_registered"] = out["registered_poor"] / pop
    out["incidence_remaining"] = out["remaining_poor"] / pop
    remaining = out.rename(columns={"village_code": "code", "village_name": "name"})
    status = exit_line_status(remaining.assign(poor=out["remaining_poor"]), line=line)
    out["exit_line"] = status["line"]
    out["below_line"] = status["below_line"]
    if not exits_known(known_fields(members, households, fields)):
        out["remaining_poor"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
        out["incidence_remaining"] = float("nan")
        out["below_line"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    return out.sort_values("village_code", kind="stable").reset_index(drop=True)


def dimension_table(dimensions: pd.DataFrame) -> pd.DataFrame:
    """The dimensions of an Alkire-Foster result with their Chinese labels.

    Parameters
    ----------
    dimensions : pandas.DataFrame
        ``AlkireFoster.dimensions``.

    Returns
    -------
    pandas.DataFrame
        The same rows with ``label`` (:data:`DIMENSION_LABELS_ZH`) appended.

    Examples
    --------
    >>> dep = pd.DataFrame({d: [True, False] for d in DIMENSIONS})
    >>> dimension_table(alkire_foster(dep, k=0.4).dimensions)["label"].tolist()[:2]
    ['吃穿不愁(收入)', '义务教育']
    """
    return dimensions.assign(label=dimensions["dimension"].map(DIMENSION_LABELS_ZH))


def largest_contribution(dimensions: pd.DataFrame) -> pd.Series | None:
    """The dimension contributing most to M0 (its row), or None when M0 is 0 or there is no
    index (too few dimensions measured).

    Of dimensions contributing equally, the first in the order of the table.

    Parameters
    ----------
    dimensions : pandas.DataFrame
        ``AlkireFoster.dimensions`` of one group (e.g. the township), or
        :func:`dimension_table` of it.

    Examples
    --------
    >>> dep = pd.DataFrame({"income": [True, True], "education": [False, True],
    ...     "medical": [True, False], "housing": [False, False], "water": [False, False]})
    >>> largest_contribution(alkire_foster(dep, k=0.4).dimensions)["dimension"]
    'income'
    >>> largest_contribution(alkire_foster(dep.assign(income=False), k=0.4).dimensions) is None
    True
    >>> largest_contribution(alkire_foster(dep[["income"]], k=0.4).dimensions) is None
    True
    """
    contributing = dimensions[dimensions["contribution"] > 0]  # none without an index
    if contributing.empty:
        return None
    return contributing.sort_values("contribution", ascending=False, kind="stable").iloc[0]


class IncomeOnly(NamedTuple):
    """Households deprived in income and in no other dimension (see :func:`income_only`)."""

    #: Households deprived in income only (None when income is not measured).
    households: int | None
    #: All households.
    of: int
    #: ``households / of`` (NaN without households).
    share: float


def income_only(status: pd.DataFrame) -> IncomeOnly:
    """How many households fall short on income alone (no other dimension deprived).

    With equal weights and k above 1/5, such a household is not multidimensionally
    poor: income is one criterion of five. Only measured dimensions count; without an
    income measure the answer is not known (``households`` None, ``share`` NaN).

    Parameters
    ----------
    status : pandas.DataFrame
        :func:`two_assurances` (one boolean column per dimension).

    Returns
    -------
    IncomeOnly

    Examples
    --------
    >>> dep = pd.DataFrame({"income": [True, True, False], "education": [False, True, False],
    ...     "medical": [False] * 3, "housing": [False] * 3, "water": [False, False, True]})
    >>> income_only(dep)
    IncomeOnly(households=1, of=3, share=0.3333333333333333)
    """
    dims = list(measured(status))
    of = len(status)
    if "income" not in dims:
        return IncomeOnly(None, of, float("nan"))
    deprived = status[dims].astype("boolean").fillna(True).astype(bool)
    alone = deprived["income"] & (deprived.sum(axis=1) == 1)
    households = int(alone.sum())
    return IncomeOnly(households, of, households / of if of else float("nan"))


def contributions_wide(dimensions: pd.DataFrame, by: str = "village_code") -> pd.DataFrame:
    """Contributions to M0 as a wide table: one row per group, one column per dimension.

    Parameters
    ----------
    dimensions : pandas.DataFrame
        ``AlkireFoster.dimensions`` computed with ``by``.
    by : str
        The group column.

    Examples
    --------
    >>> dep = pd.DataFrame({"village_code": ["v", "v"], "income": [True, True],
    ...     "education": [True, False], "medical": [False] * 2, "housing": [False] * 2,
    ...     "water": [False] * 2})
    >>> contributions_wide(alkire_foster(dep, k=0.4, by="village_code").dimensions
    ...                    ).to_dict("index")
    {'v': {'income': 0.5, 'education': 0.5, 'medical': 0.0, 'housing': 0.0, 'water': 0.0}}
    """
    wide = dimensions.pivot(index=by, columns="dimension", values="contribution")
    return wide[[d for d in DIMENSIONS if d in wide.columns]]


def with_village_names(frame: pd.DataFrame, reference: Reference | None = None) -> pd.DataFrame:
    """A frame with ``village_code`` and the official ``village_name`` appended.

    Examples
    --------
    >>> with_village_names(pd.DataFrame({"village_code": ["430527203203"]}))["village_name"][0]
    '李家村'
    """
    reference = reference or load_reference()
    return frame.assign(village_name=frame["village_code"].map(_names(reference)))


def village_deprivation(village: AlkireFoster, township: AlkireFoster) -> pd.DataFrame:
    """Share of households deprived in each dimension, a village beside the township.

    Parameters
    ----------
    village, township : AlkireFoster
        :func:`alkire_foster` of the village's households and of all households (no
        ``by``). A village without households gives NaN shares.

    Returns
    -------
    pandas.DataFrame
        ``dimension``, ``label`` (Chinese), ``village``, ``township`` (headcounts), in
        the order of :data:`DIMENSIONS`.

    Examples
    --------
    >>> dep = pd.DataFrame({"village_code": ["v", "w"], "income": [True, False],
    ...     "education": [False] * 2, "medical": [False] * 2, "housing": [False] * 2,
    ...     "water": [False, True]})
    >>> own = alkire_foster(dep[dep["village_code"] == "v"])
    >>> village_deprivation(own, alkire_foster(dep)).iloc[[0, 4]].values.tolist()
    [['income', '吃穿不愁(收入)', 1.0, 0.5], ['water', '饮水安全', 0.0, 0.5]]
    """
    share = {
        side: result.dimensions.set_index("dimension")["headcount"]
        for side, result in (("village", village), ("township", township))
    }
    dims = [d for d in DIMENSIONS if d in share["township"].index]
    return pd.DataFrame(
        {
            "dimension": dims,
            "label": [DIMENSION_LABELS_ZH[d] for d in dims],
            "village": share["village"].reindex(dims).to_numpy(dtype=float),
            "township": share["township"].reindex(dims).to_numpy(dtype=float),
        }
    )


def false_exits_by_criteria(checks: pd.DataFrame) -> pd.DataFrame:
    """False exits by the criteria they fail: ``failed``, ``households``; most first.

    Parameters
    ----------
    checks : pandas.DataFrame
        :func:`exit_checks`.

    Examples
    --------
    >>> c = pd.DataFrame({"false_exit": [True, True, False, True],
    ...     "failed": ["住房安全", "基本医疗", "住房安全", "住房安全"]})
    >>> false_exits_by_criteria(c).values.tolist()
    [['住房安全', 2], ['基本医疗', 1]]
    """
    failed = checks.loc[_true(checks["false_exit"]), "failed"]
    return failed.value_counts().rename("households").rename_axis("failed").reset_index()


def flagged_households(checks: pd.DataFrame) -> pd.DataFrame:
    """The households an exit review must look at: false exits and eligible not exited.

    Parameters
    ----------
    checks : pandas.DataFrame
        :func:`exit_checks`.

    Returns
    -------
    pandas.DataFrame
        The rows of ``checks`` with ``false_exit`` or ``eligible_not_exited`` (True, not
        missing: a household not known to be either is not flagged), same columns and
        index.

    Examples
    --------
    >>> c = pd.DataFrame({"household_key": ["a", "b", "c"], "false_exit": [True, False, False],
    ...     "eligible_not_exited": pd.array([False, pd.NA, True], dtype="boolean")})
    >>> flagged_households(c)["household_key"].tolist()
    ['a', 'c']
    """
    flagged = _true(checks["false_exit"]) | _true(checks["eligible_not_exited"])
    return checks[flagged]


def villages_with_assurances(
    villages: pd.DataFrame,
    index: pd.DataFrame,
    checks_by_village: pd.DataFrame,
    exit_line: pd.DataFrame,
) -> pd.DataFrame:
    """Village polygons with their index, exit checks and exit line: the frame of the maps.

    Parameters
    ----------
    villages : pandas.DataFrame or geopandas.GeoDataFrame
        One row per unit with ``code`` (e.g. the ``villages`` layer of the geography).
    index : pandas.DataFrame
        ``AlkireFoster.index`` by ``village_code``.
    checks_by_village : pandas.DataFrame
        :func:`exit_checks_by_village`.
    exit_line : pandas.DataFrame
        :func:`village_exit_line`.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Every row of ``villages`` (same order; a GeoDataFrame stays one) with the
        columns of ``index`` (``M0`` …), of ``checks_by_village`` (clashing names
        suffixed ``_checks``: ``households_checks`` …) and ``incidence_remaining``,
        ``below_line`` of ``exit_line``; missing where a unit has no households.

    Examples
    --------
    >>> v = pd.DataFrame({"code": ["430527203203", "430527203001"], "name": ["李家村", "城内社区"]})
    >>> idx = pd.DataFrame({"village_code": ["430527203203"], "M0": [0.2]})
    >>> chk = pd.DataFrame({"village_code": ["430527203203"], "false_exits": [1]})
    >>> line = pd.DataFrame({"village_code": ["430527203203", "430527203001"],
    ...     "incidence_remaining": [0.1, 0.01], "below_line": [False, True]})
    >>> villages_with_assurances(v, idx, chk, line)[["M0", "false_exits", "below_line"]
    ...     ].values.tolist()
    [[0.2, 1.0, False], [nan, nan, True]]
    """
    out = villages.merge(index, left_on="code", right_on="village_code", how="left")
    out = out.merge(
        checks_by_village, left_on="code", right_on="village_code", how="left",
        suffixes=("", "_checks"),
    )  # fmt: skip
    return out.merge(
        exit_line[["village_code", "incidence_remaining", "below_line"]],
        left_on="code", right_on="village_code", how="left", suffixes=("", "_line"),
    )  # fmt: skip
