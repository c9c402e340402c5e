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
# # 建档立卡名册数据质量
# *Data quality of the registration roster: what came in, what was changed, what was
# refused and why*
#
# The roster is read as exported (title rows, header variants, full-width digits, old
# village names, identity numbers mangled by Excel …) and cleaned by
# `fupin_analysis.clean_roster`. Every input row ends either among the kept members or in
# the quarantine, with a reason; nothing is repaired by guessing. This notebook shows the
# counts only: no name, identity number or phone number appears below.

# %% tags=["parameters"]
roster: str = "../data/raw/zhaishi_roster_2016.xlsx"  # roster file (xlsx, xls, csv, parquet)
sheet: str = ""  # workbook sheet (empty: the sheet with the roster headers)
encoding: str = ""  # CSV encoding (empty: UTF-8 or GB18030, detected)
salt: str = ""  # salt of the pseudonymous keys (empty: the installation's secret)
reference_date: str = "2016-12-31"  # day at which ages are computed
reference: str = ""  # reference folder of the villages (empty: the embedded tables)
columns: str = ""  # header mapping (YAML: your header → column, as fupin clean --columns)
min_count: int = 3  # disclosure threshold: smaller counts of people or households read <3
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "01_data_quality"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from fupin_analysis import clean_roster, findings, outputs, plots, quality, read_roster
from fupin_analysis.monitoring_plots import draw_rules, draw_village_evidence
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.reference import load_reference

plots.use_style()
outputs.show_banner(roster=roster)
synthetic = is_synthetic(roster)
ref = load_reference(reference)
display(Markdown(findings.place_heading(ref)))
outputs.show_rule(min_count, lang)

# %% [markdown]
# ## What came in

# %%
raw = read_roster(roster, sheet=sheet or None, encoding=encoding or None, columns=columns or None)
clean = clean_roster(raw, salt=salt or None, reference_date=reference_date, reference=reference)
display(quality.intake(raw))
display(quality.missing_columns(raw))

# %% [markdown]
# The table above lists the roster columns of the national system that this file does
# not have (optional ones are simply left empty in the clean tables).

# %% [markdown]
# ## What came out

# %%
summary = clean.summary()
display(outputs.shown(summary, "en", min_count=min_count))
_ = outputs.save_table(summary, "summary", output_dir=output_dir, prefix=figure_prefix,
                       headers_zh={"item": "项目", "value": "数量"}, min_count=min_count)

reasons = clean.quarantine_by_reason()
display(outputs.shown(reasons, "en", min_count=min_count))
_ = outputs.save_table(reasons, "quarantine_reasons", output_dir=output_dir,
                       prefix=figure_prefix,
                       headers_zh={"reason": "原因", "rows": "行数",
                                   "real_persons": "其中真实人员"}, min_count=min_count)

# %%
display(Markdown(findings.cleaning_outcome(summary, min_count=min_count)))

# %% [markdown]
# ## Every rule, how many rows it touched, and what was done

# %%
published_quality = quality.published(clean.quality, min_count)  # no roster cell repeated
display(outputs.shown(published_quality, "en", min_count=min_count))
_ = outputs.save_table(published_quality, "quality", output_dir=output_dir, prefix=figure_prefix,
                       headers_zh={"rule": "规则", "rows": "行数", "action": "处理",
                                   "detail": "说明"}, min_count=min_count)

# %%
rules = quality.rules_applied(clean.quality)
fig, ax = plt.subplots(figsize=(7, 0.35 * len(rules) + 1.6))
draw_rules(ax, rules, synthetic=synthetic, lang=lang, min_count=min_count)
_ = plots.save_figure(fig, "rules", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# Red bars are rows refused into the quarantine; blue bars are rows kept, with a value
# normalised, filled from the household head's row, or only counted (for example a
# declared household size that differs from the members found, or a village matched
# through an *assumed* crosswalk link).

# %% [markdown]
# ## How each village's rows were matched

# %%
evidence = quality.village_evidence(clean.households)
if evidence.empty:
    outputs.not_available("village matching", "no row of the roster was kept",
                          output_dir=output_dir, prefix=figure_prefix)  # fmt: skip
else:
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(evidence) + 1.9))
    draw_village_evidence(ax, evidence, synthetic=synthetic, lang=lang, min_count=min_count)
    _ = plots.save_figure(fig, "village_evidence", output_dir=output_dir, prefix=figure_prefix)

# %%
display(Markdown(findings.assumed_links_note(quality.assumed_links(evidence),
                                             min_count=min_count)))

# %% [markdown]
# Caveats: a refused row is refused, not corrected — fix it in the source system and
# export again; rows are matched on the names in the reference folder's `crosswalk.csv`.
