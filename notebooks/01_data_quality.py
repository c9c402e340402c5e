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
# # 建档立卡名册数据质量（2016 年）
# *Data quality of the 2016 registration roster: what came in, what was changed, what was
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
salt: str = "fupin"  # salt of the pseudonymous person and household keys
reference_date: str = "2016-12-31"  # day at which ages are computed
output_dir: str = ""  # report run folder (empty: write nothing)
figure_prefix: str = "01_data_quality"  # prefix of figure and table file names
lang: str = "zh"  # labels: zh or en

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from fupin_analysis import clean_roster, outputs, plots, read_roster
from fupin_analysis.provenance import is_synthetic
from fupin_analysis.schema import ROSTER_COLUMNS

plots.use_style()
outputs.show_banner(roster)
synthetic = "（合成数据）" if is_synthetic(roster) else ""

# %% [markdown]
# ## What came in

# %%
raw = read_roster(roster, sheet=sheet or None, encoding=encoding or None)
clean = clean_roster(raw, salt=salt, reference_date=reference_date)

found = [c for c in raw.columns if c != "source_row"]
columns = pd.DataFrame(
    {
        "column": [c.name for c in ROSTER_COLUMNS],
        "header": [c.header for c in ROSTER_COLUMNS],
        "required": [c.required for c in ROSTER_COLUMNS],
        "present": [c.name in found for c in ROSTER_COLUMNS],
    }
)
intake = pd.DataFrame(
    {
        "item": ["file", "sheet", "header row", "encoding", "data rows", "unknown columns"],
        "value": [
            Path(roster).name,
            raw.attrs.get("source_sheet") or "",
            raw.attrs.get("header_row") or "",
            raw.attrs.get("encoding") or "",
            len(raw),
            ", ".join(raw.attrs.get("unknown_columns", [])) or "none",
        ],
    }
).astype({"value": "str"})
display(intake)
display(columns[~columns["present"]])

# %% [markdown]
# The table above lists the roster columns of the national system that this file does
# not have (optional ones are simply left empty in the clean tables).

# %% [markdown]
# ## What came out

# %%
summary = clean.summary()
display(summary)
_ = outputs.save_table(summary, "summary", output_dir=output_dir, prefix=figure_prefix,
                  headers_zh={"item": "项目", "value": "数量"})

reasons = (
    clean.quarantine.groupby("reason", observed=True)
    .agg(rows=("source_row", "size"), real_persons=("counts_as_person", "sum"))
    .reset_index()
    .sort_values("rows", ascending=False)
)
display(reasons)
_ = outputs.save_table(reasons, "quarantine_reasons", output_dir=output_dir, prefix=figure_prefix,
                  headers_zh={"reason": "原因", "rows": "行数", "real_persons": "其中真实人员"})

# %%
s = dict(zip(summary["item"], summary["value"], strict=True))
display(Markdown(
    f"Of **{s['rows_read']:,}** data rows, **{s['members']:,}** people were kept in "
    f"**{s['households']:,}** households and **{s['quarantined']:,}** rows were refused. "
    f"Of the refused rows, **{s['quarantined_persons']:,}** are real people refused for a "
    "defect (their identity number is missing, mangled or invalid, or their village is "
    "unknown); the others repeat a row or a person already kept. Counting the refused real "
    f"people too gives **{s['persons']:,}** registered persons: this is the number to set "
    "beside a published total, and the quarantined people are the ones to fix at the source."
))

# %% [markdown]
# ## Every rule, how many rows it touched, and what was done

# %%
quality = clean.quality
display(quality)
_ = outputs.save_table(quality, "quality", output_dir=output_dir, prefix=figure_prefix,
                  headers_zh={"rule": "规则", "rows": "行数", "action": "处理", "detail": "说明"})

# %%
refused = quality["action"].str.startswith("quarantined")
shown = quality[quality["rows"] > 0].copy()
colour = ["#c0392b" if r else "#2c7fb8" for r in refused[shown.index]]
fig, ax = plt.subplots(figsize=(7, 0.35 * len(shown) + 1.2))
ax.barh(shown["rule"], shown["rows"], color=colour)
ax.invert_yaxis()
if len(shown):
    ax.set_xscale("log")
else:
    ax.text(0.5, 0.5, plots.tr("没有规则改动任何行", lang), ha="center", transform=ax.transAxes)
ax.set_xlabel(plots.tr("受影响的行数（对数刻度）", lang))
ax.set_title(plots.tr(
    f"2016 年名册清洗：各规则影响的行数{synthetic}\n红：拒收；蓝：保留（修正或计数）", lang
))
for y, value in enumerate(shown["rows"]):
    ax.text(value, y, f" {value:,}", va="center", fontsize=8)
_ = plots.save_figure(fig, "rules", output_dir=output_dir, prefix=figure_prefix)

# %% [markdown]
# Red bars are rows refused into the quarantine; blue bars are rows kept, with a value
# normalised, filled from the household head's row, or only counted (for example a
# declared household size that differs from the members found, or a village matched
# through an *assumed* crosswalk link).

# %% [markdown]
# ## How each village's rows were matched

# %%
evidence = (
    clean.households.groupby(["village_name", "village_evidence"], observed=True)["members"]
    .sum()
    .unstack(fill_value=0)
)
evidence = evidence.loc[evidence.sum(axis=1).sort_values().index]
fig, ax = plt.subplots(figsize=(7, 0.28 * len(evidence) + 1.5))
evidence.plot.barh(stacked=True, ax=ax, width=0.8, colormap="tab10")
ax.set_xlabel(plots.tr("保留的人数", lang))
ax.set_ylabel("")
ax.set_yticklabels([plots.tr(t.get_text(), lang) for t in ax.get_yticklabels()])
ax.set_title(plots.tr(f"2016 年各村人员的村名匹配依据{synthetic}", lang))
ax.legend(title=plots.tr("匹配依据", lang), fontsize=8, loc="lower right")
_ = plots.save_figure(fig, "village_evidence", output_dir=output_dir, prefix=figure_prefix)

# %%
assumed = evidence.get("assumed", pd.Series(dtype=int))
assumed = assumed[assumed > 0]
display(Markdown(
    "Names matched through an **assumed** link (the successor unit of a pre-2016 village "
    "name, such as 下铁坡, 利试, 潭泥 or 大湾, is not documented in any public source) are kept "
    "but must be read with care: "
    + (", ".join(f"{v} ({n:,} people)" for v, n in assumed.items()) or "none in this roster")
    + ". Caveats: a refused row is refused, not corrected — fix it in the source system and "
    "export again; rows are matched on the names in `data/reference/crosswalk.csv`."
))
