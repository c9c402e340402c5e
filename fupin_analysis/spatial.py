"""Spatial concentration of poverty: incidence, smoothing, concentration, Moran, Getis-Ord.

Village incidence comes from the clean roster and the village registry
(:func:`incidence`), is smoothed because village populations are small (:func:`eb_rates`,
esda's empirical Bayes), and is read three ways:

* concentration over villages (:func:`concentration`, :func:`lorenz_curve`,
  :func:`location_quotients`, :func:`designation_overlap`, :func:`exit_line_status`);
* global spatial autocorrelation (:func:`global_moran`, esda's ``Moran``);
* local clusters (:func:`local_moran`, :func:`getis_ord`, :func:`moran_scatter`, esda's
  ``Moran_Local`` and ``G_Local``), with islands left out and multiple-testing control.

Weights are given as ``"queen"``, ``"rook"``, ``"knn:K"``, ``"distance:METRES"`` or a
libpysal ``W`` (:func:`build_weights`). Every statistic works on a fresh copy of the
weights (esda changes the transform of the ``W`` it is given), is row-standardised, and
takes a ``seed``. Units without neighbours (islands) are reported and never labelled
clusters.

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

from .errors import ConfigError, FupinError, GeographyError
from .geo import metric_crs
from .reference import load_policy, load_villages

with warnings.catch_warnings():
    # esda imports tqdm.auto, which warns under Jupyter when ipywidgets is not installed
    warnings.simplefilter("ignore")
    import esda
    import esda.smoothing

__all__ = [
    "MoranResult",
    "build_weights",
    "min_p_values",
    "global_moran",
    "local_moran",
    "local_summary",
    "moran_scatter",
    "getis_ord",
    "wilson_interval",
    "incidence",
    "eb_rates",
    "lorenz_curve",
    "location_quotients",
    "designation_overlap",
    "exit_line_status",
    "concentration",
    "QUADRANTS",
    "CLUSTER_LABELS",
]

#: esda's quadrant codes 1–4 → the quadrant of the Moran scatter plot.
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Quadrant → the cluster label a significant unit gets.
CLUSTER_LABELS = {"HH": "High-High", "LH": "Low-High", "LL": "Low-Low", "HL": "High-Low"}

_NOT_SIGNIFICANT = "not significant"
_ISLAND = "island"
_COUNTS = ("registered", "not_exited")


# --------------------------------------------------------------------------- weights


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``gdf`` in metres: unchanged when projected, else in :func:`geo.metric_crs`."""
    if gdf.crs is not None and gdf.crs.is_geographic:
        return gdf.to_crs(metric_crs(gdf))
    return gdf


def _copy_weights(w: libpysal.weights.W, gdf: gpd.GeoDataFrame) -> libpysal.weights.W:
    """A fresh ``W`` with ids 0..n-1 in the row order of ``gdf``."""
    labels = list(gdf.index)
    if set(w.id_order) == set(labels) and len(labels) == w.n:
        position = {label: i for i, label in enumerate(labels)}
    elif w.n == len(gdf):
        position = {label: i for i, label in enumerate(w.id_order)}
    else:
        raise ConfigError(
            f"weights: the W has {w.n} units but the frame has {len(gdf)} rows; build the W "
            "from the same frame (ids = its index, or the same row order)"
        )
    neighbors = {position[i]: [position[j] for j in w.neighbors[i]] for i in w.id_order}
    weights = {position[i]: list(w.weights[i]) for i in w.id_order}
    return libpysal.weights.W(
        neighbors, weights, id_order=list(range(len(gdf))), silence_warnings=True
    )


