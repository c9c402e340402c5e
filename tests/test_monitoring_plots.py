"""Tests of fupin_analysis.monitoring_plots: each chart draws what its data say.

The figures of the default report are compared by bytes in the report run (see
docs/monitoring.md); here each ``draw_*`` function is checked for the artists it adds:
bar lengths, colours, labels, titles, legend entries and, on the maps, which units are
outlined and where the markers are.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PatchCollection, PathCollection
from matplotlib.colors import to_hex
from shapely.geometry import box

from fupin_analysis import monitoring_plots as mp
from fupin_analysis import plots


@pytest.fixture(autouse=True)
def style():
    plots.use_style()
    yield
    plt.close("all")


def _texts(labels) -> list[str]:
    return [t.get_text() for t in labels]


def _title(ax) -> str:
    """The title in the house style's place (left)."""
    return ax.get_title(loc=mpl.rcParams["axes.titlelocation"])


def _legend(ax) -> list[str]:
    return _texts(ax.get_legend().get_texts())


def test_draw_rules_colours_refusals_and_labels_counts():
    rules = pd.DataFrame({"rule": ["id_mangled", "text_normalised"], "rows": [18, 1200],
                          "refused": [True, False]})  # fmt: skip
    fig, ax = plt.subplots()
    mp.draw_rules(ax, rules, synthetic=True, lang="zh")
    assert [p.get_width() for p in ax.patches] == [18, 1200]
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#c0392b", "#2c7fb8"]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.texts] == [" 18", " 1,200"]
    assert plots.tr("（合成数据）") in _title(ax)
    # the first rule is drawn at the top
    assert ax.yaxis_inverted()


def test_draw_rules_names_rules_in_chinese_for_zh_and_by_key_for_en():
    rules = pd.DataFrame({"rule": ["id_mangled", "text_normalised"], "rows": [18, 1200],
                          "refused": [True, False]})  # fmt: skip
    fig, ax = plt.subplots()
    mp.draw_rules(ax, rules, lang="zh")
    assert _texts(ax.get_yticklabels()) == [
        plots.tr("身份证号被Excel改写（拒收）"), plots.tr("文本规范化")
    ]
    fig, ax = plt.subplots()
    mp.draw_rules(ax, rules, lang="en")
    assert _texts(ax.get_yticklabels()) == ["id_mangled", "text_normalised"]


def test_draw_village_evidence_names_evidence_in_chinese_for_zh():
    evidence = pd.DataFrame({"assumed": [0, 200], "same_name": [15, 0]}, index=["李家村", "铁坡村"])
    fig, ax = plt.subplots()
    mp.draw_village_evidence(ax, evidence, lang="zh")
    assert _legend(ax) == [plots.tr("推定对应"), plots.tr("同名")]


def test_every_cleaning_rule_has_a_chinese_name():
    from fupin_analysis.clean.rules import RULES

    assert set(RULES) == set(mp.RULE_NAMES_ZH)


def test_count_axes_have_integer_ticks():
    evidence = pd.DataFrame({"same_name": [4, 5]}, index=["李家村", "铁坡村"])
    fig, ax = plt.subplots()
    mp.draw_village_evidence(ax, evidence, lang="en", min_count=1)
    fig.canvas.draw()
    ticks = ax.get_xticks()
    assert len(ticks) > 1 and all(float(t).is_integer() for t in ticks)


@pytest.mark.parametrize("men, women", [([40, 3], [5, 4]), ([3, 4], [25, 9]), ([7, 7], [7, 7])])
def test_draw_pyramid_is_symmetric(men, women):
    wide = pd.DataFrame({"男": men, "女": women}, index=["0-9", "10-19"])
    fig, ax = plt.subplots()
    mp.draw_pyramid(ax, wide, name="李家村", year=2016, lang="en")
    fig.canvas.draw()
    low, high = ax.get_xlim()
    assert low == -high and high >= max(men + women)
    ticks = [t for t in ax.get_xticks() if low <= t <= high]
    assert sorted(ticks) == sorted(-t for t in ticks)  # the same ticks on both sides
    assert all(float(t).is_integer() for t in ticks)


