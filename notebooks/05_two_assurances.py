# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 寨市乡 2016 年“两不愁三保障”与脱贫核查
# *Two assurances and three guarantees, a multidimensional poverty index and exit checks,
# 寨市乡 2016*
#
# A registered household may exit poverty when its per-capita income is above the
# national line and 两不愁三保障 are met: food and clothing, compulsory education, basic
# medical care, safe housing, and (a later check) safe drinking water. This notebook
# measures each criterion per household from the roster, combines them into an
# Alkire-Foster index by village, and checks exits against the criteria: households
# marked exited that fail one, and households that meet them all but are still registered.

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village registry: population
geography: str = "../data/raw/zhaishi_geography.gpkg"  # village polygons (layer "villages")
year: int = 2016  # year whose poverty line the income is compared with
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
person_weighted: bool = False  # count people instead of households in the index
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "05_two_assurances"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from fupin_analysis import assurances, clean_roster, geo, indicators, outputs, plots, reference
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster, registry, geography)


def t(zh: str, en: str) -> str:
    """A label in the notebook's language (romanised when no CJK font)."""
    return plots.tr(zh) if lang == "zh" else en


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=indicators.HEADERS_ZH) if lang == "zh" else frame


# %%
ref = load_reference()
clean = clean_roster(roster)
reg = reference.read_village_registry(registry)
status = assurances.two_assurances(clean.members, clean.households, year, ref)
weight = "members" if person_weighted else None
overall = assurances.alkire_foster(status, k=k, unit_weight=weight)
by_village = assurances.alkire_foster(status, k=k, by="village_code", unit_weight=weight)
display(shown(overall.index).round(3))

# %% [markdown]
# ## Deprivation in each dimension
#
# `headcount` is the share of households deprived in a dimension; `censored_headcount`
# the share both deprived in it and multidimensionally poor (deprived in at least a
# share *k* of the weighted dimensions); `contribution` the dimension's share of M0.
# A criterion the roster does not record (missing income, insurance or water) counts
# as not met: it cannot justify an exit.

# %%
dims = overall.dimensions.assign(label=lambda d: d["dimension"].map(assurances.DIMENSION_LABELS_ZH))
display(shown(dims).round(3))
fig, ax = plt.subplots(figsize=(7, 4))
ylabels = [t(z, e) for z, e in zip(dims["label"], dims["dimension"], strict=True)]
y = range(len(dims))
ax.barh([i - 0.2 for i in y], dims["headcount"], height=0.4, color="#9db4d3",
        label=t("剥夺率", "deprived"))
ax.barh([i + 0.2 for i in y], dims["censored_headcount"], height=0.4, color="#3b6ea8",
        label=t("剥夺且多维贫困", "deprived and multidimensionally poor"))
ax.set_yticks(list(y), ylabels)
ax.invert_yaxis()
ax.xaxis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0))
ax.set_xlabel(t("户占比", "share of households"))
ax.set_title(t(f"{year}年各维度剥夺率（k = {k:.2f}）", f"Deprivation by dimension, {year} (k = {k:.2f})"))
ax.legend(loc="lower right")
_ = plots.save_figure(fig, "deprivation_by_dimension", output_dir=output_dir, prefix=figure_prefix)

# %%
H, A, M0 = overall.index.loc[0, ["H", "A", "M0"]]
top = dims.sort_values("contribution", ascending=False).iloc[0]
display(
    Markdown(
        f"Across the township {H:.1%} of registered households are multidimensionally poor "
        f"at k = {k:.2f}; on average they are deprived in {A:.0%} of the weighted "
        f"dimensions, so M0 = {M0:.3f}. The largest contribution comes from "
        f"{top['label']} ({top['contribution']:.0%}). Most registered households fall short "
        f"on income alone, which by itself does not reach the cut-off: the index picks out "
        f"the households whose income poverty comes with a failed guarantee."
    )
)

# %% [markdown]
# ## By village

# %%
index_v = by_village.index.assign(
    village_name=lambda d: d["village_code"].map(ref.villages.set_index("code")["name"])
)
contrib = by_village.dimensions.pivot(index="village_code", columns="dimension", values="contribution")
display(shown(index_v).round(3))
display(contrib[list(assurances.DIMENSIONS)].round(2))
_ = outputs.save_table(index_v, "af_by_village", output_dir=output_dir, prefix=figure_prefix,
                  headers_zh=indicators.HEADERS_ZH)
_ = outputs.save_table(by_village.dimensions, "af_dimensions_by_village", output_dir=output_dir,
                  prefix=figure_prefix, headers_zh=indicators.HEADERS_ZH)

# %% [markdown]
# ## Exit checks
#
# `false_exits`: households marked exited that fail at least one criterion.
# `eligible_not_exited`: households that meet every criterion but are still registered
# as poor; the dynamic adjustment of late November (FACTS §1) is the moment to review both.

