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
# # 寨市乡 2016 年精准扶贫工作总结：由建档立卡名册重算
# *The 2016 work summary of 寨市乡, recomputed from the registration roster*
#
# The township office's 2016 work summary (精准扶贫工作总结) gives a dozen figures: the
# registered poor, the designated villages, relocation, exits against the county target,
# micro-credit and education aid. This notebook recomputes each of them from the roster,
# shows what the cleaning refused that would have counted, sets the result beside the
# published value, and writes the programme tables an office keeps (Excel and CSV).

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # registration roster (xlsx, csv, parquet)
registry: str = "../data/raw/zhaishi_village_registry_2016.csv"  # village registry: population
year: int = 2016  # year of the summary and of the exits counted
include_vocational: bool = False  # count 中职 students at the 初、高中 aid rate
k: float = 0.4  # Alkire-Foster cut-off, share of weighted dimensions (0.4: two of five)
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "02_work_summary"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from fupin_analysis import clean_roster, indicators, outputs, plots, reference
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster, registry)

# %%
ref = load_reference()
clean = clean_roster(roster)
reg = reference.read_village_registry(registry)
ws = indicators.work_summary(
    clean, ref, year, registry=reg, include_vocational=include_vocational
)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Chinese headers for lang="zh"."""
    return frame.rename(columns=indicators.HEADERS_ZH) if lang == "zh" else frame


display(shown(ws.drop(columns="note")).round(4))

# %% [markdown]
# ## Side by side
#
# Each figure as the roster gives it (`value`), with what the cleaning quarantined that
# would count towards it (`quarantined`: real people refused for a defect such as a
# mangled ID, not repeats of rows already kept), and the published value. A ratio of 1
# means the roster reproduces the summary.

# %%
counted = ws[ws["published"].notna()].copy()
counted["clean only"] = counted["value"] / counted["published"].astype(float)
counted["with quarantined"] = counted["value_with_quarantined"] / counted["published"].astype(
    float
)
labels = counted["label_zh"] if lang == "zh" else counted["figure"]
fig, ax = plt.subplots(figsize=(7.5, 5.5))
ypos = range(len(counted))
ax.scatter(counted["clean only"], ypos, marker="o", label=plots.tr("清洗后名册") if lang == "zh" else "clean roster")
ax.scatter(
    counted["with quarantined"],
    ypos,
    marker="x",
    label=plots.tr("含隔离记录") if lang == "zh" else "with quarantined rows",
)
ax.axvline(1.0, color="grey", lw=0.8)
ax.set_yticks(list(ypos), [plots.tr(t) for t in labels])
ax.invert_yaxis()
ax.set_xlabel(plots.tr("名册值 ÷ 公布值") if lang == "zh" else "roster ÷ published")
ax.set_title(
    plots.tr(f"{year}年工作总结各项指标：名册与公布值之比")
    if lang == "zh"
    else f"Work summary {year}: roster against published figures"
)
ax.legend(loc="center")
_ = plots.save_figure(fig, "roster_vs_published", output_dir=output_dir, prefix=figure_prefix)

# %%
def fmt(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "比例" else f"{value:,.0f}"


lines = []
for row in ws.itertuples():
    if pd.isna(row.published):
        continue
    digits = 2 if row.unit == "比例" else 0  # the published precision
    same = round(row.value_with_quarantined, digits) == round(float(row.published), digits)
    status = "reproduced" if same else f"**differs** ({row.note})"
    extra = f"; {row.quarantined} refused by the cleaning count towards it" if row.quarantined else ""
    lines.append(
        f"- **{row.label_zh}** (`{row.figure}`): roster {fmt(row.value, row.unit)}, with "
        f"quarantined {fmt(row.value_with_quarantined, row.unit)}, published "
        f"{fmt(row.published, row.unit)}: {status}{extra}."
    )
display(Markdown("\n".join(lines)))

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
#   typo such as 常溪村) count towards the township's totals but cannot be placed in a
#   village without a guess, so they are left out of the designated-village figures; the
#   note of those rows lists the names. Correct the name in the source system and they
#   are placed.
# * **Shares** (incidence, credit coverage, target completion) are recomputed with the
#   quarantined people and households added to numerator and, for credit, denominator.
# * **Education aid** has no published count or total, only the rates (小学及以下 1,000
#   yuan, 初、高中 2,000 yuan per student per year); the table gives the students and the
#   cost the rates imply. 中职 students are left out unless `include_vocational` is set:
#   the summary speaks of 初、高中 students, and vocational students are aided under a
#   separate programme (雨露计划).

# %%
inc = ws.set_index("figure")
pop = reg.set_index("code")["population"]
designated_pop = int(pop[pop.index.isin(ref.designated_codes)].sum())
display(
    Markdown(
        f"### The ambiguous “24%”\n\n"
        f"The summary says the 11 designated villages had 1,597 poor people, "
        f"“占总人口的24%”. Against the township's population "
        f"({int(pop.sum()):,}) the roster's designated-village poor are "
        f"{inc.loc['designated_share_of_population', 'value_with_quarantined']:.1%}, nowhere near "
        f"24%. Against the designated villages' own registered population "
        f"({designated_pop:,}) they are "
        f"{inc.loc['designated_incidence', 'value_with_quarantined']:.1%}, which rounds to the "
        f"published 24%. The figure is therefore the designated villages' poverty incidence, "
        f"and “总人口” means those villages' population, not the township's. The published "
        f"value is rounded to whole percent, so a difference below half a point is rounding."
    )
)

# %% [markdown]
# ## Programme tables
#
# Education aid, micro-credit, relocation and exits by village, the village exit line,
# the exit checks and the multidimensional index: one Excel workbook with Chinese headers
# for the office, and each table as CSV.

# %%
tables = indicators.programme_tables(
    clean, ref, year, registry=reg, k=k, include_vocational=include_vocational
)
for name, table in tables.items():
    outputs.save_table(
        table, name, output_dir=output_dir, prefix=figure_prefix, headers_zh=indicators.HEADERS_ZH
    )
if output_dir:
    workbook = indicators.write_programme_workbook(
        tables, Path(output_dir) / "tables" / f"{figure_prefix}__programme_tables.xlsx"
    )
display(shown(tables["education_aid"]))
display(shown(tables["exits"]))

# %%
total = tables["exits"].iloc[-1]
edu = tables["education_aid"].iloc[-1]
display(
    Markdown(
        f"In {year} the roster records {int(total['exited_people']):,} people exited "
        f"({total['exit_share']:.1%} of the registered), against a county target of "
        f"{ref.policy.exit_target_people_2016:,.0f}. Education aid at the published rates "
        f"comes to {int(edu['total_cost_yuan']):,} yuan for {int(edu['primary_students']):,} "
        f"pupils at 小学及以下 and {int(edu['secondary_students']):,} at 初、高中."
    )
)
