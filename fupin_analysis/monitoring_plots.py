"""The charts and maps of the monitoring notebooks: 01, 02, 05 and the village profile.

Each ``draw_*`` function draws one chart into axes the notebook made (the notebook
chooses the figure's size and saves it with :func:`fupin_analysis.plots.save_figure`)
and returns them. Labels follow the notebook's ``lang``: Chinese through
:func:`fupin_analysis.plots.tr` (pinyin without a CJK font) or English. The data come
from :mod:`fupin_analysis.quality`, :mod:`fupin_analysis.indicators` and
:mod:`fupin_analysis.assurances`; nothing is computed here beyond placing it.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> import pandas as pd
>>> ratios = pd.DataFrame({"figure": ["registered_people"], "label_zh": ["贫困人口"],
...                        "clean_only": [0.99], "with_quarantined": [1.0]})
>>> fig, ax = plt.subplots()
>>> _ = draw_roster_vs_published(ax, ratios, year=2016, lang="en")
>>> [t.get_text() for t in ax.get_yticklabels()]
['registered_people']
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from . import schema
from .plots import finish_map, tr, translator

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "draw_rules",
    "draw_village_evidence",
    "draw_roster_vs_published",
    "draw_deprivation",
    "draw_m0_and_exit_line",
    "draw_exit_checks_map",
    "draw_households",
    "draw_pyramid",
    "draw_village_vs_township",
]

_REFUSED, _KEPT = "#c0392b", "#2c7fb8"
_SYNTHETIC = "（合成数据）"


def _synthetic(synthetic: bool) -> str:
    return _SYNTHETIC if synthetic else ""


def draw_rules(ax: Axes, rules: pd.DataFrame, *, synthetic: bool = False, lang: str = "zh") -> Axes:
    """Rows each cleaning rule touched, on a log scale; red refused, blue kept.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    rules : pandas.DataFrame
        :func:`fupin_analysis.quality.rules_applied` (``rule``, ``rows``, ``refused``).
    synthetic : bool
        Mark the title as made from synthetic data.
    lang : {"zh", "en"}
        ``"en"`` romanises the Chinese labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> rules = pd.DataFrame({"rule": ["id_mangled", "trim"], "rows": [3, 120],
    ...                       "refused": [True, False]})
    >>> _ = draw_rules(ax, rules)
    >>> [float(p.get_width()) for p in ax.patches], ax.get_xscale()
    ([3.0, 120.0], 'log')
    >>> plt.close(fig)
    """
    colour = [_REFUSED if refused else _KEPT for refused in rules["refused"]]
    ax.barh(rules["rule"], rules["rows"], color=colour)
    ax.invert_yaxis()
    if len(rules):
        ax.set_xscale("log")
    else:
        ax.text(0.5, 0.5, tr("没有规则改动任何行", lang), ha="center", transform=ax.transAxes)
    ax.set_xlabel(tr("受影响的行数（对数刻度）", lang))
    ax.set_title(
        tr(
            f"2016 年名册清洗：各规则影响的行数{_synthetic(synthetic)}\n"
            "红：拒收；蓝：保留（修正或计数）",
            lang,
        )
    )
    for y, value in enumerate(rules["rows"]):
        ax.text(value, y, f" {value:,}", va="center", fontsize=8)
    return ax


def draw_village_evidence(
    ax: Axes, evidence: pd.DataFrame, *, synthetic: bool = False, lang: str = "zh"
) -> Axes:
    """People kept per village, stacked by the evidence the village name was matched on.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    evidence : pandas.DataFrame
        :func:`fupin_analysis.quality.village_evidence` (villages × evidence).
    synthetic : bool
        Mark the title as made from synthetic data.
    lang : {"zh", "en"}
        ``"en"`` romanises the village names and labels.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ev = pd.DataFrame({"assumed": [0, 4], "same_name": [3, 0]}, index=["李家村", "铁坡村"])
    >>> _ = draw_village_evidence(ax, ev, lang="en")
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_legend().get_title().get_text()
    (['Li Jia Cun', 'Tie Po Cun'], 'Pi Pei Yi Ju')
    >>> plt.close(fig)
    """
    evidence.plot.barh(stacked=True, ax=ax, width=0.8, colormap="tab10")
    ax.set_xlabel(tr("保留的人数", lang))
    ax.set_ylabel("")
    ax.set_yticklabels([tr(t.get_text(), lang) for t in ax.get_yticklabels()])
    ax.set_title(tr(f"2016 年各村人员的村名匹配依据{_synthetic(synthetic)}", lang))
    ax.legend(title=tr("匹配依据", lang), fontsize=8, loc="lower right")
    return ax


def draw_roster_vs_published(
    ax: Axes, ratios: pd.DataFrame, *, year: int, lang: str = "zh"
) -> Axes:
    """Each published figure as roster ÷ published: clean roster (o) and with quarantined (x).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    ratios : pandas.DataFrame
        :func:`fupin_analysis.indicators.published_ratios` (``figure``, ``label_zh``,
        ``clean_only``, ``with_quarantined``).
    year : int
        Year of the work summary (title).
    lang : {"zh", "en"}
        Chinese labels (``label_zh``) or the figures' English ids.

    Returns
    -------
    matplotlib.axes.Axes
        A vertical line at 1 marks "reproduced".
    """
    t = translator(lang)
    labels = ratios["label_zh"] if lang == "zh" else ratios["figure"]
    ypos = range(len(ratios))
    ax.scatter(ratios["clean_only"], ypos, marker="o", label=t("清洗后名册", "clean roster"))
    ax.scatter(
        ratios["with_quarantined"],
        ypos,
        marker="x",
        label=t("含隔离记录", "with quarantined rows"),
    )
    ax.axvline(1.0, color="grey", lw=0.8)
    ax.set_yticks(list(ypos), [tr(label) for label in labels])
    ax.invert_yaxis()
    ax.set_xlabel(t("名册值 ÷ 公布值", "roster ÷ published"))
    ax.set_title(
        t(
            f"{year}年工作总结各项指标：名册与公布值之比",
            f"Work summary {year}: roster against published figures",
        )
    )
    ax.legend(loc="center")
    return ax


def _paired_bars(
    ax: Axes,
    labels: Sequence[str],
    first: pd.Series,
    second: pd.Series,
    *,
    colours: tuple[str, str],
    names: tuple[str, str],
    xlabel: str,
) -> None:
    """Two horizontal bars per label (shares), the first above the second."""
    y = range(len(labels))
    ax.barh([i - 0.2 for i in y], first, height=0.4, color=colours[0], label=names[0])
    ax.barh([i + 0.2 for i in y], second, height=0.4, color=colours[1], label=names[1])
    ax.set_yticks(list(y), list(labels))
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(xlabel)


def draw_deprivation(
    ax: Axes, dims: pd.DataFrame, *, k: float, year: int, lang: str = "zh"
) -> Axes:
    """Share deprived in each dimension, and deprived and multidimensionally poor.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    dims : pandas.DataFrame
        :func:`fupin_analysis.assurances.dimension_table` (``dimension``, ``label``,
        ``headcount``, ``censored_headcount``).
    k : float
        The Alkire-Foster cut-off (title).
    year : int
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> dims = pd.DataFrame({"dimension": ["income", "water"],
    ...     "label": ["吃穿不愁(收入)", "饮水安全"], "headcount": [0.6, 0.1],
    ...     "censored_headcount": [0.3, 0.05]})
    >>> fig, ax = plt.subplots()
    >>> _ = draw_deprivation(ax, dims, k=0.4, year=2016, lang="en")
    >>> [float(round(p.get_width(), 2)) for p in ax.patches]
    [0.6, 0.1, 0.3, 0.05]
    >>> plt.close(fig)
    """
    t = translator(lang)
    _paired_bars(
        ax,
        [t(z, e) for z, e in zip(dims["label"], dims["dimension"], strict=True)],
        dims["headcount"],
        dims["censored_headcount"],
        colours=("#9db4d3", "#3b6ea8"),
        names=(
            t("剥夺率", "deprived"),
            t("剥夺且多维贫困", "deprived and multidimensionally poor"),
        ),
        xlabel=t("户占比", "share of households"),
    )
    ax.set_title(
        t(f"{year}年各维度剥夺率（k = {k:.2f}）", f"Deprivation by dimension, {year} (k = {k:.2f})")
    )
    ax.legend(loc="lower right")
    return ax


def draw_m0_and_exit_line(
    axes: Sequence[Axes], villages: gpd.GeoDataFrame, *, k: float, year: int, lang: str = "zh"
) -> Sequence[Axes]:
    """Two maps: M0 by village, and the remaining incidence against the exit line.

    The second map outlines in green the units under the village exit line and dashes
    the designated villages. Both maps get a north arrow and a scale bar, the figure a
    title saying the boundaries are approximate.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
    villages : geopandas.GeoDataFrame
        :func:`fupin_analysis.assurances.villages_with_assurances` in a metric CRS
        (``M0``, ``incidence_remaining``, ``below_line``, ``designated``).
    k : float
    year : int
    lang : {"zh", "en"}

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    t = translator(lang)
    m0, line = axes
    villages.plot(
        column="M0", cmap="OrRd", legend=True, ax=m0, edgecolor="white", linewidth=0.5,
        legend_kwds={"label": "M0", "shrink": 0.6},
        missing_kwds={"color": "#eeeeee", "label": t("无数据", "no data")},
    )  # fmt: skip
    m0.set_title(t(f"多维贫困指数 M0（k = {k:.2f}）", f"Adjusted headcount M0 (k = {k:.2f})"))
    villages.plot(
        column="incidence_remaining", cmap="Blues", legend=True, ax=line, edgecolor="white",
        linewidth=0.5,
        legend_kwds={"label": t("剩余贫困发生率", "remaining incidence"), "shrink": 0.6},
    )  # fmt: skip
    below = villages["below_line"].fillna(False).astype(bool)
    villages[below].boundary.plot(ax=line, color="green", linewidth=2)
    designated = villages["designated"].fillna(False).astype(bool)
    villages[designated].boundary.plot(ax=line, color="black", linewidth=1, linestyle="--")
    line.set_title(
        t(
            f"{year}年剩余贫困发生率（绿框：低于2%；虚线：省定贫困村）",
            f"Remaining incidence {year} (green: under 2%; dashed: designated)",
        )
    )
    for ax in axes:
        finish_map(ax)
    m0.figure.suptitle(t("寨市乡（村界为近似）", "寨市乡 (approximate village boundaries)"))
    return axes


