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
# # 村级扶贫档案：建档立卡户、两不愁三保障、脱贫与项目
# *Village profile: registered households, two assurances, exits and programmes*
#
# One village of the township: its registered poor households by attribute and cause, the
# age-sex pyramid of its registered poor, the 两不愁三保障 status of its households, its
# exits, relocation and education aid, each beside the township. The report runner fans
# this notebook out over villages through the `village` parameter.

# %% tags=["parameters"]
village: str = "430527203222"  # 12-digit code or any crosswalked name (e.g. 表田村, 下铁坡)
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village registry: population
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
year: int = 2016  # year whose poverty line and exits are used
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "village_profile"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from fupin_analysis import (
    assurances,
    clean_roster,
    findings,
    indicators,
    inputs,
    outputs,
    plots,
)
from fupin_analysis.monitoring_plots import draw_households, draw_pyramid, draw_village_vs_township
from fupin_analysis.reference import load_reference, resolve_village

plots.use_style()
outputs.show_banner(roster=roster, registry=registry)
outputs.show_rule(min_count, lang)

# %%
ref = load_reference(reference)
code = resolve_village(village, reference)
clean = clean_roster(roster, reference=reference, columns=columns or None)
reg, no_registry = inputs.registry(registry)
profile = indicators.village_summary(code, clean.members, clean.households, reg, ref)
name = profile.name
hh = indicators.in_village(clean.households, code)
mem = indicators.in_village(clean.members, code)
display(Markdown(findings.village_header(profile, min_count=min_count)))

# %%
no_rows = inputs.village_rows(clean.households, code, name)
if no_rows:
    outputs.not_available("the village profile", no_rows, output_dir=output_dir,
                          prefix=figure_prefix, rest=True)  # fmt: skip

# %% [markdown]
# ## Households by attribute and cause

# %%
by_type = indicators.households_by(hh, "household_type")
by_cause = indicators.households_by(hh, "main_cause")
no_cause = inputs.missing_fields(clean, "main_cause")
display(outputs.shown(by_type, lang, indicators.HEADERS_ZH, min_count))
if no_cause:
    by_cause = by_cause.iloc[0:0]
    outputs.not_available("households by main cause", no_cause, output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip
else:
    display(outputs.shown(by_cause, lang, indicators.HEADERS_ZH, min_count))
fig, axes = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
draw_households(axes, by_type, by_cause, name=name, year=year, lang=lang, min_count=min_count)
_ = plots.save_figure(fig, "households", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## Age-sex pyramid of the registered poor
#
# Ten-year age groups (70 and over in one): in a village, five-year groups of one sex
# hold few people.

# %%
fig, ax = plt.subplots(figsize=(6, 5.3))
pyramid = indicators.pyramid_wide(indicators.age_sex_pyramid(mem, width=10, top=70))
draw_pyramid(ax, pyramid, name=name, year=year, lang=lang, min_count=min_count)
_ = plots.save_figure(fig, "age_sex_pyramid", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## 两不愁三保障 status
#
# Share of the village's registered households deprived in each dimension, beside the
# township. A criterion the roster does not record counts as not met.

# %%
no_assurances = inputs.assurances_problem(clean)
if no_assurances:
    outputs.not_available("两不愁三保障 and the exit checks", no_assurances,
                          output_dir=output_dir, prefix=figure_prefix)  # fmt: skip
else:
    status = assurances.two_assurances(clean.members, clean.households, year, ref)
    own = indicators.in_village(status, code)
    af_village = assurances.alkire_foster(own, k=k)
    af_town = assurances.alkire_foster(status, k=k)
    compare = assurances.village_deprivation(af_village, af_town)
    display(compare.round(3))
    fig, ax = plt.subplots(figsize=(7, 4))
    draw_village_vs_township(ax, compare, name=name, year=year, lang=lang)
    _ = plots.save_figure(fig, "two_assurances", output_dir=output_dir, prefix=figure_prefix)
    display(Markdown(findings.village_af(af_village, af_town, name)))

# %% [markdown]
# ## Exits

# %%
exits = indicators.exits_by_village(mem, hh, year, ref, total=False)
line = indicators.in_village(assurances.village_exit_line(mem, hh, reg, ref), code)
display(outputs.shown(exits, lang, indicators.HEADERS_ZH, min_count))
if no_registry:
    outputs.not_available("the village exit line", no_registry, output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip
else:
    display(outputs.shown(line, lang, indicators.HEADERS_ZH, min_count))

# %%
# The households to review are a list for follow-up: it goes to the private folder beside
# the report (readable by the user only), never into a page or a published table.
if not no_assurances:
    checks = assurances.exit_checks(own)
    display(Markdown(findings.village_exits(checks, line, ref, min_count=min_count)))
    flagged = assurances.flagged_households(checks)
    _ = outputs.save_private_table(
        flagged, "households_to_review", output_dir=output_dir, prefix=figure_prefix
    )

# %% [markdown]
# ## Relocation, education aid and credit

# %%
programmes = {
    "relocation": indicators.relocation_progress(mem, hh, ref, total=False),
    "education_aid": indicators.education_aid(mem, ref, total=False),
    "credit": indicators.credit_coverage(hh, ref, total=False),
}
programmes, left_out = inputs.available_tables(programmes, clean)
outputs.not_available_parts(left_out, output_dir=output_dir, prefix=figure_prefix)
programmes["exits"] = exits
_ = outputs.save_tables(
    programmes,
    output_dir=output_dir,
    prefix=figure_prefix,
    headers_zh=indicators.HEADERS_ZH,
    min_count=min_count,
)

# %%
if "relocation" in programmes:
    display(outputs.shown(programmes["relocation"], lang, indicators.HEADERS_ZH, min_count)
            if len(programmes["relocation"]) else Markdown("No relocated households."))
if "education_aid" in programmes:
    display(outputs.shown(programmes["education_aid"], lang, indicators.HEADERS_ZH, min_count))
if "credit" in programmes:
    display(outputs.shown(programmes["credit"], lang, indicators.HEADERS_ZH, min_count))
