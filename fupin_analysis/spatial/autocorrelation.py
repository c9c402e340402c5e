"""Spatial autocorrelation of village rates: global and local Moran's I, Getis-Ord Gi*.

* global spatial autocorrelation (:func:`global_moran`, esda's ``Moran``);
* local clusters (:func:`local_moran`, :func:`getis_ord`, :func:`moran_scatter`, esda's
  ``Moran_Local`` and ``G_Local``), with islands left out and multiple-testing control.

Every statistic works on a fresh copy of the weights (:func:`.weights.build_weights`), is
row-standardised, and takes a ``seed``. Units without neighbours (islands) are reported
and never labelled clusters.

With a few dozen units, conditional permutation cannot make every unit significant: a unit
with ``k`` neighbours among ``n`` units can never get a pseudo p-value below
``1 / C(n - 1, k)`` (:func:`min_p_values`). Results carry that bound as ``min_p`` so that
a non-significant unit is read as "cannot be concluded", not as "no cluster".

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> grid = gpd.GeoDataFrame(
...     {"rate": [9.0, 8.0, 1.0, 8.5, 7.5, 1.5, 1.0, 2.0, 0.5]},
...     geometry=[box(x, y, x + 1, y + 1) for y in range(3) for x in range(3)],
... )
>>> result = global_moran(grid, "rate", weights="rook", permutations=999, seed=1)
>>> round(result.I, 3), result.n, result.islands
(0.394, 9, ())
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ConfigError
from .weights import build_weights, describe_weights, island_mask, numeric_column

with warnings.catch_warnings():
    # esda imports tqdm.auto, which warns under Jupyter when ipywidgets is not installed
    warnings.simplefilter("ignore")
    import esda

__all__ = [
    "MoranResult",
    "min_p_values",
    "global_moran",
    "local_moran",
    "local_summary",
    "moran_scatter",
    "scatter_line",
    "getis_ord",
    "reachability",
    "pseudo_p_spread",
    "QUADRANTS",
    "CLUSTER_LABELS",
]

#: esda's quadrant codes 1–4 → the quadrant of the Moran scatter plot.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Quadrant → the cluster label a significant unit gets.
CLUSTER_LABELS = {"HH": "High-High", "LH": "Low-High", "LL": "Low-Low", "HL": "High-Low"}

_NOT_SIGNIFICANT = "not significant"
_ISLAND = "island"


def min_p_values(w: libpysal.weights.W, permutations: int = 9999) -> np.ndarray:
    """The smallest pseudo p-value each unit can reach under conditional permutation.

    Conditional permutation (esda, GeoDa) holds unit *i*'s value fixed and gives its
    ``k`` neighbour weights values drawn from the other ``n - 1`` units. The most extreme
    arrangement is one of ``N = (n-1)! / ((n-1-k)! * m_1! * ... * m_r!)`` equally likely
    ones, where ``m_j`` count equal weights in the row (so ``N = C(n-1, k)`` for
    contiguity weights). Even when *i*'s neighbours hold the most extreme values, a
    one-sided pseudo p-value cannot fall below ``1 / N`` (with distinct values; ties make
    it larger), nor below ``1 / (permutations + 1)``.

    Parameters
    ----------
    w : libpysal.weights.W
        Weights of all ``n`` units (self-weights, as in Gi*, are not permuted and ignored).
    permutations : int
        The number of permutations the test uses.

    Returns
    -------
    numpy.ndarray
        ``max(1 / N_i, 1 / (permutations + 1))`` per unit in ``w.id_order``; NaN for
        islands (no local statistic).

    Examples
    --------
    Five units in a row: an end unit has one neighbour among four others (1 / 4), an
    inner unit two (1 / C(4, 2) = 1 / 6).

    >>> w = libpysal.weights.lat2W(5, 1, rook=True)
    >>> min_p_values(w, permutations=9999).round(4).tolist()
    [0.25, 0.1667, 0.1667, 0.1667, 0.25]
    """
    n = w.n
    out = np.full(n, np.nan)
    for pos, i in enumerate(w.id_order):
        row = [wt for j, wt in zip(w.neighbors[i], w.weights[i], strict=True) if j != i]
        k = len(row)
        if k == 0:
            continue
        _, groups = np.unique(np.round(row, 12), return_counts=True)
        arrangements = math.perm(n - 1, k)
        for m in groups:
            arrangements //= math.factorial(int(m))
        out[pos] = max(1.0 / arrangements, 1.0 / (permutations + 1))
    return out



@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I of one variable (esda ``Moran``, row-standardised weights).

    Attributes
    ----------
    I : float
        Moran's I.
    EI : float
        Its expectation under the null, ``-1 / (n - 1)``.
    VI_norm : float
        Its variance under the normality assumption.
    z_norm, p_norm : float
        z-value and two-sided p-value under normality (analytical inference).
    p_sim : float
        esda's "directed" pseudo p-value of ``permutations`` random permutations: the
        smaller tail, picked after seeing the data, so under no autocorrelation it is
        below ``alpha`` about ``2 * alpha`` of the time (not a one-sided test); NaN
        without permutations. :func:`.association.moran_test` gives the one-sided and
        two-sided p-values.
    z_sim : float
        z-value of I against the permutation distribution.
    n : int
        Number of units (islands included: they enter the mean and variance).
    islands : tuple
        Index labels of the units without neighbours.
    permutations, seed : int
        As given.
    weights : str
        The weights used, as given.
    """

    I: float  # noqa: E741 - the statistic's name
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    p_sim: float
    z_sim: float
    n: int
    islands: tuple
    permutations: int
    seed: int | None
    weights: str

    def to_frame(self) -> pd.DataFrame:
        """The result as a tidy frame: ``measure``, ``value``, ``description``.

        Examples
        --------
        >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
        >>> table = global_moran(columbus, "CRIME", permutations=9).to_frame()
        >>> table["measure"].tolist()
        ['I', 'EI', 'z_norm', 'p_norm', 'p_sim', 'z_sim', 'n', 'islands']
        """
        rows = [
            ("I", self.I, "Moran's I (row-standardised weights)"),
            ("EI", self.EI, "expected I under no autocorrelation, -1/(n-1)"),
            ("z_norm", self.z_norm, "z-value under normality"),
            ("p_norm", self.p_norm, "two-sided p-value under normality"),
            (
                "p_sim",
                self.p_sim,
                f"directed pseudo p-value (the smaller tail, as esda and GeoDa), "
                f"{self.permutations} permutations",
            ),
            ("z_sim", self.z_sim, "z-value against the permutation distribution"),
            ("n", self.n, "units"),
            ("islands", len(self.islands), "units without neighbours"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "description"])