def draw_exit_checks_map(
    ax: Axes, villages: gpd.GeoDataFrame, *, year: int, lang: str = "zh"
) -> Axes:
    """False exits (red circles) and eligible households not exited (green squares).

    Marker areas grow with the number of households (60 points² each); the squares are
    shifted 300 m east so that both show where a village has both.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    villages : geopandas.GeoDataFrame
        :func:`fupin_analysis.assurances.villages_with_assurances` in a metric CRS
        (``false_exits``, ``eligible_not_exited``).
    year : int
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    t = translator(lang)
    villages.plot(ax=ax, color="#f2f2f2", edgecolor="#999999", linewidth=0.5)
    points = villages.assign(geometry=villages.representative_point())
    false = points[points["false_exits"].fillna(0) > 0]
    eligible = points[points["eligible_not_exited"].fillna(0) > 0]
    ax.scatter(false.geometry.x, false.geometry.y, s=60 * false["false_exits"],
               color="#c0392b", alpha=0.8,
               label=t("不达标脱贫户（点大小=户数）", "false exits (size = households)"))
    ax.scatter(eligible.geometry.x + 300, eligible.geometry.y,
               s=60 * eligible["eligible_not_exited"], color="#27ae60", alpha=0.8, marker="s",
               label=t("达标未脱贫户", "eligible, not exited"))  # fmt: skip
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.0), frameon=False)
    finish_map(
        ax, t(f"{year}年脱贫核查（村界为近似）", f"Exit checks {year} (approximate boundaries)")
    )
    return ax


def draw_households(
    axes: Sequence[Axes],
    by_type: pd.DataFrame,
    by_cause: pd.DataFrame,
    *,
    name: str,
    year: int,
    lang: str = "zh",
) -> Sequence[Axes]:
    """A village's registered households by type (left) and by main cause (right).

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
    by_type, by_cause : pandas.DataFrame
        :func:`fupin_analysis.indicators.households_by` of ``household_type`` and
        ``main_cause`` (``value_zh``, ``households``).
    name : str
        The village's name (figure title).
    year : int
    lang : {"zh", "en"}
        Official terms in Chinese, or their English labels (未填: "not recorded").

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    t = translator(lang)
    panels = (
        (by_type, "household_type", t("贫困户属性", "Household type")),
        (by_cause, "main_cause", t("主要致贫原因", "Main cause of poverty")),
    )
    for ax, (table, column, title) in zip(axes, panels, strict=True):
        terms = [
            t(v, "not recorded" if v == "未填" else schema.label(column, v))
            for v in table["value_zh"]
        ]
        ax.barh(terms, table["households"], color="#3b6ea8")
        ax.invert_yaxis()
        ax.set_xlabel(t("户数", "households"))
        ax.set_title(title)
    axes[0].figure.suptitle(
        t(f"{name} {year}年建档立卡户", f"{name}: registered households, {year}")
    )
    return axes


