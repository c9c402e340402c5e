"""Poverty rates of villages and how concentrated the poor are.

Village incidence comes from the clean roster and the village registry
(:func:`incidence`, with Wilson intervals), is smoothed because village populations are
small (:func:`eb_rates`, esda's empirical Bayes), and is read as concentration over
villages (:func:`concentration`, :func:`lorenz_curve`, :func:`location_quotients`,
:func:`designation_overlap`) and against the village exit line (:func:`exit_line_status`,
the one implementation of the 2% rule).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError, FupinError
from ..reference import load_policy, load_villages
from .weights import build_weights, numeric_column

with warnings.catch_warnings():
    # esda imports tqdm.auto, which warns under Jupyter when ipywidgets is not installed
    warnings.simplefilter("ignore")
    import esda.smoothing

__all__ = [
    "wilson_interval",
    "incidence",
    "eb_rates",
    "lorenz_curve",
    "location_quotients",
    "designation_overlap",
    "exit_line_status",
    "concentration",
]

_COUNTS = ("registered", "not_exited")


def wilson_interval(
    successes: np.ndarray | pd.Series | int,
    trials: np.ndarray | pd.Series | int,
    *,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (Wilson 1927; Newcombe 1998).

    Parameters
    ----------
    successes, trials : array-like of int
        Counts, ``0 <= successes <= trials``, ``trials > 0``.
    confidence : float
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bounds.

    Examples
    --------
    Newcombe (1998, Stat. Med. 17:857, Table I), 81 of 263:

    >>> low, high = wilson_interval(81, 263)
    >>> round(float(low), 4), round(float(high), 4)
    (0.2553, 0.3662)
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    zq = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    denom = 1 + zq**2 / n
    centre = (p + zq**2 / (2 * n)) / denom
    half = zq / denom * np.sqrt(p * (1 - p) / n + zq**2 / (4 * n**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _people_per_village(people: pd.DataFrame, year: int, count: str) -> pd.Series:
    """Poor people per village code, per the numerator definition of :func:`incidence`."""
    if "village_code" not in people.columns:
        raise ConfigError("incidence: the roster frame has no village_code column")
    if "person_key" in people.columns:
        size = pd.Series(1, index=people.index)
    elif "members" in people.columns:
        size = pd.to_numeric(people["members"], errors="raise").fillna(0)
    else:
        raise ConfigError(
            "incidence: pass CleanRoster.households (with 'members') or .members "
            "(with 'person_key')"
        )
    keep = pd.Series(True, index=people.index)
    if "first_identified" in people.columns:
        first_year = pd.to_datetime(people["first_identified"], errors="coerce").dt.year
        keep &= ~(first_year > year).fillna(False).astype(bool)
    if count == "not_exited":
        if "exit_year" not in people.columns:
            raise ConfigError(
                "incidence(count='not_exited'): the frame has no exit_year; pass "
                "CleanRoster.households, or merge its household_key/exit_year into members"
            )
        exit_year = pd.to_numeric(people["exit_year"], errors="coerce")
        keep &= ~(exit_year <= year).fillna(False).astype(bool)
    return size[keep].groupby(people.loc[keep, "village_code"].astype("str")).sum()


def incidence(
    people: pd.DataFrame,
    villages: pd.DataFrame,
    year: int,
    *,
    count: str = "not_exited",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Poverty incidence per village for one year, with Wilson confidence intervals.

    Numerator (``poor``), by ``count``:

    ``"registered"``
        all registered poor people of the roster first identified by the end of ``year``
        (people with an unknown identification date are counted), exited or not;
    ``"not_exited"``
        of those, the people in households not exited by the end of ``year`` (no
        ``exit_year``, or ``exit_year > year``): the poor population after the year's
        exits, the numerator of the village exit rule.

    People are counted as the clean roster holds them: rows of ``members``, or the
    ``members`` column (people found) of ``households``. The denominator is the village's
    registered population (``villages["population"]``).

    Parameters
    ----------
    people : pandas.DataFrame
        ``CleanRoster.households`` (``village_code``, ``members``, ``exit_year``,
        ``first_identified``) or ``CleanRoster.members`` (``village_code``,
        ``person_key``; for ``"not_exited"`` also ``exit_year``).
    villages : pandas.DataFrame
        One row per village: ``code``, ``population``, optionally ``name`` and
        ``designated`` (taken from the reference registry by code when absent).
    year : int
        The year whose end the counts refer to.
    count : {"not_exited", "registered"}
        The numerator definition above.
    confidence : float
        Level of the Wilson score interval.

    Returns
    -------
    pandas.DataFrame
        One row per village in the order of ``villages``: ``code``, ``name``,
        ``designated``, ``population``, ``poor``, ``incidence`` (poor / population),
        ``ci_low``, ``ci_high`` (Wilson score interval). ``attrs`` holds ``year``,
        ``count`` and ``confidence``.

    Raises
    ------
    ConfigError
        For an unknown ``count`` or missing columns.
    FupinError
        When people live in villages the ``villages`` frame lacks, or a population is
        missing, not positive or below the village's poor count.

    Examples
    --------
    >>> households = pd.DataFrame({
    ...     "household_key": ["a", "b", "c"],
    ...     "village_code": ["430527203203", "430527203203", "430527203207"],
    ...     "members": [4, 3, 5],
    ...     "exit_year": pd.array([2016, pd.NA, pd.NA], dtype="Int64"),
    ... })
    >>> villages = pd.DataFrame({"code": ["430527203203", "430527203207"],
    ...                          "population": [100, 200]})
    >>> inc = incidence(households, villages, 2016)
    >>> inc["name"].tolist(), inc["designated"].tolist(), inc["poor"].tolist()
    (['李家村', '长溪村'], [True, False], [3, 5])
    >>> inc["incidence"].tolist()
    [0.03, 0.025]
    >>> incidence(households, villages, 2016, count="registered")["poor"].tolist()
    [7, 5]
    """
    if count not in _COUNTS:
        raise ConfigError(f"incidence: count={count!r}; use one of {list(_COUNTS)}")
    for col in ("code", "population"):
        if col not in villages.columns:
            raise ConfigError(f"incidence: the villages frame has no {col!r} column")
    out = pd.DataFrame({"code": villages["code"].astype("str").to_numpy()})
    if out["code"].duplicated().any():
        dups = sorted(set(out.loc[out["code"].duplicated(), "code"]))[:5]
        raise ConfigError(f"incidence: the villages frame lists codes more than once: {dups}")
    registry = load_villages().set_index("code")
    for col in ("name", "designated"):
        if col in villages.columns:
            out[col] = villages[col].to_numpy()
        else:
            out[col] = out["code"].map(registry[col])
    out["designated"] = out["designated"].fillna(False).astype(bool)
    population = pd.to_numeric(villages["population"], errors="coerce").to_numpy(dtype=float)
    out["population"] = population
    poor = _people_per_village(people, year, count)
    unknown = sorted(set(poor.index) - set(out["code"]))
    if unknown:
        raise FupinError(
            f"incidence: {int(poor[unknown].sum())} people live in villages missing from the "
            f"villages frame: {unknown[:5]}; pass a villages frame covering every code"
        )
    out["poor"] = out["code"].map(poor).fillna(0).astype(int)
    bad = ~(out["population"] > 0) | (out["poor"] > out["population"])
    if bad.any():
        codes = out.loc[bad, "code"].tolist()[:5]
        raise FupinError(
            f"incidence: villages {codes}: population missing, not positive or below the "
            "poor count; fix the registry's population column"
        )
    out["population"] = out["population"].astype(int)
    out["incidence"] = out["poor"] / out["population"]
    out["ci_low"], out["ci_high"] = wilson_interval(
        out["poor"], out["population"], confidence=confidence
    )
    out.attrs = {"year": year, "count": count, "confidence": confidence}
    return out