def global_moran(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
) -> MoranResult:
    """Global Moran's I with analytical and permutation inference.

    esda's ``Moran`` draws its permutations from numpy's global random generator and
    takes no seed: the generator is seeded with ``seed`` around the call and restored
    after it, so the same seed gives the same ``p_sim``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        The numeric variable (no missing values).
    weights : str or libpysal.weights.W
        See :func:`build_weights`; row-standardised for the statistic.
    permutations : int
        Random permutations for ``p_sim`` (0: none). Use at least 9,999 with few units.
    seed : int or None
        Seed of the permutations (None: not reproducible).

    Returns
    -------
    MoranResult

    Examples
    --------
    The known answer on libpysal's bundled Columbus data (CRIME, queen contiguity):

    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> m = global_moran(columbus, "CRIME", permutations=99)
    >>> round(m.I, 6), round(m.EI, 6), round(m.z_norm, 4)
    (0.500189, -0.020833, 5.6303)
    """
    y = numeric_column(gdf, column)
    w = build_weights(gdf, weights)
    # esda's Moran permutes with numpy's global generator: seed it, then restore it.
    state = np.random.get_state()  # noqa: NPY002
    try:
        if seed is not None:
            np.random.seed(seed)  # noqa: NPY002
        m = esda.Moran(y, w, transformation="r", permutations=permutations)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    labels = gdf.index
    return MoranResult(
        I=float(m.I),
        EI=float(m.EI),
        VI_norm=float(m.VI_norm),
        z_norm=float(m.z_norm),
        p_norm=float(m.p_norm),
        p_sim=float(m.p_sim) if permutations else float("nan"),
        z_sim=float(m.z_sim) if permutations else float("nan"),
        n=int(m.n),
        islands=tuple(labels[i] for i in sorted(w.islands)),
        permutations=int(permutations),
        seed=seed,
        weights=describe_weights(weights),
    )


