"""Maps of the reports: one function per figure, data in, Figure out.

Every map is drawn in a metric CRS (the frames of :func:`fupin_analysis.spatial.
village_rates` and :func:`fupin_analysis.relocation.origins` are) and finished by
:func:`fupin_analysis.plots.finish_map` (title, no axes, north arrow, scale bar). Labels
follow the notebook's ``lang`` through :func:`fupin_analysis.plots.translator`; save a
map with :func:`fupin_analysis.plots.save_figure`.

:func:`incidence_maps`
    raw, empirical Bayes and spatial empirical Bayes incidence side by side;
:func:`cluster_maps`
    LISA clusters, LISA significance (villages that cannot reach ``alpha`` hatched) and
    Getis-Ord Gi* hot spots;
:func:`relocation_map`
    relocation origins, flows to the chosen site, scattered moves and candidate sites;
:func:`exact_cluster_maps`
    LISA clusters by exact conditional p-values, one panel per variable (notebook 07),
    villages surviving the FDR dotted.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> rates = gpd.GeoDataFrame(
...     {"name": ["甲村", "乙村"], "designated": [True, False], "incidence": [0.3, 0.1],
...      "eb": [0.25, 0.12], "seb": [0.2, 0.15]},
...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
>>> plots.use_style()  # the house style puts titles on the left
>>> fig = incidence_maps(rates, title="Incidence", lang="en")
>>> [ax.get_title(loc="left") for ax in fig.axes[:3]]
['Incidence (raw)', 'Empirical Bayes', 'Spatial empirical Bayes']
>>> plt.close(fig)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from . import plots
from . import relocation as rl
from .disclosure import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from .geo import Geography

__all__ = [
    "RATE_TITLES",
    "incidence_maps",
    "cluster_maps",
    "relocation_map",
    "exact_cluster_maps",
]

#: Rate column → (Chinese, English) panel title of :func:`incidence_maps`.
RATE_TITLES: dict[str, tuple[str, str]] = {
    "incidence": ("贫困发生率（原始）", "Incidence (raw)"),
    "eb": ("经验贝叶斯平滑", "Empirical Bayes"),
    "seb": ("空间经验贝叶斯平滑", "Spatial empirical Bayes"),
}

#: Villages smaller than this (m²), the urban communities, stay unlabelled on rate maps.
_LABEL_MIN_AREA_M2 = 2e6
_HAZARD_FILL = (0.84, 0.15, 0.16, 0.3)


def _outline_designated(ax: Axes, rates: gpd.GeoDataFrame, linewidth: float) -> None:
    rates[rates["designated"].astype(bool)].boundary.plot(ax=ax, color="black", linewidth=linewidth)


def incidence_maps(
    rates: gpd.GeoDataFrame,
    *,
    title: str,
    lang: str = "zh",
    columns: tuple[str, ...] = ("incidence", "eb", "seb"),
) -> Figure:
    """Choropleths of village rates in the incidence classes, designated villages outlined.

    Parameters
    ----------
    rates : geopandas.GeoDataFrame
        :func:`fupin_analysis.spatial.village_rates` (metric CRS): ``name``,
        ``designated`` and the ``columns``.
    title : str
        The figure's title (what, when, synthetic or not), in the notebook's language.
    lang : {"zh", "en"}
        Language of panel titles, legend and colour bar; village names are romanised
        with ``"en"``.
    columns : tuple of str
        The rates drawn, one panel each (keys of :data:`RATE_TITLES`).

    Returns
    -------
    matplotlib.figure.Figure
        One map per column (villages larger than 2 km² named, with a halo), each coloured
        by the incidence classes of every map (:data:`~fupin_analysis.plots.
        INCIDENCE_BREAKS`) with its class counts and the designated outline in a legend
        under it.
    """
    t = plots.translator(lang)
    fig, axes = plt.subplots(
        1, len(columns), figsize=(13, 6.2), layout="constrained", squeeze=False
    )
    axes = axes[0]
    labels = {}
    for ax, column in zip(axes, columns, strict=True):
        handles = plots.choropleth(
            ax, rates, column, breaks=plots.INCIDENCE_BREAKS,
            cmap=plots.QUANTITY_CMAPS["incidence"], percent=True, lang=lang,
        )  # fmt: skip
        _outline_designated(ax, rates, 1.6)
        labels[ax] = plots.label_places(ax, rates, lang=lang, min_area=_LABEL_MIN_AREA_M2)
        plots.finish_map(
            ax, t(*RATE_TITLES[column]),
            handles=[*handles, plots.designated_handle(lang, linewidth=1.6)],
        )  # fmt: skip
    fig.suptitle(title)
    plots.separate_labels(fig, labels)
    return fig


def _significance_classes(p_sim: pd.Series, alpha: float) -> pd.Series:
    """Each village's class of pseudo p-value (``p<0.001`` … ``n.s.``; NA for islands)."""
    return pd.cut(
        p_sim,
        [0, 0.001, 0.01, alpha, 1],
        labels=["p<0.001", "p<0.01", f"p<{alpha}", "n.s."],
        right=False,
    ).astype("object")