def eb_rates(
    gdf: gpd.GeoDataFrame,
    *,
    events: str = "poor",
    base: str = "population",
    weights: object = "queen",
) -> pd.DataFrame:
    """Raw, empirical Bayes and spatial empirical Bayes smoothed rates (esda.smoothing).

    Small villages have noisy rates. Empirical Bayes (``esda.smoothing.Empirical_Bayes``,
    Marshall 1991) shrinks each rate toward the overall rate, the more the smaller its
    population; spatial empirical Bayes (``Spatial_Empirical_Bayes``) shrinks it toward
    the rate of its neighbourhood (itself and its neighbours). An island's neighbourhood
    is itself alone, so its spatial EB rate equals its raw rate; so does the rate of a
    unit whose neighbourhood has no events (0, where esda would divide 0 by 0).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units with the counts, e.g. the villages merged with :func:`incidence`.
    events, base : str
        Columns of the numerator (poor people) and denominator (population).
    weights : str or libpysal.weights.W
        Neighbourhoods of the spatial EB rate, see :func:`build_weights`.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``raw``, ``eb``, ``seb``.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame({"poor": [1, 30, 10], "population": [10, 100, 1000]},
    ...                        geometry=[box(i, 0, i + 1, 1) for i in range(3)])
    >>> eb_rates(row, weights="rook").round(3)
        raw     eb    seb
    0  0.10  0.078  0.282
    1  0.30  0.286  0.286
    2  0.01  0.010  0.010
    """
    e = numeric_column(gdf, events)
    b = numeric_column(gdf, base)
    if (b <= 0).any():
        raise ConfigError(f"eb_rates: column {base!r} has values that are not positive")
    w = build_weights(gdf, weights)
    raw = e / b
    # esda divides 0 by 0 where the (neighbourhood's) rate is 0: every rate there is 0,
    # and so is the smoothed one
    with np.errstate(divide="ignore", invalid="ignore"):
        eb = esda.smoothing.Empirical_Bayes(e, b).r.ravel()
        seb = esda.smoothing.Spatial_Empirical_Bayes(e, b, w).r.ravel()
    no_events_nearby = _neighbourhood_sum(e, w) == 0
    seb = np.where(no_events_nearby, raw, seb)
    eb = raw if e.sum() == 0 else eb
    return pd.DataFrame({"raw": raw, "eb": eb, "seb": seb}, index=gdf.index)


