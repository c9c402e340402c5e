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
# # 贫困的动态：逐年名单的衔接、进出与集聚变化
# *Poverty over time: yearly rosters linked, entries and exits, concentration changing*
#
# The registry was adjusted every year (动态调整) from the 2014 registration to the end of
# the campaign: households were newly identified, exited (脱贫), returned to poverty (返贫),
# were removed (清退) or died out (自然销户), split and merged. This notebook links one
# roster per year into a panel — persons by their salted identity key, households by their
# members — and asks whether poverty stayed concentrated in the designated villages as
# exits proceeded, whether the designated villages exited more slowly, where returns to
# poverty cluster, and which local clusters appeared or dissolved year by year. Linkage
# rules, transition categories and their limits: `docs/dynamics.md`.

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # roster of roster_year (xlsx, csv, parquet)
roster_year: int = 2016  # the year of roster (its ages at 31 December of that year)
other_rosters: str = "panel"  # other years: a folder of rosters named by year, or YEAR:FILE,…
geography: str = "../data/raw/zhaishi_geography.gpkg"  # village polygons (layer "villages")
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village population (denominators)
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
weights: str = "queen"  # spatial weights (every year): queen, rook, knn:K or distance:METRES
permutations: int = 9999  # permutations of the pseudo p-values (at least 9,999)
seed: int = 20161231  # seed of the permutations (as in reports.yml)
alpha: float = 0.05  # significance level
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder; empty: write nothing
figure_prefix: str = "06_dynamics"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
from IPython.display import Markdown, display

from fupin_analysis import dynamics_plots, findings, inputs, outputs, panel, plots, spatial
from fupin_analysis.disclosure import shown_count
from fupin_analysis.panel import analysis, survival
from fupin_analysis.panel import outputs as panel_outputs
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, geography=geography, registry=registry)
t = plots.translator(lang)
ref = load_reference(reference)
place = ref.place.short
rosters, one_year = inputs.yearly_rosters(roster, roster_year, other_rosters)
display(Markdown(findings.place_heading(ref, findings.year_span(rosters))))
outputs.show_rule(min_count, lang)
if one_year:
    outputs.not_available("poverty over time", one_year, output_dir=output_dir,
                          prefix=figure_prefix, rest=True)  # fmt: skip
suffix = t("（合成数据）", " (synthetic data)") if is_synthetic(roster) else ""
save = {"output_dir": output_dir, "prefix": figure_prefix, "min_count": min_count}

# %% [markdown]
# ## Linking the yearly rosters
#
# Each year's roster is cleaned with ages at 31 December of its year. A person is the same
# person in two years when the salted key of their identity number is the same. A household
# is followed by its head (户主) and members: it keeps its identity when its number changes
# (`renumbered`); a married son's family that moves out is a `split` from the household it
# left; an old parent who joins a child's household ends `merged` into it. The table counts
# what linking found each year; the households and persons concerned are listed, by key, in
# the private linkage report beside the run folder (never in the published outputs).

# %%
village_registry, no_registry = inputs.registry(registry)
if no_registry:
    outputs.not_available("poverty over time by village", no_registry, output_dir=output_dir,
                          prefix=figure_prefix, rest=True)  # fmt: skip

# %%
linked = panel.link_panel(rosters, reference=reference or None, columns=columns or None)
years = linked.years
linkage = panel_outputs.linkage_summary(linked)
_ = outputs.save_table(linkage, "linkage_summary", **save)
display(outputs.shown(linkage, "en", min_count=min_count))
checks = panel_outputs.check_counts(linked)
_ = outputs.save_table(checks, "impossible_histories", **save)
_ = outputs.save_private_table(
    panel_outputs.linkage_report(linked), "linkage_report", output_dir=output_dir,
    prefix=figure_prefix,
)  # fmt: skip
found = checks[checks["households"] + checks["persons"] > 0]
display(
    Markdown(
        f"**{shown_count(linked.household_years['panel_household'].nunique(), min_count)} "
        f"households** followed over {years[0]}–{years[-1]} ({len(years)} rosters), "
        f"{shown_count(linked.person_years['person_key'].nunique(), min_count)} persons. "
        f"Impossible histories found: "
        f"{', '.join(found['check'] + ' ' + found['year'].astype(str)) or 'none'} "
        f"(each is flagged, not repaired; see the table). Persons the cleaner refused in a year "
        f"are *unobserved* that year, not counted as leaving."
    )
)

# %% [markdown]
# ## Incidence by village and year
#
# `poor` counts the people of households not exited at the end of the year (未脱贫 or 返贫)
# over the village's registered population (the registry's, the same every year).
# `below_line` counts the registered people, exited or not, whose household's income per
# head is below that year's national poverty line (`data/reference/poverty_lines.csv`).