def cluster_maps(
    rates: gpd.GeoDataFrame, local: pd.DataFrame, *, alpha: float, title: str, lang: str = "zh"
) -> Figure:
    """Three maps of the local statistics: LISA clusters, LISA significance, Gi* spots.

    Parameters
    ----------
    rates : geopandas.GeoDataFrame
        :func:`fupin_analysis.spatial.village_rates` (metric CRS, ``designated``).
    local : pandas.DataFrame
        :func:`fupin_analysis.spatial.local_results` of the same villages (``cluster``,
        ``p_sim``, ``can_reach_alpha``, ``island``, ``spot``).
    alpha : float
        The significance level the statistics used.
    title : str
        The figure's title, in the notebook's language.
    lang : {"zh", "en"}
        Language of panel titles and legends.

    Returns
    -------
    matplotlib.figure.Figure
        Villages named on the cluster map (when ``rates`` has ``name``); legends, under
        each map, list only the labels present; in the significance map the villages
        that cannot reach ``alpha`` whatever the data are hatched.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> rates = gpd.GeoDataFrame({"designated": [True, False]},
    ...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
    >>> local = pd.DataFrame({"cluster": ["High-High", "not significant"],
    ...     "p_sim": [0.004, 0.3], "can_reach_alpha": [True, False],
    ...     "island": [False, False], "spot": ["hot spot", "not significant"]})
    >>> fig = cluster_maps(rates, local, alpha=0.05, title="Clusters", lang="en")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['High-High', 'not significant', 'designated village']
    >>> plt.close(fig)
    """
    t = plots.translator(lang)
    fig, axes = plt.subplots(1, 3, figsize=(14, 6.4), layout="constrained")

    rates.plot(
        ax=axes[0], color=local["cluster"].map(plots.CLUSTER_COLOURS), edgecolor="grey",
        linewidth=0.4,
    )  # fmt: skip
    handles = [
        Patch(facecolor=colour, edgecolor="grey", label=plots.cluster_label(key, lang))
        for key, colour in plots.CLUSTER_COLOURS.items()
        if (local["cluster"] == key).any()
    ]
    _outline_designated(axes[0], rates, 1.4)
    names = (
        plots.label_places(axes[0], rates, lang=lang, min_area=_LABEL_MIN_AREA_M2)
        if "name" in rates else []
    )  # fmt: skip
    plots.finish_map(
        axes[0],
        t(f"LISA聚类（p < {alpha}）", f"LISA clusters (p < {alpha})"),
        handles=[*handles, plots.designated_handle(lang)],
    )

    greens = {"p<0.001": "#006d2c", "p<0.01": "#31a354", f"p<{alpha}": "#a1d99b", "n.s.": "#e0e0e0"}
    classes = _significance_classes(local["p_sim"], alpha)
    rates.plot(
        ax=axes[1], color=classes.map(greens).fillna("white"), edgecolor="grey", linewidth=0.4
    )
    unreachable = rates[~local["can_reach_alpha"].astype(bool) & ~local["island"].astype(bool)]
    if len(unreachable):
        unreachable.plot(ax=axes[1], facecolor="none", edgecolor="grey", hatch="///", linewidth=0)
    handles = [Patch(facecolor=v, edgecolor="grey", label=k) for k, v in greens.items()]
    handles.append(
        Patch(
            facecolor="white",
            edgecolor="grey",
            hatch="///",
            label=t(f"无法达到p<{alpha}", f"cannot reach p<{alpha}"),
        )
    )
    _outline_designated(axes[1], rates, 1.4)
    plots.finish_map(
        axes[1],
        t("LISA显著性（置换检验）", "LISA significance (permutation)"),
        handles=[*handles, plots.designated_handle(lang)],
    )

    rates.plot(
        ax=axes[2], color=local["spot"].map(plots.SPOT_COLOURS), edgecolor="grey", linewidth=0.4
    )
    handles = [
        Patch(facecolor=colour, edgecolor="grey", label=plots.cluster_label(key, lang))
        for key, colour in plots.SPOT_COLOURS.items()
        if (local["spot"] == key).any()
    ]
    _outline_designated(axes[2], rates, 1.4)
    plots.finish_map(
        axes[2],
        t(f"Getis-Ord Gi*热点（p < {alpha}）", f"Getis-Ord Gi* hot spots (p < {alpha})"),
        handles=[*handles, plots.designated_handle(lang)],
    )
    fig.suptitle(title)
    plots.separate_labels(fig, {axes[0]: names})
    return fig


