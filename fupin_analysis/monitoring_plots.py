"""The charts and maps of the monitoring notebooks: 01, 02, 05 and the village profile.

Each ``draw_*`` function draws one chart into axes the notebook made (the notebook
chooses the figure's size and saves it with :func:`fupin_analysis.plots.save_figure`)
and returns them. Labels follow the notebook's ``lang``: Chinese through
:func:`fupin_analysis.plots.tr` (pinyin without a CJK font) or English. The data come
from :mod:`fupin_analysis.quality`, :mod:`fupin_analysis.indicators` and
:mod:`fupin_analysis.assurances`; nothing is computed here beyond placing it.

Figures follow the disclosure rule of the published tables (``min_count``,
:mod:`fupin_analysis.disclosure`): a count of fewer than ``min_count`` people or
households is never drawn to scale. Bars of small categories are merged into one group
(:func:`~fupin_analysis.disclosure.group_small`), small cells of a pyramid and small
bars are left out and labelled ``<3``, markers of small counts are drawn hollow at one
size; each figure says so in a note.

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
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from . import plots, schema
from .disclosure import DEFAULT_THRESHOLD, group_small, shown_count, suppress_small
from .plots import finish_map, tr, translator

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "RULE_NAMES_ZH",
    "EVIDENCE_NAMES_ZH",
    "rule_label",
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

#: Chinese name of each cleaning rule (:data:`fupin_analysis.clean.rules.RULES`) on 01's charts.
RULE_NAMES_ZH: dict[str, str] = {
    "text_normalised": "文本规范化",
    "empty_marker": "空值标记（无、/、-）置空",
    "summary_row": "合计行、签字行（拒收）",
    "duplicate_row": "重复行（拒收）",
    "id_missing": "缺身份证号（拒收）",
    "id_mangled": "身份证号被Excel改写（拒收）",
    "id_invalid": "身份证号校验不通过（拒收）",
    "household_fill": "从户主行补全户信息",
    "household_missing": "缺户编号（拒收）",
    "unknown_village": "村名无法对应（拒收）",
    "duplicate_person": "同一人重复登记（拒收）",
    "id_normalised": "身份证号规范化（x、文本格式）",
    "village_assumed": "按推定对应关系匹配村名",
    "village_variant": "按异名、旧名匹配村名",
    "value_aliased": "旧称、异称改为规范用语",
    "household_field_conflict": "同户成员户信息不一致",
    "exit_status_year": "未脱贫却有脱贫年度",
    "sex_mismatch": "性别与身份证号不符",
    "age_mismatch": "年龄与身份证号不符",
    "household_size_mismatch": "户人数与成员数不符",
    "head_count": "户主不是恰好一人",
    "value_unmapped": "取值不在规范词表中",
    "value_unparsed": "数字、日期无法读取",
    "unknown_column": "名册外的列",
}


#: Chinese name of each crosswalk evidence (``village_evidence`` columns) on 01's charts.
EVIDENCE_NAMES_ZH: dict[str, str] = {
    "official_name": "规范名称",
    "same_name": "同名",
    "code": "区划代码",
    "code_shift": "区划代码变更",
    "renamed": "更名",
    "variant_spelling": "异写",
    "assumed": "推定对应",
}


def rule_label(rule: str, lang: str = "zh") -> str:
    """A cleaning rule as 01's charts name it: Chinese for ``"zh"``, its key for ``"en"``.

    Examples
    --------
    >>> rule_label("id_mangled", "en")
    'id_mangled'
    >>> rule_label("id_mangled") == tr("身份证号被Excel改写（拒收）")
    True
    """
    if lang != "zh":
        return rule
    return tr(RULE_NAMES_ZH.get(rule, rule))
_SYNTHETIC = "（合成数据）"


def _synthetic(synthetic: bool) -> str:
    return _SYNTHETIC if synthetic else ""


def _rule_note(ax: Axes, text: str) -> None:
    """The disclosure note of a figure, under its axes."""
    ax.annotate(text, (0, 0), xycoords="axes fraction", xytext=(0, -30),
                textcoords="offset points", fontsize=7, color="#555555", va="top")  # fmt: skip


def _small_note(min_count: int, lang: str, what_zh: str, what_en: str) -> str:
    t = translator(lang)
    return t(
        f"少于{min_count}的{what_zh}不按比例绘出，标为“<{min_count}”",
        f"{what_en} below {min_count} are not drawn to scale (shown as <{min_count})",
    )


def draw_rules(
    ax: Axes,
    rules: pd.DataFrame,
    *,
    synthetic: bool = False,
    lang: str = "zh",
    min_count: int = DEFAULT_THRESHOLD,
) -> Axes:
    """Rows each cleaning rule touched, on a log scale; red refused, blue kept.

    A rule that touched fewer than ``min_count`` rows (people) has no bar and reads
    ``<3``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    rules : pandas.DataFrame
        :func:`fupin_analysis.quality.rules_applied` (``rule``, ``rows``, ``refused``).
    synthetic : bool
        Mark the title as made from synthetic data.
    lang : {"zh", "en"}
        ``"en"`` romanises the Chinese labels.
    min_count : int
        Disclosure threshold (1 draws every count).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> rules = pd.DataFrame({"rule": ["id_mangled", "trim", "duplicate_row"],
    ...                       "rows": [3, 120, 2], "refused": [True, False, True]})
    >>> _ = draw_rules(ax, rules)
    >>> [float(p.get_width()) for p in ax.patches], ax.get_xscale()
    ([3.0, 120.0], 'log')
    >>> [t.get_text().strip() for t in ax.texts][:3]
    ['3', '120', '<3']
    >>> plt.close(fig)
    """
    shown = rules["rows"].ge(min_count) | rules["rows"].eq(0)
    colour = [_REFUSED if refused else _KEPT for refused in rules["refused"]]
    names = [rule_label(rule, lang) for rule in rules["rule"]]
    ax.barh(names, rules["rows"].where(shown, 0), color=colour)
    drawn = [p for p, keep in zip(ax.patches, shown, strict=True) if not keep]
    for patch in drawn:
        patch.remove()
    ax.invert_yaxis()
    if len(rules):
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    else:
        ax.text(0.5, 0.5, tr("没有规则改动任何行", lang), ha="center", transform=ax.transAxes)
    ax.set_xlabel(tr("受影响的行数（对数刻度）", lang))
    ax.set_title(
        tr(
            f"名册清洗：各规则影响的行数{_synthetic(synthetic)}\n"
            "红：拒收；蓝：保留（修正或计数）",
            lang,
        )
    )
    at_axis = ax.get_yaxis_transform()  # x in axes fraction: a "<3" by the axis, not off it
    for y, (value, keep) in enumerate(zip(rules["rows"], shown, strict=True)):
        if keep:
            ax.text(value, y, f" {shown_count(value, min_count)}", va="center", fontsize=8)
        else:
            ax.text(0, y, f" {shown_count(value, min_count)}", va="center", fontsize=8,
                    transform=at_axis)  # fmt: skip
    if not shown.all():
        _rule_note(ax, _small_note(min_count, lang, "行数", "Row counts"))
    return ax


def draw_village_evidence(
    ax: Axes,
    evidence: pd.DataFrame,
    *,
    synthetic: bool = False,
    lang: str = "zh",
    min_count: int = DEFAULT_THRESHOLD,
) -> Axes:
    """People kept per village, stacked by the evidence the village name was matched on.

    A segment of fewer than ``min_count`` people is not drawn (a note says so).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    evidence : pandas.DataFrame
        :func:`fupin_analysis.quality.village_evidence` (villages × evidence).
    synthetic : bool
        Mark the title as made from synthetic data.
    lang : {"zh", "en"}
        ``"en"`` romanises the village names and labels.
    min_count : int
        Disclosure threshold (1 draws every count).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ev = pd.DataFrame({"assumed": [0, 4], "same_name": [3, 2]}, index=["李家村", "铁坡村"])
    >>> _ = draw_village_evidence(ax, ev, lang="en")
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_legend().get_title().get_text()
    (['Li Jia Cun', 'Tie Po Cun'], 'Pi Pei Yi Ju')
    >>> sorted(float(p.get_width()) for p in ax.patches)  # the 2 is not drawn
    [0.0, 0.0, 3.0, 4.0]
    >>> plt.close(fig)
    """
    small = evidence.gt(0) & evidence.lt(min_count)
    evidence = evidence.mask(small, 0)
    if lang == "zh":
        evidence = evidence.rename(columns=lambda key: tr(EVIDENCE_NAMES_ZH.get(key, key)))
    evidence.plot.barh(stacked=True, ax=ax, width=0.8, colormap="tab10")
    ax.set_xlabel(tr("保留的人数", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("")
    ax.set_yticklabels([tr(t.get_text(), lang) for t in ax.get_yticklabels()])
    ax.set_title(tr(f"各村人员的村名匹配依据{_synthetic(synthetic)}", lang))
    ax.legend(title=tr("匹配依据", lang), fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    if small.to_numpy().any():
        t = translator(lang)
        note = t(
            f"少于{min_count}人的部分未绘出",
            f"segments of fewer than {min_count} people are not drawn",
        )
        _rule_note(ax, note)
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
    axes: Sequence[Axes],
    villages: gpd.GeoDataFrame,
    *,
    k: float,
    year: int,
    lang: str = "zh",
    place: str = "",
    exit_line: float = 0.02,
) -> Sequence[Axes]:
    """Two maps: M0 by village, and the remaining incidence against the exit line.

    M0 is classed by natural breaks (mapclassify's Fisher-Jenks); the remaining
    incidence by the incidence classes of every map
    (:data:`fupin_analysis.plots.INCIDENCE_BREAKS`, the palette of notebook 03), so that
    one small unit does not set the scale. The second map outlines in green the units
    under the village exit line and dashes the designated villages. Each legend, under
    its map, gives the classes with their counts and every outline; both maps get a north
    arrow and a scale bar, the figure a title saying the boundaries are approximate.

    Parameters
    ----------
    axes : sequence of two matplotlib.axes.Axes
    villages : geopandas.GeoDataFrame
        :func:`fupin_analysis.assurances.villages_with_assurances` in a metric CRS
        (``M0``, ``incidence_remaining``, ``below_line``, ``designated``).
    k : float
    year : int
    lang : {"zh", "en"}
    place : str
        The township's name (figure title; :attr:`fupin_analysis.reference.Reference.place`).
    exit_line : float
        The village exit line the ``below_line`` column used (legend).

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    t = translator(lang)
    m0, line = axes
    handles = plots.choropleth(
        m0, villages, "M0", breaks=plots.class_breaks(villages["M0"], k=5),
        cmap=plots.QUANTITY_CMAPS["M0"], lang=lang,
    )  # fmt: skip
    finish_map(
        m0, t(f"多维贫困指数 M0（k = {k:.2f}，自然断点）", f"Adjusted headcount M0 (k = {k:.2f},"
              " natural breaks)"), handles=handles,
    )  # fmt: skip
    handles = plots.choropleth(
        line, villages, "incidence_remaining", breaks=plots.INCIDENCE_BREAKS,
        cmap=plots.QUANTITY_CMAPS["incidence"], percent=True, lang=lang,
    )  # fmt: skip
    below = villages["below_line"].fillna(False).astype(bool)
    villages[below].boundary.plot(ax=line, color="green", linewidth=2)
    designated = villages["designated"].fillna(False).astype(bool)
    villages[designated].boundary.plot(ax=line, color="black", linewidth=1, linestyle="--")
    handles += [
        Patch(facecolor="none", edgecolor="green", linewidth=2,
              label=t(f"低于退出线{exit_line:.0%}", f"under the exit line of {exit_line:.0%}")),
        Patch(facecolor="none", edgecolor="black", linewidth=1, linestyle="--",
              label=t("省定贫困村", "designated village")),
    ]  # fmt: skip
    finish_map(
        line, t(f"{year}年剩余贫困发生率", f"Remaining incidence {year}"), handles=handles
    )
    m0.figure.suptitle(
        t(f"{place}（村界为近似）", f"{place} (approximate village boundaries)")
    )
    return axes


def draw_exit_checks_map(
    ax: Axes,
    villages: gpd.GeoDataFrame,
    *,
    year: int,
    lang: str = "zh",
    min_count: int = DEFAULT_THRESHOLD,
) -> Axes:
    """False exits (red circles) and eligible households not exited (green squares).

    Marker areas grow with the number of households (60 points² each); the squares are
    shifted 300 m east so that both show where a village has both. A village with fewer
    than ``min_count`` such households gets a hollow marker of one size (the size of
    ``min_count``): it says "some, fewer than 3", never how many.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    villages : geopandas.GeoDataFrame
        :func:`fupin_analysis.assurances.villages_with_assurances` in a metric CRS
        (``false_exits``, ``eligible_not_exited``).
    year : int
    lang : {"zh", "en"}
    min_count : int
        Disclosure threshold (1 draws every count to scale).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import geopandas as gpd
    >>> import matplotlib.pyplot as plt
    >>> from shapely.geometry import box
    >>> v = gpd.GeoDataFrame({"false_exits": [1, 5], "eligible_not_exited": [0, 0]},
    ...     geometry=[box(0, 0, 3000, 3000), box(3000, 0, 6000, 3000)], crs="EPSG:4546")
    >>> fig, ax = plt.subplots()
    >>> _ = draw_exit_checks_map(ax, v, year=2016, lang="en")
    >>> [c.get_sizes().tolist() for c in ax.collections[1:3]]  # 5 to scale; 1 hollow, as 3
    [[300], [180]]
    >>> plt.close(fig)
    """
    t = translator(lang)
    villages.plot(ax=ax, color="#f2f2f2", edgecolor="#999999", linewidth=0.5)
    points = villages.assign(geometry=villages.representative_point())
    markers = (
        ("false_exits", "o", "#c0392b", 0,
         t("不达标脱贫户（点大小=户数）", "false exits (size = households)")),
        ("eligible_not_exited", "s", "#27ae60", 300,
         t("达标未脱贫户", "eligible, not exited")),
    )  # fmt: skip
    hollow = False
    for column, marker, colour, shift, label in markers:
        count = points[column].fillna(0)
        big, small = points[count >= min_count], points[(count > 0) & (count < min_count)]
        ax.scatter(big.geometry.x + shift, big.geometry.y, s=60 * count[count >= min_count],
                   color=colour, alpha=0.8, marker=marker, label=label if len(big) else None)
        if len(small):
            ax.scatter(small.geometry.x + shift, small.geometry.y, s=60 * min_count,
                       facecolor="none", edgecolor=colour, marker=marker, linewidth=1.2,
                       label=f"{label} <{min_count}")
            hollow = True
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)  # beside the map
    finish_map(
        ax, t(f"{year}年脱贫核查（村界为近似）", f"Exit checks {year} (approximate boundaries)")
    )
    if hollow:
        note = t(
            f"空心符号：少于{min_count}户，大小不表示户数",
            f"hollow: fewer than {min_count} households, size not to scale",
        )
        _rule_note(ax, note)
    return ax