def _neighbourhood_sum(values: np.ndarray, w: object) -> np.ndarray:
    """Each unit's value plus its neighbours' (the neighbourhood of spatial EB)."""
    return np.array(
        [values[i] + sum(values[j] for j in w.neighbors[i]) for i in w.id_order], dtype=float
    )


def _check_incidence(inc: pd.DataFrame) -> pd.DataFrame:
    """``inc`` with a ``code`` column (the village frame is indexed by code), checked."""
    if "code" not in inc.columns and inc.index.name == "code":
        inc = inc.reset_index()
    missing = [c for c in ("code", "name", "designated", "population", "poor") if c not in inc]
    if missing:
        raise ConfigError(f"expected the frame of spatial.incidence; missing columns {missing}")
    return inc


def lorenz_curve(inc: pd.DataFrame) -> pd.DataFrame:
    """Lorenz curve of the poor over villages ordered by incidence (lowest first).

    Parameters
    ----------
    inc : pandas.DataFrame
        The frame of :func:`incidence`, or of :func:`.villages.village_rates`.

    Returns
    -------
    pandas.DataFrame
        A first row at the origin, then one row per village in increasing incidence (ties
        by code): ``rank`` (0 for the origin), ``code``, ``name``, ``designated``,
        ``incidence``, ``cum_population_share``, ``cum_poor_share``. A curve far below the
        diagonal means the poor are concentrated in a few villages.

    Examples
    --------
    >>> inc = pd.DataFrame({"code": ["a", "b"], "name": ["A", "B"],
    ...                     "designated": [False, True], "population": [50, 50],
    ...                     "poor": [0, 10]})
    >>> lorenz_curve(inc)[["cum_population_share", "cum_poor_share"]].to_numpy().tolist()
    [[0.0, 0.0], [0.5, 0.0], [1.0, 1.0]]
    """
    inc = _check_incidence(inc)
    frame = inc[["code", "name", "designated", "population", "poor"]].copy()
    frame["incidence"] = frame["poor"] / frame["population"]
    frame = frame.sort_values(["incidence", "code"], kind="stable").reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["cum_population_share"] = frame["population"].cumsum() / frame["population"].sum()
    frame["cum_poor_share"] = frame["poor"].cumsum() / frame["poor"].sum()
    origin = pd.DataFrame({"rank": [0], "cum_population_share": [0.0], "cum_poor_share": [0.0]})
    cols = [
        "rank",
        "code",
        "name",
        "designated",
        "incidence",
        "cum_population_share",
        "cum_poor_share",
    ]
    with warnings.catch_warnings():
        # the origin row has no village: its empty columns are expected
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat([origin, frame[cols]], ignore_index=True)[cols]


