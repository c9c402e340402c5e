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
    the names of some villages of the village frame (e.g. ``MoranResult.islands``);
:func:`seed_facts`
    how far another seed moves esda's pseudo p-values (:func:`.autocorrelation.
    pseudo_p_spread`), and which villages change decision;
:func:`false_positive_facts`
    how many villages a p-value declares significant when there is no pattern at all
    (:func:`.exact.null_rejection_rates`), for the directed and the two-sided p-value;
:func:`detector_summary`
    what the geographical detector found, with the spread of ``q`` over the
    discretisation choices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .autocorrelation import pseudo_p_spread, reachability
from .exact import null_rejection_rates

__all__ = [
    "AGREEMENTS",
    "ExitLineSummary",
    "ClusterSummary",
    "village_names",
    "designation_groups",
    "exit_line_summary",
    "local_results",
    "cluster_summary",
    "SeedFacts",
    "seed_facts",
    "FalsePositiveFacts",
    "false_positive_facts",
    "sampling_facts",
    "DetectorSummary",
    "detector_summary",
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
        ``p_sim``, or ``p_value`` for an exact Gi*) and ``spot``, then
        ``can_reach_fdr`` and ``can_reach_bonferroni`` of the LISA
        (:func:`.autocorrelation.reachability`): whether the village could pass the FDR
        and Bonferroni decisions at all (``can_reach_alpha`` is the uncorrected one).
        ``lisa`` and ``gi`` may be exact results (:mod:`.exact`).

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
    >>> table.columns[:4].tolist()
    ['name', 'designated', 'incidence', 'n_neighbours']
    >>> table.columns[-3:].tolist()
    ['spot', 'can_reach_fdr', 'can_reach_bonferroni']
    """
    _require(rates, ("name", "designated", column), "local_results")
    gi_p = "p_sim" if "p_sim" in gi.columns else "p_value"
    _require(gi, ("G", "z_norm", gi_p, "spot"), "local_results (Gi*)")
    gi_columns = {"z_norm": "gi_z", gi_p: "gi_p_sim"}
    reach = reachability(lisa)[["can_reach_fdr", "can_reach_bonferroni"]]
    return (
        rates[["name", "designated", column]]
        .join(lisa)
        .join(gi[["G", "z_norm", gi_p, "spot"]].rename(columns=gi_columns))
        .join(reach)
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
    cannot_reach_fdr, cannot_reach_bonferroni : tuple of str or None
        Names of the villages (not islands) that could not pass the FDR or the
        Bonferroni decision whatever their own data (None when ``local`` lacks the
        columns of :func:`local_results`): the FDR and Bonferroni counts say nothing
        about them.
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
    cannot_reach_fdr: tuple[str, ...] | None = None
    cannot_reach_bonferroni: tuple[str, ...] | None = None


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
        cannot_reach_fdr=(
            names(~local["can_reach_fdr"].astype(bool) & ~island)
            if "can_reach_fdr" in local.columns
            else None
        ),
        cannot_reach_bonferroni=(
            names(~local["can_reach_bonferroni"].astype(bool) & ~island)
            if "can_reach_bonferroni" in local.columns
            else None
        ),
    )


@dataclass(frozen=True)
class SeedFacts:
    """How much another seed changes esda's LISA (:func:`seed_facts`).

    Attributes
    ----------
    seeds : int
        Seeds compared.
    largest_change : float
        The largest difference between two seeds' pseudo p-values of one village.
    largest_change_village : str
        Whose.
    flips : tuple of str
        Villages significant with some seeds and not with others.
    permutations : int
        Permutations of each run.
    """

    seeds: int
    largest_change: float
    largest_change_village: str
    flips: tuple[str, ...]
    permutations: int

    def sentence(self) -> str:
        """What a page says about the seeds (Markdown).

        Examples
        --------
        >>> SeedFacts(10, 0.017, "铁杉林村", ("铁杉林村",), 9999).sentence()[:60]
        "**Seeds.** Over 10 seeds with 9,999 permutations, esda's pse"
        """
        flips = (
            f"{len(self.flips)} villages are significant with some seeds and not with others "
            f"({', '.join(self.flips)})."
            if self.flips
            else "no village changed decision between these seeds."
        )
        return (
            f"**Seeds.** Over {self.seeds} seeds with {self.permutations:,} permutations, "
            f"esda's pseudo p-value of one village moved by up to {self.largest_change:.4f} "
            f"({self.largest_change_village}); {flips}"
        )


def seed_facts(rates: pd.DataFrame, spread: pd.DataFrame) -> SeedFacts:
    """The facts of :func:`.autocorrelation.pseudo_p_spread` a report states.

    Examples
    --------
    >>> rates = pd.DataFrame({"name": ["A", "B"]}, index=["a", "b"])
    >>> spread = pd.DataFrame({"spread": [0.004, 0.017], "flips": [False, True]},
    ...                       index=["a", "b"])
    >>> spread.attrs = {"seeds": [0, 1, 2], "permutations": 9999}
    >>> facts = seed_facts(rates, spread)
    >>> facts.largest_change, facts.largest_change_village, facts.flips
    (0.017, 'B', ('B',))
    """
    _require(spread, ("spread", "flips"), "seed_facts")
    worst = spread["spread"].idxmax()
    return SeedFacts(
        seeds=len(spread.attrs.get("seeds", ())),
        largest_change=float(spread["spread"].max()),
        largest_change_village=str(rates.loc[worst, "name"]),
        flips=tuple(rates.loc[spread.index[spread["flips"].astype(bool)], "name"].astype(str)),
        permutations=int(spread.attrs.get("permutations", 0)),
    )


@dataclass(frozen=True)
class FalsePositiveFacts:
    """Villages found "significant" when there is no pattern (:func:`false_positive_facts`).

    Attributes
    ----------
    villages : int
        Villages tested (islands excluded).
    alpha : float
        Level.
    expected_directed, expected_two_sided : float
        Expected number of villages with p < alpha under random relabelling, with the
        directed (esda/GeoDa) and the two-sided p-value.
    rate_directed, rate_two_sided : float
        The same per village.
    """

    villages: int
    alpha: float
    expected_directed: float
    expected_two_sided: float
    rate_directed: float
    rate_two_sided: float

    def sentence(self) -> str:
        """What a page says about false positives (Markdown).

        Examples
        --------
        >>> FalsePositiveFacts(30, 0.05, 2.99, 1.49, 0.0997, 0.0497).sentence()[-43:]
        'two-sided one 1.49 (5.0% each, at most 5%).'
        """
        return (
            f"**False positives.** With no spatial pattern at all, esda's directed p-value "
            f"would call {self.expected_directed:.2f} of the {self.villages} villages "
            f"significant at {self.alpha} on average ({self.rate_directed:.1%} each, not "
            f"{self.alpha:.0%}); the two-sided one {self.expected_two_sided:.2f} "
            f"({self.rate_two_sided:.1%} each, at most {self.alpha:.0%})."
        )


def false_positive_facts(directed: pd.DataFrame, two_sided: pd.DataFrame) -> FalsePositiveFacts:
    """Expected false positives of the two p-values, from two
    :func:`.exact.null_rejection_rates` frames.

    Examples
    --------
    >>> directed = pd.DataFrame({"rejection_rate": [0.0996, 0.0996, np.nan]})
    >>> directed.attrs = {"alpha": 0.05, "alternative": "directed"}
    >>> two_sided = pd.DataFrame({"rejection_rate": [0.0498, 0.0498, np.nan]})
    >>> two_sided.attrs = {"alpha": 0.05, "alternative": "two-sided"}
    >>> facts = false_positive_facts(directed, two_sided)
    >>> facts.villages, round(facts.expected_directed, 4), round(facts.rate_two_sided, 4)
    (2, 0.1992, 0.0498)
    """
    if directed.attrs.get("alternative") != "directed" or two_sided.attrs.get(
        "alternative"
    ) != "two-sided":
        raise ConfigError("false_positive_facts: give the directed, then the two-sided rates")
    tested = int(directed["rejection_rate"].notna().sum())
    return FalsePositiveFacts(
        villages=tested,
        alpha=float(directed.attrs["alpha"]),
        expected_directed=float(directed["rejection_rate"].sum()),
        expected_two_sided=float(two_sided["rejection_rate"].sum()),
        rate_directed=float(directed["rejection_rate"].sum() / tested) if tested else np.nan,
        rate_two_sided=float(two_sided["rejection_rate"].sum() / tested) if tested else np.nan,
    )


def sampling_facts(
    rates: pd.DataFrame,
    column: str,
    *,
    seeds: int,
    weights: object = "queen",
    permutations: int = 9999,
    alpha: float = 0.05,
) -> tuple[pd.DataFrame, SeedFacts, FalsePositiveFacts]:
    """What esda's sampled p-values do on these units: their spread over ``seeds`` seeds
    (:func:`.autocorrelation.pseudo_p_spread`, :func:`seed_facts`) and the false
    positives of the directed and the two-sided p-value (:func:`false_positive_facts`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> grid = gpd.GeoDataFrame({"name": list("ABCDEFGHI"), "v": [1., 2, 3, 2, 5, 1, 4, 3, 2]},
    ...     geometry=[box(i % 3, i // 3, i % 3 + 1, i // 3 + 1) for i in range(9)])
    >>> spread, moved, fp = sampling_facts(grid, "v", seeds=2, permutations=99)
    >>> len(spread), moved.seeds, fp.villages
    (9, 2, 9)
    """
    spread = pseudo_p_spread(
        rates, column, seeds=range(seeds), weights=weights, permutations=permutations,
        alpha=alpha,
    )  # fmt: skip
    false_positives = false_positive_facts(
        null_rejection_rates(rates, weights=weights, alpha=alpha, alternative="directed"),
        null_rejection_rates(rates, weights=weights, alpha=alpha),
    )
    return spread, seed_facts(rates, spread), false_positives


@dataclass(frozen=True)
class DetectorSummary:
    """What the geographical detector says (:func:`detector_summary`).

    Attributes
    ----------
    strongest : str
        The factor with the highest ``q`` under the chosen rule.
    q : float
        Its ``q``.
    p_value : float
        Its Wang & Xu p-value.
    significant : tuple of str
        Factors significant at the detector's level.
    q_range : dict
        Continuous factor → ``(lowest q, highest q, rule and k of the highest)`` over the
        discretisation choices tried.
    singleton_factors : tuple of str
        Factors (under the chosen rule) with a stratum of one village: their ``q`` is
        inflated by it.
    interactions : dict
        Interaction class → how many pairs of factors have it.
    """

    strongest: str
    q: float
    p_value: float
    significant: tuple[str, ...]
    q_range: dict
    singleton_factors: tuple[str, ...]
    interactions: dict

    def q_range_lines(self) -> list[str]:
        """``q`` of each continuous factor over the cuts tried, as text.

        Examples
        --------
        >>> DetectorSummary("a", 0.8, 0.01, ("a",), {"a": (0.7, 0.8, "quantile k=4")}, (),
        ...                 {}).q_range_lines()
        ['a: q 0.700–0.800 (highest with quantile k=4)']
        """
        return [
            f"{factor}: q {low:.3f}–{high:.3f} (highest with {how})"
            for factor, (low, high, how) in self.q_range.items()
        ]

    def interaction_lines(self) -> list[str]:
        """How many pairs of factors have each interaction class, as text.

        Examples
        --------
        >>> DetectorSummary("a", 0.8, 0.01, (), {}, (), {"bi-enhance": 2}).interaction_lines()
        ['2 bi-enhance']
        """
        return [f"{n} {kind}" for kind, n in self.interactions.items()]


def detector_summary(
    factors: pd.DataFrame, choices: pd.DataFrame | None, interactions: pd.DataFrame
) -> DetectorSummary:
    """The facts of the geographical detector's tables.

    Parameters
    ----------
    factors : pandas.DataFrame
        :func:`.detector.factor_detector` under the chosen rule.
    choices : pandas.DataFrame or None
        :func:`.detector.discretisation_table` (None: no continuous factor).
    interactions : pandas.DataFrame
        :func:`.detector.interaction_detector`.

    Examples
    --------
    >>> factors = pd.DataFrame({"factor": ["a", "b"], "q": [0.8, 0.3],
    ...     "p_value": [0.001, 0.2], "significant": [True, False],
    ...     "smallest_stratum": [3, 1]})
    >>> choices = pd.DataFrame({"factor": ["a", "a"], "rule": ["equal", "quantile"],
    ...     "k": [4, 4], "q": [0.7, 0.8]})
    >>> interactions = pd.DataFrame({"interaction": ["bi-enhance"]})
    >>> s = detector_summary(factors, choices, interactions)
    >>> s.strongest, s.q_range, s.singleton_factors, s.interactions
    ('a', {'a': (0.7, 0.8, 'quantile k=4')}, ('b',), {'bi-enhance': 1})
    """
    _require(factors, ("factor", "q", "p_value", "significant", "smallest_stratum"),
             "detector_summary")  # fmt: skip
    if factors.empty:
        raise ConfigError("detector_summary: no factor")
    top = factors.loc[factors["q"].idxmax()]
    q_range = {}
    choices = choices if choices is not None else pd.DataFrame(columns=["factor", "q"])
    for factor, rows in choices.groupby("factor", sort=False):
        best = rows.loc[rows["q"].idxmax()]
        q_range[str(factor)] = (
            float(rows["q"].min()),
            float(rows["q"].max()),
            f"{best['rule']} k={int(best['k'])}",
        )
    return DetectorSummary(
        strongest=str(top["factor"]),
        q=float(top["q"]),
        p_value=float(top["p_value"]),
        significant=tuple(factors.loc[factors["significant"].astype(bool), "factor"]),
        q_range=q_range,
        singleton_factors=tuple(factors.loc[factors["smallest_stratum"] < 2, "factor"]),
        interactions={str(k): int(v) for k, v in
                      interactions["interaction"].value_counts(sort=False).items()},
    )  # fmt: skip
