"""Global tests beyond Moran's I of one rate: rate Moran, bivariate Moran, join counts, Geary.

All through esda, with the conventions of :mod:`.autocorrelation`: a fresh copy of the
weights for every statistic (esda changes the transform of the ``W`` it is given),
numpy's global generator seeded around esda's permutations and restored afterwards (these
esda classes take no seed), islands reported. Each returns a :class:`GlobalTest`, whose
permutation p-values are given both ways: ``p_greater`` (positive association: the
direction named before looking) and ``p_two_sided`` (either direction), each with its
Monte Carlo standard error.

:func:`assuncao_reis`
    the Assunção–Reis (1999) EB-standardised rate: ``(p_i - b) / sqrt(a + b / n_i)``,
    so that small villages' noisy rates weigh less;
:func:`rate_moran`
    Moran's I of that standardised rate (esda ``Moran_Rate``);
:func:`bivariate_moran`
    Moran's I of one variable against the spatial lag of another (esda ``Moran_BV``),
    e.g. incidence against the neighbours' elevation;
:func:`join_counts`
    black-black joins of a yes/no flag (esda ``Join_Counts``): are the designated
    villages next to each other more often than chance?
:func:`geary`
    Geary's C (esda ``Geary``): like Moran's I but from squared differences, more
    sensitive to local dissimilarity;
:func:`moran_test`
    Moran's I of any column, as a :class:`GlobalTest` (two-sided p beside the one-sided);
:func:`rate_comparison`
    Moran's I and the exact LISA of the raw, EB-smoothed and EB-standardised rates side by
    side;
:func:`global_table`
    several results as one table.

Examples
--------
>>> import geopandas as gpd, libpysal
>>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
>>> c = geary(columbus, "CRIME", permutations=99, seed=0)
>>> round(c.value, 4), c.expected
(0.5405, 1.0)
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import ConfigError
from .exact import DEFAULT_LIMIT, exact_local_moran
from .weights import build_weights, describe_weights, numeric_column

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import esda
    from esda.smoothing import assuncao_rate

__all__ = [
    "GlobalTest",
    "moran_test",
    "rate_comparison",
    "assuncao_reis",
    "rate_moran",
    "bivariate_moran",
    "join_counts",
    "geary",
    "global_table",
]


@contextlib.contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """numpy's global generator seeded for esda's permutations, then restored."""
    state = np.random.get_state()  # noqa: NPY002
    try:
        if seed is not None:
            np.random.seed(seed)  # noqa: NPY002
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


@dataclass(frozen=True)
class GlobalTest:
    """One global statistic with its permutation inference.

    Attributes
    ----------
    statistic : str
        What was computed (e.g. ``"Moran's I (EB-standardised rate)"``).
    variable : str
        The variable(s), e.g. ``"incidence ~ lag(elevation_m)"``.
    value, expected : float
        The statistic and its expectation under no spatial association.
    p_greater : float
        Permutation p-value of positive association (large I, many joins of the flag,
        small C): ``(#{sims as or more extreme} + 1) / (permutations + 1)``.
    p_two_sided : float
        ``min(1, 2 * min(p_greater, p_less))``.
    p_greater_se, p_two_sided_se : float
        Their Monte Carlo standard errors.
    p_norm : float
        Two-sided p-value under normality where esda gives one (NaN otherwise).
    n : int
        Units.
    islands : tuple
        Index labels of the units without neighbours.
    permutations, seed : int
        As given.
    weights : str
        The weights, as given.
    """

    statistic: str
    variable: str
    value: float
    expected: float
    p_greater: float
    p_two_sided: float
    p_greater_se: float
    p_two_sided_se: float
    p_norm: float
    n: int
    islands: tuple
    permutations: int
    seed: int | None
    weights: str

    def to_frame(self) -> pd.DataFrame:
        """The result as one row (the columns of :func:`global_table`)."""
        return global_table({self.variable: self})


def global_table(results: Mapping[str, GlobalTest]) -> pd.DataFrame:
    """Several global tests as one table, one row per result.

    Parameters
    ----------
    results : mapping of str to GlobalTest
        Label of the row → result.

    Returns
    -------
    pandas.DataFrame
        ``label``, ``statistic``, ``variable``, ``value``, ``expected``, ``p_greater``,
        ``p_greater_se``, ``p_two_sided``, ``p_two_sided_se``, ``p_norm``, ``n``,
        ``islands`` (count), ``permutations``, ``weights``.

    Examples
    --------
    >>> import geopandas as gpd, libpysal
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> table = global_table({"Geary": geary(columbus, "CRIME", permutations=9)})
    >>> table.loc[0, ["label", "statistic"]].tolist()
    ['Geary', "Geary's C"]
    """
    rows = [
        {
            "label": label,
            "statistic": r.statistic,
            "variable": r.variable,
            "value": r.value,
            "expected": r.expected,
            "p_greater": r.p_greater,
            "p_greater_se": r.p_greater_se,
            "p_two_sided": r.p_two_sided,
            "p_two_sided_se": r.p_two_sided_se,
            "p_norm": r.p_norm,
            "n": r.n,
            "islands": len(r.islands),
            "permutations": r.permutations,
            "weights": r.weights,
        }
        for label, r in results.items()
    ]
    return pd.DataFrame(rows)


def _inference(observed: float, simulated: np.ndarray, positive_is_large: bool) -> dict[str, float]:
    """One- and two-sided permutation p-values with their Monte Carlo standard errors."""
    simulated = np.asarray(simulated, dtype=float)
    m = len(simulated)
    tol = 1e-12 * max(1.0, abs(observed))
    upper = (np.sum(simulated >= observed - tol) + 1) / (m + 1)
    lower = (np.sum(simulated <= observed + tol) + 1) / (m + 1)
    greater = upper if positive_is_large else lower
    smaller = min(upper, lower)
    return {
        "p_greater": float(greater),
        "p_two_sided": float(min(1.0, 2 * smaller)),
        "p_greater_se": float(np.sqrt(greater * (1 - greater) / m)),
        "p_two_sided_se": float(2 * np.sqrt(smaller * (1 - smaller) / m)),
    }


def _check_permutations(permutations: int) -> None:
    if permutations < 1:
        raise ConfigError(f"permutations={permutations}: a permutation test needs at least 1")


def _islands(gdf: gpd.GeoDataFrame, w) -> tuple:
    return tuple(gdf.index[i] for i in sorted(w.islands))


def _global_test(
    statistic: str,
    variable: str,
    value: float,
    expected: float,
    simulated: np.ndarray,
    *,
    positive_is_large: bool,
    p_norm: float,
    n: int,
    gdf: gpd.GeoDataFrame,
    w,
    permutations: int,
    seed: int | None,
    weights: object,
) -> GlobalTest:
    """A :class:`GlobalTest` of an esda result: its permutation p-values and settings."""
    return GlobalTest(
        statistic=statistic,
        variable=variable,
        value=float(value),
        expected=float(expected),
        **_inference(value, simulated, positive_is_large=positive_is_large),
        p_norm=float(p_norm),
        n=int(n),
        islands=_islands(gdf, w),
        permutations=permutations,
        seed=seed,
        weights=describe_weights(weights),
    )


def assuncao_reis(
    gdf: pd.DataFrame, *, events: str = "poor", base: str = "population"
) -> pd.Series:
    """The Assunção–Reis (1999) empirical Bayes standardised rate of each unit.

    ``(p_i - b) / sqrt(a + b / n_i)`` with ``p_i = events / base``, ``b`` the overall
    rate and ``a`` the method-of-moments between-unit variance (esda
    ``smoothing.assuncao_rate``). Unlike a raw rate, its variance does not grow as a
    village gets smaller, so Moran's I is not driven by the small villages' noise.

    Parameters
    ----------
    gdf : pandas.DataFrame
        With ``events`` and ``base`` (e.g. the frame of :func:`.villages.village_rates`).
    events, base : str
        Columns of the counts and the populations at risk.

    Returns
    -------
    pandas.Series
        Named ``"ar_rate"``, aligned with ``gdf``.

    Examples
    --------
    >>> frame = pd.DataFrame({"poor": [10, 50, 5], "population": [100, 200, 100]})
    >>> assuncao_reis(frame).round(4).tolist()
    [-0.6829, 1.0062, -1.2293]
    """
    e = numeric_column(gdf, events)
    b = numeric_column(gdf, base)
    if (b <= 0).any():
        raise ConfigError(f"column {base!r}: every population must be positive")
    return pd.Series(np.asarray(assuncao_rate(e, b), dtype=float), index=gdf.index, name="ar_rate")


def rate_moran(
    gdf: gpd.GeoDataFrame,
    *,
    events: str = "poor",
    base: str = "population",
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
) -> GlobalTest:
    """Moran's I of the Assunção–Reis EB-standardised rate (esda ``Moran_Rate``).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        With ``events`` and ``base``.
    events, base : str
        Counts and populations at risk.
    weights : str or libpysal.weights.W
        See :func:`.weights.build_weights` (row-standardised).
    permutations : int
        Random permutations.
    seed : int or None
        Seed of numpy's global generator around esda's permutations.

    Returns
    -------
    GlobalTest

    Examples
    --------
    >>> import libpysal
    >>> stl = gpd.read_file(libpysal.examples.get_path("stl_hom.shp"))
    >>> m = rate_moran(stl, events="HC8893", base="PE87", permutations=99)
    >>> round(m.value, 4)
    0.3541
    """
    _check_permutations(permutations)
    e, b = numeric_column(gdf, events), numeric_column(gdf, base)
    w = build_weights(gdf, weights)
    with _seeded(seed):
        m = esda.Moran_Rate(e, b, w, adjusted=True, transformation="r", permutations=permutations)
    return _global_test(
        "Moran's I (EB-standardised rate)", f"{events} / {base}", m.I, m.EI, m.sim,
        positive_is_large=True, p_norm=m.p_norm, n=m.n, gdf=gdf, w=w,
        permutations=permutations, seed=seed, weights=weights,
    )  # fmt: skip


def bivariate_moran(
    gdf: gpd.GeoDataFrame,
    x: str,
    y: str,
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
) -> GlobalTest:
    """Bivariate Moran's I: ``x`` at each unit against the spatial lag of ``y``.

    esda ``Moran_BV``: ``I = z_x' W z_y / (n - 1)``, z-scores with the sample s.d.;
    the permutations relabel ``y`` over the units. It says whether places with a high
    ``x`` have neighbours with a high ``y``; it is not a correlation of ``x`` and ``y``
    at the same place, and it mixes that correlation with the spatial pattern of ``y``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    x, y : str
        The variable at the unit and the variable lagged.
    weights, permutations, seed
        As :func:`rate_moran`.

    Returns
    -------
    GlobalTest

    Examples
    --------
    >>> import libpysal
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> round(bivariate_moran(columbus, "CRIME", "INC", permutations=9).value, 4)
    -0.4286
    """
    _check_permutations(permutations)
    xv, yv = numeric_column(gdf, x), numeric_column(gdf, y)
    w = build_weights(gdf, weights)
    with _seeded(seed):
        m = esda.Moran_BV(xv, yv, w, transformation="r", permutations=permutations)
    return _global_test(
        "bivariate Moran's I", f"{x} ~ lag({y})", m.I, -1.0 / (len(xv) - 1), m.sim,
        positive_is_large=True, p_norm=float("nan"), n=len(xv), gdf=gdf, w=w,
        permutations=permutations, seed=seed, weights=weights,
    )  # fmt: skip


def join_counts(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    weights: object = "queen",
    permutations: int = 999,
    seed: int | None = 0,
) -> GlobalTest:
    """Join counts of a yes/no flag: do flagged units touch each other more than chance?

    esda ``Join_Counts`` on binary weights, islands dropped: ``value`` is the number of
    black-black joins (pairs of neighbours both flagged), ``expected`` its mean over the
    permutations (the flag relabelled over the units, the number flagged fixed).
    ``p_greater`` asks whether the flagged units are clustered. esda's join counts are
    slow (a pandas table per permutation, about 1 ms): 999 permutations by default,
    with the standard error given.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        A boolean (or 0/1) column, e.g. ``designated``.
    weights, seed
        As :func:`rate_moran`.
    permutations : int
        Random relabellings.

    Returns
    -------
    GlobalTest

    Examples
    --------
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame({"flag": [True, True, False, False, True, False]},
    ...                        geometry=[box(i, 0, i + 1, 1) for i in range(6)])
    >>> jc = join_counts(row, "flag", weights="rook", permutations=99)
    >>> jc.value, jc.statistic
    (1.0, 'black-black joins')
    """
    _check_permutations(permutations)
    flag = pd.Series(gdf[column]) if column in gdf.columns else None
    if flag is None:
        raise ConfigError(f"column {column!r} not in the frame; columns: {list(gdf.columns)}")
    values = pd.to_numeric(flag.astype("object").map({True: 1, False: 0}))
    if values.isna().any():
        raise ConfigError(f"column {column!r}: join counts need a yes/no (True/False) flag")
    w = build_weights(gdf, weights)
    with _seeded(seed):
        jc = esda.Join_Counts(values.to_numpy(dtype=int), w, permutations=permutations)
    return _global_test(
        "black-black joins", column, jc.bb, jc.mean_bb, jc.sim_bb,
        positive_is_large=True, p_norm=float("nan"), n=len(values), gdf=gdf, w=w,
        permutations=permutations, seed=seed, weights=weights,
    )  # fmt: skip


def geary(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
) -> GlobalTest:
    """Geary's C (esda ``Geary``, row-standardised): 1 without association, below 1 when
    neighbours are alike.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        The variable.
    weights, permutations, seed
        As :func:`rate_moran`.

    Returns
    -------
    GlobalTest
        ``p_greater`` is the p-value of positive association (a small C); ``p_norm``
        esda's two-sided normal p-value.

    Examples
    --------
    >>> import libpysal
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> g = geary(columbus, "CRIME", permutations=99, seed=0)
    >>> g.p_greater
    0.01
    """
    _check_permutations(permutations)
    y = numeric_column(gdf, column)
    w = build_weights(gdf, weights)
    with _seeded(seed):
        c = esda.Geary(y, w, transformation="r", permutations=permutations)
    return _global_test(
        "Geary's C", column, c.C, c.EC, c.sim,
        positive_is_large=False, p_norm=min(1.0, 2 * c.p_norm), n=c.n, gdf=gdf, w=w,
        permutations=permutations, seed=seed, weights=weights,
    )  # fmt: skip


def moran_test(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
) -> GlobalTest:
    """Moran's I of ``column`` (esda ``Moran``, row-standardised) as a :class:`GlobalTest`.

    The statistic and seed handling of :func:`.autocorrelation.global_moran`, with the
    p-value of positive autocorrelation and the two-sided one instead of esda's
    direction-of-the-data ``p_sim``.

    Examples
    --------
    >>> import libpysal
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> m = moran_test(columbus, "CRIME", permutations=99)
    >>> round(m.value, 6), m.p_greater, m.p_two_sided
    (0.500189, 0.01, 0.02)
    """
    _check_permutations(permutations)
    y = numeric_column(gdf, column)
    w = build_weights(gdf, weights)
    with _seeded(seed):
        m = esda.Moran(y, w, transformation="r", permutations=permutations)
    return _global_test(
        "Moran's I", column, m.I, m.EI, m.sim,
        positive_is_large=True, p_norm=m.p_norm, n=m.n, gdf=gdf, w=w,
        permutations=permutations, seed=seed, weights=weights,
    )  # fmt: skip


def rate_comparison(
    gdf: gpd.GeoDataFrame,
    columns: Mapping[str, str],
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
    alpha: float = 0.05,
    limit: int = DEFAULT_LIMIT,
) -> pd.DataFrame:
    """Global and local autocorrelation of several versions of one rate, side by side.

    Raw incidence is noisy where villages are small; the empirical Bayes rate shrinks
    it; the Assunção–Reis standardised rate (:func:`assuncao_reis`) divides by its
    standard error instead. A cluster found on all three does not come from small
    denominators.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units, with every column of ``columns``.
    columns : mapping of str to str
        Label → column (e.g. ``{"raw": "incidence", "EB": "eb", "EB-standardised":
        "ar_rate"}``).
    weights, permutations, seed
        As :func:`moran_test`.
    alpha, limit
        As :func:`.exact.exact_local_moran` (two-sided exact p-values).

    Returns
    -------
    pandas.DataFrame
        One row per label: ``rate``, ``column``, ``I``, ``p_two_sided``,
        ``significant``, ``significant_fdr``, ``significant_bonferroni`` (exact
        two-sided LISA), ``high_high`` and ``low_low`` (names when ``gdf`` has
        ``name``, else index labels; comma-separated).

    Examples
    --------
    >>> import libpysal
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> table = rate_comparison(columbus, {"crime": "CRIME", "income": "INC"},
    ...                         permutations=99)
    >>> table[["rate", "significant"]].to_dict("list")
    {'rate': ['crime', 'income'], 'significant': [15, 14]}
    """
    names = gdf["name"].astype(str) if "name" in gdf.columns else gdf.index.astype(str)
    rows = []
    for label, column in columns.items():
        moran = moran_test(gdf, column, weights=weights, permutations=permutations, seed=seed)
        lisa = exact_local_moran(
            gdf, column, weights=weights, alpha=alpha, limit=limit, permutations=permutations,
            seed=seed,
        )  # fmt: skip
        rows.append(
            {
                "rate": label,
                "column": column,
                "I": moran.value,
                "p_two_sided": moran.p_two_sided,
                "significant": int(lisa["significant"].sum()),
                "significant_fdr": int(lisa["significant_fdr"].sum()),
                "significant_bonferroni": int(lisa["significant_bonferroni"].sum()),
                "high_high": ", ".join(names[(lisa["cluster"] == "High-High").to_numpy()]),
                "low_low": ", ".join(names[(lisa["cluster"] == "Low-Low").to_numpy()]),
            }
        )
    return pd.DataFrame(rows)
