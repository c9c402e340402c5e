"""What the spatial results say: the table of local results and the facts read from them.

A report writes its findings as sentences ("High-High: 表田村, 铁坡村; of the 14
significant villages, 11 survive the FDR …"). The names and counts in those sentences
come from here, read from the results of :mod:`.rates` and :mod:`.autocorrelation`, so
that they are tested like the results themselves:

:func:`designation_groups`
    village names per agreement of :func:`.rates.designation_overlap`;
:func:`exit_line_summary`
    who is below the village exit line (:func:`.rates.exit_line_status`);
:func:`local_results`
    one table of local Moran and Getis-Ord Gi* per village;
:func:`cluster_summary`
    what that table can and cannot say (clusters, FDR survivors, villages that cannot
    reach ``alpha``, islands);
:func:`village_names`
    the names of some villages of the village frame (e.g. ``MoranResult.islands``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..errors import ConfigError

__all__ = [
    "AGREEMENTS",
    "ExitLineSummary",
    "ClusterSummary",
    "village_names",
    "designation_groups",
    "exit_line_summary",
    "local_results",
    "cluster_summary",
]

#: The values of ``designation_overlap``'s ``agreement``, in the order reports use.
AGREEMENTS: tuple[str, ...] = ("both", "designated only", "ranking only", "neither")


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{what}: missing columns {missing}")


def village_names(rates: pd.DataFrame, codes: Iterable[str]) -> list[str]:
    """The names of the villages ``codes`` of a frame indexed by code, in that order.

    Examples
    --------
    >>> rates = pd.DataFrame({"name": ["李家村", "长溪村"]},
    ...                      index=pd.Index(["430527203203", "430527203207"], name="code"))
    >>> village_names(rates, ("430527203207",)), village_names(rates, ())
    (['长溪村'], [])
    """
    return [str(name) for name in rates.loc[list(codes), "name"]]


def designation_groups(overlap: pd.DataFrame) -> dict[str, list[str]]:
    """Village names per agreement of a designation ranking with the designated list.

    Parameters
    ----------
    overlap : pandas.DataFrame
        The frame of :func:`.rates.designation_overlap` (``name``, ``agreement``).

    Returns
    -------
    dict
        Every value of :data:`AGREEMENTS` → the names with it, in rank order (an empty
        list when none).

    Examples
    --------
    >>> overlap = pd.DataFrame({"name": ["B", "A", "C"],
    ...     "agreement": ["ranking only", "designated only", "neither"]})
    >>> designation_groups(overlap)
    {'both': [], 'designated only': ['A'], 'ranking only': ['B'], 'neither': ['C']}
    """
    _require(overlap, ("name", "agreement"), "designation_groups")
    return {
        key: overlap.loc[overlap["agreement"] == key, "name"].astype(str).tolist()
        for key in AGREEMENTS
    }


@dataclass(frozen=True)
class ExitLineSummary:
    """Villages against the village exit line (:func:`exit_line_summary`).

    Attributes
    ----------
    villages : int
        Villages in the table.
    below : tuple of str
        Names of the villages below the line, in the table's order.
    below_designated : int
        How many of those are designated poor villages.
    still_to_exit : int
        People who must still exit, summed over the villages, for every village to be
        below the line.
    """

    villages: int
    below: tuple[str, ...]
    below_designated: int
    still_to_exit: int


def exit_line_summary(status: pd.DataFrame) -> ExitLineSummary:
    """Who is below the village exit line, and how many exits the others still need.

    Parameters
    ----------
    status : pandas.DataFrame
        The frame of :func:`.rates.exit_line_status`.

    Returns
    -------
    ExitLineSummary

    Examples
    --------
    >>> status = pd.DataFrame({"name": ["A", "B", "C"], "designated": [True, False, True],
    ...     "below_line": [True, True, False], "still_to_exit": [0, 0, 12]})
    >>> exit_line_summary(status)
    ExitLineSummary(villages=3, below=('A', 'B'), below_designated=1, still_to_exit=12)
    """
    _require(status, ("name", "designated", "below_line", "still_to_exit"), "exit_line_summary")
    below = status.loc[status["below_line"].astype(bool)]
    return ExitLineSummary(
        villages=len(status),
        below=tuple(below["name"].astype(str)),
        below_designated=int(below["designated"].astype(bool).sum()),
        still_to_exit=int(status["still_to_exit"].sum()),
    )


def local_results(
    rates: pd.DataFrame, column: str, lisa: pd.DataFrame, gi: pd.DataFrame
) -> pd.DataFrame:
    """Local Moran and Getis-Ord Gi* of each village in one table.

    Parameters
    ----------
    rates : pandas.DataFrame
        The village frame (:func:`.villages.village_rates`): ``name``, ``designated`` and
        ``column``, indexed by code.
    column : str
        The variable the statistics were computed on (``incidence`` or ``eb``).
    lisa : pandas.DataFrame
        :func:`.autocorrelation.local_moran` of ``rates[column]``.
    gi : pandas.DataFrame
        :func:`.autocorrelation.getis_ord` of ``rates[column]``.

    Returns
    -------
    pandas.DataFrame
        Indexed as ``rates``: ``name``, ``designated``, ``column``, every column of
        ``lisa``, then Gi*'s ``G``, ``gi_z`` (its ``z_norm``), ``gi_p_sim`` (its
        ``p_sim``) and ``spot``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from fupin_analysis.spatial import getis_ord, local_moran
    >>> grid = gpd.GeoDataFrame(
    ...     {"name": list("ABCD"), "designated": [True, False, False, False],
    ...      "incidence": [0.3, 0.25, 0.05, 0.02]},
    ...     geometry=[box(i, 0, i + 1, 1) for i in range(4)])
    >>> lisa = local_moran(grid, "incidence", weights="rook", permutations=99)
    >>> gi = getis_ord(grid, "incidence", weights="rook", permutations=99)
    >>> table = local_results(grid, "incidence", lisa, gi)
    >>> table.columns[:4].tolist(), table.columns[-4:].tolist()
    (['name', 'designated', 'incidence', 'n_neighbours'], ['G', 'gi_z', 'gi_p_sim', 'spot'])
    """
    _require(rates, ("name", "designated", column), "local_results")
    _require(gi, ("G", "z_norm", "p_sim", "spot"), "local_results (Gi*)")
    gi_columns = {"z_norm": "gi_z", "p_sim": "gi_p_sim"}
    return (
        rates[["name", "designated", column]]
        .join(lisa)
        .join(gi[["G", "z_norm", "p_sim", "spot"]].rename(columns=gi_columns))
    )


@dataclass(frozen=True)
class ClusterSummary:
    """What the local statistics of :func:`local_results` say (:func:`cluster_summary`).

    Attributes
    ----------
    villages : int
        Villages analysed.
    high_high, low_low : tuple of str
        Names of the High-High and Low-Low LISA clusters (``p_sim < alpha``).
    high_high_fdr : tuple of str
        Names of the villages in the HH quadrant that survive the Benjamini–Hochberg FDR.
    significant, significant_fdr, significant_bonferroni : int
        Villages significant without correction, with FDR and with Bonferroni control.
    hot_spots, cold_spots : int
        Gi* hot and cold spots.
    cannot_reach_alpha : tuple of str
        Names of the villages (not islands) whose neighbourhood cannot give a p-value
        below ``alpha`` whatever the data: "not significant" means "cannot be told".
    islands : tuple of str
        Names of the villages without neighbours (no local statistic).
    largest_min_p : float
        The largest smallest-reachable p-value (``min_p``) over the villages.
    """

    villages: int
    high_high: tuple[str, ...]
    low_low: tuple[str, ...]
    high_high_fdr: tuple[str, ...]
    significant: int
    significant_fdr: int
    significant_bonferroni: int
    hot_spots: int
    cold_spots: int
    cannot_reach_alpha: tuple[str, ...]
    islands: tuple[str, ...]
    largest_min_p: float


def cluster_summary(local: pd.DataFrame) -> ClusterSummary:
    """What the local statistics can and cannot say, as names and counts.

    Parameters
    ----------
    local : pandas.DataFrame
        The frame of :func:`local_results`.

    Returns
    -------
    ClusterSummary
        Names in the order of ``local``. Significance is as the statistics decided it
        (their ``alpha``); the counts equal those of :func:`.autocorrelation.local_summary`
        of the LISA.

    Examples
    --------
    >>> local = pd.DataFrame({
    ...     "name": ["A", "B", "C", "D"], "cluster": ["High-High", "High-High",
    ...     "not significant", "island"], "quadrant": ["HH", "HH", "LL", None],
    ...     "significant": [True, True, False, False],
    ...     "significant_fdr": [True, False, False, False],
    ...     "significant_bonferroni": [False, False, False, False],
    ...     "can_reach_alpha": [True, True, False, False],
    ...     "island": [False, False, False, True], "min_p": [0.01, 0.01, 0.1, None],
    ...     "spot": ["hot spot", "not significant", "not significant", "island"]})
    >>> s = cluster_summary(local)
    >>> s.high_high, s.high_high_fdr, s.cannot_reach_alpha, s.islands, s.hot_spots
    (('A', 'B'), ('A',), ('C',), ('D',), 1)
    """
    _require(
        local,
        (
            "name",
            "cluster",
            "quadrant",
            "significant",
            "significant_fdr",
            "significant_bonferroni",
            "can_reach_alpha",
            "island",
            "min_p",
            "spot",
        ),
        "cluster_summary",
    )
    island = local["island"].astype(bool)
    fdr = local["significant_fdr"].astype(bool)

    def names(mask: pd.Series) -> tuple[str, ...]:
        return tuple(local.loc[mask, "name"].astype(str))

    return ClusterSummary(
        villages=len(local),
        high_high=names(local["cluster"] == "High-High"),
        low_low=names(local["cluster"] == "Low-Low"),
        high_high_fdr=names(fdr & (local["quadrant"] == "HH")),
        significant=int(local["significant"].sum()),
        significant_fdr=int(fdr.sum()),
        significant_bonferroni=int(local["significant_bonferroni"].sum()),
        hot_spots=int((local["spot"] == "hot spot").sum()),
        cold_spots=int((local["spot"] == "cold spot").sum()),
        cannot_reach_alpha=names(~local["can_reach_alpha"].astype(bool) & ~island),
        islands=names(island),
        largest_min_p=float(local["min_p"].max()),
    )
