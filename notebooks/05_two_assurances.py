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
# # “两不愁三保障”与脱贫核查
# *Two assurances and three guarantees, a multidimensional poverty index and exit checks*
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
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
year: int = 2016  # year whose poverty line the income is compared with
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
person_weighted: bool = False  # count people instead of households in the index
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "05_two_assurances"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from fupin_analysis import (
    assurances,
    clean_roster,
    findings,
    geo,
    indicators,
    inputs,
    outputs,
    plots,
)
from fupin_analysis.monitoring_plots import (
    draw_deprivation,
    draw_exit_checks_map,
    draw_m0_and_exit_line,
)
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, registry=registry, geography=geography)
ref = load_reference(reference)
display(Markdown(findings.place_heading(ref, str(year))))
outputs.show_rule(min_count, lang)

# %%
clean = clean_roster(roster, reference=reference, columns=columns or None)
no_assurances = inputs.assurances_problem(clean)
if no_assurances:
    outputs.not_available("两不愁三保障, the multidimensional index and the exit checks",
                          no_assurances, output_dir=output_dir, prefix=figure_prefix,
                          rest=True)  # fmt: skip

# %%
unmeasured = inputs.unmeasured_dimensions(clean)
if unmeasured:
    outputs.not_available(
        f"the dimensions {', '.join(unmeasured)}",
        inputs.missing_fields(clean, *inputs.TABLE_FIELDS["af_index"]),
        output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip

# %%
reg, no_registry = inputs.registry(registry)
status = assurances.two_assurances(clean.members, clean.households, year, ref)
weight = "members" if person_weighted else None
overall = assurances.alkire_foster(status, k=k, unit_weight=weight)
by_village = assurances.alkire_foster(status, k=k, by="village_code", unit_weight=weight)
display(outputs.shown(overall.index, lang, indicators.HEADERS_ZH, min_count).round(3))

# %% [markdown]
# ## Deprivation in each dimension
#
# `headcount` is the share of households deprived in a dimension; `censored_headcount`
# the share both deprived in it and multidimensionally poor (deprived in at least a
# share *k* of the weighted dimensions); `contribution` the dimension's share of M0.
# A criterion the roster does not record (missing income, insurance or water) counts
# as not met: it cannot justify an exit.

# %%
dims = assurances.dimension_table(overall.dimensions)
display(outputs.localise(dims, lang, indicators.HEADERS_ZH).round(3))
fig, ax = plt.subplots(figsize=(7, 4))
draw_deprivation(ax, dims, k=k, year=year, lang=lang)
_ = plots.save_figure(fig, "deprivation_by_dimension", output_dir=output_dir,
                      prefix=figure_prefix)

# %%
display(Markdown(findings.af_headline(
    overall, assurances.income_only(status), units="people" if person_weighted else "households",
    min_count=min_count,
)))  # fmt: skip

# %% [markdown]
# ## By village

# %%
index_v = assurances.with_village_names(by_village.index, ref)
display(outputs.shown(index_v, lang, indicators.HEADERS_ZH, min_count).round(3))
display(
    assurances.contributions_wide(outputs.shown(by_village.dimensions, lang, min_count=min_count))
)
_ = outputs.save_table(index_v, "af_by_village", output_dir=output_dir, prefix=figure_prefix,
                       headers_zh=indicators.HEADERS_ZH, min_count=min_count)
_ = outputs.save_table(by_village.dimensions, "af_dimensions_by_village", output_dir=output_dir,
                       prefix=figure_prefix, headers_zh=indicators.HEADERS_ZH,
                       min_count=min_count)  # fmt: skip

# %% [markdown]
# ## Exit checks
#
# `false_exits`: households marked exited that fail at least one criterion.
# `eligible_not_exited`: households that meet every criterion but are still registered
# as poor; the dynamic adjustment of late November (FACTS §1) is the moment to review both.

# %%
checks = assurances.exit_checks(status)
checks_v = assurances.exit_checks_by_village(checks, ref)
display(outputs.shown(checks_v, lang, indicators.HEADERS_ZH, min_count))
display(outputs.shown(assurances.false_exits_by_criteria(checks), lang,
                      {"failed": "未达标项", "households": "户数"}, min_count))  # fmt: skip
_ = outputs.save_table(checks_v, "exit_checks_by_village", output_dir=output_dir,
                       prefix=figure_prefix, headers_zh=indicators.HEADERS_ZH,
                       min_count=min_count)  # fmt: skip
line = assurances.village_exit_line(clean.members, clean.households, reg, ref)
_ = outputs.save_table(line, "village_exit_line", output_dir=output_dir, prefix=figure_prefix,
                       headers_zh=indicators.HEADERS_ZH, min_count=min_count)
display(Markdown(findings.exit_checks_summary(checks, line, ref, min_count=min_count)))

# %%
if no_registry:
    outputs.not_available("the village exit line", no_registry, output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip

# %% [markdown]
# ## Maps
#
# Village boundaries are **approximate** (no public boundaries exist; FACTS §2): read the
# maps as a schematic of which village, not where exactly.

# %%
layers, no_geography = inputs.geography(geography, reference, layers=["villages"])
if no_geography:
    outputs.not_available("maps", no_geography, output_dir=output_dir, prefix=figure_prefix,
                          rest=True)  # fmt: skip
villages = layers.villages.to_crs(geo.metric_crs(layers.villages))
mapped = assurances.villages_with_assurances(villages, by_village.index, checks_v, line)

fig, axes = plt.subplots(1, 2, figsize=(12, 6), layout="constrained")
draw_m0_and_exit_line(axes, mapped, k=k, year=year, lang=lang, place=ref.place.short,
                      exit_line=ref.policy.village_exit_incidence)  # fmt: skip
_ = plots.save_figure(fig, "m0_and_exit_line_maps", output_dir=output_dir, prefix=figure_prefix)

# %%
fig, ax = plt.subplots(figsize=(7, 7.5))
draw_exit_checks_map(ax, mapped, year=year, lang=lang, min_count=min_count)
_ = plots.save_figure(fig, "exit_checks_map", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# **Caveats.** The criteria are measured from the roster's own indicators, which are
# what the office recorded, not a survey: an income "above the line" is the registered
# per-capita net income, and a missing indicator counts as not met. With equal weights
# and k = 1/3 a household must fail two of five criteria to be multidimensionally poor;
# the index ranks villages, and the exit checks, not the index, decide single cases.