def test_draw_rules_without_any_rule_says_so():
    empty = pd.DataFrame({"rule": [], "rows": [], "refused": []})
    fig, ax = plt.subplots()
    mp.draw_rules(ax, empty, lang="en")
    assert ax.get_xscale() == "linear" and not ax.patches
    assert _texts(ax.texts) == [plots.tr("没有规则改动任何行", lang="en")]
    assert plots.tr("合成数据", lang="en") not in _title(ax)


def test_draw_village_evidence_stacks_people_by_evidence():
    evidence = pd.DataFrame({"assumed": [0, 200], "same_name": [15, 0], "code_shift": [0, 30]},
                            index=["李家村", "铁坡村"])  # fmt: skip
    fig, ax = plt.subplots()
    mp.draw_village_evidence(ax, evidence, lang="en")
    assert len(ax.patches) == 6
    widths = [p.get_width() for p in ax.patches]
    assert widths == [0, 200, 15, 0, 0, 30]  # one column of evidence after the other
    assert _texts(ax.get_yticklabels()) == ["Li Jia Cun", "Tie Po Cun"]
    assert _legend(ax) == ["assumed", "same_name", "code_shift"]


def test_draw_roster_vs_published_places_each_ratio():
    ratios = pd.DataFrame({"figure": ["registered_people", "exited_people"],
                           "label_zh": ["贫困人口", "2016年脱贫人口"],
                           "clean_only": [0.99, 0.98], "with_quarantined": [1.0, 1.0]})
    fig, ax = plt.subplots()
    mp.draw_roster_vs_published(ax, ratios, year=2016, lang="zh")
    clean, with_q = ax.collections
    assert clean.get_offsets().tolist() == [[0.99, 0], [0.98, 1]]
    assert with_q.get_offsets().tolist() == [[1.0, 0], [1.0, 1]]
    assert _texts(ax.get_yticklabels()) == [plots.tr("贫困人口"), plots.tr("2016年脱贫人口")]
    assert [line.get_xdata()[0] for line in ax.lines] == [1.0]
    assert _legend(ax) == [plots.tr("清洗后名册"), plots.tr("含隔离记录")]
    fig, ax = plt.subplots()
    mp.draw_roster_vs_published(ax, ratios, year=2016, lang="en")
    assert _texts(ax.get_yticklabels()) == ["registered_people", "exited_people"]
    assert _title(ax) == "Work summary 2016: roster against published figures"


def _dims() -> pd.DataFrame:
    return pd.DataFrame({"dimension": ["income", "housing"],
                         "label": ["吃穿不愁(收入)", "住房安全"],
                         "headcount": [0.6, 0.25], "censored_headcount": [0.3, 0.2]})


def test_draw_deprivation_two_bars_per_dimension():
    fig, ax = plt.subplots()
    mp.draw_deprivation(ax, _dims(), k=0.4, year=2016, lang="en")
    bars = [(round(p.get_y() + p.get_height() / 2, 2), p.get_width()) for p in ax.patches]
    assert bars == [(-0.2, 0.6), (0.8, 0.25), (0.2, 0.3), (1.2, 0.2)]
    assert _texts(ax.get_yticklabels()) == ["income", "housing"]
    assert _title(ax) == "Deprivation by dimension, 2016 (k = 0.40)"
    assert _legend(ax) == ["deprived", "deprived and multidimensionally poor"]
    assert ax.xaxis.get_major_formatter()(0.5, 0) == "50%"


def _villages() -> gpd.GeoDataFrame:
    """Three 1 km squares in a metric CRS with the columns of villages_with_assurances."""
    return gpd.GeoDataFrame(
        {
            "code": ["a", "b", "c"],
            "designated": [False, True, False],
            "M0": [0.1, 0.3, np.nan],
            "incidence_remaining": [0.01, 0.2, 0.05],
            "below_line": [True, False, np.nan],
            "false_exits": [0, 2, np.nan],
            "eligible_not_exited": [1, 0, np.nan],
        },
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
        crs="EPSG:4546",
    )


