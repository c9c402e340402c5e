# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 寨市乡贫困的空间集聚：发生率、集中度与局部聚类
# *Spatial concentration of poverty in 寨市乡: incidence, concentration and local clusters*
#
# Where are the poor of the township? This notebook computes each village's poverty
# incidence for the chosen year (with confidence intervals, and smoothed by empirical
# Bayes because villages are small), measures how concentrated the poor are and whether
# the 11 provincial-designated villages (省定贫困村) are where incidence is highest, checks
# which villages are below the 2% village exit line, and tests for spatial clustering with
# global and local Moran's I and Getis-Ord Gi* (esda, libpysal).

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
geography: str = "../data/raw/zhaishi_geography.gpkg"  # village polygons (layer "villages")
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village population (denominators)
year: int = 2016  # incidence at the end of this year
count: str = "not_exited"  # numerator: "not_exited" (after the exits of the year) or "registered"
rate: str = "incidence"  # variable of Moran/LISA/Gi*: "incidence" or "eb" (never "seb")
weights: str = "queen"  # spatial weights: queen, rook, knn:K or distance:METRES
permutations: int = 9999  # permutations of the pseudo p-values (at least 9,999)
seed: int = 0  # seed of the permutations
alpha: float = 0.05  # significance level
output_dir: str = ""  # report run folder; empty: write nothing
figure_prefix: str = "03_spatial_concentration"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.patches import Patch

from fupin_analysis import clean_roster, geo, outputs, plots, reference, spatial
from fupin_analysis.errors import ConfigError
from fupin_analysis.provenance import is_synthetic

plots.use_style()
outputs.show_banner(roster, geography, registry)

# %%
if rate not in ("incidence", "eb"):
    raise ConfigError(f"rate={rate!r}: use 'incidence' or 'eb' (spatial smoothing creates autocorrelation)")

clean = clean_roster(roster)
villages = geo.read_geography(geography).villages
reg = reference.read_village_registry(registry)
denominators = reg[["code", "population"]].merge(
    villages[["code", "name", "designated"]], on="code", how="left", validate="one_to_one"
)
inc = spatial.incidence(clean.households, denominators, year, count=count)
registered = spatial.incidence(clean.households, denominators, year, count="registered")

gdf = (
    villages[["code", villages.geometry.name]]
    .merge(inc, on="code", validate="one_to_one")
    .set_index("code")
)
gdf = gdf.to_crs(geo.metric_crs(gdf))
gdf = gdf.join(spatial.eb_rates(gdf, weights=weights))
synthetic = is_synthetic(roster)


def t(zh: str, en: str) -> str:
    """A label in the notebook's language, drawable with or without a CJK font."""
    return plots.tr(zh) if lang == "zh" else en


def short(name: str) -> str:
    """A village name as a map label."""
    return plots.tr(name.removesuffix("村"), lang=lang)


suffix = t("（合成数据）", " (synthetic data)") if synthetic else ""
what = t("剩余贫困人口", "poor not yet exited") if count == "not_exited" else t("建档立卡贫困人口", "registered poor")
what_en = "poor not yet exited" if count == "not_exited" else "registered poor"
display(
    Markdown(
        f"**{len(gdf)} villages**, {int(gdf['population'].sum()):,} registered residents, "
        f"{int(gdf['poor'].sum()):,} {what_en} at the end of {year} "
        f"(incidence {gdf['poor'].sum() / gdf['population'].sum():.1%}); "
        f"{int(registered['poor'].sum()):,} registered poor in all."
    )
)

# %% [markdown]
# ## Incidence by village
#
# Incidence is poor people over the village's registered population. With a few hundred
# residents per village a handful of households moves the rate by a point, so the table
# gives the Wilson 95% interval and two smoothed rates: empirical Bayes (`eb`, shrunk toward
# the township rate, the more the smaller the village) and spatial empirical Bayes (`seb`,
# shrunk toward the rate of the village and its neighbours).

# %%
table = gdf.drop(columns=gdf.geometry.name).reset_index()
table = table[
    ["code", "name", "designated", "population", "poor", "incidence", "ci_low", "ci_high", "eb", "seb"]
].sort_values("incidence", ascending=False)
headers_zh = {
    "code": "村代码",
    "name": "村名",
    "designated": "省定贫困村",
    "population": "户籍人口",
    "poor": "贫困人口",
    "incidence": "贫困发生率",
    "ci_low": "95%区间下限",
    "ci_high": "95%区间上限",
    "eb": "经验贝叶斯平滑",
    "seb": "空间经验贝叶斯平滑",
}
_ = outputs.save_table(table, "incidence", output_dir=output_dir, prefix=figure_prefix, headers_zh=headers_zh)
display(table.rename(columns=headers_zh if lang == "zh" else {}).round(4))