def relocation_map(
    geography: Geography,
    origins: gpd.GeoDataFrame,
    optimum: rl.LocationResult,
    *,
    title: str,
    lang: str = "zh",
    min_count: int = DEFAULT_THRESHOLD,
) -> Figure:
    """Relocation origins, flows to the chosen site, scattered moves and candidate sites.

    A flow from a village with fewer than ``min_count`` concentrated households is drawn
    dashed at one width and dot size (not in proportion to its people), and the legend
    says so: a line as wide as four people would point at one family.

    Parameters
    ----------
    geography : Geography
        Layers ``villages``, ``hazards``, ``roads``, ``sites``, ``seat`` and
        ``scattered``, projected to the origins' CRS.
    origins : geopandas.GeoDataFrame
        :func:`fupin_analysis.relocation.origins` (metric CRS).
    optimum : LocationResult
        The p-median optimum (:func:`fupin_analysis.relocation.optimal_sites`), ringed
        in green.
    title : str
        The map's title, in the notebook's language.
    lang : {"zh", "en"}
        Language of the legend.
    min_count : int
        Disclosure threshold (1 draws every flow to scale).

    Returns
    -------
    matplotlib.figure.Figure
        Concentrated households as lines from their village to the nearest chosen site
        (width and dot size growing with people), scattered moves as arrows, sites
        labelled by ``site_id``, the legend to the right of the map.
    """
    t = plots.translator(lang)
    crs = origins.crs
    sites = geography.sites.to_crs(crs)
    flows = rl.flows(origins, sites[sites["status"] == "chosen"])
    moves = rl.scattered_lines(origins, geography)
    fig, ax = plt.subplots(figsize=(9, 8.5))
    geography.villages.to_crs(crs).boundary.plot(ax=ax, color="0.75", linewidth=0.5)
    # hazards above the flow lines, which would hide them
    geography.hazards.to_crs(crs).plot(
        ax=ax, facecolor=_HAZARD_FILL, edgecolor="tab:red", linewidth=0.8, zorder=3
    )
    geography.roads.to_crs(crs).plot(ax=ax, color="0.3", linewidth=1.4)
    small = flows["households"] < min_count
    to_scale, hidden = flows[~small], flows[small]
    if len(to_scale):
        to_scale.plot(
            ax=ax, color="tab:blue", linewidth=0.4 + to_scale["people"] / 12, alpha=0.55
        )
    if len(hidden):
        hidden.plot(ax=ax, color="tab:blue", linewidth=0.8, linestyle="--", alpha=0.55)
    starts = [line.coords[0] for line in flows.geometry]
    ax.scatter(
        [x for x, _ in starts],
        [y for _, y in starts],
        s=flows["people"].where(~small, 0) * 4 + small * 12,
        color="tab:blue",
        alpha=0.75,
        zorder=4,
    )
    for line in moves.geometry:
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={"arrowstyle": "->", "color": "tab:orange", "lw": 1.2},
            zorder=4,
        )
    markers = (("chosen", "*", 260, "gold"), ("candidate", "^", 120, "white"))
    for status, marker, size, colour in markers:
        part = sites[sites["status"] == status]
        ax.scatter(
            part.geometry.x, part.geometry.y, marker=marker, s=size, color=colour,
            edgecolor="black", zorder=6,
        )  # fmt: skip
    for site_id, point in zip(sites["site_id"], sites.geometry, strict=True):
        ax.annotate(
            site_id, (point.x, point.y), xytext=(7, 5), textcoords="offset points", fontsize=8,
            zorder=7, path_effects=plots.HALO,
        )  # fmt: skip
    best = optimum.selected
    ax.scatter(
        best.geometry.x, best.geometry.y, s=600, facecolor="none", edgecolor="tab:green",
        linewidth=2, zorder=7,
    )  # fmt: skip
    seat = geography.seat.to_crs(crs).geometry.iloc[0]
    ax.scatter([seat.x], [seat.y], marker="s", s=30, color="black", zorder=7)
    p = optimum.params["p"]
    handles = [
        Patch(facecolor=_HAZARD_FILL, edgecolor="tab:red",
              label=t("地质灾害隐患区（合成）", "hazard zone")),
        Line2D([], [], color="0.3", lw=1.4, label=t("道路（示意）", "road (schematic)")),
        Line2D([], [], color="tab:blue", lw=2, marker="o", alpha=0.7,
               label=t("集中安置：迁出村 → 实际安置点（线宽、点大小 ∝ 人数）",
                       "concentrated: origin → chosen site (width, size ∝ people)")),
        *([Line2D([], [], color="tab:blue", lw=0.8, ls="--", marker="o", ms=3, alpha=0.7,
                  label=t(f"集中安置少于{min_count}户：线宽、点大小不按比例",
                          f"concentrated, fewer than {min_count} households: not to scale"))]
          if small.any() else []),
        Line2D([], [], color="tab:orange", lw=1.2, marker=">",
               label=t("分散安置：村点 → 新址", "scattered: village → new place")),
        Line2D([], [], ls="", marker="*", ms=14, mfc="gold", mec="black",
               label=t("实际集中安置点", "chosen site")),
        Line2D([], [], ls="", marker="^", ms=9, mfc="white", mec="black",
               label=t("备选安置点", "candidate site")),
        Line2D([], [], ls="", marker="o", ms=16, mfc="none", mec="tab:green", mew=2,
               label=t(f"p 中位模型最优（p = {p}）", f"p-median optimum (p = {p})")),
        Line2D([], [], ls="", marker="s", ms=5, color="black", label=t("乡政府", "township seat")),
    ]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    plots.finish_map(ax, title)
    return fig


