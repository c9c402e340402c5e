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
# # 村级扶贫档案：建档立卡户、两不愁三保障、脱贫与项目（2016）
# *Village profile: registered households, two assurances, exits and programmes, 2016*
#
# One village of 寨市乡: its registered poor households by attribute and cause, the
# age-sex pyramid of its registered poor, the 两不愁三保障 status of its households, its
# exits, relocation and education aid, each beside the township. The report runner fans
# this notebook out over villages through the `village` parameter.

# %% tags=["parameters"]
village: str = "430527203222"  # 12-digit code or any crosswalked name (e.g. 表田村, 下铁坡)
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village registry: population
year: int = 2016  # year whose poverty line and exits are used
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
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
    outputs,
    plots,
    reference,
)
from fupin_analysis.monitoring_plots import draw_households, draw_pyramid, draw_village_vs_township

plots.use_style()
outputs.show_banner(roster, registry)

# %%
ref = reference.load_reference()
code = reference.resolve_village(village)
clean = clean_roster(roster)
reg = reference.read_village_registry(registry)
profile = indicators.village_summary(code, clean.members, clean.households, reg, ref)
name = profile.name
hh = indicators.in_village(clean.households, code)
mem = indicators.in_village(clean.members, code)
display(Markdown(findings.village_header(profile)))

# %% [markdown]
# ## Households by attribute and cause

# %%
by_type = indicators.households_by(hh, "household_type")
by_cause = indicators.households_by(hh, "main_cause")
display(outputs.localise(by_type, lang, indicators.HEADERS_ZH))
display(outputs.localise(by_cause, lang, indicators.HEADERS_ZH))
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
draw_households(axes, by_type, by_cause, name=name, year=year, lang=lang)
_ = plots.save_figure(fig, "households", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## Age-sex pyramid of the registered poor

# %%
fig, ax = plt.subplots(figsize=(6, 5))
draw_pyramid(ax, indicators.pyramid_wide(indicators.age_sex_pyramid(mem)), name=name, year=year,
             lang=lang)
_ = plots.save_figure(fig, "age_sex_pyramid", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# ## 两不愁三保障 status
#
# Share of the village's registered households deprived in each dimension, beside the
# township. A criterion the roster does not record counts as not met.

# %%
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
checks = assurances.exit_checks(own)
exits = indicators.exits_by_village(mem, hh, year, ref, total=False)
line = indicators.in_village(assurances.village_exit_line(mem, hh, reg, ref), code)
display(outputs.localise(exits, lang, indicators.HEADERS_ZH))
display(outputs.localise(line, lang, indicators.HEADERS_ZH))
display(Markdown(findings.village_exits(checks, line, ref)))
# The households to review are a list for follow-up: it goes to the private folder beside
# the report (readable by the user only), never into a page or a published table.
flagged = assurances.flagged_households(checks)
_ = outputs.save_private_table(
    flagged, "households_to_review", output_dir=output_dir, prefix=figure_prefix
)

# %% [markdown]
# ## Relocation and education aid

# %%
relocation = indicators.relocation_progress(mem, hh, ref, total=False)
education = indicators.education_aid(mem, ref, total=False)
credit = indicators.credit_coverage(hh, ref, total=False)
display(outputs.localise(relocation, lang, indicators.HEADERS_ZH) if len(relocation)
        else Markdown("No relocated households."))
display(outputs.localise(education, lang, indicators.HEADERS_ZH))
display(outputs.localise(credit, lang, indicators.HEADERS_ZH))
_ = outputs.save_tables(
    {"relocation": relocation, "education_aid": education, "credit": credit, "exits": exits},
    output_dir=output_dir,
    prefix=figure_prefix,
    headers_zh=indicators.HEADERS_ZH,
)