def test_draw_m0_and_exit_line_outlines_units_under_the_line():
    fig, axes = plt.subplots(1, 2)
    mp.draw_m0_and_exit_line(axes, _villages(), k=0.4, year=2016, lang="en", place="西江镇",
                             exit_line=0.03)
    m0, line = axes
    coloured = [c for c in m0.collections if isinstance(c, PatchCollection)]
    grey = coloured[0].get_facecolor()[2]
    assert to_hex(grey) == "#ededed"  # "c" has no data
    # M0 by natural breaks, with class counts; "no data" listed
    assert _legend(m0) == ["≤ 0.10 (1)", "0.10–0.30 (1)", "no data (1)"]
    outlines = [c for c in line.collections if isinstance(c, LineCollection)]
    green, dashed = outlines
    assert to_hex(green.get_colors()[0]) == "#008000" and len(green.get_segments()) == 1
    assert green.get_segments()[0][:, 0].max() == 1000  # unit "a"
    assert dashed.get_linestyle()[0][1] is not None and len(dashed.get_segments()) == 1
    assert dashed.get_segments()[0][:, 0].min() == 1000  # unit "b", designated
    assert _title(m0) == "Adjusted headcount M0 (k = 0.40, natural breaks)"
    assert _title(line) == "Remaining incidence 2016"
    # the incidence classes and palette of notebook 03, every outline in the legend
    assert _legend(line) == [
        "≤ 2% (1)", "2%–5% (1)", "5%–10% (0)", "10%–15% (0)", "15%–20% (1)", "20%–30% (0)",
        "> 30% (0)", "under the exit line of 3%", "designated village",
    ]  # fmt: skip
    fills = [c for c in line.collections if isinstance(c, PatchCollection)][0].get_facecolor()
    palette = plt.get_cmap(plots.QUANTITY_CMAPS["incidence"])
    assert to_hex(fills[0]) == to_hex(palette(0.12))
    fig.canvas.draw()
    for ax in axes:  # legends under the maps, not on them
        assert ax.get_legend().get_window_extent().y1 <= ax.get_window_extent().y0 + 1
    for ax in axes:
        assert not ax.axison
        assert "N" in _texts(ax.texts)  # north arrow
        assert ax.artists  # scale bar
    assert fig._suptitle.get_text() == "西江镇 (approximate village boundaries)"


def test_draw_exit_checks_map_marks_false_exits_and_eligible():
    fig, ax = plt.subplots()
    mp.draw_exit_checks_map(ax, _villages(), year=2016, lang="en", min_count=1)
    false, eligible = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert false.get_offsets().tolist() == [[1500.0, 500.0]]  # unit "b": 2 false exits
    assert false.get_sizes().tolist() == [120.0]
    assert eligible.get_offsets().tolist() == [[800.0, 500.0]]  # unit "a", 300 m east
    assert eligible.get_sizes().tolist() == [60.0]
    assert _legend(ax) == ["false exits (size = households)", "eligible, not exited"]
    assert _title(ax) == "Exit checks 2016 (approximate boundaries)"
    assert not ax.axison and ax.artists


def test_the_exit_checks_map_does_not_draw_small_counts_to_scale():
    fig, ax = plt.subplots()
    mp.draw_exit_checks_map(ax, _villages(), year=2016, lang="en")
    drawn = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    assert [c.get_sizes().tolist() for c in drawn] == [[180.0], [180.0]]  # 2 and 1: as 3
    assert all(len(c.get_facecolor()) == 0 or c.get_facecolor()[0][3] == 0 for c in drawn)
    # nothing drawn to scale: no legend entry for it (it was a dot of size 0)
    assert _legend(ax) == ["false exits (size = households) <3", "eligible, not exited <3"]
    assert "hollow: fewer than 3 households, size not to scale" in _texts(ax.texts)
    fig.canvas.draw()  # the legend beside the map, clear of the note under it
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1 - 1


