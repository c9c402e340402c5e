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
# # 精准扶贫工作总结：由建档立卡名册重算
# *The work summary of the township, recomputed from the registration roster*
#
# A township office's yearly work summary (精准扶贫工作总结) gives a dozen figures: the
# registered poor, the designated villages, relocation, exits against the county target,
# micro-credit and education aid. This notebook recomputes each of them from the roster,
# shows what the cleaning refused that would have counted, sets the result beside the
# published value where the reference folder has the published figures
# (`published.csv`), and writes the programme tables an office keeps (Excel and CSV).

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village registry: population
reference: str = ""  # reference folder (fupin init); empty for the embedded tables
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
year: int = 2016  # year of the summary and of the exits counted
include_vocational: bool = False  # count 中职 students at the 初、高中 aid rate
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "02_work_summary"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from fupin_analysis import clean_roster, findings, indicators, inputs, outputs, plots
from fupin_analysis.monitoring_plots import draw_roster_vs_published
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster, registry=registry)
ref = load_reference(reference)
display(Markdown(findings.place_heading(ref, str(year))))
outputs.show_rule(min_count, lang)

# %%
clean = clean_roster(roster, reference=reference, columns=columns or None)
reg, no_registry = inputs.registry(registry)
ws = indicators.work_summary(
    clean, ref, year, registry=reg, include_vocational=include_vocational
)
display(outputs.shown(ws.drop(columns="note"), lang, indicators.HEADERS_ZH, min_count).round(4))

# %%
if no_registry:
    outputs.not_available(
        "population figures (township population, designated villages' incidence)",
        no_registry, output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip

# %% [markdown]
# ## Side by side
#
# Each figure as the roster gives it (`value`), with what the cleaning quarantined that
# would count towards it (`quarantined`: real people refused for a defect such as a
# mangled ID, not repeats of rows already kept), and the published value. A ratio of 1
# means the roster reproduces the summary. A figure is *reproduced* when the roster with
# the quarantined people gives the published value at the precision the summary
# publishes it (shares to whole percent, counts whole); where it differs, the line says
# by how much and why.

# %%
published = ref.published is not None
if published:
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    draw_roster_vs_published(ax, indicators.published_ratios(ws), year=year, lang=lang)
    _ = plots.save_figure(fig, "roster_vs_published", output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip
    display(Markdown(findings.reproduction_list(indicators.reproduction(ws),
                                                min_count=min_count)))  # fmt: skip
else:
    outputs.not_available(
        "comparison with the published figures",
        f"the reference folder has no published.csv (no published figures of {ref.place.short})",
        output_dir=output_dir, prefix=figure_prefix,
    )  # fmt: skip

# %% [markdown]
# ### Reading the differences
#
# * **Quarantined rows.** Where the clean roster falls short of a published count and the
#   `quarantined` column closes the gap, the difference is the cleaning's doing: people
#   the office counted whose rows carry a defect (an ID number mangled by Excel, a missing
#   or invalid ID, a village name that matches no unit). They are real people: fix their
#   rows in the source system rather than drop them from the count. Repeats of a row or of
#   a person already kept (`duplicate_row`, `duplicate_person`) are never counted.
# * **Unknown villages.** People refused because their village name matches no unit (a
#   mistyped name) count towards the township's totals but cannot be placed in a village
#   without a guess, so they are left out of the designated-village figures; the note of
#   those rows lists the names. Correct the name in the source system and they are placed.
# * **Shares** (incidence, credit coverage, target completion) are recomputed with the
#   quarantined people and households added to numerator and, for credit, denominator.
# * **Education aid** has no published count or total, only the rates per student and
#   year of the published figures (小学及以下 and 初、高中); the table gives the students and
#   the cost the rates imply. 中职 students are left out unless `include_vocational` is
#   set: vocational students are aided under a separate programme (雨露计划).

# %%
readings = published and not no_registry and ref.published_value("designated_incidence") > 0
if readings:
    display(Markdown(findings.designated_reading(
        indicators.designated_readings(ws, reg, ref), ref
    )))  # fmt: skip

# %% [markdown]
# ## Programme tables
#
# Education aid, micro-credit, relocation and exits by village, the village exit line,
# the exit checks and the multidimensional index: one Excel workbook with Chinese headers
# for the office, and each table as CSV. A table whose roster columns are absent is left
# out and said so.

# %%
tables = indicators.programme_tables(
    clean, ref, year, registry=reg, k=k, include_vocational=include_vocational
)
tables, left_out = inputs.available_tables(tables, clean)
outputs.not_available_parts(left_out, output_dir=output_dir, prefix=figure_prefix)
if no_registry:
    tables.pop("village_exit_line")
    outputs.not_available("village_exit_line", no_registry, output_dir=output_dir,
                          prefix=figure_prefix)  # fmt: skip
_ = outputs.save_tables(
    tables, output_dir=output_dir, prefix=figure_prefix, headers_zh=indicators.HEADERS_ZH,
    min_count=min_count,
)  # fmt: skip
if output_dir:
    workbook = indicators.write_programme_workbook(
        outputs.protected(tables, min_count),
        Path(output_dir) / "tables" / f"{figure_prefix}__programme_tables.xlsx",
    )
display(outputs.shown(tables["exits"], lang, indicators.HEADERS_ZH, min_count))

# %%
if "education_aid" in tables:
    display(outputs.shown(tables["education_aid"], lang, indicators.HEADERS_ZH, min_count))
    display(Markdown(findings.exits_and_aid(tables["exits"], tables["education_aid"], year, ref,
                                            min_count=min_count)))  # fmt: skip
