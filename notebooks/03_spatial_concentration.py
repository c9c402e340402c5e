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
# # 贫困的空间集聚：发生率、集中度与局部聚类
# *Spatial concentration of poverty: incidence, concentration and local clusters*
#
# Where are the poor of the township? This notebook computes each village's poverty
# incidence for the chosen year (with confidence intervals, and smoothed by empirical
# Bayes because villages are small), measures how concentrated the poor are and whether
# the provincial-designated villages (省定贫困村) are where incidence is highest, checks
# which villages are below the village exit line, and, with village polygons, tests for
# spatial clustering with global and local Moran's I and Getis-Ord Gi* (esda, libpysal).

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
geography: str = "../data/raw/zhaishi_geography.gpkg"  # village polygons (layer "villages")
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village population (denominators)
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
year: int = 2016  # incidence at the end of this year
count: str = "not_exited"  # numerator: "not_exited" (after the exits of the year) or "registered"
rate: str = "incidence"  # variable of Moran/LISA/Gi*: "incidence" or "eb" (never "seb")
weights: str = "queen"  # spatial weights: queen, rook, knn:K or distance:METRES
permutations: int = 9999  # permutations of the pseudo p-values (at least 9,999)
seed: int = 20161231  # seed of the permutations (as in reports.yml)
seeds: int = 10  # how many seeds (0, 1, …) the caveat on pseudo p-values compares
alpha: float = 0.05  # significance level
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder; empty: write nothing
figure_prefix: str = "03_spatial_concentration"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
from IPython.display import Markdown, display

from fupin_analysis import clean_roster, findings, inputs, maps, outputs, plots, spatial
from fupin_analysis.disclosure import shown_count
from fupin_analysis.errors import ConfigError
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, geography=geography, registry=registry)
t = plots.translator(lang)
ref = load_reference(reference)
place = ref.place.short
display(Markdown(findings.place_heading(ref, str(year))))
outputs.show_rule(min_count, lang)

# %%
if rate not in ("incidence", "eb"):
    raise ConfigError(
        f"rate={rate!r}: use 'incidence' or 'eb' (spatial smoothing creates autocorrelation)"
    )

clean = clean_roster(roster, reference=reference, columns=columns or None)
village_registry, no_registry = inputs.registry(registry)
if no_registry:
    outputs.not_available("incidence by village", no_registry, output_dir=output_dir,
                          prefix=figure_prefix, rest=True)  # fmt: skip

# %%
layers, no_geography = inputs.geography(geography, reference)
spatial_part = layers is not None
denominators = village_registry.drop(columns=["name"], errors="ignore").merge(
    ref.villages[["code", "name", "designated"]], on="code", how="left"
)
if spatial_part:
    rates = spatial.village_rates(
        clean.households, layers.villages, village_registry, year, count=count, weights=weights
    )
    registered = spatial.village_rates(
        clean.households, layers.villages, village_registry, year, count="registered",
        weights=weights,
    )  # fmt: skip
else:
    rates = spatial.incidence(clean.households, denominators, year, count=count)
    registered = spatial.incidence(clean.households, denominators, year, count="registered")
conc = spatial.concentration(rates)
c = conc.set_index("measure")["value"]
c_registered = spatial.concentration(registered).set_index("measure")["value"]

suffix = t("（合成数据）", " (synthetic data)") if is_synthetic(roster) else ""
what_en = "poor not yet exited" if count == "not_exited" else "registered poor"
what = t("剩余贫困人口" if count == "not_exited" else "建档立卡贫困人口", what_en)
display(
    Markdown(
        f"**{int(c['villages'])} villages**, {int(c['population']):,} registered residents, "
        f"{shown_count(c['poor'], min_count)} {what_en} at the end of {year} (incidence "
        f"{findings.percent(c['incidence'])}); {shown_count(c_registered['poor'], min_count)} "
        "registered poor in all."
    )
)

# %% [markdown]
# ## Incidence by village
#
# Incidence is poor people over the village's registered population. With a few hundred
# residents per village a handful of households moves the rate by a point, so the table
# gives the Wilson 95% interval and two smoothed rates: empirical Bayes (`eb`, shrunk toward
# the township rate, the more the smaller the village) and spatial empirical Bayes (`seb`,
# shrunk toward the rate of the village and its neighbours); the smoothed rates need the
# villages' polygons.