def build_weights(gdf: gpd.GeoDataFrame, weights: object = "queen") -> libpysal.weights.W:
    """Spatial weights of ``gdf``'s rows, a fresh object with ids ``0 .. n-1``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units, one per row (polygons for contiguity; any geometry for ``knn`` and
        ``distance``, which use centroids).
    weights : str or libpysal.weights.W
        ``"queen"`` or ``"rook"`` contiguity; ``"knn:K"`` (K nearest centroids);
        ``"distance:METRES"`` (binary distance band between centroids, in metres: a
        geographic CRS is first projected to ``geo.metric_crs``, CGCS2000 Gauss-Krüger;
        a missing CRS is refused); or a libpysal ``W`` whose ids are ``gdf``'s index
        labels or which lists the rows in order. A given ``W`` is copied, never modified.

    Returns
    -------
    libpysal.weights.W
        Untransformed (``"O"``) weights, ids = row positions; ``w.islands`` lists the
        positions of units without neighbours.

    Raises
    ------
    ConfigError
        When ``weights`` is not one of the forms above.
    GeographyError
        When ``distance:`` is asked of a frame without a CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 0, 6, 1)])
    >>> w = build_weights(row, "rook")
    >>> w.neighbors, w.islands
    ({0: [1], 1: [0], 2: []}, [2])
    >>> build_weights(row, "knn:1").neighbors[2]
    [1]
    """
    if isinstance(weights, libpysal.weights.W):
        return _copy_weights(weights, gdf)
    if not isinstance(weights, str):
        raise ConfigError(
            f"weights={weights!r}: use 'queen', 'rook', 'knn:K', 'distance:METRES' or a libpysal W"
        )
    kind, _, arg = weights.strip().lower().partition(":")
    frame = gdf.reset_index(drop=True)
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; they are reported
        # through w.islands instead.
        warnings.simplefilter("ignore", UserWarning)
        if kind in ("queen", "rook") and not arg:
            cls = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
            w = cls.from_dataframe(frame, use_index=True, silence_warnings=True)
        elif kind == "knn" and arg.isdigit() and 0 < int(arg) < len(frame):
            points = _metric(frame).centroid
            w = libpysal.weights.KNN.from_dataframe(
                gpd.GeoDataFrame(geometry=points), k=int(arg), use_index=True
            )
        elif kind == "distance" and _is_positive_number(arg):
            if frame.crs is None:
                raise GeographyError(
                    "weights 'distance:…': the frame has no CRS, so metres are unknown; "
                    "set one with GeoDataFrame.set_crs"
                )
            points = _metric(frame).centroid
            w = libpysal.weights.DistanceBand.from_dataframe(
                gpd.GeoDataFrame(geometry=points),
                threshold=float(arg),
                binary=True,
                use_index=True,
                silence_warnings=True,
            )
        else:
            raise ConfigError(
                f"weights={weights!r}: use 'queen', 'rook', 'knn:K' (0 < K < {len(frame)}), "
                "'distance:METRES' or a libpysal W"
            )
    return _copy_weights(w, frame)


def _is_positive_number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _describe(weights: object) -> str:
    if isinstance(weights, str):
        return weights
    return f"user W ({type(weights).__name__})"


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