def _scatter(y: np.ndarray, w: libpysal.weights.W) -> tuple[np.ndarray, np.ndarray]:
    """Standardised values and their row-standardised spatial lag (islands: lag NaN)."""
    z = (y - y.mean()) / y.std()
    wr = build_weights(pd.DataFrame(index=range(w.n)), w)
    wr.transform = "r"
    lag = np.asarray(libpysal.weights.lag_spatial(wr, z), dtype=float)
    lag[list(w.islands)] = np.nan
    return z, lag


def moran_scatter(gdf: gpd.GeoDataFrame, column: str, *, weights: object = "queen") -> pd.DataFrame:
    """Data of the Moran scatter plot: standardised value against its spatial lag.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        The numeric variable.
    weights : str or libpysal.weights.W
        See :func:`build_weights`.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``z`` (value standardised with the population s.d., as
        esda), ``lag`` (row-standardised mean of the neighbours' ``z``; NaN for islands),
        ``quadrant`` (HH, LH, LL, HL; NA for islands), ``island``. Without islands the
        least-squares slope of ``lag`` on ``z`` is Moran's I. With ``h`` islands it is
        not: esda's I is ``n / (n - h)`` times the slope with the islands' lag taken as
        0, and the line through the points drawn (islands left out) has yet another
        slope, :func:`scatter_line` (Columbus CRIME with unit 0 moved away as an
        island: I = 0.4872, slope 0.4772 with its lag taken as 0, 0.4908 through the
        points drawn). Draw that line, and quote I from :func:`global_moran`.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame({"v": [1.0, 3.0, 2.0]},
    ...                        geometry=[box(i, 0, i + 1, 1) for i in range(3)])
    >>> moran_scatter(row, "v", weights="rook")["quadrant"].tolist()
    ['LH', 'HL', 'LH']
    """
    y = numeric_column(gdf, column)
    w = build_weights(gdf, weights)
    z, lag = _scatter(y, w)
    island = island_mask(w)
    quadrant = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    return pd.DataFrame(
        {
            "z": z,
            "lag": lag,
            "quadrant": pd.Series(quadrant, dtype="str").where(~island),
            "island": island,
        },
        index=gdf.index,
    )


def scatter_line(scatter: pd.DataFrame) -> tuple[float, float]:
    """The least-squares line of the Moran scatter plot's points: ``(slope, intercept)``.

    Fitted to the points a plot shows: ``lag`` on ``z`` over the units that are not
    islands. Without islands ``z`` has mean 0, so the slope is Moran's I
    (row-standardised weights) and the intercept the mean lag; with islands the slope
    is not I (:func:`moran_scatter`).

    Parameters
    ----------
    scatter : pandas.DataFrame
        :func:`moran_scatter`, :func:`local_moran` or any frame with ``z``, ``lag`` and
        ``island``.

    Returns
    -------
    tuple of float

    Examples
    --------
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame({"v": [1.0, 2.0, 4.0, 3.0]},
    ...                        geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> slope, intercept = scatter_line(moran_scatter(row, "v", weights="rook"))
    >>> round(slope, 4) == round(global_moran(row, "v", weights="rook", permutations=0).I, 4)
    True
    """
    drawn = scatter.loc[~scatter["island"].astype(bool)]
    if len(drawn) < 2:
        return float("nan"), float("nan")
    slope, intercept = np.polyfit(drawn["z"].to_numpy(float), drawn["lag"].to_numpy(float), 1)
    return float(slope), float(intercept)