def draw_households(
    axes: Sequence[Axes],
    by_type: pd.DataFrame,
    by_cause: pd.DataFrame,
    *,
    name: str,
    year: int,
    lang: str = "zh",
    min_count: int = DEFAULT_THRESHOLD,
) -> Sequence[Axes]:
    """A village's registered households by type (left) and by main cause (right).

    Categories with fewer than ``min_count`` households are merged into one bar "其他 (<3)"
    (:func:`~fupin_analysis.disclosure.group_small`; while that bar is itself small the
    smallest other category joins it); a bar that stays small is not drawn and reads
    ``<3``. A note under the figure says so.

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
    min_count : int
        Disclosure threshold (1 draws every category).

    Returns
    -------
    sequence of matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> by_type = pd.DataFrame({"value_zh": ["一般贫困户", "低保贫困户"], "households": [9, 4]})
    >>> by_cause = pd.DataFrame({"value_zh": ["因病", "因学", "因残"], "households": [9, 1, 3]})
    >>> fig, axes = plt.subplots(1, 2)
    >>> _ = draw_households(axes, by_type, by_cause, name="李家村", year=2016)
    >>> [t.get_text() for t in axes[1].get_yticklabels()]
    ['因病', '其他 (<3)']
    >>> [float(p.get_width()) for p in axes[1].patches]
    [9.0, 4.0]
    >>> plt.close(fig)
    """
    t = translator(lang)
    other = t(f"其他 (<{min_count})", f"other (<{min_count})")
    panels = (
        (by_type, "household_type", t("贫困户属性", "Household type")),
        (by_cause, "main_cause", t("主要致贫原因", "Main cause of poverty")),
    )
    merged = False
    for ax, (table, column, title) in zip(axes, panels, strict=True):
        terms = [
            t(v, "not recorded" if v == "未填" else schema.label(column, v))
            for v in table["value_zh"]
        ]
        counts = group_small(
            pd.Series(table["households"].to_numpy(), index=terms), min_count, other
        )
        merged |= other in counts.index
        ax.set_title(title)
        if counts.empty:  # nothing recorded (or not in the roster): an empty panel says so
            ax.text(0.5, 0.5, t("无数据", "no data"), ha="center", va="center",
                    transform=ax.transAxes, color="#777777")  # fmt: skip
            ax.set_axis_off()
            continue
        ax.barh(list(counts.index), counts.fillna(0).astype(int), color="#3b6ea8")
        for y, value in enumerate(counts):
            if pd.isna(value):
                ax.text(0, y, f" <{min_count}", va="center", fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(t("户数", "households"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].figure.suptitle(
        t(f"{name} {year}年建档立卡户", f"{name}: registered households, {year}")
    )
    if merged:
        note = t(
            f"少于{min_count}户的类别并入“{other}”（必要时再并入最小的一类）",
            f"categories of fewer than {min_count} households are merged into “{other}” "
            "(with the smallest other one if need be)",
        )
        _rule_note(axes[0], note)
    return axes


def draw_pyramid(
    ax: Axes,
    wide: pd.DataFrame,
    *,
    name: str,
    year: int,
    lang: str = "zh",
    min_count: int = DEFAULT_THRESHOLD,
) -> Axes:
    """An age-sex pyramid: men to the left, women to the right, ticks as positive counts.

    A cell (age group and sex) of fewer than ``min_count`` people is not drawn and reads
    ``<3`` (:func:`~fupin_analysis.disclosure.suppress_small`); draw a village's pyramid
    with wide age groups (``indicators.age_sex_pyramid(width=10)``) so that few are.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    wide : pandas.DataFrame
        :func:`fupin_analysis.indicators.pyramid_wide` (index age group, columns 男, 女).
    name : str
        The village's name (title).
    year : int
    lang : {"zh", "en"}
    min_count : int
        Disclosure threshold (1 draws every cell).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> wide = pd.DataFrame({"男": [4, 1], "女": [3, 0]}, index=["0-9", "10-19"])
    >>> fig, ax = plt.subplots()
    >>> _ = draw_pyramid(ax, wide, name="李家村", year=2016, lang="en")
    >>> [float(p.get_width()) for p in ax.patches], [t.get_text() for t in ax.texts][:1]
    ([-4.0, 0.0, 3.0, 0.0], ['<3'])
    >>> plt.close(fig)
    """
    t = translator(lang)
    ages = [str(a) for a in wide.index]
    shown = suppress_small(wide[["男", "女"]], min_count)
    ax.barh(ages, -shown["男"].fillna(0).astype(int), color="#3b6ea8", label=t("男", "male"))
    ax.barh(ages, shown["女"].fillna(0).astype(int), color="#c0392b", label=t("女", "female"))
    for sex, side, shift in (("男", "right", -4), ("女", "left", 4)):
        for y, value in enumerate(shown[sex]):
            if pd.isna(value):
                ax.annotate(f"<{min_count}", (0, y), xytext=(shift, 0), textcoords="offset points",
                            ha=side, va="center", fontsize=7)  # fmt: skip
    ax.axvline(0, color="black", lw=0.6)
    widest = max(min_count, int(shown.fillna(0).to_numpy().max(initial=0)))
    ax.set_xlim(-1.15 * widest, 1.15 * widest)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):g}"))
    ax.set_xlabel(t("人数", "people"))
    ax.set_ylabel(t("年龄组", "age group"))
    ax.legend(loc="upper right")
    ax.set_title(
        t(
            f"{name}建档立卡人口年龄性别结构（{year}年）",
            f"{name}: registered poor by age and sex, {year}",
        )
    )
    if shown.isna().to_numpy().any():
        _rule_note(ax, _small_note(min_count, lang, "人数", "Cells of people"))
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