def location_quotients(inc: pd.DataFrame) -> pd.DataFrame:
    """Location quotient of poverty per village: its incidence over the overall incidence.

    ``LQ = (poor_i / population_i) / (sum poor / sum population)``; above 1 the village has
    more than its population's share of the poor.

    Parameters
    ----------
    inc : pandas.DataFrame
        The frame of :func:`incidence`, or of :func:`.villages.village_rates`.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``designated``, ``incidence``, ``share_of_poor``,
        ``share_of_population``, ``lq`` in the order of ``inc``.

    Examples
    --------
    >>> inc = pd.DataFrame({"code": ["a", "b"], "name": ["A", "B"],
    ...                     "designated": [False, True], "population": [300, 100],
    ...                     "poor": [10, 30]})
    >>> location_quotients(inc)["lq"].round(3).tolist()
    [0.333, 3.0]
    """
    inc = _check_incidence(inc)
    out = inc[["code", "name", "designated"]].copy()
    out["incidence"] = inc["poor"] / inc["population"]
    out["share_of_poor"] = inc["poor"] / inc["poor"].sum()
    out["share_of_population"] = inc["population"] / inc["population"].sum()
    out["lq"] = out["share_of_poor"] / out["share_of_population"]
    return out


def designation_overlap(
    inc: pd.DataFrame, *, by: str = "incidence", n: int | None = None
) -> pd.DataFrame:
    """Which villages a ranking by incidence would have designated, against the real list.

    Parameters
    ----------
    inc : pandas.DataFrame
        The frame of :func:`incidence` or :func:`.villages.village_rates`, optionally with
        further rate columns (e.g. ``eb``).
    by : str
        The column to rank by, highest first (ties: more poor people first, then code).
    n : int, optional
        How many the ranking designates (default: as many as are designated).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``designated``, the ``by`` column, ``rank``,
        ``would_designate`` (rank <= n), ``agreement`` (``"both"``, ``"designated
        only"``, ``"ranking only"``, ``"neither"``), in rank order.

    Examples
    --------
    >>> inc = pd.DataFrame({"code": ["a", "b", "c"], "name": ["A", "B", "C"],
    ...                     "designated": [True, False, False],
    ...                     "population": [100, 100, 100], "poor": [5, 20, 1]})
    >>> designation_overlap(inc)[["code", "rank", "agreement"]]
      code  rank        agreement
    0    b     1     ranking only
    1    a     2  designated only
    2    c     3          neither
    """
    inc = _check_incidence(inc)
    frame = inc.copy()
    if by == "incidence" and by not in frame:
        frame[by] = frame["poor"] / frame["population"]
    if by not in frame:
        raise ConfigError(f"designation_overlap: no column {by!r} to rank by")
    n = int(frame["designated"].sum()) if n is None else n
    frame = frame.sort_values(
        [by, "poor", "code"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["would_designate"] = frame["rank"] <= n
    designated = frame["designated"].astype(bool)
    frame["agreement"] = np.select(
        [designated & frame["would_designate"], designated, frame["would_designate"]],
        ["both", "designated only", "ranking only"],
        "neither",
    )
    frame["agreement"] = frame["agreement"].astype("str")
    return frame[["code", "name", "designated", by, "rank", "would_designate", "agreement"]]


def exit_line_status(inc: pd.DataFrame, *, line: float | None = None) -> pd.DataFrame:
    """Villages against the village exit line after the year's exits.

    A village may exit when its poverty incidence is below the line (2% in Hunan,
    ``Policy.village_exit_incidence``).

    Parameters
    ----------
    inc : pandas.DataFrame
        The frame of :func:`incidence` or :func:`.villages.village_rates` with
        ``count="not_exited"``.
    line : float, optional
        The incidence line (default: the reference policy's).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``designated``, ``population``, ``poor``, ``incidence``,
        ``line``, ``below_line`` (incidence < line), ``max_poor_below_line`` (the most
        poor people the village can have and be below the line), ``still_to_exit``
        (people who must still exit for the village to be below it).

    Raises
    ------
    ConfigError
        When ``inc`` was computed with ``count="registered"``.

    Examples
    --------
    >>> inc = pd.DataFrame({"code": ["a", "b"], "name": ["A", "B"],
    ...                     "designated": [True, False], "population": [1000, 450],
    ...                     "poor": [20, 8]})
    >>> exit_line_status(inc)[["below_line", "max_poor_below_line", "still_to_exit"]]
       below_line  max_poor_below_line  still_to_exit
    0       False                   19              1
    1        True                    8              0
    """
    inc = _check_incidence(inc)
    if inc.attrs.get("count") == "registered":
        raise ConfigError(
            "exit_line_status: this incidence counts all registered poor; compute it with "
            "incidence(..., count='not_exited')"
        )
    line = load_policy().village_exit_incidence if line is None else line
    out = inc[["code", "name", "designated", "population", "poor"]].copy()
    out["incidence"] = out["poor"] / out["population"]
    out["line"] = line
    out["below_line"] = out["incidence"] < line
    # the largest integer m with m / population < line (tolerance for float products)
    out["max_poor_below_line"] = (np.ceil(out["population"] * line - 1e-9).astype(int) - 1).clip(
        lower=0
    )
    out["still_to_exit"] = (out["poor"] - out["max_poor_below_line"]).clip(lower=0)
    return out


def concentration(inc: pd.DataFrame) -> pd.DataFrame:
    """How concentrated the poor are, and in the designated villages.

    Parameters
    ----------
    inc : pandas.DataFrame
        The frame of :func:`incidence`, or of :func:`.villages.village_rates`.

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure``, ``value``, ``description``. Measures:
        ``villages``, ``population``, ``poor``, ``incidence``; ``designated_villages``,
        ``designated_poor``, ``designated_share_of_poor``,
        ``designated_share_of_population``, ``designated_concentration_ratio`` (share of
        poor / share of population), ``incidence_designated``, ``incidence_other``;
        ``gini`` (of the Lorenz curve of :func:`lorenz_curve`), ``hoover`` (share of the
        poor who would have to move village for every village to have the same
        incidence); ``designation_overlap`` (designated villages an incidence ranking
        would also designate, :func:`designation_overlap`) and its share.

    Examples
    --------
    >>> inc = pd.DataFrame({"code": ["a", "b"], "name": ["A", "B"],
    ...                     "designated": [False, True], "population": [50, 50],
    ...                     "poor": [0, 10]})
    >>> c = concentration(inc).set_index("measure")["value"]
    >>> float(c["gini"]), float(c["hoover"]), float(c["designated_share_of_poor"])
    (0.5, 0.5, 1.0)
    """
    inc = _check_incidence(inc)
    pop, poor = inc["population"].astype(float), inc["poor"].astype(float)
    des = inc["designated"].astype(bool)
    curve = lorenz_curve(inc)
    x, y = curve["cum_population_share"].to_numpy(), curve["cum_poor_share"].to_numpy()
    gini = 1 - float(np.sum(np.diff(x) * (y[1:] + y[:-1])))
    hoover = 0.5 * float(np.abs(poor / poor.sum() - pop / pop.sum()).sum())
    share_poor = poor[des].sum() / poor.sum()
    share_pop = pop[des].sum() / pop.sum()
    overlap = designation_overlap(inc)
    n_des = int(des.sum())
    hits = int((overlap["agreement"] == "both").sum())
    rows = [
        ("villages", len(inc), "village-level units"),
        ("population", pop.sum(), "registered population"),
        ("poor", poor.sum(), "poor people (numerator of the incidence)"),
        ("incidence", poor.sum() / pop.sum(), "overall incidence"),
        ("designated_villages", n_des, "provincial-designated poor villages"),
        ("designated_poor", poor[des].sum(), "poor people in designated villages"),
        ("designated_share_of_poor", share_poor, "designated villages' share of the poor"),
        (
            "designated_share_of_population",
            share_pop,
            "designated villages' share of the population",
        ),
        (
            "designated_concentration_ratio",
            share_poor / share_pop if share_pop else float("nan"),
            "share of the poor / share of the population (1 = no concentration)",
        ),
        (
            "incidence_designated",
            poor[des].sum() / pop[des].sum() if n_des else float("nan"),
            "incidence in designated villages",
        ),
        (
            "incidence_other",
            poor[~des].sum() / pop[~des].sum() if (~des).any() else float("nan"),
            "incidence in the other villages",
        ),
        ("gini", gini, "Gini coefficient of the poor over villages (Lorenz curve)"),
        ("hoover", hoover, "Hoover index: share of the poor to relocate for equal incidence"),
        (
            "designation_overlap",
            hits,
            f"designated villages among the top {n_des} by incidence",
        ),
        (
            "designation_overlap_share",
            hits / n_des if n_des else float("nan"),
            "designation_overlap / designated villages",
        ),
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "description"])