def _p_column(local: pd.DataFrame) -> str:
    """The p-value column of a local result: exact (``p_value``) or simulated (``p_sim``)."""
    for column in ("p_value", "p_sim"):
        if column in local.columns:
            return column
    raise ConfigError("local result: no p_value or p_sim column")


def reachability(local: pd.DataFrame, *, alpha: float | None = None) -> pd.DataFrame:
    """Whether each unit could be found significant at all, by each of the three rules.

    ``min_p`` is the smallest p-value a unit's neighbourhood allows (whatever the data).
    A unit can reach

    * the uncorrected level when ``min_p < alpha``;
    * Bonferroni when ``min_p * m < alpha`` (``m`` units tested, islands excluded): a
      village with 2 neighbours among 30 (``min_p = 1 / C(29, 2) = 0.00246``, one-sided)
      never passes ``0.05 / 30 = 0.00167``;
    * the Benjamini–Hochberg FDR when, were its p-value ``min_p`` and the other units'
      p-values as observed, BH at ``alpha`` would select it (this level depends on the
      other units, so it is read with the data, not before).

    Parameters
    ----------
    local : pandas.DataFrame
        :func:`local_moran`, :func:`getis_ord` or an exact result
        (:mod:`fupin_analysis.spatial.exact`): ``island``, ``min_p`` and ``p_sim`` or
        ``p_value``.
    alpha : float, optional
        Significance level (default: the frame's).

    Returns
    -------
    pandas.DataFrame
        Aligned with ``local``: ``can_reach_alpha``, ``can_reach_fdr``,
        ``can_reach_bonferroni`` (all False for islands).

    Examples
    --------
    >>> local = pd.DataFrame({"island": [False] * 4, "min_p": [0.001, 0.002, 0.03, 0.06],
    ...                       "p_sim": [0.001, 0.3, 0.4, 0.5]})
    >>> reach = reachability(local, alpha=0.05)
    >>> reach.sum().to_dict()
    {'can_reach_alpha': 3, 'can_reach_fdr': 2, 'can_reach_bonferroni': 2}
    """
    alpha = local.attrs.get("alpha", 0.05) if alpha is None else alpha
    island = local["island"].astype(bool).to_numpy()
    min_p = local["min_p"].to_numpy(float)
    p = local[_p_column(local)].to_numpy(float)
    tested = np.flatnonzero(~island)
    m = len(tested)
    fdr = np.zeros(len(local), dtype=bool)
    for i in tested:
        best = p[tested].copy()
        best[tested == i] = min_p[i]
        adjusted = stats.false_discovery_control(best, method="bh")
        fdr[i] = bool(adjusted[tested == i][0] < alpha)
    with np.errstate(invalid="ignore"):
        return pd.DataFrame(
            {
                "can_reach_alpha": ~island & (min_p < alpha),
                "can_reach_fdr": fdr,
                "can_reach_bonferroni": ~island & (min_p * m < alpha),
            },
            index=local.index,
        )