# --------------------------------------------------------------------------- Moran


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
        One-sided pseudo p-value of ``permutations`` random permutations, in the
        direction of the observed I (esda's convention); NaN without permutations.
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
            ("p_sim", self.p_sim, f"one-sided pseudo p-value, {self.permutations} permutations"),
            ("z_sim", self.z_sim, "z-value against the permutation distribution"),
            ("n", self.n, "units"),
            ("islands", len(self.islands), "units without neighbours"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value", "description"])


def _values(gdf: pd.DataFrame, column: str) -> np.ndarray:
    if column not in gdf.columns:
        raise ConfigError(f"column {column!r} not in the frame; columns: {list(gdf.columns)}")
    values = pd.to_numeric(gdf[column], errors="coerce").astype(float)
    if values.isna().any():
        bad = list(values.index[values.isna()][:5])
        raise ConfigError(
            f"column {column!r}: missing or non-numeric values at rows {bad}; drop or fill them"
        )
    return values.to_numpy()


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
    y = _values(gdf, column)
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
        weights=_describe(weights),
    )


def _scatter(y: np.ndarray, w: libpysal.weights.W) -> tuple[np.ndarray, np.ndarray]:
    """Standardised values and their row-standardised spatial lag (islands: lag NaN)."""
    z = (y - y.mean()) / y.std()
    wr = _copy_weights(w, pd.DataFrame(index=range(w.n)))
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
        ``quadrant`` (HH, LH, LL, HL; NA for islands), ``island``. The least-squares slope
        of ``lag`` on ``z`` (islands' lag taken as 0) is Moran's I.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> row = gpd.GeoDataFrame({"v": [1.0, 3.0, 2.0]},
    ...                        geometry=[box(i, 0, i + 1, 1) for i in range(3)])
    >>> moran_scatter(row, "v", weights="rook")["quadrant"].tolist()
    ['LH', 'HL', 'LH']
    """
    y = _values(gdf, column)
    w = build_weights(gdf, weights)
    z, lag = _scatter(y, w)
    island = np.zeros(len(y), dtype=bool)
    island[list(w.islands)] = True
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
    ``p_sim`` is esda's one-sided ("directed") pseudo p-value, as GeoDa reports it.
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
    y = _values(gdf, column)
    w = build_weights(gdf, weights)
    island = np.zeros(len(y), dtype=bool)
    island[list(w.islands)] = True
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
        "weights": _describe(weights),
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
        ``p_norm`` (one-sided, normal approximation), ``p_sim`` (one-sided pseudo
        p-value), ``min_p``, ``can_reach_alpha``, ``p_fdr``, ``significant``,
        ``significant_fdr``, ``significant_bonferroni``, ``spot`` (``"hot spot"`` or
        ``"cold spot"`` when significant by ``p_sim``, else ``"not significant"`` or
        ``"island"``).

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> g = getis_ord(columbus, "CRIME", permutations=999, seed=0)
    >>> sorted(g["spot"].unique())
    ['cold spot', 'hot spot', 'not significant']
    """
    _check_local(permutations, alpha)
    y = _values(gdf, column)
    if (y < 0).any():
        raise ConfigError(f"column {column!r}: Getis-Ord G needs non-negative values")
    w = build_weights(gdf, weights)
    island = np.zeros(len(y), dtype=bool)
    island[list(w.islands)] = True
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
        "weights": _describe(weights),
        "star": star,
    }
    return out


# --------------------------------------------------------------------------- incidence


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
    is itself alone, so its spatial EB rate equals its raw rate.

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
    e = _values(gdf, events)
    b = _values(gdf, base)
    if (b <= 0).any():
        raise ConfigError(f"eb_rates: column {base!r} has values that are not positive")
    w = build_weights(gdf, weights)
    eb = esda.smoothing.Empirical_Bayes(e, b).r.ravel()
    seb = esda.smoothing.Spatial_Empirical_Bayes(e, b, w).r.ravel()
    return pd.DataFrame({"raw": e / b, "eb": eb, "seb": seb}, index=gdf.index)


# --------------------------------------------------------------------------- concentration


def _check_incidence(inc: pd.DataFrame) -> None:
    missing = [c for c in ("code", "name", "designated", "population", "poor") if c not in inc]
    if missing:
        raise ConfigError(f"expected the frame of spatial.incidence; missing columns {missing}")


def lorenz_curve(inc: pd.DataFrame) -> pd.DataFrame:
    """Lorenz curve of the poor over villages ordered by incidence (lowest first).

    Parameters
    ----------
    inc : pandas.DataFrame
        The frame of :func:`incidence`.

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
    _check_incidence(inc)
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
        The frame of :func:`incidence`.

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
    _check_incidence(inc)
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
        The frame of :func:`incidence`, optionally with further rate columns (e.g. ``eb``).
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
    _check_incidence(inc)
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
        The frame of :func:`incidence` with ``count="not_exited"``.
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
    _check_incidence(inc)
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
        The frame of :func:`incidence`.

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
    _check_incidence(inc)
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
