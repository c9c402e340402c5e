"""The geographical detector (地理探测器, Wang et al. 2010; Wang & Xu 2017).

How much of the variation of a village rate ``Y`` does a stratification ``X`` explain?
The factor detector's ``q = 1 - SSW / SST`` (``SSW = sum_h N_h sigma_h^2``, ``SST = N
sigma^2``, population variances) is the share of the variance of ``Y`` between the strata
of ``X``: 0 when ``X`` explains nothing, 1 when each stratum is uniform. Continuous
factors (elevation, distance to the road) must first be cut into strata, and ``q``
depends on the cut: :func:`discretise` names the rule (equal intervals, quantiles,
natural breaks = Fisher-Jenks, all through mapclassify) and :func:`discretisation_table`
shows ``q`` for each rule and number of strata, so that no choice is hidden.

:func:`factor_detector`
    ``q`` of each factor with Wang & Xu's F-test: ``F = (N - L) / (L - 1) * q / (1 - q)``
    against a non-central F(L - 1, N - L; lambda), ``lambda = (sum_h mean_h^2 - (sum_h
    sqrt(N_h) mean_h)^2 / N) / sigma^2``; beside it the central F p-value (the one-way
    ANOVA test of equal stratum means, which ``F`` also is);
:func:`interaction_detector`
    ``q`` of the overlay of two factors against their own: nonlinear-weaken
    (``q12 < min``), uni-weaken (``min <= q12 <= max``), bi-enhance (``max < q12 <
    q1 + q2``), independent (``q12 = q1 + q2``), nonlinear-enhance (``q12 > q1 + q2``);
:func:`risk_detector`
    the mean of ``Y`` per stratum and Welch's t-test between every two strata;
:func:`ecological_detector`
    whether two factors explain significantly different shares: ``F = SSW_1 / SSW_2``
    with (N - 1, N - 1) degrees of freedom, two-sided.

A stratum of one unit has no within-stratum variance: ``q`` counts it as Wang & Xu's
formula does (it explains its unit perfectly), and :func:`factor_detector` reports the
smallest stratum so that a reader can see it. The PyPI ``geodetector`` package and R's
gdverse drop such units instead; with every stratum of at least two units the results are
identical (the tests check it to 1e-12).

Examples
--------
>>> y = np.array([1.0, 2.0, 3.0, 7.0, 8.0, 9.0])
>>> strata = pd.DataFrame({"side": ["W", "W", "W", "E", "E", "E"]})
>>> table = factor_detector(y, strata)
>>> round(float(table.loc[0, "q"]), 4)
0.931
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable, Mapping

import mapclassify
import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError

__all__ = [
    "RULES",
    "INTERACTIONS",
    "discretise",
    "stratify",
    "q_statistic",
    "factor_detector",
    "discretisation_table",
    "interaction_detector",
    "interaction_class",
    "risk_detector",
    "ecological_detector",
]

#: Discretisation rules of continuous factors → mapclassify classifier.
RULES: dict[str, type] = {
    "equal": mapclassify.EqualInterval,
    "quantile": mapclassify.Quantiles,
    "natural": mapclassify.FisherJenks,
}
#: The five interaction classes, from weakest to strongest.
INTERACTIONS: tuple[str, ...] = (
    "nonlinear-weaken",
    "uni-weaken",
    "bi-enhance",
    "independent",
    "nonlinear-enhance",
)
_CATEGORICAL = "categorical"


def discretise(values: Iterable[float], rule: str, k: int) -> np.ndarray:
    """Cut a continuous factor into at most ``k`` strata by a named rule.

    Parameters
    ----------
    values : array-like of float
        The factor (no missing values).
    rule : {"equal", "quantile", "natural"}
        Equal intervals of the range, quantiles (equal counts), or natural breaks
        (Fisher-Jenks: the cut minimising the within-class variance, exact).
    k : int
        Number of strata asked; fewer when the values have fewer distinct values.

    Returns
    -------
    numpy.ndarray
        Stratum of each value, 0 for the lowest; the breaks in ``.attrs`` are not
        kept (use mapclassify directly for them).

    Examples
    --------
    >>> discretise([1, 2, 3, 10, 11, 30], "equal", 3).tolist()
    [0, 0, 0, 0, 1, 2]
    >>> discretise([1, 2, 3, 10, 11, 30], "natural", 3).tolist()
    [0, 0, 0, 1, 1, 2]
    """
    if rule not in RULES:
        raise ConfigError(f"rule={rule!r}: use one of {sorted(RULES)} (or 'categorical')")
    x = np.asarray(list(values), dtype=float)
    if np.isnan(x).any():
        raise ConfigError("discretise: the factor has missing values")
    distinct = len(np.unique(x))
    k = min(int(k), distinct)
    if k < 2:
        return np.zeros(len(x), dtype=int)
    with warnings.catch_warnings():
        # FisherJenks warns that numba is not installed; for a few dozen units it is fast
        warnings.filterwarnings("ignore", "Numba not installed")
        classes = RULES[rule](x, k=k).yb
    # renumber 0.. in order, without the empty classes mapclassify may leave
    return np.unique(classes, return_inverse=True)[1].astype(int)


def stratify(
    frame: pd.DataFrame, rules: Mapping[str, str], *, k: int | Mapping[str, int] = 4
) -> pd.DataFrame:
    """The strata of several factors, each by its rule.

    Parameters
    ----------
    frame : pandas.DataFrame
        The factors, one row per unit.
    rules : mapping of str to str
        Factor → ``"categorical"`` (its values are the strata) or a rule of
        :data:`RULES`.
    k : int or mapping of str to int
        Strata per continuous factor.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``frame``, one integer column per factor (0 = lowest stratum or first
        category in sorted order); ``attrs["rules"]`` holds the rules and ``k``.

    Examples
    --------
    >>> frame = pd.DataFrame({"road_m": [10.0, 50, 400, 900], "kind": ["a", "b", "a", "b"]})
    >>> stratify(frame, {"road_m": "equal", "kind": "categorical"}, k=2).to_dict("list")
    {'road_m': [0, 0, 0, 1], 'kind': [0, 1, 0, 1]}
    """
    out = {}
    used = {}
    for factor, rule in rules.items():
        if factor not in frame.columns:
            raise ConfigError(f"stratify: factor {factor!r} not in the frame")
        values = frame[factor]
        if values.isna().any():
            raise ConfigError(f"stratify: factor {factor!r} has missing values")
        if rule == _CATEGORICAL:
            out[factor] = np.unique(values.astype(str), return_inverse=True)[1]
            used[factor] = (rule, None)
        else:
            strata_k = k[factor] if isinstance(k, Mapping) else k
            out[factor] = discretise(values, rule, strata_k)
            used[factor] = (rule, int(strata_k))
    strata = pd.DataFrame(out, index=frame.index)
    strata.attrs = {"rules": used}
    return strata


def _groups(y: np.ndarray, strata: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels, inverse, counts = np.unique(strata, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=y)
    return labels, counts, sums / counts


def q_statistic(y: Iterable[float], strata: Iterable) -> float:
    """``q = 1 - sum_h N_h sigma_h^2 / (N sigma^2)``, population variances.

    Examples
    --------
    Strata {1, 3} and {5, 7}: within variances 1 and 1, total variance 5.

    >>> q_statistic([1, 3, 5, 7], ["a", "a", "b", "b"])
    0.8
    """
    y = np.asarray(list(y), dtype=float)
    strata = np.asarray(list(strata))
    sst = ((y - y.mean()) ** 2).sum()
    if sst == 0:
        return float("nan")
    _, inverse = np.unique(strata, return_inverse=True)
    means = np.bincount(inverse, weights=y) / np.bincount(inverse)
    ssw = ((y - means[inverse]) ** 2).sum()
    return float(1 - ssw / sst)


def _factor_row(y: np.ndarray, strata: np.ndarray) -> dict[str, float]:
    n = len(y)
    labels, counts, means = _groups(y, strata)
    levels = len(labels)
    q = q_statistic(y, strata)
    row = {"strata": levels, "smallest_stratum": int(counts.min()), "q": q}
    if levels < 2 or levels >= n or np.isnan(q):
        return row | {"F": np.nan, "p_value": np.nan, "p_central": np.nan, "lambda": np.nan}
    variance = y.var()
    lam = ((means**2).sum() - (np.sqrt(counts) * means).sum() ** 2 / n) / variance
    df1, df2 = levels - 1, n - levels
    if q >= 1:
        return row | {"F": np.inf, "p_value": 0.0, "p_central": 0.0, "lambda": lam}
    f = df2 / df1 * q / (1 - q)
    return row | {
        "F": f,
        "p_value": float(stats.ncf.sf(f, df1, df2, lam)),
        "p_central": float(stats.f.sf(f, df1, df2)),
        "lambda": lam,
    }


def _target(y: Iterable[float], strata: pd.DataFrame) -> np.ndarray:
    values = np.asarray(list(y), dtype=float)
    if len(values) != len(strata):
        raise ConfigError(f"detector: {len(values)} values of Y but {len(strata)} rows of strata")
    if np.isnan(values).any():
        raise ConfigError("detector: Y has missing values")
    return values


def factor_detector(
    y: Iterable[float], strata: pd.DataFrame, *, alpha: float = 0.05
) -> pd.DataFrame:
    """The factor detector: ``q`` of each factor with its F-tests.

    Parameters
    ----------
    y : array-like of float
        The variable explained (e.g. incidence), one value per unit.
    strata : pandas.DataFrame
        One column per factor holding each unit's stratum (:func:`stratify`, or any
        labels).
    alpha : float
        Level of ``significant`` (on Wang & Xu's ``p_value``).

    Returns
    -------
    pandas.DataFrame
        One row per factor, highest ``q`` first: ``factor``, ``strata`` (L),
        ``smallest_stratum`` (units in the smallest), ``q``, ``F``, ``lambda``
        (non-centrality), ``p_value`` (non-central F, Wang & Xu 2017), ``p_central``
        (central F: one-way ANOVA), ``significant``.

    Examples
    --------
    >>> y = [0.10, 0.12, 0.11, 0.30, 0.28, 0.33, 0.20, 0.22]
    >>> strata = pd.DataFrame({"zone": [0, 0, 0, 1, 1, 1, 2, 2],
    ...                        "noise": [0, 1, 1, 0, 0, 1, 0, 1]})
    >>> factor_detector(y, strata)[["factor", "q"]].round(3)
      factor      q
    0   zone  0.971
    1  noise  0.022
    """
    values = _target(y, strata)
    rows = [
        {"factor": factor, **_factor_row(values, strata[factor].to_numpy())}
        for factor in strata.columns
    ]
    table = pd.DataFrame(
        rows,
        columns=[
            "factor",
            "strata",
            "smallest_stratum",
            "q",
            "F",
            "lambda",
            "p_value",
            "p_central",
        ],
    )
    table["significant"] = table["p_value"] < alpha
    return table.sort_values("q", ascending=False, kind="stable").reset_index(drop=True)


def discretisation_table(
    y: Iterable[float],
    factors: pd.DataFrame,
    *,
    rules: Iterable[str] = ("equal", "quantile", "natural"),
    ks: Iterable[int] = (3, 4, 5),
) -> pd.DataFrame:
    """``q`` of each continuous factor under each discretisation rule and stratum count.

    Parameters
    ----------
    y : array-like of float
        The variable explained.
    factors : pandas.DataFrame
        Continuous factors, one column each.
    rules : iterable of str
        Rules of :data:`RULES`.
    ks : iterable of int
        Numbers of strata.

    Returns
    -------
    pandas.DataFrame
        ``factor``, ``rule``, ``k``, then the columns of :func:`factor_detector`
        (``strata`` may be fewer than ``k``), in the order factor, rule, k.

    Examples
    --------
    >>> factors = pd.DataFrame({"x": [1.0, 2, 3, 4, 5, 6, 7, 8, 9]})
    >>> table = discretisation_table([1, 1, 1, 2, 2, 2, 3, 3, 9], factors, ks=(3,))
    >>> table[["rule", "k", "q"]].round(3).to_dict("list")
    {'rule': ['equal', 'quantile', 'natural'], 'k': [3, 3, 3], 'q': [0.52, 0.52, 0.52]}
    """
    values = _target(y, factors)
    rows = []
    for factor in factors.columns:
        for rule in rules:
            for k in ks:
                strata = discretise(factors[factor], rule, k)
                rows.append(
                    {"factor": factor, "rule": rule, "k": int(k)} | _factor_row(values, strata)
                )
    return pd.DataFrame(rows)


def interaction_class(q1: float, q2: float, q12: float, *, tol: float = 1e-10) -> str:
    """The interaction class of two factors from their ``q`` and that of their overlay.

    Examples
    --------
    >>> interaction_class(0.3, 0.2, 0.45), interaction_class(0.3, 0.2, 0.6)
    ('bi-enhance', 'nonlinear-enhance')
    >>> interaction_class(0.3, 0.2, 0.5), interaction_class(0.3, 0.2, 0.25)
    ('independent', 'uni-weaken')
    """
    if abs(q12 - (q1 + q2)) <= tol:
        return "independent"
    if q12 < min(q1, q2):
        return "nonlinear-weaken"
    if q12 <= max(q1, q2):
        return "uni-weaken"
    if q12 < q1 + q2:
        return "bi-enhance"
    return "nonlinear-enhance"


def interaction_detector(y: Iterable[float], strata: pd.DataFrame) -> pd.DataFrame:
    """The interaction detector: does overlaying two factors explain more than each?

    Parameters
    ----------
    y : array-like of float
        The variable explained.
    strata : pandas.DataFrame
        Strata of the factors (:func:`stratify`).

    Returns
    -------
    pandas.DataFrame
        One row per pair of factors, in column order: ``factor_1``, ``factor_2``,
        ``q_1``, ``q_2``, ``q_12`` (``q`` of the overlay: every combination of their
        strata is a stratum), ``overlay_strata``, ``smallest_stratum`` (of the overlay),
        ``interaction`` (one of :data:`INTERACTIONS`). With few units the overlay has
        many strata of one or two units, and ``q_12`` grows by that alone: read
        ``smallest_stratum`` before the class.

    Examples
    --------
    >>> y = [1.0, 2, 3, 4, 5, 6, 7, 9]
    >>> strata = pd.DataFrame({"a": [0, 0, 0, 0, 1, 1, 1, 1], "b": [0, 0, 1, 1, 0, 0, 1, 1]})
    >>> interaction_detector(y, strata)[["q_1", "q_2", "q_12", "interaction"]].round(3)
         q_1    q_2  q_12        interaction
    0  0.724  0.203  0.93  nonlinear-enhance
    """
    values = _target(y, strata)
    rows = []
    for f1, f2 in itertools.combinations(strata.columns, 2):
        overlay = strata[f1].astype(str) + "|" + strata[f2].astype(str)
        q1 = q_statistic(values, strata[f1])
        q2 = q_statistic(values, strata[f2])
        q12 = q_statistic(values, overlay)
        counts = overlay.value_counts()
        rows.append(
            {
                "factor_1": f1,
                "factor_2": f2,
                "q_1": q1,
                "q_2": q2,
                "q_12": q12,
                "overlay_strata": len(counts),
                "smallest_stratum": int(counts.min()),
                "interaction": interaction_class(q1, q2, q12),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "factor_1", "factor_2", "q_1", "q_2", "q_12", "overlay_strata",
            "smallest_stratum", "interaction",
        ],
    )  # fmt: skip


def risk_detector(y: Iterable[float], strata: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """The risk detector: does the mean of ``Y`` differ between two strata of a factor?

    Welch's t-test (unequal variances, Welch-Satterthwaite degrees of freedom; Wang &
    Xu 2017) between every two strata of each factor. A stratum of one unit has no
    variance: its pairs get NaN.

    Parameters
    ----------
    y : array-like of float
        The variable explained.
    strata : pandas.DataFrame
        Strata of the factors.
    alpha : float
        Level of ``significant``.

    Returns
    -------
    pandas.DataFrame
        ``factor``, ``stratum_1``, ``stratum_2`` (labels as in ``strata``), ``n_1``,
        ``n_2``, ``mean_1``, ``mean_2``, ``t``, ``df``, ``p_value`` (two-sided),
        ``significant``. These are many tests at once: no correction is applied.

    Examples
    --------
    >>> y = [1.0, 2, 3, 7, 8, 9]
    >>> strata = pd.DataFrame({"side": [0, 0, 0, 1, 1, 1]})
    >>> risk_detector(y, strata)[["mean_1", "mean_2", "t", "df"]]
       mean_1  mean_2         t   df
    0     2.0     8.0 -7.348469  4.0
    """
    values = _target(y, strata)
    rows = []
    for factor in strata.columns:
        labels = strata[factor].to_numpy()
        for a, b in itertools.combinations(np.unique(labels), 2):
            ya, yb = values[labels == a], values[labels == b]
            row = {
                "factor": factor, "stratum_1": a, "stratum_2": b, "n_1": len(ya),
                "n_2": len(yb), "mean_1": ya.mean(), "mean_2": yb.mean(),
            }  # fmt: skip
            if min(len(ya), len(yb)) < 2:
                rows.append(row | {"t": np.nan, "df": np.nan, "p_value": np.nan})
                continue
            test = stats.ttest_ind(ya, yb, equal_var=False)
            rows.append(row | {"t": float(test.statistic), "df": float(test.df),
                               "p_value": float(test.pvalue)})  # fmt: skip
    table = pd.DataFrame(
        rows,
        columns=["factor", "stratum_1", "stratum_2", "n_1", "n_2", "mean_1", "mean_2", "t",
                 "df", "p_value"],
    )  # fmt: skip
    table["significant"] = table["p_value"] < alpha
    return table


def ecological_detector(
    y: Iterable[float], strata: pd.DataFrame, *, alpha: float = 0.05
) -> pd.DataFrame:
    """The ecological detector: do two factors explain significantly different shares?

    ``F = SSW_1 / SSW_2 = (1 - q_1) / (1 - q_2)`` (both factors stratify the same N
    units), compared with F(N - 1, N - 1) two-sided, as the ``geodetector`` package
    does (order-free; R's gdverse uses one tail).

    Parameters
    ----------
    y : array-like of float
        The variable explained.
    strata : pandas.DataFrame
        Strata of the factors.
    alpha : float
        Level of ``significant``.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``factor_1``, ``factor_2``, ``q_1``, ``q_2``, ``F``,
        ``p_value``, ``significant``.

    Examples
    --------
    >>> y = [1.0, 2, 3, 7, 8, 9]
    >>> strata = pd.DataFrame({"a": [0, 0, 0, 1, 1, 1], "b": [0, 1, 0, 1, 0, 1]})
    >>> ecological_detector(y, strata)[["q_1", "q_2", "F"]].round(3)
         q_1    q_2      F
    0  0.931  0.103  0.077
    """
    values = _target(y, strata)
    n = len(values)
    rows = []
    for f1, f2 in itertools.combinations(strata.columns, 2):
        q1, q2 = q_statistic(values, strata[f1]), q_statistic(values, strata[f2])
        if q2 >= 1 or q1 >= 1:
            f = np.inf if q2 >= 1 > q1 else (0.0 if q1 >= 1 > q2 else 1.0)
        else:
            f = (1 - q1) / (1 - q2)
        p = 2 * min(stats.f.sf(f, n - 1, n - 1), stats.f.cdf(f, n - 1, n - 1))
        rows.append({"factor_1": f1, "factor_2": f2, "q_1": q1, "q_2": q2, "F": f,
                     "p_value": float(min(1.0, p))})  # fmt: skip
    table = pd.DataFrame(rows, columns=["factor_1", "factor_2", "q_1", "q_2", "F", "p_value"])
    table["significant"] = table["p_value"] < alpha
    return table