# %%
def village_map(ax, column, *, vmax, title):
    """Choropleth of one rate, designated villages outlined, with north arrow and scale."""
    gdf.plot(column=column, ax=ax, cmap="OrRd", vmin=0, vmax=vmax, edgecolor="white", linewidth=0.5)
    gdf[gdf["designated"]].boundary.plot(ax=ax, color="black", linewidth=1.6)
    for row in gdf[gdf.area > 2e6].itertuples():  # small urban units stay unlabelled
        p = row.geometry.representative_point()
        ax.annotate(short(row.name), (p.x, p.y), ha="center", va="center", fontsize=6 if lang == "zh" else 5)
    ax.set_title(title)
    ax.set_axis_off()
    plots.north_arrow(ax)
    plots.scale_bar(ax)


vmax = float(gdf[["incidence", "eb", "seb"]].max().max())
fig, axes = plt.subplots(1, 3, figsize=(13, 5.2), layout="constrained")
for ax, column, zh, en in zip(
    axes,
    ["incidence", "eb", "seb"],
    ["贫困发生率（原始）", "经验贝叶斯平滑", "空间经验贝叶斯平滑"],
    ["Incidence (raw)", "Empirical Bayes", "Spatial empirical Bayes"],
    strict=True,
):
    village_map(ax, column, vmax=vmax, title=t(zh, en))