# %%
incidence = analysis.incidence_by_year(linked.person_years, village_registry, years)
_ = outputs.save_table(incidence, "incidence_by_year", **save)
display(
    outputs.shown(incidence, "en", min_count=min_count)
    .pivot(index=["code", "name"], columns="year", values="incidence")
    .round(3)
)

# %%
layers, no_geography = inputs.geography(geography, reference)
if layers is not None:
    rates = analysis.yearly_rates(
        linked.person_years, layers.villages, village_registry, years, weights=weights
    )
    fig = dynamics_plots.incidence_by_year_maps(
        rates,
        title=t(f"{place}各村贫困发生率，逐年年末（村界为近似）",
                "Poverty incidence by village, end of each year (approximate boundaries)")
        + suffix,
        lang=lang,
    )  # fmt: skip
    _ = plots.save_figure(fig, "incidence_by_year_maps", output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip
else:
    outputs.not_available("incidence maps by year", no_geography, output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip

# %% [markdown]
# ## The designated villages' share of the poor
#
# If poverty stayed concentrated in the provincial-designated villages as exits
# proceeded, their share of the remaining poor rises above their share of the population.

# %%
share = analysis.designated_share(incidence)
_ = outputs.save_table(share, "designated_share", **save)
display(outputs.shown(share, "en", min_count=min_count).round(3))
fig = dynamics_plots.designated_share_plot(
    share,
    title=t(f"{place}省定贫困村占剩余贫困人口的比重",
            "Designated villages' share of the remaining poor")
    + suffix,
    lang=lang,
)
_ = plots.save_figure(fig, "designated_share", output_dir=output_dir, prefix=figure_prefix)
first, last = share.iloc[0], share.iloc[-1]
peak = share.loc[share["designated_share"].idxmax()]
display(
    Markdown(
        f"The designated villages hold {first['population_share']:.1%} of the population. "
        f"Their share of the poor was {first['designated_share']:.1%} at the end of "
        f"{int(first['year'])}, "
        f"highest at {peak['designated_share']:.1%} in {int(peak['year'])} "
        f"({peak['concentration_ratio']:.2f} times their population share), and "
        f"{last['designated_share']:.1%} in {int(last['year'])}, when "
        f"{shown_count(last['poor'], min_count)} people were still poor."
    )
)

# %% [markdown]
# ## Who entered and who left
#
# Between two rosters each person gets one transition, classified from the rosters' own
# fields where they say it (exit status and year, 返贫, first identification, birth date)
# and otherwise inferred from who is where (`docs/dynamics.md`). The table counts the poor
# at the start and end of each year per village: entered (`new`, `returned`,
# `born_or_married_in`) and left (`exited`, `removed`, `died_or_married_out`,
# `household_gone`).

# %%
flow = analysis.flows(linked.transitions, village_registry)
_ = outputs.save_table(flow, "flows", **save)
display(outputs.shown(flow[flow["name"] == "全乡"], "en", min_count=min_count))
sources = (
    linked.transitions.groupby(["transition", "source"], observed=True).size()
    .unstack(fill_value=0).rename_axis(columns=None).reset_index()
)  # fmt: skip
display(outputs.shown(sources, "en", min_count=min_count))

# %% [markdown]
# ## Time to exit
#
# Kaplan–Meier curves of the share of households not yet exited, in years since they were
# first identified, for households of designated villages and the others. A household
# still poor in the last roster is *censored* there (its exit, if any, is after the panel),
# as are households that left the roster or merged into another before exiting; a household
# identified before the first roster enters the risk set when first seen; households
# already exited when first seen are left out.

# %%
durations = survival.exit_durations(linked.household_years, years)
curves = survival.exit_curves(durations)
_ = outputs.save_table(curves, "time_to_exit", **save)
censored = durations.groupby(["designated", "censoring"]).size().unstack(fill_value=0)
display(outputs.shown(curves, "en", min_count=min_count).round(3))
display(outputs.shown(censored.rename_axis(columns=None).reset_index(), "en",
                      min_count=min_count))  # fmt: skip
fig = dynamics_plots.exit_curve_plot(
    curves,
    title=t(f"{place}自首次识别至脱贫的时间（Kaplan–Meier，95%区间）",
            "Time from identification to exit (Kaplan–Meier, 95% interval)") + suffix,
    lang=lang,
)  # fmt: skip
_ = plots.save_figure(fig, "time_to_exit", output_dir=output_dir, prefix=figure_prefix)
medians = survival.median_time(curves).set_index("designated")["median_years"]
display(
    Markdown(
        f"Median time to exit: {medians.get(True)} years in the designated villages, "
        f"{medians.get(False)} elsewhere. Censored: "
        f"{shown_count(censored.sum().sum(), min_count)} of "
        f"{shown_count(len(durations), min_count)} households "
        f"({', '.join(censored.columns)}: still poor at the end, or gone from the roster "
        "before exiting)."
    )
)

# %% [markdown]
# ## Returns to poverty
#
# Of the households seen exited in a roster before the last, how many were later poor
# again (marked 返贫, or inferred), by village; and whether villages with many returns
# neighbour each other (local Moran's I of the return rate, same weights).

# %%
returns = analysis.returns_by_village(linked.household_years, linked.transitions, village_registry)
_ = outputs.save_table(returns, "returns_by_village", **save)
display(
    outputs.shown(returns.sort_values("return_rate", ascending=False).head(10), "en",
                  min_count=min_count).round(3)
)  # fmt: skip
display(
    Markdown(
        f"{shown_count(returns['returned_households'].sum(), min_count)} of "
        f"{shown_count(returns['exited_households'].sum(), min_count)} exited households "
        "returned to poverty."
    )
)

# %%
if no_geography:
    outputs.not_available(
        "where returns to poverty cluster, and spatial concentration year by year",
        no_geography, output_dir=output_dir, prefix=figure_prefix, rest=True,
    )  # fmt: skip
return_frame = analysis.return_rates(returns, layers.villages)
inference = {"weights": weights, "permutations": permutations, "seed": seed, "alpha": alpha}
return_lisa = spatial.local_moran(return_frame, "return_rate", **inference)
fig = dynamics_plots.returns_map(
    return_frame, return_lisa, alpha=alpha,
    title=t(f"{place}返贫的空间分布", "Where households returned to poverty") + suffix,
    lang=lang,
)  # fmt: skip
_ = plots.save_figure(fig, "returns_map", output_dir=output_dir, prefix=figure_prefix)
return_high = return_frame.index[return_lisa["cluster"] == "High-High"]
display(
    Markdown(
        f"High-High cluster of the return rate at p < {alpha}: "
        f"{', '.join(spatial.village_names(return_frame, return_high)) or 'none'}."
    )
)

# %% [markdown]
# ## Spatial concentration, year by year
#
# Global and local Moran's I of village incidence in each year, on the same weights, and
# which local clusters appeared, persisted, changed or dissolved from one year to the next.
# With about thirty villages, read the FDR column before quoting a cluster (`docs/spatial.md`).

# %%
moran, local = analysis.clusters_by_year(
    rates, "incidence", weights=weights, permutations=permutations, seed=seed, alpha=alpha
)
changes = analysis.cluster_changes(local)
_ = outputs.save_table(moran, "moran_by_year", **save)
_ = outputs.save_table(local, "clusters_by_year", **save)
_ = outputs.save_table(changes, "cluster_changes", **save)
display(outputs.shown(moran, "en", min_count=min_count).round(4))
display(outputs.shown(changes[changes["change"] != "persisted"], "en", min_count=min_count))
fig = dynamics_plots.clusters_by_year_maps(
    rates, local, alpha=alpha,
    title=t(f"{place}贫困发生率的LISA聚类，逐年（{weights}）", f"LISA clusters by year ({weights})")
    + suffix,
    lang=lang,
)  # fmt: skip
_ = plots.save_figure(fig, "clusters_by_year_maps", output_dir=output_dir, prefix=figure_prefix)
high = local[local["cluster"] == "High-High"]
first_high = high[high["year"] == years[0]]["name"]
last_high = high[high["year"] == years[-1]]["name"]
named = changes["name"] + " (" + changes["year"].astype(str) + ")"
appeared = named[changes["change"] == "appeared"]
dissolved = named[changes["change"] == "dissolved"]
display(
    Markdown(
        f"Moran's I of incidence went from {moran['I'].iloc[0]:.3f} in {years[0]} to "
        f"{moran['I'].iloc[-1]:.3f} in {years[-1]} (p_sim {moran['p_sim'].iloc[-1]:.4f}). "
        f"High-High in {years[0]}: {', '.join(first_high) or 'none'}; in {years[-1]}: "
        f"{', '.join(last_high) or 'none'}. Local clusters that appeared: "
        f"{', '.join(appeared) or 'none'}; dissolved: {', '.join(dissolved) or 'none'}."
    )
)

# %% [markdown]
# ## Caveats
#
# * **Linking by key needs the same salt every year.** Keys are salted hashes of identity
#   numbers: rosters cleaned with different salts do not link. A person whose identity
#   number was mistyped in one year appears as two people (one leaving, one entering).
# * **Inferred transitions.** Rosters record exits, 返贫 and identification dates; they do
#   not record removals, deaths or marriages. Those are inferred from who is where (a whole
#   household of people 65 or older leaving is taken to have died out, otherwise removed),
#   and marked `inferred`.
# * **One registry.** Incidence uses the registry's population every year; a village whose
#   population changed much over the years has its incidence off by that change.

# %%
if is_synthetic(roster):
    display(Markdown(
        "* **Synthetic data.** With the embedded dataset the yearly rosters, their "
        "transitions, the return-to-poverty cluster in the south (2018) and the slower exits "
        "of the designated villages were planted to check that the analysis finds them "
        "(`docs/dataset.md`). Nothing here describes the real township."
    ))  # fmt: skip