# %%
table = spatial.incidence_table(rates)
_ = outputs.save_table(
    table, "incidence", output_dir=output_dir, prefix=figure_prefix,
    headers_zh=spatial.INCIDENCE_HEADERS_ZH, min_count=min_count,
)  # fmt: skip
display(outputs.shown(table, lang, spatial.INCIDENCE_HEADERS_ZH, min_count).round(4))

# %%
if spatial_part:
    fig = maps.incidence_maps(
        rates,
        title=t(
            f"{place}各村{what}发生率，{year}年末（村界为近似）",
            f"Poverty incidence by village, end of {year} ({what}; approximate boundaries)",
        )
        + suffix,
        lang=lang,
    )
    _ = plots.save_figure(fig, "incidence_maps", output_dir=output_dir, prefix=figure_prefix)
else:
    outputs.not_available("incidence maps and smoothed rates", no_geography,
                          output_dir=output_dir, prefix=figure_prefix)  # fmt: skip

# %% [markdown]
# ## Concentration and designation
#
# The designated villages' share of the poor against their share of the population, the
# Gini and Hoover indices of the poor over villages (0: every village has the same
# incidence), location quotients (a village's incidence over the township's), and the
# villages a plain ranking by incidence would have designated.

# %%
_ = outputs.save_table(conc, "concentration", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
display(outputs.shown(conc, "en", min_count=min_count).round(4))
lq = spatial.location_quotients(rates).sort_values("lq", ascending=False)
_ = outputs.save_table(lq, "location_quotients", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
overlap = spatial.designation_overlap(rates)
groups = spatial.designation_groups(overlap)
_ = outputs.save_table(overlap, "designation_overlap", output_dir=output_dir,
                       prefix=figure_prefix, min_count=min_count)  # fmt: skip
display(outputs.shown(overlap, "en", min_count=min_count))

# %%
fig = plots.lorenz_plot(
    spatial.lorenz_curve(rates),
    gini=c["gini"],
    hoover=c["hoover"],
    title=t(f"{place}贫困人口在各村间的分布，{year}年",
            f"Distribution of the poor over villages, {year}")  # fmt: skip
    + suffix,
    lang=lang,
)
_ = plots.save_figure(fig, "lorenz_curve", output_dir=output_dir, prefix=figure_prefix)

# %%
n_des = int(c["designated_villages"])
display(Markdown(
    f"Gini {c['gini']:.3f}, Hoover {c['hoover']:.3f}: to equalise incidence, "
    f"{c['hoover']:.0%} of the poor would have to be in another village."
))  # fmt: skip
if n_des:
    by_eb = (
        f" Ranked by the empirical Bayes rate, the overlap is "
        f"{len(spatial.designation_groups(spatial.designation_overlap(rates, by='eb'))['both'])}."
        if spatial_part
        else ""
    )
    display(
        Markdown(
            f"The {n_des} designated villages hold {c['designated_share_of_poor']:.1%} of the "
            f"poor and {c['designated_share_of_population']:.1%} of the population (ratio "
            f"{c['designated_concentration_ratio']:.2f}); their incidence is "
            f"{c['incidence_designated']:.1%} against {c['incidence_other']:.1%} elsewhere.\n\n"
            f"A ranking by {year} incidence would have designated "
            f"{int(c['designation_overlap'])} of the {n_des} "
            f"({', '.join(groups['both']) or 'none'}); it would have left out "
            f"{', '.join(groups['designated only']) or 'none'} and taken "
            f"{', '.join(groups['ranking only']) or 'none'} instead.{by_eb} Designation predates "
            f"these counts and used criteria beyond incidence, and the incidence here is "
            f"{'after' if count == 'not_exited' else 'before'} the year's exits, so a mismatch "
            f"is a question to ask, not an error found."
        )
    )
else:
    outputs.not_available(
        "designated villages against incidence",
        "no unit is marked designated (省定贫困村) in the reference folder's villages.csv",
        output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip

# %% [markdown]
# ## The village exit line
#
# A village may exit poverty when its incidence is below the village exit line
# (《关于建立贫困退出机制的意见》, 2016: 2%, and 3% in the western provinces).
# `still_to_exit` is how many more people would have to exit for the village to be below
# the line. This only makes sense for the poor not yet exited (`count="not_exited"`).

# %%
line = ref.policy.village_exit_incidence
if count == "not_exited":
    exit_line = spatial.exit_line_status(rates, line=line).sort_values("incidence")
    _ = outputs.save_table(exit_line, "exit_line", output_dir=output_dir, prefix=figure_prefix,
                           min_count=min_count)  # fmt: skip
    display(outputs.shown(exit_line, "en", min_count=min_count))
    exits = spatial.exit_line_summary(exit_line)
    display(
        Markdown(
            f"At the end of {year}, {len(exits.below)} of {exits.villages} villages are below the "
            f"{line:.0%} line ({', '.join(exits.below) or 'none'}), {exits.below_designated} of "
            f"them designated. The others need {exits.still_to_exit:,} more exits."
        )
    )
else:
    display(Markdown("Skipped: the exit line needs `count=\"not_exited\"`."))

# %% [markdown]
# ## Global spatial autocorrelation
#
# Moran's I of the village rate on row-standardised weights: positive when neighbouring
# villages have similar rates. `p_norm` is the analytical (normal) p-value, `p_sim` the
# pseudo p-value of random permutations of the rates over the villages (esda's *directed*
# p-value: it takes the tail the observed value falls in, chosen after seeing the data, so
# at a level α it rejects a true null about 2α of the time; notebook 07 gives exact
# two-sided p-values). Who neighbours
# whom comes from the villages' polygons: without a geography there is nothing to test.

# %%
if not spatial_part:
    outputs.not_available("spatial statistics (Moran's I, LISA, Getis-Ord Gi*)",
                          no_geography, output_dir=output_dir, prefix=figure_prefix,
                          rest=True)  # fmt: skip

# %%
moran = spatial.global_moran(rates, rate, weights=weights, permutations=permutations, seed=seed)
moran_eb = spatial.global_moran(rates, "eb", weights=weights, permutations=permutations, seed=seed)
moran_table = moran.to_frame()
_ = outputs.save_table(moran_table, "global_moran", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
display(moran_table)
verdict = "significant" if moran.p_sim < alpha else "not significant"
display(
    Markdown(
        f"Moran's I of `{rate}` = {moran.I:.3f} (expected {moran.EI:.3f} without "
        f"autocorrelation; z = {moran.z_norm:.2f}, p_norm = {moran.p_norm:.2g}, "
        f"p_sim = {moran.p_sim:.4f} with {permutations:,} permutations): {verdict} at "
        f"{alpha}. On the empirical Bayes rate I = {moran_eb.I:.3f} (p_sim = "
        f"{moran_eb.p_sim:.4f}). Islands (villages without neighbours): "
        f"{', '.join(spatial.village_names(rates, moran.islands)) or 'none'}."
    )
)

# %% [markdown]
# ## Local clusters
#
# Local Moran's I (LISA) labels each village High-High, Low-Low (a cluster of high or low
# rates), High-Low or Low-High (an outlier) when its conditional-permutation p-value
# (esda's *directed* one, as above) is below alpha. With about thirty villages this is many
# tests at once, so the table also gives the Benjamini–Hochberg FDR and Bonferroni
# decisions; and a village with few neighbours cannot reach a small p-value at all
# (`min_p`, the smallest p-value its neighbourhood allows).

# %%
inference = {"weights": weights, "permutations": permutations, "seed": seed, "alpha": alpha}
lisa = spatial.local_moran(rates, rate, **inference)
gi = spatial.getis_ord(rates, rate, **inference)
local = spatial.local_results(rates, rate, lisa, gi)
_ = outputs.save_table(
    local.reset_index(), "local_clusters", output_dir=output_dir, prefix=figure_prefix,
    min_count=min_count,
)  # fmt: skip
summary = spatial.local_summary(lisa)
_ = outputs.save_table(summary, "local_summary", output_dir=output_dir, prefix=figure_prefix,
                       min_count=min_count)  # fmt: skip
shown = ["name", "designated", rate, "n_neighbours", "Ii", "p_sim", "min_p", "cluster"]
display(local[[*shown, "significant_fdr", "spot"]].round(4))
display(summary)

# %%
fig = maps.cluster_maps(
    rates,
    local,
    alpha=alpha,
    title=t(
        f"{place}贫困的局部空间聚类，{year}年（{weights}，{permutations}次置换）",
        f"Local clusters of poverty, {year} ({weights}, {permutations:,} permutations)",
    )
    + suffix,
    lang=lang,
)
_ = plots.save_figure(fig, "local_cluster_maps", output_dir=output_dir, prefix=figure_prefix)

# %%
fig = plots.moran_scatter_plot(
    local,
    moran_i=moran.I,
    line=spatial.scatter_line(local),
    title=t(f"Moran散点图，{year}年", f"Moran scatter plot, {year}") + suffix,
    lang=lang,
)
_ = plots.save_figure(fig, "moran_scatter", output_dir=output_dir, prefix=figure_prefix)

# %%
found = spatial.cluster_summary(local)
display(
    Markdown(
        f"**What the local statistics say.** High-High at p < {alpha}: "
        f"{', '.join(found.high_high) or 'none'}; Low-Low: {', '.join(found.low_low) or 'none'}. "
        f"Of the {found.significant} significant villages, {found.significant_fdr} survive "
        f"the Benjamini–Hochberg FDR at {alpha} (High-High among them: "
        f"{', '.join(found.high_high_fdr) or 'none'}) and {found.significant_bonferroni} "
        f"Bonferroni. Gi* finds {found.hot_spots} hot and {found.cold_spots} cold spots.\n\n"
        f"**What they cannot say.** "
        + (
            f"{len(found.cannot_reach_alpha)} villages cannot reach p < {alpha} whatever the "
            f"data, having too few neighbours among {found.villages} villages "
            f"({', '.join(found.cannot_reach_alpha)}): for them \"not significant\" means "
            f"\"cannot be told\", not \"no cluster\". "
            if found.cannot_reach_alpha
            else f"Every village has enough neighbours to reach p < {alpha} uncorrected "
            f"(smallest reachable p-value at most {found.largest_min_p:.4f}). "
        )
        + (
            f"{len(found.cannot_reach_bonferroni)} can never pass Bonferroni "
            f"({alpha}/{found.villages}) whatever their data "
            f"({', '.join(found.cannot_reach_bonferroni)}); "
            if found.cannot_reach_bonferroni
            else "Every village could pass Bonferroni; "
        )
        + (
            f"given the other villages' p-values, {len(found.cannot_reach_fdr)} could not "
            f"pass the FDR ({', '.join(found.cannot_reach_fdr)}): for them the FDR decision "
            "says nothing. "
            if found.cannot_reach_fdr
            else "given the other villages' p-values, every village could pass the FDR. "
        )
        + (
            f"{len(found.islands)} villages have no neighbours and get no local statistic: "
            f"{', '.join(found.islands)}."
            if found.islands
            else "No village is an island. "
        )
        + f"A cluster is a group of villages, not a boundary: which villages touch is itself "
        f"an assumption (weights '{weights}' on approximate polygons)."
    )
)

# %% [markdown]
# ## Caveats
#
# * **Few units.** With a few dozen villages a global I of moderate size can miss
#   significance, and the uncorrected local tests find villages by chance alone: quote the
#   FDR-controlled decisions (how many, and how much the seed matters, follows).

# %%
_, moved, fp = spatial.sampling_facts(
    rates, rate, seeds=seeds, weights=weights, permutations=permutations, alpha=alpha
)
display(
    Markdown(
        f"* {fp.sentence()} {found.significant_fdr} villages pass the FDR here.\n"
        f"* {moved.sentence()} Exact p-values, which no seed moves: notebook 07."
    )
)

# %% [markdown]
# * **Approximate boundaries.** No public village boundaries exist: the polygons are
#   approximations from village points, so who neighbours whom (the weights) is itself an
#   assumption. Try `weights="knn:4"` to see how much the clusters depend on it.
# * **Small denominators.** Raw rates of small villages are noisy; the empirical Bayes
#   rates show how much. Do not run local statistics on the *spatially* smoothed rate: the
#   smoothing borrows from neighbours and so creates the autocorrelation being tested.

# %%
if is_synthetic(roster):
    display(Markdown(
        "* **Synthetic data.** With the embedded dataset, the roster, populations and "
        "polygons are synthetic, and the spatial pattern (incidence rising with distance "
        "from the main road and with elevation, a planted High-High group in the "
        "north-west) was put there on purpose to check that the analysis finds it. Nothing "
        "here describes the real township."
    ))  # fmt: skip
