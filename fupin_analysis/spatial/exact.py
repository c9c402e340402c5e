"""Exact conditional p-values of local statistics: every neighbour set counted, none sampled.

Conditional permutation (esda, GeoDa) holds a unit's own value fixed and asks how its
local statistic compares with the values it would take if its ``k`` neighbours were any
``k`` of the other ``n - 1`` units. esda and GeoDa *sample* those neighbour sets
(9,999 draws by default), so the pseudo p-value moves with the seed: on 30 villages by up
to 0.02, enough to move a village across 0.05. With few units the question can be
answered exactly instead: there are only ``C(n - 1, k)`` neighbour sets, and with equal
weights (contiguity, k nearest, distance band: every weight of a row is ``1 / k``) local
Moran, Getis-Ord G/G* and local Geary are monotone in one sum over the neighbours, so the
p-value is the share of the ``C(n - 1, k)`` subsets whose sum is at least (or at most)
the observed one.

The subsets are counted, not listed one by one: the other units are split into two
halves, the sums of every subset of each half are formed (vectorised with numpy), and for
each split ``j + (k - j)`` the pairs reaching the observed sum are counted with a sorted
search (meet in the middle). That counts each of the ``C(n - 1, k)`` subsets exactly
once, with about ``2 ** ((n - 1) / 2)`` sums instead of ``C(n - 1, k)``: for 30 villages
at most 2 × 2¹⁵ sums per village, whatever ``k``. ``limit`` bounds the number of sums
(memory: 8 bytes each); beyond it, or when a row's weights differ, the p-value is a
Monte Carlo estimate from ``permutations`` random neighbour sets, reported with its
standard error.

Alternatives (``alternative=``):

``"two-sided"`` (default)
    ``min(1, 2 * min(P_greater, P_less))``: a cluster or an outlier, direction not fixed
    in advance. Under the null it rejects at most ``alpha`` of the time.
``"greater"``, ``"less"``
    one direction fixed in advance: positive local association (high local Moran, hot
    spot, low local Geary) or negative.
``"directed"``
    ``min(P_greater, P_less)``: esda's default ("directed", which GeoDa reports and which
    esda itself calls "not advised"). It picks the tail after seeing the data, so under
    the null it rejects about ``2 * alpha`` of the time
    (:func:`null_rejection_rates`). Only by name, to compare with GeoDa/esda results.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> row = gpd.GeoDataFrame({"v": [9.0, 8.0, 7.0, 1.0, 2.0, 0.5, 1.5]},
...                        geometry=[box(i, 0, i + 1, 1) for i in range(7)])
>>> lisa = exact_local_moran(row, "v", weights="rook")
>>> row_1 = lisa.iloc[1]
>>> int(row_1["n_neighbours"]), row_1["method"], int(row_1["arrangements"])
(2, 'exact', 15)
>>> float(lisa["p_greater"].iloc[1])  # 8's neighbours 9 and 7: the top pair of C(6, 2)
0.06666666666666667
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd

from ..errors import ConfigError
from .autocorrelation import CLUSTER_LABELS, QUADRANTS, _multiple_testing, _scatter
from .weights import build_weights, describe_weights, island_mask, numeric_column

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import esda

__all__ = [
    "ALTERNATIVES",
    "DEFAULT_LIMIT",
    "subset_sums_needed",
    "subset_sum_tails",
    "exact_local_moran",
    "exact_getis_ord",
    "exact_local_geary",
    "null_rejection_rates",
]

#: The alternatives of the exact local tests; the first is the default.
ALTERNATIVES: tuple[str, ...] = ("two-sided", "greater", "less", "directed")
#: Partial sums one unit's exact count may hold (8 bytes each): 80 MB.
DEFAULT_LIMIT = 10_000_000
#: Rows of partial sums searched at once (bounded memory for large halves).
_CHUNK = 1 << 20


def subset_sums_needed(m: int, k: int) -> int:
    """How many partial sums counting the ``k``-subsets of ``m`` values needs.

    The values are split into halves of ``m // 2`` and ``m - m // 2``; each half holds
    the sums of its subsets of at most ``k`` values.

    Examples
    --------
    >>> subset_sums_needed(29, 8), math.comb(29, 8)
    (35730, 4292145)
    """
    a, b = m // 2, m - m // 2
    return sum(math.comb(a, j) for j in range(min(k, a) + 1)) + sum(
        math.comb(b, j) for j in range(min(k, b) + 1)
    )


def _sums_by_size(values: np.ndarray, k: int) -> list[np.ndarray]:
    """``out[j]`` holds the sums of every ``j``-subset of ``values``, ``j = 0 .. k``."""
    out = [np.zeros(1)] + [np.empty(0) for _ in range(k)]
    for count, value in enumerate(values, start=1):
        for j in range(min(k, count), 0, -1):
            out[j] = np.concatenate([out[j], out[j - 1] + value])
    return out


def _tolerance(pool: np.ndarray) -> float:
    """Sums closer than this are ties (rounding of a sum of a few dozen floats)."""
    return 1e-10 * max(1.0, float(np.abs(pool).sum()))


def subset_sum_tails(
    pool: np.ndarray, k: int, observed: float, *, limit: int = DEFAULT_LIMIT
) -> tuple[int, int, int]:
    """How many ``k``-subsets of ``pool`` sum to at least, and to at most, ``observed``.

    Every one of the ``C(len(pool), k)`` subsets is counted exactly once (meet in the
    middle, see the module). Sums within ``1e-10 * sum(|pool|)`` of ``observed`` count
    as equal to it, in both tails.

    Parameters
    ----------
    pool : numpy.ndarray
        The values the subsets are drawn from (the other units).
    k : int
        Subset size (the unit's number of neighbours), ``0 <= k <= len(pool)``.
    observed : float
        The observed sum (of the unit's real neighbours).
    limit : int
        Refuse when more than this many partial sums would be needed
        (:func:`subset_sums_needed`).

    Returns
    -------
    tuple of int
        ``(at_least, at_most, total)``, ``total = C(len(pool), k)``.

    Raises
    ------
    ConfigError
        When ``k`` is out of range or the count needs more than ``limit`` sums.

    Examples
    --------
    The 2-subsets of 1, 2, 3, 4 sum to 3, 4, 5, 5, 6, 7:

    >>> subset_sum_tails(np.array([1.0, 2.0, 3.0, 4.0]), 2, 5.0)
    (4, 4, 6)
    """
    pool = np.asarray(pool, dtype=float)
    m = len(pool)
    if not 0 <= k <= m:
        raise ConfigError(f"subset_sum_tails: k={k} neighbours out of 0..{m}")
    if subset_sums_needed(m, k) > limit:
        raise ConfigError(
            f"subset_sum_tails: {subset_sums_needed(m, k):,} partial sums exceed limit={limit:,}"
        )
    tol = _tolerance(pool)
    half = m // 2
    left = _sums_by_size(pool[:half], k)
    right = _sums_by_size(pool[half:], k)
    at_least = at_most = 0
    for j in range(max(0, k - (m - half)), min(k, half) + 1):
        others = np.sort(right[k - j])
        mine = left[j]
        for start in range(0, len(mine), _CHUNK):
            part = mine[start : start + _CHUNK]
            below = np.searchsorted(others, observed - tol - part, side="left")
            at_least += int(len(others) * len(part) - below.sum())
            at_most += int(np.searchsorted(others, observed + tol - part, side="right").sum())
    return at_least, at_most, math.comb(m, k)


def _sampled_tails(
    pool: np.ndarray, weights: np.ndarray, observed: float, permutations: int, rng
) -> tuple[int, int]:
    """Random neighbour sets (ordered, for unequal weights) reaching ``observed``."""
    tol = _tolerance(pool * np.abs(weights).max())
    k = len(weights)
    at_least = at_most = 0
    chunk = max(1, _CHUNK // max(len(pool), 1))
    for start in range(0, permutations, chunk):
        size = min(chunk, permutations - start)
        draws = np.argsort(rng.random((size, len(pool))), axis=1)[:, :k]
        stats = pool[draws] @ weights
        at_least += int((stats >= observed - tol).sum())
        at_most += int((stats <= observed + tol).sum())
    return at_least, at_most


def _arrangements(m: int, weights: np.ndarray) -> int:
    """Distinct neighbour arrangements: ``m! / ((m - k)! * prod(equal weights)!)``."""
    _, groups = np.unique(np.round(weights, 12), return_counts=True)
    count = math.perm(m, len(weights))
    for g in groups:
        count //= math.factorial(int(g))
    return count


def _conditional_tails(
    pools: list[np.ndarray],
    rows: list[np.ndarray],
    observed: np.ndarray,
    *,
    limit: int,
    permutations: int,
    seed: int | None,
) -> pd.DataFrame:
    """Upper and lower tail probabilities of ``sum_j w_ij * v_j`` for each unit.

    ``pools[i]`` are the values unit ``i``'s neighbours could take, ``rows[i]`` its
    neighbour weights (empty for an island), ``observed[i]`` its observed weighted sum.
    """
    rng = np.random.default_rng(seed)
    records = []
    for pool, row, obs in zip(pools, rows, observed, strict=True):
        k = len(row)
        if k == 0:
            records.append(("island", np.nan, np.nan, np.nan, np.nan))
            continue
        equal = np.allclose(row, row[0], rtol=1e-12, atol=0)
        if equal and row[0] > 0 and subset_sums_needed(len(pool), k) <= limit:
            ge, le, total = subset_sum_tails(pool, k, obs / row[0], limit=limit)
            records.append(("exact", float(total), ge / total, le / total, 0.0))
        else:
            if permutations < 1:
                raise ConfigError(
                    f"a unit with {k} neighbours needs permutations (unequal weights or more "
                    f"than limit={limit:,} partial sums); set permutations >= 1"
                )
            ge, le = _sampled_tails(pool, row, obs, permutations, rng)
            records.append(
                (
                    "permutation",
                    float(_arrangements(len(pool), row)),
                    (ge + 1) / (permutations + 1),
                    (le + 1) / (permutations + 1),
                    float(permutations),
                )
            )
    return pd.DataFrame(records, columns=["method", "arrangements", "upper", "lower", "draws"])


def _check(alternative: str, alpha: float) -> None:
    if alternative not in ALTERNATIVES:
        raise ConfigError(f"alternative={alternative!r}: use one of {list(ALTERNATIVES)}")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha={alpha}: use a significance level between 0 and 1")


def _p_values(
    tails: pd.DataFrame, direction: np.ndarray, alternative: str, one_sided_floor: np.ndarray
) -> dict[str, np.ndarray]:
    """p-values of the statistic from the tails of the neighbour sum.

    ``direction`` is +1 where the statistic grows with the sum, -1 where it shrinks,
    0 where it does not depend on it (then both one-sided p-values are 1).
    """
    upper, lower = tails["upper"].to_numpy(), tails["lower"].to_numpy()
    greater = np.where(direction > 0, upper, np.where(direction < 0, lower, 1.0))
    less = np.where(direction > 0, lower, np.where(direction < 0, upper, 1.0))
    smaller = np.minimum(greater, less)
    p = {
        "two-sided": np.minimum(1.0, 2 * smaller),
        "greater": greater,
        "less": less,
        "directed": smaller,
    }[alternative]
    draws = tails["draws"].to_numpy()
    tail = {"two-sided": smaller, "greater": greater, "less": less, "directed": smaller}
    factor = 2.0 if alternative == "two-sided" else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(
            draws > 0,
            factor * np.sqrt(tail[alternative] * (1 - tail[alternative]) / draws),
            np.where(np.isnan(draws), np.nan, 0.0),
        )
    min_p = np.minimum(1.0, factor * one_sided_floor)
    return {"p_greater": greater, "p_less": less, "p_value": p, "p_se": se, "min_p": min_p}


def _one_sided_floor(tails: pd.DataFrame) -> np.ndarray:
    """The smallest one-sided p-value a unit's neighbourhood allows (distinct values)."""
    arrangements = tails["arrangements"].to_numpy()
    draws = tails["draws"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = 1.0 / arrangements
        return np.where(draws > 0, np.maximum(floor, 1.0 / (draws + 1)), floor)


def _rows(w: libpysal.weights.W, *, star: bool = False) -> tuple[list, list]:
    """Neighbour positions and row-standardised weights (self excluded) of each unit.

    With ``star`` the unit's own weight (the row maximum, as :func:`getis_ord`) joins
    the row before standardisation but is not permuted.
    """
    positions, rows = [], []
    for i in w.id_order:
        neighbours = [j for j in w.neighbors[i] if j != i]
        raw = np.asarray(
            [wt for j, wt in zip(w.neighbors[i], w.weights[i], strict=True) if j != i],
            dtype=float,
        )
        total = raw.sum() + (raw.max() if star and len(raw) else 0.0)
        positions.append(np.asarray(neighbours, dtype=int))
        rows.append(raw / total if len(raw) else raw)
    return positions, rows


def _tests(
    values: np.ndarray,
    positions: list[np.ndarray],
    rows: list[np.ndarray],
    direction: np.ndarray,
    *,
    alternative: str,
    alpha: float,
    limit: int,
    permutations: int,
    seed: int | None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Tails and p-values of the weighted neighbour sums of ``values`` (pool: the others)."""
    n = len(values)
    everyone = np.arange(n)
    pools = [values[everyone != i] for i in range(n)]
    observed = np.asarray(
        [
            values[pos] @ row if len(row) else np.nan
            for pos, row in zip(positions, rows, strict=True)
        ]
    )
    tails = _conditional_tails(
        pools, rows, observed, limit=limit, permutations=permutations, seed=seed
    )
    p = _p_values(tails, direction, alternative, _one_sided_floor(tails))
    return tails, p


def _frame(
    index: pd.Index,
    n_neighbours: np.ndarray,
    island: np.ndarray,
    statistic: dict[str, np.ndarray],
    tails: pd.DataFrame,
    p: dict[str, np.ndarray],
    alpha: float,
) -> pd.DataFrame:
    tests = _multiple_testing(p["p_value"], island, alpha)
    return pd.DataFrame(
        {
            "n_neighbours": n_neighbours,
            "island": island,
            **{name: np.where(island, np.nan, v) for name, v in statistic.items()},
            "method": tails["method"].to_numpy(),
            "arrangements": tails["arrangements"].to_numpy(),
            **p,
            "can_reach_alpha": p["min_p"] < alpha,
            **tests,
        },
        index=index,
    )


def _attrs(alternative, alpha, limit, permutations, seed, weights) -> dict:
    return {
        "alternative": alternative,
        "alpha": alpha,
        "limit": limit,
        "permutations": permutations,
        "seed": seed,
        "weights": describe_weights(weights),
    }


def exact_local_moran(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    lag_of: str | None = None,
    weights: object = "queen",
    alternative: str = "two-sided",
    alpha: float = 0.05,
    limit: int = DEFAULT_LIMIT,
    permutations: int = 9999,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Local Moran's I (LISA) with exact conditional p-values; bivariate with ``lag_of``.

    The statistic is esda's ``Moran_Local`` (``Moran_Local_BV`` with ``lag_of``) on
    row-standardised weights; its p-value counts every neighbour set of each unit
    (module docstring). Unit *i*'s value is held fixed and its neighbours' values are
    any ``k`` of the other ``n - 1`` units' values (of ``lag_of`` when given: the
    bivariate LISA of ``column`` at *i* against the lagged ``lag_of``). Islands get NaN
    and the label ``"island"``; significance, FDR and Bonferroni as
    :func:`.autocorrelation.local_moran`, on ``p_value``.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        The variable at each unit.
    lag_of : str, optional
        The variable whose spatial lag is taken (bivariate LISA); default ``column``.
    weights : str or libpysal.weights.W
        See :func:`.weights.build_weights`.
    alternative : {"two-sided", "greater", "less", "directed"}
        See the module docstring; ``"greater"`` is positive local association.
    alpha : float
        Significance level.
    limit : int
        Partial sums allowed per unit for the exact count; beyond, ``permutations``.
    permutations : int
        Random neighbour sets where the exact count is not used.
    seed : int or None
        Seed of those permutations (the exact p-values do not depend on it).

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``n_neighbours``, ``island``, ``z``, ``lag`` (standardised
        value and lag, as :func:`.autocorrelation.moran_scatter`; of ``lag_of`` for the
        lag when given), ``Ii``, ``method`` (``exact``, ``permutation`` or ``island``),
        ``arrangements`` (neighbour sets: ``C(n - 1, k)`` with equal weights),
        ``p_greater``, ``p_less``, ``p_value`` (by ``alternative``), ``p_se`` (Monte
        Carlo standard error; 0 when exact), ``min_p`` (smallest ``p_value`` the
        neighbourhood allows), ``can_reach_alpha``, ``p_fdr``, ``significant``,
        ``significant_fdr``, ``significant_bonferroni``, ``quadrant``, ``cluster``.
        ``attrs``: ``alternative``, ``alpha``, ``limit``, ``permutations``, ``seed``,
        ``weights``, ``lag_of``.

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> lisa = exact_local_moran(columbus, "CRIME")
    >>> lisa["Ii"].round(4).head(3).tolist()
    [0.7218, 0.518, 0.0919]
    >>> sorted(lisa["method"].unique())
    ['exact']
    """
    _check(alternative, alpha)
    x = numeric_column(gdf, column)
    y = numeric_column(gdf, lag_of) if lag_of is not None else x
    w = build_weights(gdf, weights)
    island = island_mask(w)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        if lag_of is None:
            lm = esda.Moran_Local(x, w, transformation="r", permutations=0)
        else:
            lm = esda.Moran_Local_BV(x, y, w, transformation="r", permutations=0)
    zx = x - x.mean()
    scale = 1e-12 * max(1.0, float(np.abs(x).max()))
    direction = np.where(np.abs(zx) <= scale, 0, np.sign(zx))
    positions, rows = _rows(w)
    tails, p = _tests(
        y, positions, rows, direction, alternative=alternative, alpha=alpha, limit=limit,
        permutations=permutations, seed=seed,
    )  # fmt: skip
    z = (x - x.mean()) / x.std()
    _, lag = _scatter(y, w)
    out = _frame(
        gdf.index,
        np.asarray([len(r) for r in rows]),
        island,
        {"z": z, "lag": lag, "Ii": np.asarray(lm.Is, dtype=float)},
        tails,
        p,
        alpha,
    )
    out["z"] = z
    quadrant = pd.Series(pd.Series(lm.q).map(QUADRANTS).to_numpy(), dtype="str").where(~island)
    out["quadrant"] = quadrant.to_numpy()
    out["cluster"] = np.where(
        island,
        "island",
        np.where(out["significant"], quadrant.map(CLUSTER_LABELS).fillna(""), "not significant"),
    )
    out["cluster"] = out["cluster"].astype("str")
    out.attrs = _attrs(alternative, alpha, limit, permutations, seed, weights) | {"lag_of": lag_of}
    return out


def exact_getis_ord(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    star: bool = True,
    weights: object = "queen",
    alternative: str = "two-sided",
    alpha: float = 0.05,
    limit: int = DEFAULT_LIMIT,
    permutations: int = 9999,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Getis-Ord Gi* (or Gi) with exact conditional p-values: hot and cold spots.

    The statistic is :func:`.autocorrelation.getis_ord`'s (esda ``G_Local``,
    ``transform="R"``, self-weight the row maximum for Gi*). With the unit's own value
    and the total fixed, G grows with the sum of the neighbours' values, so its
    conditional p-value is counted as in :func:`exact_local_moran`; ``"greater"`` is a
    hot spot.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units.
    column : str
        A non-negative variable.
    star : bool
        Gi* (the unit itself included) or Gi.
    weights, alternative, alpha, limit, permutations, seed
        As :func:`exact_local_moran`.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``n_neighbours``, ``island``, ``G``, ``EG``, ``z_norm``
        (normal approximation, as esda), ``method``, ``arrangements``, ``p_greater``,
        ``p_less``, ``p_value``, ``p_se``, ``min_p``, ``can_reach_alpha``, ``p_fdr``,
        the three significance flags and ``spot`` (``"hot spot"``/``"cold spot"`` when
        significant, ``"not significant"``, ``"island"``).

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> gi = exact_getis_ord(columbus, "CRIME")
    >>> sorted(gi["spot"].unique())
    ['cold spot', 'hot spot', 'not significant']
    """
    _check(alternative, alpha)
    y = numeric_column(gdf, column)
    if (y < 0).any():
        raise ConfigError(f"column {column!r}: Getis-Ord G needs non-negative values")
    w = build_weights(gdf, weights)
    island = island_mask(w)
    positions, rows = _rows(w, star=star)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        wg = w
        if star:
            row_max = np.asarray([max(w.weights[i], default=1.0) for i in w.id_order])
            wg = libpysal.weights.fill_diagonal(w, row_max)
        g = esda.G_Local(y, wg, transform="R", permutations=0, star=None if star else False)
    direction = np.ones(len(y))
    tails, p = _tests(
        y, positions, rows, direction, alternative=alternative, alpha=alpha, limit=limit,
        permutations=permutations, seed=seed,
    )  # fmt: skip
    out = _frame(
        gdf.index,
        np.asarray([len(r) for r in rows]),
        island,
        {"G": np.asarray(g.Gs), "EG": np.asarray(g.EGs), "z_norm": np.asarray(g.Zs)},
        tails,
        p,
        alpha,
    )
    hot = np.where(p["p_greater"] <= p["p_less"], "hot spot", "cold spot")
    out["spot"] = np.where(island, "island", np.where(out["significant"], hot, "not significant"))
    out["spot"] = out["spot"].astype("str")
    out.attrs = _attrs(alternative, alpha, limit, permutations, seed, weights) | {"star": star}
    return out


def exact_local_geary(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    weights: object = "queen",
    alternative: str = "two-sided",
    alpha: float = 0.05,
    limit: int = DEFAULT_LIMIT,
    permutations: int = 9999,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Local Geary's c (Anselin 1995) with exact conditional p-values.

    ``c_i = sum_j w_ij (z_i - z_j)^2`` on row-standardised weights and z-scores (esda
    ``Geary_Local``). With ``z_i`` fixed it is a sum over the neighbours of
    ``(z_i - z_j)^2``, so its conditional p-value is counted as in
    :func:`exact_local_moran` with those squared differences as the pool. Small
    ``c_i`` means neighbours alike (positive association: ``"greater"`` here is that
    direction, so that ``"greater"`` means positive association for every statistic of
    this module); large ``c_i`` means neighbours unlike the unit.

    Parameters
    ----------
    gdf, column, weights, alternative, alpha, limit, permutations, seed
        As :func:`exact_local_moran`.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``n_neighbours``, ``island``, ``z``, ``c`` (local Geary),
        ``method``, ``arrangements``, ``p_greater`` (neighbours more alike than chance),
        ``p_less``, ``p_value``, ``p_se``, ``min_p``, ``can_reach_alpha``, ``p_fdr``, the
        three significance flags and ``association`` (``"positive"`` or ``"negative"``
        when significant, ``"not significant"``, ``"island"``).

    Examples
    --------
    >>> columbus = gpd.read_file(libpysal.examples.get_path("columbus.shp"))
    >>> geary = exact_local_geary(columbus, "CRIME")
    >>> int((geary["association"] == "positive").sum()) > 0
    True
    """
    _check(alternative, alpha)
    y = numeric_column(gdf, column)
    w = build_weights(gdf, weights)
    island = island_mask(w)
    positions, rows = _rows(w)
    z = (y - y.mean()) / y.std()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = esda.Geary_Local(connectivity=w, permutations=0, labels=False).fit(y).localG
    n = len(y)
    everyone = np.arange(n)
    pools = [(z[i] - z[everyone != i]) ** 2 for i in range(n)]
    observed = np.asarray(
        [
            ((z[i] - z[pos]) ** 2) @ row if len(row) else np.nan
            for i, (pos, row) in enumerate(zip(positions, rows, strict=True))
        ]
    )
    tails = _conditional_tails(
        pools, rows, observed, limit=limit, permutations=permutations, seed=seed
    )
    # c shrinks as the neighbours become more alike: positive association is the lower tail
    p = _p_values(tails, -np.ones(n), alternative, _one_sided_floor(tails))
    out = _frame(
        gdf.index, np.asarray([len(r) for r in rows]), island, {"z": z, "c": c}, tails, p, alpha
    )
    out["z"] = z
    kind = np.where(p["p_greater"] <= p["p_less"], "positive", "negative")
    out["association"] = np.where(
        island, "island", np.where(out["significant"], kind, "not significant")
    ).astype("str")
    out.attrs = _attrs(alternative, alpha, limit, permutations, seed, weights)
    return out


def null_rejection_rates(
    gdf: gpd.GeoDataFrame,
    *,
    weights: object = "queen",
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """How often each unit's exact test rejects when there is no spatial pattern at all.

    Under the null of no spatial association the values are randomly relabelled over the
    units; then a unit's neighbour set is a uniformly random ``k``-subset of the others,
    whatever its own value, and its neighbour sum has one of ``N = C(n - 1, k)`` equally
    likely ranks. With distinct sums (continuous data), a one-sided test rejects
    (``p < alpha``) the ``ceil(alpha * N) - 1`` most extreme ranks of its tail; the
    directed p-value rejects that many in *each* tail, about ``2 * alpha``; the
    two-sided one ``ceil(alpha * N / 2) - 1`` in each, at most ``alpha``. Ties only
    lower these rates. For the Monte Carlo p-values of esda the rates are these plus the
    sampling noise.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The units (only their geometry is used).
    weights : str or libpysal.weights.W
        See :func:`.weights.build_weights` (equal weights per row).
    alpha : float
        Significance level.
    alternative : {"two-sided", "greater", "less", "directed"}
        The p-value used.

    Returns
    -------
    pandas.DataFrame
        Aligned with ``gdf``: ``n_neighbours``, ``arrangements``, ``rejection_rate``
        (NaN for islands). Its sum is the expected number of units declared significant
        when nothing is there; ``attrs`` holds ``alpha`` and ``alternative``.

    Examples
    --------
    A unit with 3 neighbours among 30 units: C(29, 3) = 3,654 neighbour sets; the
    directed p-value rejects 2 × 182 of them, the two-sided 2 × 91.

    >>> from shapely.geometry import box
    >>> grid = gpd.GeoDataFrame(geometry=[box(i % 6, i // 6, i % 6 + 1, i // 6 + 1)
    ...                                   for i in range(30)])
    >>> directed = null_rejection_rates(grid, weights="rook", alternative="directed")
    >>> two_sided = null_rejection_rates(grid, weights="rook")
    >>> float(directed["rejection_rate"].iloc[1].round(4)), float(
    ...     two_sided["rejection_rate"].iloc[1].round(4))
    (0.0996, 0.0498)
    """
    _check(alternative, alpha)
    w = build_weights(gdf, weights)
    k = np.asarray([len([j for j in w.neighbors[i] if j != i]) for i in w.id_order])
    total = np.asarray([math.comb(w.n - 1, int(x)) if x else 0 for x in k], dtype=float)
    per_tail = {
        "two-sided": np.ceil(alpha * total / 2) - 1,
        "directed": np.ceil(alpha * total) - 1,
        "greater": np.ceil(alpha * total) - 1,
        "less": np.ceil(alpha * total) - 1,
    }[alternative]
    tails = 2 if alternative in ("two-sided", "directed") else 1
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(k > 0, np.minimum(1.0, tails * np.maximum(per_tail, 0) / total), np.nan)
    out = pd.DataFrame(
        {"n_neighbours": k, "arrangements": total, "rejection_rate": rate}, index=gdf.index
    )
    out.attrs = {"alpha": alpha, "alternative": alternative}
    return out
