"""The figures of notebook ``06_dynamics``: one function per figure, data in, Figure out.

Maps are small multiples, one panel per year, drawn in the metric CRS of
:func:`fupin_analysis.panel.analysis.yearly_rates` on one colour scale and finished by
:func:`fupin_analysis.plots.finish_map`; labels follow the notebook's ``lang``
(:func:`fupin_analysis.plots.translator`). Save with
:func:`fupin_analysis.plots.save_figure`.

:func:`incidence_by_year_maps`
    village incidence, one map per year;
:func:`clusters_by_year_maps`
    LISA clusters, one map per year;
:func:`designated_share_plot`
    the designated villages' share of the poor against their share of the population;
:func:`exit_curve_plot`
    Kaplan–Meier curves of the share of households not yet exited, by designation;
:func:`returns_map`
    the return rate by village and its local clusters.

Examples
--------
>>> share = pd.DataFrame({"year": [2015, 2016], "designated_share": [0.3, 0.4],
...                       "population_share": [0.2, 0.2]})
>>> plots.use_style()
>>> fig = designated_share_plot(share, title="Share", lang="en")
>>> [line.get_label() for line in fig.axes[0].get_lines()]
['designated villages, share of the poor', 'designated villages, share of the population']
>>> plt.close(fig)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import plots

__all__ = [
    "incidence_by_year_maps",
    "clusters_by_year_maps",
    "designated_share_plot",
    "exit_curve_plot",
    "returns_map",
]


def _grid(n: int) -> tuple[Figure, list]:
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 5.4 * rows), layout="constrained")
    flat = list(axes.ravel()) if hasattr(axes, "ravel") else [axes]
    for ax in flat[n:]:
        ax.set_axis_off()
    return fig, flat[:n]


def _outline(ax, frame: gpd.GeoDataFrame) -> None:
    frame[frame["designated"].astype(bool)].boundary.plot(ax=ax, color="black", linewidth=1.2)


def incidence_by_year_maps(
    rates: Mapping[int, gpd.GeoDataFrame],
    *,
    title: str,
    lang: str = "zh",
    column: str = "incidence",
) -> Figure:
    """Village ``column`` in each year, small multiples on one colour scale.

    Parameters
    ----------
    rates : mapping of int to geopandas.GeoDataFrame
        Year → village frame (metric CRS; ``designated`` and ``column``).
    title : str
        The figure's title, in the notebook's language.
    lang : {"zh", "en"}
        Language of panel titles and legends.
    column : str
        The rate drawn.

    Returns
    -------
    matplotlib.figure.Figure
        One map per year titled by the year, the designated villages outlined, in the
        incidence classes of every notebook (:data:`fupin_analysis.plots.
        INCIDENCE_BREAKS`); under each map a legend with that year's class counts.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> frame = gpd.GeoDataFrame({"designated": [True, False], "incidence": [0.3, 0.1]},
    ...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
    >>> fig = incidence_by_year_maps({2015: frame, 2016: frame}, title="t", lang="en")
    >>> [ax.get_title(loc="left") for ax in fig.axes[:2]]
    ['2015', '2016']
    >>> plt.close(fig)
    """
    fig, axes = _grid(len(rates))
    for ax, (year, frame) in zip(axes, rates.items(), strict=True):
        handles = plots.choropleth(
            ax, frame, column, breaks=plots.INCIDENCE_BREAKS,
            cmap=plots.QUANTITY_CMAPS["incidence"], percent=True, lang=lang, linewidth=0.4,
        )  # fmt: skip
        _outline(ax, frame)
        plots.finish_map(ax, str(year), handles=[*handles, plots.designated_handle(lang)])
    fig.suptitle(title)
    return fig


def clusters_by_year_maps(
    rates: Mapping[int, gpd.GeoDataFrame], local: pd.DataFrame, *, alpha: float, title: str,
    lang: str = "zh",
) -> Figure:  # fmt: skip
    """LISA cluster labels of each year, small multiples.

    Parameters
    ----------
    rates : mapping of int to geopandas.GeoDataFrame
        Year → village frame (metric CRS, indexed by code, ``designated``).
    local : pandas.DataFrame
        :func:`fupin_analysis.panel.analysis.clusters_by_year`'s local table
        (``year``, ``code``, ``cluster``).
    alpha : float
        The significance level used.
    title : str
        The figure's title.
    lang : {"zh", "en"}
        Language of panel titles and legend.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> frame = gpd.GeoDataFrame({"designated": [True, False]}, index=["a", "b"],
    ...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
    >>> local = pd.DataFrame({"year": [2016, 2016], "code": ["a", "b"],
    ...                       "cluster": ["High-High", "not significant"]})
    >>> fig = clusters_by_year_maps({2016: frame}, local, alpha=0.05, title="t", lang="en")
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['High-High', 'not significant', 'designated village']
    >>> plt.close(fig)
    """
    fig, axes = _grid(len(rates))
    shown = set()
    for ax, (year, frame) in zip(axes, rates.items(), strict=True):
        labels = local[local["year"] == year].set_index("code")["cluster"]
        cluster = labels.reindex(frame.index.astype("str")).fillna("not significant")
        shown |= set(cluster)
        frame.plot(ax=ax, color=cluster.map(plots.CLUSTER_COLOURS).to_numpy(), edgecolor="grey",
                   linewidth=0.4)  # fmt: skip
        _outline(ax, frame)
        plots.finish_map(ax, str(year))
    handles = [
        Patch(facecolor=colour, edgecolor="grey", label=plots.cluster_label(key, lang))
        for key, colour in plots.CLUSTER_COLOURS.items()
        if key in shown
    ]
    fig.legend(handles=[*handles, plots.designated_handle(lang)], loc="outside lower center",
               ncols=len(handles) + 1, fontsize=8)  # fmt: skip
    fig.suptitle(f"{title} (p < {alpha})")
    return fig


def designated_share_plot(share: pd.DataFrame, *, title: str, lang: str = "zh") -> Figure:
    """The designated villages' share of the poor and of the population, by year.

    Parameters
    ----------
    share : pandas.DataFrame
        :func:`fupin_analysis.panel.analysis.designated_share`.
    title : str
        The figure's title.
    lang : {"zh", "en"}
        Language of labels.
    """
    t = plots.translator(lang)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    of_poor = t("省定贫困村占贫困人口比重", "designated villages, share of the poor")
    of_population = t("省定贫困村占户籍人口比重", "designated villages, share of the population")
    ax.plot(share["year"], share["designated_share"], marker="o", label=of_poor)
    ax.plot(share["year"], share["population_share"], linestyle="--", color="grey",
            label=of_population)  # fmt: skip
    ax.set_xticks(share["year"])
    ax.yaxis.set_major_formatter(plt.FuncFormatter("{:.0%}".format))
    ax.set_ylim(0, max(1.0, float(share["designated_share"].max()) * 1.1))
    ax.set_xlabel(t("年末", "end of year"))
    ax.legend(fontsize=8)
    ax.set_title(title)
    return fig


def exit_curve_plot(curves: pd.DataFrame, *, title: str, lang: str = "zh") -> Figure:
    """Kaplan–Meier curves of the share of households not yet exited, by designation.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`fupin_analysis.panel.survival.exit_curves`.
    title : str
        The figure's title (say what is censored).
    lang : {"zh", "en"}
        Language of labels.

    Examples
    --------
    >>> curves = pd.DataFrame({"designated": [False, False, True, True], "years": [0, 1, 0, 1],
    ...     "survival": [1.0, 0.5, 1.0, 0.8], "ci_low": [1.0, 0.4, 1.0, 0.7],
    ...     "ci_high": [1.0, 0.6, 1.0, 0.9]})
    >>> fig = exit_curve_plot(curves, title="t", lang="en")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['other villages', 'designated villages']
    >>> plt.close(fig)
    """
    t = plots.translator(lang)
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    for designated, group in curves.groupby("designated", sort=True):
        label = (
            t("省定贫困村", "designated villages") if designated else t("其他村", "other villages")
        )
        colour = "#b2182b" if designated else "#2166ac"
        ax.step(group["years"], group["survival"], where="post", color=colour, label=label)
        ax.fill_between(group["years"], group["ci_low"], group["ci_high"], step="post",
                        color=colour, alpha=0.15, linewidth=0)  # fmt: skip
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(plt.FuncFormatter("{:.0%}".format))
    ax.set_xlabel(t("自首次识别起的年数", "years since first identified"))
    ax.set_ylabel(t("尚未脱贫的贫困户比重", "share of households not yet exited"))
    ax.legend(fontsize=8)
    ax.set_title(title)
    return fig


def returns_map(
    frame: gpd.GeoDataFrame, local: pd.DataFrame, *, alpha: float, title: str, lang: str = "zh"
) -> Figure:
    """The return rate by village and its LISA clusters, side by side.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        :func:`fupin_analysis.panel.analysis.return_rates` joined with ``designated``.
    local : pandas.DataFrame
        :func:`fupin_analysis.spatial.local_moran` of its ``return_rate`` (aligned).
    alpha : float
        The significance level used.
    title : str
        The figure's title.
    lang : {"zh", "en"}
        Language of labels.
    """
    t = plots.translator(lang)
    fig, axes = plt.subplots(1, 2, figsize=(11, 6), layout="constrained")
    handles = plots.choropleth(
        axes[0], frame, "return_rate", breaks=plots.class_breaks(frame["return_rate"], k=5),
        cmap=plots.QUANTITY_CMAPS["return_rate"], percent=True, lang=lang, linewidth=0.4,
    )  # fmt: skip
    _outline(axes[0], frame)
    plots.finish_map(
        axes[0], t("返贫率（返贫户/曾脱贫户，自然断点）",
                   "return rate (returned / exited households, natural breaks)"),
        handles=[*handles, plots.designated_handle(lang)],
    )  # fmt: skip
    frame.plot(ax=axes[1], color=local["cluster"].map(plots.CLUSTER_COLOURS).to_numpy(),
               edgecolor="grey", linewidth=0.4)  # fmt: skip
    _outline(axes[1], frame)
    handles = [
        Patch(facecolor=colour, edgecolor="grey", label=plots.cluster_label(key, lang))
        for key, colour in plots.CLUSTER_COLOURS.items()
        if (local["cluster"] == key).any()
    ]
    plots.finish_map(axes[1], t(f"返贫率的LISA聚类（p < {alpha}）", f"LISA clusters (p < {alpha})"),
                     handles=[*handles, plots.designated_handle(lang)])  # fmt: skip
    fig.suptitle(title)
    return fig
