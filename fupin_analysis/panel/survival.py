"""Time to exit: how long households stay poor after identification (Kaplan–Meier).

:func:`exit_durations` measures each household followed across the rosters
(``panel_household``) from the year it was first identified (首次识别时间) to its first
exit, or to when it stops being observed poor (censored); :func:`kaplan_meier` is the
product-limit estimator with left truncation (a household identified before the first
roster enters the risk set when first seen) and the exponential Greenwood confidence
interval, as ``lifelines.KaplanMeierFitter`` computes them (checked in
``tests/test_panel_analysis.py``); :func:`exit_curves` gives the curve per designation.

Years are whole: a household identified in 2014 and exited in 2016 exits at time 2.

Examples
--------
>>> km = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
>>> km[["time", "at_risk", "events", "censored", "survival"]].values.tolist()
[[1.0, 4.0, 1.0, 0.0, 0.75], [2.0, 3.0, 1.0, 1.0, 0.5], [3.0, 1.0, 1.0, 0.0, 0.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError

__all__ = ["CENSORING", "exit_durations", "kaplan_meier", "exit_curves", "median_time"]

#: Why a household's time is censored (``censoring`` of :func:`exit_durations`).
CENSORING: dict[str, str] = {
    "poor_at_end": "still poor in the last roster",
    "merged": "merged into another household before exiting",
    "left_roster": "left the roster (removed or gone) before exiting",
}


def kaplan_meier(durations, events, entry=None, *, confidence: float = 0.95) -> pd.DataFrame:
    """The Kaplan–Meier (product-limit) estimate of the share not yet having the event.

    Parameters
    ----------
    durations : array-like of float
        Time of the event or of censoring, per unit.
    events : array-like of bool or int
        1 when the unit had the event at its time, 0 when censored then.
    entry : array-like of float, optional
        Delayed entry (left truncation): a unit is at risk at times ``entry < t <=
        duration``, and from the earliest time of all when it enters then (lifelines'
        convention). Default 0 for every unit.
    confidence : float
        Level of the pointwise exponential Greenwood interval.

    Returns
    -------
    pandas.DataFrame
        One row per distinct time of an event or a censoring: ``time``, ``at_risk`` (the
        units at risk of the event then), ``events``, ``censored``, ``survival``,
        ``ci_low``, ``ci_high``.

    Raises
    ------
    ConfigError
        When lengths differ, a duration is missing, or an entry is after its duration.

    Examples
    --------
    Kaplan & Meier's textbook case: events at 1 and 3, censored at 2 and 4.

    >>> km = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0])
    >>> km["survival"].round(4).tolist()
    [0.75, 0.75, 0.375, 0.375]
    """
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    start = np.zeros_like(d) if entry is None else np.asarray(entry, dtype=float)
    if not (len(d) == len(e) == len(start)):
        raise ConfigError("kaplan_meier: durations, events and entry must have one value per unit")
    if np.isnan(d).any() or np.isnan(start).any():
        raise ConfigError("kaplan_meier: a duration or entry is missing")
    if (start > d).any():
        raise ConfigError("kaplan_meier: an entry is after its unit's duration")
    times = np.unique(d)
    earliest = min(start.min(initial=np.inf), d.min(initial=np.inf))
    start = np.where(start == earliest, -np.inf, start)  # the first entrants are at risk then
    entered = np.searchsorted(np.sort(start), times, side="left")  # entry < t
    removed_before = np.searchsorted(np.sort(d), times, side="left")  # duration < t
    at_risk = (entered - removed_before).astype(float)
    deaths = pd.Series(e.astype(float)).groupby(d).sum().reindex(times).to_numpy()
    censored = pd.Series((~e).astype(float)).groupby(d).sum().reindex(times).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1 - deaths / at_risk, 1.0)
        survival = np.cumprod(factor)
        greenwood = np.cumsum(
            np.where(at_risk > deaths, deaths / (at_risk * (at_risk - deaths)), 0.0)
        )
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_s = np.log(survival)
        spread = z * np.sqrt(greenwood) / log_s
        low = np.exp(-np.exp(np.log(-log_s) - spread))
        high = np.exp(-np.exp(np.log(-log_s) + spread))
    defined = (survival > 0) & (survival < 1)
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk,
            "events": deaths,
            "censored": censored,
            "survival": survival,
            "ci_low": np.where(defined, low, np.where(survival >= 1, 1.0, 0.0)),
            "ci_high": np.where(defined, high, np.where(survival >= 1, 1.0, 0.0)),
        }
    )


def exit_durations(households: pd.DataFrame, years: tuple[int, ...]) -> pd.DataFrame:
    """One row per household followed across the rosters: its time to first exit.

    The origin is the year first identified (首次识别时间 of its first household-year; the
    first year seen when missing or later). A household first seen already exited is left
    out (it was never seen at risk). Time of exit: the exit year of its first exited
    household-year (that year itself when the exit year is missing). Censored otherwise,
    at the last year seen poor, for a reason of :data:`CENSORING`.

    Parameters
    ----------
    households : pandas.DataFrame
        ``Panel.household_years``: ``panel_household``, ``year``, ``designated``,
        ``first_identified``, ``exited``, ``exit_year``, ``end``.
    years : tuple of int
        The panel's years.

    Returns
    -------
    pandas.DataFrame
        ``panel_household``, ``designated`` (first seen), ``identified`` (origin year),
        ``first_seen``, ``entry`` (first seen − origin), ``duration``, ``exited``
        (bool), ``censoring`` (NA when exited).

    Examples
    --------
    >>> h = pd.DataFrame({"panel_household": ["a", "a", "b"], "year": [2015, 2016, 2016],
    ...     "designated": [True, True, False],
    ...     "first_identified": pd.to_datetime(["2014-05-01", "2014-05-01", "2016-06-01"]),
    ...     "exited": [False, True, False], "exit_year": pd.array([pd.NA, 2016, pd.NA]),
    ...     "end": [None, None, None]})
    >>> exit_durations(h, (2015, 2016))[["entry", "duration", "exited", "censoring"]]
       entry  duration  exited    censoring
    0      1         2    True          NaN
    1      0         0   False  poor_at_end
    """
    h = households.sort_values(["panel_household", "year"], kind="stable")
    exited = h["exited"].astype(bool)
    first = h.groupby("panel_household", sort=True).first()
    first_seen = h.groupby("panel_household")["year"].min()
    identified = pd.to_datetime(first["first_identified"]).dt.year
    origin = identified.where(identified.notna() & (identified <= first_seen), first_seen)
    first_exit = h[exited].groupby("panel_household").first()
    exit_year = pd.to_numeric(first_exit["exit_year"], errors="coerce")
    exit_at = exit_year.where(exit_year.notna(), first_exit["year"]).reindex(first.index)
    poor = h[~exited]
    last_poor = poor.groupby("panel_household")["year"].max().reindex(first.index)
    last = h.groupby("panel_household").last()
    out = pd.DataFrame(
        {
            "designated": first["designated"].astype(bool),
            "identified": origin.astype("int64"),
            "first_seen": first_seen.astype("int64"),
        }
    )
    out["entry"] = out["first_seen"] - out["identified"]
    out["exited"] = exit_at.notna()
    end_time = last_poor.fillna(out["first_seen"])
    out["duration"] = np.where(out["exited"], exit_at, end_time) - out["identified"]
    out["duration"] = np.maximum(out["duration"], out["entry"]).astype("int64")
    censoring = np.select(
        [out["exited"], last["year"].eq(max(years)), last["end"].eq("merged")],
        [None, "poor_at_end", "merged"],
        "left_roster",
    )
    out["censoring"] = pd.Series(censoring, index=out.index, dtype="str")
    seen_exited = exited.groupby(h["panel_household"]).first()
    out = out[~seen_exited.reindex(out.index).to_numpy()]
    return out.reset_index()[
        ["panel_household", "designated", "identified", "first_seen", "entry", "duration",
         "exited", "censoring"]
    ]  # fmt: skip


def exit_curves(durations: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan–Meier curves of the share of households not yet exited, by designation.

    Parameters
    ----------
    durations : pandas.DataFrame
        :func:`exit_durations`.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.DataFrame
        ``designated``, ``years`` (since identification), ``at_risk_households``,
        ``exited_households``, ``censored_households``, ``survival`` (share not yet
        exited), ``ci_low``, ``ci_high``; every group starts with a row at 0 years.

    Examples
    --------
    >>> d = pd.DataFrame({"designated": [True, True, False], "entry": [0, 0, 0],
    ...                   "duration": [1, 2, 1], "exited": [True, False, True]})
    >>> exit_curves(d)[["designated", "years", "survival"]].values.tolist()
    [[False, 0, 1.0], [False, 1, 0.0], [True, 0, 1.0], [True, 1, 0.5], [True, 2, 0.5]]
    """
    out = []
    for designated, group in durations.groupby("designated", sort=True):
        km = kaplan_meier(group["duration"], group["exited"], group["entry"], confidence=confidence)
        if not (km["time"] == 0).any():
            km = pd.concat([pd.DataFrame({"time": [0.0], "at_risk": [float("nan")],
                                          "events": [0.0], "censored": [0.0],
                                          "survival": [1.0], "ci_low": [1.0],
                                          "ci_high": [1.0]}), km], ignore_index=True)  # fmt: skip
        km.insert(0, "designated", bool(designated))
        out.append(km)
    curves = pd.concat(out, ignore_index=True)
    curves = curves.rename(
        columns={"time": "years", "at_risk": "at_risk_households", "events": "exited_households",
                 "censored": "censored_households"}
    )  # fmt: skip
    curves["years"] = curves["years"].astype("int64")
    for col in ("at_risk_households", "exited_households", "censored_households"):
        curves[col] = curves[col].astype("Int64")
    return curves


def median_time(curves: pd.DataFrame) -> pd.DataFrame:
    """Median years to exit per designation (NA when the curve never reaches 0.5).

    Examples
    --------
    >>> curves = pd.DataFrame({"designated": [True, True, False], "years": [0, 2, 1],
    ...                        "survival": [1.0, 0.4, 0.8]})
    >>> median_time(curves)["median_years"].tolist()
    [<NA>, 2]
    """
    reached = curves[curves["survival"] <= 0.5]
    median = reached.groupby("designated")["years"].min()
    groups = sorted(curves["designated"].unique())
    return pd.DataFrame(
        {"designated": groups, "median_years": median.reindex(groups).astype("Int64").array}
    )