def exact_cluster_maps(
    rates: gpd.GeoDataFrame,
    panels: dict[str, pd.DataFrame],
    *,
    alpha: float,
    title: str,
    lang: str = "zh",
) -> Figure:
    """LISA clusters of several variables side by side, from exact p-values.

    Parameters
    ----------
    rates : geopandas.GeoDataFrame
        :func:`fupin_analysis.spatial.village_rates` (metric CRS, ``designated``).
    panels : dict of str to pandas.DataFrame
        Panel title → :func:`fupin_analysis.spatial.exact_local_moran` of the same
        villages (``cluster``, ``significant_fdr``).
    alpha : float
        The level the statistics used.
    title : str
        The figure's title, in the notebook's language.
    lang : {"zh", "en"}
        Language of the legends.

    Returns
    -------
    matplotlib.figure.Figure
        One map per panel, villages named (when ``rates`` has ``name``); villages whose
        label survives the Benjamini–Hochberg FDR are dotted, designated villages
        outlined; legends under the maps.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> rates = gpd.GeoDataFrame({"designated": [True, False]},
    ...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
    >>> lisa = pd.DataFrame({"cluster": ["High-High", "not significant"],
    ...                      "significant_fdr": [True, False]})
    >>> fig = exact_cluster_maps(rates, {"incidence": lisa}, alpha=0.05, title="Exact",
    ...                          lang="en")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['High-High', 'not significant', 'survives the FDR', 'designated village']
    >>> plt.close(fig)
    """
    t = plots.translator(lang)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(4.8 * len(panels), 5.4), layout="constrained", squeeze=False
    )
    labels = {}
    for ax, (panel, local) in zip(axes[0], panels.items(), strict=True):
        rates.plot(
            ax=ax, color=local["cluster"].map(plots.CLUSTER_COLOURS), edgecolor="grey",
            linewidth=0.4,
        )  # fmt: skip
        survivors = rates[local["significant_fdr"].astype(bool).to_numpy()]
        if len(survivors):
            survivors.plot(ax=ax, facecolor="none", edgecolor="black", hatch="..", linewidth=0)
        handles = [
            Patch(facecolor=colour, edgecolor="grey", label=plots.cluster_label(key, lang))
            for key, colour in plots.CLUSTER_COLOURS.items()
            if (local["cluster"] == key).any()
        ]
        handles.append(
            Patch(facecolor="white", edgecolor="black", hatch="..",
                  label=t("FDR校正后仍显著", "survives the FDR"))
        )  # fmt: skip
        _outline_designated(ax, rates, 1.4)
        if "name" in rates:
            labels[ax] = plots.label_places(ax, rates, lang=lang, min_area=_LABEL_MIN_AREA_M2)
        plots.finish_map(
            ax,
            f"{panel}（p < {alpha}）" if lang == "zh" else f"{panel} (p < {alpha})",
            handles=[*handles, plots.designated_handle(lang)],
        )
    fig.suptitle(title)
    plots.separate_labels(fig, labels)
    return fig