def test_draw_households_two_panels_with_labels():
    by_type = pd.DataFrame({"value_zh": ["一般贫困户", "未填"], "households": [10, 2]})
    by_cause = pd.DataFrame({"value_zh": ["因病"], "households": [7]})
    fig, axes = plt.subplots(1, 2)
    mp.draw_households(axes, by_type, by_cause, name="李家村", year=2016, lang="en",
                       min_count=1)
    assert [p.get_width() for p in axes[0].patches] == [10, 2]
    assert _texts(axes[0].get_yticklabels())[1] == "not recorded"
    assert [p.get_width() for p in axes[1].patches] == [7]
    assert [_title(ax) for ax in axes] == ["Household type", "Main cause of poverty"]
    assert fig._suptitle.get_text() == "李家村: registered households, 2016"


def test_draw_households_merges_small_categories():
    """Issue 15: no bar of a village's chart is 1 or 2 households."""
    by_type = pd.DataFrame({"value_zh": ["一般贫困户", "低保贫困户", "特困供养贫困户"],
                            "households": [10, 2, 4]})
    by_cause = pd.DataFrame({"value_zh": ["因病", "因学"], "households": [1, 1]})
    fig, axes = plt.subplots(1, 2)
    mp.draw_households(axes, by_type, by_cause, name="李家村", year=2016, lang="zh")
    assert _texts(axes[0].get_yticklabels()) == ["一般贫困户", "其他 (<3)"]
    assert [p.get_width() for p in axes[0].patches] == [10, 6]  # 2 and, with it, the 4
    assert [p.get_width() for p in axes[1].patches] == [0]  # 1 + 1 stays small: no bar
    assert "<3" in _texts(axes[1].texts)[0]
    assert any("少于3户的类别并入" in t for t in _texts(axes[0].texts))


def test_draw_households_of_a_village_without_households():
    empty = pd.DataFrame({"value_zh": [], "households": []})
    fig, axes = plt.subplots(1, 2)
    mp.draw_households(axes, empty, empty, name="岩塘村", year=2016, lang="zh")
    assert not axes[0].patches and not axes[1].patches


def test_draw_pyramid_men_left_women_right():
    wide = pd.DataFrame({"男": [2, 1], "女": [3, 0]}, index=["0-4", "5-9"])
    fig, ax = plt.subplots()
    mp.draw_pyramid(ax, wide, name="李家村", year=2016, lang="en", min_count=1)
    assert [p.get_width() for p in ax.patches] == [-2, -1, 3, 0]
    assert all(not t.startswith("-") for t in _texts(ax.get_xticklabels()))
    assert _legend(ax) == ["male", "female"]
    assert ax.get_ylabel() == "age group"


def test_draw_pyramid_leaves_out_small_cells():
    wide = pd.DataFrame({"男": [2, 7], "女": [3, 0]}, index=["0-9", "10-19"])
    fig, ax = plt.subplots()
    mp.draw_pyramid(ax, wide, name="李家村", year=2016, lang="en")
    assert [p.get_width() for p in ax.patches] == [0, -7, 3, 0]
    assert _texts(ax.texts)[0] == "<3"
    assert "Cells of people below 3 are not drawn to scale (shown as <3)" in _texts(ax.texts)


def test_draw_village_vs_township():
    compare = pd.DataFrame({"dimension": ["income", "water"],
                            "label": ["吃穿不愁(收入)", "饮水安全"],
                            "village": [0.5, np.nan], "township": [0.4, 0.1]})
    fig, ax = plt.subplots()
    mp.draw_village_vs_township(ax, compare, name="李家村", year=2016, lang="zh")
    widths = [p.get_width() for p in ax.patches]
    assert widths[0] == 0.5 and np.isnan(widths[1]) and widths[2:] == [0.4, 0.1]
    assert _legend(ax) == [plots.tr("李家村"), plots.tr("全乡")]
    assert _texts(ax.get_yticklabels()) == [plots.tr("吃穿不愁(收入)"), plots.tr("饮水安全")]