sm = plt.cm.ScalarMappable(cmap="OrRd", norm=plt.Normalize(0, vmax))
fig.colorbar(sm, ax=axes, shrink=0.6, label=t("贫困发生率", "incidence"), format="{x:.0%}")
axes[0].legend(
    handles=[Patch(facecolor="none", edgecolor="black", linewidth=1.6, label=t("省定贫困村", "designated village"))],
    loc="lower right",
    fontsize=7,
)
fig.suptitle(t(f"寨市乡各村{what}发生率，{year}年末（村界为近似）", f"Poverty incidence by village, end of {year} ({what}; approximate boundaries)") + suffix)
_ = plots.save_figure(fig, "incidence_maps", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## Concentration and designation
#
# The designated villages' share of the poor against their share of the population, the
# Gini and Hoover indices of the poor over villages (0: every village has the same
# incidence), location quotients (a village's incidence over the township's), and the
# villages a plain ranking by incidence would have designated.

# %%
conc = spatial.concentration(inc)
_ = outputs.save_table(conc, "concentration", output_dir=output_dir, prefix=figure_prefix)
display(conc.round(4))
lq = spatial.location_quotients(inc).sort_values("lq", ascending=False)
_ = outputs.save_table(lq, "location_quotients", output_dir=output_dir, prefix=figure_prefix)
overlap = spatial.designation_overlap(inc)
overlap_eb = spatial.designation_overlap(table, by="eb")
_ = outputs.save_table(overlap, "designation_overlap", output_dir=output_dir, prefix=figure_prefix)
display(overlap)

# %%
curve = spatial.lorenz_curve(inc)
c = conc.set_index("measure")["value"]
fig, ax = plt.subplots(figsize=(5.5, 5.2))
ax.plot([0, 1], [0, 1], color="grey", lw=0.8, label=t("均等分布", "equal incidence"))
ax.plot(curve["cum_population_share"], curve["cum_poor_share"], color="C0", marker=".", label=t("洛伦兹曲线", "Lorenz curve"))
des = curve["designated"].fillna(False).astype(bool)
ax.scatter(
    curve.loc[des, "cum_population_share"],
    curve.loc[des, "cum_poor_share"],
    color="C3",
    zorder=3,
    label=t("省定贫困村", "designated village"),
)
ax.set_xlabel(t("累计人口占比（按发生率由低到高）", "cumulative share of population (by incidence)"))
ax.set_ylabel(t("累计贫困人口占比", "cumulative share of the poor"))
ax.text(0.05, 0.9, f"Gini = {c['gini']:.3f}\nHoover = {c['hoover']:.3f}", transform=ax.transAxes)
ax.set_title(t(f"贫困人口在各村间的分布，{year}年", f"Distribution of the poor over villages, {year}") + suffix)
ax.legend(loc="lower right")
_ = plots.save_figure(fig, "lorenz_curve", output_dir=output_dir, prefix=figure_prefix)

# %%
both = overlap.loc[overlap["agreement"] == "both", "name"].tolist()
designated_only = overlap.loc[overlap["agreement"] == "designated only", "name"].tolist()
ranking_only = overlap.loc[overlap["agreement"] == "ranking only", "name"].tolist()
n_des = int(c["designated_villages"])
display(
    Markdown(
        f"The {n_des} designated villages hold {c['designated_share_of_poor']:.1%} of the poor "
        f"and {c['designated_share_of_population']:.1%} of the population (ratio "
        f"{c['designated_concentration_ratio']:.2f}); their incidence is "
        f"{c['incidence_designated']:.1%} against {c['incidence_other']:.1%} elsewhere. "
        f"Gini {c['gini']:.3f}, Hoover {c['hoover']:.3f}: to equalise incidence, "
        f"{c['hoover']:.0%} of the poor would have to be in another village.\n\n"
        f"A ranking by {year} incidence would have designated {int(c['designation_overlap'])} "
        f"of the {n_des} ({', '.join(both) or 'none'}); it would have left out "
        f"{', '.join(designated_only) or 'none'} and taken {', '.join(ranking_only) or 'none'} "
        f"instead. Ranked by the empirical Bayes rate, the overlap is "
        f"{int((overlap_eb['agreement'] == 'both').sum())}. Designation predates these counts "
        f"and used criteria beyond incidence, and the incidence here is "
        f"{'after' if count == 'not_exited' else 'before'} the year's exits, so a mismatch "
        f"is a question to ask, not an error found."
    )
)

# %% [markdown]
# ## The village exit line
#
# A village may exit poverty when its incidence is below 2% (Hunan; 《关于建立贫困退出机制的意见》,
# 2016). `still_to_exit` is how many more people would have to exit for the village to be
# below the line. This only makes sense for the poor not yet exited (`count="not_exited"`).

# %%
if count == "not_exited":
    exit_line = spatial.exit_line_status(inc).sort_values("incidence")
    outputs.save_table(exit_line, "exit_line", output_dir=output_dir, prefix=figure_prefix)
    display(exit_line)
    below = exit_line[exit_line["below_line"]]
    display(
        Markdown(
            f"At the end of {year}, {len(below)} of {len(exit_line)} villages are below the 2% line"
            f" ({', '.join(below['name']) or 'none'}), {int(below['designated'].sum())} of them "
            f"designated. The others need {int(exit_line['still_to_exit'].sum()):,} more exits."
        )
    )
else:
    display(Markdown("Skipped: the exit line needs `count=\"not_exited\"`."))

# %% [markdown]
# ## Global spatial autocorrelation
#
# Moran's I of the village rate on row-standardised weights: positive when neighbouring
# villages have similar rates. `p_norm` is the analytical (normal) p-value, `p_sim` the
# pseudo p-value of random permutations of the rates over the villages.

# %%
moran = spatial.global_moran(gdf, rate, weights=weights, permutations=permutations, seed=seed)
moran_eb = spatial.global_moran(gdf, "eb", weights=weights, permutations=permutations, seed=seed)
moran_table = moran.to_frame()
_ = outputs.save_table(moran_table, "global_moran", output_dir=output_dir, prefix=figure_prefix)
display(moran_table)
verdict = "significant" if moran.p_sim < alpha else "not significant"
display(
    Markdown(
        f"Moran's I of `{rate}` = {moran.I:.3f} (expected {moran.EI:.3f} without "
        f"autocorrelation; z = {moran.z_norm:.2f}, p_norm = {moran.p_norm:.2g}, "
        f"p_sim = {moran.p_sim:.4f} with {permutations:,} permutations): {verdict} at "
        f"{alpha}. On the empirical Bayes rate I = {moran_eb.I:.3f} (p_sim = "
        f"{moran_eb.p_sim:.4f}). Islands (villages without neighbours): "
        f"{', '.join(gdf.loc[list(moran.islands), 'name']) or 'none'}."
    )
)

# %% [markdown]
# ## Local clusters
#
# Local Moran's I (LISA) labels each village High-High, Low-Low (a cluster of high or low
# rates), High-Low or Low-High (an outlier) when its conditional-permutation p-value is below
# alpha. With about thirty villages this is many tests at once, so the table also gives the
# Benjamini–Hochberg FDR and Bonferroni decisions; and a village with few neighbours cannot
# reach a small p-value at all (`min_p`, the smallest p-value its neighbourhood allows).

# %%
lisa = spatial.local_moran(gdf, rate, weights=weights, permutations=permutations, seed=seed, alpha=alpha)
gi = spatial.getis_ord(gdf, rate, weights=weights, permutations=permutations, seed=seed, alpha=alpha)
local = gdf[["name", "designated", rate]].join(lisa).join(
    gi[["G", "z_norm", "p_sim", "spot"]].rename(columns={"z_norm": "gi_z", "p_sim": "gi_p_sim"})
)
_ = outputs.save_table(local.reset_index(), "local_clusters", output_dir=output_dir, prefix=figure_prefix)
summary = spatial.local_summary(lisa)
_ = outputs.save_table(summary, "local_summary", output_dir=output_dir, prefix=figure_prefix)
display(local[["name", "designated", rate, "n_neighbours", "Ii", "p_sim", "min_p", "cluster", "significant_fdr", "spot"]].round(4))
display(summary)

# %%
colours = {
    "High-High": "#d7191c",
    "Low-Low": "#2c7bb6",
    "Low-High": "#abd9e9",
    "High-Low": "#fdae61",
    "not significant": "#e0e0e0",
    "island": "white",
}
names_zh = {
    "High-High": "高-高", "Low-Low": "低-低", "Low-High": "低-高", "High-Low": "高-低",
    "not significant": "不显著", "island": "无邻接",
    "hot spot": "热点", "cold spot": "冷点",
}  # fmt: skip


def label(key: str) -> str:
    return plots.tr(names_zh[key]) if lang == "zh" else key


def finish(ax, title, handles):
    gdf[gdf["designated"]].boundary.plot(ax=ax, color="black", linewidth=1.4)
    handles.append(Patch(facecolor="none", edgecolor="black", linewidth=1.4, label=t("省定贫困村", "designated")))
    ax.legend(handles=handles, loc="lower right", fontsize=7)
    ax.set_title(title)
    ax.set_axis_off()
    plots.north_arrow(ax)
    plots.scale_bar(ax)


fig, axes = plt.subplots(1, 3, figsize=(14, 5.4), layout="constrained")
gdf.plot(ax=axes[0], color=lisa["cluster"].map(colours), edgecolor="grey", linewidth=0.4)
present = [k for k in colours if (lisa["cluster"] == k).any()]
finish(
    axes[0],
    t(f"LISA聚类（p < {alpha}）", f"LISA clusters (p < {alpha})"),
    [Patch(facecolor=colours[k], edgecolor="grey", label=label(k)) for k in present],
)

classes = pd.cut(lisa["p_sim"], [0, 0.001, 0.01, alpha, 1], labels=["p<0.001", "p<0.01", f"p<{alpha}", "n.s."], right=False)
greens = {"p<0.001": "#006d2c", "p<0.01": "#31a354", f"p<{alpha}": "#a1d99b", "n.s.": "#e0e0e0"}
gdf.plot(ax=axes[1], color=classes.astype("object").map(greens).fillna("white"), edgecolor="grey", linewidth=0.4)
unreachable = gdf[~lisa["can_reach_alpha"] & ~lisa["island"]]
if len(unreachable):
    unreachable.plot(ax=axes[1], facecolor="none", edgecolor="grey", hatch="///", linewidth=0)
handles = [Patch(facecolor=v, edgecolor="grey", label=k) for k, v in greens.items()]
handles.append(Patch(facecolor="white", edgecolor="grey", hatch="///", label=t(f"无法达到p<{alpha}", f"cannot reach p<{alpha}")))
finish(axes[1], t("LISA显著性（置换检验）", "LISA significance (permutation)"), handles)

spot_colours = {"hot spot": "#d7191c", "cold spot": "#2c7bb6", "not significant": "#e0e0e0", "island": "white"}
gdf.plot(ax=axes[2], color=gi["spot"].map(spot_colours), edgecolor="grey", linewidth=0.4)
finish(
    axes[2],
    t(f"Getis-Ord Gi*热点（p < {alpha}）", f"Getis-Ord Gi* hot spots (p < {alpha})"),
    [Patch(facecolor=spot_colours[k], edgecolor="grey", label=label(k)) for k in spot_colours if (gi["spot"] == k).any()],
)
fig.suptitle(t(f"寨市乡贫困的局部空间聚类，{year}年（{weights}，{permutations}次置换）", f"Local clusters of poverty, {year} ({weights}, {permutations:,} permutations)") + suffix)
_ = plots.save_figure(fig, "local_cluster_maps", output_dir=output_dir, prefix=figure_prefix)

# %%
scatter = spatial.moran_scatter(gdf, rate, weights=weights)
fig, ax = plt.subplots(figsize=(6, 5.5))
ok = ~scatter["island"]
ax.scatter(
    scatter.loc[ok, "z"],
    scatter.loc[ok, "lag"],
    c=lisa.loc[ok, "cluster"].map(colours),
    edgecolor=np.where(gdf.loc[ok, "designated"], "black", "grey"),
    linewidth=np.where(gdf.loc[ok, "designated"], 1.5, 0.5),
    s=45,
)
xs = np.array([scatter["z"].min(), scatter["z"].max()])
ax.plot(xs, moran.I * xs, color="black", lw=1, label=f"I = {moran.I:.3f}")
ax.axhline(0, color="grey", lw=0.6)
ax.axvline(0, color="grey", lw=0.6)
for code in lisa.index[lisa["significant"]]:
    ax.annotate(short(gdf.loc[code, "name"]), (scatter.loc[code, "z"], scatter.loc[code, "lag"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
ax.set_xlabel(t("标准化发生率", "standardised rate"))
ax.set_ylabel(t("邻村标准化发生率的均值（空间滞后）", "mean of neighbours (spatial lag)"))
ax.set_title(t(f"Moran散点图，{year}年", f"Moran scatter plot, {year}") + suffix)
ax.legend(
    handles=[Patch(facecolor=colours[k], label=label(k)) for k in colours if k != "island"]
    + [plt.Line2D([], [], color="black", lw=1, label=f"I = {moran.I:.3f}")],
    loc="upper left",
    fontsize=7,
)
_ = plots.save_figure(fig, "moran_scatter", output_dir=output_dir, prefix=figure_prefix)

# %%
s = summary.set_index("measure")["value"]
hh = local.loc[lisa["cluster"] == "High-High", "name"].tolist()
ll = local.loc[lisa["cluster"] == "Low-Low", "name"].tolist()
hh_fdr = local.loc[lisa["significant_fdr"] & (lisa["quadrant"] == "HH"), "name"].tolist()
cannot = local.loc[~lisa["can_reach_alpha"] & ~lisa["island"], "name"].tolist()
display(
    Markdown(
        f"**What the local statistics say.** High-High at p < {alpha}: "
        f"{', '.join(hh) or 'none'}; Low-Low: {', '.join(ll) or 'none'}. Of the "
        f"{int(s['significant'])} significant villages, {int(s['significant_fdr'])} survive "
        f"the Benjamini–Hochberg FDR at {alpha} (High-High among them: "
        f"{', '.join(hh_fdr) or 'none'}) and {int(s['significant_bonferroni'])} Bonferroni. "
        f"Gi* finds {int((gi['spot'] == 'hot spot').sum())} hot and "
        f"{int((gi['spot'] == 'cold spot').sum())} cold spots.\n\n"
        f"**What they cannot say.** "
        + (
            f"{len(cannot)} villages cannot reach p < {alpha} whatever the data, having too "
            f"few neighbours among {len(gdf)} villages ({', '.join(cannot)}): for them "
            f"\"not significant\" means \"cannot be told\", not \"no cluster\". "
            if cannot
            else f"Every village has enough neighbours to reach p < {alpha} (smallest "
            f"reachable p-value at most {lisa['min_p'].max():.4f}), so a \"not significant\" "
            f"village lacks evidence of clustering at this level rather than being untestable. "
        )
        + (
            f"{int(s['islands'])} villages have no neighbours and get no local statistic: "
            f"{', '.join(gdf.loc[lisa['island'], 'name'])}."
            if s["islands"]
            else "No village is an island. "
        )
        + f"A cluster is a group of villages, not a boundary: which villages touch is itself "
        f"an assumption (weights '{weights}' on approximate polygons)."
    )
)

# %% [markdown]
# ## Caveats
#
# * **Few units.** About thirty villages give little power: a global I of moderate size can
#   miss significance, the uncorrected local tests expect one or two false positives at 5%,
#   and the FDR-controlled decisions are the ones to quote. Pseudo p-values come from
#   random permutations (seeded) and move in the third decimal with another seed.
# * **Approximate boundaries.** No public village boundaries exist: the polygons are
#   approximations from village points, so who neighbours whom (the weights) is itself an
#   assumption. Try `weights="knn:4"` to see how much the clusters depend on it.
# * **Small denominators.** Raw rates of small villages are noisy; the empirical Bayes
#   rates show how much. Do not run local statistics on the *spatially* smoothed rate: the
#   smoothing borrows from neighbours and so creates the autocorrelation being tested.
# * **Synthetic data.** With the embedded dataset, the roster, populations and polygons are
#   synthetic, and the spatial pattern (incidence rising with distance from S221 and with
#   elevation, a planted High-High group in the north-west) was put there on purpose to
#   check that the analysis finds it. Nothing here describes the real township.