def pseudo_p_spread(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    seeds: range | list[int] = range(10),
    weights: object = "queen",
    permutations: int = 9999,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How much esda's LISA pseudo p-values move from one seed to another.

    :func:`local_moran` once per seed; its ``p_sim`` is a Monte Carlo estimate whose
    standard error is ``sqrt(p (1 - p) / permutations)``, about 0.002 at p = 0.05 with
    9,999 permutations, so over ten seeds a p-value moves by several of those.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        The variable.
    seeds : sequence of int
        The seeds tried.
    weights, permutations, alpha
        As :func:`local_moran`.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``p_min``, ``p_max``, ``spread`` (``p_max - p_min``),
        ``significant_seeds`` (how many seeds give ``p_sim < alpha``), ``flips`` (some
        seeds significant, others not); islands NaN / 0 / False. ``attrs``: ``seeds``,
        ``permutations``, ``alpha``.

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> spread = pseudo_p_spread(columbus, "CRIME", seeds=[0, 1], permutations=99)
    >>> bool((spread["spread"] >= 0).all()), int(spread["significant_seeds"].max())
    (True, 2)
    """
    seeds = list(seeds)
    if not seeds:
        raise ConfigError("pseudo_p_spread: give at least one seed")
    runs = np.column_stack(
        [
            local_moran(gdf, column, weights=weights, permutations=permutations, seed=s,
                        alpha=alpha)["p_sim"].to_numpy()
            for s in seeds
        ]
    )  # fmt: skip
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        significant = (runs < alpha).sum(axis=1)
        out = pd.DataFrame(
            {
                "p_min": np.nanmin(runs, axis=1),
                "p_max": np.nanmax(runs, axis=1),
                "significant_seeds": significant,
            },
            index=gdf.index,
        )
    out.insert(2, "spread", out["p_max"] - out["p_min"])
    out["flips"] = (significant > 0) & (significant < len(seeds))
    out.attrs = {"seeds": seeds, "permutations": permutations, "alpha": alpha}
    return out


def _multiple_testing(p: np.ndarray, island: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Benjamini–Hochberg adjusted p-values and the three significance flags."""
    tested = ~island
    m = int(tested.sum())
    p_fdr = np.full(len(p), np.nan)
    if m:
        p_fdr[tested] = stats.false_discovery_control(p[tested], method="bh")
    with np.errstate(invalid="ignore"):
        return {
            "p_fdr": p_fdr,
            "significant": tested & (p < alpha),
            "significant_fdr": tested & (p_fdr < alpha),
            "significant_bonferroni": tested & (p * m < alpha),
        }


def _check_local(permutations: int, alpha: float) -> None:
    if permutations < 1:
        raise ConfigError(f"permutations={permutations}: local statistics need at least 1")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha={alpha}: use a significance level between 0 and 1")


def local_moran(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Local Moran's I (LISA) with cluster labels, FDR and Bonferroni control.

    esda's ``Moran_Local`` on row-standardised weights with conditional permutation;
    ``p_sim`` is esda's "directed" pseudo p-value, as GeoDa reports it: the smaller of
    the two tails, picked after seeing the data, so it rejects a true null about twice
    as often as ``alpha`` (:func:`.exact.null_rejection_rates`); the exact two-sided
    p-value is :func:`.exact.exact_local_moran`.
    Islands enter the mean, variance and permutation pool but get no local statistic:
    their ``Ii`` and p-values are NaN and their cluster is ``"island"``. A unit is
    significant when ``p_sim < alpha`` (strictly, as esda's cluster labels); the FDR is
    controlled by Benjamini–Hochberg (``scipy.stats.false_discovery_control``) over the
    non-island units, Bonferroni by ``p_sim * m < alpha`` with ``m`` non-island units.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        The numeric variable (e.g. incidence or a smoothed rate).
    weights : str or libpysal.weights.W
        See :func:`build_weights`.
    permutations : int
        Conditional permutations (at least 9,999 with few units).
    seed : int or None
        Seed of the permutations.
    alpha : float
        Significance level.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``n_neighbours``, ``island``, ``z``, ``lag`` (as
        :func:`moran_scatter`), ``Ii``, ``p_sim``, ``min_p`` (:func:`min_p_values`),
        ``can_reach_alpha`` (``min_p < alpha``: False means the unit could not be found
        significant whatever the data), ``quadrant`` (HH/LH/LL/HL), ``p_fdr``
        (BH-adjusted), ``significant``, ``significant_fdr``, ``significant_bonferroni``,
        ``cluster`` (High-High, Low-High, Low-Low, High-Low when significant,
        ``"not significant"``, or ``"island"``). ``attrs`` holds ``alpha``,
        ``permutations``, ``seed`` and ``weights``.

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> lisa = local_moran(columbus, "CRIME", permutations=999, seed=0)
    >>> lisa["Ii"].round(4).head(3).tolist()
    [0.7218, 0.518, 0.0919]
    >>> int((lisa["cluster"] == "High-High").sum()) > 0
    True
    """
    _check_local(permutations, alpha)
    y = numeric_column(gdf, column)
    w = build_weights(gdf, weights)
    island = island_mask(w)
    min_p = min_p_values(w, permutations)
    z, lag = _scatter(y, w)
    # esda divides by a zero spread of simulations for islands, whose results are dropped
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", "The alternative hypothesis", DeprecationWarning)
        lm = esda.Moran_Local(
            y, w, transformation="r", permutations=permutations, seed=seed, n_jobs=1
        )
    ii = np.where(island, np.nan, lm.Is)
    p = np.where(island, np.nan, lm.p_sim)
    tests = _multiple_testing(p, island, alpha)
    quadrant = pd.Series(pd.Series(lm.q).map(QUADRANTS).to_numpy(), dtype="str")
    quadrant = quadrant.where(~island)
    cluster = np.where(
        island,
        _ISLAND,
        np.where(tests["significant"], quadrant.map(CLUSTER_LABELS).fillna(""), _NOT_SIGNIFICANT),
    )
    out = pd.DataFrame(
        {
            "n_neighbours": np.asarray([len(w.neighbors[i]) for i in w.id_order]),
            "island": island,
            "z": z,
            "lag": lag,
            "Ii": ii,
            "p_sim": p,
            "min_p": min_p,
            "can_reach_alpha": min_p < alpha,
            "quadrant": quadrant.to_numpy(),
            **tests,
            "cluster": pd.Series(cluster, dtype="str").to_numpy(),
        },
        index=gdf.index,
    )
    out.attrs = {
        "alpha": alpha,
        "permutations": permutations,
        "seed": seed,
        "weights": describe_weights(weights),
    }
    return out


def local_summary(local: pd.DataFrame, *, alpha: float | None = None) -> pd.DataFrame:
    """What a local result (:func:`local_moran` or :func:`getis_ord`) can and cannot say.

    Parameters
    ----------
    local : pandas.DataFrame
        The frame of :func:`local_moran` or :func:`getis_ord`.
    alpha : float, optional
        Significance level (default: the one the frame was made with).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``value``, ``description``: units, islands, units that cannot reach
        ``alpha`` whatever the data, significant units without correction, with FDR and
        with Bonferroni control, and one row per cluster or spot label found.

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> s = local_summary(local_moran(columbus, "CRIME", permutations=999, seed=0))
    >>> int(s.set_index("measure").loc["cannot_reach_alpha", "value"])
    0
    """
    alpha = local.attrs.get("alpha", 0.05) if alpha is None else alpha
    tested = ~local["island"]
    label = "cluster" if "cluster" in local.columns else "spot"
    rows = [
        ("units", len(local), "units analysed"),
        ("islands", int(local["island"].sum()), "units without neighbours: no local statistic"),
        (
            "cannot_reach_alpha",
            int((tested & ~(local["min_p"] < alpha)).sum()),
            f"units whose smallest reachable p-value is not below {alpha}: no conclusion "
            "is possible for them, whatever the data",
        ),
        ("significant", int(local["significant"].sum()), f"p_sim < {alpha}, no correction"),
        (
            "significant_fdr",
            int(local["significant_fdr"].sum()),
            f"Benjamini-Hochberg adjusted p < {alpha}",
        ),
        (
            "significant_bonferroni",
            int(local["significant_bonferroni"].sum()),
            f"Bonferroni: p_sim * units < {alpha}",
        ),
    ]
    found = local.loc[local["significant"], label].value_counts().sort_index()
    rows += [
        (f"{label}: {name}", int(count), f"significant units labelled {name}")
        for name, count in found.items()
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "description"])


def getis_ord(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    star: bool = True,
    weights: object = "queen",
    permutations: int = 9999,
    seed: int | None = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Local Getis-Ord G (``star=False``) or Gi* (``star=True``): hot and cold spots.

    esda's ``G_Local`` with ``transform="R"`` (matches GeoDa's G/G*). For Gi* each unit
    gets a self-weight of 1 before row standardisation (the row maximum for non-binary
    weights). Islands get NaN statistics and the spot ``"island"``. Significance as in
    :func:`local_moran`.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        A non-negative numeric variable (G is defined for such values).
    star : bool
        Gi* (include the unit itself) or Gi.
    weights : str or libpysal.weights.W
        See :func:`build_weights`.
    permutations : int
        Conditional permutations.
    seed : int or None
        Seed of the permutations.
    alpha : float
        Significance level.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``n_neighbours``, ``island``, ``G``, ``EG``, ``z_norm``,
        ``p_norm`` (one-sided, normal approximation), ``p_sim`` (esda's directed pseudo
        p-value, as :func:`local_moran`), ``min_p``, ``can_reach_alpha``, ``p_fdr``,
        ``significant``, ``significant_fdr``, ``significant_bonferroni``, ``spot``
        (``"hot spot"`` or ``"cold spot"`` when significant by ``p_sim``, else
        ``"not significant"`` or ``"island"``).

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> g = getis_ord(columbus, "CRIME", permutations=999, seed=0)
    >>> sorted(g["spot"].unique())
    ['cold spot', 'hot spot', 'not significant']
    """
    _check_local(permutations, alpha)
    y = numeric_column(gdf, column)
    if (y < 0).any():
        raise ConfigError(f"column {column!r}: Getis-Ord G needs non-negative values")
    w = build_weights(gdf, weights)
    island = island_mask(w)
    min_p = min_p_values(w, permutations)
    n_neighbours = np.asarray([len(w.neighbors[i]) for i in w.id_order])
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", "The alternative hypothesis", DeprecationWarning)
        warnings.filterwarnings("ignore", "The weights matrix is not fully connected")
        if star:
            row_max = np.asarray([max(w.weights[i], default=1.0) for i in w.id_order])
            w = libpysal.weights.fill_diagonal(w, row_max)
        g = esda.G_Local(
            y,
            w,
            transform="R",
            permutations=permutations,
            star=None if star else False,
            seed=seed,
            n_jobs=1,
        )
    p = np.where(island, np.nan, g.p_sim)
    tests = _multiple_testing(p, island, alpha)
    z = np.where(island, np.nan, g.Zs)
    spot = np.where(
        island,
        _ISLAND,
        np.where(tests["significant"], np.where(z > 0, "hot spot", "cold spot"), _NOT_SIGNIFICANT),
    )
    out = pd.DataFrame(
        {
            "n_neighbours": n_neighbours,
            "island": island,
            "G": np.where(island, np.nan, g.Gs),
            "EG": np.where(island, np.nan, g.EGs),
            "z_norm": z,
            "p_norm": np.where(island, np.nan, g.p_norm),
            "p_sim": p,
            "min_p": min_p,
            "can_reach_alpha": min_p < alpha,
            **tests,
            "spot": pd.Series(spot, dtype="str").to_numpy(),
        },
        index=gdf.index,
    )
    out.attrs = {
        "alpha": alpha,
        "permutations": permutations,
        "seed": seed,
        "weights": describe_weights(weights),
        "star": star,
    }
    return out