def draw_pyramid(ax: Axes, wide: pd.DataFrame, *, name: str, year: int, lang: str = "zh") -> Axes:
    """An age-sex pyramid: men to the left, women to the right, ticks as positive counts.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    wide : pandas.DataFrame
        :func:`fupin_analysis.indicators.pyramid_wide` (index age group, columns 男, 女).
    name : str
        The village's name (title).
    year : int
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> wide = pd.DataFrame({"男": [2, 1], "女": [3, 0]}, index=["0-4", "5-9"])
    >>> fig, ax = plt.subplots()
    >>> _ = draw_pyramid(ax, wide, name="李家村", year=2016, lang="en")
    >>> [float(p.get_width()) for p in ax.patches]
    [-2.0, -1.0, 3.0, 0.0]
    >>> plt.close(fig)
    """
    t = translator(lang)
    ages = [str(a) for a in wide.index]
    ax.barh(ages, -wide["男"], color="#3b6ea8", label=t("男", "male"))
    ax.barh(ages, wide["女"], color="#c0392b", label=t("女", "female"))
    ax.axvline(0, color="black", lw=0.6)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(int(x))}" for x in ticks])
    ax.set_xlabel(t("人数", "people"))
    ax.set_ylabel(t("年龄组", "age group"))
    ax.legend(loc="upper right")
    ax.set_title(
        t(
            f"{name}建档立卡人口年龄性别结构（{year}年）",
            f"{name}: registered poor by age and sex, {year}",
        )
    )
    return ax


def draw_village_vs_township(
    ax: Axes, compare: pd.DataFrame, *, name: str, year: int, lang: str = "zh"
) -> Axes:
    """Share of households deprived in each dimension: the village beside the township.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    compare : pandas.DataFrame
        :func:`fupin_analysis.assurances.village_deprivation` (``dimension``, ``label``,
        ``village``, ``township``).
    name : str
        The village's name (legend and title).
    year : int
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    t = translator(lang)
    _paired_bars(
        ax,
        [t(z, e) for z, e in zip(compare["label"], compare["dimension"], strict=True)],
        compare["village"],
        compare["township"],
        colours=("#3b6ea8", "#bbbbbb"),
        names=(tr(name), t("全乡", "township")),
        xlabel=t("剥夺户占比", "share of households deprived"),
    )
    ax.legend(loc="lower right")
    ax.set_title(t(f"{name}两不愁三保障（{year}年）", f"{name}: two assurances, {year}"))
    return ax