# %%
checks = assurances.exit_checks(status)
checks_v = assurances.exit_checks_by_village(checks, ref)
display(shown(checks_v))
failed = checks.loc[checks["false_exit"], "failed"].value_counts()
display(failed.rename_axis(t("未达标项", "criteria failed")).to_frame(t("户数", "households")))
_ = outputs.save_table(checks_v, "exit_checks_by_village", output_dir=output_dir,
                  prefix=figure_prefix, headers_zh=indicators.HEADERS_ZH)
line = assurances.village_exit_line(clean.members, clean.households, reg, ref)
_ = outputs.save_table(line, "village_exit_line", output_dir=output_dir, prefix=figure_prefix,
                  headers_zh=indicators.HEADERS_ZH)
designated_below = line.loc[line["designated"] & line["below_line"], "village_name"].tolist()
display(
    Markdown(
        f"{int(checks['false_exit'].sum())} households are marked exited but fail a "
        f"criterion; {int(checks['eligible_not_exited'].sum())} meet every criterion but are "
        f"still registered. {int(line['below_line'].sum())} of {len(line)} units have a "
        f"remaining poverty incidence under the {ref.policy.village_exit_incidence:.0%} "
        f"village exit line; designated villages among them: "
        f"{'、'.join(designated_below) or 'none'}."
    )
)

# %% [markdown]
# ## Maps
#
# Village boundaries are **approximate** (no public boundaries exist; FACTS §2): read the
# maps as a schematic of which village, not where exactly.

# %%
villages = gpd.read_file(geography, layer="villages")
villages = villages.to_crs(geo.metric_crs(villages))
mapped = villages.merge(by_village.index, left_on="code", right_on="village_code", how="left")
mapped = mapped.merge(checks_v, left_on="code", right_on="village_code", how="left",
                      suffixes=("", "_checks"))
mapped = mapped.merge(line[["village_code", "incidence_remaining", "below_line"]],
                      left_on="code", right_on="village_code", how="left",
                      suffixes=("", "_line"))

fig, axes = plt.subplots(1, 2, figsize=(12, 6), layout="constrained")
mapped.plot(column="M0", cmap="OrRd", legend=True, ax=axes[0], edgecolor="white", linewidth=0.5,
            legend_kwds={"label": "M0", "shrink": 0.6},
            missing_kwds={"color": "#eeeeee", "label": t("无数据", "no data")})
axes[0].set_title(t(f"多维贫困指数 M0（k = {k:.2f}）", f"Adjusted headcount M0 (k = {k:.2f})"))
mapped.plot(column="incidence_remaining", cmap="Blues", legend=True, ax=axes[1],
            edgecolor="white", linewidth=0.5,
            legend_kwds={"label": t("剩余贫困发生率", "remaining incidence"), "shrink": 0.6})
mapped[mapped["below_line"].fillna(False).astype(bool)].boundary.plot(
    ax=axes[1], color="green", linewidth=2
)
mapped[mapped["designated"].fillna(False).astype(bool)].boundary.plot(
    ax=axes[1], color="black", linewidth=1, linestyle="--"
)
axes[1].set_title(t(f"{year}年剩余贫困发生率（绿框：低于2%；虚线：省定贫困村）",
                    f"Remaining incidence {year} (green: under 2%; dashed: designated)"))
for ax in axes:
    ax.set_axis_off()
    plots.north_arrow(ax)
    plots.scale_bar(ax)
fig.suptitle(t("寨市乡（村界为近似）", "寨市乡 (approximate village boundaries)"))
_ = plots.save_figure(fig, "m0_and_exit_line_maps", output_dir=output_dir, prefix=figure_prefix)

# %%
fig, ax = plt.subplots(figsize=(7, 7.5))
mapped.plot(ax=ax, color="#f2f2f2", edgecolor="#999999", linewidth=0.5)
pts = mapped.assign(geometry=mapped.representative_point())
has_false = pts[pts["false_exits"].fillna(0) > 0]
has_eligible = pts[pts["eligible_not_exited"].fillna(0) > 0]
ax.scatter(has_false.geometry.x, has_false.geometry.y, s=60 * has_false["false_exits"],
           color="#c0392b", alpha=0.8, label=t("不达标脱贫户（点大小=户数）", "false exits (size = households)"))
ax.scatter(has_eligible.geometry.x + 300, has_eligible.geometry.y,
           s=60 * has_eligible["eligible_not_exited"], color="#27ae60", alpha=0.8, marker="s",
           label=t("达标未脱贫户", "eligible, not exited"))
ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.0), frameon=False)
ax.set_axis_off()
plots.north_arrow(ax)
plots.scale_bar(ax)
ax.set_title(t(f"{year}年脱贫核查（村界为近似）", f"Exit checks {year} (approximate boundaries)"))
_ = plots.save_figure(fig, "exit_checks_map", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# **Caveats.** The criteria are measured from the roster's own indicators, which are
# what the office recorded, not a survey: an income "above the line" is the registered
# per-capita net income, and a missing indicator counts as not met. With equal weights
# and k = 1/3 a household must fail two of five criteria to be multidimensionally poor;
# the index ranks villages, and the exit checks, not the index, decide single cases.
